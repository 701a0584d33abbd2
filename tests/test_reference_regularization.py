"""The reference answers of 06_regularization against numerical gradients, PyTorch (float64) and the
properties the notebook teaches. Fast: well under a second apart from importing torch."""
import numpy as np
import pytest
import torch

from trainlab import gradcheck
from trainlab.reference import regularization as R

rng = np.random.default_rng(6)


def num_grad(f, x):
    return gradcheck.eval_numerical_gradient(f, x.copy())


@pytest.mark.parametrize("name", ["l2", "l1", "elastic"])
def test_penalties_against_numerical_gradient_and_torch(name):
    W = rng.standard_normal((5, 7))
    reg, beta = 0.3, 0.7
    fn = {"l2": lambda W: R.l2_penalty(W, reg), "l1": lambda W: R.l1_penalty(W, reg),
          "elastic": lambda W: R.elastic_net_penalty(W, reg, beta)}[name]
    tfn = {"l2": lambda t: reg * (t ** 2).sum(), "l1": lambda t: reg * t.abs().sum(),
           "elastic": lambda t: reg * (beta * t ** 2 + t.abs()).sum()}[name]
    loss, dW = fn(W)
    assert gradcheck.rel_error(dW, num_grad(lambda w: fn(w)[0], W)) < 1e-8
    t = torch.tensor(W, requires_grad=True)
    tl = tfn(t)
    tl.backward()
    np.testing.assert_allclose(loss, tl.item(), rtol=1e-12)
    np.testing.assert_allclose(dW, t.grad.numpy(), rtol=1e-12)


def test_penalty_conventions():
    W = np.array([[1.0, -2.0], [0.0, 3.0]])
    assert R.l2_penalty(W, 0.5)[0] == pytest.approx(0.5 * 14)          # no factor 1/2
    np.testing.assert_array_equal(R.l2_penalty(W, 0.5)[1], W)          # 2 * reg * W
    loss, dW = R.l1_penalty(W, 2.0)
    assert loss == pytest.approx(12.0)
    np.testing.assert_array_equal(dW, [[2.0, -2.0], [0.0, 2.0]])       # 0 at 0
    loss, dW = R.elastic_net_penalty(W, 1.0, 0.0)
    assert loss == pytest.approx(6.0)
    assert R.elastic_net_penalty(W, 0.0, 3.0)[0] == 0.0
    assert R.l2_penalty(np.zeros((3, 3)), 1.0)[0] == 0.0


def test_dropout_mask_is_the_pinned_one_and_scaled():
    x = rng.standard_normal((20, 30))
    p, seed = 0.7, 123
    out, cache = R.dropout_forward(x, {"p": p, "mode": "train", "seed": seed})
    mask = np.random.default_rng(seed).random(x.shape) < p
    np.testing.assert_array_equal(out, x * mask / p)
    dout = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(R.dropout_backward(dout, cache), dout * mask / p)


def test_dropout_statistics():
    x = np.ones((400, 500))
    for p in [0.2, 0.5, 0.9]:
        out, _ = R.dropout_forward(x, {"p": p, "mode": "train", "seed": 1})
        tol = 5 * np.sqrt(p * (1 - p) / x.size)
        assert abs(np.mean(out == 0) - (1 - p)) < tol
        assert abs(out.mean() - 1.0) < tol / p                    # inverted dropout keeps the mean
        np.testing.assert_allclose(out[out != 0], 1 / p)


def test_dropout_test_mode_is_identity():
    x = rng.standard_normal((3, 4))
    out, cache = R.dropout_forward(x, {"p": 0.3, "mode": "test"})
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(R.dropout_backward(x, cache), x)


def test_dropout_backward_uses_the_cached_mask_without_a_seed():
    x = rng.standard_normal((50, 60)) + 5.0                       # never exactly zero
    out, cache = R.dropout_forward(x, {"p": 0.5, "mode": "train"})
    dx = R.dropout_backward(np.ones_like(x), cache)
    np.testing.assert_array_equal(dx, (out != 0) / 0.5)


def test_dropout_gradcheck_with_a_fixed_seed():
    x = rng.standard_normal((6, 5))
    param = {"p": 0.6, "mode": "train", "seed": 7}
    dout = rng.standard_normal(x.shape)
    _, cache = R.dropout_forward(x, param)
    dx = R.dropout_backward(dout, cache)
    numeric = gradcheck.eval_numerical_gradient_array(lambda z: R.dropout_forward(z, param)[0], x.copy(), dout)
    assert gradcheck.rel_error(dx, numeric) < 1e-8


