"""Correct answers written differently from the solution: np.where, cached scale, einsum, explicit masks."""
EXPECT = "full"
ANSWERS = {
    "penalties": '''
def l2_penalty(W, reg):
    return reg * np.vdot(W, W), 2 * reg * W


def l1_penalty(W, reg):
    return reg * np.abs(W).sum(), np.where(W > 0, reg, np.where(W < 0, -reg, 0.0))


def elastic_net_penalty(W, reg, beta):
    l2, dl2 = l2_penalty(W, reg * beta)
    l1, dl1 = l1_penalty(W, reg)
    return l2 + l1, dl2 + dl1
''',
    "dropout": '''
def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    if dropout_param["mode"] == "test":
        return x + 0.0, (None, None)
    seed = dropout_param["seed"] if "seed" in dropout_param else None
    keep = np.random.default_rng(seed).random(x.shape) < p
    scale = np.where(keep, 1.0 / p, 0.0)
    return x * scale, (dropout_param, scale)


def dropout_backward(dout, cache):
    _, scale = cache
    return dout.copy() if scale is None else dout * scale
''',
    "dropconnect": '''
def dropconnect_forward(x, W, b, dropconnect_param):
    p = dropconnect_param["p"]
    if dropconnect_param["mode"] == "train":
        M = np.random.default_rng(dropconnect_param.get("seed")).random(W.shape) < p
        Wd = np.where(M, W / p, 0.0)
        scale = M / p
    else:
        Wd, scale = W, np.ones_like(W)
    return np.einsum("nd,dm->nm", x, Wd) + b, (x, Wd, scale)


def dropconnect_backward(dout, cache):
    x, Wd, scale = cache
    return dout @ Wd.T, np.einsum("nd,nm->dm", x, dout) * scale, dout.sum(0)
''',
}
