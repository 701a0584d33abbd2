"""Misconceptions for 10_capstone (see __init__.py for the format).

Sources: tests/mutants/10_capstone.py, tests/independent/10_capstone/plausible_slips.py and the catalogues
of the notebooks the capstone's pieces come from (03 BatchNorm, 04 Adam, 05 schedules, 06 dropout, 07 crops,
09 random search). The wrong layers, pieces and network are written out whole: a wrong ``fc_net_loss`` or
``train_fc_net`` calls the other functions by name, which the diagnoser resolves in the reference's namespace
(as a notebook's functions call each other), so each entry changes one thing.

``best_config`` below is the solution's configuration: ``test_best_config`` reads a variable, and the
stand-in finds it here. Its entries replace that variable with a wrong dict; their messages are fixed
sentences that only that mistake produces (a key, a type), so they say ``"specific": True``.
"""
import copy
import math

import numpy as np

REFERENCE = "capstone"

best_config = {"hidden_dims": [256, 128], "batchnorm": True, "augment": True, "warmup_steps": 40, "dropout_keep": 1.0,
               "learning_rate": 9e-3, "reg": 5e-5}


# -- 1. affine ----------------------------------------------------------------------------------------

def affine_backward_dx_flat(dout, cache):
    x, w = cache
    dx = dout @ w.T                                            # left as (N, D): not reshaped to x's shape
    dw = x.reshape(x.shape[0], -1).T @ dout
    return dx, dw, dout.sum(axis=0)


def affine_backward_db_mean(dout, cache):
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    return dx, dw, dout.mean(axis=0)                           # mean over the batch instead of the sum


def affine_backward_dw_averaged(dout, cache):
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout / x.shape[0]       # divided by N: the loss already averages
    return dx, dw, dout.sum(axis=0)


# -- 1. ReLU ------------------------------------------------------------------------------------------

def relu_backward_one_at_zero(dout, cache):
    return dout * (cache >= 0)                                 # passes the gradient at x = 0


def relu_backward_times_x(dout, cache):
    return dout * np.maximum(cache, 0.0)                       # multiplies by the forward's output


def relu_forward_leaky(x):
    return np.where(x > 0, x, 0.01 * x), x                     # leaky ReLU instead of ReLU


def relu_backward_leaky(dout, cache):
    return np.where(cache > 0, dout, 0.01 * dout)


# -- 1. batch normalization ---------------------------------------------------------------------------

def _bn_forward(x, gamma, beta, bn_param, unbiased_running=False, torch_momentum=False, test_uses_batch=False,
                eps_outside=False):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train" or test_uses_batch:
        mean = x.mean(axis=0)
        var = x.var(axis=0)
        if mode == "train":
            new = x.var(axis=0, ddof=1) if unbiased_running and x.shape[0] > 1 else var
            keep = 1 - momentum if torch_momentum else momentum
            bn_param["running_mean"] = keep * running_mean + (1 - keep) * mean
            bn_param["running_var"] = keep * running_var + (1 - keep) * new
    elif mode == "test":
        mean, var = running_mean, running_var
    else:
        raise ValueError(f'Invalid forward batchnorm mode "{mode}"')
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    xhat = (x - mean) / std
    return gamma * xhat + beta, (mode, xhat, gamma, std)


def batchnorm_forward_unbiased_running_var(x, gamma, beta, bn_param):
    return _bn_forward(x, gamma, beta, bn_param, unbiased_running=True)


def batchnorm_forward_torch_momentum(x, gamma, beta, bn_param):
    return _bn_forward(x, gamma, beta, bn_param, torch_momentum=True)


def batchnorm_forward_test_uses_batch(x, gamma, beta, bn_param):
    return _bn_forward(x, gamma, beta, bn_param, test_uses_batch=True)


def batchnorm_forward_eps_outside(x, gamma, beta, bn_param):
    return _bn_forward(x, gamma, beta, bn_param, eps_outside=True)


def batchnorm_backward_no_mean_path(dout, cache):
    mode, xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    if mode == "test":
        return dout * gamma / std, dgamma, dbeta
    dx = gamma / (N * std) * (N * dout - xhat * dgamma)         # "- dbeta" forgotten: the path through the mean
    return dx, dgamma, dbeta


def batchnorm_backward_no_gamma(dout, cache):
    mode, xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    if mode == "test":
        return dout / std, dgamma, dbeta
    dx = 1.0 / (N * std) * (N * dout - dbeta - xhat * dgamma)   # gamma left out of dx
    return dx, dgamma, dbeta


