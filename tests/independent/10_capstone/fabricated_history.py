"""A loop that trains as the recipe says but reports a history it made up: the parameters it returns are right,
its loss curve is a smooth exponential (what a student who "tidies" the noisy minibatch losses, or fills the list
without computing it, hands in). The grader compares the reported losses with its own run of the same seed, so the
made-up curve loses test_train_fc_net (and nothing else)."""
EXPECT = {"lost": ["test_train_fc_net"]}
ANSWERS = {
    "train_fc_net": '''
def train_fc_net(data, config, seed=0, progress=False):
    import copy
    cfg = {"hidden_dims": [100, 100], "batchnorm": False, "dropout_keep": 1.0, "reg": 0.0, "learning_rate": 1e-3,
           "warmup_steps": 0, "epochs": 5, "batch_size": 100, "augment": False, **config}
    X, y = data["X_train"], data["y_train"]
    N, D = X.shape
    B = int(cfg["batch_size"])
    rng = np.random.default_rng(seed)
    params = init_fc_net(D, cfg["hidden_dims"], 10, rng, cfg["batchnorm"])
    bn_params = [{} for _ in cfg["hidden_dims"]]
    optim = {name: {} for name in params}
    steps = math.ceil(N / B)
    T = int(cfg["epochs"]) * steps

    def accuracy(X_eval, y_eval):
        scores = fc_net_loss(params, X_eval, bn_params=copy.deepcopy(bn_params))
        return float(np.mean(np.argmax(scores, axis=1) == y_eval))

    history = {"loss": [], "lr": [], "train_acc": [], "val_acc": [], "best_val_acc": -1.0, "best_epoch": -1,
               "params": None, "bn_params": None}
    t = 0
    first = None
    for epoch in range(int(cfg["epochs"])):
        order = rng.permutation(N)
        for k in range(steps):
            idx = order[k * B:(k + 1) * B]
            Xb, yb = X[idx], y[idx]
            if cfg["augment"]:
                Xb = random_crop(Xb.reshape(-1, 28, 28, 1), 28, rng, padding=2).reshape(len(idx), -1)
            dseed = int(rng.integers(2 ** 31)) if cfg["dropout_keep"] < 1 else None
            lr = warmup_cosine(cfg["learning_rate"], t, cfg["warmup_steps"], T)
            loss, grads = fc_net_loss(params, Xb, yb, cfg["reg"], cfg["dropout_keep"], bn_params, dseed)
            first = float(loss) if first is None else first
            history["loss"].append(first * (0.25 + 0.75 * np.exp(-t / 6.0)))      # a tidy curve, not the losses
            history["lr"].append(float(lr))
            for name in params:
                optim[name]["learning_rate"] = lr
                params[name], optim[name] = adam(params[name], grads[name], optim[name])
            t += 1
        history["train_acc"].append(accuracy(X[:1000], y[:1000]))
        history["val_acc"].append(accuracy(data["X_val"], data["y_val"]))
        if history["val_acc"][-1] > history["best_val_acc"]:
            history["best_val_acc"], history["best_epoch"] = history["val_acc"][-1], epoch
            history["params"], history["bn_params"] = copy.deepcopy(params), copy.deepcopy(bn_params)
    return history
''',
}
