"""Trusted checks for 03_batchnorm: one function per graded test cell, named as its grade_id.

They run in the grader's process (autograde/judge.py); ``student`` reaches the student's code in the sandbox.
"""
from trainlab.reference import batchnorm as ref
import copy
import timeit

import numpy as np
import matplotlib.pyplot as plt

from trainlab import gradcheck, grading, torchcheck
from trainlab.data import load_digits
from trainlab.plots import plot_curves
from trainlab.train import softmax_loss, train, sgd


def test_bn_forward(student):
    """batchnorm_forward: statistics, PyTorch (train and test mode), running averages (3 points)"""
    rng = np.random.default_rng(0)
    import torch
    import torch.nn.functional as F
    N, D = 200, 4
    x = 5 * rng.standard_normal((N, D)) + 12
    out, _ = student.batchnorm_forward(x, np.ones(D), np.zeros(D), {"mode": "train"})
    grading.check_close("train mode, gamma=1, beta=0: mean of out over the batch", out.mean(axis=0), np.zeros(D), atol=1e-9)
    grading.check_close("train mode, gamma=1, beta=0: std of out over the batch", out.std(axis=0), np.ones(D), rtol=1e-5)
    gamma, beta = np.array([1.0, 3.0, -2.0, 0.5]), np.array([0.0, -1.0, 4.0, 2.0])
    out, _ = student.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    grading.check_close("train mode: mean of out (should be beta)", out.mean(axis=0), beta, atol=1e-9)
    grading.check_close("train mode: std of out (should be |gamma|)", out.std(axis=0), np.abs(gamma), rtol=1e-5)
    grading.check_torch("batchnorm_forward (train) vs F.batch_norm(training=True)", out,
                        lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-5), [x, gamma, beta])
    # running averages over 30 batches, compared with PyTorch (momentum 1 - 0.9; unbiased running_var)
    bn_param = {"mode": "train", "momentum": 0.9}
    dev = torchcheck.device()
    rm_t, rv_t = torch.zeros(D, dtype=torch.float64, device=dev), torch.zeros(D, dtype=torch.float64, device=dev)
    nb = 16
    for _ in range(30):                  # bn_param as the student's function left it: the contract updates it in place
        xb = 5 * rng.standard_normal((nb, D)) + 12
        _, (_, _, _, bn_param), _ = student.batchnorm_forward.returning_inputs(xb, gamma, beta, bn_param)
        grading.check(isinstance(bn_param, dict), "batchnorm_forward must keep bn_param a dict.")
        F.batch_norm(torchcheck.to_torch(xb), rm_t, rv_t, training=True, momentum=0.1, eps=1e-5)
    grading.check_close("bn_param['running_mean'] after 30 batches (vs PyTorch)", bn_param.get("running_mean"),
                        torchcheck.to_numpy(rm_t), *torchcheck.tolerance("float64", dev))
    grading.check_close("bn_param['running_var'] after 30 batches (vs PyTorch's x (N-1)/N)", bn_param.get("running_var"),
                        torchcheck.to_numpy(rv_t) * (nb - 1) / nb, *torchcheck.tolerance("float64", dev))
    # test mode: the running averages, unchanged
    grading.check("running_mean" in bn_param and "running_var" in bn_param,
                  "batchnorm_forward in train mode must store running_mean and running_var in bn_param.")
    test_param = {"mode": "test", "running_mean": bn_param["running_mean"].copy(), "running_var": bn_param["running_var"].copy()}
    (out, _), (_, _, _, test_param), _ = student.batchnorm_forward.returning_inputs(x, gamma, beta, test_param)
    grading.check_torch("batchnorm_forward (test) vs F.batch_norm(training=False)", out,
                        lambda x, g, b: F.batch_norm(x, torchcheck.to_torch(bn_param["running_mean"], dev=x.device),
                                                     torchcheck.to_torch(bn_param["running_var"], dev=x.device),
                                                     g, b, training=False, eps=1e-5), [x, gamma, beta])
    grading.check_close("test mode must not change running_mean", test_param["running_mean"], bn_param["running_mean"])


    def compare_bn(x, gamma, beta, bn_param, label):
        grading.check_forward(student.batchnorm_forward, ref.batchnorm_forward, x, gamma, beta, copy.deepcopy(bn_param))
        s_param, r_param = copy.deepcopy(bn_param), copy.deepcopy(bn_param)
        for call in (1, 2):
            (s_out, _), (*_, s_param), _ = student.batchnorm_forward.returning_inputs(x, gamma, beta, s_param)
            r_out, _ = ref.batchnorm_forward(x.copy(), gamma.copy(), beta.copy(), r_param)
            grading.check_close(f"batchnorm_forward, {label}, call {call}: out", s_out, r_out)
            grading.check_close(f"batchnorm_forward, {label}, call {call}: bn_param", s_param, r_param)


    hrng = np.random.default_rng(3301)
    for n, d, extra in [(7, 3, {}), (1, 5, {}), (12, 1, {"momentum": 0.5, "eps": 1e-3}), (30, 6, {"momentum": 0.99})]:
        xh = 3 * hrng.standard_normal((n, d)) - 7
        gh, bh = hrng.standard_normal(d), hrng.standard_normal(d)
        compare_bn(xh, gh, bh, {"mode": "train", **extra}, f"train, N={n}, D={d}, {extra}")
        rp = {"mode": "train", "running_mean": hrng.standard_normal(d), "running_var": hrng.uniform(0.5, 2, d), **extra}
        compare_bn(xh, gh, bh, rp, f"train with running averages, N={n}, D={d}")
        compare_bn(xh, gh, bh, dict(rp, mode="test"), f"test mode, N={n}, D={d}")
    xh = 100 * hrng.standard_normal((9, 4)) + 1000
    compare_bn(xh, np.ones(4), np.zeros(4), {"mode": "train"}, "large offsets")
    compare_bn(np.zeros((5, 3)), np.ones(3), np.zeros(3), {"mode": "train"}, "zeros")
    _ = grading.numpy_only(student.batchnorm_forward, xh, np.ones(4), np.zeros(4), {"mode": "train"})


