"""Trusted checks for 06_regularization: one function per graded test cell, named as its grade_id.

They run in the grader's process (autograde/judge.py); ``student`` reaches the student's code in the sandbox.
"""
from trainlab.reference import regularization as ref
import numpy as np
import matplotlib.pyplot as plt

from trainlab import gradcheck, grading, torchcheck
from trainlab.plots import plot_curves


def _check_penalty(name, fn, ref_fn, torch_fn, extra_args, seed):
    """Value and dW: numerical gradient, PyTorch, the reference on fresh shapes (zeros included)."""
    W = np.random.default_rng(seed).standard_normal((4, 6))
    loss, dW = fn(W, 0.3, *extra_args)
    numeric = gradcheck.eval_numerical_gradient(lambda w: fn(w, 0.3, *extra_args)[0], W.copy())
    err = gradcheck.rel_error(dW, numeric)
    if not err < 1e-7:
        try:
            grading.check_close(f"{name}: dW (vs the numerical gradient of your loss)", dW, numeric, rtol=1e-5, atol=1e-8)
            detail = ""
        except grading.GradingError as e:
            detail = "\n" + str(e)
        raise grading.GradingError(f"{name}: dW does not match the numerical gradient of the loss you return (relative "
                                   f"error {err:.1e}): dW must be the derivative of that loss." + detail)
    grading.check_torch(f"{name} (loss, dW)", (loss, (dW,)), torch_fn, [W], dout=np.array(1.0))
    hrng = np.random.default_rng(seed + 1600)
    for shape, reg in [((7,), 1e-3), ((3, 11), 2.5), ((1, 1), 0.7), ((2, 3, 4), 1e-4)]:
        grading.check_function(fn, ref_fn, 5 * hrng.standard_normal(shape), reg, *extra_args)
    grading.check_function(fn, ref_fn, np.array([[0.0, 1.0, -1.0], [0.0, 0.0, 2.0]]), 0.9, *extra_args)
    grading.check_function(fn, ref_fn, 1e6 * hrng.standard_normal((3, 3)), 1e-8, *extra_args)
    grading.numpy_only(fn, W, 0.1, *extra_args)


def test_l2_penalty(student):
    """l2_penalty: value, numerical gradient, PyTorch, no factor 1/2 (1 point)"""
    _check_penalty("l2_penalty", student.l2_penalty, ref.l2_penalty, lambda t: 0.3 * (t ** 2).sum(), (), 61)
    small = np.array([[1.0, -2.0], [0.0, 3.0]])
    grading.check_close("l2_penalty(small, 0.5) (no factor 1/2)", student.l2_penalty(small, 0.5), (7.0, small))


def test_l1_penalty(student):
    """l1_penalty: value, numerical gradient, PyTorch, gradient 0 at 0 (1 point)"""
    _check_penalty("l1_penalty", student.l1_penalty, ref.l1_penalty, lambda t: 0.3 * t.abs().sum(), (), 62)
    small = np.array([[1.0, -2.0], [0.0, 3.0]])
    grading.check_close("l1_penalty(small, 2.0) (gradient 0 at 0)", student.l1_penalty(small, 2.0), (12.0, 2.0 * np.sign(small)))


def test_elastic_net_penalty(student):
    """elastic_net_penalty: value, numerical gradient, PyTorch (1 point)"""
    _check_penalty("elastic_net_penalty", student.elastic_net_penalty, ref.elastic_net_penalty,
                   lambda t: 0.3 * (0.7 * t ** 2 + t.abs()).sum(), (0.7,), 63)
    for beta in (0.1, 3.0):
        grading.check_function(student.elastic_net_penalty, ref.elastic_net_penalty,
                               np.random.default_rng(64).standard_normal((3, 4)), 0.5, beta)


