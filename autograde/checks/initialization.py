"""Trusted checks for 02_initialization: one function per graded test cell, named as its grade_id.

They run in the grader's process (autograde/judge.py); ``student`` reaches the student's code in the sandbox.
"""
from trainlab.reference import initialization as ref

from autograde.judge import StudentRaised
import numpy as np
import matplotlib.pyplot as plt

from trainlab import gradcheck, grading, torchcheck
from trainlab.data import load_digits, load_photos
from trainlab.plots import layer_histograms, plot_curves, show_images
from trainlab.train import softmax_loss
from trainlab.widgets import interactive_plot, log_slider, slider, dropdown



def torch_network_statistics(X, weights, nonlinearity, dout):
    """The network of section 4 written in PyTorch (the test cells' oracle; autograd does the backward pass).
    Returns (activations, means, stds, dh_stds, dw_stds) as NumPy."""
    import torch
    f = torch.tanh if nonlinearity == "tanh" else torch.relu
    Ws = [torchcheck.to_torch(W, requires_grad=True) for W in weights]
    h, hs = torchcheck.to_torch(X), []
    for W in Ws:
        h = f(h @ W)
        h.retain_grad()
        hs.append(h)
    h.backward(torchcheck.to_torch(dout))
    std = lambda t: float(t.detach().std(correction=0))  # noqa: E731
    return ([torchcheck.to_numpy(h) for h in hs], np.array([float(h.detach().mean()) for h in hs]),
            np.array([std(h) for h in hs]), np.array([std(h.grad) for h in hs]), np.array([std(W.grad) for W in Ws]))


def std_tolerance(n):
    """5 standard errors of the std of n Gaussian draws: a correct init passes (with a fixed seed, always),
    a factor error (sqrt(2), 1/sqrt(2), 10, ...) is far outside."""
    return 5 / np.sqrt(2 * n)


def test_constant_init(student):
    """constant_init: shape and value (1 point)"""
    W = student.constant_init(3, 4, value=0.5)
    grading.check_close("constant_init(3, 4, value=0.5)", W, np.full((3, 4), 0.5))
    grading.check_close("constant_init(2, 5) (default value)", student.constant_init(2, 5), np.zeros((2, 5)))
    for fi, fo, v in [(1, 1, 1.0), (7, 3, -0.25), (64, 10, 0.01)]:
        grading.check_function(student.constant_init, ref.constant_init, fi, fo, value=v)
    grading.numpy_only(student.constant_init, 3, 2, value=0.1)


def test_small_random_init(student):
    """small_random_init: shape, sampled std vs theory, seeding (1 point)"""
    for scale in [0.01, 0.5]:
        W = student.small_random_init(300, 200, scale=scale, rng=np.random.default_rng(3))
        grading.check(W.shape == (300, 200), f"small_random_init(300, 200) has shape {W.shape}, expected (300, 200).")
        grading.check(abs(W.std() / scale - 1) < std_tolerance(W.size),
                      f"small_random_init(scale={scale}): sampled std {W.std():.4g}, expected {scale} "
                      f"(within {std_tolerance(W.size):.1%}).")
        grading.check(abs(W.mean()) < 5 * scale / np.sqrt(W.size), f"small_random_init: mean {W.mean():.3g} is not ~0.")
    grading.check(student.small_random_init(50, 40, rng=np.random.default_rng(3)).std() < 0.012,
                  "small_random_init: default scale must be 0.01.")
    grading.check(student.small_random_init(4, 3).shape == (4, 3), "small_random_init must work without rng (rng=None).")
    for seed, (fi, fo, s) in zip([2201, 2202, 2203], [(5, 8, 0.01), (1, 1, 2.0), (30, 7, 0.3)]):
        grading.check_close(f"small_random_init({fi}, {fo}, scale={s}) with seed {seed}",
                            student.small_random_init(fi, fo, scale=s, rng=np.random.default_rng(seed)),
                            ref.small_random_init(fi, fo, scale=s, rng=np.random.default_rng(seed)))
    grading.check_close("small_random_init default scale", student.small_random_init(6, 5, rng=np.random.default_rng(2204)),
                        ref.small_random_init(6, 5, rng=np.random.default_rng(2204)))
    grading.numpy_only(student.small_random_init, 3, 2, rng=np.random.default_rng(0))


