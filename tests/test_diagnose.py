"""Feedback that names the mistake (autograde/diagnose.py), its catalogue and the class report (issue 17).

The judge runs as in tests/test_judge.py (judge.BareLauncher), on the solution notebook's setup and answer
cells with one function replaced by a wrong answer written here, in its own style (not the catalogue's
code): a diagnosis must come from the outputs alone. A wrong answer that matches a catalogue entry gets its
sentence; one that matches none gets nothing; a correct answer gets nothing.
"""
import csv
import re
import types

import nbformat
import numpy as np
import pytest

from harness import ASSIGNMENTS, REPO, custom_mutants, independent, solution_notebook
from autograde import class_report, diagnose, judge
from trainlab import grading

CATALOGUED = [a for a in ASSIGNMENTS if a[:2] in {f"{i:02d}" for i in range(1, 11)}]


def _assignment(prefix):
    return next(a for a in ASSIGNMENTS if a.startswith(prefix))


def cells_of(assignment, replace=None, append=None):
    """The setup and answer cells the judge runs, with answer cells replaced or extended by grade_id."""
    nb = nbformat.read(str(solution_notebook(assignment)), as_version=4)
    cells = []
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        if meta.get("solution") or meta.get("locked"):
            gid = meta.get("grade_id", f"cell {i}")
            source = (replace or {}).get(gid, cell.source)
            if gid in (append or {}):
                source += "\n\n" + append[gid]
            cells.append((f"answer cell '{gid}'", source))
    return cells


def grade(assignment, tests, replace=None, append=None):
    """{grade_id: Verdict} of the trusted checks, with the notebook's diagnoser."""
    stem = solution_notebook(assignment).stem
    verdicts, _ = judge.judge_notebook(cells_of(assignment, replace, append), tests, judge.load_checks(stem),
                                       judge.BareLauncher(), str(solution_notebook(assignment).parent),
                                       diagnose=diagnose.diagnoser(stem))
    return verdicts


def named(verdict, name):
    """The verdict failed and its diagnosis is the catalogue entry called ``name`` (and it is in the feedback)."""
    return (not verdict.passed and verdict.diagnosis is not None and f"known mistake: {name}." in verdict.diagnosis
            and verdict.message.endswith(verdict.diagnosis))


# ---------------------------------------------------------------------------------- diagnoses through the judge

def test_activations_right_wrong_and_unmatched():
    a = _assignment("01")
    wrong = {"sigmoid": '''
def sigmoid_forward(x):
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return s, s

def sigmoid_backward(dout, cache):
    s = cache
    return s * dout                      # forgot (1 - s)
''', "relu": '''
def relu_forward(x):
    return np.maximum(0.0, x), x

def relu_backward(dout, cache):
    return dout * (cache > 0) * 1.001    # wrong, but no catalogue entry is this
'''}
    wrong["maxout"] = independent(a)["missing_factor_and_sign"][0]["maxout"]   # db2 with a wrong sign: not catalogued
    tests = ["test_sigmoid", "test_tanh", "test_relu", "test_maxout"]
    v = grade(a, tests, replace=wrong)
    assert named(v["test_sigmoid"], "sigmoid_backward without the (1 - σ) factor"), v["test_sigmoid"]
    assert "see section 1" in v["test_sigmoid"].diagnosis
    assert v["test_tanh"].passed and v["test_tanh"].diagnosis is None
    assert not v["test_relu"].passed and v["test_relu"].diagnosis is None          # wrong, matches nothing
    assert not v["test_maxout"].passed and v["test_maxout"].diagnosis is None      # wrong, matches nothing

    right = grade(a, tests)
    assert all(x.passed and x.diagnosis is None for x in right.values()), right


def test_activations_overflow_and_elu_naive():
    a = _assignment("01")
    wrong = {"sigmoid": '''
def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    return out, out

def sigmoid_backward(dout, cache):
    return dout * cache * (1.0 - cache)
'''}
    v = grade(a, ["test_sigmoid"], replace=wrong)
    assert "overflow" in v["test_sigmoid"].message
    assert named(v["test_sigmoid"], "sigmoid computed as 1 / (1 + exp(-x)), which overflows for large negative x")


