"""trainlab.reference.schedules against torch.optim.lr_scheduler over whole runs, and hand-computed
values at the boundaries (t = 0, t = T, the warmup step, the restarts)."""
import math
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as S

from trainlab.reference import schedules as ref

RTOL, ATOL = 1e-10, 1e-14


def torch_lrs(make_scheduler, steps, lr0):
    """The learning rate torch uses at steps 0 .. steps-1 (read before each scheduler.step())."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # SequentialLR's constructor steps its schedulers
        sched = make_scheduler(opt)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(lrs)


def ours(fn, steps, *args):
    """fn called with one int t at a time (as a student's function would be), and with the whole array."""
    one_by_one = np.array([fn(t, *args) for t in range(steps)])
    np.testing.assert_allclose(fn(np.arange(steps), *args), one_by_one, rtol=1e-15, atol=0)
    return one_by_one


def test_step_decay_multistep_and_step():
    got = ours(lambda t: ref.step_decay(0.1, t), 120)
    np.testing.assert_allclose(got, torch_lrs(lambda o: S.MultiStepLR(o, [30, 60, 90], gamma=0.1), 120, 0.1),
                               rtol=RTOL, atol=ATOL)
    got = ours(lambda t: ref.step_decay(0.5, t, drop=0.3, milestones=(7, 14, 21, 28)), 33)
    np.testing.assert_allclose(got, torch_lrs(lambda o: S.StepLR(o, step_size=7, gamma=0.3), 33, 0.5),
                               rtol=RTOL, atol=ATOL)
    assert ref.step_decay(1.0, 29) == 1.0 and ref.step_decay(1.0, 30) == pytest.approx(0.1)
    assert ref.step_decay(1.0, 90) == pytest.approx(1e-3)


def test_exponential_decay():
    k = 0.05
    got = ours(lambda t: ref.exponential_decay(0.3, t, k), 200)
    np.testing.assert_allclose(got, torch_lrs(lambda o: S.ExponentialLR(o, gamma=math.exp(-k)), 200, 0.3),
                               rtol=1e-12, atol=ATOL)


def test_inverse_time_decay():
    got = ours(lambda t: ref.inverse_time_decay(0.2, t, 0.1), 100)
    np.testing.assert_allclose(got, torch_lrs(lambda o: S.LambdaLR(o, lambda t: 1 / (1 + 0.1 * t)), 100, 0.2),
                               rtol=RTOL, atol=ATOL)
    assert ref.inverse_time_decay(0.2, 10, 0.1) == pytest.approx(0.1)


@pytest.mark.parametrize("T", [10, 37, 200])
def test_cosine_decay(T):
    got = ours(lambda t: ref.cosine_decay(0.1, t, T), T + 1)
    np.testing.assert_allclose(got, torch_lrs(lambda o: S.CosineAnnealingLR(o, T_max=T), T + 1, 0.1),
                               rtol=1e-9, atol=1e-15)
    assert got[0] == 0.1 and abs(got[T]) < 1e-17
    assert ref.cosine_decay(0.1, T / 2, T) == pytest.approx(0.05)


@pytest.mark.parametrize("T", [10, 64])
def test_linear_decay(T):
    got = ours(lambda t: ref.linear_decay(0.1, t, T), T + 20)
    np.testing.assert_allclose(got, torch_lrs(lambda o: S.LinearLR(o, 1.0, 0.0, total_iters=T), T + 20, 0.1),
                               rtol=1e-9, atol=1e-15)
    assert got[0] == 0.1 and got[T] == 0 and np.all(got[T:] == 0)


def test_inverse_sqrt_decay():
    got = np.array([ref.inverse_sqrt_decay(0.3, t) for t in range(1, 101)])
    np.testing.assert_allclose(got, torch_lrs(lambda o: S.LambdaLR(o, lambda t: (t + 1) ** -0.5), 100, 0.3),
                               rtol=RTOL, atol=ATOL)
    assert ref.inverse_sqrt_decay(0.3, 1) == 0.3 and ref.inverse_sqrt_decay(0.3, 4) == 0.15


@pytest.mark.parametrize("w", [1, 5, 20])
def test_linear_warmup_then_cosine(w):
    T, lr0 = 50, 0.4
    sched = ref.linear_warmup(lambda t: ref.cosine_decay(lr0, t, T), w)
    got = ours(sched, w + T + 1)
    expected = torch_lrs(lambda o: S.SequentialLR(o, [S.LambdaLR(o, lambda t: t / w), S.CosineAnnealingLR(o, T_max=T)],
                                                  milestones=[w]), w + T + 1, lr0)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-15)
    assert got[0] == 0.0                                     # t = 0
    assert got[w - 1] == pytest.approx(lr0 * (w - 1) / w)   # last warmup step
    assert got[w] == lr0                                     # the warmup step: the schedule's start
    assert abs(got[w + T]) < 1e-17                           # t = warmup + T


