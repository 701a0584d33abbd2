"""The one-expression gradient derived with the unbiased variance (N - 1 in the derivative of the batch variance),
while the forward pass normalises with the biased one. spatial_batchnorm_backward reuses it, so it loses too."""
EXPECT = {"lost": ["test_bn_backward_alt", "test_spatial_bn"]}
ANSWERS = {
    "bn_backward_alt": '''
def batchnorm_backward_alt(dout, cache):
    mode, x, xc, var, std, xhat, gamma, eps = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    if mode == "test":
        return dout * gamma / std, dgamma, dbeta
    dx = gamma / (N * std) * (N * dout - dbeta - xhat * dgamma * N / (N - 1))
    return dx, dgamma, dbeta
''',
}
