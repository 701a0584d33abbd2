"""A modular deep fully connected network, trained end to end (reference answers for 10_capstone).

NumPy only; imports nothing of trainlab (the grader uses it beside student code it does not trust).

Layers, with the (out, cache) contract of 01, 03 and 06:
    affine_forward(x, w, b) / affine_backward(dout, cache) -> dx, dw, db      x (N, d1, ..., dk) flattened to (N, D)
    relu_forward(x) / relu_backward(dout, cache) -> dx
    batchnorm_forward(x, gamma, beta, bn_param) / batchnorm_backward(dout, cache) -> dx, dgamma, dbeta   (as 03)
    dropout_forward(x, dropout_param) / dropout_backward(dout, cache) -> dx   (p = KEEP probability, as 06)
Pieces of the training recipe:
    kaiming_init(fan_in, fan_out, rng)                    as 02: rng.standard_normal((fan_in, fan_out)) * sqrt(2 / fan_in)
    adam(w, dw, config)                                   as 04
    warmup_cosine(lr0, t, warmup_steps, total_steps)      linear warmup from 0, then half a cosine down to 0 (05)
    random_crop(images, size, rng, padding)               as 07
    random_search(evaluate, space, num_trials, rng)       as 09 (log-uniform draws inlined)
The network:
    init_fc_net(input_dim, hidden_dims, num_classes, rng, batchnorm=False) -> params
    fc_net_loss(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None)
        -> scores (y None: test mode) or (loss, grads) (train mode)
    train_fc_net(data, config, seed=0, progress=False) -> history dict
    accuracy(params, X, y, bn_params=None)
"""
import copy
import math

import numpy as np

CONFIG_DEFAULTS = {"hidden_dims": (100, 100), "batchnorm": False, "dropout_keep": 1.0, "reg": 0.0,
                   "learning_rate": 1e-3, "warmup_steps": 0, "epochs": 5, "batch_size": 100, "augment": False}