def _check_init(fn, ref_fn, std_of):
    """Shape, sampled std and mean vs theory (std_of(fan_in, fan_out)), seeding, rng=None, the reference's draws."""
    fan_in, fan_out = 400, 300
    W = fn(fan_in, fan_out, rng=np.random.default_rng(5))
    std = std_of(fan_in, fan_out)
    grading.check(isinstance(W, np.ndarray) and W.shape == (fan_in, fan_out),
                  f"{fn.__name__}({fan_in}, {fan_out}) must return an array of shape {(fan_in, fan_out)}.")
    grading.check(abs(W.std() / std - 1) < std_tolerance(W.size),
                  f"{fn.__name__}: sampled std {W.std():.5g}, expected {std:.5g} (within {std_tolerance(W.size):.1%}); "
                  f"ratio {W.std() / std:.3f}.")
    grading.check(abs(W.mean()) < 5 * std / np.sqrt(W.size), f"{fn.__name__}: mean {W.mean():.3g} is not ~0.")
    grading.check(fn(6, 5).shape == (6, 5), f"{fn.__name__} must work without rng (rng=None).")
    for seed, (fi, fo) in zip([2211, 2212, 2213], [(9, 4), (1, 1), (128, 33)]):
        grading.check_close(f"{fn.__name__}({fi}, {fo}) with seed {seed}", fn(fi, fo, rng=np.random.default_rng(seed)),
                            ref_fn(fi, fo, rng=np.random.default_rng(seed)))
    W = fn(250, 320, rng=np.random.default_rng(2214))               # statistics with a fresh seed
    grading.check(abs(W.std() / std_of(250, 320) - 1) < std_tolerance(W.size),
                  f"{fn.__name__}: sampled std {W.std():.5g}, expected {std_of(250, 320):.5g}.")
    grading.numpy_only(fn, 3, 2, rng=np.random.default_rng(0))


def test_xavier_init(student):
    """xavier_init: sampled std vs theory, seeding (1 point)"""
    _check_init(student.xavier_init, ref.xavier_init, lambda fi, fo: 1 / np.sqrt(fi))


def test_xavier_uniform_init(student):
    """xavier_uniform_init: sampled std vs theory, the uniform bound, seeding (1 point)"""
    _check_init(student.xavier_uniform_init, ref.xavier_uniform_init, lambda fi, fo: np.sqrt(2 / (fi + fo)))
    for fi, fo, seed in [(500, 700, 6), (3, 5, 2215)]:
        W = student.xavier_uniform_init(fi, fo, rng=np.random.default_rng(seed))
        bound = np.sqrt(6) / np.sqrt(fi + fo)
        grading.check(np.abs(W).max() <= bound, f"xavier_uniform_init({fi}, {fo}): |W| reaches {np.abs(W).max():.5f}, "
                      f"above the bound sqrt(6)/sqrt({fi + fo}) = {bound:.5f}.")
        if fi * fo > 1000:
            grading.check(np.abs(W).max() > bound * (1 - 1e-3), f"xavier_uniform_init({fi}, {fo}): |W| only reaches "
                          f"{np.abs(W).max():.5f}; the draws should fill [-{bound:.5f}, {bound:.5f}].")


def test_kaiming_init(student):
    """kaiming_init (He): sampled std vs theory, seeding (2 points)"""
    _check_init(student.kaiming_init, ref.kaiming_init, lambda fi, fo: np.sqrt(2 / fi))


