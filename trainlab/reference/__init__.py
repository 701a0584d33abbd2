"""NumPy reference answers, one module per notebook. Instructor-only: the student bundle leaves it out.

Modules here import nothing from trainlab (only NumPy), so they can be read on their own.
"""
