"""10_capstone: the reference against PyTorch and numerical gradients, and the trusted checks of
autograde/checks/capstone.py run on stand-ins for the judge's ``student`` handle: the solution notebook's
answers get every point, wrong answers lose the cell they should.

The stand-in calls functions in this process and copies their results (the judge returns plain data);
its functions see the checks' own dicts and arrays (the judge's work on copies; ``returning_inputs`` gives the
arguments as the function left them, here the same objects). The stand-in tests are marked slow
(each runs the checks, which train small networks); tests/test_notebooks.py grades the same notebook with
real nbgrader through autograde/judge.py.
"""
import copy
import math
import time
import types

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import harness
from autograde.checks import capstone as checks
from autograde.checks import capstone_questions as question_checks
from trainlab import grading
from trainlab.gradcheck import eval_numerical_gradient, rel_error
from trainlab.reference import augmentation as ref_aug
from trainlab.reference import capstone as ref
from trainlab.reference import optimizers as ref_opt
from trainlab.reference import schedules as ref_sched

CHECK_FUNCTIONS = {**{name: getattr(checks, name) for name in dir(checks) if name.startswith("test_")},
                   **{name: getattr(question_checks, name) for name in dir(question_checks) if name.startswith("q_")}}
CHECKS = sorted(CHECK_FUNCTIONS)


def t(a, grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


# ---------------------------------------------------------------- the reference
def _torch_net(params, X, y, reg, keep, seed):
    names = sorted(params)
    tensors = {n: t(params[n], True) for n in names}
    L = ref.num_layers(params)
    h = t(X)
    for l in range(1, L):
        h = h @ tensors[f"W{l}"] + tensors[f"b{l}"]
        if f"gamma{l}" in tensors:
            h = F.batch_norm(h, None, None, tensors[f"gamma{l}"], tensors[f"beta{l}"], training=True, eps=1e-5)
        h = torch.relu(h)
        if keep < 1:
            h = h * t(np.random.default_rng(seed + l).random(tuple(h.shape)) < keep) / keep
    scores = h @ tensors[f"W{L}"] + tensors[f"b{L}"]
    loss = F.cross_entropy(scores, torch.as_tensor(y)) + reg * sum((tensors[f"W{l}"] ** 2).sum() for l in range(1, L + 1))
    loss.backward()
    return loss.item(), {n: tensors[n].grad.numpy() for n in names}


@pytest.mark.parametrize("hidden, bn, reg, keep, seed", [([6, 5], False, 0.0, 1.0, None), ([6, 5], True, 0.1, 0.7, 3),
                                                         ([4, 4, 4], True, 0.02, 0.5, 0), ([], False, 0.5, 1.0, None)])
def test_fc_net_loss_matches_torch_and_numerical_gradients(hidden, bn, reg, keep, seed):
    rng = np.random.default_rng(5)
    params = checks._net(rng, 7, hidden, 4, bn)
    X, y = rng.standard_normal((9, 7)), rng.integers(0, 4, 9)
    loss, grads = ref.fc_net_loss(params, X, y, reg, keep, None, seed)
    t_loss, t_grads = _torch_net(params, X, y, reg, keep, seed)
    assert abs(loss - t_loss) < 1e-12
    assert set(grads) == set(params)
    for name in params:
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=1e-9, atol=1e-12)
        num = eval_numerical_gradient(lambda _: ref.fc_net_loss(params, X, y, reg, keep, None, seed)[0], params[name])
        assert rel_error(grads[name], num) < 1e-7, name


