"""Dropout whose backward pass draws the mask again instead of taking it from the cache: right with a seed,
wrong without one."""
EXPECT = {"lost": ["test_dropout_backward"]}
ANSWERS = {
    "dropout": '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode == "train":
        mask = np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p
        out = x * mask / p
    else:
        out = x.copy()
    return out, (dropout_param, x.shape)


def dropout_backward(dout, cache):
    dropout_param, shape = cache
    if dropout_param["mode"] != "train":
        return dout.copy()
    p = dropout_param["p"]
    mask = np.random.default_rng(dropout_param.get("seed")).random(shape) < p
    return dout * mask / p
''',
}