def test_dropout_forward(student):
    """Dropout forward: the pinned mask, fraction of zeros ≈ 1 - p, mean preserved, test mode = identity (3 points)"""
    rng = np.random.default_rng(62)   # this cell's own random numbers
    x = rng.standard_normal((6, 7))
    out, _ = student.dropout_forward(x, {"p": 0.6, "mode": "train", "seed": 3})
    mask = np.random.default_rng(3).random(x.shape) < 0.6
    grading.check(not np.array_equal(out == 0, mask) or np.array_equal(out == 0, ~mask),
                  "dropout_forward with p = 0.6 and seed 3 zeroed the units it should keep: p is the probability of "
                  "KEEPING a unit (PyTorch's p is the probability of dropping one). Keep the units where "
                  "default_rng(seed).random(x.shape) < p.")
    grading.check(np.array_equal(out == 0, ~mask),
                  "dropout_forward: with seed 3 the zeroed entries must be where default_rng(3).random(x.shape) >= p "
                  "(draw the mask from np.random.default_rng(dropout_param['seed']) when there is a seed).")
    big = np.ones((500, 400))
    for p in [0.2, 0.5, 0.9]:
        out, _ = student.dropout_forward(big, {"p": p, "mode": "train", "seed": 1})
        tol = 5 * np.sqrt(p * (1 - p) / big.size)            # five standard deviations of the sample fraction
        zeros = np.mean(out == 0)
        grading.check(abs(zeros - (1 - p)) < tol, f"dropout_forward with p = {p} (KEEP probability) zeroed {zeros:.3f} of "
                      f"the units; expected about 1 - p = {1 - p:.2f}.")
        grading.check(abs(out.mean() - 1.0) < tol / p, f"dropout_forward with p = {p}: the mean of the output is "
                      f"{out.mean():.3f}, but inverted dropout must keep the mean of x (1.0): divide the kept units by p.")
    out, _ = student.dropout_forward(x, {"p": 0.3, "mode": "test"})
    grading.check_close("dropout_forward in test mode (must be the identity)", out, x)
    hrng = np.random.default_rng(1602)
    for shape, p, seed in [((9,), 0.5, 0), ((4, 13), 0.8, 17), ((1, 5), 0.25, 123), ((2, 3, 4, 5), 0.9, 5), ((30, 20), 1.0, 2)]:
        xh = 3 * hrng.standard_normal(shape)
        grading.check_forward(student.dropout_forward, ref.dropout_forward, xh, {"p": p, "mode": "train", "seed": seed})
        grading.check_forward(student.dropout_forward, ref.dropout_forward, xh, {"p": p, "mode": "test", "seed": seed})
    grading.check_forward(student.dropout_forward, ref.dropout_forward, 1e8 * hrng.standard_normal((3, 4)),
                          {"p": 0.7, "mode": "train", "seed": 99})
    grading.check_forward(student.dropout_forward, ref.dropout_forward, np.zeros((2, 3)), {"p": 0.5, "mode": "train", "seed": 4})
    out, _ = student.dropout_forward(np.ones((300, 300)), {"p": 0.35, "mode": "train"})      # no seed: a fresh mask
    grading.check(abs(np.mean(out == 0) - 0.65) < 0.01 and np.allclose(out[out != 0], 1 / 0.35),
                  "dropout_forward without a seed: expected about 65% zeros and kept units equal to x / p for p = 0.35.")
    _ = grading.numpy_only(student.dropout_forward, xh, {"p": 0.5, "mode": "train", "seed": 1})