def test_layers_match_torch():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 2, 4)), rng.standard_normal((8, 5)), rng.standard_normal(5)
    out, cache = ref.affine_forward(x, w, b)
    xt, wt, bt = t(x, True), t(w, True), t(b, True)
    ot = xt.reshape(3, -1) @ wt + bt
    dout = rng.standard_normal(out.shape)
    ot.backward(t(dout))
    np.testing.assert_allclose(out, ot.detach().numpy(), rtol=1e-12)
    for ours, theirs in zip(ref.affine_backward(dout, cache), (xt.grad, wt.grad, bt.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-12)
    x = 3 * rng.standard_normal((8, 4)) + 2
    g, be = rng.standard_normal(4), rng.standard_normal(4)
    out, cache = ref.batchnorm_forward(x, g, be, {"mode": "train"})
    xt, gt, bet = t(x, True), t(g, True), t(be, True)
    ot = F.batch_norm(xt, None, None, gt, bet, training=True, eps=1e-5)
    dout = rng.standard_normal(out.shape)
    ot.backward(t(dout))
    for ours, theirs in zip(ref.batchnorm_backward(dout, cache), (xt.grad, gt.grad, bet.grad)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-8, atol=1e-12)


def test_warmup_cosine_matches_torch_sequential_lr():
    from torch.optim import lr_scheduler
    for lr0, W, T in [(0.1, 10, 60), (1.0, 1, 5), (3e-3, 0, 20)]:
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=lr0)
        cos = lr_scheduler.CosineAnnealingLR(opt, T_max=T - W)
        sched = cos if W == 0 else lr_scheduler.SequentialLR(opt, [lr_scheduler.LambdaLR(opt, lambda s: s / W), cos],
                                                              milestones=[W])
        theirs = []
        for _ in range(T + 1):
            theirs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        np.testing.assert_allclose(ref.warmup_cosine(lr0, np.arange(T + 1), W, T), theirs, rtol=1e-10, atol=1e-15)
        warm = ref_sched.linear_warmup(lambda s: ref_sched.cosine_decay(lr0, s, T - W), W)
        np.testing.assert_allclose([ref.warmup_cosine(lr0, s, W, T) for s in range(T + 1)],
                                   [warm(s) for s in range(T + 1)], rtol=1e-12, atol=1e-15)
        assert ref.warmup_cosine(lr0, T + 7, W, T) == 0.0


def test_pieces_equal_earlier_references():
    rng = np.random.default_rng(1)
    images = rng.uniform(size=(5, 9, 8, 2))
    np.testing.assert_array_equal(ref.random_crop(images, 4, np.random.default_rng(3), 2),
                                  ref_aug.random_crop(images, 4, np.random.default_rng(3), 2))
    w, dw = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    a, ca = ref.adam(w, dw, {"learning_rate": 0.1})
    b, cb = ref_opt.adam(w, dw, {"learning_rate": 0.1})
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- stand-ins for the judge's student handle
class _Call:
    def __init__(self, fn):
        self.fn, self.__name__ = fn, getattr(fn, "__name__", "function")

    def __call__(self, *args, **kwargs):
        return copy.deepcopy(self.fn(*args, **kwargs))

    def with_timeout(self, seconds):
        return self

    def returning_inputs(self, *args, **kwargs):
        return self(*args, **kwargs), list(args), dict(kwargs)


class StandIn:
    """What the checks see of a submission: functions, values, code run in its namespace."""

    def __init__(self, namespace):
        self._ns = namespace

    def __getattr__(self, name):
        if name.startswith("_") or name not in self._ns:
            raise grading.GradingError(f"{name} is not defined in the notebook.")
        return _Call(self._ns[name])

    def value(self, name):
        if name not in self._ns:
            raise grading.GradingError(f"{name} is not defined in the notebook.")
        return copy.deepcopy(self._ns[name])

    def run(self, code, **inputs):
        self._ns.update(copy.deepcopy(inputs))
        exec(code, self._ns)
        return copy.deepcopy(self._ns.get("result"))

    def rng(self, seed):
        return np.random.default_rng(seed)


def _code(source):
    return "\n".join(l for l in source.splitlines() if not l.lstrip().startswith("%"))


def solution_namespace(extra=None, answers=None):
    """The solution notebook's setup and answer cells executed in a fresh namespace; ``extra`` maps an answer
    cell's grade_id to code appended to it (a mutant), ``answers`` to code that replaces it (as in
    tests/independent/)."""
    nb = nbformat.read(harness.solution_notebook("10_capstone"), as_version=4)
    ns = {"__name__": "__main__"}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and (meta.get("grade_id") == "setup" or meta.get("solution")):
            source = (answers or {}).get(meta.get("grade_id"), cell.source)
            exec(_code(source) + "\n" + (extra or {}).get(meta.get("grade_id"), ""), ns)
    return ns


@pytest.fixture(scope="module")
def solution():
    return solution_namespace()


def verdicts(namespace, names=CHECKS):
    """{check name: None (full points) or the failure message}."""
    out = {}
    student = StandIn(namespace)
    for name in names:
        try:
            CHECK_FUNCTIONS[name](student)
            out[name] = None
        except AssertionError as e:
            out[name] = str(e)
    return out


def test_every_answer_cell_has_a_check_and_every_check_a_test_cell():
    nb = nbformat.read(harness.solution_notebook("10_capstone"), as_version=4)
    graded = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
              and c.cell_type == "code"}          # the written answer (markdown) is graded by hand
    assert graded == set(CHECKS)


