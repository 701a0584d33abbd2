"""Misconceptions for 01_activations (see __init__.py for the format)."""
import math

import numpy as np

REFERENCE = "activations"


# -- 1. sigmoid ---------------------------------------------------------------------------------------

def sigmoid_backward_no_one_minus(dout, cache):
    out = cache
    return dout * out                                  # missing (1 - out)


def sigmoid_forward_naive(x):
    out = 1.0 / (1.0 + np.exp(-x))                     # exp(1000) overflows
    return out, out


def sigmoid_forward_caches_x(x):
    z = np.exp(-np.abs(x))
    out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
    return out, x                                      # caches x ...


def sigmoid_backward_of_cached_x(dout, cache):
    x = cache
    return dout * x * (1.0 - x)                        # ... and uses it as if it were sigma(x)


def sigmoid_backward_no_dout(dout, cache):
    out = cache
    return out * (1.0 - out)                           # the local gradient only: chain rule forgotten


# -- 2. tanh ------------------------------------------------------------------------------------------

def tanh_forward_caches_x(x):
    return np.tanh(x), x


def tanh_backward_of_cached_x(dout, cache):
    x = cache
    return dout * (1.0 - x ** 2)                       # 1 - x^2 instead of 1 - tanh(x)^2


def tanh_backward_no_square(dout, cache):
    out = cache
    return dout * (1.0 - out)


def tanh_backward_no_dout(dout, cache):
    out = cache
    return 1.0 - out ** 2


# -- 3. ReLU ------------------------------------------------------------------------------------------

def relu_backward_at_zero(dout, cache):
    x = cache
    return dout * (x >= 0)                             # gradient 1 at x = 0


def relu_backward_no_dout(dout, cache):
    x = cache
    return (x > 0).astype(float)


def relu_forward_in_place(x):
    x[x < 0] = 0.0                                     # changes the caller's array
    return x, x


def relu_backward_passes_dout(dout, cache):
    return dout.copy()                                 # no mask: every unit gets the gradient


# -- 4. leaky ReLU and PReLU --------------------------------------------------------------------------

def leaky_relu_forward_fixed_slope(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x), (x, 0.01)     # alpha ignored


def leaky_relu_backward_fixed_slope(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, 0.01)


def leaky_relu_backward_like_relu(dout, cache):
    x, alpha = cache
    return dout * (x > 0)                              # slope 0 on the negative side


def leaky_relu_forward_default_01(x, alpha=0.1):
    out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)


def leaky_relu_backward_slopes_swapped(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, alpha, 1.0)


def prelu_backward_dalpha_not_summed(dout, cache):
    x, alpha = cache
    dx = dout * np.where(x > 0, 1.0, alpha)
    return dx, dout * np.where(x > 0, 0.0, x)          # (N, D): one slope gradient per example


def prelu_backward_dalpha_everywhere(dout, cache):
    x, alpha = cache
    dx = dout * np.where(x > 0, 1.0, alpha)
    return dx, np.sum(dout * x, axis=0)                # x > 0 included


def prelu_backward_dx_without_alpha(dout, cache):
    x, alpha = cache
    dx = dout * (x > 0)
    return dx, np.sum(dout * np.where(x > 0, 0.0, x), axis=0)


def prelu_backward_dalpha_wrong_axis(dout, cache):
    x, alpha = cache
    dx = dout * np.where(x > 0, 1.0, alpha)
    return dx, np.sum(dout * np.where(x > 0, 0.0, x), axis=1)


# -- 5. ELU and GELU ----------------------------------------------------------------------------------

def elu_forward_naive(x, alpha=1.0):
    out = np.where(x > 0, x, alpha * (np.exp(x) - 1.0))   # exp(1000) overflows, though that branch is not taken
    return out, (x, alpha)


def elu_forward_caches_out(x, alpha=1.0):
    out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))
    return out, (out, x, alpha)


def elu_backward_out_without_alpha(dout, cache):
    out, x, alpha = cache
    return dout * np.where(x > 0, 1.0, out)            # the derivative is out + alpha, not out


def elu_backward_without_alpha(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, np.exp(np.minimum(x, 0.0)))


def gelu_forward_erf(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0))), x  # the exact GELU, not the tanh form


def gelu_backward_erf(dout, cache):
    x = cache
    erf = np.vectorize(math.erf)
    return dout * (0.5 * (1.0 + erf(x / np.sqrt(2.0))) + x * np.exp(-x ** 2 / 2) / np.sqrt(2 * np.pi))


def gelu_backward_no_product_rule(dout, cache):
    x, t = cache
    return dout * 0.5 * (1.0 + t)                      # d/dx of x is used, d/dx of t forgotten


def gelu_backward_no_three(dout, cache):
    x, t = cache
    c = np.sqrt(2.0 / np.pi)
    local = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t ** 2) * c * (1.0 + 0.044715 * x ** 2)   # d(x^3)/dx = 3x^2
    return dout * local