# ---------------------------------------------------------------- layers
def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b. x: (N, d1, ..., dk) with D = d1 * ... * dk; w: (D, M); b: (M,)."""
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)


def affine_backward(dout, cache):
    """Returns dx (x's shape), dw (D, M), db (M,)."""
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """max(0, x), elementwise."""
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    """dout where x > 0, else 0 (the subgradient 0 at x = 0)."""
    return dout * (cache > 0)


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization as 03 (CS231n's conventions): mode train/test, eps 1e-5, momentum 0.9,
    running = momentum * running + (1 - momentum) * batch statistic (biased variance)."""
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        mean, var = running_mean, running_var
    else:
        raise ValueError(f'Invalid forward batchnorm mode "{mode}"')
    std = np.sqrt(var + eps)
    xhat = (x - mean) / std
    return gamma * xhat + beta, (mode, xhat, gamma, std)


def batchnorm_backward(dout, cache):
    """Returns dx (N, D), dgamma (D,), dbeta (D,); the running averages are constants in test mode."""
    mode, xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    if mode == "test":
        return dout * gamma / std, dgamma, dbeta
    dx = gamma / (N * std) * (N * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """Inverted dropout as 06: keep mask default_rng(seed).random(x.shape) < p (an unseeded generator without
    "seed"); train: x * mask / p; test: x."""
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        mask = np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p
        out = x * mask / p
    elif mode == "test":
        mask = None
        out = x.copy()
    else:
        raise ValueError(f'dropout mode must be "train" or "test", got {mode!r}')
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    """dout * mask / p in train mode, dout in test mode."""
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        return dout * mask / dropout_param["p"]
    return dout.copy()


# ---------------------------------------------------------------- recipe pieces
def kaiming_init(fan_in, fan_out, rng=None):
    """He initialization: rng.standard_normal((fan_in, fan_out)) * sqrt(2 / fan_in)."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def adam(w, dw, config=None):
    """Adam as 04 (bias-corrected; epsilon added after the square root; t incremented before use)."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    m = config.get("m", np.zeros_like(dw))
    v = config.get("v", np.zeros_like(dw))
    t = config.get("t", 0) + 1
    m = config["beta1"] * m + (1 - config["beta1"]) * dw
    v = config["beta2"] * v + (1 - config["beta2"]) * dw ** 2
    config["m"], config["v"], config["t"] = m, v, t
    m_hat = m / (1 - config["beta1"] ** t)
    v_hat = v / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"]), config


def warmup_cosine(lr0, t, warmup_steps, total_steps):
    """Learning rate at step t = 0, 1, 2, ... (an int, or an array of ints: then an array).

    t < warmup_steps:                    lr0 * t / warmup_steps          (linear warmup from 0, as 05's linear_warmup)
    warmup_steps <= t <= total_steps:    lr0 * (1 + cos(pi * s / S)) / 2, s = t - warmup_steps,
                                         S = total_steps - warmup_steps  (05's cosine_decay, from lr0 down to 0)
    t > total_steps:                     0
    warmup_steps = 0 gives the cosine alone. Requires 0 <= warmup_steps < total_steps.
    """
    t = np.asarray(t, dtype=np.float64)
    S = total_steps - warmup_steps
    s = np.clip(t - warmup_steps, 0, S)
    cosine = 0.5 * lr0 * (1 + np.cos(np.pi * s / S))
    lr = np.where(t < warmup_steps, lr0 * t / max(warmup_steps, 1), cosine)
    return float(lr) if lr.ndim == 0 else lr


def random_crop(images, size, rng, padding=0):
    """As 07: zero-pad each side by ``padding``, then a random size x size window per image.

    images: (N, H, W, C). Draws tops = rng.integers(0, Hp - h + 1, size=N), then lefts likewise (Wp).
    """
    h, w = (int(size), int(size)) if np.isscalar(size) else (int(size[0]), int(size[1]))
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    N, Hp, Wp, _ = padded.shape
    if h > Hp or w > Wp:
        raise ValueError(f"crop {h}x{w} is larger than the padded image {Hp}x{Wp}")
    tops = rng.integers(0, Hp - h + 1, size=N)
    lefts = rng.integers(0, Wp - w + 1, size=N)
    rows = tops[:, None] + np.arange(h)                  # (N, h)
    cols = lefts[:, None] + np.arange(w)                 # (N, w)
    return padded[np.arange(N)[:, None, None], rows[:, :, None], cols[:, None, :]]


def _rank_key(record):
    score = record["score"]
    return -score if np.isfinite(score) else np.inf


def random_search(evaluate, space, num_trials, rng):
    """As 09: for each name of ``space`` in order, one draw 10 ** rng.uniform(log10(low), log10(high), num_trials);
    trial i calls evaluate(**params) (params: floats); records {"trial": i, "params": params, **result}, best
    score first, NaN/inf scores last, ties in trial order."""
    draws = {name: 10.0 ** rng.uniform(np.log10(low), np.log10(high), num_trials)
             for name, (low, high) in space.items()}
    records = []
    for i in range(num_trials):
        params = {name: float(values[i]) for name, values in draws.items()}
        records.append({"trial": i, "params": params, **evaluate(**params)})
    return sorted(records, key=_rank_key)


# ---------------------------------------------------------------- the network
def init_fc_net(input_dim, hidden_dims, num_classes, rng, batchnorm=False):
    """Parameters of input_dim -> hidden_dims[0] -> ... -> num_classes, L = len(hidden_dims) + 1 affine layers.

    W1 .. WL: kaiming_init(fan_in, fan_out, rng), drawn in layer order (the only draws); b1 .. bL: zeros.
    With batchnorm, gamma_l = ones and beta_l = zeros for every hidden layer l = 1 .. L-1 (keys "gamma1", ...).
    All float64.
    """
    dims = [int(input_dim), *[int(h) for h in hidden_dims], int(num_classes)]
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = kaiming_init(dims[l - 1], dims[l], rng)
        params[f"b{l}"] = np.zeros(dims[l])
        if batchnorm and l < len(dims) - 1:
            params[f"gamma{l}"] = np.ones(dims[l])
            params[f"beta{l}"] = np.zeros(dims[l])
    return params


def softmax_loss(scores, y):
    """Mean cross-entropy of softmax(scores) against integer labels (as trainlab.train.softmax_loss)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1.0
    return loss, dscores / n


def num_layers(params):
    return sum(1 for k in params if k.startswith("W"))


def fc_net_loss(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):
    """Forward (and backward) pass of {affine - [batchnorm] - relu - [dropout]} x (L - 1) - affine - softmax.

    mode: "test" when y is None (returns the scores (N, C)), else "train" (returns (loss, grads)).
    Hidden layer l = 1 .. L-1: affine_forward(h, W_l, b_l); batchnorm_forward with gamma_l, beta_l and
    bn_params[l - 1] (its "mode" set to the mode) when "gamma{l}" is in params; relu_forward; dropout_forward
    with {"p": dropout_keep, "mode": mode, "seed": seed + l} ("seed" left out when seed is None) when
    dropout_keep < 1. bn_params: list of L-1 dicts, updated in place (fresh {} dicts when None).
    loss = softmax cross-entropy + reg * sum_l sum(W_l ** 2); grads has the keys of params.
    """
    L = num_layers(params)
    mode = "test" if y is None else "train"
    if bn_params is None:
        bn_params = [{} for _ in range(L - 1)]
    h, caches = X, []
    for l in range(1, L):
        h, fc = affine_forward(h, params[f"W{l}"], params[f"b{l}"])
        bc = dc = None
        if f"gamma{l}" in params:
            bn_params[l - 1]["mode"] = mode
            h, bc = batchnorm_forward(h, params[f"gamma{l}"], params[f"beta{l}"], bn_params[l - 1])
        h, rc = relu_forward(h)
        if dropout_keep < 1:
            dp = {"p": dropout_keep, "mode": mode}
            if seed is not None:
                dp["seed"] = seed + l
            h, dc = dropout_forward(h, dp)
        caches.append((fc, bc, rc, dc))
    scores, fc_last = affine_forward(h, params[f"W{L}"], params[f"b{L}"])
    if y is None:
        return scores
    loss, dscores = softmax_loss(scores, y)
    grads = {}
    dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, fc_last)
    for l in range(L - 1, 0, -1):
        fc, bc, rc, dc = caches[l - 1]
        if dc is not None:
            dh = dropout_backward(dh, dc)
        dh = relu_backward(dh, rc)
        if bc is not None:
            dh, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dh, bc)
        dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dh, fc)
    for l in range(1, L + 1):
        W = params[f"W{l}"]
        loss += reg * np.sum(W * W)
        grads[f"W{l}"] = grads[f"W{l}"] + 2 * reg * W
    return loss, grads


def accuracy(params, X, y, bn_params=None, batch_size=1000):
    """Fraction of rows of X whose test-mode arg-max score is the label."""
    bn_params = copy.deepcopy(bn_params)
    preds = [np.argmax(fc_net_loss(params, X[i:i + batch_size], bn_params=bn_params), axis=1)
             for i in range(0, len(X), batch_size)]
    return float(np.mean(np.concatenate(preds) == y))


def train_fc_net(data, config, seed=0, progress=False):
    """Train a fresh network on data["X_train"] (N, D), data["y_train"]; validate on X_val, y_val each epoch.

    config: keys of CONFIG_DEFAULTS (missing ones take those defaults).
    Draws from rng = np.random.default_rng(seed), in this order: init_fc_net(D, hidden_dims, C, rng, batchnorm)
    (C = 10); each epoch, order = rng.permutation(N), minibatches order[k * B:(k + 1) * B]; each step, when
    augment, random_crop(batch as (n, side, side, 1), side, rng, padding=2) (side = sqrt(D)), then, when
    dropout_keep < 1, the step's dropout seed int(rng.integers(2 ** 31)).
    Step t = 0 .. T-1 (T = epochs * ceil(N / B)) uses lr = warmup_cosine(learning_rate, t, warmup_steps, T):
    every parameter gets adam with its own config whose "learning_rate" is set to lr before the step.
    After every epoch: train_acc on the first 1000 training examples and val_acc, test mode.
    Returns {"loss": [per step], "lr": [per step], "train_acc": [...], "val_acc": [...], "best_val_acc",
             "best_epoch", "params": the parameters at the best epoch, "bn_params": their running averages}.
    """
    cfg = {**CONFIG_DEFAULTS, **config}
    rng = np.random.default_rng(seed)
    X, y = data["X_train"], data["y_train"]
    N, D = X.shape
    B = int(cfg["batch_size"])
    params = init_fc_net(D, cfg["hidden_dims"], 10, rng, cfg["batchnorm"])
    bn_params = [{} for _ in range(num_layers(params) - 1)]
    optim = {k: {} for k in params}
    steps_per_epoch = math.ceil(N / B)
    T = int(cfg["epochs"]) * steps_per_epoch
    side = int(round(math.sqrt(D)))
    hist = {"loss": [], "lr": [], "train_acc": [], "val_acc": [], "best_val_acc": -1.0, "best_epoch": -1,
            "params": None, "bn_params": None}
    epochs = range(int(cfg["epochs"]))
    if progress:
        from tqdm.auto import tqdm
        epochs = tqdm(epochs, desc="epochs", leave=False)
    t = 0
    for epoch in epochs:
        order = rng.permutation(N)
        for k in range(steps_per_epoch):
            idx = order[k * B:(k + 1) * B]
            Xb, yb = X[idx], y[idx]
            if cfg["augment"]:
                Xb = random_crop(Xb.reshape(-1, side, side, 1), side, rng, padding=2).reshape(len(idx), D)
            dseed = int(rng.integers(2 ** 31)) if cfg["dropout_keep"] < 1 else None
            lr = warmup_cosine(cfg["learning_rate"], t, cfg["warmup_steps"], T)
            loss, grads = fc_net_loss(params, Xb, yb, cfg["reg"], cfg["dropout_keep"], bn_params, dseed)
            hist["loss"].append(float(loss))
            hist["lr"].append(float(lr))
            for name in params:
                optim[name]["learning_rate"] = lr
                params[name], optim[name] = adam(params[name], grads[name], optim[name])
            t += 1
        hist["train_acc"].append(accuracy(params, X[:1000], y[:1000], bn_params))
        hist["val_acc"].append(accuracy(params, data["X_val"], data["y_val"], bn_params))
        if hist["val_acc"][-1] > hist["best_val_acc"]:
            hist["best_val_acc"], hist["best_epoch"] = hist["val_acc"][-1], epoch
            hist["params"], hist["bn_params"] = copy.deepcopy(params), copy.deepcopy(bn_params)
    return hist