def test_forward_activations(student):
    """forward_activations: every layer's output vs PyTorch, both nonlinearities (2 points)"""
    rng = np.random.default_rng(0)
    dims = [6, 8, 5, 7]
    X = rng.standard_normal((10, dims[0]))
    weights = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(dims[:-1], dims[1:])]
    for nl in ["tanh", "relu"]:
        hs = student.forward_activations(X, weights, nl)
        expected = torch_network_statistics(X, weights, nl, rng.standard_normal((10, dims[-1])))[0]
        grading.check(isinstance(hs, (list, tuple)) and len(hs) == 3,
                      f"forward_activations must return a list with one array per layer (3 here), got "
                      + (f"a {type(hs).__name__} of length {len(hs)}." if isinstance(hs, (list, tuple)) else f"a {type(hs).__name__}."))
        grading.check_close(f"forward_activations(..., '{nl}')", list(hs), expected)
    try:
        student.forward_activations(X, weights, "sigmoid")
        grading.check(False, 'forward_activations(..., "sigmoid") must raise a ValueError.')
    except StudentRaised as e:
        grading.check(e.kind == "ValueError", f'forward_activations(..., "sigmoid") must raise a ValueError, not {e.kind}.')
    hrng = np.random.default_rng(2221)
    for nl, dims in [("tanh", [3, 4]), ("relu", [5, 2, 9, 3, 4]), ("tanh", [1, 1, 1])]:
        Xh = 2 * hrng.standard_normal((7, dims[0]))
        Wh = [hrng.standard_normal((a, b)) for a, b in zip(dims[:-1], dims[1:])]
        grading.check_close(f"forward_activations(..., '{nl}') with layer sizes {dims}",
                            list(student.forward_activations(Xh, Wh, nl)), ref.forward_activations(Xh, Wh, nl))
    _ = grading.numpy_only(student.forward_activations, Xh, Wh, "relu")


def test_layer_statistics(student):
    """layer_statistics: per-layer means and stds vs PyTorch (2 points)"""
    rng = np.random.default_rng(0)
    dims = [6, 8, 5, 7]
    X = 2 * rng.standard_normal((10, dims[0])) + 0.3
    weights = [rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(dims[:-1], dims[1:])]
    for nl in ["tanh", "relu"]:
        means, stds = student.layer_statistics(X, weights, nl)
        _, t_means, t_stds, _, _ = torch_network_statistics(X, weights, nl, np.zeros((10, dims[-1])))
        grading.check_close(f"layer_statistics(..., '{nl}'): means", means, t_means)
        grading.check_close(f"layer_statistics(..., '{nl}'): stds", stds, t_stds)
    hrng = np.random.default_rng(2231)
    for nl, dims in [("relu", [4, 6, 3]), ("tanh", [8, 8, 8, 8, 8]), ("relu", [2, 1])]:
        Xh = hrng.standard_normal((9, dims[0])) + 0.5
        Wh = [hrng.standard_normal((a, b)) for a, b in zip(dims[:-1], dims[1:])]
        grading.check_function(student.layer_statistics, ref.layer_statistics, Xh, Wh, nl)
    _ = grading.numpy_only(student.layer_statistics, Xh, Wh, "tanh")


def test_gradient_statistics(student):
    """gradient_statistics: stds of dL/dH_l and dL/dW_l vs PyTorch autograd (3 points)"""
    rng = np.random.default_rng(0)
    dims = [6, 8, 5, 7]
    X = rng.standard_normal((10, dims[0]))
    weights = [1.5 * rng.standard_normal((a, b)) / np.sqrt(a) for a, b in zip(dims[:-1], dims[1:])]
    for nl in ["tanh", "relu"]:
        dout = rng.standard_normal((10, dims[-1]))
        dh_stds, dw_stds = student.gradient_statistics(X, weights, nl, dout)
        _, _, _, t_dh, t_dw = torch_network_statistics(X, weights, nl, dout)
        grading.check_close(f"gradient_statistics(..., '{nl}'): dh_stds", dh_stds, t_dh)
        grading.check_close(f"gradient_statistics(..., '{nl}'): dw_stds", dw_stds, t_dw)
    hrng = np.random.default_rng(2241)
    for nl, dims in [("relu", [4, 6, 3]), ("tanh", [5, 9, 2, 6, 4]), ("tanh", [3, 1]), ("relu", [7, 7, 7, 7])]:
        Xh = hrng.standard_normal((8, dims[0]))
        Wh = [hrng.standard_normal((a, b)) * 0.7 for a, b in zip(dims[:-1], dims[1:])]
        grading.check_function(student.gradient_statistics, ref.gradient_statistics, Xh, Wh, nl, hrng.standard_normal((8, dims[-1])))
    _ = grading.numpy_only(student.gradient_statistics, Xh, Wh, "relu", hrng.standard_normal((8, dims[-1])))


