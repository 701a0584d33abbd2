"""trainlab: the helper package of the "Training Neural Networks" course kit.

    trainlab.gradcheck    numerical gradients (the oracle students also have)
    trainlab.torchcheck   the same computation in PyTorch, on CUDA when available
    trainlab.grading      the checks that notebook test cells call
    trainlab.data, plots, widgets, train   what notebooks use to load, show and train
    (and, in the instructor's copy only, the NumPy reference answers)
"""
__version__ = "0.1.0"