def batchnorm_backward_test_as_train(dout, cache):
    mode, xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dx = gamma / (N * std) * (N * dout - dbeta - xhat * dgamma)  # the batch-statistics formula in test mode too
    return dx, dgamma, dbeta


# -- 1. dropout ---------------------------------------------------------------------------------------

def _dropout_forward(x, dropout_param, scale=True, torch_p=False, test_masked=False, torch_ge=False):
    p, mode = dropout_param["p"], dropout_param["mode"]
    keep = 1 - p if torch_p or torch_ge else p
    if mode == "train" or test_masked:
        u = np.random.default_rng(dropout_param.get("seed")).random(x.shape)
        mask = u >= p if torch_ge else u < keep
        out = x * mask / keep if scale else x * mask
    elif mode == "test":
        mask = None
        out = x.copy()
    else:
        raise ValueError(f'dropout mode must be "train" or "test", got {mode!r}')
    return out, (dropout_param, mask, keep, scale)          # its own backward (below) reads this cache


def _dropout_backward(dout, cache):
    dropout_param, mask, keep, scale = cache
    if mask is not None:
        return dout * mask / keep if scale else dout * mask
    return dout.copy()


def dropout_forward_no_inverse_p(x, dropout_param):
    return _dropout_forward(x, dropout_param, scale=False)


def dropout_forward_torch_p(x, dropout_param):
    return _dropout_forward(x, dropout_param, torch_p=True)


def dropout_forward_torch_p_ge(x, dropout_param):
    return _dropout_forward(x, dropout_param, torch_ge=True)      # drop where random < p: keep where >= p


def dropout_forward_test_masked(x, dropout_param):
    return _dropout_forward(x, dropout_param, test_masked=True)


def dropout_backward_no_inverse_p(dout, cache):
    dropout_param, mask = cache                                # the reference's forward pass and cache
    if dropout_param["mode"] == "train":
        return dout * mask                                     # the forward divided by p; the backward does not
    return dout.copy()


def dropout_backward_mask_ignored(dout, cache):
    return dout.copy()                                         # the gradient passed through every unit


# -- 2. He initialization -----------------------------------------------------------------------------