@pytest.mark.slow
def test_solution_gets_every_point_and_grading_is_fast(solution):
    start = time.perf_counter()
    result = verdicts(solution)
    seconds = time.perf_counter() - start
    assert result == {name: None for name in CHECKS}
    print(f"all {len(CHECKS)} trusted checks on the solution: {seconds:.1f} s")


@pytest.mark.slow
def test_reference_as_student_gets_every_point():
    ns = {name: getattr(ref, name) for name in dir(ref) if not name.startswith("_")}
    ns.update(predicted_num_params=235914, predicted_initial_loss=math.log(10), predicted_reg_term=7.88, choice_overfit="c",
              best_config={"hidden_dims": [256, 128], "batchnorm": True, "augment": True, "learning_rate": 3e-3,
                           "reg": 1e-4, "warmup_steps": 40})
    assert verdicts(ns) == {name: None for name in CHECKS}


WRONG = {  # answer cell grade_id: (code appended, the checks that must fail)
    "never warms up": ("warmup_cosine", "_right = warmup_cosine\n"
                       "def warmup_cosine(lr0, t, warmup_steps, total_steps):\n"
                       "    return _right(lr0, t, 0, total_steps)\n",
                       {"test_warmup_cosine", "test_train_fc_net"}),
    "constant learning rate in the loop": ("train_fc_net", "_right_wc = warmup_cosine\n"
                                           "_right_train = train_fc_net\n"
                                           "def train_fc_net(data, config, seed=0, progress=False):\n"
                                           "    global warmup_cosine\n"
                                           "    warmup_cosine = lambda lr0, t, w, T: lr0\n"
                                           "    try:\n"
                                           "        return _right_train(data, config, seed, progress)\n"
                                           "    finally:\n"
                                           "        warmup_cosine = _right_wc\n",
                                           {"test_train_fc_net"}),
    "L2 gradient without the factor 2": ("fc_net_loss", "_right_loss = fc_net_loss\n"
                                         "def fc_net_loss(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):\n"
                                         "    out = _right_loss(params, X, y, reg, dropout_keep, bn_params, seed)\n"
                                         "    if y is None:\n"
                                         "        return out\n"
                                         "    loss, grads = out\n"
                                         "    for k in params:\n"
                                         "        if k.startswith('W'):\n"
                                         "            grads[k] = grads[k] - reg * params[k]\n"
                                         "    return loss, grads\n",
                                         {"test_fc_net_loss"}),
    "wrong relu backward at 0": ("relu", "def relu_backward(dout, cache):\n    return dout * (cache >= 0)\n",
                                 {"test_relu"}),
    "Xavier instead of He": ("kaiming_init", "def kaiming_init(fan_in, fan_out, rng):\n"
                             "    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)\n",
                             {"test_kaiming_init", "test_init_fc_net"}),
    "a bad configuration": ("best_config", "best_config = {'hidden_dims': [16], 'learning_rate': 1e-4}\n",
                            {"test_best_config"}),
    "a wrong prediction": ("q_initial_loss_answer", "predicted_initial_loss = 5.0\n", {"q_initial_loss"}),
    "parameters counted without BatchNorm's": ("q_num_params_answer", "predicted_num_params = 235146\n", {"q_num_params"}),
    "L2 term off by the factor 2": ("q_reg_term_answer", "predicted_reg_term = 3.94\n", {"q_reg_term"}),
    "a wrong choice": ("q_overfit_answer", "choice_overfit = 'b'\n", {"q_overfit"}),
}


@pytest.mark.slow
@pytest.mark.parametrize("label", sorted(WRONG))
def test_wrong_answers_lose_their_cells(label):
    cell, code, must_fail = WRONG[label]
    result = verdicts(solution_namespace({cell: code}))
    failed = {name for name, msg in result.items() if msg}
    assert must_fail <= failed, f"{label}: expected {sorted(must_fail)} to fail, failed {sorted(failed)}"
    for name in must_fail:
        print(f"{label} / {name}: {result[name].splitlines()[0]}")


# ---------------------------------------------------------------- exact-zero gradients and the grader's own run
INDEPENDENT = harness.independent("10_capstone")
# BatchNorm with the variance as E[x^2] - mean^2 and gamma / std applied last: right to 1e-14, but with the
# visible cell's data its numerical gradient of b1 is 4.4e-11 instead of 0 (rel_error 4.4e-3 against the 1e-6 limit)
ROUNDING_UNLUCKY_BN = """
def batchnorm_forward(x, gamma, beta, bn_param):
    mode, eps, momentum = bn_param["mode"], bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    D = x.shape[1]
    rm, rv = bn_param.get("running_mean", np.zeros(D)), bn_param.get("running_var", np.zeros(D))
    if mode == "train":
        mu = x.mean(axis=0)
        var = np.mean(x ** 2, axis=0) - mu ** 2
        bn_param["running_mean"], bn_param["running_var"] = momentum * rm + (1 - momentum) * mu, momentum * rv + (1 - momentum) * var
    else:
        mu, var = rm, rv
    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    return (x - mu) * (gamma / std) + beta, (mode, xhat, gamma, std)
"""


