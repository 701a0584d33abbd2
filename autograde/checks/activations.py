"""Trusted checks for 01_activations: one function per graded test cell, named as its grade_id.

They run in the grader's process (autograde/judge.py); ``student`` reaches the student's code in the sandbox.
"""
import warnings
from trainlab.reference import activations as ref
import numpy as np
import torch
import torch.nn.functional as F
import matplotlib.pyplot as plt

from trainlab import gradcheck, grading, torchcheck
from trainlab.plots import plot_functions, plot_curves


def test_sigmoid(student):
    """Sigmoid: numerical gradient, PyTorch, stability (3 points)"""
    rng = np.random.default_rng(11)   # this cell's own random numbers
    import warnings
    import torch
    x = rng.standard_normal((4, 5))
    grading.check_gradients(student.sigmoid_forward, student.sigmoid_backward, [x], names=["dx"])
    dout = rng.standard_normal((4, 5))
    out, cache = student.sigmoid_forward(x)
    grading.check_torch("sigmoid (out, dx)", (out, (student.sigmoid_backward(dout, cache),)), torch.sigmoid, [x], dout)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # any overflow warning fails this test
        big, _ = student.sigmoid_forward(np.array([-1000.0, 0.0, 1000.0]))
    grading.check_close("sigmoid_forward([-1000, 0, 1000])", big, np.array([0.0, 0.5, 1.0]))
    hrng = np.random.default_rng(1101)
    for shape in [(7,), (3, 11), (1, 6), (2, 3, 4)]:
        xh = 4 * hrng.standard_normal(shape)
        grading.check_forward(student.sigmoid_forward, ref.sigmoid_forward, xh)
        grading.check_backward(student.sigmoid_forward, student.sigmoid_backward, ref.sigmoid_forward, ref.sigmoid_backward, [xh], names=["dx"])
    edge = np.array([0.0, -0.0, 1e-12, -745.0, 745.0, -1e6, 1e6])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grading.check_forward(student.sigmoid_forward, ref.sigmoid_forward, edge)
    grading.check_forward(student.sigmoid_forward, ref.sigmoid_forward, np.zeros((1, 1)))
    grading.numpy_only(student.sigmoid_forward, xh)
    grading.numpy_only(student.sigmoid_backward, xh, student.sigmoid_forward(xh)[1])


def test_tanh(student):
    """tanh: numerical gradient and PyTorch (2 points)"""
    rng = np.random.default_rng(12)   # this cell's own random numbers
    x = rng.standard_normal((5, 3))
    grading.check_gradients(student.tanh_forward, student.tanh_backward, [x], names=["dx"])
    dout = rng.standard_normal((5, 3))
    out, cache = student.tanh_forward(x)
    grading.check_torch("tanh (out, dx)", (out, (student.tanh_backward(dout, cache),)), torch.tanh, [x], dout)
    hrng = np.random.default_rng(1102)
    for shape in [(9,), (2, 7), (1, 1), (3, 2, 5)]:
        xh = 3 * hrng.standard_normal(shape)
        grading.check_forward(student.tanh_forward, ref.tanh_forward, xh)
        grading.check_backward(student.tanh_forward, student.tanh_backward, ref.tanh_forward, ref.tanh_backward, [xh], names=["dx"])
    grading.check_backward(student.tanh_forward, student.tanh_backward, ref.tanh_forward, ref.tanh_backward, [np.array([0.0, 50.0, -50.0])])
    grading.numpy_only(student.tanh_forward, xh)


def test_relu(student):
    """ReLU: numerical gradient and PyTorch (2 points)"""
    rng = np.random.default_rng(13)   # this cell's own random numbers
    x = rng.standard_normal((6, 4))
    grading.check_gradients(student.relu_forward, student.relu_backward, [x], names=["dx"])
    dout = rng.standard_normal((6, 4))
    out, cache = student.relu_forward(x)
    grading.check_torch("relu (out, dx)", (out, (student.relu_backward(dout, cache),)), torch.relu, [x], dout)
    hrng = np.random.default_rng(1103)
    for shape in [(10,), (4, 9), (1, 3), (2, 2, 2, 2)]:
        xh = hrng.standard_normal(shape)
        grading.check_forward(student.relu_forward, ref.relu_forward, xh)
        grading.check_backward(student.relu_forward, student.relu_backward, ref.relu_forward, ref.relu_backward, [xh], names=["dx"])
    grading.check_backward(student.relu_forward, student.relu_backward, ref.relu_forward, ref.relu_backward, [np.zeros((2, 3))], names=["dx"])
    grading.numpy_only(student.relu_forward, xh)


def test_leaky_relu(student):
    """Leaky ReLU, with its default and other slopes (2 points)"""
    rng = np.random.default_rng(14)
    x, dout = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    grading.check_gradients(student.leaky_relu_forward, student.leaky_relu_backward, [x], names=["dx"])
    grading.check_gradients(student.leaky_relu_forward, student.leaky_relu_backward, [x], kwargs={"alpha": 0.2}, names=["dx"])
    for a in [0.01, 0.1, 0.3]:
        out, cache = student.leaky_relu_forward(x, alpha=a)
        grading.check_torch(f"leaky_relu alpha={a} (out, dx)", (out, (student.leaky_relu_backward(dout, cache),)),
                            lambda t, a=a: F.leaky_relu(t, negative_slope=a), [x], dout)
    out, _ = student.leaky_relu_forward(np.array([-100.0]))
    grading.check_close("leaky_relu_forward(-100) with the default alpha", out, np.array([-1.0]))
    hrng = np.random.default_rng(1104)
    for shape, a in [((8,), 0.01), ((3, 6), 0.001), ((1, 5), 0.25), ((2, 3, 4), 0.1)]:
        xh = hrng.standard_normal(shape)
        grading.check_forward(student.leaky_relu_forward, ref.leaky_relu_forward, xh, alpha=a)
        grading.check_backward(student.leaky_relu_forward, student.leaky_relu_backward, ref.leaky_relu_forward,
                               ref.leaky_relu_backward, [xh], {"alpha": a}, names=["dx"])
    grading.check_forward(student.leaky_relu_forward, ref.leaky_relu_forward, xh)
    grading.numpy_only(student.leaky_relu_forward, xh)


