"""Misconceptions for 09_babysitting (see __init__.py for the format).

Several come from tests/mutants/09_babysitting.py.
"""
import numpy as np

REFERENCE = "babysitting"


# -- 4. sampling in log space -------------------------------------------------------------------------

def sample_log_uniform_linear(low, high, size, rng):
    return rng.uniform(low, high, size)                        # uniform: almost every draw in the top decade


def sample_log_uniform_natural_log(low, high, size, rng):
    return 10.0 ** rng.uniform(np.log(low), np.log(high), size)   # ln for the bounds, 10 ** for the value


def sample_log_uniform_exponents(low, high, size, rng):
    return 10.0 ** rng.uniform(low, high, size)                # low and high taken as exponents


def sample_log_uniform_grid(low, high, size, rng):
    return np.logspace(np.log10(low), np.log10(high), int(np.prod(size))).reshape(size)   # a grid, rng unused


def _rank_key(record):
    score = record["score"]
    return -score if np.isfinite(score) else np.inf


def random_search_uniform(evaluate, space, num_trials, rng):
    draws = {n: rng.uniform(lo, hi, num_trials) for n, (lo, hi) in space.items()}
    records = []
    for i in range(num_trials):
        params = {n: float(v[i]) for n, v in draws.items()}
        records.append({"trial": i, "params": params, **evaluate(**params)})
    return sorted(records, key=_rank_key)


def random_search_unsorted(evaluate, space, num_trials, rng):
    draws = {n: sample_log_uniform(lo, hi, num_trials, rng) for n, (lo, hi) in space.items()}  # noqa: F821
    records = []
    for i in range(num_trials):
        params = {n: float(v[i]) for n, v in draws.items()}
        records.append({"trial": i, "params": params, **evaluate(**params)})
    return records


def random_search_nan_key(evaluate, space, num_trials, rng):
    draws = {n: sample_log_uniform(lo, hi, num_trials, rng) for n, (lo, hi) in space.items()}  # noqa: F821
    records = []
    for i in range(num_trials):
        params = {n: float(v[i]) for n, v in draws.items()}
        records.append({"trial": i, "params": params, **evaluate(**params)})
    return sorted(records, key=lambda r: -r["score"])           # NaN compares False: the order breaks


def random_search_trial_by_trial(evaluate, space, num_trials, rng):
    records = []
    for i in range(num_trials):
        params = {n: float(sample_log_uniform(lo, hi, None, rng)) for n, (lo, hi) in space.items()}  # noqa: F821
        records.append({"trial": i, "params": params, **evaluate(**params)})
    return sorted(records, key=_rank_key)


def random_search_score_only(evaluate, space, num_trials, rng):
    draws = {n: sample_log_uniform(lo, hi, num_trials, rng) for n, (lo, hi) in space.items()}  # noqa: F821
    records = []
    for i in range(num_trials):
        params = {n: float(v[i]) for n, v in draws.items()}
        records.append({"trial": i, "params": params, "score": evaluate(**params)["score"]})
    return sorted(records, key=_rank_key)


def random_search_same_params(evaluate, space, num_trials, rng):
    params = {n: float(sample_log_uniform(lo, hi, None, rng)) for n, (lo, hi) in space.items()}  # noqa: F821
    records = [{"trial": i, "params": dict(params), **evaluate(**params)} for i in range(num_trials)]
    return sorted(records, key=_rank_key)


# -- 7. the update/weight ratio -----------------------------------------------------------------------

def update_ratio_max_norm(W, dW, learning_rate):
    return float(np.abs(learning_rate * dW).max() / np.abs(W).max())


def update_ratio_without_learning_rate(W, dW, learning_rate):
    return float(np.linalg.norm(dW) / np.linalg.norm(W))


def update_ratio_inverted(W, dW, learning_rate):
    with np.errstate(divide="ignore"):
        return float(np.linalg.norm(W) / np.linalg.norm(learning_rate * dW))


def update_ratio_squared(W, dW, learning_rate):
    return float(np.sum((learning_rate * dW) ** 2) / np.sum(W ** 2))


def update_ratio_mean_of_ratios(W, dW, learning_rate):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.mean(np.abs(learning_rate * dW) / np.abs(W)))


def _e(section, name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": section, "wrong": wrong}, **more)


CATALOGUE = {
    "test_sample_log_uniform": [
        _e("4", "values drawn uniformly instead of log-uniformly",
           "Draw the exponent uniformly and return 10 ** exponent: 10 ** rng.uniform(log10(low), log10(high), size)",
           {"sample_log_uniform": sample_log_uniform_linear}),
        _e("4", "natural-log bounds with a power of 10", "Use the same base both ways: log10 for the bounds, 10 ** for the value",
           {"sample_log_uniform": sample_log_uniform_natural_log}),
        _e("4", "low and high taken as exponents",
           "low and high are values (1e-5, 1e-1): draw between log10(low) and log10(high)",
           {"sample_log_uniform": sample_log_uniform_exponents}, specific=True),
        _e("4", "an evenly spaced grid (np.logspace) instead of random draws",
           "Random search draws at random: 10 ** rng.uniform(log10(low), log10(high), size)",
           {"sample_log_uniform": sample_log_uniform_grid}),
    ],
    "test_random_search": [
        _e("4", "random search drawing hyperparameters uniformly",
           "Draw each hyperparameter with sample_log_uniform(low, high, num_trials, rng)",
           {"random_search": random_search_uniform}),
        _e("4", "random search records not sorted", "Return the records sorted by score, best (highest) first",
           {"random_search": random_search_unsorted}),
        _e("4", "records sorted with a key that does not handle NaN",
           "A NaN score breaks the ordering: sort on a key that puts NaN (diverged) runs last, e.g. inf for them",
           {"random_search": random_search_nan_key}),
        _e("4", "hyperparameters drawn trial by trial",
           "Draw first: one sample_log_uniform(low, high, num_trials, rng) call per hyperparameter, in the order of space",
           {"random_search": random_search_trial_by_trial}),
        _e("4", "only the score kept from evaluate's results",
           "Keep everything evaluate returns: {'trial': i, 'params': params, **result}",
           {"random_search": random_search_score_only}, specific=True),
        _e("4", "the same hyperparameters for every trial", "Trial i gets the i-th draw of each hyperparameter",
           {"random_search": random_search_same_params}),
    ],
    "test_update_ratio": [
        _e("7", "update_ratio with max-norms instead of Frobenius norms",
           "Use the Frobenius norm: np.linalg.norm(learning_rate * dW) / np.linalg.norm(W)",
           {"update_ratio": update_ratio_max_norm}),
        _e("7", "update_ratio without the learning rate",
           "The update is learning_rate * dW: ||learning_rate * dW|| / ||W||",
           {"update_ratio": update_ratio_without_learning_rate}),
        _e("7", "update_ratio upside down (||W|| / ||update||)", "||learning_rate * dW|| / ||W||: the update over the weights",
           {"update_ratio": update_ratio_inverted}),
        _e("7", "update_ratio with squared norms", "Take the norms themselves (square roots of the sums of squares)",
           {"update_ratio": update_ratio_squared}),
        _e("7", "the mean of the entry-wise ratios", "Divide the norms of the whole arrays: ||learning_rate * dW|| / ||W||",
           {"update_ratio": update_ratio_mean_of_ratios}),
    ],
}
