"""Claims of 03_batchnorm that must hold on every seed (issue 25): its graded predictions and its prose comparisons.

Each experiment is the notebook's own computation with the reference functions, the seed choosing what the notebook
fixes (the first layer's weights, the batch, the examples). Not covered here: the training tables of sections 9 and 10
(a few minutes per seed; the notebook calls differences of a percent or two there noise).
"""
import timeit
from functools import lru_cache

import numpy as np

from claims import Claim
from trainlab.data import load_digits
from trainlab.reference.batchnorm import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward


@lru_cache(maxsize=None)
def _digits():
    return load_digits()


@lru_cache(maxsize=None)
def _preactivations(seed):
    """Section 8: the digits through a first layer of 32 He-scaled units drawn with ``seed`` (training, validation)."""
    d = _digits()
    W = np.random.default_rng(seed).standard_normal((64, 32)) * np.sqrt(2 / 64)
    return d["X_train"] @ W, d["X_val"] @ W


def cold_and_warm(seed):
    """Q2: test-mode outputs with zero running averages, and after 400 training steps (momentum 0.9)."""
    Z, Z_val = _preactivations(seed)
    ones, zeros = np.ones(32), np.zeros(32)
    cold = {"mode": "test", "running_mean": np.zeros(32), "running_var": np.zeros(32)}
    out_cold = batchnorm_forward(Z_val, ones, zeros, cold)[0]
    warm, order = {"mode": "train", "momentum": 0.9}, np.random.default_rng(seed + 100)
    for _ in range(400):
        batchnorm_forward(Z[order.choice(len(Z), 32, replace=False)], ones, zeros, warm)
    out_warm = batchnorm_forward(Z_val, ones, zeros, dict(warm, mode="test"))[0]
    return {"cold_std_min": float(out_cold.std(axis=0).min()), "cold_std_max": float(out_cold.std(axis=0).max()),
            "warm_mean_absmax": float(np.abs(out_warm.mean(axis=0)).max()),
            "warm_std_min": float(out_warm.std(axis=0).min()), "warm_std_max": float(out_warm.std(axis=0).max())}


def identity(seed):
    """Q3: a feature with batch mean 12 and std 5, gamma = sqrt(25 + eps), beta = 12: the example x = 20 comes out as 20."""
    w = np.random.default_rng(seed).standard_normal(31)
    w = (w - w.mean()) / w.std()
    a = (32 * 12 - 20) / 31
    b = np.sqrt((32 * 25 - (20 - 12) ** 2 - 31 * (a - 12) ** 2) / 31)
    feature = np.r_[20.0, a + b * w][:, None]
    out = batchnorm_forward(feature, np.array([np.sqrt(25 + 1e-5)]), np.array([12.0]), {"mode": "train"})[0]
    return {"out": float(out[0, 0])}


def batch_of_two(seed):
    """Q4: two random validation examples in train mode, gamma = 1, beta = 0."""
    _, Z_val = _preactivations(seed)
    pair = Z_val[np.random.default_rng(seed).choice(len(Z_val), 2, replace=False)]
    out = batchnorm_forward(pair, np.ones(32), np.zeros(32), {"mode": "train"})[0]
    return {"max_abs_sum": float(np.abs(out.sum(axis=0)).max()), "max_abs": float(np.abs(out).max()),
            "median_abs": float(np.median(np.abs(out)))}


def speed(seed):
    """Section 3: the one expression against the graph form, on the same cache (300 x 200: a few ms each)."""
    r = np.random.default_rng(seed)
    x, dout = 5 * r.standard_normal((300, 200)) + 12, r.standard_normal((300, 200))
    _, cache = batchnorm_forward(x, np.ones(200), np.zeros(200), {"mode": "train"})
    t_graph = min(timeit.repeat(lambda: batchnorm_backward(dout, cache), number=5, repeat=3))
    t_alt = min(timeit.repeat(lambda: batchnorm_backward_alt(dout, cache), number=5, repeat=3))
    return {"speed_up": t_graph / t_alt}


def bias_before_bn(seed):
    """Section 9: a bias before BatchNorm changes nothing, and its gradient, dx summed over the batch, is rounding noise."""
    r = np.random.default_rng(seed)
    Z, _ = _preactivations(seed)
    z, shift = Z[:100], 3.0 * r.standard_normal(32)
    gamma, beta = r.standard_normal(32), r.standard_normal(32)
    out, cache = batchnorm_forward(z, gamma, beta, {"mode": "train"})
    out_shifted = batchnorm_forward(z + shift, gamma, beta, {"mode": "train"})[0]
    dx = batchnorm_backward_alt(r.standard_normal(z.shape), cache)[0]
    return {"out_change": float(np.abs(out_shifted - out).max()), "db_over_dx": float(np.abs(dx.sum(axis=0)).max() / np.abs(dx).max())}


CLAIMS = [
    Claim("cold_running_far_too_large", "03 §8, Question 2 (answer c)",
          "test mode with zero running averages: every feature's output std is tens to hundreds (between 10 and 1000)",
          cold_and_warm, lambda r: 10 <= r["cold_std_min"] and r["cold_std_max"] <= 1000, ("cold_std_min", "cold_std_max")),
    Claim("warm_running_fine", "03 §8, the text after Question 2",
          "after 400 steps (momentum 0.9) the test-mode outputs have per-feature means near 0 (|mean| < 0.3) and stds near 1 "
          "(0.8 to 1.3)", cold_and_warm,
          lambda r: r["warm_mean_absmax"] < 0.3 and 0.8 < r["warm_std_min"] and r["warm_std_max"] < 1.3,
          ("warm_mean_absmax", "warm_std_min", "warm_std_max")),
    Claim("identity_out", "03 §8, Question 3 (20, within 0.1)", "gamma = sqrt(var + eps), beta = mean return the input: 20",
          identity, lambda r: abs(r["out"] - 20) < 1e-6, ("out",)),
    Claim("batch_of_two_pm_one", "03 §10, Question 4 (answer b)",
          "a batch of two in train mode gives -x and +x in every feature, |x| <= 1, and about 1 (median |x| > 0.99)",
          batch_of_two, lambda r: r["max_abs_sum"] < 1e-9 and r["max_abs"] <= 1 and r["median_abs"] > 0.99,
          ("median_abs",)),
    Claim("alt_faster", "03 §3, the speed-up cell and the Summary",
          "the one-expression backward is faster than the graph form (more than 1.2 times here, a timing on a possibly busy "
          "machine; the notebook prints about 4 on 1000 x 500)",
          speed, lambda r: r["speed_up"] > 1.2, ("speed_up",)),
    Claim("bias_before_bn_redundant", "03 §9, the bias before BatchNorm",
          "a bias before BatchNorm leaves the output unchanged and gets a gradient that is rounding noise",
          bias_before_bn, lambda r: r["out_change"] < 1e-10 and r["db_over_dx"] < 1e-12, ("db_over_dx",)),
]