# -- 6. maxout ----------------------------------------------------------------------------------------

def maxout_backward_both_pieces(dout, cache):
    x, W1, W2, first = cache
    dx = dout @ W1.T + dout @ W2.T                     # the gradient flows into both pieces
    return dx, x.T @ dout, dout.sum(axis=0), x.T @ dout, dout.sum(axis=0)


def maxout_backward_bias_not_summed(dout, cache):
    x, W1, W2, first = cache
    dz1, dz2 = dout * first, dout * ~first
    return dz1 @ W1.T + dz2 @ W2.T, x.T @ dz1, dz1, x.T @ dz2, dz2


def maxout_backward_dx_one_weight(dout, cache):
    x, W1, W2, first = cache
    dz1, dz2 = dout * first, dout * ~first
    return (dz1 + dz2) @ W1.T, x.T @ dz1, dz1.sum(axis=0), x.T @ dz2, dz2.sum(axis=0)


def maxout_backward_sign_slip(dout, cache):
    x, W1, W2, first = cache
    dz1, dz2 = dout * first, dout * ~first
    return dz1 @ W1.T + dz2 @ W2.T, x.T @ dz1, dz1.sum(axis=0), -x.T @ dz2, dz2.sum(axis=0)


CATALOGUE = {
    "test_sigmoid": [
        {"name": "sigmoid_backward without the (1 - σ) factor",
         "advice": "dσ/dx = σ(1 - σ): multiply dout by out * (1 - out), not by out alone",
         "section": "1", "wrong": {"sigmoid_backward": sigmoid_backward_no_one_minus}, "hint": True},
        {"name": "sigmoid computed as 1 / (1 + exp(-x)), which overflows for large negative x",
         "advice": "Compute exp only of -|x| and use two branches (1 / (1 + z) for x >= 0, z / (1 + z) for x < 0)",
         "section": "1", "wrong": {"sigmoid_forward": sigmoid_forward_naive}, "hint": True},
        {"name": "sigmoid_backward applied to the cached x instead of σ(x)",
         "advice": "Cache the output σ(x) in sigmoid_forward and use it in the backward pass: σ(x)(1 - σ(x)), "
                   "not x(1 - x)",
         "section": "1", "wrong": {"sigmoid_forward": sigmoid_forward_caches_x,
                                   "sigmoid_backward": sigmoid_backward_of_cached_x}},
        {"name": "sigmoid_backward returns the local gradient without dout",
         "advice": "Chain rule: multiply the local gradient σ(1 - σ) by the upstream gradient dout",
         "section": "1", "wrong": {"sigmoid_backward": sigmoid_backward_no_dout}},
    ],
    "test_tanh": [
        {"name": "tanh_backward as 1 - x² instead of 1 - tanh(x)²",
         "advice": "The derivative is 1 - tanh(x)²: cache the output of tanh_forward and square that",
         "section": "2", "wrong": {"tanh_forward": tanh_forward_caches_x, "tanh_backward": tanh_backward_of_cached_x}},
        {"name": "tanh_backward without the square (1 - tanh(x))",
         "advice": "d tanh/dx = 1 - tanh(x)²: square the cached output", "section": "2",
         "wrong": {"tanh_backward": tanh_backward_no_square}},
        {"name": "tanh_backward returns the local gradient without dout",
         "advice": "Chain rule: multiply 1 - tanh(x)² by the upstream gradient dout", "section": "2",
         "wrong": {"tanh_backward": tanh_backward_no_dout}},
    ],
    "test_relu": [
        {"name": "relu_backward passes the gradient at x = 0",
         "advice": "Use the mask x > 0 (not x >= 0): the gradient at 0 is taken as 0, as PyTorch does",
         "section": "3", "wrong": {"relu_backward": relu_backward_at_zero}},
        {"name": "relu_backward returns the mask without dout",
         "advice": "Chain rule: dx = dout * (x > 0)", "section": "3", "wrong": {"relu_backward": relu_backward_no_dout}},
        {"name": "relu_forward changes its input in place",
         "advice": "Compute a new array (np.maximum(0, x)) instead of writing into x", "section": "3",
         "wrong": {"relu_forward": relu_forward_in_place}},
        {"name": "relu_backward without the mask",
         "advice": "Only the units with x > 0 pass the gradient: dx = dout * (x > 0)", "section": "3",
         "wrong": {"relu_backward": relu_backward_passes_dout}},
    ],
    "test_leaky_relu": [
        {"name": "leaky ReLU with the slope 0.01 hard-coded (alpha ignored)",
         "advice": "Use the alpha argument in the forward pass and keep it in the cache for the backward pass",
         "section": "4", "wrong": {"leaky_relu_forward": leaky_relu_forward_fixed_slope,
                                   "leaky_relu_backward": leaky_relu_backward_fixed_slope}},
        {"name": "leaky_relu_backward copied from ReLU (slope 0 for x <= 0)",
         "advice": "The negative side has slope alpha: dx = dout * where(x > 0, 1, alpha)", "section": "4",
         "wrong": {"leaky_relu_backward": leaky_relu_backward_like_relu}},
        {"name": "leaky ReLU with the default alpha 0.1",
         "advice": "The default slope is alpha=0.01 (as torch.nn.LeakyReLU)", "section": "4",
         "wrong": {"leaky_relu_forward": leaky_relu_forward_default_01}},
        {"name": "leaky_relu_backward with the two slopes swapped",
         "advice": "Slope 1 where x > 0 and alpha elsewhere", "section": "4",
         "wrong": {"leaky_relu_backward": leaky_relu_backward_slopes_swapped}},
    ],
    "test_prelu": [
        {"name": "PReLU's dalpha not summed over the batch",
         "advice": "alpha has one slope per feature, shape (D,): sum dout * x (where x <= 0) over axis 0",
         "section": "4", "wrong": {"prelu_backward": prelu_backward_dalpha_not_summed}},
        {"name": "PReLU's dalpha summed where x > 0 too",
         "advice": "alpha only acts where x <= 0: dalpha = sum over the batch of dout * x where x <= 0, else 0",
         "section": "4", "wrong": {"prelu_backward": prelu_backward_dalpha_everywhere}},
        {"name": "PReLU's dx without the slope alpha on the negative side",
         "advice": "dx = dout * where(x > 0, 1, alpha)", "section": "4",
         "wrong": {"prelu_backward": prelu_backward_dx_without_alpha}},
        {"name": "PReLU's dalpha summed over the features instead of the batch",
         "advice": "Sum over axis 0 (the examples), so dalpha has alpha's shape (D,)", "section": "4",
         "wrong": {"prelu_backward": prelu_backward_dalpha_wrong_axis}},
    ],
    "test_elu": [
        {"name": "ELU computed with exp(x) on every entry (overflows for large x)",
         "advice": "np.where evaluates both branches: take exp (or expm1) of np.minimum(x, 0) only", "section": "5",
         "wrong": {"elu_forward": elu_forward_naive}, "hint": True},
        {"name": "elu_backward uses out instead of out + alpha for x <= 0",
         "advice": "For x <= 0 the derivative of alpha (e^x - 1) is alpha e^x = out + alpha", "section": "5",
         "wrong": {"elu_forward": elu_forward_caches_out, "elu_backward": elu_backward_out_without_alpha}},
        {"name": "elu_backward without alpha",
         "advice": "For x <= 0 the derivative is alpha * exp(x): keep alpha in the cache", "section": "5",
         "wrong": {"elu_backward": elu_backward_without_alpha}},
    ],
    "test_gelu": [
        {"name": "the exact (erf) GELU instead of the tanh approximation",
         "advice": "Use 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³))), as F.gelu(x, approximate=\"tanh\")",
         "section": "5", "wrong": {"gelu_forward": gelu_forward_erf, "gelu_backward": gelu_backward_erf}},
        {"name": "gelu_backward without the product rule's second term",
         "advice": "GELU is 0.5 x (1 + t(x)): its derivative is 0.5 (1 + t) + 0.5 x t'(x)", "section": "5",
         "wrong": {"gelu_backward": gelu_backward_no_product_rule}},
        {"name": "gelu_backward with d(x³)/dx taken as x²",
         "advice": "The inner derivative is sqrt(2/π) (1 + 3 · 0.044715 x²)", "section": "5",
         "wrong": {"gelu_backward": gelu_backward_no_three}},
    ],
    "test_maxout": [
        {"name": "maxout_backward sends the gradient into both pieces",
         "advice": "Only the winning piece gets the gradient: mask dout with (z1 >= z2) for piece 1 and its "
                   "complement for piece 2",
         "section": "6", "wrong": {"maxout_backward": maxout_backward_both_pieces}},
        {"name": "maxout's bias gradients not summed over the batch",
         "advice": "db1 and db2 have shape (H,): sum the masked dout over axis 0", "section": "6",
         "wrong": {"maxout_backward": maxout_backward_bias_not_summed}},
        {"name": "maxout's dx computed with W1 for both pieces",
         "advice": "dx = dz1 @ W1.T + dz2 @ W2.T: each piece through its own weights", "section": "6",
         "wrong": {"maxout_backward": maxout_backward_dx_one_weight}},
        {"name": "a sign slip in maxout's dW2",
         "advice": "dW2 = x.T @ dz2, with the same sign as dW1", "section": "6",
         "wrong": {"maxout_backward": maxout_backward_sign_slip}},
    ],
}
