"""Trusted checks for 05_lr_schedules: one function per graded test cell, named as its grade_id.

They run in the grader's process (autograde/judge.py); ``student`` reaches the student's code in the sandbox.
"""
from trainlab.reference import schedules as ref
import math
import warnings

import numpy as np
import matplotlib.pyplot as plt
import torch
from torch.optim import lr_scheduler

from trainlab import grading, torchcheck
from trainlab.plots import plot_curves

RTOL, ATOL = torchcheck.tolerance("float64")


def torch_lrs(make_scheduler, steps, lr0):
    """The learning rate a torch scheduler uses at steps t = 0 .. steps-1 (read before each scheduler.step()).

    make_scheduler(optimizer) -> scheduler, e.g. lambda opt: lr_scheduler.StepLR(opt, step_size=30, gamma=0.1).
    """
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # SequentialLR's constructor steps its schedulers
        sched = make_scheduler(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(lrs)


def our_lrs(schedule, steps, start=0):
    """schedule(t) for t = start .. start + steps - 1, one integer at a time."""
    return np.array([schedule(t) for t in range(start, start + steps)], dtype=float)


def test_step_decay(student):
    """step_decay: whole runs next to MultiStepLR and StepLR, and the milestones themselves (1 point)"""
    ours = our_lrs(lambda e: student.step_decay(0.1, e), 120)
    grading.check_close("step_decay(0.1, epoch) for epochs 0..119 (vs MultiStepLR([30, 60, 90], gamma=0.1))", ours,
                        torch_lrs(lambda o: lr_scheduler.MultiStepLR(o, [30, 60, 90], gamma=0.1), 120, 0.1), RTOL, ATOL)
    ours = our_lrs(lambda e: student.step_decay(0.5, e, drop=0.3, milestones=(7, 14, 21, 28, 35)), 40)
    grading.check_close("step_decay(0.5, epoch, 0.3, (7, 14, ..., 35)) for epochs 0..39 (vs StepLR(step_size=7, gamma=0.3))", ours,
                        torch_lrs(lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.3), 40, 0.5), RTOL, ATOL)
    grading.check_close("step_decay(1.0, 29), step_decay(1.0, 30)", (student.step_decay(1.0, 29), student.step_decay(1.0, 30)), (1.0, 0.1))
    for lr0, drop, milestones in [(0.3, 0.5, (5,)), (2.0, 0.2, [3, 4, 10]), (0.01, 0.1, (30, 60, 90))]:
        for e in [0, 2, 3, 4, 5, 9, 10, 11, 29, 30, 31, 89, 90, 200]:
            grading.check_function(student.step_decay, ref.step_decay, lr0, e, drop, milestones)
    grading.check_function(student.step_decay, ref.step_decay, 0.7, 95)
    _ = grading.numpy_only(student.step_decay, 0.1, 45)


def test_exponential_decay(student):
    """exponential_decay: a whole run next to ExponentialLR (1 point)"""
    k = 0.05
    grading.check_close("exponential_decay(0.3, t, 0.05) for t = 0..199 (vs ExponentialLR(gamma=exp(-0.05)))",
                        our_lrs(lambda t: student.exponential_decay(0.3, t, k), 200),
                        torch_lrs(lambda o: lr_scheduler.ExponentialLR(o, gamma=math.exp(-k)), 200, 0.3), RTOL, ATOL)
    for t in [0, 1, 7, 100, 1000]:
        for lr0, k in [(1.0, 0.001), (0.05, 0.3), (3.0, 2.0)]:
            grading.check_function(student.exponential_decay, ref.exponential_decay, lr0, t, k)
    grading.numpy_only(student.exponential_decay, 0.1, 5, 0.1)


