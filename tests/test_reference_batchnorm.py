"""The reference normalization layers against PyTorch (float64, CPU) and numerical gradients."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from trainlab.gradcheck import eval_numerical_gradient_array, rel_error
from trainlab.reference import batchnorm as bn


def t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def numeric_grads(forward, inputs, dout, **kwargs):
    """Numerical gradient of sum(forward(*inputs)[0] * dout) for every input."""
    grads = []
    for i in range(len(inputs)):
        def f(z, i=i):
            args = list(inputs)
            args[i] = z
            return forward(*args, **kwargs)[0]
        grads.append(eval_numerical_gradient_array(f, inputs[i].copy(), dout))
    return grads


def test_batchnorm_train_matches_torch_forward_backward_and_running_stats(rng):
    N, D = 8, 5
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    bn_param = {"mode": "train", "momentum": 0.9, "eps": 1e-5}
    out, cache = bn.batchnorm_forward(x, gamma, beta, bn_param)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    rm, rv = torch.zeros(D, dtype=torch.float64), torch.zeros(D, dtype=torch.float64)
    ot = F.batch_norm(xt, rm, rv, gt, bt, training=True, momentum=0.1, eps=1e-5)
    ot.backward(t(dout))
    np.testing.assert_allclose(out, ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    for backward in (bn.batchnorm_backward, bn.batchnorm_backward_alt):
        dx, dgamma, dbeta = backward(dout, cache)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(dgamma, gt.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(dbeta, bt.grad.numpy(), rtol=1e-10)
    # our momentum 0.9 is torch's 0.1; torch keeps the unbiased variance (N / (N - 1))
    for _ in range(5):
        xb = 3 * rng.standard_normal((N, D)) - 2
        bn.batchnorm_forward(xb, gamma, beta, bn_param)
        F.batch_norm(t(xb), rm, rv, t(gamma), t(beta), training=True, momentum=0.1, eps=1e-5)
    np.testing.assert_allclose(bn_param["running_mean"], rm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"] * N / (N - 1), rv.numpy(), rtol=1e-12)


def test_batchnorm_test_mode_matches_torch_eval(rng):
    N, D = 6, 4
    x = rng.standard_normal((N, D))
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    rm, rv = rng.standard_normal(D), rng.uniform(0.5, 2, D)
    bn_param = {"mode": "test", "running_mean": rm.copy(), "running_var": rv.copy()}
    out, cache = bn.batchnorm_forward(x, gamma, beta, bn_param)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    ot = F.batch_norm(xt, t(rm), t(rv), gt, bt, training=False, eps=1e-5)
    dout = rng.standard_normal((N, D))
    ot.backward(t(dout))
    np.testing.assert_allclose(out, ot.detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(bn_param["running_mean"], rm)           # test mode never updates
    for backward in (bn.batchnorm_backward, bn.batchnorm_backward_alt):
        for ours, theirs in zip(backward(dout, cache), (xt.grad, gt.grad, bt.grad)):
            np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10)


@pytest.mark.parametrize("mode", ["train", "test"])
def test_batchnorm_backward_vs_numerical(rng, mode):
    N, D = 5, 3
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    params = lambda: {"mode": mode, "running_mean": np.full(D, 11.0), "running_var": np.full(D, 20.0)}  # noqa: E731
    numeric = numeric_grads(lambda *a: bn.batchnorm_forward(*a, params()), [x, gamma, beta], dout)
    _, cache = bn.batchnorm_forward(x, gamma, beta, params())
    for backward in (bn.batchnorm_backward, bn.batchnorm_backward_alt):
        for g, n in zip(backward(dout, cache), numeric):
            assert rel_error(g, n) < 1e-6


def test_identity_recovered_and_defaults(rng):
    x = 3 * rng.standard_normal((50, 4)) + 7
    bn_param = {"mode": "train"}
    out, _ = bn.batchnorm_forward(x, np.sqrt(x.var(axis=0) + 1e-5), x.mean(axis=0), bn_param)
    np.testing.assert_allclose(out, x, rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=0))   # started at zeros, momentum 0.9
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(axis=0))
    out, _ = bn.batchnorm_forward(x, np.ones(4), np.zeros(4), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, rtol=1e-5)
    with pytest.raises(ValueError):
        bn.batchnorm_forward(x, np.ones(4), np.zeros(4), {"mode": "eval"})


def test_float32_stays_float32(rng):
    x = rng.standard_normal((16, 8)).astype(np.float32)
    g, b = np.ones(8, np.float32), np.zeros(8, np.float32)
    out, cache = bn.batchnorm_forward(x, g, b, {"mode": "train"})
    dx, dg, db = bn.batchnorm_backward_alt(np.ones_like(x), cache)
    assert out.dtype == dx.dtype == dg.dtype == np.float32


def test_layernorm_matches_torch_and_numerical(rng):
    N, D = 4, 6
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    out, cache = bn.layernorm_forward(x, gamma, beta, {})
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    ot = F.layer_norm(xt, (D,), gt, bt, eps=1e-5)
    ot.backward(t(dout))
    np.testing.assert_allclose(out, ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    grads = bn.layernorm_backward(dout, cache)
    for ours, theirs in zip(grads, (xt.grad, gt.grad, bt.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-8, atol=1e-12)
    numeric = numeric_grads(lambda *a: bn.layernorm_forward(*a, {}), [x, gamma, beta], dout)
    assert max(rel_error(g, n) for g, n in zip(grads, numeric)) < 1e-6


def test_spatial_batchnorm_matches_torch(rng):
    N, C, H, W = 3, 4, 5, 2
    x = 5 * rng.standard_normal((N, C, H, W)) + 12
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    dout = rng.standard_normal((N, C, H, W))
    bn_param = {"mode": "train"}
    out, cache = bn.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    rm, rv = torch.zeros(C, dtype=torch.float64), torch.zeros(C, dtype=torch.float64)
    ot = F.batch_norm(xt, rm, rv, gt, bt, training=True, momentum=0.1, eps=1e-5)
    ot.backward(t(dout))
    np.testing.assert_allclose(out, ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in zip(bn.spatial_batchnorm_backward(dout, cache), (xt.grad, gt.grad, bt.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-8, atol=1e-12)
    m = N * H * W
    np.testing.assert_allclose(bn_param["running_var"] * m / (m - 1), rv.numpy(), rtol=1e-12)
    out_test, _ = bn.spatial_batchnorm_forward(x, gamma, beta, dict(bn_param, mode="test"))
    ref = F.batch_norm(t(x), rm, rv * (m - 1) / m, t(gamma), t(beta), training=False, eps=1e-5)
    np.testing.assert_allclose(out_test, ref.numpy(), rtol=1e-10)


@pytest.mark.parametrize("G", [1, 2, 6])
def test_groupnorm_matches_torch_and_numerical(rng, G):
    N, C, H, W = 2, 6, 3, 2
    x = 5 * rng.standard_normal((N, C, H, W)) + 12
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    dout = rng.standard_normal((N, C, H, W))
    out, cache = bn.groupnorm_forward(x, gamma, beta, G, {})
    xt, gt, bt = t(x, True), t(gamma.ravel(), True), t(beta.ravel(), True)
    ot = F.group_norm(xt, G, gt, bt, eps=1e-5)
    ot.backward(t(dout))
    np.testing.assert_allclose(out, ot.detach().numpy(), rtol=1e-10, atol=1e-12)
    dx, dgamma, dbeta = bn.groupnorm_backward(dout, cache)
    assert dgamma.shape == dbeta.shape == (1, C, 1, 1)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(dgamma.ravel(), gt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(dbeta.ravel(), bt.grad.numpy(), rtol=1e-10)
    numeric = numeric_grads(lambda *a: bn.groupnorm_forward(*a, G, {}), [x, gamma, beta], dout)
    assert max(rel_error(g, n) for g, n in zip((dx, dgamma, dbeta), numeric)) < 1e-6
