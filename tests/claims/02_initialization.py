"""Claims of 02_initialization that must hold on every seed (issue 25): its graded predictions and its prose comparisons.

Each experiment is the notebook's computation with the reference functions, at the notebook's sizes except where noted
(section 5: 100 examples instead of 1000, the statistics are per entry), the seed choosing the weights and the data.
"""
from functools import lru_cache

import numpy as np
from threadpoolctl import threadpool_limits

from claims import Claim
from trainlab.data import load_digits
from trainlab.reference.initialization import (constant_init, gradient_statistics, kaiming_init, layer_statistics,
                                               orthogonal_init, small_random_init, xavier_init)
from trainlab.train import softmax_loss

D, L = 500, 10


@lru_cache(maxsize=None)
def lecture_experiment(seed):
    """Section 5: 10 layers of 500 units, five inits, forward and backward statistics (100 examples)."""
    r = np.random.default_rng(seed)
    X, dout = r.standard_normal((100, D)), r.standard_normal((100, D))
    setups = {"small": (lambda g: small_random_init(D, D, 0.01, g), "tanh"),
              "big": (lambda g: small_random_init(D, D, 1.0, g), "tanh"),
              "xavier_tanh": (lambda g: xavier_init(D, D, g), "tanh"),
              "xavier_relu": (lambda g: xavier_init(D, D, g), "relu"),
              "he_relu": (lambda g: kaiming_init(D, D, g), "relu")}
    out = {}
    with threadpool_limits(1):
        for name, (make, nl) in setups.items():
            g = np.random.default_rng(seed + 1000)
            weights = [make(g) for _ in range(L)]
            _, stds = layer_statistics(X, weights, nl)
            dh, _ = gradient_statistics(X, weights, nl, dout)
            out[name] = (stds, dh)
    small, big = out["small"], out["big"]
    spread = lambda a: float(a.max() / a.min())  # noqa: E731
    return {"small_std10": float(small[0][-1]), "big_std_min": float(big[0].min()), "big_dh1": float(big[1][0]),
            "xavier_tanh_spread": max(spread(out["xavier_tanh"][0]), spread(out["xavier_tanh"][1])),
            "he_relu_spread": max(spread(out["he_relu"][0]), spread(out["he_relu"][1])),
            "xavier_relu_shrink": float(out["xavier_relu"][0][0] / out["xavier_relu"][0][-1])}


def _jacobian(x, weights):
    J, h = np.eye(len(x)), x
    for W in weights:
        h = np.tanh(h @ W)
        J = (J @ W) * (1 - h ** 2)
    return J, h


@lru_cache(maxsize=None)
def tanh_stack(seed):
    """Section 6: 50 tanh layers of 256 units, four inits; the forward std at layer 50 and the input-output Jacobian at one
    input (the notebook: 500 inputs for the std; here the 64 first)."""
    D6 = 256
    X = np.random.default_rng(seed).standard_normal((64, D6))
    inits = {"xavier1": lambda g: xavier_init(D6, D6, g), "orth1": lambda g: orthogonal_init(D6, D6, 1.0, g),
             "xavier53": lambda g: 5 / 3 * xavier_init(D6, D6, g), "orth53": lambda g: orthogonal_init(D6, D6, 5 / 3, g)}
    out = {}
    with threadpool_limits(1):
        for name, make in inits.items():
            g = np.random.default_rng(seed + 2000)
            weights = [make(g) for _ in range(50)]
            _, stds = layer_statistics(X, weights, "tanh")
            sv = np.linalg.svd(_jacobian(X[0], weights)[0], compute_uv=False)
            out[f"{name}_std50"] = float(stds[-1])
            out[f"{name}_max"] = float(sv[0])
            out[f"{name}_ratio"] = float(sv[0] / np.median(sv))
    return out


@lru_cache(maxsize=None)
def _digits():
    return load_digits()


def constant_init_run(seed):
    """Section 7: 64 -> 50 (tanh) -> 10, 100 full-batch steps, constant 0.1 vs Xavier (the seed: Xavier's weights and a
    random 90% of the training digits)."""
    d = _digits()
    r = np.random.default_rng(seed)
    idx = r.choice(len(d["X_train"]), int(0.9 * len(d["X_train"])), replace=False)
    X, y = d["X_train"][idx], d["y_train"][idx]

    def fit(W1, W2):
        for _ in range(100):
            h = np.tanh(X @ W1)
            _, ds = softmax_loss(h @ W2, y)
            W1, W2 = W1 - 0.2 * X.T @ ((ds @ W2.T) * (1 - h ** 2)), W2 - 0.2 * h.T @ ds
        h = np.tanh(d["X_val"] @ W1)
        return float(np.mean(np.argmax(h @ W2, axis=1) == d["y_val"])), float(np.abs(W1 - W1[:, :1]).max())

    with threadpool_limits(1):
        acc_c, spread_c = fit(constant_init(64, 50, 0.1), constant_init(50, 10, 0.1))
        acc_x, _ = fit(xavier_init(64, 50, r), xavier_init(50, 10, r))
    return {"constant_acc": acc_c, "constant_unit_spread": spread_c, "xavier_acc": acc_x}


