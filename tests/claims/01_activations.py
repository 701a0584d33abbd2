"""Claims of 01_activations that must hold on every seed (issue 25): its graded predictions and its prose comparisons.

Each experiment is the notebook's computation with the reference functions, the seed choosing the data and the weights.
Timings (section 10) run on 10^5 entries instead of 10^6, and only the comparisons that do not depend on the machine are
claimed (ReLU is the fastest; Leaky ReLU, without an exponential, is several times slower).
"""
import timeit
from functools import lru_cache

import numpy as np
from threadpoolctl import threadpool_limits

from claims import Claim
from trainlab.data import load_digits
from trainlab.reference import activations as ref
from trainlab.train import softmax_loss


def sigmoid_gradient(seed):
    """Q1: sigma'(10), the local gradient at x = +-10 (the seed only picks the sign)."""
    x = 10.0 * (1 if seed % 2 == 0 else -1)
    out, cache = ref.sigmoid_forward(np.array([x, 0.0]))
    grad = ref.sigmoid_backward(np.ones(2), cache)
    return {"grad10": float(grad[0]), "ratio_to_zero": float(grad[1] / grad[0])}


def same_sign(seed):
    """Q2: 1000 examples, 20 sigmoid (or tanh) inputs each and one random upstream gradient."""
    r = np.random.default_rng(seed)
    pre, upstream = r.standard_normal((1000, 20)), r.standard_normal((1000, 1))
    shares = {}
    for name, fwd in [("sigmoid", ref.sigmoid_forward), ("tanh", ref.tanh_forward)]:
        dw = upstream * fwd(pre)[0]
        shares[name] = float(np.mean(np.all(dw > 0, axis=1) | np.all(dw < 0, axis=1)))
    return shares


def zero_centred(seed):
    """Q3: mean output of each activation for N(0, 1) inputs (10^4 x 20, as the notebook), Maxout with random weights."""
    r = np.random.default_rng(seed)
    x = r.standard_normal((10_000, 20))
    W1, W2 = r.standard_normal((2, 20, 20)) / np.sqrt(20)
    means = {"sigmoid": ref.sigmoid_forward(x)[0].mean(), "tanh": ref.tanh_forward(x)[0].mean(),
             "relu": ref.relu_forward(x)[0].mean(), "leaky": ref.leaky_relu_forward(x)[0].mean(),
             "elu": ref.elu_forward(x)[0].mean(), "gelu": ref.gelu_forward(x)[0].mean(),
             "maxout": ref.maxout_forward(x, W1, np.zeros(20), W2, np.zeros(20))[0].mean()}
    return {k: float(v) for k, v in means.items()}


@lru_cache(maxsize=None)
def _digits():
    return load_digits()


def dead_relus(seed):
    """Section 9: dead fraction after initialisation with bias -4, and after 20 full-batch steps at lr 0.1 and 30."""
    d = _digits()
    X, y = d["X_train"], d["y_train"]

    def init(bias):
        r = np.random.default_rng(seed)
        return (r.standard_normal((64, 200)) * np.sqrt(2 / 64), np.full(200, bias),
                r.standard_normal((200, 10)) * np.sqrt(2 / 200), np.zeros(10))

    def dead(W1, b1):
        return float(np.mean(np.all(X @ W1 + b1 <= 0, axis=0)))

    def steps(lr):
        W1, b1, W2, b2 = init(0.0)
        with np.errstate(all="ignore"):
            for _ in range(20):
                z = X @ W1 + b1
                h = np.maximum(z, 0)
                _, ds = softmax_loss(h @ W2 + b2, y)
                dz = (ds @ W2.T) * (z > 0)
                W2, b2 = W2 - lr * h.T @ ds, b2 - lr * ds.sum(0)
                W1, b1 = W1 - lr * X.T @ dz, b1 - lr * dz.sum(0)
        return dead(W1, b1)

    with threadpool_limits(1):
        return {"dead_bias_m4": dead(*init(-4.0)[:2]), "dead_lr_0.1": steps(0.1), "dead_lr_30": steps(30.0)}


def timings(seed):
    """Section 10: forward passes on 10^5 entries, best of 3 x 5 calls, as multiples of ReLU's time."""
    big = np.random.default_rng(seed).standard_normal(100_000)
    fns = {"relu": ref.relu_forward, "leaky": ref.leaky_relu_forward, "sigmoid": ref.sigmoid_forward,
           "tanh": ref.tanh_forward, "elu": ref.elu_forward, "gelu": ref.gelu_forward}
    t = {k: min(timeit.repeat(lambda f=f: f(big), number=5, repeat=3)) for k, f in fns.items()}
    return {f"{k}_x_relu": t[k] / t["relu"] for k in fns if k != "relu"}


CLAIMS = [
    Claim("sigmoid_gradient_10", "01 §2, Question 1 (within a factor of 2 of 4.54e-5)",
          "the sigmoid's local gradient at +-10 is 4.54e-5, over 5000 times smaller than at 0",
          sigmoid_gradient, lambda r: abs(r["grad10"] / 4.5395807735907655e-05 - 1) < 1e-9 and r["ratio_to_zero"] > 5000,
          ("grad10",)),
    Claim("same_sign_gradients", "01 §8, Question 2 (answer b)",
          "with sigmoid inputs every example's gradient on w is one-signed; with tanh inputs almost none (< 1%)",
          same_sign, lambda r: r["sigmoid"] == 1.0 and r["tanh"] < 0.01, ("sigmoid", "tanh")),
    Claim("only_tanh_zero_centred", "01 §8, Question 3 (answer a)",
          "for N(0, 1) inputs only tanh has a mean output within 0.05 of zero; every other activation's is above 0.1",
          zero_centred, lambda r: abs(r["tanh"]) < 0.05 and min(v for k, v in r.items() if k != "tanh") > 0.1,
          ("tanh", "leaky", "elu", "gelu", "maxout")),
    Claim("dead_relus", "01 §9, the dead-fraction table and Question 4's explanation",
          "a bias of -4 kills (almost) every unit; 20 steps at lr 30 kill most (> 50%), at lr 0.1 few (at most 10%)",
          dead_relus, lambda r: r["dead_bias_m4"] > 0.95 and r["dead_lr_30"] > 0.5 and r["dead_lr_0.1"] <= 0.1,
          ("dead_bias_m4", "dead_lr_0.1", "dead_lr_30")),
    Claim("relu_fastest_leaky_slower", "01 §10, the timing table and the Summary",
          "ReLU is the fastest forward pass; Leaky ReLU (no exponential) is more than twice as slow",
          timings, lambda r: min(r.values()) > 1 and r["leaky_x_relu"] > 2, ("leaky_x_relu", "sigmoid_x_relu", "tanh_x_relu")),
]