def test_dropout_backward(student):
    """Dropout backward: numerical gradient with a fixed seed, only kept units get a gradient, test mode, PyTorch (3 points)"""
    rng = np.random.default_rng(63)   # this cell's own random numbers
    import torch
    x = rng.standard_normal((5, 8))
    param = {"p": 0.6, "mode": "train", "seed": 11}
    grading.check_gradients(student.dropout_forward, student.dropout_backward, [x], kwargs={"dropout_param": param}, names=["dx"])
    # the seeded comparisons first: their messages do not depend on a fresh mask (autograde/diagnose.py can read them)
    hrng = np.random.default_rng(1603)
    for shape, p, seed in [((9,), 0.5, 0), ((4, 13), 0.8, 17), ((1, 5), 0.25, 123), ((2, 3, 4, 5), 0.9, 5)]:
        xh = hrng.standard_normal(shape)
        for mode in ["train", "test"]:
            grading.check_backward(student.dropout_forward, student.dropout_backward, ref.dropout_forward, ref.dropout_backward,
                                   [xh], {"dropout_param": {"p": p, "mode": mode, "seed": seed}}, names=["dx"])
    xp = rng.standard_normal((40, 50)) + 5.0                    # no entry is 0, so out == 0 exactly where a unit was dropped
    out, cache = student.dropout_forward(xp, {"p": 0.5, "mode": "train"})   # no seed: backward must use the mask saved in the cache
    dx = student.dropout_backward(np.ones_like(xp), cache)
    grading.check(np.array_equal(dx == 0, out == 0), "dropout_backward: the gradient must flow through exactly the units the "
                  "forward pass kept. Save the mask in the cache; do not draw a new one.")
    grading.check_close("dropout_backward on the kept units (ones * mask / p)", dx, (out != 0) / 0.5)
    _, cache = student.dropout_forward(x, {"p": 0.3, "mode": "test"})
    grading.check_close("dropout_backward in test mode (identity)", student.dropout_backward(x, cache), x)
    # PyTorch: torch's p is the DROP probability. Its kept units are scaled by 1 / keep, like ours, and so is its gradient.
    keep = 0.8
    torch.manual_seed(0)
    xt = torch.tensor(xp, requires_grad=True, device=torchcheck.device())
    yt = torch.nn.functional.dropout(xt, p=1 - keep, training=True)
    yt.backward(torch.ones_like(yt))
    t_kept = (yt != 0).cpu().numpy()
    out, cache = student.dropout_forward(xp, {"p": keep, "mode": "train", "seed": 0})
    dx = student.dropout_backward(np.ones_like(xp), cache)
    grading.check_close("torch: output on its kept units (x / keep)", torchcheck.to_numpy(yt)[t_kept], xp[t_kept] / keep)
    grading.check_close("torch: gradient on its kept units (1 / keep)", torchcheck.to_numpy(xt.grad)[t_kept], 1 / keep + 0 * xp[t_kept])
    grading.check_close("yours: output on your kept units (x / keep)", out[out != 0], xp[out != 0] / keep)
    grading.check_close("yours: dx on your kept units (1 / keep)", dx[out != 0], 1 / keep + 0 * xp[out != 0])
    grading.check(abs(np.mean(out == 0) - np.mean(~t_kept)) < 0.05, "dropout_forward drops a different fraction of units "
                  "than torch.nn.functional.dropout(x, p=1 - keep).")
    xh = hrng.standard_normal((60, 70)) + 4.0
    for p in [0.3, 0.75]:
        out, cache = student.dropout_forward(xh, {"p": p, "mode": "train"})
        grading.check_close(f"dropout_backward without a seed, p = {p} (mask from the cache)",
                            student.dropout_backward(2 * np.ones_like(xh), cache), 2 * (out != 0) / p)
    _ = grading.numpy_only(student.dropout_backward, xh, student.dropout_forward(xh, {"p": 0.5, "mode": "train", "seed": 1})[1])