def test_initialization_kaiming_drawn_transposed_is_caught_and_named():
    a = _assignment("02")
    transposed = '''
def kaiming_init(fan_in, fan_out, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    return (rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)).T     # PyTorch's (out, in) layout
'''
    divided = '''
def kaiming_init(fan_in, fan_out, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(2.0 / fan_in)
'''
    v = grade(a, ["test_kaiming_init"], append={"init": transposed})
    assert named(v["test_kaiming_init"], "He init drawn as (fan_out, fan_in) and transposed"), v["test_kaiming_init"]
    v = grade(a, ["test_kaiming_init"], append={"init": divided})
    assert named(v["test_kaiming_init"], "He init divided by sqrt(2 / fan_in) instead of multiplied")


def test_optimizers_adam_without_bias_correction():
    a = _assignment("04")
    no_correction = custom_mutants(a)["adam"][2]
    assert "m_hat" not in no_correction
    v = grade(a, ["test_adam", "test_sgd"], append={"adam": no_correction})
    assert named(v["test_adam"], "Adam without bias correction"), v["test_adam"]
    assert v["test_sgd"].passed and v["test_sgd"].diagnosis is None


def test_regularization_dropout_conventions_and_l2_half():
    a = _assignment("06")
    subs = independent(a)
    v = grade(a, ["test_l2_penalty", "test_l1_penalty", "test_dropout_forward", "test_dropout_backward"],
              replace=subs["torch_drop_probability"][0])
    assert named(v["test_dropout_forward"], "dropout with PyTorch's p (the probability of dropping)")
    assert named(v["test_l2_penalty"], "L2 penalty with the factor 1/2")
    assert v["test_l1_penalty"].passed and v["test_l1_penalty"].diagnosis is None
    v = grade(a, ["test_dropout_forward", "test_dropout_backward"], replace=subs["dropout_without_inverse_p"][0])
    assert named(v["test_dropout_forward"], "dropout without dividing by p")
    assert named(v["test_dropout_backward"], "dropout without dividing by p")
    v = grade(a, ["test_dropout_backward"], replace=subs["mask_not_cached"][0])
    assert named(v["test_dropout_backward"], "the mask drawn again in the backward pass")


def test_augmentation_flip_axis_and_mixup_labels():
    a = _assignment("07")
    subs = independent(a)
    answers = dict(subs["flip_wrong_axis"][0], **subs["mixup_labels_not_mixed"][0])
    v = grade(a, ["test_horizontal_flip", "test_random_horizontal_flip", "test_mixup", "test_cutmix", "test_cutout"],
              replace=answers)
    assert named(v["test_horizontal_flip"], "a flip on the wrong axis (upside down)")
    assert named(v["test_random_horizontal_flip"], "a flip on the wrong axis (upside down)")
    assert named(v["test_mixup"], "mixup labels not mixed")
    assert named(v["test_cutmix"], "CutMix labels weighted by lambda instead of the pasted area")
    assert v["test_cutout"].passed and v["test_cutout"].diagnosis is None
    right = grade(a, ["test_horizontal_flip", "test_mixup"], replace=subs["correct_other_style"][0])
    assert all(x.passed and x.diagnosis is None for x in right.values())


def test_babysitting_a_sampler_bug_costs_only_the_sampler_test():
    a = _assignment("09")
    exponents = '''
def sample_log_uniform(low, high, size, rng):
    return 10.0 ** rng.uniform(low, high, size)        # low and high used as exponents: 10 ** 10 = 1e10, ...
'''
    v = grade(a, ["test_sample_log_uniform", "test_random_search", "test_update_ratio"],
              append={"sample_log_uniform": exponents})
    assert named(v["test_sample_log_uniform"], "low and high taken as exponents"), v["test_sample_log_uniform"]
    assert v["test_random_search"].passed, v["test_random_search"].message       # judged with the grader's sampler
    assert v["test_update_ratio"].passed

    max_norm = '''
def update_ratio(W, dW, learning_rate):
    return float(np.max(np.abs(learning_rate * dW)) / np.max(np.abs(W)))
'''
    unsorted = custom_mutants(a)["random_search"][1]
    v = grade(a, ["test_update_ratio", "test_random_search"], append={"update_ratio": max_norm,
                                                                      "random_search": unsorted})
    assert named(v["test_update_ratio"], "update_ratio with max-norms instead of Frobenius norms")
    assert named(v["test_random_search"], "random search records not sorted")


