"""trainlab.reference.optimizers against torch.optim (float64, several steps, state included),
CS231n's published test vectors, and the properties 04_optimizers teaches."""
import math

import numpy as np
import pytest
import torch

from trainlab import grading
from trainlab.reference import optimizers as ref

RTOL, ATOL = 1e-10, 1e-12


def torch_run(opt_class, w, grads, state=None, **hyper):
    """Run ``opt_class`` on a float64 copy of w with the given gradients, from ``state``.

    state: torch's per-parameter state (NumPy arrays / numbers), e.g. {"momentum_buffer": v}.
    Returns (weights after each step, final state as NumPy).
    """
    p = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))
    opt = opt_class([p], **hyper)
    if state:
        opt.state[p].update({k: torch.tensor(v, dtype=torch.float32 if k == "step" else torch.float64)
                             for k, v in state.items()})
    ws = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        ws.append(p.detach().numpy().copy())
    final = {k: (v.item() if v.ndim == 0 else v.detach().numpy().copy()) for k, v in opt.state[p].items()}
    return ws, final


def our_run(rule, w, grads, config):
    ws = []
    for g in grads:
        w, config = rule(w, g, config)
        ws.append(w)
    return ws, config


def setup(seed, shape=(3, 4), steps=6, scale=1.0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(shape)
    grads = [scale * rng.standard_normal(shape) for _ in range(steps)]
    return rng, w, grads


def assert_runs_equal(ours, theirs):
    for k, (a, b) in enumerate(zip(ours, theirs)):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL, err_msg=f"weights after step {k + 1}")


@pytest.mark.parametrize("nest", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_momentum_rules_match_torch_sgd(nest, with_state):
    rng, w, grads = setup(1 + nest + 2 * with_state)
    v0 = rng.standard_normal(w.shape) if with_state else None
    cfg = {"learning_rate": 0.03, "momentum": 0.8}
    if with_state:
        cfg["velocity"] = v0.copy()
    rule = ref.nesterov if nest else ref.sgd_momentum
    ours, cfg = our_run(rule, w, grads, cfg)
    theirs, state = torch_run(torch.optim.SGD, w, grads, {"momentum_buffer": v0} if with_state else None,
                              lr=0.03, momentum=0.8, nesterov=nest)
    assert_runs_equal(ours, theirs)
    np.testing.assert_allclose(cfg["velocity"], state["momentum_buffer"], rtol=RTOL, atol=ATOL)


def test_sgd_matches_torch():
    _, w, grads = setup(5)
    ours, cfg = our_run(ref.sgd, w, grads, None)
    theirs, _ = torch_run(torch.optim.SGD, w, grads, lr=1e-2)
    assert_runs_equal(ours, theirs)
    assert cfg == {"learning_rate": 1e-2}


@pytest.mark.parametrize("scale", [1.0, 1e-5])
def test_adagrad_matches_torch(scale):
    rng, w, grads = setup(6, scale=scale)
    cache = rng.uniform(0, 1, w.shape) * scale ** 2
    ours, cfg = our_run(ref.adagrad, w, grads, {"learning_rate": 0.05, "cache": cache.copy()})
    theirs, state = torch_run(torch.optim.Adagrad, w, grads, {"sum": cache}, lr=0.05, eps=1e-8)
    assert_runs_equal(ours, theirs)
    np.testing.assert_allclose(cfg["cache"], state["sum"], rtol=RTOL, atol=0)


@pytest.mark.parametrize("scale", [1.0, 1e-5])
def test_rmsprop_matches_torch(scale):
    rng, w, grads = setup(7, scale=scale)
    cache = rng.uniform(0, 1, w.shape) * scale ** 2
    cfg = {"learning_rate": 0.02, "decay_rate": 0.9, "epsilon": 1e-7, "cache": cache.copy()}
    ours, cfg = our_run(ref.rmsprop, w, grads, cfg)
    theirs, state = torch_run(torch.optim.RMSprop, w, grads, {"step": 0, "square_avg": cache},
                              lr=0.02, alpha=0.9, eps=1e-7)
    assert_runs_equal(ours, theirs)
    np.testing.assert_allclose(cfg["cache"], state["square_avg"], rtol=RTOL, atol=0)


ADAMS = [(ref.adam, torch.optim.Adam, {}), (ref.adamw, torch.optim.AdamW, {"weight_decay": 0.1}),
         (ref.radam, torch.optim.RAdam, {})]


@pytest.mark.parametrize("rule,opt_class,extra", ADAMS, ids=["adam", "adamw", "radam"])
@pytest.mark.parametrize("t0", [0, 3])
@pytest.mark.parametrize("scale", [1.0, 1e-6])
def test_adam_family_matches_torch(rule, opt_class, extra, t0, scale):
    rng, w, grads = setup(8 + t0, steps=8, scale=scale)
    m = rng.standard_normal(w.shape) * scale if t0 else np.zeros_like(w)
    v = rng.uniform(0, 1, w.shape) * scale ** 2 if t0 else np.zeros_like(w)
    cfg = {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-8, "m": m.copy(), "v": v.copy(),
           "t": t0, **extra}
    ours, cfg = our_run(rule, w, grads, cfg)
    theirs, state = torch_run(opt_class, w, grads, {"step": t0, "exp_avg": m, "exp_avg_sq": v},
                              lr=0.01, betas=(0.8, 0.95), eps=1e-8, **extra)
    assert_runs_equal(ours, theirs)
    np.testing.assert_allclose(cfg["m"], state["exp_avg"], rtol=RTOL, atol=ATOL * scale)
    np.testing.assert_allclose(cfg["v"], state["exp_avg_sq"], rtol=RTOL, atol=ATOL * scale ** 2)
    assert cfg["t"] == state["step"] == t0 + 8


def test_radam_uses_both_branches():
    """beta2 = 0.999: rho_t <= 5 for the first steps (plain momentum), > 5 afterwards."""
    _, w, grads = setup(10, steps=8)
    ours, _ = our_run(ref.radam, w, grads, None)
    theirs, _ = torch_run(torch.optim.RAdam, w, grads, lr=1e-3)
    assert_runs_equal(ours, theirs)
    rho_inf = 2 / (1 - 0.999) - 1
    rho = [rho_inf - 2 * t * 0.999 ** t / (1 - 0.999 ** t) for t in range(1, 9)]
    assert min(rho) <= 5 < max(rho)


# CS231n's published vectors (assignment 2, FullyConnectedNets), 8 printed digits.
N, D = 4, 5
W0 = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
DW0 = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)


