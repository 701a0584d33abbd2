"""Babysitting the learning process: hyperparameter search and the update/weight ratio
(reference answers for 09_babysitting). NumPy only.

    sample_log_uniform(low, high, size, rng)       values whose log is uniform between log(low) and log(high)
    random_search(evaluate, space, num_trials, rng)  records of num_trials log-uniform trials, best first
    update_ratio(W, dW, learning_rate)             ||learning_rate * dW|| / ||W||, ~1e-3 is healthy
"""
import numpy as np


def sample_log_uniform(low, high, size, rng):
    """Draw values log-uniformly between ``low`` and ``high`` (values such as 1e-5 and 1e-1, not exponents).

    log10 of the result is uniform on [log10(low), log10(high)], so every decade gets the same share of
    the draws. One call ``rng.uniform(log10(low), log10(high), size)``; returns 10 ** (those draws):
    an array of shape ``size`` (a float when size is None).
    """
    return 10.0 ** rng.uniform(np.log10(low), np.log10(high), size)


def _rank_key(record):
    """Sort key: higher score first; NaN or infinite scores (diverged runs) last."""
    score = record["score"]
    return -score if np.isfinite(score) else np.inf


def random_search(evaluate, space, num_trials, rng):
    """Random search in log space.

    evaluate: function called as ``evaluate(**params)`` (e.g. evaluate(learning_rate=..., reg=...)),
              returning a dict with at least "score" (higher is better; NaN for a run that diverged)
              and anything else worth keeping (loss history, ...).
    space: dict name -> (low, high); every hyperparameter is drawn log-uniformly in [low, high].
    num_trials: number of trials; rng: np.random.Generator.

    Draws first: for each name, in the order of ``space``, one call
    ``sample_log_uniform(low, high, num_trials, rng)``; trial i gets the i-th value of each (as floats).
    Returns a list of num_trials records {"trial": i, "params": {name: value}, **evaluate's dict},
    sorted by score, best first; runs with a NaN (or infinite) score last; ties keep the trial order.
    """
    draws = {name: sample_log_uniform(low, high, num_trials, rng) for name, (low, high) in space.items()}
    records = []
    for i in range(num_trials):
        params = {name: float(values[i]) for name, values in draws.items()}
        records.append({"trial": i, "params": params, **evaluate(**params)})
    return sorted(records, key=_rank_key)


def update_ratio(W, dW, learning_rate):
    """Size of an SGD update relative to the weights: ||learning_rate * dW|| / ||W|| (Frobenius norms).

    W, dW: arrays of the same shape. About 1e-3 is healthy; 1e-5 means the learning rate is too low,
    1e-1 too high. Returns a float.
    """
    return float(np.linalg.norm(learning_rate * dW) / np.linalg.norm(W))
