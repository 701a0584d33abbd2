"""Hand-written mutants for 09_babysitting.

random_search returns a list of dicts, which the generic mutants cannot perturb; sample_log_uniform gets the
generic two written out (a function listed here gets only these mutants) plus the classic mistake, uniform
sampling. update_ratio is left to the generic mutants (it returns a float). Each string is appended to the
answer cell and must redefine the function wrongly; every one must lose points.
"""

MUTANTS = {
    "sample_log_uniform": [
        # generic: scaled by 1.001
        "_right_sample_log_uniform = sample_log_uniform\n"
        "def sample_log_uniform(low, high, size, rng):\n"
        "    return _right_sample_log_uniform(low, high, size, rng) * 1.001\n",
        # generic: the sign of the largest entry flipped
        "_right_sample_log_uniform = sample_log_uniform\n"
        "def sample_log_uniform(low, high, size, rng):\n"
        "    v = np.array(_right_sample_log_uniform(low, high, size, rng), dtype=float)\n"
        "    i = int(np.argmax(np.abs(v)))\n"
        "    v.flat[i] = -v.flat[i]\n"
        "    return v\n",
        # uniform instead of log-uniform
        "def sample_log_uniform(low, high, size, rng):\n"
        "    return rng.uniform(low, high, size)\n",
        # natural log of the bounds but 10 ** draw: wrong range
        "def sample_log_uniform(low, high, size, rng):\n"
        "    return 10.0 ** rng.uniform(np.log(low), np.log(high), size)\n",
    ],
    "random_search": [
        # uniform sampling instead of log-uniform
        "def random_search(evaluate, space, num_trials, rng):\n"
        "    draws = {n: rng.uniform(lo, hi, num_trials) for n, (lo, hi) in space.items()}\n"
        "    recs = []\n"
        "    for i in range(num_trials):\n"
        "        p = {n: float(v[i]) for n, v in draws.items()}\n"
        "        recs.append({'trial': i, 'params': p, **evaluate(**p)})\n"
        "    return sorted(recs, key=lambda r: -r['score'] if np.isfinite(r['score']) else np.inf)\n",
        # records not sorted
        "def random_search(evaluate, space, num_trials, rng):\n"
        "    draws = {n: sample_log_uniform(lo, hi, num_trials, rng) for n, (lo, hi) in space.items()}\n"
        "    recs = []\n"
        "    for i in range(num_trials):\n"
        "        p = {n: float(v[i]) for n, v in draws.items()}\n"
        "        recs.append({'trial': i, 'params': p, **evaluate(**p)})\n"
        "    return recs\n",
        # sorted with a key that does not handle NaN
        "def random_search(evaluate, space, num_trials, rng):\n"
        "    draws = {n: sample_log_uniform(lo, hi, num_trials, rng) for n, (lo, hi) in space.items()}\n"
        "    recs = []\n"
        "    for i in range(num_trials):\n"
        "        p = {n: float(v[i]) for n, v in draws.items()}\n"
        "        recs.append({'trial': i, 'params': p, **evaluate(**p)})\n"
        "    return sorted(recs, key=lambda r: -r['score'])\n",
        # draws trial by trial (one call per hyperparameter per trial): another order than documented
        "def random_search(evaluate, space, num_trials, rng):\n"
        "    recs = []\n"
        "    for i in range(num_trials):\n"
        "        p = {n: float(sample_log_uniform(lo, hi, None, rng)) for n, (lo, hi) in space.items()}\n"
        "        recs.append({'trial': i, 'params': p, **evaluate(**p)})\n"
        "    return sorted(recs, key=lambda r: -r['score'] if np.isfinite(r['score']) else np.inf)\n",
        # only the score kept: the rest of evaluate's results is lost
        "def random_search(evaluate, space, num_trials, rng):\n"
        "    draws = {n: sample_log_uniform(lo, hi, num_trials, rng) for n, (lo, hi) in space.items()}\n"
        "    recs = []\n"
        "    for i in range(num_trials):\n"
        "        p = {n: float(v[i]) for n, v in draws.items()}\n"
        "        recs.append({'trial': i, 'params': p, 'score': evaluate(**p)['score']})\n"
        "    return sorted(recs, key=lambda r: -r['score'] if np.isfinite(r['score']) else np.inf)\n",
        # the same hyperparameters for every trial
        "def random_search(evaluate, space, num_trials, rng):\n"
        "    p = {n: float(sample_log_uniform(lo, hi, None, rng)) for n, (lo, hi) in space.items()}\n"
        "    recs = [{'trial': i, 'params': dict(p), **evaluate(**p)} for i in range(num_trials)]\n"
        "    return sorted(recs, key=lambda r: -r['score'] if np.isfinite(r['score']) else np.inf)\n",
    ],
}