def test_linear_warmup_of_step_decay_and_zero_warmup():
    sched = ref.linear_warmup(lambda t: ref.step_decay(1.0, t, 0.5, (3,)), 4)
    assert [sched(t) for t in range(9)] == pytest.approx([0, 0.25, 0.5, 0.75, 1, 1, 1, 0.5, 0.5])
    plain = ref.linear_warmup(lambda t: ref.cosine_decay(1.0, t, 10), 0)
    assert [plain(t) for t in range(11)] == pytest.approx([ref.cosine_decay(1.0, t, 10) for t in range(11)])


@pytest.mark.parametrize("T0,T_mult", [(10, 1), (7, 1), (3, 2), (5, 3), (1, 2)])
def test_cosine_with_restarts(T0, T_mult):
    steps = 200
    got = ours(lambda t: ref.cosine_with_restarts(0.1, t, T0, T_mult), steps)
    expected = torch_lrs(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=T0, T_mult=T_mult), steps, 0.1)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-15)
    starts = [T0 * (T_mult ** n - 1) // (T_mult - 1) if T_mult > 1 else n * T0 for n in range(6)]
    for s in starts:
        if s < steps:
            assert got[s] == pytest.approx(0.1)                # a warm restart at every cycle start
    assert ref.cosine_with_restarts(0.1, T0 - 1, T0, T_mult) == pytest.approx(ref.cosine_decay(0.1, T0 - 1, T0))


def test_cosine_with_restarts_large_t_exact_boundaries():
    t = np.array([2 ** k - 1 for k in range(1, 40)])          # every restart of T0 = 1, T_mult = 2
    np.testing.assert_allclose(ref.cosine_with_restarts(1.0, t, 1, 2), 1.0)
    np.testing.assert_allclose(ref.cosine_with_restarts(1.0, t - 1, 1, 2)[1:], 0.5 * (1 + np.cos(np.pi * (1 - 2.0 ** -np.arange(1, 39)))))


def test_ema_update_matches_torch_averaged_model():
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    rng = np.random.default_rng(3)
    lin = torch.nn.Linear(4, 3).double()
    ema_model = AveragedModel(lin, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    avg = [p.detach().numpy().copy() for p in lin.parameters()]
    for _ in range(20):
        with torch.no_grad():
            for p in lin.parameters():
                p.add_(torch.tensor(rng.standard_normal(p.shape)))
        ema_model.update_parameters(lin)
        if ema_model.n_averaged.item() > 1:                  # torch copies the weights at its first update
            avg = [ref.ema_update(a, p.detach().numpy(), 0.9) for a, p in zip(avg, lin.parameters())]
        else:
            avg = [p.detach().numpy().copy() for p in lin.parameters()]
    for a, p in zip(avg, ema_model.module.parameters()):
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_ema_update_values():
    assert ref.ema_update(1.0, 3.0, 0.75) == 1.5
    np.testing.assert_allclose(ref.ema_update(np.zeros(3), np.ones(3), 0.9), 0.1)
    avg = 0.0
    for _ in range(1000):
        avg = ref.ema_update(avg, 2.0, 0.99)
    assert avg == pytest.approx(2.0, rel=1e-4)


def test_polyak_average_matches_torch_swa_and_the_mean():
    from torch.optim.swa_utils import AveragedModel

    rng = np.random.default_rng(4)
    lin = torch.nn.Linear(4, 3).double()
    swa = AveragedModel(lin)                                  # default: the uniform (SWA) average
    avg, values = None, []
    for t in range(1, 21):
        with torch.no_grad():
            for p in lin.parameters():
                p.add_(torch.tensor(rng.standard_normal(p.shape)))
        swa.update_parameters(lin)
        new = [p.detach().numpy().copy() for p in lin.parameters()]
        values.append(new)
        avg = [ref.polyak_average(None if avg is None else a, x, t) for a, x in
               zip(avg if avg is not None else [None] * len(new), new)]
    for k, (a, p) in enumerate(zip(avg, swa.module.parameters())):
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a, np.mean([v[k] for v in values], axis=0), rtol=1e-12, atol=1e-14)


def test_polyak_average_values():
    assert ref.polyak_average(123.0, 2.0, 1) == 2.0           # t = 1: the first value, avg ignored
    assert ref.polyak_average(2.0, 5.0, 2) == 3.5
    assert ref.polyak_average(3.0, 7.0, 3) == pytest.approx(13 / 3)
    a = np.zeros(3)
    ref.polyak_average(a, np.ones(3), 2)
    np.testing.assert_array_equal(a, 0.0)                     # not in place
