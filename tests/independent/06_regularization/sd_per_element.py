"""Stochastic depth written as dropout on the residual branch: one draw per element instead of per example."""
EXPECT = {"lost": ["test_stochastic_depth"]}
ANSWERS = {
    "stochastic_depth": '''
def stochastic_depth_forward(x, residual, sd_param):
    p, mode = sd_param["survival_p"], sd_param["mode"]
    if mode == "train":
        mask = np.random.default_rng(sd_param.get("seed")).random(x.shape) < p
        gate = mask / p
    else:
        gate = np.ones_like(x)
    return x + residual * gate, gate


def stochastic_depth_backward(dout, cache):
    return dout.copy(), dout * cache
''',
}