def preprocessing(seed):
    """Section 1: the wine fit from each preprocessing (the seed: a bootstrap resample of the 178 wines)."""
    from sklearn.datasets import load_wine
    wine = load_wine()
    idx = np.random.default_rng(seed).choice(178, 178, replace=True)
    cols = [wine.feature_names.index("alcohol"), wine.feature_names.index("proline")]
    X2, target = wine.data[idx][:, cols], wine.data[idx, wine.feature_names.index("color_intensity")]
    centred = X2 - X2.mean(axis=0)
    standardised = centred / centred.std(axis=0)
    eigvals, U = np.linalg.eigh(standardised.T @ standardised / len(X2))
    whitened = standardised @ U / np.sqrt(eigvals + 1e-5)

    def excess(Z, factor=1.9):
        A = np.c_[Z, np.ones(len(Z))]
        lam = np.linalg.eigvalsh(A.T @ A / len(A))
        theta = np.zeros(A.shape[1])
        for _ in range(100):
            theta -= factor / lam[-1] * A.T @ (A @ theta - target) / len(A)
        best = np.linalg.lstsq(A, target, rcond=None)[0]
        loss = lambda th: 0.5 * np.mean((A @ th - target) ** 2)  # noqa: E731
        return loss(theta) - loss(best)

    return {"raw": excess(X2), "centred": excess(centred), "standardised": excess(standardised),
            "whitened": excess(whitened), "whitened_1": excess(whitened, 1.0)}


CLAIMS = [
    Claim("layer10_std", "02 §5, Question 2 (accepted 1e-8 to 1e-5)",
          "0.01 * randn, tanh: the std at layer 10 is between 1e-8 and 1e-5 (about 0.22**10 = 3e-7)",
          lecture_experiment, lambda r: 1e-8 <= r["small_std10"] <= 1e-5, ("small_std10",)),
    Claim("big_init_saturates", "02 §5, Question 3 (answer b)",
          "1.0 * randn, tanh: the std of the activations is above 0.95 at every layer (saturated at -1 or +1)",
          lecture_experiment, lambda r: r["big_std_min"] > 0.95, ("big_std_min",)),
    Claim("big_init_gradient_explodes", "02 §5, Question 4 (answer c)",
          "1.0 * randn, tanh: the gradient at layer 1 has a std above 100 (it explodes)",
          lecture_experiment, lambda r: r["big_dh1"] > 100, ("big_dh1",)),
    Claim("xavier_he_balanced", "02 §5, reading the tables",
          "Xavier + tanh and He + ReLU keep activations and gradients within a factor of 3 over 10 layers",
          lecture_experiment, lambda r: r["xavier_tanh_spread"] < 3 and r["he_relu_spread"] < 3,
          ("xavier_tanh_spread", "he_relu_spread")),
    Claim("xavier_relu_shrinks", "02 §5, reading the tables",
          "Xavier + ReLU: layer-10 activations many (more than 10) times smaller than layer 1's",
          lecture_experiment, lambda r: r["xavier_relu_shrink"] > 10, ("xavier_relu_shrink",)),
    Claim("tanh_forward_std_follows_gain", "02 §6, the tanh table",
          "50 tanh layers: at gain 1 both inits fade (layer-50 std below 0.2), at gain 5/3 both hold (above 0.5)",
          tanh_stack, lambda r: max(r["xavier1_std50"], r["orth1_std50"]) < 0.2 and min(r["xavier53_std50"], r["orth53_std50"]) > 0.5,
          ("xavier1_std50", "orth1_std50", "xavier53_std50", "orth53_std50")),
    Claim("orthogonal_conditions_jacobian", "02 §6, the Jacobian table",
          "gain 1: the orthogonal Jacobian's largest singular value is within 10 of its median, the Gaussian's more than 1e5",
          tanh_stack, lambda r: r["orth1_ratio"] < 10 and r["xavier1_ratio"] > 1e5, ("orth1_ratio", "xavier1_ratio")),
    Claim("gain_53_jacobian_explodes", "02 §6, the Jacobian table",
          "gain 5/3: both Jacobians have a largest singular value above 100 and are badly conditioned (ratio above 1e4)",
          tanh_stack, lambda r: min(r["xavier53_max"], r["orth53_max"]) > 100 and min(r["xavier53_ratio"], r["orth53_ratio"]) > 1e4,
          ("xavier53_max", "orth53_max")),
    Claim("constant_init_accuracy", "02 §7, Question 5 (accepted 0.05 to 0.25)",
          "constant 0.1 init: the hidden units stay identical and the validation accuracy is between 0.05 and 0.25; Xavier's "
          "is above 0.8", constant_init_run,
          lambda r: 0.05 <= r["constant_acc"] <= 0.25 and r["constant_unit_spread"] < 1e-12 and r["xavier_acc"] > 0.8,
          ("constant_acc", "xavier_acc")),
    Claim("preprocessing_excess_loss", "02 §1, the conditioning table",
          "zero-centring alone leaves a larger excess loss than raw data; standardising beats both; whitening at 1.9 / "
          "lambda_max is worse than standardising, at 1 / lambda_max it converges",
          preprocessing, lambda r: r["centred"] > r["raw"] > r["standardised"] and r["whitened"] > r["standardised"]
          and r["whitened_1"] < 1e-8, ("raw", "centred", "standardised", "whitened")),
]