def test_orthogonal_init(student):
    """orthogonal_init: shape, orthonormality times gain, the draw order (R = Q.T A upper triangular, positive diagonal) (2 points)"""
    for fan_in, fan_out, gain in [(7, 4, 1.0), (4, 7, 1.0), (6, 6, 5 / 3), (300, 100, 0.5), (1, 5, 2.0)]:
        W = student.orthogonal_init(fan_in, fan_out, gain=gain, rng=np.random.default_rng(8))
        grading.check(isinstance(W, np.ndarray) and W.shape == (fan_in, fan_out),
                      f"orthogonal_init({fan_in}, {fan_out}) must return an array of shape {(fan_in, fan_out)}, got {np.shape(W)}.")
        Q = W / gain if fan_in >= fan_out else (W / gain).T
        grading.check_close(f"orthogonal_init({fan_in}, {fan_out}, gain={gain:.3g}): Q.T @ Q with Q = W / gain "
                            f"({'columns' if fan_in >= fan_out else 'rows'} of W)", Q.T @ Q, np.eye(Q.shape[1]), atol=1e-10)
        A = np.random.default_rng(8).standard_normal(Q.shape)
        R = Q.T @ A
        grading.check(np.allclose(np.tril(R, -1), 0, atol=1e-9),
                      f"orthogonal_init({fan_in}, {fan_out}): Q is not the Q of the QR of rng.standard_normal({Q.shape}) "
                      "(Q.T @ A is not upper triangular): check the draw's shape and order.")
        grading.check(np.all(np.diag(R) > 0), f"orthogonal_init({fan_in}, {fan_out}): Q.T @ A has a negative diagonal entry: "
                      "multiply column j of Q by the sign of R[j, j] (the sign fix).")
    grading.check(student.orthogonal_init(5, 3).shape == (5, 3), "orthogonal_init must work without rng (rng=None).")
    # the reference, drawn from identically seeded generators, on fresh shapes, gains and seeds
    for seed, (fi, fo, g) in zip([2251, 2252, 2253, 2254, 2255, 2256],
                                 [(9, 4, 1.0), (3, 11, 1.0), (16, 16, 1.0), (1, 1, 0.7), (50, 2, 5 / 3), (2, 40, np.sqrt(2))]):
        grading.check_close(f"orthogonal_init({fi}, {fo}, gain={g:.4g}) with seed {seed}",
                            student.orthogonal_init(fi, fo, gain=g, rng=np.random.default_rng(seed)),
                            ref.orthogonal_init(fi, fo, gain=g, rng=np.random.default_rng(seed)))
    grading.check_close("orthogonal_init default gain", student.orthogonal_init(6, 5, rng=np.random.default_rng(2257)),
                        ref.orthogonal_init(6, 5, rng=np.random.default_rng(2257)))
    r_r = np.random.default_rng(2258)                                          # the generator advances by one draw
    _, _, after = student.orthogonal_init.returning_inputs(5, 3, rng=np.random.default_rng(2258))
    ref.orthogonal_init(5, 3, rng=r_r)
    r_s = after["rng"]
    grading.check(isinstance(r_s, np.random.Generator), "orthogonal_init must draw from the generator it is given.")
    grading.check_close("the generator after orthogonal_init(5, 3, rng) (one draw of 15 numbers)", r_s.random(3), r_r.random(3))
    grading.numpy_only(student.orthogonal_init, 4, 3, rng=np.random.default_rng(0))
