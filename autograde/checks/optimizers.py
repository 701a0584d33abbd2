"""Trusted checks for 04_optimizers: one function per graded test cell, named as its grade_id.

They run in the grader's process (autograde/judge.py); ``student`` reaches the student's code in the sandbox.
"""
from trainlab.reference import optimizers as ref
import numpy as np
import matplotlib.pyplot as plt
import torch

from trainlab import grading, torchcheck
from trainlab.plots import plot_curves



def run_rule(rule, w, grads, config=None):
    """Apply ``rule`` once per gradient in ``grads``. Returns (list of weights after each step, final config)."""
    weights = []
    for dw in grads:
        w, config = rule(w, dw, config)
        weights.append(w)
    return weights, config


def run_torch_optimizer(opt_class, w, grads, state=None, **hyper):
    """The same steps with ``opt_class`` (e.g. torch.optim.Adam) on a float64 copy of w, on torchcheck.device().

    state: PyTorch's names for the state to start from, e.g. {"momentum_buffer": v} (SGD), {"sum": cache}
    (Adagrad), {"step": 0, "square_avg": cache} (RMSprop), {"step": t, "exp_avg": m, "exp_avg_sq": v} (Adam).
    Returns (list of weights after each step, final state with PyTorch's names, as NumPy).
    """
    dev = torchcheck.device()
    p = torch.nn.Parameter(torchcheck.to_torch(w, dev=dev))
    opt = opt_class([p], **hyper)
    for key, value in (state or {}).items():
        opt.state[p][key] = torch.tensor(float(value)) if key == "step" else torchcheck.to_torch(value, dev=dev)
    weights = []
    for dw in grads:
        p.grad = torchcheck.to_torch(dw, dev=dev)
        opt.step()
        weights.append(torchcheck.to_numpy(p).copy())      # a copy: on the CPU the array shares p's memory
    final = {k: (v.item() if v.ndim == 0 else torchcheck.to_numpy(v).copy()) for k, v in opt.state[p].items()}
    return weights, final


RTOL, ATOL = torchcheck.tolerance("float64")


def test_sgd(student):
    """sgd: five steps next to torch.optim.SGD, and the default learning rate (1 point)"""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 5))
    grads = [rng.standard_normal((4, 5)) for _ in range(5)]
    ours, config = run_rule(student.sgd, w, grads, {"learning_rate": 0.05})
    theirs, _ = run_torch_optimizer(torch.optim.SGD, w, grads, lr=0.05)
    grading.check_close("sgd: weights after steps 1..5 (vs torch.optim.SGD)", ours, theirs, RTOL, ATOL)
    next_w, config = student.sgd(w, grads[0])
    grading.check_close("sgd with the default config: next_w", next_w, w - 1e-2 * grads[0])
    grading.check(config.get("learning_rate") == 1e-2, "sgd must write the default learning_rate (1e-2) into config.")
    hrng = np.random.default_rng(4401)
    for shape, cfg in [((7,), None), ((3, 6), {"learning_rate": 0.37}), ((1, 1), {"learning_rate": 1e-5}), ((2, 3, 4), {})]:
        grading.check_update_rule(student.sgd, ref.sgd, hrng.standard_normal(shape), hrng.standard_normal(shape), cfg, steps=3, seed=1)
    _ = grading.numpy_only(student.sgd, hrng.standard_normal(3), hrng.standard_normal(3))


