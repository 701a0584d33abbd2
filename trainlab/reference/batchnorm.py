"""Normalization layers as forward/backward pairs (reference answers for 03_batchnorm).

Every forward returns ``(out, cache)``; every backward takes ``(dout, cache)`` and returns
``(dx, dgamma, dbeta)``, the gradients of the forward's array inputs in order.

    batchnorm_forward(x, gamma, beta, bn_param)            x (N, D); gamma, beta (D,)
    batchnorm_backward(dout, cache)                        staged through the computational graph
    batchnorm_backward_alt(dout, cache)                    the same gradient as one expression (faster)
    layernorm_forward(x, gamma, beta, ln_param)            x (N, D); statistics per example
    spatial_batchnorm_forward(x, gamma, beta, bn_param)    x (N, C, H, W); gamma, beta (C,)
    groupnorm_forward(x, gamma, beta, G, gn_param)         x (N, C, H, W); gamma, beta (1, C, 1, 1)

Conventions (as CS231n): ``bn_param`` holds ``mode`` ("train" or "test"), ``eps`` (1e-5),
``momentum`` (0.9) and the running statistics ``running_mean``, ``running_var`` (zeros at
first), updated in train mode as

    running = momentum * running + (1 - momentum) * batch_statistic

with the biased batch variance (divide by N). PyTorch's ``momentum`` is our ``1 - momentum``
(0.1 weights the new batch) and PyTorch keeps the unbiased variance (divide by N - 1) in
``running_var``, although it normalizes the batch with the biased one.

Large intermediate arrays are updated in place where that saves a pass over memory (each fresh
(N, D) array costs the kernel a page fault and zero-fill); the formulas are the ones in the comments.
"""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of x (N, D) over the batch axis, then scale and shift.

    train: xhat = (x - mean_batch) / sqrt(var_batch + eps), out = gamma * xhat + beta,
           and the running statistics in bn_param are updated (the dict is changed in place).
    test:  the same with running_mean, running_var in place of the batch statistics.
    gamma, beta: (D,). Returns out (N, D) and a cache for the backward pass.
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    if mode == "train":
        mean = x.mean(axis=0)
        xc = x - mean
        var = np.einsum("ij,ij->j", xc, xc) / x.shape[0]        # mean of xc**2 over the batch, biased
        bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mean
        bn_param["running_var"] = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        xc = x - running_mean
        var = running_var
    else:
        raise ValueError(f'bn_param["mode"] must be "train" or "test", got {mode!r}')

    inv_std = 1.0 / np.sqrt(var + eps)
    out = xc * (gamma * inv_std)                               # gamma * xhat ...
    out += beta                                                # ... + beta
    cache = (mode, xc, var, inv_std, gamma, eps)
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass through the computational graph of batchnorm_forward, one node at a time.

    Train-mode graph: mean -> xc = x - mean -> var = mean(xc**2) -> std = sqrt(var + eps)
    -> inv_std = 1 / std -> xhat = xc * inv_std -> out = gamma * xhat + beta.
    Returns dx (N, D), dgamma (D,), dbeta (D,).
    """
    mode, xc, var, inv_std, gamma, eps = cache
    N = dout.shape[0]
    xhat = xc * inv_std
    dbeta = dout.sum(axis=0)                       # out = gamma * xhat + beta
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    if mode == "test":                             # mean and var are constants in test mode
        return dxhat * inv_std, dgamma, dbeta
    dxc = dxhat * inv_std                          # xhat = xc * inv_std: two paths
    dinv_std = (dxhat * xc).sum(axis=0)
    std = np.sqrt(var + eps)
    dstd = -dinv_std / std ** 2                    # inv_std = 1 / std
    dvar = 0.5 * dstd / std                        # std = sqrt(var + eps)
    dxc += 2.0 * xc * dvar / N                     # var = mean(xc ** 2): second path into xc
    dmean = -dxc.sum(axis=0)                       # xc = x - mean
    dx = dxc + dmean / N                           # mean = sum(x) / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """The same gradients as batchnorm_backward, simplified on paper to one expression:

        dx = gamma * inv_std / N * (N * dout - sum(dout) - xhat * sum(dout * xhat))

    (sums over the batch axis). Returns dx (N, D), dgamma (D,), dbeta (D,).
    """
    mode, xc, var, inv_std, gamma, eps = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.einsum("ij,ij->j", dout, xc) * inv_std        # sum(dout * xhat), without building it
    if mode == "test":
        return dout * (gamma * inv_std), dgamma, dbeta
    dx = xc * (inv_std * dgamma / N)                           # xhat * sum(dout * xhat) / N
    dx += dbeta / N                                            # + sum(dout) / N
    np.subtract(dout, dx, out=dx)                              # dout - ...
    dx *= gamma * inv_std                                      # gamma * inv_std * (...)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalization: each example (row of x (N, D)) is normalized over its D features.

    Same in train and test (no running statistics). ln_param may hold "eps" (1e-5).
    gamma, beta: (D,). Returns out (N, D) and a cache.
    """
    eps = ln_param.get("eps", 1e-5)
    xc = x - x.mean(axis=1, keepdims=True)
    var = np.mean(xc * xc, axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = xc * inv_std
    out = gamma * xhat + beta
    return out, (xhat, inv_std, gamma)


def layernorm_backward(dout, cache):
    """Batch norm's simplified gradient with the roles of the axes swapped (sums over features).

    Returns dx (N, D), dgamma (D,), dbeta (D,).
    """
    xhat, inv_std, gamma = cache
    D = dout.shape[1]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = inv_std / D * (D * dxhat - dxhat.sum(axis=1, keepdims=True)
                        - xhat * (dxhat * xhat).sum(axis=1, keepdims=True))
    return dx, dgamma, dbeta


def _channels_last(x):
    """(N, C, H, W) -> (N * H * W, C): one row per pixel, one column per channel."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _channels_first(rows, shape):
    """Inverse of _channels_last, back to ``shape`` = (N, C, H, W)."""
    N, C, H, W = shape
    return rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch norm for images x (N, C, H, W): statistics per channel over N, H and W.

    gamma, beta: (C,); bn_param as in batchnorm_forward (running statistics of shape (C,)).
    Returns out (N, C, H, W) and a cache.
    """
    out, cache = batchnorm_forward(_channels_last(x), gamma, beta, bn_param)
    return _channels_first(out, x.shape), (cache, x.shape)


def spatial_batchnorm_backward(dout, cache):
    """Returns dx (N, C, H, W), dgamma (C,), dbeta (C,)."""
    bn_cache, shape = cache
    dx, dgamma, dbeta = batchnorm_backward_alt(_channels_last(dout), bn_cache)
    return _channels_first(dx, shape), dgamma, dbeta


def groupnorm_forward(x, gamma, beta, G, gn_param):
    """Group normalization of x (N, C, H, W): the C channels are split into G groups of C // G
    consecutive channels, and each example's group is normalized over its channels and pixels.

    gamma, beta: (1, C, 1, 1), per channel. gn_param may hold "eps" (1e-5).
    G = 1 is layer norm over (C, H, W); G = C is instance norm. Returns out (N, C, H, W) and a cache.
    """
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, -1)                                   # (N, G, C // G * H * W)
    xc = xg - xg.mean(axis=2, keepdims=True)
    var = np.mean(xc * xc, axis=2, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (xc * inv_std).reshape(N, C, H, W)
    out = gamma * xhat + beta
    return out, (xhat, inv_std, gamma, G)


def groupnorm_backward(dout, cache):
    """Layer norm's gradient within each (example, group). Returns dx (N, C, H, W),
    dgamma (1, C, 1, 1), dbeta (1, C, 1, 1)."""
    xhat, inv_std, gamma, G = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * xhat).sum(axis=(0, 2, 3), keepdims=True)
    dxhat = (dout * gamma).reshape(N, G, -1)
    xhat_g = xhat.reshape(N, G, -1)
    M = dxhat.shape[2]
    dx = inv_std / M * (M * dxhat - dxhat.sum(axis=2, keepdims=True)
                        - xhat_g * (dxhat * xhat_g).sum(axis=2, keepdims=True))
    return dx.reshape(N, C, H, W), dgamma, dbeta
