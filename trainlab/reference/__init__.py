"""Reference answers, one module per notebook. Instructor-only: the student bundle leaves it out.

Modules here import nothing from trainlab, so they can be read on their own: NumPy only, except
transfer_learning (notebook 08 is about PyTorch models, so its answers are PyTorch).
"""