def test_transfer_learning_train_mode_and_penalised_bias():
    a = _assignment("08")
    train_mode = custom_mutants(a)["extract_features"][2]
    assert "eval" not in train_mode
    biased = '''
def linear_probe(features, labels, num_classes, weight_decay=1e-3, steps=100, seed=0):
    torch.manual_seed(seed)
    probe = nn.Linear(features.shape[1], num_classes).to(device=features.device, dtype=features.dtype)
    opt = torch.optim.LBFGS(probe.parameters(), lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")
    def closure():
        opt.zero_grad()
        reg = sum((p ** 2).sum() for p in probe.parameters())      # weights and bias
        loss = F.cross_entropy(probe(features), labels) + weight_decay * reg
        loss.backward()
        return loss
    opt.step(closure)
    return probe
'''
    v = grade(a, ["test_extract_features", "test_linear_probe"], append={"features": train_mode + "\n" + biased})
    assert "model.eval()" in v["test_extract_features"].message
    assert named(v["test_extract_features"], "features extracted in train mode")
    assert "no penalty on b" in v["test_linear_probe"].message
    assert named(v["test_linear_probe"], "the bias penalised too")


# ---------------------------------------------------------------------------------- the catalogue

def _grade_ids(assignment):
    nb = nbformat.read(str(solution_notebook(assignment)), as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")
            and not c.metadata["nbgrader"]["grade_id"].startswith("q_")]     # questions have no functions


@pytest.mark.parametrize("assignment", CATALOGUED)
def test_the_catalogue_covers_every_graded_test_and_every_entry_fails_its_check(assignment):
    stem = solution_notebook(assignment).stem
    module = diagnose.catalogue(stem)
    assert module is not None, f"no trainlab/reference/misconceptions/{stem}.py"
    checks = judge.load_checks(stem)
    for gid in _grade_ids(assignment):
        found = module.CATALOGUE.get(gid, [])
        assert len(found) >= 3, (gid, len(found))
        for e in found:
            assert {"name", "advice", "section", "wrong"} <= set(e) and e["wrong"], (gid, e)
            assert "\n" not in e["name"] and e["advice"].strip()
        result = diagnose.outcomes(stem, gid, checks[gid])
        assert result["reference"] is None, (gid, "the reference fails its own check on the stand-in",
                                             result["reference"])
        for e, message in zip(found, result["entries"]):
            assert message is not None, (gid, e["name"], "passes its check: not a wrong answer")


def test_the_catalogue_is_not_in_the_student_bundle(tmp_path):
    from autograde import bundle
    dest = tmp_path / "bundle"
    bundle.stage(REPO, dest)
    assert not (dest / "trainlab" / "reference").exists()
    assert not list(dest.rglob("misconceptions"))


# ---------------------------------------------------------------------------------- the matching rules

def _fake(monkeypatch, entries_by_gid):
    module = types.ModuleType("trainlab.reference.misconceptions.fake")
    module.REFERENCE = "activations"
    module.CATALOGUE = entries_by_gid
    monkeypatch.setitem(diagnose._MODULES, f"{diagnose.CATALOGUE_PACKAGE}.fake", module)
    monkeypatch.setattr(diagnose, "_OUTCOMES", {})
    return diagnose.diagnoser("fake")


def _check(student):
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    from trainlab.reference import activations as ref
    grading.check_forward(student.relu_forward, ref.relu_forward, x)


def _double(x):
    return 2 * np.maximum(x, 0.0), x


def _triple(x):
    return 3 * np.maximum(x, 0.0), x


def _entry(name, fn):
    return {"name": name, "advice": "Do it right", "section": "3", "wrong": {"relu_forward": fn}}


def _message_of(fn):
    from trainlab.reference import activations as ref
    return diagnose.run_check(_check, diagnose.namespace(ref, {"relu_forward": fn}), "t")


def test_an_entry_is_named_only_when_it_alone_matches(monkeypatch):
    diagnose_fn = _fake(monkeypatch, {"t": [_entry("doubled", _double), _entry("tripled", _triple)]})
    sentence = diagnose_fn("t", _check, _message_of(_double))
    assert sentence == "This matches a known mistake: doubled. Do it right (see section 3)."
    assert diagnose_fn("t", _check, _message_of(_triple)).startswith("This matches a known mistake: tripled.")
    assert diagnose_fn("t", _check, _message_of(lambda x: (4 * np.maximum(x, 0.0), x))) is None
    assert diagnose_fn("t", _check, "some other failure") is None
    assert diagnose_fn("other", _check, _message_of(_double)) is None              # no entries for this test

    diagnose_fn = _fake(monkeypatch, {"t": [_entry("doubled", _double), _entry("twice", lambda x: (x + np.abs(x), x))]})
    assert diagnose_fn("t", _check, _message_of(_double)) is None                  # two names, one output: ambiguous
    diagnose_fn = _fake(monkeypatch, {"t": [_entry("doubled", _double), _entry("doubled", lambda x: (x + np.abs(x), x))]})
    assert diagnose_fn("t", _check, _message_of(_double)) is not None              # same name: fine