def test_dropconnect(student):
    """DropConnect: numerical gradients with a fixed seed, PyTorch, test mode (2 points)"""
    rng = np.random.default_rng(64)   # this cell's own random numbers
    N, D, M = 4, 6, 5
    x, W, b = rng.standard_normal((N, D)), rng.standard_normal((D, M)), rng.standard_normal(M)
    param = {"p": 0.7, "mode": "train", "seed": 8}
    grading.check_gradients(student.dropconnect_forward, student.dropconnect_backward, [x, W, b], kwargs={"dropconnect_param": param},
                            names=["dx", "dW", "db"])
    dout = rng.standard_normal((N, M))
    mask = np.random.default_rng(8).random(W.shape) < 0.7
    out, cache = student.dropconnect_forward(x, W, b, param)
    grading.check_torch("dropconnect (out, (dx, dW, db))", (out, student.dropconnect_backward(dout, cache)),
                        lambda x, W, b: x @ (W * torchcheck.to_torch(mask) / 0.7) + b, [x, W, b], dout)
    out, _ = student.dropconnect_forward(x, W, b, {"p": 0.7, "mode": "test"})
    grading.check_close("dropconnect_forward in test mode (x @ W + b)", out, x @ W + b)
    hrng = np.random.default_rng(1604)
    for (n, d, m), p, seed in [((1, 3, 2), 0.5, 0), ((9, 2, 7), 0.9, 42), ((5, 8, 1), 0.3, 7)]:
        args = [hrng.standard_normal((n, d)), hrng.standard_normal((d, m)), hrng.standard_normal(m)]
        for mode in ["train", "test"]:
            cfg = {"p": p, "mode": mode, "seed": seed}
            grading.check_forward(student.dropconnect_forward, ref.dropconnect_forward, *args, cfg)
            grading.check_backward(student.dropconnect_forward, student.dropconnect_backward, ref.dropconnect_forward,
                                   ref.dropconnect_backward, args, {"dropconnect_param": cfg}, names=["dx", "dW", "db"])
    xh, Wh, bh = hrng.standard_normal((20, 30)), hrng.standard_normal((30, 10)), hrng.standard_normal(10)
    out, cache = student.dropconnect_forward(xh, Wh, bh, {"p": 0.5, "mode": "train"})        # no seed: the mask must be cached
    dx, dW, db = student.dropconnect_backward(np.ones((20, 10)), cache)
    kept = (dW != 0)
    grading.check(abs(kept.mean() - 0.5) < 0.15, "dropconnect_backward: about half of dW should be zero for p = 0.5.")
    grading.check_close("dropconnect without a seed: out vs the kept weights found from dW", out, xh @ (Wh * kept / 0.5) + bh)
    grading.numpy_only(student.dropconnect_forward, *args, {"p": 0.5, "mode": "train", "seed": 1})
    _ = grading.numpy_only(student.dropconnect_backward, hrng.standard_normal((n, m)), student.dropconnect_forward(*args, cfg)[1])


def test_max_norm(student):
    """max_norm: next to torch.renorm on the columns, norms at most c, small columns unchanged (2 points)"""
    rng = np.random.default_rng(65)   # this cell's own random numbers
    import torch
    W = rng.standard_normal((6, 5))
    W[:, 1] *= 0.05                                              # a unit whose weights are well inside the ball
    out = student.max_norm(W, 1.0)
    grading.check_close("max_norm(W, 1.0) (vs torch.renorm(W, p=2, dim=1, maxnorm=1.0): each column)", out,
                        torch.renorm(torch.tensor(W), p=2, dim=1, maxnorm=1.0).numpy(), rtol=1e-6, atol=1e-12)
    norms = np.sqrt(np.sum(np.asarray(out) ** 2, axis=0))
    grading.check(np.all(norms <= 1.0 + 1e-9), f"max_norm(W, 1.0): the column norms are {norms.round(4)}; every unit's "
                  "incoming weight vector (a column of W, shape (fan_in, fan_out)) must have norm at most c.")
    grading.check_close("max_norm(W, 1.0): column 1 (norm below c) unchanged", np.asarray(out)[:, 1], W[:, 1])
    grading.check_close("max_norm([[3, 0.3], [4, 0.4]], 1.0)", student.max_norm(np.array([[3.0, 0.3], [4.0, 0.4]]), 1.0),
                        np.array([[0.6, 0.3], [0.8, 0.4]]))
    hrng = np.random.default_rng(1605)
    for shape, c in [((3, 4), 0.5), ((1, 1), 2.0), ((10, 1), 1.0), ((1, 8), 0.3), ((64, 32), 3.0), ((5, 5), 100.0)]:
        grading.check_function(student.max_norm, ref.max_norm, hrng.standard_normal(shape), c)
    grading.check_function(student.max_norm, ref.max_norm, 1e6 * hrng.standard_normal((4, 3)), 1.5)
    Wz = hrng.standard_normal((4, 3))
    Wz[:, 2] = 0.0
    grading.check_function(student.max_norm, ref.max_norm, Wz, 0.5)
    _ = grading.numpy_only(student.max_norm, hrng.standard_normal((4, 3)), 1.0)