def test_dropout_against_torch_convention():
    """torch's p drops; ours keeps. Same scaling: kept entries divided by the keep probability."""
    x = rng.standard_normal((300, 300)) + 3.0
    keep = 0.8
    torch.manual_seed(0)
    t = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.dropout(t, p=1 - keep, training=True)
    tout.backward(torch.ones_like(tout))
    tout = tout.detach().numpy()
    out, cache = R.dropout_forward(x, {"p": keep, "mode": "train", "seed": 0})
    np.testing.assert_allclose(tout[tout != 0], x[tout != 0] / keep, rtol=1e-12)
    np.testing.assert_allclose(out[out != 0], x[out != 0] / keep, rtol=1e-12)
    assert abs(np.mean(out == 0) - np.mean(tout == 0)) < 5 * np.sqrt(2 * keep * (1 - keep) / x.size)
    np.testing.assert_allclose(t.grad.numpy(), (tout != 0) / keep)
    ev = torch.nn.Dropout(p=1 - keep).eval()(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(ev, R.dropout_forward(x, {"p": keep, "mode": "test"})[0])


def test_dropconnect_gradients_and_torch():
    N, D, M = 4, 6, 5
    x, W, b = rng.standard_normal((N, D)), rng.standard_normal((D, M)), rng.standard_normal(M)
    param = {"p": 0.6, "mode": "train", "seed": 3}
    dout = rng.standard_normal((N, M))
    out, cache = R.dropconnect_forward(x, W, b, param)
    grads = R.dropconnect_backward(dout, cache)
    for i, a in enumerate([x, W, b]):
        def f(z, i=i):
            args = [x, W, b]
            args[i] = z
            return R.dropconnect_forward(*args, param)[0]
        assert gradcheck.rel_error(grads[i], gradcheck.eval_numerical_gradient_array(f, a.copy(), dout)) < 1e-8
    mask = np.random.default_rng(3).random(W.shape) < 0.6
    ts = [torch.tensor(a, requires_grad=True) for a in (x, W, b)]
    tout = ts[0] @ (ts[1] * torch.tensor(mask) / 0.6) + ts[2]
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-12)
    for g, t in zip(grads, ts):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-14)
    test_out, _ = R.dropconnect_forward(x, W, b, {"p": 0.6, "mode": "test"})
    np.testing.assert_allclose(test_out, x @ W + b)


def test_expectation_over_masks_equals_test_output():
    """E over all 2^D masks of the inverted-dropout output of a linear unit equals the test-mode output."""
    D, p = 4, 0.3
    x, w = rng.standard_normal(D), rng.standard_normal(D)
    masks = (np.arange(2 ** D)[:, None] >> np.arange(D)) & 1
    probs = np.prod(np.where(masks, p, 1 - p), axis=1)
    expected = np.sum(probs * ((masks * x / p) @ w))
    np.testing.assert_allclose(expected, x @ w, rtol=1e-12)


@pytest.mark.parametrize("shape,c", [((6, 5), 1.0), ((20, 3), 2.5), ((4, 1), 0.1), ((1, 7), 0.5)])
def test_max_norm_matches_torch_renorm_on_columns(shape, c):
    W = np.random.default_rng(7).standard_normal(shape)
    W[:, 0] *= 1e-3                                          # one column well inside the ball
    before = W.copy()
    out = R.max_norm(W, c)
    np.testing.assert_array_equal(W, before)                 # not in place
    np.testing.assert_allclose(out, torch.renorm(torch.tensor(W), p=2, dim=1, maxnorm=c).numpy(), rtol=1e-6, atol=1e-12)
    norms, old = np.linalg.norm(out, axis=0), np.linalg.norm(W, axis=0)
    assert np.all(norms <= c * (1 + 1e-12))
    np.testing.assert_allclose(norms[old > c], c, rtol=1e-12)
    np.testing.assert_array_equal(out[:, old <= c], W[:, old <= c])
    cos = np.sum(out * W, axis=0) / (norms * old)
    np.testing.assert_allclose(cos, 1.0, rtol=1e-12)


def test_max_norm_zero_column_and_exact_norm():
    W = np.zeros((3, 2))
    W[:, 1] = [3.0, 4.0, 0.0]                                # norm 5
    np.testing.assert_array_equal(R.max_norm(W, 5.0), W)
    np.testing.assert_allclose(R.max_norm(W, 1.0), [[0, 0.6], [0, 0.8], [0, 0]])


def test_stochastic_depth_forward_draw_order_and_scaling():
    x, res = rng.standard_normal((50, 4)), rng.standard_normal((50, 4))
    p = 0.7
    out, cache = R.stochastic_depth_forward(x, res, {"survival_p": p, "mode": "train", "seed": 5})
    keep = np.random.default_rng(5).random(50) < p
    np.testing.assert_allclose(out[keep], x[keep] + res[keep] / p, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(out[~keep], x[~keep])
    test_out, _ = R.stochastic_depth_forward(x, res, {"survival_p": p, "mode": "test"})
    np.testing.assert_allclose(test_out, x + res)
    # the expectation over the draws equals the test-mode output
    big = np.ones((200_000, 1))
    o, _ = R.stochastic_depth_forward(0 * big, big, {"survival_p": p, "mode": "train", "seed": 1})
    assert abs(o.mean() - 1.0) < 5 * np.sqrt((1 - p) / p / big.size)


def test_stochastic_depth_backward_gradients_and_4d():
    x, res = rng.standard_normal((6, 3, 2, 2)), rng.standard_normal((6, 3, 2, 2))
    param = {"survival_p": 0.5, "mode": "train", "seed": 2}
    dout = rng.standard_normal(x.shape)
    out, cache = R.stochastic_depth_forward(x, res, param)
    dx, dres = R.stochastic_depth_backward(dout, cache)
    for g, a, i in [(dx, x, 0), (dres, res, 1)]:
        def f(z, i=i):
            args = [x, res]
            args[i] = z
            return R.stochastic_depth_forward(*args, param)[0]
        assert gradcheck.rel_error(g, gradcheck.eval_numerical_gradient_array(f, a.copy(), dout)) < 1e-8
    keep = np.random.default_rng(2).random(6) < 0.5
    tx, tr = torch.tensor(x, requires_grad=True), torch.tensor(res, requires_grad=True)
    (tx + tr * torch.tensor(keep / 0.5).reshape(-1, 1, 1, 1)).backward(torch.tensor(dout))
    np.testing.assert_allclose(dx, tx.grad.numpy())
    np.testing.assert_allclose(dres, tr.grad.numpy())
    _, cache = R.stochastic_depth_forward(x, res, {"survival_p": 0.5, "mode": "test"})
    dx, dres = R.stochastic_depth_backward(dout, cache)
    np.testing.assert_allclose(dx, dout)
    np.testing.assert_allclose(dres, dout)