def test_never_when_the_reference_fails_the_check_or_the_message_is_a_fixed_sentence(monkeypatch):
    def needs_a_variable(student):
        student.value("prediction")                  # not in the reference: the stand-in cannot run this check
        _check(student)

    diagnose_fn = _fake(monkeypatch, {"t": [_entry("doubled", _double)]})
    assert diagnose.outcomes("fake", "t", needs_a_variable)["reference"] is not None
    assert diagnose_fn("t", needs_a_variable, _message_of(_double)) is None

    def fixed(student):
        out, _ = student.relu_forward(np.array([-1.0, 2.0]))
        grading.check(out[1] == 2.0, "relu_forward(2) must be 2.")           # says nothing about the output

    diagnose_fn = _fake(monkeypatch, {"t": [_entry("doubled", _double)]})
    assert diagnose_fn("t", fixed, "relu_forward(2) must be 2.") is None
    diagnose_fn = _fake(monkeypatch, {"t": [dict(_entry("doubled", _double), specific=True)]})
    assert diagnose_fn("t", fixed, "relu_forward(2) must be 2.") is not None       # the author vouches for it


def test_the_stand_in_words_failures_as_the_judge_does():
    from trainlab.reference import activations as ref

    def raises(x):
        raise ValueError("nope")

    message = diagnose.run_check(_check, diagnose.namespace(ref, {"relu_forward": raises}), "t")
    assert message == "relu_forward(array of shape (3, 4)) raised ValueError: nope."
    student = ("relu_forward(array of shape (3, 4)) raised ValueError: nope (line 3 of answer cell 'relu').")
    assert diagnose.normalise(student) == diagnose.normalise(message)
    assert diagnose.run_check(_check, diagnose.namespace(ref), "t") is None

    def returns_function(k):
        return lambda x: k * x

    s = diagnose.StandIn(diagnose.namespace(ref, {"scaler": returns_function}))
    handle = s.scaler(2.0)
    assert isinstance(handle, diagnose.LocalHandle) and handle.__name__ == "<function returned by your code>"
    assert np.allclose(handle(np.ones(2)), 2.0)
    assert s.run("result = relu_forward(x)[0].sum()", x=np.array([-1.0, 2.0])) == 2.0
    with pytest.raises(judge.StudentRaised):
        s.value("nothing_here")


# ---------------------------------------------------------------------------------- the class report

def _records():
    cat = diagnose.catalogue("optimizers").CATALOGUE
    adam = diagnose.sentence(cat["test_adam"][0])
    eps = diagnose.sentence(cat["test_adam"][1])
    recs = []
    for i in range(10):
        diag = {"test_adam": adam} if i < 3 else ({"test_adam": eps} if i == 3 else {})
        tests = {"test_sgd": (1.0, 1.0), "test_adam": (0.0 if i < 5 else 3.0, 3.0)}
        recs.append({"student": f"s{i}", "assignment": "04_optimizers", "score": sum(s for s, _ in tests.values()),
                     "max_score": 4.0, "status": "graded", "tests": tests, "diagnoses": diag})
    recs.append({"student": "x", "assignment": "04_optimizers", "score": 0.0, "max_score": 4.0, "status": "error",
                 "tests": {}, "diagnoses": {}})
    return recs


def test_class_report_counts_misconceptions_per_student():
    recs = _records()
    rows = class_report.misconceptions(recs)
    assert rows[0] == ("04_optimizers", "test_adam", "Adam without bias correction", 3, 10)
    assert rows[1][2] == "Adam with epsilon inside the square root" and rows[1][3] == 1
    text = class_report.summary(recs)
    assert "30% of students (3/10): Adam without bias correction  [test_adam]" in text
    assert re.search(r"test_adam\s+3 pts\s+50.0%\s+\(5/10\)", text)
    assert "90-100" in text
    assert class_report.diagnosis_for(recs[0], "test_adam").startswith("This matches a known mistake: Adam without")
    assert class_report.diagnosis_for(recs[9], "test_adam") == ""