def test_inverse_time_decay(student):
    """inverse_time_decay: a whole run next to LambdaLR, halved at t = 1/k (0.5 points)"""
    grading.check_close("inverse_time_decay(0.2, t, 0.1) for t = 0..99 (vs LambdaLR)",
                        our_lrs(lambda t: student.inverse_time_decay(0.2, t, 0.1), 100),
                        torch_lrs(lambda o: lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + 0.1 * t)), 100, 0.2), RTOL, ATOL)
    grading.check_close("inverse_time_decay(0.2, 10, 0.1) (halved at t = 1/k)", student.inverse_time_decay(0.2, 10, 0.1), 0.1)
    for t in [0, 1, 7, 100, 1000]:
        for lr0, k in [(1.0, 0.001), (0.05, 0.3), (3.0, 2.0)]:
            grading.check_function(student.inverse_time_decay, ref.inverse_time_decay, lr0, t, k)
    grading.numpy_only(student.inverse_time_decay, 0.1, 5, 0.1)


def test_inverse_sqrt_decay(student):
    """inverse_sqrt_decay: a whole run next to LambdaLR (0.5 points)"""
    grading.check_close("inverse_sqrt_decay(0.3, t) for t = 1..100 (vs LambdaLR)",
                        our_lrs(lambda t: student.inverse_sqrt_decay(0.3, t), 100, 1),
                        torch_lrs(lambda o: lr_scheduler.LambdaLR(o, lambda t: (t + 1) ** -0.5), 100, 0.3), RTOL, ATOL)
    grading.check_close("inverse_sqrt_decay(0.3, 4)", student.inverse_sqrt_decay(0.3, 4), 0.15)
    for t in [1, 7, 100, 1000]:
        for lr0 in [1.0, 0.05, 3.0]:
            grading.check_function(student.inverse_sqrt_decay, ref.inverse_sqrt_decay, lr0, t)
    grading.numpy_only(student.inverse_sqrt_decay, 0.1, 5)


