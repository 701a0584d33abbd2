"""max_norm with np.linalg.norm and np.minimum; stochastic depth with an explicit per-example loop-free mask and np.where."""
EXPECT = "full"
ANSWERS = {
    "max_norm": '''
def max_norm(W, c):
    n = np.linalg.norm(W, axis=0)
    factor = np.minimum(1.0, c / np.maximum(n, 1e-300))
    return W * factor[np.newaxis, :]
''',
    "stochastic_depth": '''
def stochastic_depth_forward(x, residual, sd_param):
    p = sd_param["survival_p"]
    if sd_param["mode"] == "test":
        return x + residual, None
    seed = sd_param["seed"] if "seed" in sd_param else None
    u = np.random.default_rng(seed).random(len(x))
    scale = np.where(u < p, 1.0 / p, 0.0)
    scale = scale.reshape([len(x)] + [1] * (np.ndim(x) - 1))
    return x + scale * residual, scale


def stochastic_depth_backward(dout, cache):
    if cache is None:
        return dout.copy(), dout.copy()
    return 1.0 * dout, cache * dout
''',
}
