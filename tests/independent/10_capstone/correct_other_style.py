"""A correct capstone written in another style: dict caches, a graph-style BatchNorm backward, Adam in the
paper's "efficient" form, a scalar-or-array schedule with np.where, a per-image crop loop, a layer list for the
network, and a training loop with its own bookkeeping. Full marks expected."""
EXPECT = "full"
ANSWERS = {
    "affine": '''
def affine_forward(x, w, b):
    flat = x.reshape(len(x), -1)
    return np.dot(flat, w) + b, {"x": x, "w": w}


def affine_backward(dout, cache):
    x, w = cache["x"], cache["w"]
    dw = np.dot(x.reshape(len(x), -1).T, dout)
    return np.dot(dout, w.T).reshape(x.shape), dw, np.sum(dout, axis=0)
''',
    "relu": '''
def relu_forward(x):
    mask = x > 0
    return np.where(mask, x, 0.0), mask


def relu_backward(dout, cache):
    return np.where(cache, dout, 0.0)
''',
    "batchnorm": '''
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, m = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    D = x.shape[1]
    rm = bn_param.get("running_mean", np.zeros(D))
    rv = bn_param.get("running_var", np.zeros(D))
    if mode == "train":
        mu = np.mean(x, axis=0)
        xc = x - mu
        var = np.mean(xc * xc, axis=0)
        bn_param["running_mean"] = m * rm + (1 - m) * mu
        bn_param["running_var"] = m * rv + (1 - m) * var
    else:
        xc = x - rm
        var = rv
    inv = 1.0 / np.sqrt(var + eps)
    xhat = xc * inv
    return gamma * xhat + beta, {"mode": mode, "xc": xc, "inv": inv, "xhat": xhat, "gamma": gamma}


def batchnorm_backward(dout, cache):
    xhat, inv, xc, gamma = cache["xhat"], cache["inv"], cache["xc"], cache["gamma"]
    dgamma, dbeta = np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)
    dxhat = dout * gamma
    if cache["mode"] == "test":
        return dxhat * inv, dgamma, dbeta
    n = dout.shape[0]
    dinv = np.sum(dxhat * xc, axis=0)
    dvar = dinv * (-0.5) * inv ** 3
    dxc = dxhat * inv + dvar * 2.0 * xc / n
    return dxc - np.mean(dxc, axis=0), dgamma, dbeta
''',
    "dropout": '''
def dropout_forward(x, dropout_param):
    if dropout_param["mode"] != "train":
        return x.copy(), (None, dropout_param["mode"])
    p = dropout_param["p"]
    scale = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p) / p
    return x * scale, (scale, "train")


def dropout_backward(dout, cache):
    scale, mode = cache
    return dout * scale if mode == "train" else dout.copy()
''',
    "kaiming_init": '''
def kaiming_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
''',
    "adam": '''
def adam(w, dw, config=None):
    if config is None:
        config = {}
    for key, value in [("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)]:
        config.setdefault(key, value)
    b1, b2 = config["beta1"], config["beta2"]
    t = config.get("t", 0) + 1
    m = b1 * config.get("m", np.zeros_like(w)) + (1 - b1) * dw
    v = b2 * config.get("v", np.zeros_like(w)) + (1 - b2) * dw * dw
    config.update(m=m, v=v, t=t)
    step = config["learning_rate"] * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + config["epsilon"])
    return w - step, config
''',
    "warmup_cosine": '''
def warmup_cosine(lr0, t, warmup_steps, total_steps):
    scalar = np.ndim(t) == 0
    t = np.asarray(t, dtype=float)
    if warmup_steps > 0:
        warm = lr0 * t / warmup_steps
    else:
        warm = np.zeros_like(t)
    progress = np.minimum(np.maximum(t - warmup_steps, 0) / (total_steps - warmup_steps), 1.0)
    decay = lr0 * 0.5 * (1.0 + np.cos(np.pi * progress))
    lr = np.where(t < warmup_steps, warm, np.where(t > total_steps, 0.0, decay))
    return float(lr) if scalar else lr
''',
    "random_crop": '''
def random_crop(images, size, rng, padding=0):
    n = images.shape[0]
    padded = np.pad(images, [(0, 0), (padding, padding), (padding, padding), (0, 0)], mode="constant")
    tops = rng.integers(0, padded.shape[1] - size + 1, size=n)
    lefts = rng.integers(0, padded.shape[2] - size + 1, size=n)
    out = np.empty((n, size, size, images.shape[3]), dtype=padded.dtype)
    for i in range(n):
        out[i] = padded[i, tops[i]:tops[i] + size, lefts[i]:lefts[i] + size]
    return out
''',
    "random_search": '''
def _log_uniform(low, high, n, rng):
    return np.power(10.0, rng.uniform(np.log10(low), np.log10(high), n))


def random_search(evaluate, space, num_trials, rng):
    names = list(space)
    columns = [_log_uniform(space[k][0], space[k][1], num_trials, rng) for k in names]
    good, bad = [], []
    for i in range(num_trials):
        params = {k: float(col[i]) for k, col in zip(names, columns)}
        record = dict(trial=i, params=params)
        record.update(evaluate(**params))
        (good if np.isfinite(record["score"]) else bad).append(record)
    good.sort(key=lambda r: r["score"], reverse=True)      # stable: ties stay in trial order
    return good + bad
''',
    "init_fc_net": '''
def init_fc_net(input_dim, hidden_dims, num_classes, rng, batchnorm=False):
    sizes = [input_dim] + list(hidden_dims) + [num_classes]
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params["W%d" % i] = kaiming_init(fan_in, fan_out, rng)
        params["b%d" % i] = np.zeros(fan_out)
        if batchnorm and i < len(sizes) - 1:
            params["gamma%d" % i] = np.ones(fan_out)
            params["beta%d" % i] = np.zeros(fan_out)
    return params
''',
    "fc_net_loss": '''
def fc_net_loss(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):
    n_layers = len([k for k in params if k[0] == "W"])
    mode = "train" if y is not None else "test"
    bn_params = bn_params if bn_params is not None else [dict() for _ in range(n_layers - 1)]
    stack = []
    h = X
    for i in range(1, n_layers):
        layer = {}
        h, layer["affine"] = affine_forward(h, params["W%d" % i], params["b%d" % i])
        if "gamma%d" % i in params:
            bn_params[i - 1]["mode"] = mode
            h, layer["bn"] = batchnorm_forward(h, params["gamma%d" % i], params["beta%d" % i], bn_params[i - 1])
        h, layer["relu"] = relu_forward(h)
        if dropout_keep < 1:
            dp = {"p": dropout_keep, "mode": mode}
            if seed is not None:
                dp["seed"] = seed + i
            h, layer["drop"] = dropout_forward(h, dp)
        stack.append(layer)
    scores, last = affine_forward(h, params["W%d" % n_layers], params["b%d" % n_layers])
    if mode == "test":
        return scores
    data_loss, d = softmax_loss(scores, y)
    grads = {}
    d, grads["W%d" % n_layers], grads["b%d" % n_layers] = affine_backward(d, last)
    for i in reversed(range(1, n_layers)):
        layer = stack[i - 1]
        if "drop" in layer:
            d = dropout_backward(d, layer["drop"])
        d = relu_backward(d, layer["relu"])
        if "bn" in layer:
            d, grads["gamma%d" % i], grads["beta%d" % i] = batchnorm_backward(d, layer["bn"])
        d, grads["W%d" % i], grads["b%d" % i] = affine_backward(d, layer["affine"])
    penalty = 0.0
    for i in range(1, n_layers + 1):
        W = params["W%d" % i]
        penalty += np.sum(W * W)
        grads["W%d" % i] += 2.0 * reg * W
    return data_loss + reg * penalty, grads
''',
    "train_fc_net": '''
def train_fc_net(data, config, seed=0, progress=False):
    import copy
    c = dict(hidden_dims=[100, 100], batchnorm=False, dropout_keep=1.0, reg=0.0, learning_rate=1e-3, warmup_steps=0,
             epochs=5, batch_size=100, augment=False)
    c.update(config)
    X, y = data["X_train"], data["y_train"]
    rng = np.random.default_rng(seed)
    params = init_fc_net(X.shape[1], c["hidden_dims"], 10, rng, c["batchnorm"])
    bn = [{} for _ in range(len(c["hidden_dims"]))]
    states = {k: {} for k in params}
    per_epoch = -(-len(X) // c["batch_size"])
    total = c["epochs"] * per_epoch
    out = dict(loss=[], lr=[], train_acc=[], val_acc=[], best_val_acc=-1.0, best_epoch=-1, params=None, bn_params=None)

    def acc(Xe, ye):
        return float((fc_net_loss(params, Xe, bn_params=copy.deepcopy(bn)).argmax(axis=1) == ye).mean())

    iterator = range(c["epochs"])
    if progress:
        from tqdm.auto import tqdm
        iterator = tqdm(iterator)
    step = 0
    for epoch in iterator:
        perm = rng.permutation(len(X))
        for batch in np.array_split(perm, np.arange(c["batch_size"], len(X), c["batch_size"])):
            xb = X[batch]
            if c["augment"]:
                xb = random_crop(xb.reshape(len(batch), 28, 28, 1), 28, rng, 2).reshape(len(batch), -1)
            dseed = int(rng.integers(2 ** 31)) if c["dropout_keep"] < 1 else None
            lr = warmup_cosine(c["learning_rate"], step, c["warmup_steps"], total)
            loss, grads = fc_net_loss(params, xb, y[batch], c["reg"], c["dropout_keep"], bn, dseed)
            for k in params:
                states[k]["learning_rate"] = lr
                params[k], states[k] = adam(params[k], grads[k], states[k])
            out["loss"].append(float(loss))
            out["lr"].append(float(lr))
            step += 1
        out["train_acc"].append(acc(X[:1000], y[:1000]))
        out["val_acc"].append(acc(data["X_val"], data["y_val"]))
        if out["val_acc"][-1] > out["best_val_acc"]:
            out.update(best_val_acc=out["val_acc"][-1], best_epoch=epoch, params=copy.deepcopy(params),
                       bn_params=copy.deepcopy(bn))
    return out
''',
    "q_num_params_answer": '''
predicted_num_params = 235914
''',
    "q_initial_loss_answer": '''
predicted_initial_loss = 2.4
''',
    "q_reg_term_answer": '''
predicted_reg_term = 7.9
''',
    "q_overfit_answer": '''
choice_overfit = "c"
''',
    "best_config": '''
best_config = {"hidden_dims": [300, 100], "batchnorm": True, "augment": True, "warmup_steps": 60,
               "learning_rate": 5e-3, "reg": 1e-4}
''',
}
