"""Stochastic depth as in the paper's training pass (no 1/p), but with this course's test-time pass x + residual."""
EXPECT = {"lost": ["test_stochastic_depth"]}
ANSWERS = {
    "stochastic_depth": '''
def stochastic_depth_forward(x, residual, sd_param):
    p, mode = sd_param["survival_p"], sd_param["mode"]
    if mode == "train":
        b = np.random.default_rng(sd_param.get("seed")).random(x.shape[0]) < p
        gate = b.reshape((-1,) + (1,) * (x.ndim - 1)).astype(float)
    else:
        gate = np.ones((1,) * x.ndim)
    return x + gate * residual, gate


def stochastic_depth_backward(dout, cache):
    return dout.copy(), dout * cache
''',
}