def test_class_report_csv_and_html(tmp_path):
    csv_path, html_path = class_report.write_reports(_records(), tmp_path)
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    mis = [r for r in rows if r["kind"] == "misconception"]
    assert mis[0]["item"] == "Adam without bias correction" and mis[0]["students"] == "3" and mis[0]["of"] == "10"
    assert mis[0]["share"] == "30.0" and "(section 2.6)" in mis[0]["detail"]
    rates = {r["test"]: r for r in rows if r["kind"] == "pass_rate"}
    assert rates["test_adam"]["students"] == "5" and rates["test_sgd"]["share"] == "100.0"
    assert sum(int(r["students"]) for r in rows if r["kind"] == "score_bin") == 10
    page = html_path.read_text(encoding="utf-8")
    assert page.count("src='data:image/png;base64,") == 3            # histogram, pass rates, misconceptions
    assert "Adam without bias correction" in page and "http" not in page.replace("http-equiv", "")
    assert "1 submission(s) left out" in page


# ---------------------------------------------------------------------------------- Validate's hints

def test_validate_names_a_chosen_misconception_of_a_visible_test(tmp_path):
    from harness import light, with_answers
    from trainlab import validate
    a = _assignment("01")
    release = nbformat.read(str(REPO / "notebooks" / a / solution_notebook(a).name), as_version=4)
    nb = light(with_answers(release, nbformat.read(str(solution_notebook(a)), as_version=4)))
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid":
            cell.source += "\n\ndef sigmoid_backward(dout, cache):\n    return cache * dout\n"
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "relu":
            cell.source += "\n\ndef relu_backward(dout, cache):\n    return 1.001 * dout * (cache > 0)\n"
    path = tmp_path / solution_notebook(a).name
    nbformat.write(nb, str(path))
    report = validate.validate_notebook(path)
    failed = {f.label.split()[0]: f.message for f in report.findings if f.kind == "fail"}
    assert set(failed) == {"test_sigmoid", "test_relu"}, failed
    assert "Hint: this matches a known mistake: sigmoid_backward without the (1 - σ) factor." in failed["test_sigmoid"]
    assert "Hint" not in failed["test_relu"]                              # wrong, but no known mistake


def test_the_shipped_hints_are_up_to_date_and_hold_no_code(tmp_path):
    from autograde import bundle
    built = diagnose.build_hints(REPO, tmp_path, notebooks=["activations"])
    assert built["activations"] >= 2
    shipped = REPO / "trainlab" / "hints" / "activations.json"
    assert (tmp_path / "activations.json").read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8"), \
        "trainlab/hints/ is stale: run python -m autograde.diagnose --hints"
    secrets = bundle.secret_lines(REPO)
    for path in sorted((REPO / "trainlab" / "hints").glob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert not [line for line in secrets if line in text], path
        assert "def " not in text and "trainlab.reference" not in text


def test_capstone_dropout_with_drop_probability_and_l2_without_2():
    a = _assignment("10")
    wrong = {"dropout": '''
def dropout_forward(x, dropout_param):
    q = dropout_param["p"]                              # read as the probability of DROPPING, as in PyTorch
    if dropout_param["mode"] == "train":
        keep = np.random.default_rng(dropout_param.get("seed")).random(x.shape) >= q
        scale = keep / (1.0 - q)
        return x * scale, (scale, True)
    return x.copy(), (None, False)


def dropout_backward(dout, cache):
    scale, train = cache
    return dout * scale if train else dout.copy()
''', "fc_net_loss": "_right_fc_net_loss = fc_net_loss\n\n" + '''
def fc_net_loss(params, X, y=None, reg=0.0, dropout_keep=1.0, bn_params=None, seed=None):
    out = _right_fc_net_loss(params, X, y, 0.0, dropout_keep, bn_params, seed)
    if y is None:
        return out
    loss, grads = out
    for name in [k for k in params if k[0] == "W"]:
        loss = loss + reg * (params[name] ** 2).sum()
        grads[name] = grads[name] + reg * params[name]           # d/dW of reg * W^2 without the 2
    return loss, grads
'''}
    v = grade(a, ["test_dropout", "test_kaiming_init"], replace={"dropout": wrong["dropout"]})
    assert named(v["test_dropout"], "dropout with PyTorch's p (the probability of dropping)"), v["test_dropout"]
    assert v["test_kaiming_init"].passed and v["test_kaiming_init"].diagnosis is None
    v = grade(a, ["test_fc_net_loss"], append={"fc_net_loss": wrong["fc_net_loss"]})
    assert named(v["test_fc_net_loss"], "the L2 gradient without the factor 2"), v["test_fc_net_loss"]
