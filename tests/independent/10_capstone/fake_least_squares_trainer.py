"""Issue 22's attack on the training check: a train_fc_net that trains nothing. It returns the requested
architecture with a random first layer, identity layers after it and a last layer fitted by least squares on the
validation digits it is handed, a made-up falling loss curve, the schedule's learning rates and honest accuracies of
those parameters: no minibatches, no Adam, no fc_net_loss. Every number it reports is consistent, so only the
grader's own run of the recipe (the losses, the parameters of the best epoch) exposes it. Loses test_train_fc_net
only."""
EXPECT = {"lost": ["test_train_fc_net"]}
ANSWERS = {
    "train_fc_net": '''
def train_fc_net(data, config, seed=0, progress=False):
    cfg = {"hidden_dims": [100, 100], "batchnorm": False, "learning_rate": 1e-3, "warmup_steps": 0, "epochs": 5,
           "batch_size": 100, **config}
    X_val, y_val = data["X_val"], data["y_val"]
    D, dims = data["X_train"].shape[1], list(cfg["hidden_dims"])
    rng = np.random.default_rng(seed)
    params = {"W1": kaiming_init(D, dims[0], rng), "b1": np.zeros(dims[0])}
    for l in range(2, len(dims) + 1):
        params[f"W{l}"], params[f"b{l}"] = np.eye(dims[l - 2], dims[l - 1]), np.zeros(dims[l - 1])
    bn_params = [{} for _ in dims]
    if cfg["batchnorm"]:
        for l, h in enumerate(dims, start=1):
            params[f"gamma{l}"], params[f"beta{l}"] = np.ones(h), np.zeros(h)
            bn_params[l - 1] = {"mode": "test", "running_mean": np.zeros(h), "running_var": np.full(h, 1 - 1e-5)}
    features = np.maximum(X_val @ params["W1"], 0)
    L = len(dims) + 1
    targets = np.eye(10)[y_val]
    params[f"W{L}"] = np.linalg.lstsq(features, targets, rcond=None)[0]
    params[f"b{L}"] = np.zeros(10)
    steps = int(cfg["epochs"]) * math.ceil(len(data["X_train"]) / int(cfg["batch_size"]))
    scores = fc_net_loss(params, X_val, bn_params=[dict(p) for p in bn_params])
    acc = float(np.mean(np.argmax(scores, axis=1) == y_val))
    return {"loss": list(2.3 * np.exp(-np.arange(steps) / 8.0) + 0.1),
            "lr": [warmup_cosine(cfg["learning_rate"], t, cfg["warmup_steps"], steps) for t in range(steps)],
            "train_acc": [acc] * int(cfg["epochs"]), "val_acc": [acc] * int(cfg["epochs"]), "best_val_acc": acc,
            "best_epoch": 0, "params": params, "bn_params": bn_params}
''',
}