def test_grad_error_counts_rounding_noise_around_zero_as_equal():
    from trainlab import gradcheck
    analytic = np.array([1.4e-17, 0.43, -0.2])          # a bias feeding BatchNorm (true gradient 0), two others
    numeric = np.array([4.4e-11, 0.43 + 1e-11, -0.2])
    assert gradcheck.rel_error(analytic, numeric) > 1e-3                   # what the visible cell used to compute
    assert gradcheck.grad_error(analytic, numeric) < 1e-9
    assert gradcheck.grad_error(analytic * 1.001, numeric) > 4e-4          # a gradient 0.1% off still fails
    assert gradcheck.grad_error([1e-6], [0.0]) == 1.0                      # a real nonzero where 0 belongs fails
    assert gradcheck.grad_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0


def _visible_cell(namespace, grade_id, source=None):
    """Run a visible test cell of the solution notebook in ``namespace``; None when it passes, else its message."""
    nb = nbformat.read(harness.solution_notebook("10_capstone"), as_version=4)
    cell = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id][0]
    try:
        exec(_code(source or cell.source), namespace)
    except AssertionError as e:
        return str(e)
    return None


@pytest.mark.slow
@pytest.mark.parametrize("style", ["solution", "correct_cs231n_textbook", "correct_other_style", "rounding_unlucky_bn"])
def test_visible_fc_net_loss_check_passes_correct_answers_in_every_style(style):
    answers = INDEPENDENT[style][0] if style in INDEPENDENT else {}
    ns = solution_namespace({"batchnorm": ROUNDING_UNLUCKY_BN} if style == "rounding_unlucky_bn" else None, answers)
    assert _visible_cell(ns, "test_fc_net_loss") is None
    if style == "rounding_unlucky_bn":       # the same cell with rel_error instead of grad_error fails this correct code
        nb = nbformat.read(harness.solution_notebook("10_capstone"), as_version=4)
        source = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_fc_net_loss"][0]
        assert "gradcheck.grad_error(grads[name], num)" in source
        message = _visible_cell(ns, "test_fc_net_loss", source.replace("gradcheck.grad_error(", "gradcheck.rel_error("))
        assert message and "grads['b" in message, message
        assert verdicts(ns, ["test_batchnorm", "test_fc_net_loss"]) == {"test_batchnorm": None, "test_fc_net_loss": None}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(INDEPENDENT))
def test_independent_answers_on_the_training_and_network_checks(name):
    """tests/independent/10_capstone/ on the stand-in (fast); tests/test_notebooks.py grades them with nbgrader."""
    answers, expect = INDEPENDENT[name]
    names = ["test_batchnorm", "test_fc_net_loss", "test_train_fc_net"]
    result = verdicts(solution_namespace(answers=answers), names)
    lost = set() if expect == "full" else set(expect["lost"])
    assert {n for n, msg in result.items() if msg} == lost & set(names), result
    if "train_fc_net" in answers and "test_train_fc_net" in lost:
        message = result["test_train_fc_net"]
        assert "the grader's own run" in message and "random_crop first" in message, message
        print(f"{name}: {message[:300]}")


@pytest.mark.slow
def test_visible_training_check_pins_the_draw_order():
    assert _visible_cell(solution_namespace(), "test_train_fc_net") is None
    answers = INDEPENDENT["draws_dropout_before_crop"][0]
    message = _visible_cell(solution_namespace(answers=answers), "test_train_fc_net")
    assert message and "random_crop, then the dropout seed" in message, message


def test_training_check_is_affordable():
    """The grader's own runs are computed once per grading process (functools.lru_cache), a fraction of a second each."""
    checks._grader_run.cache_clear()
    start = time.process_time()
    runs = [checks._grader_run(k) for k in range(len(checks.TRAINING_RUNS))]
    first = time.process_time() - start
    start = time.process_time()
    assert all(checks._grader_run(k) is run for k, run in enumerate(runs))
    assert time.process_time() - start < 0.01
    print(f"the grader's own {len(runs)} runs: {first:.2f} s of CPU, once per process")
    assert first < 10
