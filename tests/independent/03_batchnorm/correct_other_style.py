"""batchnorm_backward_alt derived differently: written with the centred input and the inverse std rather than xhat,
and the sums taken explicitly (the same expression after rearranging)."""
EXPECT = "full"
ANSWERS = {
    "bn_backward_alt": '''
def batchnorm_backward_alt(dout, cache):
    mode, x, xc, var, std, xhat, gamma, eps = cache
    m = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.einsum("nd,nd->d", dout, xc) / std
    inv = 1.0 / std
    if mode != "train":
        return gamma * inv * dout, dgamma, dbeta
    g = gamma * dout
    dx = inv * (g - g.mean(axis=0) - xc * inv ** 2 * (g * xc).mean(axis=0))
    return dx, dgamma, dbeta
''',
}
