"""Trusted checks for 09_babysitting: one function per graded test cell, named as its grade_id.

They run in the grader's process (autograde/judge.py); ``student`` reaches the student's code in the sandbox.
"""
from trainlab.reference import babysitting as ref
import time
import warnings

import numpy as np
import matplotlib.pyplot as plt
from IPython.display import Markdown, display
from threadpoolctl import threadpool_limits

from trainlab import gradcheck, grading
from trainlab.data import load_digits
from trainlab.train import accuracy, sgd, softmax_loss, train


def test_sample_log_uniform(student):
    """sample_log_uniform: shape, range, the distribution of log10 (Kolmogorov-Smirnov test), reproducibility (3 points)"""
    from scipy import stats

    x = student.sample_log_uniform(1e-5, 1e-1, 5000, np.random.default_rng(0))
    grading.check(isinstance(x, np.ndarray) and x.shape == (5000,), "sample_log_uniform(..., size=5000, ...) must return "
                  f"an array of shape (5000,), got {type(x).__name__} {getattr(x, 'shape', '')}.")
    grading.check(bool(np.all((x >= 1e-5) & (x <= 1e-1))), f"values must lie in [1e-5, 1e-1]; got min {x.min():.4g}, "
                  f"max {x.max():.4g}." + (" low and high are values, not exponents: draw between log10(low) and "
                                           "log10(high)." if x.max() > 1e-1 or x.min() < 1e-6 else
                                           " Draw the exponent with rng.uniform(log10(low), log10(high), size)."))
    ks = stats.kstest(np.log10(x), stats.uniform(loc=-5, scale=4).cdf)
    grading.check(ks.pvalue > 0.01, f"log10 of the values is not uniform on [-5, -1] (KS p-value {ks.pvalue:.2g}): draw the "
                  "exponent uniformly and return 10 ** exponent.")
    below = np.mean(x < 1e-3)
    grading.check(abs(below - 0.5) < 4 * np.sqrt(0.25 / 5000), f"{below:.1%} of the values are below 1e-3; log-uniform on "
                  "[1e-5, 1e-1] puts half of them there (a uniform draw would put about 1%).")
    grading.check_close("sample_log_uniform with the same seed twice", student.sample_log_uniform(1e-5, 1e-1, 5000,
                        np.random.default_rng(0)), x)
    grading.check(np.shape(student.sample_log_uniform(1e-3, 1e2, (3, 4), np.random.default_rng(1))) == (3, 4),
                  "size=(3, 4) must give an array of shape (3, 4).")

    for seed, low, high, size in [(901, 1e-4, 1.0, 7), (902, 0.5, 2.0, (3, 4)), (903, 1e-6, 1e3, 1), (904, 1e-3, 1e-3, 4)]:
        grading.check_function(lambda *a: student.sample_log_uniform(*a[:3], np.random.default_rng(a[3])),
                               lambda *a: ref.sample_log_uniform(*a[:3], np.random.default_rng(a[3])), low, high, size, seed)
    grading.check_close("sample_log_uniform with size=None", float(student.sample_log_uniform(1e-2, 1e2, None, np.random.default_rng(5))),
                        float(ref.sample_log_uniform(1e-2, 1e2, None, np.random.default_rng(5))))
    _ = grading.numpy_only(student.sample_log_uniform, 1e-5, 1e-1, 10, np.random.default_rng(0))


# The grader's own sampler, put in place of the student's while random_search is judged, so that a bug in
# sample_log_uniform costs only test_sample_log_uniform (random_search looks the sampler up in the notebook's
# namespace: its function globals). It is the one-line formula the notebook states, nothing more.
_USE_GRADERS_SAMPLER = """
import numpy as _np
_rs = globals().get("random_search")
_g = getattr(_rs, "__globals__", None)
if _g is not None and "_grader_kept_sampler" not in _g:
    _g["_grader_kept_sampler"] = _g.get("sample_log_uniform")
    def _grader_sample_log_uniform(low, high, size, rng):
        return 10.0 ** rng.uniform(_np.log10(low), _np.log10(high), size)
    _g["sample_log_uniform"] = _grader_sample_log_uniform
result = _g is not None
"""
_PUT_BACK_SAMPLER = """
_g = getattr(globals().get("random_search"), "__globals__", None)
if _g is not None and "_grader_kept_sampler" in _g:
    _kept = _g.pop("_grader_kept_sampler")
    if _kept is None:
        _g.pop("sample_log_uniform", None)
    else:
        _g["sample_log_uniform"] = _kept
result = True
"""


