"""Hand-written mutants for 10_capstone.

init_fc_net and train_fc_net return dicts and random_search a list of dicts, which the generic mutants cannot
perturb. A function listed here gets only these mutants, so the generic two are written out where they apply,
then the classic mistakes. Each string is appended to the answer cell and must redefine the function wrongly;
every one must lose points.
"""

MUTANTS = {
    "init_fc_net": [
        # every weight scaled by 1.001 (the generic "scale")
        "_right_init_fc_net = init_fc_net\n"
        "def init_fc_net(input_dim, hidden_dims, num_classes, rng, batchnorm=False):\n"
        "    p = _right_init_fc_net(input_dim, hidden_dims, num_classes, rng, batchnorm)\n"
        "    return {k: v * 1.001 if k.startswith('W') else v for k, v in p.items()}\n",
        # the slide mistake: divided by sqrt(2 / fan_in) instead of multiplied
        "def init_fc_net(input_dim, hidden_dims, num_classes, rng, batchnorm=False):\n"
        "    dims = [input_dim, *hidden_dims, num_classes]\n"
        "    p = {}\n"
        "    for l in range(1, len(dims)):\n"
        "        p[f'W{l}'] = rng.standard_normal((dims[l - 1], dims[l])) / np.sqrt(2.0 / dims[l - 1])\n"
        "        p[f'b{l}'] = np.zeros(dims[l])\n"
        "        if batchnorm and l < len(dims) - 1:\n"
        "            p[f'gamma{l}'], p[f'beta{l}'] = np.ones(dims[l]), np.zeros(dims[l])\n"
        "    return p\n",
        # BatchNorm parameters also on the output layer
        "_right_init_fc_net = init_fc_net\n"
        "def init_fc_net(input_dim, hidden_dims, num_classes, rng, batchnorm=False):\n"
        "    p = _right_init_fc_net(input_dim, hidden_dims, num_classes, rng, batchnorm)\n"
        "    if batchnorm:\n"
        "        L = len(hidden_dims) + 1\n"
        "        p[f'gamma{L}'], p[f'beta{L}'] = np.ones(num_classes), np.zeros(num_classes)\n"
        "    return p\n",
        # layers drawn last to first
        "def init_fc_net(input_dim, hidden_dims, num_classes, rng, batchnorm=False):\n"
        "    dims = [input_dim, *hidden_dims, num_classes]\n"
        "    p = {}\n"
        "    for l in range(len(dims) - 1, 0, -1):\n"
        "        p[f'W{l}'] = kaiming_init(dims[l - 1], dims[l], rng)\n"
        "        p[f'b{l}'] = np.zeros(dims[l])\n"
        "        if batchnorm and l < len(dims) - 1:\n"
        "            p[f'gamma{l}'], p[f'beta{l}'] = np.ones(dims[l]), np.zeros(dims[l])\n"
        "    return p\n",
    ],
    "train_fc_net": [
        # a schedule that never warms up
        "_right_train_fc_net = train_fc_net\n"
        "def train_fc_net(data, config, seed=0, progress=False):\n"
        "    return _right_train_fc_net(data, dict(config, warmup_steps=0), seed, progress)\n",
        # a constant learning rate (the schedule ignored), reported as such
        "_right_train_fc_net = train_fc_net\n"
        "def train_fc_net(data, config, seed=0, progress=False):\n"
        "    global warmup_cosine\n"
        "    _saved = warmup_cosine\n"
        "    warmup_cosine = lambda lr0, t, warmup_steps, total_steps: lr0\n"
        "    try:\n"
        "        return _right_train_fc_net(data, config, seed, progress)\n"
        "    finally:\n"
        "        warmup_cosine = _saved\n",
        # returns parameters that are not the ones it reports the accuracy of (here: the untrained network)
        "_right_train_fc_net = train_fc_net\n"
        "def train_fc_net(data, config, seed=0, progress=False):\n"
        "    h = _right_train_fc_net(data, config, seed, progress)\n"
        "    h['params'] = init_fc_net(data['X_train'].shape[1], config.get('hidden_dims', [100, 100]), 10,\n"
        "                              np.random.default_rng(seed), config.get('batchnorm', False))\n"
        "    return h\n",
        # no training at all: the update is never applied (lr 0)
        "_right_train_fc_net = train_fc_net\n"
        "def train_fc_net(data, config, seed=0, progress=False):\n"
        "    h = _right_train_fc_net(data, dict(config, learning_rate=0.0), seed, progress)\n"
        "    h['lr'] = [float(warmup_cosine(config['learning_rate'], t, config.get('warmup_steps', 0), len(h['lr'])))\n"
        "               for t in range(len(h['lr']))]\n"
        "    return h\n",
        # not reproducible: a fresh seed every call
        "_right_train_fc_net = train_fc_net\n"
        "_calls = [0]\n"
        "def train_fc_net(data, config, seed=0, progress=False):\n"
        "    _calls[0] += 1\n"
        "    return _right_train_fc_net(data, config, seed + 1000 * _calls[0], progress)\n",
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
        # NaN scores not put last
        "def random_search(evaluate, space, num_trials, rng):\n"
        "    draws = {n: 10 ** rng.uniform(np.log10(lo), np.log10(hi), num_trials) for n, (lo, hi) in space.items()}\n"
        "    recs = []\n"
        "    for i in range(num_trials):\n"
        "        p = {n: float(v[i]) for n, v in draws.items()}\n"
        "        recs.append({'trial': i, 'params': p, **evaluate(**p)})\n"
        "    return sorted(recs, key=lambda r: -r['score'])\n",
        # records not sorted
        "def random_search(evaluate, space, num_trials, rng):\n"
        "    draws = {n: 10 ** rng.uniform(np.log10(lo), np.log10(hi), num_trials) for n, (lo, hi) in space.items()}\n"
        "    recs = []\n"
        "    for i in range(num_trials):\n"
        "        p = {n: float(v[i]) for n, v in draws.items()}\n"
        "        recs.append({'trial': i, 'params': p, **evaluate(**p)})\n"
        "    return recs\n",
        # draws trial by trial: another order than documented
        "def random_search(evaluate, space, num_trials, rng):\n"
        "    recs = []\n"
        "    for i in range(num_trials):\n"
        "        p = {n: float(10 ** rng.uniform(np.log10(lo), np.log10(hi))) for n, (lo, hi) in space.items()}\n"
        "        recs.append({'trial': i, 'params': p, **evaluate(**p)})\n"
        "    return sorted(recs, key=lambda r: -r['score'] if np.isfinite(r['score']) else np.inf)\n",
    ],
}
