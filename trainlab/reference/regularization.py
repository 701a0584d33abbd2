"""Weight penalties and dropout (reference answers for 06_regularization).

Penalties follow the lecture's R(W) (no factor 1/2) and return ``(loss, dW)``, the penalty
and its gradient with respect to W (same shape as W), to be added to the data loss and its
gradient:

    l2_penalty(W, reg)                  reg * sum(W**2)                    dW = 2 reg W
    l1_penalty(W, reg)                  reg * sum(|W|)                     dW = reg sign(W)  (0 at 0)
    elastic_net_penalty(W, reg, beta)   reg * sum(beta W**2 + |W|)         dW = reg (2 beta W + sign(W))

Dropout: ``p`` is the probability of KEEPING a unit (as in the lecture). ``torch.nn.Dropout(p)``
uses the probability of DROPPING one: our p = 1 - torch's p. The mask is

    np.random.default_rng(dropout_param["seed"]).random(x.shape) < p

(a fresh, unseeded generator when there is no "seed"). Inverted dropout divides the kept
units by p at training time, so the test-time forward pass is the identity.
"""
import numpy as np


def l2_penalty(W, reg):
    """L2 (weight decay) penalty reg * sum(W**2). W: any shape. Returns (loss, dW) with dW = 2 reg W."""
    loss = reg * np.sum(W * W)
    dW = 2.0 * reg * W
    return loss, dW


def l1_penalty(W, reg):
    """L1 penalty reg * sum(|W|). Returns (loss, dW) with dW = reg * sign(W), and 0 where W == 0."""
    loss = reg * np.sum(np.abs(W))
    dW = reg * np.sign(W)
    return loss, dW


def elastic_net_penalty(W, reg, beta):
    """Elastic net reg * sum(beta * W**2 + |W|): L1 plus beta times L2. Returns (loss, dW)."""
    loss = reg * np.sum(beta * W * W + np.abs(W))
    dW = reg * (2.0 * beta * W + np.sign(W))
    return loss, dW


def _keep_mask(shape, p, seed):
    """Boolean mask, True with probability p: default_rng(seed).random(shape) < p."""
    return np.random.default_rng(seed).random(shape) < p


def dropout_forward(x, dropout_param):
    """Inverted dropout.

    x: array of any shape.
    dropout_param: dict with
        "p":    probability of keeping each unit (0 < p <= 1),
        "mode": "train" or "test",
        "seed": optional; when present the mask is default_rng(seed).random(x.shape) < p.
    train: out = x * mask / p (each unit kept with probability p, so E[out] = x);
    test:  out = x (nothing to rescale: the scaling was done at training time).
    Returns (out, cache) with cache = (dropout_param, mask); mask is None in test mode.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        mask = _keep_mask(x.shape, p, dropout_param.get("seed"))
        out = x * mask / p
    elif mode == "test":
        mask = None
        out = x.copy()
    else:
        raise ValueError(f'dropout mode must be "train" or "test", got {mode!r}')
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    """Gradient of inverted dropout: dout * mask / p in train mode (the forward's mask), dout in test mode."""
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask / dropout_param["p"]
    return dout.copy()


def dropconnect_forward(x, W, b, dropconnect_param):
    """DropConnect (Wan et al., 2013) on an affine layer: drop weights instead of activations.

    x: (N, D); W: (D, M); b: (M,). dropconnect_param as dropout_param ("p" = keep probability,
    "mode", optional "seed"); the mask has W's shape: default_rng(seed).random(W.shape) < p.
    train: out = x @ (W * mask / p) + b (one mask shared by the minibatch, for speed);
    test:  out = x @ W + b.
    Returns (out, cache) with out (N, M).
    """
    p, mode = dropconnect_param["p"], dropconnect_param["mode"]
    if mode == "train":
        scale = _keep_mask(W.shape, p, dropconnect_param.get("seed")) / p    # 0 or 1/p per weight
    elif mode == "test":
        scale = np.ones_like(W)
    else:
        raise ValueError(f'dropconnect mode must be "train" or "test", got {mode!r}')
    W_used = W * scale
    out = x @ W_used + b
    return out, (x, W_used, scale)


def dropconnect_backward(dout, cache):
    """Returns dx (N, D), dW (D, M), db (M,): the gradient reaches only the kept weights, scaled by 1/p."""
    x, W_used, scale = cache
    return dout @ W_used.T, (x.T @ dout) * scale, dout.sum(axis=0)


def max_norm(W, c):
    """Max-norm constraint (Srivastava et al., 2014): each unit's incoming weight vector has L2 norm at most c.

    W: (fan_in, fan_out), as everywhere in this course (out = x @ W + b), so unit j's incoming weights are the
    column W[:, j]. Columns whose norm exceeds c are rescaled to norm exactly c (direction kept); the others
    are unchanged. Returns a new array (W is not changed). As torch.renorm(W, p=2, dim=1, maxnorm=c), up to
    torch's 1e-7 in the denominator. Applied after every update step (projected gradient descent).
    """
    norms = np.sqrt(np.sum(W * W, axis=0, keepdims=True))
    scale = np.where(norms > c, c / np.where(norms > 0, norms, 1.0), 1.0)
    return W * scale


def _survival_mask(n, survival_p, seed):
    """One draw per example, in batch order: default_rng(seed).random(n) < survival_p (True = keep the branch)."""
    return np.random.default_rng(seed).random(n) < survival_p


def stochastic_depth_forward(x, residual, sd_param):
    """Stochastic depth (Huang et al., 2016) for one residual block, out = x + branch, per example, inverted scaling.

    x: (N, ...) the block's input (the identity path); residual: the residual branch's output F(x), x's shape.
    sd_param: dict with "survival_p" (probability of keeping the branch, 0 < survival_p <= 1), "mode"
    ("train" or "test"), optional "seed". In train mode each example n keeps its branch with probability
    survival_p: keep = default_rng(seed).random(N) < survival_p (one draw per example, in batch order; a fresh
    generator without a seed); out[n] = x[n] + residual[n] / survival_p if kept, else x[n]. In test mode
    out = x + residual (the scaling was done in training, as inverted dropout; the paper scales by survival_p
    at test time instead, which is the same network up to that factor). Returns (out, cache).
    """
    p, mode = sd_param["survival_p"], sd_param["mode"]
    if mode == "train":
        keep = _survival_mask(x.shape[0], p, sd_param.get("seed"))
        gate = (keep / p).reshape((-1,) + (1,) * (x.ndim - 1))
    elif mode == "test":
        keep, gate = None, np.ones((1,) * x.ndim)
    else:
        raise ValueError(f'stochastic depth mode must be "train" or "test", got {mode!r}')
    return x + residual * gate, (sd_param, gate)


def stochastic_depth_backward(dout, cache):
    """Returns (dx, dresidual): the identity path always passes dout; the branch gets dout * gate (keep / p; 1 in test)."""
    sd_param, gate = cache
    return dout.copy(), dout * gate