def test_random_search(student):
    """random_search: draws in the documented order, one evaluation per trial, every result kept, sorted best first,"""
    # diverged (NaN) runs last, log-uniform over the space (4 points). Judged with the grader's own
    # sample_log_uniform in place of the student's: the sampler has its own test.
    student.run(_USE_GRADERS_SAMPLER)
    try:
        _check_random_search(student)
    finally:
        student.run(_PUT_BACK_SAMPLER)


def _check_random_search(student):
    calls, strange = [], []

    def toy(learning_rate, reg):
        calls.append({"learning_rate": learning_rate, "reg": reg})
        if not (np.isfinite(learning_rate) and np.isfinite(reg) and learning_rate > 0 and reg > 0):
            strange.append({"learning_rate": learning_rate, "reg": reg})
            return {"score": float("nan"), "diverged": True}
        if learning_rate > 1.0:
            return {"score": float("nan"), "diverged": True}
        return {"score": -(np.log10(learning_rate) + 2) ** 2 - 0.1 * (np.log10(reg) + 3) ** 2, "diverged": False}


    space = {"learning_rate": (1e-4, 1e1), "reg": (1e-5, 1e-1)}
    records = student.random_search(toy, space, 25, np.random.default_rng(3))
    grading.check(not strange, f"evaluate was called with {strange[0] if strange else ''}: the hyperparameters must be "
                  "the values sample_log_uniform draws between low and high (positive, finite numbers).")
    grading.check(isinstance(records, list) and len(records) == 25 and all(isinstance(r, dict) for r in records),
                  "random_search must return a list of num_trials dicts (records).")
    grading.check(len(calls) == 25, f"evaluate was called {len(calls)} times for 25 trials; call it once per trial.")
    for key in ["trial", "params", "score", "diverged"]:
        grading.check(all(key in r for r in records), f"every record must contain '{key}' (trial, params, and everything "
                      "evaluate returned).")
    grading.check(sorted(r["trial"] for r in records) == list(range(25)), "the trials must be numbered 0 .. num_trials-1.")
    r = np.random.default_rng(3)
    expected_lr, expected_reg = ref.sample_log_uniform(1e-4, 1e1, 25, r), ref.sample_log_uniform(1e-5, 1e-1, 25, r)
    for rec in records:
        i = rec["trial"]
        grading.check_close(f"params of trial {i} (draws: one sample_log_uniform(low, high, num_trials, rng) call per "
                            "hyperparameter, in the order of space)", rec["params"],
                            {"learning_rate": expected_lr[i], "reg": expected_reg[i]})
        grading.check_close(f"evaluate's arguments for trial {i} (called in trial order)", calls[i], rec["params"])
    scores = np.array([rec["score"] for rec in records])
    finite = [k for k in range(len(scores)) if np.isfinite(scores[k])]
    up = next(((a, b) for a, b in zip(finite, finite[1:]) if scores[b] > scores[a]), None)
    grading.check(up is None, "the records must be sorted by score, best (highest) first: " + (
        f"record {up[0]} (trial {records[up[0]]['trial']}, score {scores[up[0]]:.4g}) comes before record {up[1]} "
        f"(trial {records[up[1]]['trial']}, score {scores[up[1]]:.4g})." if up else ""))
    first_nan = next((k for k in range(len(scores)) if not np.isfinite(scores[k])), None)
    grading.check(first_nan is None or first_nan > finite[-1] if finite else True,
                  "records with a NaN score (diverged runs) must come after all the others: " + (
                      f"record {first_nan} (trial {records[first_nan]['trial']}) has a NaN score, record {finite[-1]} "
                      f"(trial {records[finite[-1]]['trial']}) after it has score {scores[finite[-1]]:.4g}. Sort on a key "
                      "that puts NaN last (comparisons with NaN are always False)." if first_nan is not None and finite
                      and first_nan < finite[-1] else ""))
    n_finite = int(np.isfinite(scores).sum())
    grading.check(bool(np.all(np.isfinite(scores[:n_finite]))) and bool(np.all(np.isnan(scores[n_finite:]))),
                  "records with a NaN score (diverged runs) must come after all the others.")
    grading.check(bool(np.all(np.diff(scores[:n_finite]) <= 0)), "the records must be sorted by score, best (highest) first.")
    many = student.random_search(lambda learning_rate, reg: {"score": 0.0}, space, 200, np.random.default_rng(4))
    grading.check([rec["trial"] for rec in many] == list(range(200)), "equal scores must keep the trial order (stable sort).")


    def toy2(momentum, learning_rate, weight_decay):
        if not all(np.isfinite(v) and v > 0 for v in (momentum, learning_rate, weight_decay)):
            return {"score": float("nan"), "history": [float("nan"), float("nan")]}
        s = np.sin(7 * np.log(learning_rate)) + np.log10(weight_decay) / 10 - momentum
        return {"score": float("nan") if learning_rate * momentum > 0.5 else s, "history": [learning_rate, s]}


    def rounded(lr):
        v = np.log10(lr) if lr > 0 else float("nan")
        return {"score": round(v) if np.isfinite(v) else float("nan")}


    space2 = {"momentum": (0.5, 0.99), "learning_rate": (1e-3, 3.0), "weight_decay": (1e-6, 1e-2)}
    for seed, n in [(911, 1), (912, 9), (913, 40)]:
        grading.check_function(lambda n, s: student.random_search(toy2, space2, n, np.random.default_rng(s)),
                               lambda n, s: ref.random_search(toy2, space2, n, np.random.default_rng(s)), n, seed)
    grading.check_function(lambda s: student.random_search(rounded, {"lr": (1e-3, 1e3)}, 30, np.random.default_rng(s)),
                           lambda s: ref.random_search(rounded, {"lr": (1e-3, 1e3)}, 30, np.random.default_rng(s)), 914)
    _ = grading.numpy_only(student.random_search, toy2, space2, 5, np.random.default_rng(0))