def kaiming_init_divided(fan_in, fan_out, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(2.0 / fan_in)


def kaiming_init_xavier(fan_in, fan_out, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(1.0 / fan_in)


def kaiming_init_transposed(fan_in, fan_out, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    return (rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)).T


def kaiming_init_fan_out(fan_in, fan_out, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_out)


# -- 2. Adam ------------------------------------------------------------------------------------------

def _adam(w, dw, config, bias_correction=True, eps_inside=False, save_state=True, beta2=0.999):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", beta2)
    config.setdefault("epsilon", 1e-8)
    m = config.get("m", np.zeros_like(dw))
    v = config.get("v", np.zeros_like(dw))
    t = config.get("t", 0) + 1
    m = config["beta1"] * m + (1 - config["beta1"]) * dw
    v = config["beta2"] * v + (1 - config["beta2"]) * dw ** 2
    if save_state:
        config["m"], config["v"], config["t"] = m, v, t
    m_hat = m / (1 - config["beta1"] ** t) if bias_correction else m
    v_hat = v / (1 - config["beta2"] ** t) if bias_correction else v
    denom = np.sqrt(v_hat + config["epsilon"]) if eps_inside else np.sqrt(v_hat) + config["epsilon"]
    return w - config["learning_rate"] * m_hat / denom, config


def adam_no_bias_correction(w, dw, config=None):
    return _adam(w, dw, config, bias_correction=False)


def adam_eps_inside_sqrt(w, dw, config=None):
    return _adam(w, dw, config, eps_inside=True)


def adam_state_not_saved(w, dw, config=None):
    return _adam(w, dw, config, save_state=False)


def adam_beta2_09(w, dw, config=None):
    return _adam(w, dw, config, beta2=0.9)


# -- 2. warmup and cosine -----------------------------------------------------------------------------

def _warmup_cosine(lr0, t, warmup_steps, total_steps, warm=True, cosine_from_zero=False, warm_from_step_one=False,
                   clip_after=True):
    t = np.asarray(t, dtype=np.float64)
    W = warmup_steps if warm else 0
    S = total_steps - (0 if cosine_from_zero else W)
    s = t - (0 if cosine_from_zero else W)
    s = np.clip(s, 0, S) if clip_after else np.maximum(s, 0)
    cosine = 0.5 * lr0 * (1 + np.cos(np.pi * s / S))
    ramp = lr0 * (t + 1) / max(W, 1) if warm_from_step_one else lr0 * t / max(W, 1)
    lr = np.where(t < W, ramp, cosine)
    return float(lr) if lr.ndim == 0 else lr


def warmup_cosine_never_warms(lr0, t, warmup_steps, total_steps):
    return _warmup_cosine(lr0, t, warmup_steps, total_steps, warm=False)


def warmup_cosine_cosine_from_zero(lr0, t, warmup_steps, total_steps):
    return _warmup_cosine(lr0, t, warmup_steps, total_steps, cosine_from_zero=True)


def warmup_cosine_warm_from_step_one(lr0, t, warmup_steps, total_steps):
    return _warmup_cosine(lr0, t, warmup_steps, total_steps, warm_from_step_one=True)


def warmup_cosine_not_zero_after(lr0, t, warmup_steps, total_steps):
    return _warmup_cosine(lr0, t, warmup_steps, total_steps, clip_after=False)


# -- 2. random crop -----------------------------------------------------------------------------------

def _random_crop(images, size, rng, padding=0, lefts_first=False, one_offset=False, off_by_one=False):
    h, w = (int(size), int(size)) if np.isscalar(size) else (int(size[0]), int(size[1]))
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    N, Hp, Wp, _ = padded.shape
    extra = 0 if off_by_one else 1
    n = 1 if one_offset else N
    if lefts_first:
        lefts = rng.integers(0, Wp - w + extra, size=n)
        tops = rng.integers(0, Hp - h + extra, size=n)
    else:
        tops = rng.integers(0, Hp - h + extra, size=n)
        lefts = rng.integers(0, Wp - w + extra, size=n)
    tops, lefts = np.broadcast_to(tops, (N,)), np.broadcast_to(lefts, (N,))
    rows = tops[:, None] + np.arange(h)
    cols = lefts[:, None] + np.arange(w)
    return padded[np.arange(N)[:, None, None], rows[:, :, None], cols[:, None, :]]


def random_crop_lefts_first(images, size, rng, padding=0):
    return _random_crop(images, size, rng, padding, lefts_first=True)


def random_crop_one_offset(images, size, rng, padding=0):
    return _random_crop(images, size, rng, padding, one_offset=True)


def random_crop_high_exclusive(images, size, rng, padding=0):
    return _random_crop(images, size, rng, padding, off_by_one=True)


# -- 2. random search (from tests/mutants/10_capstone.py) ---------------------------------------------

def _rank(record):
    return -record["score"] if np.isfinite(record["score"]) else np.inf


def random_search_uniform(evaluate, space, num_trials, rng):
    draws = {n: rng.uniform(lo, hi, num_trials) for n, (lo, hi) in space.items()}      # not in log space
    recs = []
    for i in range(num_trials):
        p = {n: float(v[i]) for n, v in draws.items()}
        recs.append({"trial": i, "params": p, **evaluate(**p)})
    return sorted(recs, key=_rank)


def random_search_nan_not_last(evaluate, space, num_trials, rng):
    draws = {n: 10 ** rng.uniform(np.log10(lo), np.log10(hi), num_trials) for n, (lo, hi) in space.items()}
    recs = []
    for i in range(num_trials):
        p = {n: float(v[i]) for n, v in draws.items()}
        recs.append({"trial": i, "params": p, **evaluate(**p)})
    return sorted(recs, key=lambda r: -r["score"])


def random_search_unsorted(evaluate, space, num_trials, rng):
    draws = {n: 10 ** rng.uniform(np.log10(lo), np.log10(hi), num_trials) for n, (lo, hi) in space.items()}
    recs = []
    for i in range(num_trials):
        p = {n: float(v[i]) for n, v in draws.items()}
        recs.append({"trial": i, "params": p, **evaluate(**p)})
    return recs


def random_search_trial_by_trial(evaluate, space, num_trials, rng):
    recs = []
    for i in range(num_trials):
        p = {n: float(10 ** rng.uniform(np.log10(lo), np.log10(hi))) for n, (lo, hi) in space.items()}
        recs.append({"trial": i, "params": p, **evaluate(**p)})
    return sorted(recs, key=_rank)


# -- 3. init_fc_net (from tests/mutants/10_capstone.py) -----------------------------------------------

def _init(input_dim, hidden_dims, num_classes, rng, batchnorm, divided=False, bn_on_output=False, reverse=False):
    dims = [int(input_dim), *[int(h) for h in hidden_dims], int(num_classes)]
    params = {}
    layers = range(len(dims) - 1, 0, -1) if reverse else range(1, len(dims))
    for l in layers:
        W = rng.standard_normal((dims[l - 1], dims[l]))
        params[f"W{l}"] = W / np.sqrt(2.0 / dims[l - 1]) if divided else W * np.sqrt(2.0 / dims[l - 1])
        params[f"b{l}"] = np.zeros(dims[l])
        if batchnorm and (bn_on_output or l < len(dims) - 1):
            params[f"gamma{l}"] = np.ones(dims[l])
            params[f"beta{l}"] = np.zeros(dims[l])
    return params


def init_fc_net_divided(input_dim, hidden_dims, num_classes, rng, batchnorm=False):
    return _init(input_dim, hidden_dims, num_classes, rng, batchnorm, divided=True)


def init_fc_net_bn_on_output(input_dim, hidden_dims, num_classes, rng, batchnorm=False):
    return _init(input_dim, hidden_dims, num_classes, rng, batchnorm, bn_on_output=True)


def init_fc_net_reverse_order(input_dim, hidden_dims, num_classes, rng, batchnorm=False):
    return _init(input_dim, hidden_dims, num_classes, rng, batchnorm, reverse=True)


# -- 3. fc_net_loss -----------------------------------------------------------------------------------
# The layers are called by name: in the diagnoser's namespace they are the reference's.

def _fc_net_loss(params, X, y, reg, dropout_keep, bn_params, seed, grad_factor=2.0, loss_factor=1.0,
                 penalise_all=False, same_seed=False, bn_copied=False):
    L = sum(1 for k in params if k.startswith("W"))
    mode = "test" if y is None else "train"
    if bn_params is None:
        bn_params = [{} for _ in range(L - 1)]
    if bn_copied:
        bn_params = copy.deepcopy(bn_params)                  # the caller's running averages never updated
    h, caches = X, []
    for l in range(1, L):
        h, fc = affine_forward(h, params[f"W{l}"], params[f"b{l}"])              # noqa: F821
        bc = dc = None
        if f"gamma{l}" in params:
            bn_params[l - 1]["mode"] = mode
            h, bc = batchnorm_forward(h, params[f"gamma{l}"], params[f"beta{l}"], bn_params[l - 1])   # noqa: F821
        h, rc = relu_forward(h)                                                   # noqa: F821
        if dropout_keep < 1:
            dp = {"p": dropout_keep, "mode": mode}
            if seed is not None:
                dp["seed"] = seed if same_seed else seed + l
            h, dc = dropout_forward(h, dp)                                        # noqa: F821
        caches.append((fc, bc, rc, dc))
    scores, fc_last = affine_forward(h, params[f"W{L}"], params[f"b{L}"])       # noqa: F821
    if y is None:
        return scores
    loss, dscores = softmax_loss(scores, y)                                       # noqa: F821
    grads = {}
    dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, fc_last)       # noqa: F821
    for l in range(L - 1, 0, -1):
        fc, bc, rc, dc = caches[l - 1]
        if dc is not None:
            dh = dropout_backward(dh, dc)                                         # noqa: F821
        dh = relu_backward(dh, rc)                                                # noqa: F821
        if bc is not None:
            dh, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dh, bc)   # noqa: F821
        dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(dh, fc)             # noqa: F821
    for key in list(params):
        if key.startswith("W") or (penalise_all and key[0] in "bgB"):
            P = params[key]
            loss += loss_factor * reg * np.sum(P * P)
            grads[key] = grads[key] + grad_factor * reg * P
    return loss, grads