def test_bn_backward(student):
    """batchnorm_backward: numerical gradients on shifted, scaled inputs, and PyTorch (3 points)"""
    rng = np.random.default_rng(30)   # inputs whose numerical gradients are well conditioned
    import torch.nn.functional as F
    N, D = 6, 4
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    names = ["dx", "dgamma", "dbeta"]
    grading.check_gradients(student.batchnorm_forward, student.batchnorm_backward, [x, gamma, beta], kwargs={"bn_param": {"mode": "train"}},
                            names=names)
    dout = rng.standard_normal((N, D))
    out, cache = student.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    grading.check_torch("batchnorm train (out, (dx, dgamma, dbeta))", (out, student.batchnorm_backward(dout, cache)),
                        lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-5), [x, gamma, beta], dout)
    rm, rv = np.full(D, 11.0), np.full(D, 20.0)          # test mode: gradients with the running averages as constants
    grading.check_gradients(student.batchnorm_forward, student.batchnorm_backward, [x, gamma, beta],
                            kwargs={"bn_param": {"mode": "test", "running_mean": rm, "running_var": rv}}, names=names)
    hrng = np.random.default_rng(3302)
    for n, d, mode in [(8, 3, "train"), (1, 4, "train"), (5, 7, "test"), (20, 2, "train")]:
        xh = 4 * hrng.standard_normal((n, d)) + 3
        args = [xh, hrng.standard_normal(d), hrng.standard_normal(d)]
        bp = {"mode": mode, "running_mean": hrng.standard_normal(d), "running_var": hrng.uniform(0.5, 2, d)}
        grading.check_backward(student.batchnorm_forward, student.batchnorm_backward, ref.batchnorm_forward, ref.batchnorm_backward, args,
                               {"bn_param": bp}, names=names, seed=n)
    _ = grading.numpy_only(student.batchnorm_backward, hrng.standard_normal((n, d)), student.batchnorm_forward(*args, {"mode": "train"})[1])


