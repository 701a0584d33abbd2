"""The one-expression gradient with the path through the batch variance forgotten (sigma treated as a constant):
dx = gamma / sigma * (dout - mean(dout)). spatial_batchnorm_backward reuses it, so it loses too."""
EXPECT = {"lost": ["test_bn_backward_alt", "test_spatial_bn"]}
ANSWERS = {
    "bn_backward_alt": '''
def batchnorm_backward_alt(dout, cache):
    mode, x, xc, var, std, xhat, gamma, eps = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    if mode == "test":
        return dout * gamma / std, dgamma, dbeta
    dx = gamma / std * (dout - dout.mean(axis=0))
    return dx, dgamma, dbeta
''',
}
