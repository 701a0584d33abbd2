"""trainlab.reference.babysitting: log-uniform sampling, random-search bookkeeping, the update/weight ratio."""
import math

import numpy as np
import pytest
from scipy import stats

from trainlab.reference import babysitting as ref


def test_sample_log_uniform_distribution_of_the_logarithm():
    x = ref.sample_log_uniform(1e-5, 1e-1, 20_000, np.random.default_rng(0))
    assert x.shape == (20_000,) and x.min() >= 1e-5 and x.max() <= 1e-1
    assert stats.kstest(np.log10(x), stats.uniform(loc=-5, scale=4).cdf).pvalue > 0.01
    decades = np.histogram(np.log10(x), bins=[-5, -4, -3, -2, -1])[0] / len(x)
    np.testing.assert_allclose(decades, 0.25, atol=4 * math.sqrt(0.25 * 0.75 / len(x)))
    # a uniform draw fails the same test
    u = np.random.default_rng(0).uniform(1e-5, 1e-1, 20_000)
    assert stats.kstest(np.log10(u), stats.uniform(loc=-5, scale=4).cdf).pvalue < 1e-6


def test_sample_log_uniform_draw_convention():
    """One rng.uniform call on the log10 bounds: equal to exp of a uniform draw on the natural-log bounds."""
    a = ref.sample_log_uniform(3e-4, 2.0, (3, 5), np.random.default_rng(7))
    r = np.random.default_rng(7)
    b = np.exp(np.log(3e-4) + (np.log(2.0) - np.log(3e-4)) * r.random((3, 5)))
    np.testing.assert_allclose(a, b, rtol=1e-12)
    assert isinstance(ref.sample_log_uniform(1e-2, 1.0, None, np.random.default_rng(0)), float)
    np.testing.assert_allclose(ref.sample_log_uniform(1e-3, 1e-3, 4, np.random.default_rng(0)), 1e-3, rtol=1e-12)


def test_random_search_bookkeeping():
    calls = []

    def evaluate(lr, reg):
        calls.append((lr, reg))
        return {"score": float("nan") if lr > 1 else -abs(math.log10(lr) + 2), "extra": [lr]}

    space = {"lr": (1e-4, 1e1), "reg": (1e-5, 1e-1)}
    records = ref.random_search(evaluate, space, 40, np.random.default_rng(3))
    r = np.random.default_rng(3)
    lr, reg = ref.sample_log_uniform(1e-4, 1e1, 40, r), ref.sample_log_uniform(1e-5, 1e-1, 40, r)
    assert calls == [(float(a), float(b)) for a, b in zip(lr, reg)]          # evaluated in trial order
    assert sorted(rec["trial"] for rec in records) == list(range(40))
    for rec in records:
        assert rec["params"] == {"lr": lr[rec["trial"]], "reg": reg[rec["trial"]]} and rec["extra"] == [rec["params"]["lr"]]
    scores = np.array([rec["score"] for rec in records])
    n = int(np.isfinite(scores).sum())
    assert 0 < n < 40 and np.isnan(scores[n:]).all() and (np.diff(scores[:n]) <= 0).all()


def test_random_search_ties_keep_trial_order_and_inf_goes_last():
    records = ref.random_search(lambda x: {"score": -np.inf if x > 0.5 else 1.0}, {"x": (1e-2, 1.0)}, 50,
                                np.random.default_rng(0))
    finite = [r["trial"] for r in records if np.isfinite(r["score"])]
    assert finite == sorted(finite) and all(not np.isfinite(r["score"]) for r in records[len(finite):])


def test_update_ratio_known_values_and_torch():
    assert ref.update_ratio(np.array([[3.0, 4.0]]), np.array([[6.0, 8.0]]), 1e-3) == pytest.approx(0.002, rel=1e-14)
    assert ref.update_ratio(np.ones((2, 3, 4)), 2 * np.ones((2, 3, 4)), 0.5) == pytest.approx(1.0, rel=1e-14)
    assert ref.update_ratio(np.ones(3), np.ones(3), 0.0) == 0.0
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    W, dW = rng.standard_normal((64, 100)), rng.standard_normal((64, 100))
    expected = (torch.linalg.norm(0.3 * torch.from_numpy(dW)) / torch.linalg.norm(torch.from_numpy(W))).item()
    assert ref.update_ratio(W, dW, 0.3) == pytest.approx(expected, rel=1e-12)
