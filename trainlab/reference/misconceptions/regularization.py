"""Misconceptions for 06_regularization (see __init__.py for the format).

Several come from tests/independent/06_regularization (wrong submissions written outside the project).
"""
import numpy as np

REFERENCE = "regularization"


# -- 1. penalties -------------------------------------------------------------------------------------

def l2_penalty_half(W, reg):
    return 0.5 * reg * np.sum(W ** 2), reg * W                 # the textbook's 1/2: not this course's R(W)


def l2_penalty_gradient_without_2(W, reg):
    return reg * np.sum(W * W), reg * W                         # loss right, gradient half


def l2_penalty_norm(W, reg):
    norm = np.sqrt(np.sum(W * W))
    return reg * norm, reg * W / norm                           # the norm, not its square


def l2_penalty_gradient_without_reg(W, reg):
    return reg * np.sum(W * W), 2.0 * W


def l1_penalty_gradient_ones(W, reg):
    return reg * np.sum(np.abs(W)), reg * np.ones_like(W)       # d|w|/dw taken as 1


def l1_penalty_sign_at_zero(W, reg):
    return reg * np.sum(np.abs(W)), np.where(W >= 0, reg, -reg)   # +reg at 0


def l1_penalty_no_abs(W, reg):
    return reg * np.sum(W), reg * np.sign(W)


def l1_penalty_w_over_abs(W, reg):
    with np.errstate(invalid="ignore", divide="ignore"):
        return reg * np.sum(np.abs(W)), reg * W / np.abs(W)     # 0/0 = NaN at 0


def elastic_net_beta_on_l1(W, reg, beta):
    return reg * np.sum(W * W + beta * np.abs(W)), reg * (2.0 * W + beta * np.sign(W))


def elastic_net_gradient_without_2(W, reg, beta):
    return reg * np.sum(beta * W * W + np.abs(W)), reg * (beta * W + np.sign(W))


def elastic_net_convex_mix(W, reg, beta):
    return (reg * np.sum(beta * W * W + (1 - beta) * np.abs(W)),
            reg * (2.0 * beta * W + (1 - beta) * np.sign(W)))


# -- 2. dropout ---------------------------------------------------------------------------------------

def _mask(shape, p, seed):
    return np.random.default_rng(seed).random(shape) < p


