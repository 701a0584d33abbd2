"""A correct capstone in CS231n's textbook style: BatchNorm divides by the standard deviation and goes backward
through the staged graph (dvar, then dmu), the L2 term is added layer by layer during the forward pass, and the
training loop slices minibatches with `range(0, N, B)`. Its gradient of a bias that feeds BatchNorm is rounding
noise around the true 0 (about 1e-17), not 0 itself: the visible check of fc_net_loss must still pass it.
Full marks expected."""
EXPECT = "full"
ANSWERS = {
    "batchnorm": '''
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train":
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        x_hat = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_hat + beta
        cache = (mode, x, x_hat, sample_mean, sample_var, gamma, eps)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
        cache = (mode, x, x_hat, running_mean, running_var, gamma, eps)
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    mode, x, x_hat, mu, var, gamma, eps = cache
    N = x.shape[0]
    dgamma = np.sum(dout * x_hat, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx_hat = dout * gamma
    if mode == "test":
        return dx_hat / np.sqrt(var + eps), dgamma, dbeta
    dvar = np.sum(dx_hat * (x - mu) * -0.5 * (var + eps) ** -1.5, axis=0)
    dmu = np.sum(dx_hat * -1.0 / np.sqrt(var + eps), axis=0) + dvar * np.mean(-2.0 * (x - mu), axis=0)
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2.0 * (x - mu) / N + dmu / N
    return dx, dgamma, dbeta
''',
    "fc_net_loss": '''
def fc_net_loss(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):
    num_layers = len([k for k in params if k.startswith("W")])
    mode = "test" if y is None else "train"
    if bn_params is None:
        bn_params = [{} for _ in range(num_layers - 1)]
    use_bn = "gamma1" in params
    out, reg_loss = X, 0.0
    cache = {}
    for i in range(1, num_layers):
        W, b = params["W" + str(i)], params["b" + str(i)]
        reg_loss += reg * np.sum(W * W)                      # L2, layer by layer
        out, cache["fc" + str(i)] = affine_forward(out, W, b)
        if use_bn:
            bn_params[i - 1]["mode"] = mode
            out, cache["bn" + str(i)] = batchnorm_forward(out, params["gamma" + str(i)], params["beta" + str(i)],
                                                          bn_params[i - 1])
        out, cache["relu" + str(i)] = relu_forward(out)
        if dropout_keep < 1:
            dp = {"p": dropout_keep, "mode": mode}
            if seed is not None:
                dp["seed"] = seed + i
            out, cache["drop" + str(i)] = dropout_forward(out, dp)
    W, b = params["W" + str(num_layers)], params["b" + str(num_layers)]
    reg_loss += reg * np.sum(W * W)
    scores, cache["fc" + str(num_layers)] = affine_forward(out, W, b)
    if mode == "test":
        return scores
    loss, dscores = softmax_loss(scores, y)
    loss += reg_loss
    grads = {}
    i = num_layers
    dout, dW, db = affine_backward(dscores, cache["fc" + str(i)])
    grads["W" + str(i)], grads["b" + str(i)] = dW + 2 * reg * params["W" + str(i)], db
    for i in range(num_layers - 1, 0, -1):
        if dropout_keep < 1:
            dout = dropout_backward(dout, cache["drop" + str(i)])
        dout = relu_backward(dout, cache["relu" + str(i)])
        if use_bn:
            dout, grads["gamma" + str(i)], grads["beta" + str(i)] = batchnorm_backward(dout, cache["bn" + str(i)])
        dout, dW, db = affine_backward(dout, cache["fc" + str(i)])
        grads["W" + str(i)], grads["b" + str(i)] = dW + 2 * reg * params["W" + str(i)], db
    return loss, grads
''',
    "train_fc_net": '''
def train_fc_net(data, config, seed=0, progress=False):
    import copy
    settings = {"hidden_dims": [100, 100], "batchnorm": False, "dropout_keep": 1.0, "reg": 0.0, "learning_rate": 1e-3,
                "warmup_steps": 0, "epochs": 5, "batch_size": 100, "augment": False}
    settings.update(config)
    X_train, y_train = data["X_train"], data["y_train"]
    num_train, dim = X_train.shape
    batch_size, num_epochs = settings["batch_size"], settings["epochs"]
    rng = np.random.default_rng(seed)
    model = init_fc_net(dim, settings["hidden_dims"], 10, rng, batchnorm=settings["batchnorm"])
    bn_params = [{} for _ in settings["hidden_dims"]]
    optim_configs = {p: {} for p in model}
    iterations_per_epoch = max(num_train // batch_size + (num_train % batch_size > 0), 1)
    num_iterations = num_epochs * iterations_per_epoch
    history = {"loss": [], "lr": [], "train_acc": [], "val_acc": [], "best_val_acc": -1.0, "best_epoch": -1,
               "params": None, "bn_params": None}

    def check_accuracy(X, y):
        scores = fc_net_loss(model, X, bn_params=copy.deepcopy(bn_params))
        return float(np.mean(np.argmax(scores, axis=1) == y))

    it = 0
    for epoch in range(num_epochs):
        order = rng.permutation(num_train)
        for start in range(0, num_train, batch_size):
            batch = order[start:start + batch_size]
            X_batch, y_batch = X_train[batch], y_train[batch]
            if settings["augment"]:
                X_batch = random_crop(X_batch.reshape(len(batch), 28, 28, 1), 28, rng, padding=2)
                X_batch = X_batch.reshape(len(batch), dim)
            dropout_seed = None
            if settings["dropout_keep"] < 1:
                dropout_seed = int(rng.integers(2 ** 31))
            lr = warmup_cosine(settings["learning_rate"], it, settings["warmup_steps"], num_iterations)
            loss, grads = fc_net_loss(model, X_batch, y_batch, settings["reg"], settings["dropout_keep"], bn_params,
                                      dropout_seed)
            history["loss"].append(float(loss))
            history["lr"].append(float(lr))
            for p, w in model.items():
                optim_configs[p]["learning_rate"] = lr
                model[p], optim_configs[p] = adam(w, grads[p], optim_configs[p])
            it += 1
        history["train_acc"].append(check_accuracy(X_train[:1000], y_train[:1000]))
        history["val_acc"].append(check_accuracy(data["X_val"], data["y_val"]))
        if history["val_acc"][-1] > history["best_val_acc"]:
            history["best_val_acc"] = history["val_acc"][-1]
            history["best_epoch"] = epoch
            history["params"] = {k: v.copy() for k, v in model.items()}
            history["bn_params"] = copy.deepcopy(bn_params)
        if progress:
            print(f"epoch {epoch + 1}/{num_epochs}: loss {loss:.3f}, val_acc {history['val_acc'][-1]:.3f}")
    return history
''',
}