def test_sgd_momentum(student):
    """sgd_momentum: weights and velocity next to torch.optim.SGD(momentum=...), from zero and from a given velocity (2 points)"""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 5))
    grads = [rng.standard_normal((4, 5)) for _ in range(6)]
    ours, config = run_rule(student.sgd_momentum, w, grads, {"learning_rate": 0.05, "momentum": 0.8})
    theirs, state = run_torch_optimizer(torch.optim.SGD, w, grads, lr=0.05, momentum=0.8)
    grading.check_close("sgd_momentum: weights after steps 1..6 (vs torch.optim.SGD)", ours, theirs, RTOL, ATOL)
    grading.check_close("sgd_momentum: config['velocity'] after 6 steps (torch's momentum_buffer)",
                        config.get("velocity"), state["momentum_buffer"], RTOL, ATOL)
    v0 = rng.standard_normal((4, 5))
    ours, config = run_rule(student.sgd_momentum, w, grads, {"learning_rate": 0.02, "momentum": 0.95, "velocity": v0.copy()})
    theirs, state = run_torch_optimizer(torch.optim.SGD, w, grads, {"momentum_buffer": v0}, lr=0.02, momentum=0.95)
    grading.check_close("sgd_momentum from a given velocity: weights after steps 1..6", ours, theirs, RTOL, ATOL)
    grading.check_close("sgd_momentum from a given velocity: config['velocity']", config.get("velocity"), state["momentum_buffer"],
                        RTOL, ATOL)
    _, config = student.sgd_momentum(w, grads[0])
    grading.check(config.get("learning_rate") == 1e-2 and config.get("momentum") == 0.9,
                  "sgd_momentum must write its defaults (learning_rate 1e-2, momentum 0.9) into config.")
    hrng = np.random.default_rng(4402)
    for shape, cfg in [((6,), None), ((3, 4), {"learning_rate": 0.3, "momentum": 0.5}), ((1, 1), {"momentum": 0.0}),
                       ((2, 3, 2), {"learning_rate": 0.07, "momentum": 0.99, "velocity": hrng.standard_normal((2, 3, 2))})]:
        grading.check_update_rule(student.sgd_momentum, ref.sgd_momentum, hrng.standard_normal(shape), hrng.standard_normal(shape), cfg,
                                  steps=5, seed=2)
    _ = grading.numpy_only(student.sgd_momentum, hrng.standard_normal(3), hrng.standard_normal(3))


def test_nesterov(student):
    """nesterov: weights and velocity next to torch.optim.SGD(nesterov=True) (2 points)"""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 6))
    grads = [rng.standard_normal((3, 6)) for _ in range(6)]
    v0 = rng.standard_normal((3, 6))
    for cfg, state in [({"learning_rate": 0.05, "momentum": 0.8}, None),
                       ({"learning_rate": 0.01, "momentum": 0.9, "velocity": v0.copy()}, {"momentum_buffer": v0})]:
        ours, config = run_rule(student.nesterov, w, grads, dict(cfg))
        theirs, tstate = run_torch_optimizer(torch.optim.SGD, w, grads, state, lr=cfg["learning_rate"],
                                             momentum=cfg["momentum"], nesterov=True)
        grading.check_close(f"nesterov {sorted(cfg.keys() - {'velocity'})}: weights after steps 1..6 (vs SGD(nesterov=True))",
                            ours, theirs, RTOL, ATOL)
        grading.check_close("nesterov: config['velocity']", config.get("velocity"), tstate["momentum_buffer"], RTOL, ATOL)
    hrng = np.random.default_rng(4403)
    for shape, cfg in [((5,), None), ((4, 3), {"learning_rate": 0.2, "momentum": 0.6}),
                       ((1, 2), {"learning_rate": 0.03, "momentum": 0.99, "velocity": hrng.standard_normal((1, 2))})]:
        grading.check_update_rule(student.nesterov, ref.nesterov, hrng.standard_normal(shape), hrng.standard_normal(shape), cfg,
                                  steps=5, seed=3)
    _ = grading.numpy_only(student.nesterov, hrng.standard_normal(3), hrng.standard_normal(3))


def test_adagrad(student):
    """adagrad: weights and cache next to torch.optim.Adagrad (eps=1e-8, its default is 1e-10), also with tiny gradients (2 points)"""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3))
    for scale in [1.0, 1e-5]:
        grads = [scale * rng.standard_normal((4, 3)) for _ in range(5)]
        cache0 = scale ** 2 * rng.uniform(0, 2, (4, 3))
        ours, config = run_rule(student.adagrad, w, grads, {"learning_rate": 0.1, "cache": cache0.copy()})
        theirs, state = run_torch_optimizer(torch.optim.Adagrad, w, grads, {"sum": cache0}, lr=0.1, eps=1e-8)
        grading.check_close(f"adagrad (gradients of size {scale:g}): weights after steps 1..5 (vs torch.optim.Adagrad)",
                            ours, theirs, RTOL, ATOL)
        grading.check_close("adagrad: config['cache'] (torch's sum)", config.get("cache"), state["sum"], RTOL, 0.0)
    _, config = student.adagrad(w, grads[0])
    grading.check(config.get("learning_rate") == 1e-2 and config.get("epsilon") == 1e-8,
                  "adagrad must write its defaults (learning_rate 1e-2, epsilon 1e-8) into config.")
    hrng = np.random.default_rng(4404)
    for shape, cfg, scale in [((6,), None, 1.0), ((3, 5), {"learning_rate": 0.5, "epsilon": 1e-4}, 1.0),
                              ((2, 2), {"learning_rate": 0.01}, 1e-6),
                              ((1, 4), {"learning_rate": 0.2, "cache": hrng.uniform(0, 3, (1, 4))}, 1.0)]:
        grading.check_update_rule(student.adagrad, ref.adagrad, hrng.standard_normal(shape), scale * hrng.standard_normal(shape), cfg,
                                  steps=4, seed=4)
    _ = grading.numpy_only(student.adagrad, hrng.standard_normal(3), hrng.standard_normal(3))


