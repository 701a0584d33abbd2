"""Plausible slips in an otherwise correct capstone: BatchNorm's backward forgets the path through the batch
mean (right in test mode, wrong in train mode), and the schedule never warms up (the cosine starts at lr0 at
once). Each costs its own cell and the cells that use it: the whole network's gradients (BatchNorm) and the
training loop's learning rates (the schedule)."""
EXPECT = {"lost": ["test_batchnorm", "test_fc_net_loss", "test_train_fc_net", "test_warmup_cosine"]}
ANSWERS = {
    "batchnorm": '''
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    D = x.shape[1]
    if mode == "train":
        mean, var = x.mean(axis=0), x.var(axis=0)
        bn_param["running_mean"] = momentum * bn_param.get("running_mean", np.zeros(D)) + (1 - momentum) * mean
        bn_param["running_var"] = momentum * bn_param.get("running_var", np.zeros(D)) + (1 - momentum) * var
    else:
        mean, var = bn_param["running_mean"], bn_param["running_var"]
    std = np.sqrt(var + eps)
    xhat = (x - mean) / std
    return gamma * xhat + beta, (mode, xhat, gamma, std)


def batchnorm_backward(dout, cache):
    mode, xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta, dgamma = dout.sum(axis=0), np.sum(dout * xhat, axis=0)
    if mode == "test":
        return dout * gamma / std, dgamma, dbeta
    dx = gamma / (N * std) * (N * dout - xhat * dgamma)        # forgot "- dbeta": the path through the mean
    return dx, dgamma, dbeta
''',
    "warmup_cosine": '''
def warmup_cosine(lr0, t, warmup_steps, total_steps):
    t = np.asarray(t, dtype=float)
    lr = np.where(t > total_steps, 0.0, 0.5 * lr0 * (1 + np.cos(np.pi * np.minimum(t, total_steps) / total_steps)))
    return float(lr) if lr.ndim == 0 else lr
''',
}