def test_bn_backward_alt(student):
    """batchnorm_backward_alt: numerical gradients and PyTorch, train and test mode (2 points)"""
    rng = np.random.default_rng(30)   # inputs whose numerical gradients are well conditioned
    import torch.nn.functional as F
    N, D = 5, 3
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    names = ["dx", "dgamma", "dbeta"]
    rm, rv = np.full(D, 11.0), np.full(D, 20.0)
    grading.check_gradients(student.batchnorm_forward, student.batchnorm_backward_alt, [x, gamma, beta], kwargs={"bn_param": {"mode": "train"}},
                            names=names)
    x2 = 5 * rng.standard_normal((50, 7)) + 12
    g2, b2, dout2 = rng.standard_normal(7), rng.standard_normal(7), rng.standard_normal((50, 7))
    out2, cache = student.batchnorm_forward(x2, g2, b2, {"mode": "train"})
    grading.check_torch("batchnorm train (out, batchnorm_backward_alt)", (out2, student.batchnorm_backward_alt(dout2, cache)),
                        lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-5), [x2, g2, b2], dout2)
    grading.check_gradients(student.batchnorm_forward, student.batchnorm_backward_alt, [x, gamma, beta],
                            kwargs={"bn_param": {"mode": "test", "running_mean": rm, "running_var": rv}}, names=names)
    hrng = np.random.default_rng(3303)
    for n, d, mode in [(9, 2, "train"), (1, 3, "train"), (4, 6, "test"), (33, 5, "train")]:
        xh = 2 * hrng.standard_normal((n, d)) - 5
        args = [xh, hrng.standard_normal(d), hrng.standard_normal(d)]
        bp = {"mode": mode, "running_mean": hrng.standard_normal(d), "running_var": hrng.uniform(0.5, 2, d)}
        grading.check_backward(student.batchnorm_forward, student.batchnorm_backward_alt, ref.batchnorm_forward, ref.batchnorm_backward_alt,
                               args, {"bn_param": bp}, names=names, seed=n + 1)
    _ = grading.numpy_only(student.batchnorm_backward_alt, hrng.standard_normal((n, d)), student.batchnorm_forward(*args, {"mode": "train"})[1])


def test_layernorm(student):
    """layernorm: statistics per example, numerical gradients, PyTorch F.layer_norm (3 points)"""
    rng = np.random.default_rng(0)
    import torch.nn.functional as F
    names = ["dx", "dgamma", "dbeta"]
    N, D = 4, 6
    x = 5 * rng.standard_normal((N, D)) + 12
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    out, _ = student.layernorm_forward(x, np.ones(D), np.zeros(D), {})
    grading.check_close("layernorm, gamma=1, beta=0: mean of each row", out.mean(axis=1), np.zeros(N), atol=1e-9)
    grading.check_close("layernorm, gamma=1, beta=0: std of each row", out.std(axis=1), np.ones(N), rtol=1e-5)
    grading.check_gradients(student.layernorm_forward, student.layernorm_backward, [x, gamma, beta], kwargs={"ln_param": {}}, names=names)
    dout = rng.standard_normal((N, D))
    out, cache = student.layernorm_forward(x, gamma, beta, {})
    grading.check_torch("layernorm (out, (dx, dgamma, dbeta))", (out, student.layernorm_backward(dout, cache)),
                        lambda x, g, b: F.layer_norm(x, (D,), g, b, eps=1e-5), [x, gamma, beta], dout)
    hrng = np.random.default_rng(3304)
    for n, d, lp in [(3, 8, {}), (1, 5, {}), (6, 2, {"eps": 1e-2}), (2, 1, {})]:
        args = [3 * hrng.standard_normal((n, d)) + 20, hrng.standard_normal(d), hrng.standard_normal(d)]
        grading.check_forward(student.layernorm_forward, ref.layernorm_forward, *args, lp)
        grading.check_backward(student.layernorm_forward, student.layernorm_backward, ref.layernorm_forward, ref.layernorm_backward, args,
                               {"ln_param": lp}, names=names, seed=d)
    _ = grading.numpy_only(student.layernorm_backward, hrng.standard_normal((n, d)), student.layernorm_forward(*args, {})[1])