def test_rmsprop(student):
    """rmsprop: next to torch.optim.RMSprop(alpha=decay_rate), tiny gradients, and CS231n's published test vector (2 points)"""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3))
    for scale, cfg in [(1.0, {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-8}),
                       (1e-5, {"learning_rate": 0.03, "decay_rate": 0.99, "epsilon": 1e-8})]:
        grads = [scale * rng.standard_normal((4, 3)) for _ in range(5)]
        cache0 = scale ** 2 * rng.uniform(0, 1, (4, 3))
        ours, config = run_rule(student.rmsprop, w, grads, {**cfg, "cache": cache0.copy()})
        theirs, state = run_torch_optimizer(torch.optim.RMSprop, w, grads, {"step": 0, "square_avg": cache0},
                                            lr=cfg["learning_rate"], alpha=cfg["decay_rate"], eps=cfg["epsilon"])
        grading.check_close(f"rmsprop (gradients of size {scale:g}): weights after steps 1..5 (vs torch.optim.RMSprop)",
                            ours, theirs, RTOL, ATOL)
        grading.check_close("rmsprop: config['cache'] (torch's square_avg)", config.get("cache"), state["square_avg"], RTOL, 0.0)
    N, D = 4, 5
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    cache = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    next_w, config = student.rmsprop(w, dw, config={"learning_rate": 1e-2, "cache": cache})
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
    grading.check_close("rmsprop on CS231n's test vector: next_w", next_w, expected_next_w, rtol=0, atol=1e-8)
    grading.check_close("rmsprop on CS231n's test vector: config['cache']", config.get("cache"), expected_cache, rtol=0, atol=1e-8)
    hrng = np.random.default_rng(4405)
    for shape, cfg, scale in [((6,), None, 1.0), ((3, 5), {"learning_rate": 0.05, "decay_rate": 0.5, "epsilon": 1e-3}, 1.0),
                              ((2, 3), {"learning_rate": 0.01}, 1e-6),
                              ((1, 4), {"decay_rate": 0.999, "cache": hrng.uniform(0, 1, (1, 4))}, 1.0)]:
        grading.check_update_rule(student.rmsprop, ref.rmsprop, hrng.standard_normal(shape), scale * hrng.standard_normal(shape), cfg,
                                  steps=4, seed=5)
    _ = grading.numpy_only(student.rmsprop, hrng.standard_normal(3), hrng.standard_normal(3))