def fc_net_loss_l2_grad_without_2(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):
    return _fc_net_loss(params, X, y, reg, dropout_keep, bn_params, seed, grad_factor=1.0)


def fc_net_loss_l2_half(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):
    return _fc_net_loss(params, X, y, reg, dropout_keep, bn_params, seed, grad_factor=1.0, loss_factor=0.5)


def fc_net_loss_penalises_everything(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):
    return _fc_net_loss(params, X, y, reg, dropout_keep, bn_params, seed, penalise_all=True)


def fc_net_loss_same_dropout_seed(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):
    return _fc_net_loss(params, X, y, reg, dropout_keep, bn_params, seed, same_seed=True)


def fc_net_loss_bn_params_copied(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):
    return _fc_net_loss(params, X, y, reg, dropout_keep, bn_params, seed, bn_copied=True)


# -- 4. train_fc_net ----------------------------------------------------------------------------------

_DEFAULTS = {"hidden_dims": (100, 100), "batchnorm": False, "dropout_keep": 1.0, "reg": 0.0, "learning_rate": 1e-3,
             "warmup_steps": 0, "epochs": 5, "batch_size": 100, "augment": False}


def _train(data, config, seed, no_warmup=False, constant_lr=False, last_params=False, drop_last=False,
           dropout_first=False):
    cfg = {**_DEFAULTS, **config}
    if no_warmup:
        cfg["warmup_steps"] = 0
    rng = np.random.default_rng(seed)
    X, y = data["X_train"], data["y_train"]
    N, D = X.shape
    B = int(cfg["batch_size"])
    params = init_fc_net(D, cfg["hidden_dims"], 10, rng, cfg["batchnorm"])        # noqa: F821
    bn_params = [{} for _ in range(len(cfg["hidden_dims"]))]
    optim = {k: {} for k in params}
    steps_per_epoch = N // B if drop_last else math.ceil(N / B)
    T = int(cfg["epochs"]) * steps_per_epoch
    side = int(round(math.sqrt(D)))
    hist = {"loss": [], "lr": [], "train_acc": [], "val_acc": [], "best_val_acc": -1.0, "best_epoch": -1,
            "params": None, "bn_params": None}

    def acc(Xe, ye):
        return accuracy(params, Xe, ye, bn_params)                               # noqa: F821

    t = 0
    for epoch in range(int(cfg["epochs"])):
        order = rng.permutation(N)
        for k in range(steps_per_epoch):
            idx = order[k * B:(k + 1) * B]
            Xb, yb = X[idx], y[idx]
            if dropout_first:                                  # the step's dropout seed drawn before the crop
                dseed = int(rng.integers(2 ** 31)) if cfg["dropout_keep"] < 1 else None
            if cfg["augment"]:
                Xb = random_crop(Xb.reshape(-1, side, side, 1), side, rng, padding=2).reshape(len(idx), D)   # noqa: F821
            if not dropout_first:
                dseed = int(rng.integers(2 ** 31)) if cfg["dropout_keep"] < 1 else None
            lr = cfg["learning_rate"] if constant_lr else warmup_cosine(cfg["learning_rate"], t, cfg["warmup_steps"], T)  # noqa: F821
            loss, grads = fc_net_loss(params, Xb, yb, cfg["reg"], cfg["dropout_keep"], bn_params, dseed)   # noqa: F821
            hist["loss"].append(float(loss))
            hist["lr"].append(float(lr))
            for name in params:
                optim[name]["learning_rate"] = lr
                params[name], optim[name] = adam(params[name], grads[name], optim[name])   # noqa: F821
            t += 1
        hist["train_acc"].append(acc(X[:1000], y[:1000]))
        hist["val_acc"].append(acc(data["X_val"], data["y_val"]))
        if hist["val_acc"][-1] > hist["best_val_acc"]:
            hist["best_val_acc"], hist["best_epoch"] = hist["val_acc"][-1], epoch
            hist["params"], hist["bn_params"] = copy.deepcopy(params), copy.deepcopy(bn_params)
    if last_params:
        hist["params"], hist["bn_params"] = copy.deepcopy(params), copy.deepcopy(bn_params)
    return hist