def test_spatial_bn(student):
    """spatial batch norm: PyTorch F.batch_norm on (N, C, H, W) in train and test mode, numerical gradients (2 points)"""
    rng = np.random.default_rng(0)
    import torch.nn.functional as F
    names = ["dx", "dgamma", "dbeta"]
    N, C, H, W = 3, 4, 5, 2
    x = 5 * rng.standard_normal((N, C, H, W)) + 12
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    dout = rng.standard_normal((N, C, H, W))
    (out, cache), (*_, bn_param), _ = student.spatial_batchnorm_forward.returning_inputs(x, gamma, beta, {"mode": "train"})
    grading.check_torch("spatial batchnorm train (out, (dx, dgamma, dbeta))", (out, student.spatial_batchnorm_backward(dout, cache)),
                        lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-5), [x, gamma, beta], dout)
    grading.check_close("bn_param['running_mean'] after one call (0.1 x the channel means)", bn_param.get("running_mean"),
                        0.1 * x.mean(axis=(0, 2, 3)))
    grading.check_close("bn_param['running_var'] after one call (0.1 x the channel variances)", bn_param.get("running_var"),
                        0.1 * x.var(axis=(0, 2, 3)))
    out, _ = student.spatial_batchnorm_forward(x, gamma, beta, dict(bn_param, mode="test"))
    grading.check_torch("spatial batchnorm test vs F.batch_norm(training=False)", out,
                        lambda x, g, b: F.batch_norm(x, torchcheck.to_torch(bn_param["running_mean"], dev=x.device),
                                                     torchcheck.to_torch(bn_param["running_var"], dev=x.device),
                                                     g, b, training=False, eps=1e-5), [x, gamma, beta])
    xs4 = 5 * rng.standard_normal((2, 3, 2, 2)) + 12
    grading.check_gradients(student.spatial_batchnorm_forward, student.spatial_batchnorm_backward, [xs4, rng.standard_normal(3), rng.standard_normal(3)],
                            kwargs={"bn_param": {"mode": "train"}}, names=names)
    hrng = np.random.default_rng(3305)
    for shape, mode in [((2, 3, 4, 5), "train"), ((1, 2, 1, 1), "train"), ((4, 1, 3, 3), "test"), ((3, 5, 2, 1), "train")]:
        c = shape[1]
        args = [2 * hrng.standard_normal(shape) + 4, hrng.standard_normal(c), hrng.standard_normal(c)]
        bp = {"mode": mode, "running_mean": hrng.standard_normal(c), "running_var": hrng.uniform(0.5, 2, c), "momentum": 0.8}
        grading.check_forward(student.spatial_batchnorm_forward, ref.spatial_batchnorm_forward, *args, copy.deepcopy(bp))
        r_bp = copy.deepcopy(bp)
        _, (*_, s_bp), _ = student.spatial_batchnorm_forward.returning_inputs(*args, bp)
        ref.spatial_batchnorm_forward(*copy.deepcopy(args), r_bp)
        grading.check_close(f"spatial_batchnorm_forward {shape} {mode}: bn_param", s_bp, r_bp)
        grading.check_backward(student.spatial_batchnorm_forward, student.spatial_batchnorm_backward, ref.spatial_batchnorm_forward,
                               ref.spatial_batchnorm_backward, args, {"bn_param": bp}, names=names, seed=c)
    _ = grading.numpy_only(student.spatial_batchnorm_forward, *args, {"mode": "train"})


def test_groupnorm(student):
    """group norm: PyTorch F.group_norm for G = 1, 2, C (instance norm), numerical gradients (3 points)"""
    rng = np.random.default_rng(0)
    import torch.nn.functional as F
    names = ["dx", "dgamma", "dbeta"]
    N, C, H, W = 2, 6, 3, 2
    x = 5 * rng.standard_normal((N, C, H, W)) + 12
    gamma, beta = rng.standard_normal((1, C, 1, 1)), rng.standard_normal((1, C, 1, 1))
    dout = rng.standard_normal((N, C, H, W))
    for G in [1, 2, C]:
        out, cache = student.groupnorm_forward(x, gamma, beta, G, {})
        dx, dgamma, dbeta = student.groupnorm_backward(dout, cache)
        grading.check(np.shape(dgamma) == (1, C, 1, 1) and np.shape(dbeta) == (1, C, 1, 1),
                      f"groupnorm_backward: dgamma and dbeta must have gamma's shape (1, {C}, 1, 1), "
                      f"got {np.shape(dgamma)} and {np.shape(dbeta)}.")
        grading.check_torch(f"groupnorm G={G} (out, (dx, dgamma, dbeta))", (out, (dx, dgamma.ravel(), dbeta.ravel())),
                            lambda x, g, b, G=G: F.group_norm(x, G, g, b, eps=1e-5), [x, gamma.ravel(), beta.ravel()], dout)
    grading.check_gradients(student.groupnorm_forward, student.groupnorm_backward, [x[:, :, :2, :1], gamma, beta], kwargs={"G": 3, "gn_param": {}},
                            names=names)
    hrng = np.random.default_rng(3306)
    for shape, G, gp in [((2, 4, 3, 3), 2, {}), ((1, 6, 2, 1), 3, {}), ((3, 4, 1, 2), 4, {"eps": 1e-3}), ((2, 5, 2, 2), 1, {})]:
        c = shape[1]
        args = [3 * hrng.standard_normal(shape) - 6, hrng.standard_normal((1, c, 1, 1)), hrng.standard_normal((1, c, 1, 1))]
        grading.check_forward(student.groupnorm_forward, ref.groupnorm_forward, *args, G, gp)
        grading.check_backward(student.groupnorm_forward, student.groupnorm_backward, ref.groupnorm_forward, ref.groupnorm_backward, args,
                               {"G": G, "gn_param": gp}, names=names, seed=G)
    _ = grading.numpy_only(student.groupnorm_forward, *args, 1, {})
