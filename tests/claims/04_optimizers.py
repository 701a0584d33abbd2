"""Claims of 04_optimizers that must hold on every seed (issue 25): its graded predictions and its prose comparisons.

Each experiment is the notebook's computation with the reference update rules, the seed choosing what the notebook fixes
(the starting point, the gradient's size, the noise, the sparse data). Not covered: the six-optimizer training run of
section 4 (the notebook compares no two of its numbers in prose).
"""
import numpy as np

from claims import Claim
from trainlab.reference.optimizers import adagrad, adam, sgd, sgd_momentum

A_ILL = np.diag([1.0, 20.0])


def _steps_to(rule, config, w0, tol=1e-6, limit=5000):
    w, config = np.array(w0, dtype=float), dict(config)
    for step in range(1, limit + 1):
        w, config = rule(w, A_ILL @ w, config)
        if 0.5 * w @ A_ILL @ w < tol:
            return step
    return limit


def momentum_steps(seed):
    """Q1: steps to f < 1e-6 on the ill-conditioned quadratic, lr 0.02, plain and with momentum 0.9 (the seed: the start)."""
    r = np.random.default_rng(seed)
    w0 = [-r.uniform(3, 5), r.uniform(1, 2)]
    n_gd = _steps_to(sgd, {"learning_rate": 0.02}, w0)
    n_mom = _steps_to(sgd_momentum, {"learning_rate": 0.02, "momentum": 0.9}, w0)
    return {"n_gd": n_gd, "n_mom": n_mom, "ratio": n_gd / n_mom}


def adagrad_step(seed):
    """Q3: AdaGrad, lr 0.1, a constant gradient (the seed: its size and sign): the length of step 10^4."""
    g = np.random.default_rng(seed).uniform(0.1, 10) * (1 if seed % 2 else -1)
    w, cfg = np.zeros(1), {"learning_rate": 0.1}
    for _ in range(10_000):
        new_w, cfg = adagrad(w, np.array([g]), cfg)
        step, w = abs(new_w - w)[0], new_w
    return {"step_10000": float(step)}


def adam_first_step(seed):
    """Q4: Adam's first step with its defaults, with and without the bias correction (the seed: the gradient)."""
    g = np.random.default_rng(seed).uniform(0.01, 100) * (1 if seed % 2 else -1)
    w1, cfg = adam(np.zeros(1), np.array([g]), {"learning_rate": 1e-3})
    uncorrected = 1e-3 * cfg["m"] / (np.sqrt(cfg["v"]) + cfg["epsilon"])
    return {"corrected": float(abs(w1[0])), "uncorrected": float(abs(uncorrected[0]))}


def noise_floor(seed):
    """Section 1: mean loss after 3000 noisy steps (noise std 3) at lr 0.05 and 0.005, over 500 runs (the notebook 2000)."""
    floors = {}
    for lr in (0.05, 0.005):
        r = np.random.default_rng(seed)
        W = np.tile([-4.0, 1.5], (500, 1))
        for _ in range(3000):
            W = W - lr * (W @ A_ILL + 3.0 * r.standard_normal(W.shape))
        floors[lr] = float(0.5 * np.einsum("ni,ij,nj->n", W, A_ILL, W).mean())
    return {"floor_0.05": floors[0.05], "floor_0.005": floors[0.005], "ratio": floors[0.05] / floors[0.005]}


def sparse_features(seed):
    """Section 2.4: SGD vs AdaGrad on 50 frequent and 50 rare binary features, each with its best of four rates
    (the seed: the data and the mini-batches)."""
    r = np.random.default_rng(seed)
    p_on = np.r_[np.full(50, 0.5), np.full(50, 0.005)]
    X = (r.random((20000, 100)) < p_on).astype(float)
    w_true = r.uniform(0.5, 1.5, 100) * r.choice([-1, 1], 100)
    y = X @ w_true + 0.1 * r.standard_normal(20000)

    def fit(rule, lr):
        w, config, g = np.zeros(100), {"learning_rate": lr}, np.random.default_rng(seed + 1)
        with np.errstate(all="ignore"):
            for _ in range(3000):
                idx = g.integers(0, len(X), 10)
                w, config = rule(w, X[idx].T @ (X[idx] @ w - y[idx]) / 10, config)
        err = np.abs(w - w_true)
        return err[:50].mean(), err[50:].mean()

    best = {}
    for name, rule, lrs in [("sgd", sgd, [0.01, 0.03, 0.1, 0.3]), ("adagrad", adagrad, [0.03, 0.1, 0.3, 1.0])]:
        runs = [fit(rule, lr) for lr in lrs]
        best[name] = min((run for run in runs if np.isfinite(run[1])), key=lambda run: run[1])
    return {"sgd_rare": float(best["sgd"][1]), "adagrad_rare": float(best["adagrad"][1]),
            "sgd_frequent": float(best["sgd"][0]), "adagrad_frequent": float(best["adagrad"][0])}


CLAIMS = [
    Claim("momentum_2_to_3_times_fewer", "04 §2.2, Question 1 (answer b)",
          "momentum 0.9 at lr 0.02 needs about 2 to 3 times fewer steps (2 to 3.5, by where the oscillation stands when f "
          "crosses 1e-6) than plain gradient descent; options a, c, d say 10, 1 and fewer than 1",
          momentum_steps, lambda r: 2 <= r["ratio"] <= 3.5, ("ratio",)),
    Claim("adagrad_step_decays", "04 §2.4, Question 3 (within a factor 2 of 1e-3)",
          "AdaGrad's step 10^4 with a constant gradient is lr / sqrt(10^4) = 1e-3, whatever the gradient's size",
          adagrad_step, lambda r: abs(r["step_10000"] / 1e-3 - 1) < 1e-3, ("step_10000",)),
    Claim("adam_first_step", "04 §2.6, Question 4 (within a factor 1.5)",
          "Adam's first step is lr = 1e-3 with the bias correction and 0.1 / sqrt(0.001) lr = 3.16e-3 without",
          adam_first_step, lambda r: abs(r["corrected"] / 1e-3 - 1) < 1e-6 and abs(r["uncorrected"] / 3.1623e-3 - 1) < 1e-3,
          ("corrected", "uncorrected")),
    Claim("noise_floor_more_than_10x", "04 §1, noisy gradients",
          "a 10 times smaller learning rate lowers the noise floor by more than 10 times",
          noise_floor, lambda r: r["ratio"] > 10, ("ratio",)),
    Claim("adagrad_rare_features", "04 §2.4, sparse features",
          "AdaGrad learns the rare weights many (more than 3) times more accurately than SGD, and the frequent ones at least "
          "as well (within 10%)", sparse_features,
          lambda r: r["sgd_rare"] > 3 * r["adagrad_rare"] and r["adagrad_frequent"] <= 1.1 * r["sgd_frequent"],
          ("sgd_rare", "adagrad_rare", "sgd_frequent", "adagrad_frequent")),
]