def train_fc_net_no_warmup(data, config, seed=0, progress=False):
    return _train(data, config, seed, no_warmup=True)


def train_fc_net_constant_lr(data, config, seed=0, progress=False):
    return _train(data, config, seed, constant_lr=True)


def train_fc_net_last_epoch_params(data, config, seed=0, progress=False):
    return _train(data, config, seed, last_params=True)


def train_fc_net_drops_last_batch(data, config, seed=0, progress=False):
    return _train(data, config, seed, drop_last=True)


def train_fc_net_dropout_seed_first(data, config, seed=0, progress=False):
    return _train(data, config, seed, dropout_first=True)


def train_fc_net_unseeded(data, config, seed=0, progress=False):
    return _train(data, config, None)                          # default_rng() instead of default_rng(seed)


# -- 6. best_config: a dict of the wrong form ---------------------------------------------------------

def _config(**changes):
    cfg = dict(best_config)
    for key, value in changes.items():
        if value is None:
            cfg.pop(key, None)
        else:
            cfg[key] = value
    return cfg


CONFIG_LR_KEY = _config(learning_rate=None, lr=9e-3)
CONFIG_HIDDEN_INT = _config(hidden_dims=256)
CONFIG_WARMUP_FRACTION = _config(warmup_steps=0.1)
CONFIG_DROPOUT_AS_DROP = _config(dropout_keep=0.0)