def test_adam(student):
    """adam: weights, m, v and t next to torch.optim.Adam, from zero and from a given state, tiny gradients, CS231n's vector (3 points)"""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3))
    for scale, t0 in [(1.0, 0), (1.0, 7), (1e-6, 0)]:
        grads = [scale * rng.standard_normal((4, 3)) for _ in range(6)]
        m0 = scale * rng.standard_normal((4, 3)) if t0 else np.zeros((4, 3))
        v0 = scale ** 2 * rng.uniform(0, 1, (4, 3)) if t0 else np.zeros((4, 3))
        cfg = {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-8, "m": m0.copy(), "v": v0.copy(), "t": t0}
        ours, config = run_rule(student.adam, w, grads, cfg)
        theirs, state = run_torch_optimizer(torch.optim.Adam, w, grads, {"step": t0, "exp_avg": m0, "exp_avg_sq": v0},
                                            lr=0.01, betas=(0.8, 0.95), eps=1e-8)
        what = f"adam (gradients of size {scale:g}, starting at t = {t0})"
        grading.check_close(f"{what}: weights after steps 1..6 (vs torch.optim.Adam)", ours, theirs, RTOL, ATOL)
        grading.check_close(f"{what}: config['m'] (torch's exp_avg)", config.get("m"), state["exp_avg"], RTOL, ATOL * scale)
        grading.check_close(f"{what}: config['v'] (torch's exp_avg_sq)", config.get("v"), state["exp_avg_sq"], RTOL, 0.0)
        grading.check(config.get("t") == t0 + 6, f"{what}: config['t'] should be {t0 + 6} after 6 steps, got {config.get('t')}.")
    N, D = 4, 5
    w = np.linspace(-0.4, 0.6, num=N * D).reshape(N, D)
    dw = np.linspace(-0.6, 0.4, num=N * D).reshape(N, D)
    m = np.linspace(0.6, 0.9, num=N * D).reshape(N, D)
    v = np.linspace(0.7, 0.5, num=N * D).reshape(N, D)
    next_w, config = student.adam(w, dw, config={"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    expected_next_w = np.asarray([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]])
    expected_m = np.asarray([
        [0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474],
        [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316],
        [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158],
        [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]])
    expected_v = np.asarray([
        [0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853],
        [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385],
        [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767],
        [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]])
    grading.check_close("adam on CS231n's test vector: next_w", next_w, expected_next_w, rtol=0, atol=1e-8)
    grading.check_close("adam on CS231n's test vector: config['m']", config.get("m"), expected_m, rtol=0, atol=1e-8)
    grading.check_close("adam on CS231n's test vector: config['v']", config.get("v"), expected_v, rtol=0, atol=1e-8)
    grading.check(config.get("t") == 6, f"adam: t must be incremented before use and saved (expected 6, got {config.get('t')}).")
    _, config = student.adam(w, dw)
    grading.check(config.get("beta2") == 0.999 and config.get("learning_rate") == 1e-3,
                  "adam's defaults are learning_rate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-8.")
    hrng = np.random.default_rng(4406)
    for shape, cfg, scale in [((6,), None, 1.0), ((3, 5), {"learning_rate": 0.02, "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-6}, 1.0),
                              ((2, 3), {"learning_rate": 0.01}, 1e-6), ((1, 1), {}, 1e-3),
                              ((2, 2, 3), {"m": hrng.standard_normal((2, 2, 3)), "v": hrng.uniform(0, 1, (2, 2, 3)), "t": 41}, 1.0)]:
        grading.check_update_rule(student.adam, ref.adam, hrng.standard_normal(shape), scale * hrng.standard_normal(shape), cfg,
                                  steps=5, seed=6)
    _ = grading.numpy_only(student.adam, hrng.standard_normal(3), hrng.standard_normal(3))


def test_adamw(student):
    """adamw: weights and state next to torch.optim.AdamW (1 point)"""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(6)]
    for cfg in [{"learning_rate": 0.01, "weight_decay": 0.1}, {"learning_rate": 0.003, "weight_decay": 1e-2, "beta2": 0.99}]:
        ours, config = run_rule(student.adamw, w, grads, dict(cfg))
        theirs, state = run_torch_optimizer(torch.optim.AdamW, w, grads, lr=cfg["learning_rate"], weight_decay=cfg["weight_decay"],
                                            betas=(0.9, cfg.get("beta2", 0.999)), eps=1e-8)
        grading.check_close(f"adamw {cfg}: weights after steps 1..6 (vs torch.optim.AdamW)", ours, theirs, RTOL, ATOL)
        grading.check_close("adamw: config['m'], config['v']", (config.get("m"), config.get("v")),
                            (state["exp_avg"], state["exp_avg_sq"]), RTOL, ATOL)
    hrng = np.random.default_rng(4407)
    for shape, cfg, scale in [((5,), None, 1.0), ((2, 3), {"learning_rate": 0.05, "weight_decay": 0.3, "beta1": 0.7}, 1.0),
                              ((3, 2), {"learning_rate": 0.01, "weight_decay": 1e-3}, 1e-6),
                              ((1, 3), {"m": hrng.standard_normal((1, 3)), "v": hrng.uniform(0, 1, (1, 3)), "t": 9}, 1.0)]:
        grading.check_update_rule(student.adamw, ref.adamw, hrng.standard_normal(shape), scale * hrng.standard_normal(shape), cfg,
                                  steps=4, seed=7)
    _ = grading.numpy_only(student.adamw, hrng.standard_normal(3), hrng.standard_normal(3))


def test_radam(student):
    """radam: weights and state next to torch.optim.RAdam, through both branches (rho_t <= 5, then > 5) (2 points)"""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(9)]
    for cfg, state in [({"learning_rate": 0.01}, None),
                       ({"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.99, "m": np.ones((3, 4)), "v": np.full((3, 4), 0.5), "t": 3},
                        {"step": 3, "exp_avg": np.ones((3, 4)), "exp_avg_sq": np.full((3, 4), 0.5)})]:
        ours, config = run_rule(student.radam, w, grads, {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in cfg.items()})
        theirs, tstate = run_torch_optimizer(torch.optim.RAdam, w, grads, state, lr=cfg["learning_rate"],
                                             betas=(cfg.get("beta1", 0.9), cfg.get("beta2", 0.999)), eps=1e-8)
        grading.check_close(f"radam {cfg.get('beta2', 0.999)}: weights after steps 1..9 (vs torch.optim.RAdam)", ours, theirs,
                            RTOL, ATOL)
        grading.check_close("radam: config['m'], config['v']", (config.get("m"), config.get("v")),
                            (tstate["exp_avg"], tstate["exp_avg_sq"]), RTOL, ATOL)
        grading.check(config.get("t") == tstate["step"], f"radam: config['t'] should be {tstate['step']:.0f}.")
    hrng = np.random.default_rng(4408)
    for shape, cfg, scale in [((5,), None, 1.0), ((2, 3), {"learning_rate": 0.05, "beta2": 0.9, "beta1": 0.6}, 1.0),
                              ((3, 2), {"learning_rate": 0.01, "beta2": 0.99}, 1e-6),
                              ((1, 3), {"m": hrng.standard_normal((1, 3)), "v": hrng.uniform(0, 1, (1, 3)), "t": 5, "beta2": 0.98}, 1.0)]:
        grading.check_update_rule(student.radam, ref.radam, hrng.standard_normal(shape), scale * hrng.standard_normal(shape), cfg,
                                  steps=9, seed=8)
    _ = grading.numpy_only(student.radam, hrng.standard_normal(3), hrng.standard_normal(3))


def test_lookahead(student):
    """lookahead: alpha = 1 changes nothing, k = 2 with plain SGD by hand, slow weights and step saved in config (2 points)"""
    rng = np.random.default_rng(0)
    def plain_sgd(w, dw, config):                       # inner rules written here, so that only lookahead is tested
        return w - config["learning_rate"] * dw, config


    def heavy_ball(w, dw, config):
        config["velocity"] = 0.9 * config.get("velocity", 0.0) + dw
        return w - config["learning_rate"] * config["velocity"], config


    w = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(7)]
    ours, _ = run_rule(student.lookahead(heavy_ball, k=3, alpha=1.0), w, grads, {"learning_rate": 0.1})
    inner, _ = run_rule(heavy_ball, w, grads, {"learning_rate": 0.1})
    grading.check_close("lookahead with alpha = 1: weights (must equal the inner rule's)", ours, inner)
    la = student.lookahead(plain_sgd, k=2, alpha=0.5)
    w1, config = la(w, grads[0], {"learning_rate": 0.1})
    grading.check_close("lookahead(plain_sgd, k=2), step 1: next_w (an ordinary sgd step)", w1, w - 0.1 * grads[0])
    grading.check_close("lookahead, step 1: config['slow'] (the starting weights)", config.get("slow"), w)
    w2, config = la(w1, grads[1], config)
    expected = w + 0.5 * ((w1 - 0.1 * grads[1]) - w)
    grading.check_close("lookahead(plain_sgd, k=2, alpha=0.5), step 2: next_w (slow + alpha (fast - slow))", w2, expected)
    grading.check_close("lookahead, step 2: config['slow']", config.get("slow"), expected)
    grading.check(config.get("lookahead_step") == 2, "lookahead: config['lookahead_step'] should be 2 after two steps.")
    hrng = np.random.default_rng(4409)
    for inner, k, alpha, cfg in [(ref.sgd_momentum, 3, 0.5, None), (ref.adam, 4, 0.8, {"learning_rate": 0.01}),
                                 (ref.sgd, 1, 0.3, {"learning_rate": 0.2}), (ref.rmsprop, 5, 0.5, {})]:
        shape = tuple(hrng.integers(1, 5, size=2))
        grading.check_update_rule(student.lookahead(inner, k=k, alpha=alpha), ref.lookahead(inner, k=k, alpha=alpha),
                                  hrng.standard_normal(shape), hrng.standard_normal(shape), cfg, steps=2 * k + 1, seed=9)
    grading.check_update_rule(student.lookahead(ref.adam), ref.lookahead(ref.adam), hrng.standard_normal(4), hrng.standard_normal(4),
                              None, steps=11, seed=10)
    grading.check_update_rule(student.lookahead(ref.sgd_momentum, k=2), ref.lookahead(ref.sgd_momentum, k=2), hrng.standard_normal(4),
                              hrng.standard_normal(4), {"slow": np.zeros(4), "lookahead_step": 1}, steps=4, seed=11)
    _ = grading.numpy_only(student.lookahead(ref.sgd), hrng.standard_normal(3), hrng.standard_normal(3))
