"""Activation functions as forward/backward pairs (reference answers for 01_activations).

Every forward takes an input array ``x`` of any shape (maxout: (N, D)) and returns
``(out, cache)``; every backward takes the upstream gradient ``dout`` (out's shape) and
that cache, and returns the gradient for each array input of the forward, in order.
"""
import numpy as np


def sigmoid_forward(x):
    """sigma(x) = 1 / (1 + exp(-x)), computed without overflow for any x.

    exp(-|x|) is at most 1, so neither branch can overflow:
    x >= 0: 1 / (1 + exp(-x));   x < 0: exp(x) / (1 + exp(x)).
    """
    z = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return out, out


def sigmoid_backward(dout, cache):
    """d sigma / dx = sigma (1 - sigma): at most 1/4, and ~0 once |x| is large (saturation)."""
    out = cache
    return dout * out * (1.0 - out)


def tanh_forward(x):
    """tanh(x) = 2 sigma(2x) - 1: zero-centred, but it saturates like the sigmoid."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """d tanh / dx = 1 - tanh(x)^2."""
    out = cache
    return dout * (1.0 - out ** 2)


def relu_forward(x):
    """max(0, x)."""
    return np.maximum(0.0, x), x


def relu_backward(dout, cache):
    """Gradient 1 where x > 0, else 0 (we take 0 at x = 0, as PyTorch does)."""
    x = cache
    return dout * (x > 0)


def leaky_relu_forward(x, alpha=0.01):
    """x for x > 0, alpha * x otherwise. The slope alpha is a parameter (0.01 by default)."""
    out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)


def leaky_relu_backward(dout, cache):
    """Gradient 1 where x > 0, else alpha."""
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha)


def prelu_forward(x, alpha):
    """Parametric ReLU: leaky ReLU whose slope is learned, one per feature.

    x: (N, D); alpha: (D,). Returns out (N, D).
    """
    out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)


def prelu_backward(dout, cache):
    """Returns dx (N, D) and dalpha (D,): the slope's gradient sums over the batch, where x <= 0."""
    x, alpha = cache
    dx = dout * np.where(x > 0, 1.0, alpha)
    dalpha = np.sum(dout * np.where(x > 0, 0.0, x), axis=0)
    return dx, dalpha


def elu_forward(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise. expm1 of min(x, 0) never overflows."""
    neg = alpha * np.expm1(np.minimum(x, 0.0))
    out = np.where(x > 0, x, neg)
    return out, (x, alpha)


def elu_backward(dout, cache):
    """Gradient 1 where x > 0, else alpha * exp(x)."""
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def gelu_forward(x):
    """GELU, tanh approximation (as torch.nn.functional.gelu(x, approximate="tanh")):
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    c = np.sqrt(2.0 / np.pi)
    t = np.tanh(c * (x + 0.044715 * x ** 3))
    return 0.5 * x * (1.0 + t), (x, t)


def gelu_backward(dout, cache):
    """Product rule: 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 * 0.044715 x^2)."""
    x, t = cache
    c = np.sqrt(2.0 / np.pi)
    local = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t ** 2) * c * (1.0 + 3 * 0.044715 * x ** 2)
    return dout * local


def maxout_forward(x, W1, b1, W2, b2):
    """Maxout with two pieces: max(x W1 + b1, x W2 + b2), elementwise.

    x: (N, D); W1, W2: (D, H); b1, b2: (H,). Returns out (N, H).
    """
    z1 = x @ W1 + b1
    z2 = x @ W2 + b2
    first = z1 >= z2                      # which piece wins (ties go to the first)
    out = np.where(first, z1, z2)
    return out, (x, W1, W2, first)


def maxout_backward(dout, cache):
    """The gradient flows only into the winning piece. Returns dx, dW1, db1, dW2, db2."""
    x, W1, W2, first = cache
    dz1 = dout * first
    dz2 = dout * ~first
    dx = dz1 @ W1.T + dz2 @ W2.T
    return dx, x.T @ dz1, dz1.sum(axis=0), x.T @ dz2, dz2.sum(axis=0)