def test_prelu(student):
    """PReLU: one learned slope per feature (1 point)"""
    rng = np.random.default_rng(16)
    x, dout = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    alpha = rng.uniform(0.05, 0.3, size=4)
    grading.check_gradients(student.prelu_forward, student.prelu_backward, [x, alpha], names=["dx", "dalpha"])
    out, cache = student.prelu_forward(x, alpha)
    grading.check_torch("prelu (out, (dx, dalpha))", (out, student.prelu_backward(dout, cache)), F.prelu, [x, alpha], dout)
    hrng = np.random.default_rng(1106)
    for n, d in [(7, 3), (1, 9)]:
        xh, ah = hrng.standard_normal((n, d)), hrng.uniform(0, 0.5, size=d)
        grading.check_forward(student.prelu_forward, ref.prelu_forward, xh, ah)
        grading.check_backward(student.prelu_forward, student.prelu_backward, ref.prelu_forward, ref.prelu_backward,
                               [xh, ah], names=["dx", "dalpha"])
    grading.numpy_only(student.prelu_backward, xh, student.prelu_forward(xh, ah)[1])


def test_elu(student):
    """ELU (2 points)"""
    rng = np.random.default_rng(15)
    x, dout = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    grading.check_gradients(student.elu_forward, student.elu_backward, [x], names=["dx"])
    grading.check_gradients(student.elu_forward, student.elu_backward, [x], kwargs={"alpha": 0.5}, names=["dx"])
    out, cache = student.elu_forward(x, alpha=0.5)
    grading.check_torch("elu alpha=0.5 (out, dx)", (out, (student.elu_backward(dout, cache),)),
                        lambda t: F.elu(t, alpha=0.5), [x], dout)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big, _ = student.elu_forward(np.array([1000.0, -1000.0]))
    grading.check_close("elu_forward([1000, -1000])", big, np.array([1000.0, -1.0]))
    hrng = np.random.default_rng(1105)
    for shape, a in [((6,), 1.0), ((3, 5), 0.3), ((1, 2), 2.0), ((2, 2, 3), 1.5)]:
        xh = 2 * hrng.standard_normal(shape)
        grading.check_forward(student.elu_forward, ref.elu_forward, xh, alpha=a)
        grading.check_backward(student.elu_forward, student.elu_backward, ref.elu_forward, ref.elu_backward, [xh],
                               {"alpha": a}, names=["dx"])
    grading.check_forward(student.elu_forward, ref.elu_forward, xh)
    grading.numpy_only(student.elu_forward, xh)


def test_gelu(student):
    """GELU, tanh form (1 point)"""
    rng = np.random.default_rng(17)
    x, dout = rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    grading.check_gradients(student.gelu_forward, student.gelu_backward, [x], names=["dx"])
    out, cache = student.gelu_forward(x)
    grading.check_torch("gelu (out, dx)", (out, (student.gelu_backward(dout, cache),)),
                        lambda t: F.gelu(t, approximate="tanh"), [x], dout)
    hrng = np.random.default_rng(1107)
    for shape in [(6,), (3, 5), (1, 2), (2, 2, 3)]:
        xh = 2 * hrng.standard_normal(shape)
        grading.check_forward(student.gelu_forward, ref.gelu_forward, xh)
        grading.check_backward(student.gelu_forward, student.gelu_backward, ref.gelu_forward, ref.gelu_backward, [xh],
                               names=["dx"])
    grading.numpy_only(student.gelu_forward, xh)


def test_maxout(student):
    """Maxout: numerical gradients of all five inputs and PyTorch (3 points)"""
    rng = np.random.default_rng(16)   # this cell's own random numbers
    N, D, H = 5, 4, 3
    x = rng.standard_normal((N, D))
    W1, W2 = rng.standard_normal((D, H)), rng.standard_normal((D, H))
    b1, b2 = rng.standard_normal(H), rng.standard_normal(H)
    grading.check_gradients(student.maxout_forward, student.maxout_backward, [x, W1, b1, W2, b2], names=["dx", "dW1", "db1", "dW2", "db2"])
    dout = rng.standard_normal((N, H))
    out, cache = student.maxout_forward(x, W1, b1, W2, b2)
    grading.check_torch("maxout (out, grads)", (out, student.maxout_backward(dout, cache)),
                        lambda x, W1, b1, W2, b2: torch.maximum(x @ W1 + b1, x @ W2 + b2), [x, W1, b1, W2, b2], dout)
    hrng = np.random.default_rng(1106)
    for n, d, h in [(1, 3, 2), (9, 2, 7), (4, 6, 1)]:
        args = [hrng.standard_normal((n, d)), hrng.standard_normal((d, h)), hrng.standard_normal(h),
                hrng.standard_normal((d, h)), hrng.standard_normal(h)]
        grading.check_forward(student.maxout_forward, ref.maxout_forward, *args)
        grading.check_backward(student.maxout_forward, student.maxout_backward, ref.maxout_forward, ref.maxout_backward, args,
                               names=["dx", "dW1", "db1", "dW2", "db2"])
    grading.numpy_only(student.maxout_backward, hrng.standard_normal((n, h)), student.maxout_forward(*args)[1])