def dropout_forward_no_inverse(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        mask = _mask(x.shape, p, dropout_param.get("seed"))
        return x * mask, (dropout_param, mask)                  # not divided by p
    return x.copy(), (dropout_param, None)


def dropout_backward_no_inverse(dout, cache):
    dropout_param, mask = cache
    return dout * mask if dropout_param["mode"] == "train" else dout.copy()


def dropout_forward_drop_probability(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        mask = np.random.default_rng(dropout_param.get("seed")).random(x.shape) >= p   # PyTorch's p: drop
        out = x * mask / (1 - p) if p < 1 else np.zeros_like(x)
        return out, (dropout_param, mask)
    return x.copy(), (dropout_param, None)


def dropout_backward_drop_probability(dout, cache):
    dropout_param, mask = cache
    p = dropout_param["p"]
    return dout * mask / (1 - p) if dropout_param["mode"] == "train" and p < 1 else dout.copy()


def dropout_forward_test_scaled(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        mask = _mask(x.shape, p, dropout_param.get("seed"))
        return x * mask / p, (dropout_param, mask)
    return x * p, (dropout_param, None)                         # scaled at test time too (not inverted dropout)


def dropout_forward_global_rng(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        mask = np.random.rand(*x.shape) < p                     # the seed ignored
        return x * mask / p, (dropout_param, mask)
    return x.copy(), (dropout_param, None)


def dropout_forward_mask_not_cached(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        mask = _mask(x.shape, p, dropout_param.get("seed"))
        return x * mask / p, (dropout_param, x.shape)
    return x.copy(), (dropout_param, x.shape)


def dropout_backward_mask_redrawn(dout, cache):
    dropout_param, shape = cache
    if dropout_param["mode"] != "train":
        return dout.copy()
    p = dropout_param["p"]
    return dout * _mask(shape, p, dropout_param.get("seed")) / p   # a new mask unless there is a seed


def dropout_backward_ignores_mode(dout, cache):
    dropout_param, mask = cache
    return dout * mask / dropout_param["p"]                     # test mode has no mask


# -- 5. DropConnect -----------------------------------------------------------------------------------

def dropconnect_forward_no_inverse(x, W, b, dropconnect_param):
    p, mode = dropconnect_param["p"], dropconnect_param["mode"]
    scale = _mask(W.shape, p, dropconnect_param.get("seed")) * 1.0 if mode == "train" else np.ones_like(W)
    W_used = W * scale
    return x @ W_used + b, (x, W_used, scale)


def dropconnect_backward_dw_unmasked(dout, cache):
    x, W_used, scale = cache
    return dout @ W_used.T, x.T @ dout, dout.sum(axis=0)        # every weight gets a gradient


def dropconnect_forward_caches_w(x, W, b, dropconnect_param):
    p, mode = dropconnect_param["p"], dropconnect_param["mode"]
    scale = _mask(W.shape, p, dropconnect_param.get("seed")) / p if mode == "train" else np.ones_like(W)
    W_used = W * scale
    return x @ W_used + b, (x, W, scale)


def dropconnect_backward_dx_unmasked(dout, cache):
    x, W, scale = cache
    return dout @ W.T, (x.T @ dout) * scale, dout.sum(axis=0)   # dx through all the weights


# -- 6. max-norm ----------------------------------------------------------------------------------------

def max_norm_rows(W, c):
    norms = np.sqrt(np.sum(W * W, axis=1, keepdims=True))      # each input's outgoing weights
    return W * np.where(norms > c, c / np.where(norms > 0, norms, 1.0), 1.0)


def max_norm_clip_entries(W, c):
    return np.clip(W, -c, c)                                     # each weight, not each unit's vector


def max_norm_every_column(W, c):
    norms = np.sqrt(np.sum(W * W, axis=0, keepdims=True))
    return W * c / np.where(norms > 0, norms, 1.0)               # also scales up the small columns


def max_norm_whole_matrix(W, c):
    norm = np.sqrt(np.sum(W * W))
    return W * c / norm if norm > c else W.copy()                # the Frobenius norm of the layer


def max_norm_in_place(W, c):
    norms = np.sqrt(np.sum(W * W, axis=0, keepdims=True))
    W *= np.where(norms > c, c / np.where(norms > 0, norms, 1.0), 1.0)
    return W


# -- 7. stochastic depth ----------------------------------------------------------------------------------

def _gate(x, p, seed):
    keep = np.random.default_rng(seed).random(x.shape[0]) < p
    return keep.reshape((-1,) + (1,) * (x.ndim - 1))


def stochastic_depth_forward_no_inverse(x, residual, sd_param):
    p, mode = sd_param["survival_p"], sd_param["mode"]
    gate = _gate(x, p, sd_param.get("seed")) * 1.0 if mode == "train" else np.ones((1,) * x.ndim)
    return x + residual * gate, (sd_param, gate)                 # kept branches not divided by p


def stochastic_depth_forward_per_element(x, residual, sd_param):
    p, mode = sd_param["survival_p"], sd_param["mode"]
    if mode == "train":
        gate = (np.random.default_rng(sd_param.get("seed")).random(x.shape) < p) / p   # dropout on the branch
    else:
        gate = np.ones((1,) * x.ndim)
    return x + residual * gate, (sd_param, gate)


def stochastic_depth_forward_test_scaled(x, residual, sd_param):
    p, mode = sd_param["survival_p"], sd_param["mode"]
    gate = _gate(x, p, sd_param.get("seed")) / p if mode == "train" else p * np.ones((1,) * x.ndim)
    return x + residual * gate, (sd_param, gate)                 # the paper's test-time p on top of inverted scaling


def stochastic_depth_forward_drops_block(x, residual, sd_param):
    p, mode = sd_param["survival_p"], sd_param["mode"]
    gate = _gate(x, p, sd_param.get("seed")) / p if mode == "train" else np.ones((1,) * x.ndim)
    return (x + residual) * gate, (sd_param, gate)               # drops the identity path too


def stochastic_depth_backward_dx_gated(dout, cache):
    sd_param, gate = cache
    return dout * gate, dout * gate                              # the identity path always passes dout


def stochastic_depth_backward_unscaled(dout, cache):
    sd_param, gate = cache
    return dout.copy(), dout * (gate != 0)                       # forgets the 1/p of the forward pass


def _e(section, name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": section, "wrong": wrong}, **more)


CATALOGUE = {
    "test_l2_penalty": [
        _e("1", "L2 penalty with the factor 1/2", "This course's R(W) has no 1/2: loss = reg * sum(W ** 2), dW = 2 reg W",
           {"l2_penalty": l2_penalty_half}),
        _e("1", "L2 gradient without the factor 2", "The derivative of reg * W² is 2 reg W",
           {"l2_penalty": l2_penalty_gradient_without_2}),
        _e("1", "the L2 norm instead of its square", "The penalty is reg * sum(W ** 2), no square root",
           {"l2_penalty": l2_penalty_norm}),
        _e("1", "L2 gradient without reg", "dW = 2 * reg * W", {"l2_penalty": l2_penalty_gradient_without_reg}),
    ],
    "test_l1_penalty": [
        _e("1", "L1 gradient without the sign", "d|w|/dw = sign(w): dW = reg * np.sign(W)",
           {"l1_penalty": l1_penalty_gradient_ones}),
        _e("1", "L1 gradient ±reg at W = 0", "np.sign gives 0 at 0, as PyTorch's gradient of abs: dW = reg * np.sign(W)",
           {"l1_penalty": l1_penalty_sign_at_zero}),
        _e("1", "L1 penalty without the absolute value", "loss = reg * sum(|W|)", {"l1_penalty": l1_penalty_no_abs}),
        _e("1", "L1 gradient as W / |W| (NaN at 0)", "Use np.sign(W): it is 0 at 0 where W / |W| is 0/0",
           {"l1_penalty": l1_penalty_w_over_abs}, specific=True),
    ],
    "test_elastic_net_penalty": [
        _e("1", "beta on the L1 term instead of the L2 term", "reg * sum(beta * W ** 2 + |W|): beta weights the L2 part",
           {"elastic_net_penalty": elastic_net_beta_on_l1}),
        _e("1", "elastic net's L2 gradient without the factor 2", "dW = reg * (2 beta W + sign(W))",
           {"elastic_net_penalty": elastic_net_gradient_without_2}),
        _e("1", "elastic net as a convex mix beta L2 + (1 - beta) L1",
           "This course's elastic net is reg * sum(beta * W ** 2 + |W|)", {"elastic_net_penalty": elastic_net_convex_mix}),
    ],
    "test_dropout_forward": [
        _e("2", "dropout without dividing by p", "Inverted dropout divides the kept units by p in training, so that the output keeps the mean of x",
           {"dropout_forward": dropout_forward_no_inverse, "dropout_backward": dropout_backward_no_inverse}, hint=True),
        _e("2", "dropout with PyTorch's p (the probability of dropping)",
           "Here p is the probability of KEEPING a unit: mask = rng.random(x.shape) < p, then divide by p",
           {"dropout_forward": dropout_forward_drop_probability,
            "dropout_backward": dropout_backward_drop_probability}, hint=True, specific=True),
        _e("2", "test-mode dropout scaled by p",
           "With inverted dropout the test-time pass is the identity: return x (a copy)",
           {"dropout_forward": dropout_forward_test_scaled}),
        _e("2", "the dropout mask drawn without the seed (np.random)",
           "Draw the mask as np.random.default_rng(dropout_param.get('seed')).random(x.shape) < p",
           {"dropout_forward": dropout_forward_global_rng}),
    ],
    "test_dropout_backward": [
        _e("2", "dropout without dividing by p", "The kept units were divided by p, so is their gradient: dout * mask / p",
           {"dropout_forward": dropout_forward_no_inverse, "dropout_backward": dropout_backward_no_inverse}),
        _e("2", "the mask drawn again in the backward pass",
           "Save the forward pass's mask in the cache and use it: without a seed a new draw is another mask",
           {"dropout_forward": dropout_forward_mask_not_cached, "dropout_backward": dropout_backward_mask_redrawn}, specific=True),
        _e("2", "dropout with PyTorch's p (the probability of dropping)",
           "Here p is the probability of KEEPING a unit: the gradient is dout * mask / p",
           {"dropout_forward": dropout_forward_drop_probability,
            "dropout_backward": dropout_backward_drop_probability}),
        _e("2", "dropout_backward ignores the mode (test mode has no mask)",
           "In test mode the forward pass is the identity, so dx = dout", {"dropout_backward": dropout_backward_ignores_mode}),
    ],
    "test_dropconnect": [
        _e("5", "DropConnect without dividing the kept weights by p", "Use W * mask / p in training",
           {"dropconnect_forward": dropconnect_forward_no_inverse}),
        _e("5", "DropConnect's dW not masked", "Only the kept weights were used: dW = (x.T @ dout) * mask / p",
           {"dropconnect_backward": dropconnect_backward_dw_unmasked}),
        _e("5", "DropConnect's dx through the full weights", "dx = dout @ (W * mask / p).T: the weights the forward pass used",
           {"dropconnect_forward": dropconnect_forward_caches_w, "dropconnect_backward": dropconnect_backward_dx_unmasked}),
    ],
    "test_max_norm": [
        _e("6", "max-norm on the rows of W (each input's outgoing weights)",
           "W is (fan_in, fan_out): unit j's incoming weights are the column W[:, j]; take norms over axis 0",
           {"max_norm": max_norm_rows}, specific=True),
        _e("6", "max-norm as clipping each weight to [-c, c]",
           "Constrain each unit's whole incoming vector: rescale a column whose L2 norm exceeds c to norm c",
           {"max_norm": max_norm_clip_entries}),
        _e("6", "max-norm rescales every column to norm c",
           "Only columns with norm > c change; the others stay as they are (it is a constraint, not a normalisation)",
           {"max_norm": max_norm_every_column}),
        _e("6", "max-norm on the norm of the whole matrix", "One norm per unit (column), not one for the layer",
           {"max_norm": max_norm_whole_matrix}),
        _e("6", "max_norm changes W in place", "Return a new array: W * scale", {"max_norm": max_norm_in_place},
           specific=True),
    ],
    "test_stochastic_depth": [
        _e("7", "stochastic depth without dividing the kept branches by survival_p",
           "Inverted scaling: a kept branch is residual / survival_p in training, so the test-time block is x + residual",
           {"stochastic_depth_forward": stochastic_depth_forward_no_inverse}),
        _e("7", "stochastic depth with one draw per element (dropout on the branch)",
           "One draw per example: keep = default_rng(seed).random(N) < survival_p; the whole branch of that example "
           "is kept or dropped", {"stochastic_depth_forward": stochastic_depth_forward_per_element}),
        _e("7", "stochastic depth scaled by survival_p at test time as well",
           "With inverted scaling the test-time block is x + residual: nothing to rescale",
           {"stochastic_depth_forward": stochastic_depth_forward_test_scaled}),
        _e("7", "stochastic depth drops the identity path too", "Only the residual branch is dropped: out = x + gate * residual",
           {"stochastic_depth_forward": stochastic_depth_forward_drops_block}),
        _e("7", "stochastic depth's dx gated like the branch", "The identity path always passes the gradient: dx = dout",
           {"stochastic_depth_backward": stochastic_depth_backward_dx_gated}),
        _e("7", "stochastic depth's dresidual without 1/survival_p",
           "The kept branch was divided by survival_p, so is its gradient: dout * keep / survival_p",
           {"stochastic_depth_backward": stochastic_depth_backward_unscaled}),
    ],
}