# -- the catalogue ------------------------------------------------------------------------------------

def _e(name, advice, section, wrong, **extra):
    return {"name": name, "advice": advice, "section": section, "wrong": wrong, **extra}


CATALOGUE = {
    "test_affine": [
        _e("affine_backward returns dx flat, not in x's shape",
           "Reshape dx to x.shape: x may be (N, d1, ..., dk), and the layer below expects its own shape back", "1",
           {"affine_backward": affine_backward_dx_flat}),
        _e("affine_backward averages db over the batch",
           "Sum dout over the batch for db (the loss already divides by N)", "1",
           {"affine_backward": affine_backward_db_mean}),
        _e("affine_backward divides dw by the batch size",
           "dw is x_flat.T @ dout with no 1/N: softmax_loss's gradient already averages over the batch", "1",
           {"affine_backward": affine_backward_dw_averaged}),
    ],
    "test_relu": [
        _e("relu_backward passes the gradient at x = 0",
           "Use the subgradient 0 at x = 0: dout * (x > 0), not (x >= 0)", "1",
           {"relu_backward": relu_backward_one_at_zero}),
        _e("relu_backward multiplies dout by the activation",
           "The local gradient of max(0, x) is 1 where x > 0 and 0 elsewhere, not x itself", "1",
           {"relu_backward": relu_backward_times_x}),
        _e("a leaky ReLU (slope 0.01) instead of ReLU",
           "ReLU is exactly 0 for x <= 0, in the forward and in the backward pass", "1",
           {"relu_forward": relu_forward_leaky, "relu_backward": relu_backward_leaky}),
    ],
    "test_batchnorm": [
        _e("running variance with the unbiased (N - 1) estimate",
           "Keep the biased batch variance (divide by N) in the running average too, as CS231n does", "1",
           {"batchnorm_forward": batchnorm_forward_unbiased_running_var}),
        _e("running averages with PyTorch's momentum convention",
           "Here momentum weighs the OLD value: running = momentum * running + (1 - momentum) * batch statistic", "1",
           {"batchnorm_forward": batchnorm_forward_torch_momentum}),
        _e("test mode normalises with the batch's statistics",
           "In test mode use running_mean and running_var, not the statistics of the batch", "1",
           {"batchnorm_forward": batchnorm_forward_test_uses_batch}),
        _e("eps added outside the square root",
           "Normalise by sqrt(var + eps), not sqrt(var) + eps", "1",
           {"batchnorm_forward": batchnorm_forward_eps_outside}),
        _e("batchnorm_backward without the path through the batch mean",
           "dx also flows through the mean: subtract the sum of dout over the batch (the dbeta term)", "1",
           {"batchnorm_backward": batchnorm_backward_no_mean_path}),
        _e("batchnorm_backward leaves gamma out of dx",
           "dx goes through the scale gamma: multiply by gamma as well as by 1 / std", "1",
           {"batchnorm_backward": batchnorm_backward_no_gamma}),
        _e("batchnorm_backward uses the train-mode formula in test mode",
           "In test mode the running averages are constants: dx = dout * gamma / std", "1",
           {"batchnorm_backward": batchnorm_backward_test_as_train}),
    ],
    "test_dropout": [
        _e("dropout without dividing by p",
           "Inverted dropout divides the kept units by p in training, so that test mode needs no scaling", "1",
           {"dropout_forward": dropout_forward_no_inverse_p, "dropout_backward": _dropout_backward}),
        _e("dropout with PyTorch's p (the probability of dropping)",
           "Here p is the probability of KEEPING a unit: mask = random(x.shape) < p, then divide by p", "1",
           {"dropout_forward": dropout_forward_torch_p, "dropout_backward": _dropout_backward}),
        _e("dropout with PyTorch's p (the probability of dropping)",
           "Here p is the probability of KEEPING a unit: mask = random(x.shape) < p, then divide by p", "1",
           {"dropout_forward": dropout_forward_torch_p_ge, "dropout_backward": _dropout_backward}),
        _e("dropout applied in test mode too",
           "In test mode return x unchanged (a copy): no mask, no scaling", "1",
           {"dropout_forward": dropout_forward_test_masked, "dropout_backward": _dropout_backward}),
        _e("dropout_backward without the 1/p of the forward pass",
           "The backward pass multiplies by the same mask / p as the forward pass", "1",
           {"dropout_backward": dropout_backward_no_inverse_p}),
        _e("dropout_backward ignores the mask",
           "In train mode only the kept units pass a gradient: dx = dout * mask / p, with the forward's mask", "1",
           {"dropout_backward": dropout_backward_mask_ignored}),
    ],
    "test_kaiming_init": [
        _e("He init divided by sqrt(2 / fan_in) instead of multiplied",
           "Multiply the standard normal draws by sqrt(2 / fan_in): the std must be small for a wide layer", "2",
           {"kaiming_init": kaiming_init_divided}, hint=True),
        _e("Xavier's sqrt(1 / fan_in) instead of He's sqrt(2 / fan_in)",
           "ReLU zeroes half the units: He's init doubles the variance, sqrt(2 / fan_in)", "2",
           {"kaiming_init": kaiming_init_xavier}),
        _e("He init drawn as (fan_out, fan_in) and transposed",
           "Draw rng.standard_normal((fan_in, fan_out)) directly: a transposed draw gives other numbers", "2",
           {"kaiming_init": kaiming_init_transposed}),
        _e("He init scaled by fan_out instead of fan_in",
           "The forward pass sums over fan_in inputs: scale by sqrt(2 / fan_in)", "2",
           {"kaiming_init": kaiming_init_fan_out}),
    ],
    "test_adam": [
        _e("Adam without bias correction",
           "Divide m by (1 - beta1 ** t) and v by (1 - beta2 ** t) before the step", "2",
           {"adam": adam_no_bias_correction}, hint=True),
        _e("Adam with epsilon inside the square root",
           "Add epsilon after the square root: sqrt(v_hat) + epsilon", "2",
           {"adam": adam_eps_inside_sqrt}),
        _e("Adam's m, v and t not saved in config",
           "Store the new m, v and t in config: the next step continues from them", "2",
           {"adam": adam_state_not_saved}),
        _e("Adam with beta2 = 0.9 by default",
           "Adam's default beta2 is 0.999 (beta1 is 0.9)", "2",
           {"adam": adam_beta2_09}),
    ],
    "test_warmup_cosine": [
        _e("the schedule never warms up",
           "For t < warmup_steps return lr0 * t / warmup_steps; the cosine starts at warmup_steps", "2",
           {"warmup_cosine": warmup_cosine_never_warms}, hint=True),
        _e("the cosine counted from step 0, not from the end of warmup",
           "After warmup use s = t - warmup_steps over S = total_steps - warmup_steps, so it starts at lr0", "2",
           {"warmup_cosine": warmup_cosine_cosine_from_zero}),
        _e("warmup that starts at lr0 / warmup_steps instead of 0",
           "The linear warmup starts from 0 at t = 0: lr0 * t / warmup_steps", "2",
           {"warmup_cosine": warmup_cosine_warm_from_step_one}),
        _e("the cosine goes back up after total_steps",
           "After total_steps the learning rate stays 0: clip s at S", "2",
           {"warmup_cosine": warmup_cosine_not_zero_after}),
    ],
    "test_random_crop": [
        _e("random_crop draws the left offsets before the top offsets",
           "Draw all N tops first, then all N lefts, as the docstring says", "2",
           {"random_crop": random_crop_lefts_first}),
        _e("random_crop uses one offset for the whole batch",
           "Draw one top and one left offset per image: rng.integers(..., size=N)", "2",
           {"random_crop": random_crop_one_offset}),
        _e("random_crop's offsets miss the last position",
           "rng.integers excludes its high end: use Hp - h + 1 (and Wp - w + 1) so the last window can be drawn", "2",
           {"random_crop": random_crop_high_exclusive}),
    ],
    "test_random_search": [
        _e("random search sampled uniformly instead of log-uniformly",
           "Draw the exponent uniformly: 10 ** rng.uniform(log10(low), log10(high), num_trials)", "2",
           {"random_search": random_search_uniform}),
        _e("random search puts NaN scores anywhere",
           "Sort with NaN and inf scores last (a key that sends non-finite scores to the end)", "2",
           {"random_search": random_search_nan_not_last}),
        _e("random search records not sorted",
           "Return the records best score first (a stable sort keeps ties in trial order)", "2",
           {"random_search": random_search_unsorted}),
        _e("random search draws trial by trial",
           "Draw each hyperparameter's num_trials values at once, in the order of space, then run the trials", "2",
           {"random_search": random_search_trial_by_trial}),
    ],
    "test_init_fc_net": [
        _e("init_fc_net divides by sqrt(2 / fan_in)",
           "W_l = kaiming_init(fan_in, fan_out, rng): standard normal times sqrt(2 / fan_in)", "3",
           {"init_fc_net": init_fc_net_divided}),
        _e("BatchNorm parameters on the output layer too",
           "gamma and beta belong to the hidden layers 1 .. L-1 only: the scores are not normalised", "3",
           {"init_fc_net": init_fc_net_bn_on_output}, specific=True),
        _e("layers drawn last to first",
           "Draw W1 first, then W2, ...: the draws come from one rng, so their order decides the numbers", "3",
           {"init_fc_net": init_fc_net_reverse_order}),
    ],
    "test_fc_net_loss": [
        _e("the L2 gradient without the factor 2",
           "The gradient of reg * sum(W ** 2) is 2 * reg * W", "3",
           {"fc_net_loss": fc_net_loss_l2_grad_without_2}),
        _e("L2 penalty with the factor 1/2",
           "This course's L2 is reg * sum(W ** 2), no 1/2 (gradient 2 * reg * W)", "3",
           {"fc_net_loss": fc_net_loss_l2_half}),
        _e("L2 on biases, gammas and betas too",
           "Penalise the weights W_l only: not b_l, gamma_l or beta_l", "3",
           {"fc_net_loss": fc_net_loss_penalises_everything}),
        _e("every dropout layer with the same seed",
           "Layer l's dropout gets seed + l: the same seed everywhere drops the same pattern in every layer", "3",
           {"fc_net_loss": fc_net_loss_same_dropout_seed}),
        _e("bn_params copied instead of updated in place",
           "Pass the caller's bn_params[l - 1] dicts to batchnorm_forward: the running averages must stay there", "3",
           {"fc_net_loss": fc_net_loss_bn_params_copied}),
    ],
    "test_train_fc_net": [
        _e("the training loop never warms up",
           "Use warmup_cosine(learning_rate, t, warmup_steps, T) with the config's warmup_steps", "4",
           {"train_fc_net": train_fc_net_no_warmup}),
        _e("a constant learning rate (the schedule ignored)",
           "Set every parameter's Adam config learning_rate to warmup_cosine(...) before each step", "4",
           {"train_fc_net": train_fc_net_constant_lr}),
        _e("the last epoch's parameters returned, not the best epoch's",
           "Keep a deep copy of the parameters (and bn_params) whenever val_acc improves, and return that", "4",
           {"train_fc_net": train_fc_net_last_epoch_params}),
        _e("the last, smaller minibatch dropped",
           "An epoch has ceil(N / B) steps: the last minibatch may be smaller, but it is a step", "4",
           {"train_fc_net": train_fc_net_drops_last_batch}),
        _e("the step's dropout seed drawn before the crop",
           "Draw in the documented order: each step random_crop first, then the dropout seed int(rng.integers(2 ** 31))",
           "4", {"train_fc_net": train_fc_net_dropout_seed_first}),
        _e("the generator not seeded with seed",
           "Make every draw from rng = np.random.default_rng(seed): the same seed must give the same run", "4",
           {"train_fc_net": train_fc_net_unseeded}),
    ],
    "test_best_config": [
        _e("the learning rate under another key",
           "Use train_fc_net's key names: learning_rate, not lr", "6",
           {"best_config": CONFIG_LR_KEY}, specific=True),
        _e("hidden_dims given as one number",
           "hidden_dims is a list of layer sizes, e.g. [256, 128] (or [256] for one hidden layer)", "6",
           {"best_config": CONFIG_HIDDEN_INT}, specific=True),
        _e("warmup_steps given as a fraction of the run",
           "warmup_steps counts steps (an integer): 10 epochs of 4000 digits in batches of 100 are 400 steps", "6",
           {"best_config": CONFIG_WARMUP_FRACTION}, specific=True),
        _e("dropout_keep = 0 meant as 'no dropout'",
           "dropout_keep is the KEEP probability: 1.0 switches dropout off", "6",
           {"best_config": CONFIG_DROPOUT_AS_DROP}, specific=True),
    ],
}
