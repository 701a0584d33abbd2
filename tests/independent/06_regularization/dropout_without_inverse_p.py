"""Dropout that keeps units with probability p but forgets to divide by p (neither forward nor backward)."""
EXPECT = {"lost": ["test_dropout_backward", "test_dropout_forward"]}
ANSWERS = {
    "dropout": '''
def dropout_forward(x, dropout_param):
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        mask = np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p
        out = x * mask
    else:
        out = x.copy()
    return out, (dropout_param, mask)


def dropout_backward(dout, cache):
    dropout_param, mask = cache
    return dout * mask if dropout_param["mode"] == "train" else dout.copy()
''',
}
