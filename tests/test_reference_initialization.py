"""The reference initializations (theory, drawing convention, lecture numbers) and activation statistics vs PyTorch."""
import numpy as np
import pytest
import torch

from trainlab.reference import initialization as init

FAN_IN, FAN_OUT = 400, 300


def std_tolerance(n):
    """5 standard errors of a sample std from n Gaussian draws (uniform draws vary less)."""
    return 5 / np.sqrt(2 * n)


@pytest.mark.parametrize("fn, kwargs, std", [
    (init.small_random_init, {}, 0.01),
    (init.small_random_init, {"scale": 0.3}, 0.3),
    (init.xavier_init, {}, 1 / np.sqrt(FAN_IN)),
    (init.xavier_uniform_init, {}, np.sqrt(2 / (FAN_IN + FAN_OUT))),
    (init.kaiming_init, {}, np.sqrt(2 / FAN_IN)),
])
def test_sampled_std_matches_theory(fn, kwargs, std):
    W = fn(FAN_IN, FAN_OUT, rng=np.random.default_rng(7), **kwargs)
    assert W.shape == (FAN_IN, FAN_OUT) and W.dtype == np.float64
    assert abs(W.std() / std - 1) < std_tolerance(W.size)
    assert abs(W.mean()) < 5 * std / np.sqrt(W.size)
    # a factor error (He with / instead of *, 6 instead of sqrt(6)) is far outside the tolerance
    assert std_tolerance(W.size) < 0.02


def test_drawing_convention_is_fixed():
    s = 11
    same = lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)  # noqa: E731
    draw = lambda: np.random.default_rng(s)  # noqa: E731
    same(init.kaiming_init(5, 4, rng=draw()),
                                  draw().standard_normal((5, 4)) * np.sqrt(2 / 5))
    same(init.xavier_init(5, 4, rng=draw()), draw().normal(0.0, 1 / np.sqrt(5), (5, 4)))
    same(init.small_random_init(5, 4, 0.02, rng=draw()), draw().standard_normal((5, 4)) * 0.02)
    b = np.sqrt(6) / np.sqrt(9)
    same(init.xavier_uniform_init(5, 4, rng=draw()), draw().uniform(-b, b, (5, 4)))


def test_xavier_uniform_bound_is_sqrt6_over_sqrt_fan_sum():
    W = init.xavier_uniform_init(500, 700, rng=np.random.default_rng(3))
    bound = np.sqrt(6) / np.sqrt(1200)
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > bound * (1 - 1e-4)          # the whole interval is used


def test_rng_default_and_constant():
    assert init.kaiming_init(3, 2).shape == (3, 2)
    assert not np.array_equal(init.xavier_init(30, 20), init.xavier_init(30, 20))
    np.testing.assert_array_equal(init.constant_init(3, 2, value=0.5), np.full((3, 2), 0.5))
    np.testing.assert_array_equal(init.constant_init(2, 4), np.zeros((2, 4)))


def torch_stats(X, weights, nonlinearity, dout):
    f = torch.tanh if nonlinearity == "tanh" else torch.relu
    Ws = [torch.tensor(W, requires_grad=True) for W in weights]
    h, hs = torch.tensor(X), []
    for W in Ws:
        h = f(h @ W)
        h.retain_grad()
        hs.append(h)
    h.backward(torch.tensor(dout))
    means = np.array([float(h.detach().mean()) for h in hs])
    stds = np.array([float(h.detach().std(correction=0)) for h in hs])
    return means, stds, np.array([float(h.grad.std(correction=0)) for h in hs]), \
        np.array([float(W.grad.std(correction=0)) for W in Ws])


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_statistics_match_torch(nonlinearity):
    rng = np.random.default_rng(5)
    dims = [7, 9, 4, 6]
    X = rng.standard_normal((11, dims[0]))
    weights = [init.xavier_init(a, b, rng) for a, b in zip(dims[:-1], dims[1:])]
    dout = rng.standard_normal((11, dims[-1]))
    means, stds = init.layer_statistics(X, weights, nonlinearity)
    dh_stds, dw_stds = init.gradient_statistics(X, weights, nonlinearity, dout)
    tm, ts, tdh, tdw = torch_stats(X, weights, nonlinearity, dout)
    for ours, theirs in [(means, tm), (stds, ts), (dh_stds, tdh), (dw_stds, tdw)]:
        assert ours.shape == (3,)
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)
    hs = init.forward_activations(X, weights, nonlinearity)
    assert [h.shape for h in hs] == [(11, 9), (11, 4), (11, 6)]
    with pytest.raises(ValueError):
        init.layer_statistics(X, weights, "sigmoid")


