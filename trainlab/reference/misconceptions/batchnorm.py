"""Misconceptions for 03_batchnorm (see __init__.py for the format)."""
import numpy as np

REFERENCE = "batchnorm"


# -- 1. forward ---------------------------------------------------------------------------------------

def _bn_forward(x, gamma, beta, bn_param, unbiased_running=False, torch_momentum=False, test_uses_batch=False,
                eps_outside=False, save_running=True):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    if mode == "train" or test_uses_batch:
        mean = x.mean(axis=0)
        xc = x - mean
        var = (xc ** 2).mean(axis=0)
        if mode == "train":
            new = x.var(axis=0, ddof=1) if unbiased_running and x.shape[0] > 1 else var
            keep = 1 - momentum if torch_momentum else momentum
            if save_running:
                bn_param["running_mean"] = keep * running_mean + (1 - keep) * mean
                bn_param["running_var"] = keep * running_var + (1 - keep) * new
    elif mode == "test":
        xc = x - running_mean
        var = running_var
    else:
        raise ValueError(f'bn_param["mode"] must be "train" or "test", got {mode!r}')
    inv_std = 1.0 / (np.sqrt(var) + eps) if eps_outside else 1.0 / np.sqrt(var + eps)
    out = gamma * (xc * inv_std) + beta
    return out, (mode, xc, var, inv_std, gamma, eps)


def batchnorm_forward_unbiased_running_var(x, gamma, beta, bn_param):
    return _bn_forward(x, gamma, beta, bn_param, unbiased_running=True)


def batchnorm_forward_torch_momentum(x, gamma, beta, bn_param):
    return _bn_forward(x, gamma, beta, bn_param, torch_momentum=True)


def batchnorm_forward_test_uses_batch(x, gamma, beta, bn_param):
    return _bn_forward(x, gamma, beta, bn_param, test_uses_batch=True)


def batchnorm_forward_eps_outside(x, gamma, beta, bn_param):
    return _bn_forward(x, gamma, beta, bn_param, eps_outside=True)


def batchnorm_forward_running_not_saved(x, gamma, beta, bn_param):
    return _bn_forward(x, gamma, beta, bn_param, save_running=False)


# -- 2. backward through the graph --------------------------------------------------------------------

def _bn_backward(dout, cache, mean_path=True, var_path=True, gamma_factor=True, test_as_train=False):
    mode, xc, var, inv_std, gamma, eps = cache
    N = dout.shape[0]
    xhat = xc * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma if gamma_factor else dout
    if mode == "test" and not test_as_train:
        return dxhat * inv_std, dgamma, dbeta
    dxc = dxhat * inv_std
    dinv_std = (dxhat * xc).sum(axis=0)
    std = np.sqrt(var + eps)
    dvar = 0.5 * (-dinv_std / std ** 2) / std
    if var_path:
        dxc = dxc + 2.0 * xc * dvar / N
    dx = dxc - dxc.sum(axis=0) / N if mean_path else dxc
    return dx, dgamma, dbeta


def batchnorm_backward_no_mean_path(dout, cache):
    return _bn_backward(dout, cache, mean_path=False)


def batchnorm_backward_no_var_path(dout, cache):
    return _bn_backward(dout, cache, var_path=False)


def batchnorm_backward_no_gamma(dout, cache):
    return _bn_backward(dout, cache, gamma_factor=False)


def batchnorm_backward_test_as_train(dout, cache):
    return _bn_backward(dout, cache, test_as_train=True)


# -- 3. the one-expression gradient -------------------------------------------------------------------

def _bn_backward_alt(dout, cache, gamma_factor=True, sum_term=True, test_as_train=False, n_minus_1=False):
    mode, xc, var, inv_std, gamma, eps = cache
    N = dout.shape[0]
    xhat = xc * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    scale = gamma * inv_std if gamma_factor else inv_std
    if mode == "test" and not test_as_train:
        return dout * scale, dgamma, dbeta
    M = N - 1 if n_minus_1 and N > 1 else N
    dx = scale / M * (M * dout - (dbeta if sum_term else 0.0) - xhat * dgamma)
    return dx, dgamma, dbeta