def test_cs231n_rmsprop_vectors():
    cache = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    next_w, cfg = ref.rmsprop(W0, DW0, {"learning_rate": 1e-2, "cache": cache})
    expected_next_w = np.asarray([
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]])
    expected_cache = np.asarray([
        [0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321],
        [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377],
        [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936],
        [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]])
    np.testing.assert_allclose(next_w, expected_next_w, atol=6e-9)
    np.testing.assert_allclose(cfg["cache"], expected_cache, atol=6e-9)


def test_cs231n_adam_vectors():
    m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    next_w, cfg = ref.adam(W0, DW0, {"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    expected_next_w = np.asarray([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
    expected_v = np.asarray([
        [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
        [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
        [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
        [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
    expected_m = np.asarray([
        [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
        [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
        [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
        [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
    np.testing.assert_allclose(next_w, expected_next_w, atol=6e-9)
    np.testing.assert_allclose(cfg["v"], expected_v, atol=6e-9)
    np.testing.assert_allclose(cfg["m"], expected_m, atol=6e-9)
    assert cfg["t"] == 6


def test_cs231n_momentum_vectors_are_the_other_form():
    """CS231n's sgd_momentum keeps v' = momentum v' - lr dw (v' = -lr v): same weights, other buffer."""
    v_cs = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    lr = 1e-3
    next_w, cfg = ref.sgd_momentum(W0, DW0, {"learning_rate": lr, "velocity": -v_cs / lr})
    np.testing.assert_allclose(next_w[0, 0], 0.1406, atol=1e-12)
    np.testing.assert_allclose(-lr * cfg["velocity"][0, 0], 0.5406, atol=1e-12)
    np.testing.assert_allclose(next_w[-1, -1], 1.4096, atol=1e-12)


@pytest.mark.parametrize("name,defaults", [
    ("sgd", {"learning_rate": 1e-2}),
    ("sgd_momentum", {"learning_rate": 1e-2, "momentum": 0.9}),
    ("nesterov", {"learning_rate": 1e-2, "momentum": 0.9}),
    ("adagrad", {"learning_rate": 1e-2, "epsilon": 1e-8}),
    ("rmsprop", {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}),
    ("adam", {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}),
    ("adamw", {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 1e-2}),
    ("radam", {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}),
])
def test_defaults_and_inputs_untouched(name, defaults):
    rule = getattr(ref, name)
    rng = np.random.default_rng(11)
    w, dw = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    w0, dw0 = w.copy(), dw.copy()
    _, cfg = rule(w, dw)
    for key, value in defaults.items():
        assert cfg[key] == value, key
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(dw, dw0)
    # missing state starts at zero: same as handing in zeros explicitly
    zeros = {"sgd_momentum": {"velocity"}, "nesterov": {"velocity"}, "adagrad": {"cache"}, "rmsprop": {"cache"}}
    state = {k: np.zeros_like(w) for k in zeros.get(name, {"m", "v"} if "adam" in name else set())}
    if "adam" in name:
        state["t"] = 0
    np.testing.assert_array_equal(rule(w, dw)[0], rule(w, dw, state)[0])


def test_momentum_forms_give_the_same_iterates():
    A = np.diag([1.0, 20.0])
    x_torch, cfg = np.array([1.0, 1.0]), {"learning_rate": 0.04, "momentum": 0.9}
    x_cs, v = x_torch.copy(), np.zeros(2)
    for _ in range(60):
        x_torch, cfg = ref.sgd_momentum(x_torch, A @ x_torch, cfg)
        v = 0.9 * v - 0.04 * (A @ x_cs)
        x_cs = x_cs + v
        np.testing.assert_allclose(x_torch, x_cs, rtol=1e-12, atol=1e-14)


def test_nesterov_is_lookahead_after_change_of_variables():
    A = np.diag([1.0, 20.0])
    lr, mu = 0.04, 0.9
    x_tilde, cfg = np.array([1.0, 1.0]), {"learning_rate": lr, "momentum": mu}
    x, v = x_tilde.copy(), np.zeros(2)          # lecture form: gradient at the look-ahead x + mu v
    for _ in range(60):
        x_tilde, cfg = ref.nesterov(x_tilde, A @ x_tilde, cfg)
        v = mu * v - lr * (A @ (x + mu * v))
        x = x + v
        np.testing.assert_allclose(x_tilde, x + mu * v, rtol=1e-12, atol=1e-14)


def test_adagrad_step_decays_like_one_over_sqrt_t():
    w, cfg = np.zeros(1), {"learning_rate": 0.1}
    for t in range(1, 401):
        new, cfg = ref.adagrad(w, np.ones(1), cfg)
        step, w = abs(new - w)[0], new
    assert step == pytest.approx(0.1 / math.sqrt(400), rel=1e-6)


def test_adam_first_step_is_learning_rate():
    for g in [1e-3, 1.0, 1e3]:
        next_w, _ = ref.adam(np.zeros(3), np.array([g, -g, 2 * g]), {"learning_rate": 0.01})
        np.testing.assert_allclose(np.abs(next_w), 0.01, rtol=1e-4)


def test_lookahead():
    rng, w, grads = setup(12, steps=7)
    # alpha = 1: the slow weights jump to the fast ones: the inner rule unchanged
    ours, _ = our_run(ref.lookahead(ref.sgd_momentum, k=3, alpha=1.0), w, grads, None)
    inner, _ = our_run(ref.sgd_momentum, w, grads, None)
    assert_runs_equal(ours, inner)
    # plain SGD, k = 2, alpha = 0.5, by hand
    la = ref.lookahead(ref.sgd, k=2, alpha=0.5)
    w1, cfg = la(w, grads[0], {"learning_rate": 0.1})
    np.testing.assert_allclose(w1, w - 0.1 * grads[0])
    np.testing.assert_allclose(cfg["slow"], w)
    w2, cfg = la(w1, grads[1], cfg)
    expected = w + 0.5 * (w1 - 0.1 * grads[1] - w)
    np.testing.assert_allclose(w2, expected)
    np.testing.assert_allclose(cfg["slow"], expected)
    assert cfg["lookahead_step"] == 2
    w2[...] = 0.0                                    # the caller's array is not the saved slow weights
    np.testing.assert_allclose(cfg["slow"], expected)


# Independent wrong submissions: the hidden tests' setups must catch each of them.
def adam_no_bias_correction(w, dw, config=None):
    config = {} if config is None else config
    m, v, t = ref._adam_moments(dw, config)
    return w - config["learning_rate"] * m / (np.sqrt(v) + config["epsilon"]), config


def adam_eps_inside_sqrt(w, dw, config=None):
    config = {} if config is None else config
    m, v, t = ref._adam_moments(dw, config)
    m_hat, v_hat = m / (1 - config["beta1"] ** t), v / (1 - config["beta2"] ** t)
    return w - config["learning_rate"] * m_hat / np.sqrt(v_hat + config["epsilon"]), config


def adam_t_not_incremented(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("t", 1)
    t = config["t"]
    out, _ = ref.adam(w, dw, {**config, "t": t - 1})
    return out, config


def momentum_not_saved(w, dw, config=None):
    config = {} if config is None else config
    return ref.sgd_momentum(w, dw, dict(config))[0], {**config, "learning_rate": 1e-2, "momentum": 0.9}


@pytest.mark.parametrize("wrong,right", [(adam_no_bias_correction, ref.adam), (adam_eps_inside_sqrt, ref.adam),
                                         (adam_t_not_incremented, ref.adam), (momentum_not_saved, ref.sgd_momentum)])
def test_wrong_submissions_are_caught(wrong, right):
    rng = np.random.default_rng(4406)
    w = rng.standard_normal((3, 5))
    failures = 0
    for dw, cfg in [(rng.standard_normal((3, 5)), None), (1e-5 * rng.standard_normal((3, 5)), {"learning_rate": 0.01})]:
        with np.errstate(all="ignore"):
            try:
                grading.check_update_rule(wrong, right, w, dw, cfg, steps=4, seed=1)
            except grading.GradingError:
                failures += 1
    assert failures >= 1


# ------------------------------------------------------------------- issue 14: the questions, derivation and claims

def test_nesterov_is_the_change_of_variables_of_the_lecture_form():
    """Question 2's derivation: x~ = x + rho v, v_lecture = -lr * buffer; the reference's weights are the look-ahead points."""
    A = np.diag([1.0, 20.0])
    lr, mu = 0.02, 0.9
    w, cfg = np.array([-4.0, 1.5]), {"learning_rate": lr, "momentum": mu}
    x, v = w.copy(), np.zeros(2)
    for _ in range(50):
        v_old = v
        v = mu * v - lr * A @ (x + mu * v)
        x = x + v
        w_prev = w
        w, cfg = ref.nesterov(w, A @ w, cfg)
        np.testing.assert_allclose(w, x + mu * v, rtol=0, atol=1e-12)
        np.testing.assert_allclose(w, w_prev - mu * v_old + (1 + mu) * v, rtol=0, atol=1e-12)
        np.testing.assert_allclose(-lr * cfg["velocity"], v, rtol=0, atol=1e-12)


def test_question_answers_sit_inside_their_accepted_ranges():
    from autograde.checks import optimizers_questions as q
    corrected, uncorrected = q._adam_first_steps()
    assert corrected == pytest.approx(1e-3, rel=1e-6)
    assert uncorrected == pytest.approx(1e-3 * 0.1 / math.sqrt(1e-3), rel=1e-4)      # 3.16e-3, for any g
    assert q._adam_first_steps(g=1e-4)[1] == pytest.approx(uncorrected, rel=1e-2)
    assert q._adagrad_step() == pytest.approx(0.1 / 100, rel=1e-6)


def test_momentum_question_measured_ratio_is_choice_b():
    """Question 1: momentum 0.9 at lr 0.02 is 2-3 times faster than gradient descent on diag(1, 20), not 10 times."""
    A = np.diag([1.0, 20.0])

    def steps(rule, cfg):
        w = np.array([-4.0, 1.5])
        for n in range(1, 5001):
            w, cfg = rule(w, A @ w, cfg)
            if 0.5 * w @ A @ w < 1e-6:
                return n
    ratio = steps(ref.sgd, {"learning_rate": 0.02}) / steps(ref.sgd_momentum, {"learning_rate": 0.02, "momentum": 0.9})
    assert 2 < ratio < 3.3


def test_noise_floor_matches_the_stationary_variance_formula():
    """SGD on f = (x^2 + 20 y^2)/2 with gradient noise sigma: mean f = sum eta sigma^2 / (2 (2 - eta lambda))."""
    lam, sigma = np.array([1.0, 20.0]), 3.0
    for lr in [0.05, 0.005]:
        r = np.random.default_rng(3)
        W = np.zeros((4000, 2))
        for _ in range(2000):
            W = W - lr * (W * lam + sigma * r.standard_normal(W.shape))
        measured = 0.5 * (lam * W ** 2).sum(1).mean()
        assert measured == pytest.approx(sum(lr * sigma ** 2 / (2 * (2 - lr * l)) for l in lam), rel=0.08)


def test_radam_thresholds_differ_at_one_step_only():
    """PyTorch's rho_t > 5 against the paper's (and deck 004's) rho_t > 4, beta2 = 0.999: only t = 5 differs."""
    b2 = 0.999
    rho_inf = 2 / (1 - b2) - 1
    rho = [rho_inf - 2 * t * b2 ** t / (1 - b2 ** t) for t in range(1, 50)]
    differ = [t for t, r in zip(range(1, 50), rho) if (r > 4) != (r > 5)]
    assert differ == [5]
    g = np.full(2, 1e-3)
    cfg = {"learning_rate": 1.0}
    w = np.zeros(2)
    for _ in range(5):
        w_prev = w
        w, cfg = ref.radam(w, g, cfg)
    np.testing.assert_allclose(w - w_prev, -g)            # t = 5: PyTorch's un-adapted step lr * m_hat


def test_sparse_features_adagrad_beats_sgd_on_rare_weights():
    """The notebook's sparse-feature regression, smaller: AdaGrad learns the rare weights far better than SGD's best."""
    r = np.random.default_rng(0)
    p_on = np.r_[np.full(50, 0.5), np.full(50, 0.005)]
    X = (r.random((20000, 100)) < p_on).astype(float)
    w_true = r.uniform(0.5, 1.5, 100) * r.choice([-1, 1], 100)
    y = X @ w_true + 0.1 * r.standard_normal(20000)

    def rare_error(rule, lr):
        w, cfg, rr = np.zeros(100), {"learning_rate": lr}, np.random.default_rng(1)
        with np.errstate(all="ignore"):
            for _ in range(3000):
                idx = rr.integers(0, 20000, 10)
                w, cfg = rule(w, X[idx].T @ (X[idx] @ w - y[idx]) / 10, cfg)
        e = np.abs(w - w_true)[50:].mean()
        return e if np.isfinite(e) else np.inf
    sgd_best = min(rare_error(ref.sgd, lr) for lr in [0.01, 0.03, 0.1, 0.3])
    adagrad_best = min(rare_error(ref.adagrad, lr) for lr in [0.03, 0.1, 0.3, 1.0])
    assert adagrad_best < sgd_best / 5


def test_bfgs_inverse_update_has_rank_two():
    r = np.random.default_rng(5)
    M = r.standard_normal((6, 6))
    hess = M @ M.T + 0.5 * np.eye(6)
    s = r.standard_normal(6)
    y = hess @ s
    rho = 1 / (y @ s)
    H = np.eye(6)
    H_new = (np.eye(6) - rho * np.outer(s, y)) @ H @ (np.eye(6) - rho * np.outer(y, s)) + rho * np.outer(s, s)
    assert np.linalg.matrix_rank(H_new - H) == 2
    np.testing.assert_allclose(H_new @ y, s, atol=1e-12)