def test_lecture_table():
    """10 layers x 500 units, 1000 unit-Gaussian examples: the numbers of the lecture."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 500))

    def stds(make, nonlinearity):
        return init.layer_statistics(X, [make() for _ in range(10)], nonlinearity)[1]

    small = stds(lambda: init.small_random_init(500, 500, 0.01, rng), "tanh")
    np.testing.assert_allclose(small[:3], [0.21, 0.048, 0.011], rtol=0.1)
    assert small[-1] < 1e-5
    big = stds(lambda: init.small_random_init(500, 500, 1.0, rng), "tanh")
    assert np.all(big > 0.97)                                   # saturated at +-1
    xt = stds(lambda: init.xavier_init(500, 500, rng), "tanh")
    assert abs(xt[0] - 0.63) < 0.02 and 0.18 < xt[-1] < 0.28 and np.all(np.diff(xt) < 0)
    xr = stds(lambda: init.xavier_init(500, 500, rng), "relu")
    np.testing.assert_allclose(xr[:3], [0.58, 0.40, 0.28], rtol=0.1)
    assert 0.015 < xr[-1] < 0.05
    he = stds(lambda: init.kaiming_init(500, 500, rng), "relu")
    assert np.all((he > 0.6) & (he < 1.4))


def test_constant_init_gives_identical_gradients():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 5))
    weights = [init.constant_init(5, 4, 0.3), init.constant_init(4, 3, 0.3)]
    hs = init.forward_activations(X, weights, "tanh")
    assert np.all(hs[0] == hs[0][:, :1]) and np.all(hs[1] == hs[1][:, :1])   # all units of a layer equal


@pytest.mark.parametrize("fan_in, fan_out, gain", [(7, 4, 1.0), (4, 7, 1.0), (6, 6, 5 / 3), (1, 3, 2.0), (200, 50, 0.5)])
def test_orthogonal_init_is_orthonormal_times_gain(fan_in, fan_out, gain):
    W = init.orthogonal_init(fan_in, fan_out, gain=gain, rng=np.random.default_rng(1))
    assert W.shape == (fan_in, fan_out)
    G = W.T @ W if fan_in >= fan_out else W @ W.T
    np.testing.assert_allclose(G, gain ** 2 * np.eye(min(fan_in, fan_out)), atol=1e-12)


def test_orthogonal_init_draw_order_and_sign_fix():
    """W is the unique Q of A = Q R with R's diagonal positive, A = rng.standard_normal((max, min)): Gram-Schmidt's Q."""
    for fan_in, fan_out in [(6, 3), (3, 6), (5, 5)]:
        W = init.orthogonal_init(fan_in, fan_out, rng=np.random.default_rng(2))
        A = np.random.default_rng(2).standard_normal((max(fan_in, fan_out), min(fan_in, fan_out)))
        Q = W if fan_in >= fan_out else W.T
        R = Q.T @ A
        np.testing.assert_allclose(np.tril(R, -1), 0, atol=1e-12)
        assert np.all(np.diag(R) > 0)
        # classical Gram-Schmidt on the same draw gives the same matrix
        G = np.zeros_like(A)
        for j in range(A.shape[1]):
            v = A[:, j] - G[:, :j] @ (G[:, :j].T @ A[:, j])
            G[:, j] = v / np.linalg.norm(v)
        np.testing.assert_allclose(Q, G, atol=1e-10)


def test_orthogonal_init_matches_torch_recipe_on_the_same_matrix():
    """torch.nn.init.orthogonal_ = QR + sign fix of a (max, min) Gaussian matrix; fed our draw, it gives our matrix."""
    A = np.random.default_rng(3).standard_normal((9, 4))
    q, r = torch.linalg.qr(torch.from_numpy(A))
    q = (q * torch.diag(r, 0).sign()).numpy()
    np.testing.assert_allclose(init.orthogonal_init(9, 4, rng=np.random.default_rng(3)), q, atol=1e-12)
    np.testing.assert_allclose(init.orthogonal_init(4, 9, rng=np.random.default_rng(3)), q.T, atol=1e-12)


def test_orthogonal_keeps_every_length_in_a_deep_linear_net():
    r = np.random.default_rng(4)
    X = r.standard_normal((20, 64))
    h = X
    for _ in range(30):
        h = h @ init.orthogonal_init(64, 64, rng=r)
    np.testing.assert_allclose(np.linalg.norm(h, axis=1), np.linalg.norm(X, axis=1), rtol=1e-10)