def batchnorm_backward_alt_no_gamma(dout, cache):
    return _bn_backward_alt(dout, cache, gamma_factor=False)


def batchnorm_backward_alt_no_sum_term(dout, cache):
    return _bn_backward_alt(dout, cache, sum_term=False)


def batchnorm_backward_alt_test_as_train(dout, cache):
    return _bn_backward_alt(dout, cache, test_as_train=True)


def batchnorm_backward_alt_n_minus_1(dout, cache):
    return _bn_backward_alt(dout, cache, n_minus_1=True)


# -- 4. layer norm ------------------------------------------------------------------------------------

def layernorm_forward_batch_axis(x, gamma, beta, ln_param):
    eps = ln_param.get("eps", 1e-5)
    xc = x - x.mean(axis=0, keepdims=True)                      # statistics over the batch: batch norm
    var = np.mean(xc * xc, axis=0, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = xc * inv_std
    return gamma * xhat + beta, (xhat, inv_std, gamma)


def layernorm_backward_batch_sums(dout, cache):
    xhat, inv_std, gamma = cache
    D = dout.shape[1]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = inv_std / D * (D * dxhat - dxhat.sum(axis=0, keepdims=True)            # sums over the batch axis
                        - xhat * (dxhat * xhat).sum(axis=0, keepdims=True))
    return dx, dgamma, dbeta


def layernorm_backward_params_per_example(dout, cache):
    xhat, inv_std, gamma = cache
    D = dout.shape[1]
    dxhat = dout * gamma
    dx = inv_std / D * (D * dxhat - dxhat.sum(axis=1, keepdims=True)
                        - xhat * (dxhat * xhat).sum(axis=1, keepdims=True))
    return dx, (dout * xhat).sum(axis=1), dout.sum(axis=1)


def layernorm_backward_no_gamma(dout, cache):
    xhat, inv_std, gamma = cache
    D = dout.shape[1]
    dxhat = dout
    dx = inv_std / D * (D * dxhat - dxhat.sum(axis=1, keepdims=True)
                        - xhat * (dxhat * xhat).sum(axis=1, keepdims=True))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


# -- 5. spatial batch norm ----------------------------------------------------------------------------

def spatial_batchnorm_forward_plain_reshape(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(x.reshape(-1, C), gamma, beta, bn_param)  # noqa: F821 - no transpose first
    return out.reshape(N, C, H, W), (cache, x.shape)


def spatial_batchnorm_forward_no_transpose_back(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, C), gamma, beta, bn_param)  # noqa: F821
    return out.reshape(N, C, H, W), (cache, x.shape)            # reshaped back without transposing


def spatial_batchnorm_backward_plain_reshape(dout, cache):
    bn_cache, shape = cache
    N, C, H, W = shape
    dx, dgamma, dbeta = batchnorm_backward_alt(dout.reshape(-1, C), bn_cache)  # noqa: F821
    return dx.reshape(shape), dgamma, dbeta


# -- 6. group norm ------------------------------------------------------------------------------------

def groupnorm_forward_strided_groups(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, C // G, G, H * W).transpose(0, 2, 1, 3).reshape(N, G, -1)   # channel c in group c % G
    xc = xg - xg.mean(axis=2, keepdims=True)
    var = np.mean(xc * xc, axis=2, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (xc * inv_std).reshape(N, G, C // G, H * W).transpose(0, 2, 1, 3).reshape(N, C, H, W)
    return gamma * xhat + beta, (xhat, inv_std, gamma, G)


def _groupnorm_forward(x, gamma, beta, G, gn_param):
    eps = gn_param.get("eps", 1e-5)
    N, C, H, W = x.shape
    xg = x.reshape(N, G, -1)
    xc = xg - xg.mean(axis=2, keepdims=True)
    var = np.mean(xc * xc, axis=2, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (xc * inv_std).reshape(N, C, H, W)
    return gamma * xhat + beta, (xhat, inv_std, gamma, G)


def groupnorm_backward_flat_params(dout, cache):
    xhat, inv_std, gamma, G = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3))                            # (C,) instead of gamma's (1, C, 1, 1)
    dgamma = (dout * xhat).sum(axis=(0, 2, 3))
    dxhat = (dout * gamma).reshape(N, G, -1)
    xhat_g = xhat.reshape(N, G, -1)
    M = dxhat.shape[2]
    dx = inv_std / M * (M * dxhat - dxhat.sum(axis=2, keepdims=True)
                        - xhat_g * (dxhat * xhat_g).sum(axis=2, keepdims=True))
    return dx.reshape(N, C, H, W), dgamma, dbeta


def groupnorm_forward_per_channel(x, gamma, beta, G, gn_param):
    out, (xhat, inv_std, gamma, _) = _groupnorm_forward(x, gamma, beta, x.shape[1], gn_param)   # G ignored
    return out, (xhat, inv_std, gamma, x.shape[1])


def groupnorm_backward_no_mean_term(dout, cache):
    xhat, inv_std, gamma, G = cache
    N, C, H, W = dout.shape
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * xhat).sum(axis=(0, 2, 3), keepdims=True)
    dxhat = (dout * gamma).reshape(N, G, -1)
    xhat_g = xhat.reshape(N, G, -1)
    M = dxhat.shape[2]
    dx = inv_std / M * (M * dxhat - xhat_g * (dxhat * xhat_g).sum(axis=2, keepdims=True))
    return dx.reshape(N, C, H, W), dgamma, dbeta


def _e(section, name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": section, "wrong": wrong}, **more)


CATALOGUE = {
    "test_bn_forward": [
        _e("1", "running_var updated with the unbiased batch variance (N - 1)",
           "Update running_var with the biased batch variance (divide by N), the one that normalises the batch",
           {"batchnorm_forward": batchnorm_forward_unbiased_running_var}),
        _e("1", "running averages with PyTorch's momentum convention",
           "Here running = momentum * running + (1 - momentum) * batch statistic (momentum 0.9 keeps the old value)",
           {"batchnorm_forward": batchnorm_forward_torch_momentum}),
        _e("1", "test mode normalised with the batch statistics",
           "In test mode use bn_param's running_mean and running_var, not the batch's", 
           {"batchnorm_forward": batchnorm_forward_test_uses_batch}),
        _e("1", "eps added outside the square root", "Divide by sqrt(var + eps), not sqrt(var) + eps",
           {"batchnorm_forward": batchnorm_forward_eps_outside}),
        _e("1", "running averages not saved into bn_param",
           "Write the new running_mean and running_var back into bn_param (the dict is changed in place)",
           {"batchnorm_forward": batchnorm_forward_running_not_saved}),
    ],
    "test_bn_backward": [
        _e("2", "batch norm's dx without the path through the batch mean",
           "mean = sum(x) / N depends on every x: add dmean / N to dx", 
           {"batchnorm_backward": batchnorm_backward_no_mean_path}),
        _e("2", "batch norm's dx without the path through the batch variance",
           "xc reaches the output twice, directly and through var: add 2 xc dvar / N to dxc",
           {"batchnorm_backward": batchnorm_backward_no_var_path}),
        _e("2", "batch norm's dx without gamma", "out = gamma * xhat + beta, so dxhat = dout * gamma",
           {"batchnorm_backward": batchnorm_backward_no_gamma}),
        _e("2", "test-mode backward through the batch statistics",
           "In test mode the running mean and variance are constants: dx = dout * gamma / sqrt(running_var + eps)",
           {"batchnorm_backward": batchnorm_backward_test_as_train}),
    ],
    "test_bn_backward_alt": [
        _e("3", "the one-expression dx without gamma",
           "dx = gamma * inv_std / N * (N dout - sum(dout) - xhat * sum(dout * xhat))",
           {"batchnorm_backward_alt": batchnorm_backward_alt_no_gamma}),
        _e("3", "the one-expression dx without the - sum(dout) term",
           "dx = gamma * inv_std / N * (N dout - sum(dout) - xhat * sum(dout * xhat)): the sum comes from the mean",
           {"batchnorm_backward_alt": batchnorm_backward_alt_no_sum_term}),
        _e("3", "test-mode backward through the batch statistics",
           "In test mode the running statistics are constants: dx = dout * gamma * inv_std",
           {"batchnorm_backward_alt": batchnorm_backward_alt_test_as_train}),
        _e("3", "the one-expression dx with N - 1 instead of N",
           "The batch variance divides by N, and so does its gradient",
           {"batchnorm_backward_alt": batchnorm_backward_alt_n_minus_1}),
    ],
    "test_layernorm": [
        _e("4", "layer norm with statistics over the batch axis (that is batch norm)",
           "Normalise each example over its D features: mean and var over axis=1, keepdims=True",
           {"layernorm_forward": layernorm_forward_batch_axis}),
        _e("4", "layer norm's dx with sums over the batch axis",
           "Batch norm's formula with the axes swapped: the sums in dx run over the features (axis=1)",
           {"layernorm_backward": layernorm_backward_batch_sums}),
        _e("4", "layer norm's dgamma and dbeta summed over the features",
           "gamma and beta have one entry per feature: sum over the batch axis (axis=0)",
           {"layernorm_backward": layernorm_backward_params_per_example}),
        _e("4", "layer norm's dx without gamma", "dxhat = dout * gamma before the normalisation's gradient",
           {"layernorm_backward": layernorm_backward_no_gamma}),
    ],
    "test_spatial_bn": [
        _e("5", "x.reshape(-1, C) without moving the channels last first",
           "Transpose (N, C, H, W) to (N, H, W, C) before reshaping to (N*H*W, C), and back afterwards",
           {"spatial_batchnorm_forward": spatial_batchnorm_forward_plain_reshape,
            "spatial_batchnorm_backward": spatial_batchnorm_backward_plain_reshape}),
        _e("5", "the output reshaped to (N, C, H, W) without transposing back",
           "Reshape to (N, H, W, C), then transpose(0, 3, 1, 2)",
           {"spatial_batchnorm_forward": spatial_batchnorm_forward_no_transpose_back}),
        _e("5", "spatial batch norm's backward reshaped without moving the channels last",
           "Give batchnorm_backward_alt dout as (N*H*W, C) rows: transpose(0, 2, 3, 1) first, and back afterwards",
           {"spatial_batchnorm_backward": spatial_batchnorm_backward_plain_reshape}),
    ],
    "test_groupnorm": [
        _e("6", "groups made of every G-th channel", 
           "A group is C // G consecutive channels: x.reshape(N, G, -1) keeps channels 0..C/G-1 together",
           {"groupnorm_forward": groupnorm_forward_strided_groups}),
        _e("6", "dgamma and dbeta returned with shape (C,)",
           "Return them with gamma's shape (1, C, 1, 1): sum with keepdims=True",
           {"groupnorm_backward": groupnorm_backward_flat_params}, specific=True),
        _e("6", "G ignored: every channel normalised on its own (instance norm)",
           "Split the C channels into G groups: x.reshape(N, G, -1)",
           {"groupnorm_forward": groupnorm_forward_per_channel}),
        _e("6", "group norm's dx without the mean term",
           "Within each group dx = inv_std / M (M dxhat - sum(dxhat) - xhat sum(dxhat xhat))",
           {"groupnorm_backward": groupnorm_backward_no_mean_term}),
    ],
}