def test_update_ratio(student):
    """update_ratio on known arrays (2 points)"""
    W, dW = np.array([[3.0, 4.0]]), np.array([[6.0, 8.0]])          # ||W|| = 5, ||dW|| = 10
    grading.check_close("update_ratio([[3, 4]], [[6, 8]], 1e-3)", student.update_ratio(W, dW, 1e-3), 0.002)
    grading.check(isinstance(student.update_ratio(W, dW, 1e-3), (float, np.floating)), "update_ratio must return a number.")
    grading.check_close("update_ratio(ones (2, 3, 4), 2 * ones, 0.5)", student.update_ratio(np.ones((2, 3, 4)), 2 * np.ones((2, 3, 4)),
                        0.5), 1.0)
    grading.check_close("update_ratio with learning_rate 0", student.update_ratio(W, dW, 0.0), 0.0)
    grading.check_close("update_ratio(-W, -dW, 1e-2)", student.update_ratio(-W, -dW, 1e-2), 0.02)
    W2, dW2 = np.array([[1.0, -2.0], [0.0, 2.0]]), np.array([[3.0, 0.0], [-4.0, 0.0]])   # ||W|| = 3, ||dW|| = 5
    grading.check_close("update_ratio([[1, -2], [0, 2]], [[3, 0], [-4, 0]], 0.3) (Frobenius norms: 0.3 * 5 / 3; "
                        "a max-norm would give 0.6)", student.update_ratio(W2, dW2, 0.3), 0.5)

    hrng = np.random.default_rng(921)
    for shape, lr in [((7,), 1e-3), ((64, 100), 0.3), ((1, 1), 2.0), ((3, 4, 5), 1e-5)]:
        grading.check_function(student.update_ratio, ref.update_ratio, hrng.standard_normal(shape), 5 * hrng.standard_normal(shape), lr)
    grading.check_function(student.update_ratio, ref.update_ratio, 1e6 * hrng.standard_normal((4, 4)), hrng.standard_normal((4, 4)), 0.1)
    _ = grading.numpy_only(student.update_ratio, W, dW, 1e-3)