def test_cosine_decay(student):
    """cosine_decay: whole runs next to CosineAnnealingLR, t = 0 and t = T (1 point)"""
    for T in [10, 37]:
        grading.check_close(f"cosine_decay(0.1, t, {T}) for t = 0..{T} (vs CosineAnnealingLR(T_max={T}))",
                            our_lrs(lambda t: student.cosine_decay(0.1, t, T), T + 1),
                            torch_lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=T), T + 1, 0.1), RTOL, ATOL)
    grading.check_close("cosine_decay(0.1, t, 20) at t = 0, 10, 20", [student.cosine_decay(0.1, t, 20) for t in (0, 10, 20)],
                        [0.1, 0.05, 0.0], rtol=1e-12, atol=1e-15)
    for lr0, T in [(1.0, 1), (0.05, 7), (3.0, 1000)]:
        for t in sorted({0, 1, T // 3, T // 2, T - 1, T}):
            grading.check_function(student.cosine_decay, ref.cosine_decay, lr0, t, T)
    grading.numpy_only(student.cosine_decay, 0.1, 5, 10)


def test_linear_decay(student):
    """linear_decay: whole runs next to LinearLR, t = 0 and past T (1 point)"""
    for T in [10, 37]:
        grading.check_close(f"linear_decay(0.1, t, {T}) for t = 0..{T + 9} (vs LinearLR(1.0, 0.0, total_iters={T}))",
                            our_lrs(lambda t: student.linear_decay(0.1, t, T), T + 10),
                            torch_lrs(lambda o: lr_scheduler.LinearLR(o, 1.0, 0.0, total_iters=T), T + 10, 0.1), RTOL, ATOL)
    grading.check_close("linear_decay(0.1, t, 20) at t = 0, 5, 20, 30", [student.linear_decay(0.1, t, 20) for t in (0, 5, 20, 30)],
                        [0.1, 0.075, 0.0, 0.0], rtol=1e-12, atol=1e-15)
    for lr0, T in [(1.0, 1), (0.05, 7), (3.0, 1000)]:
        for t in sorted({0, 1, T // 3, T // 2, T - 1, T, T + 5}):
            grading.check_function(student.linear_decay, ref.linear_decay, lr0, t, T)
    grading.numpy_only(student.linear_decay, 0.1, 5, 10)


def test_linear_warmup(student):
    """linear_warmup: whole runs next to SequentialLR(LambdaLR warmup, CosineAnnealingLR), the boundaries (2 points)"""
    T, lr0 = 50, 0.4
    cosine = lambda t: 0.5 * lr0 * (1 + math.cos(math.pi * t / T))      # written out: this test checks only the warmup
    for w in [1, 5, 20]:
        ours = our_lrs(student.linear_warmup(cosine, w), w + T + 1)
        theirs = torch_lrs(lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.LambdaLR(o, lambda t: t / w),
                                                                   lr_scheduler.CosineAnnealingLR(o, T_max=T)],
                                                               milestones=[w]), w + T + 1, lr0)
        grading.check_close(f"linear_warmup(cosine, {w})(t) for t = 0..{w + T} (vs SequentialLR)", ours, theirs, RTOL, ATOL)
    sched = student.linear_warmup(cosine, 10)
    grading.check_close("linear_warmup(cosine, 10) at t = 0, 5, 9, 10 (the warmup step), 60 (= warmup + T)",
                        [sched(t) for t in (0, 5, 9, 10, 60)], [0.0, 0.2, 0.36, 0.4, 0.0], rtol=1e-12, atol=1e-15)
    step_sched = student.linear_warmup(lambda t: 1.0 if t < 3 else 0.5, 4)
    grading.check_close("linear_warmup(step schedule, 4) at t = 0..8", [step_sched(t) for t in range(9)],
                        [0, 0.25, 0.5, 0.75, 1, 1, 1, 0.5, 0.5])
    for inner, w, n in [(lambda t: ref.exponential_decay(0.3, t, 0.1), 7, 30), (lambda t: ref.step_decay(2.0, t, 0.5, (2, 5)), 3, 12),
                        (lambda t: ref.inverse_sqrt_decay(1.0, t + 1), 1, 10), (lambda t: ref.cosine_decay(0.1, t, 9), 0, 10),
                        (lambda t: ref.linear_decay(0.05, t, 4), 100, 110)]:
        grading.check_close(f"linear_warmup(schedule, {w})(t) for t = 0..{n - 1}", our_lrs(student.linear_warmup(inner, w), n),
                            our_lrs(ref.linear_warmup(inner, w), n))
    _ = grading.numpy_only(student.linear_warmup(lambda t: 0.1, 5), 3)


def test_cosine_with_restarts(student):
    """cosine_with_restarts: whole runs next to CosineAnnealingWarmRestarts, and the restarts (2 points)"""
    for T0, T_mult in [(10, 1), (3, 2)]:
        grading.check_close(f"cosine_with_restarts(0.1, t, {T0}, {T_mult}) for t = 0..99 (vs CosineAnnealingWarmRestarts)",
                            our_lrs(lambda t: student.cosine_with_restarts(0.1, t, T0, T_mult), 100),
                            torch_lrs(lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=T0, T_mult=T_mult), 100, 0.1),
                            RTOL, ATOL)
    grading.check_close("cosine_with_restarts(1.0, t, 10, 2) at t = 0, 5, 10 (restart), 20, 30 (restart), 69, 70 (restart)",
                        [student.cosine_with_restarts(1.0, t, 10, 2) for t in (0, 5, 10, 20, 30, 69, 70)],
                        [1.0, 0.5, 1.0, 0.5, 1.0, 0.5 * (1 + math.cos(math.pi * 39 / 40)), 1.0], rtol=1e-12, atol=1e-15)
    grading.check_close("cosine_with_restarts(1.0, 25, 10) (T_mult = 1 by default)", student.cosine_with_restarts(1.0, 25, 10), 0.5,
                        rtol=1e-12, atol=1e-15)
    for lr0, T0, T_mult in [(0.3, 1, 2), (2.0, 5, 3), (0.05, 7, 1), (1.0, 4, 1)]:
        for t in [0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 14, 15, 20, 21, 27, 28, 64, 100, 121, 500]:
            grading.check_function(student.cosine_with_restarts, ref.cosine_with_restarts, lr0, t, T0, T_mult)
    grading.check_function(student.cosine_with_restarts, ref.cosine_with_restarts, 0.5, 33, 8)
    _ = grading.numpy_only(student.cosine_with_restarts, 0.1, 25, 10, 2)


def test_ema_update(student):
    """ema_update: next to torch's AveragedModel with an EMA over 20 updates, and by hand (1 point)"""
    rng = np.random.default_rng(0)
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
    layer = torch.nn.Linear(4, 3).double()
    ema_model = AveragedModel(layer, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    ema_model.update_parameters(layer)                                       # the first update copies the weights
    ours = [p.detach().numpy().copy() for p in layer.parameters()]
    for step in range(20):
        with torch.no_grad():
            for p in layer.parameters():
                p.add_(torch.tensor(rng.standard_normal(p.shape)))
        ema_model.update_parameters(layer)
        ours = [student.ema_update(a, p.detach().numpy().copy(), 0.9) for a, p in zip(ours, layer.parameters())]
    grading.check_close("ema_update: the averaged weight and bias after 20 updates (vs AveragedModel)", ours,
                        [p.detach().numpy() for p in ema_model.module.parameters()], RTOL, ATOL)
    grading.check_close("ema_update(1.0, 3.0, 0.75)", student.ema_update(1.0, 3.0, 0.75), 1.5)
    hrng = np.random.default_rng(5501)
    for shape, decay in [((5,), 0.99), ((3, 4), 0.5), ((1, 1), 0.0), ((2, 3, 2), 0.999)]:
        grading.check_function(student.ema_update, ref.ema_update, hrng.standard_normal(shape), hrng.standard_normal(shape), decay)
    grading.check_function(student.ema_update, ref.ema_update, 2.5, -1.0, 0.9)
    _ = grading.numpy_only(student.ema_update, hrng.standard_normal(3), hrng.standard_normal(3), 0.9)


def test_polyak_average(student):
    """polyak_average: next to torch's AveragedModel (uniform average) over 20 updates, the mean, t = 1 (1 point)"""
    rng = np.random.default_rng(55)
    from torch.optim.swa_utils import AveragedModel
    layer = torch.nn.Linear(4, 3).double()
    swa_model = AveragedModel(layer)                                  # default: the uniform (SWA) average
    ours = [np.zeros(p.shape) for p in layer.parameters()]            # ignored at t = 1
    for t in range(1, 21):
        with torch.no_grad():
            for p in layer.parameters():
                p.add_(torch.tensor(rng.standard_normal(p.shape)))
        swa_model.update_parameters(layer)
        ours = [student.polyak_average(a, p.detach().numpy().copy(), t) for a, p in zip(ours, layer.parameters())]
    grading.check_close("polyak_average: the averaged weight and bias after 20 updates (vs AveragedModel)", ours,
                        [p.detach().numpy() for p in swa_model.module.parameters()], RTOL, ATOL)
    values, avg = [3.0, -1.0, 4.0, 1.0, 5.0], 0.0
    for t, v in enumerate(values, 1):
        avg = student.polyak_average(avg, v, t)
    grading.check_close("polyak_average over 3, -1, 4, 1, 5 (their mean)", avg, 2.4, rtol=1e-12, atol=1e-15)
    grading.check_close("polyak_average(123.0, 2.0, 1) (t = 1: the first value; avg is ignored)",
                        student.polyak_average(123.0, 2.0, 1), 2.0)
    hrng = np.random.default_rng(5502)
    for shape, t in [((5,), 2), ((3, 4), 7), ((1, 1), 1), ((2, 3, 2), 1000), ((4,), 1)]:
        grading.check_function(student.polyak_average, ref.polyak_average, hrng.standard_normal(shape),
                               hrng.standard_normal(shape), t)
    grading.check_function(student.polyak_average, ref.polyak_average, 1e8 * hrng.standard_normal(3), hrng.standard_normal(3), 3)
    grading.check_function(student.polyak_average, ref.polyak_average, 2.5, -1.0, 4)
    _ = grading.numpy_only(student.polyak_average, hrng.standard_normal(3), hrng.standard_normal(3), 3)