def test_stochastic_depth(student):
    """Stochastic depth: numerical gradients with a fixed seed, PyTorch, the draw per example, test mode (3 points)"""
    rng = np.random.default_rng(66)   # this cell's own random numbers
    x, res = rng.standard_normal((8, 5)), rng.standard_normal((8, 5))
    param = {"survival_p": 0.6, "mode": "train", "seed": 4}
    grading.check_gradients(student.stochastic_depth_forward, student.stochastic_depth_backward, [x, res],
                            kwargs={"sd_param": param}, names=["dx", "dresidual"])
    keep = np.random.default_rng(4).random(8) < 0.6
    out, cache = student.stochastic_depth_forward(x, res, param)
    dout = rng.standard_normal(x.shape)
    grading.check_torch("stochastic depth, seed 4 (out, (dx, dresidual))", (out, student.stochastic_depth_backward(dout, cache)),
                        lambda x, r: x + r * torchcheck.to_torch(keep[:, None] / 0.6), [x, res], dout)
    out, cache = student.stochastic_depth_forward(x, res, {"survival_p": 0.6, "mode": "test"})
    grading.check_close("stochastic_depth_forward in test mode (x + residual)", out, x + res)
    grading.check_close("stochastic_depth_backward in test mode (dout, dout)", student.stochastic_depth_backward(dout, cache),
                        (dout, dout))
    big = np.ones((20000, 3))
    out, cache = student.stochastic_depth_forward(0 * big, big, {"survival_p": 0.3, "mode": "train"})   # no seed
    kept_rows = np.asarray(out)[:, 0] != 0
    grading.check(np.all(np.asarray(out) == np.asarray(out)[:, :1]), "stochastic_depth_forward: one draw per example "
                  "(row): an example keeps or drops its whole residual branch.")
    grading.check(abs(kept_rows.mean() - 0.3) < 0.02, f"stochastic_depth_forward with survival_p = 0.3 kept the branch "
                  f"of {kept_rows.mean():.3f} of the examples; expected about 0.3.")
    dx, dres = student.stochastic_depth_backward(2 * big, cache)
    grading.check_close("stochastic_depth_backward without a seed (the forward's draw, from the cache): dresidual",
                        dres, 2 * kept_rows[:, None] / 0.3 + 0 * big)
    grading.check_close("stochastic_depth_backward without a seed: dx (the identity path)", dx, 2 * big)
    hrng = np.random.default_rng(1606)
    for shape, p, seed in [((1, 3), 0.5, 0), ((9, 4), 0.8, 17), ((5, 2, 3, 3), 0.5, 7), ((6,), 0.25, 3), ((7, 2), 1.0, 1)]:
        args = [hrng.standard_normal(shape), hrng.standard_normal(shape)]
        for mode in ["train", "test"]:
            cfg = {"survival_p": p, "mode": mode, "seed": seed}
            grading.check_forward(student.stochastic_depth_forward, ref.stochastic_depth_forward, *args, cfg)
            grading.check_backward(student.stochastic_depth_forward, student.stochastic_depth_backward,
                                   ref.stochastic_depth_forward, ref.stochastic_depth_backward, args, {"sd_param": cfg},
                                   names=["dx", "dresidual"])
    grading.numpy_only(student.stochastic_depth_forward, *args, {"survival_p": 0.5, "mode": "train", "seed": 1})
    _ = grading.numpy_only(student.stochastic_depth_backward, args[0], student.stochastic_depth_forward(*args, cfg)[1])
