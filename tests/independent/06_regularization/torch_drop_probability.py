"""Dropout written with PyTorch's convention (p = probability of dropping), and L2 with the factor 1/2."""
EXPECT = {"lost": ["test_dropout_backward", "test_dropout_forward", "test_l2_penalty"]}
ANSWERS = {
    "penalties": '''
def l2_penalty(W, reg):
    return 0.5 * reg * np.sum(W ** 2), reg * W


def l1_penalty(W, reg):
    return reg * np.abs(W).sum(), reg * np.sign(W)


def elastic_net_penalty(W, reg, beta):
    return reg * np.sum(beta * W ** 2 + np.abs(W)), reg * (2 * beta * W + np.sign(W))
''',
    "dropout": '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        mask = np.random.default_rng(dropout_param.get("seed")).random(x.shape) >= p
        out = x * mask / (1 - p) if p < 1 else np.zeros_like(x)
    else:
        out = x.copy()
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    p = dropout_param["p"]
    return dout * mask / (1 - p) if dropout_param["mode"] == "train" and p < 1 else dout.copy()
''',
}
