"""The trusted judge (autograde/judge.py) and its agent (autograde/agent.py), without nbgrader.

The agent runs as a plain child process here (judge.BareLauncher); tests/test_hostile.py runs it in
the bubblewrap sandbox through the whole pipeline. Every check is tried in both directions: a right
answer passes, a wrong one (or a forged one) fails.
"""
import io
import os
import socket
import struct
import json

import numpy as np
import pytest

from autograde import agent as wire
from autograde import judge
from trainlab import grading
from trainlab.reference import activations as ref

SETUP = "import numpy as np\n%matplotlib inline\n"
GOOD = '''
def relu_forward(x):
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def bn_like(x, param):
    param["running_mean"] = 0.9 * param.get("running_mean", np.zeros(x.shape[1])) + 0.1 * x.mean(axis=0)
    return x - x.mean(axis=0)


def draw(rng, n):
    return rng.standard_normal(n)


def apply_twice(f, x):
    return f(f(x))


def make_scaler(k):
    return lambda x: k * x


class Opaque:
    pass


def opaque():
    return np.ones(2), Opaque()


prediction = 0.25
'''


def run(cells, checks, **kw):
    tests = list(checks)
    verdicts, notes = judge.judge_notebook(cells, tests, checks, judge.BareLauncher(), os.getcwd(), **kw)
    return {k: v.passed for k, v in verdicts.items()}, {k: v.message for k, v in verdicts.items()}, notes


def relu_check(student):
    x = np.random.default_rng(1).standard_normal((4, 5))
    grading.check_forward(student.relu_forward, ref.relu_forward, x)
    grading.check_backward(student.relu_forward, student.relu_backward, ref.relu_forward, ref.relu_backward, [x],
                           names=["dx"])
    grading.check_gradients(student.relu_forward, student.relu_backward, [x + 0.01])
    grading.numpy_only(student.relu_forward, x)


# ---------------------------------------------------------------------------------- plain data

def test_plain_data_round_trip_and_handles():
    kept = []
    value = {"a": np.arange(6.0).reshape(2, 3), "b": (1, 2.5, None, True, "s"), "c": [np.float32(1.5)],
             "d": {3: np.int64(4)}, "e": object()}
    blobs = []
    tree = wire.encode(value, blobs, lambda o: kept.append(o) or {"$handle": [len(kept), "object", False]})
    json.dumps(tree)                                     # the tree is JSON
    back = wire.decode(tree, blobs, lambda key, payload: ("handle", payload[0]))
    assert np.array_equal(back["a"], value["a"]) and back["b"] == value["b"] and back["c"][0] == 1.5
    assert back["c"][0].dtype == np.float32 and back["d"] == {3: 4} and back["e"] == ("handle", 1)


def test_an_object_array_is_never_unpickled():
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError, match="not plain data"):       # refused from its header, never unpickled
        wire.decode({"$nd": 0}, [buf.getvalue()], None)
    with pytest.raises(wire.WireError):
        wire.decode({"$nd": 0, "$np": 1}, [], None)


def test_an_oversized_message_is_refused():
    a, b = socket.socketpair()
    a.sendall(struct.pack(">I", wire.MAX_MESSAGE + 1))
    with pytest.raises(wire.WireError):
        wire.receive(b)


# ---------------------------------------------------------------------------------- verdicts

def test_right_answers_pass_and_wrong_ones_fail():
    wrong = GOOD.replace("return dout * (cache > 0)", "return dout * (cache >= 0) * 1.001")
    passed, messages, _ = run([("setup", SETUP), ("answer", GOOD)], {"test_relu": relu_check})
    assert passed == {"test_relu": True}
    passed, messages, _ = run([("setup", SETUP), ("answer", wrong)], {"test_relu": relu_check})
    assert passed == {"test_relu": False} and "relu_backward" in messages["test_relu"]


def test_values_rngs_callbacks_handles_and_inputs_only_when_asked():
    def check(student):
        assert student.value("prediction") == 0.25
        x, param = np.ones((3, 2)) * [[1.0], [2.0], [3.0]], {}
        out = student.bn_like(x, param)
        assert np.allclose(out[:, 0], [-1, 0, 1]) and param == {}        # the grader's dict is never written
        out, (x_after, param_after), kwargs = student.bn_like.returning_inputs(x, param)
        assert np.allclose(param_after["running_mean"], 0.2) and param == {} and kwargs == {}
        mine = np.random.default_rng(5)
        assert np.array_equal(student.draw(mine, 3), np.random.default_rng(5).standard_normal(3))
        assert mine.bit_generator.state == np.random.default_rng(5).bit_generator.state     # not advanced here
        _, (advanced, _), _ = student.draw.returning_inputs(mine, 3)
        theirs = np.random.default_rng(5)
        theirs.standard_normal(3)
        assert advanced.random() == theirs.random()      # the generator as the student's function left it
        assert np.allclose(student.apply_twice(lambda v: v + 1, np.zeros(2)), 2.0)   # called back here
        scale = student.make_scaler(3.0)                 # a function stays in the sandbox: a callable handle
        assert isinstance(scale, judge.Handle) and np.allclose(scale(np.ones(2)), 3.0)
        arr, obj = student.opaque()
        assert isinstance(obj, judge.Handle) and not obj._callable
        assert student.run("result = relu_forward(x)[0].sum()", x=np.array([-1.0, 2.0])) == 2.0

    passed, messages, _ = run([("setup", SETUP), ("answer", GOOD)], {"t": check})
    assert passed == {"t": True}, messages


def test_errors_time_outs_and_missing_names_fail_with_a_message_and_the_next_check_still_runs():
    answers = GOOD + "\n\ndef slow(x):\n    while True:\n        pass\n\n\ndef boom(x):\n    raise ValueError('nope')\n"
    checks = {"a": lambda s: s.slow.with_timeout(2)(1), "b": lambda s: s.boom(1), "c": lambda s: s.missing(1),
              "d": relu_check, "e": lambda s: s.value("nothing_here")}
    passed, messages, _ = run([("setup", SETUP), ("answer", answers)], checks)
    assert passed == {"a": False, "b": False, "c": False, "d": True, "e": False}
    assert "within 2 s" in messages["a"] and "ValueError: nope" in messages["b"]
    assert "of answer" in messages["b"] and "missing" in messages["c"]


def test_warnings_become_failures_only_where_the_check_says_so():
    answers = "def f(x):\n    return 1 / (1 + np.exp(-x))\n"

    def strict(student):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            student.f(np.array([-1000.0]))

    passed, messages, _ = run([("setup", SETUP), ("answer", answers)], {"lax": lambda s: s.f(np.array([-1000.0])),
                                                                         "strict": strict})
    assert passed == {"lax": True, "strict": False} and "overflow" in messages["strict"]


def test_numpy_only_blocks_torch_in_the_students_process():
    answers = "import torch\n\ndef f(x):\n    return torch.relu(torch.tensor(x)).numpy()\n"
    passed, messages, _ = run([("setup", SETUP), ("answer", answers)],
                              {"t": lambda s: grading.numpy_only(s.f, np.ones(2))})
    assert passed == {"t": False} and "NumPy only" in messages["t"]


def test_a_cell_that_kills_the_process_costs_only_its_own_functions():
    killer = "def tanh_forward(x):\n    return np.tanh(x), x\n\nimport os\nos._exit(3)\n"
    hang = "def sigmoid(x):\n    return x\n\nimport time\nwhile True:\n    try:\n        time.sleep(0.05)\n" \
           "    except BaseException:\n        pass\n"
    cells = [("setup", SETUP), ("answer 'tanh'", killer), ("answer 'relu'", GOOD), ("answer 'sigmoid'", hang),
             ("answer 'exit'", "import sys\nsys.exit(2)\n")]
    checks = {"test_relu": relu_check, "test_tanh": lambda s: s.tanh_forward(np.ones(2)),
              "test_sigmoid": lambda s: s.sigmoid(1)}
    passed, messages, notes = run(cells, checks, cell_timeout=2)
    assert passed == {"test_relu": True, "test_tanh": False, "test_sigmoid": False}
    assert any("'tanh'" in n and "stopped the process" in n for n in notes)
    assert any("'sigmoid'" in n and "did not stop" in n for n in notes)


def test_a_forged_agent_reply_is_only_the_students_answer():
    """Whatever the student's process sends is compared with the reference on inputs it has not seen."""
    forge = '''
import sys
agent = sys.modules["__main__"]
orig_send = agent.send
def send(sock, header, blobs=()):
    if header.get("ok") and "result" in header:       # claim every call returned zeros
        blobs = []
        header = dict(header, result={"$tuple": [agent.encode(np.zeros(3), blobs, str), None]})
    return orig_send(sock, header, blobs)
agent.send = send
'''
    passed, messages, _ = run([("setup", SETUP), ("answer", GOOD + forge)], {"test_relu": relu_check})
    assert passed == {"test_relu": False}


def test_a_missing_check_fails_with_a_message_for_the_instructor():
    passed, messages, _ = run([("setup", SETUP)], {"test_x": None})
    assert passed == {"test_x": False} and "autograde/checks" in messages["test_x"]


def test_every_graded_cell_of_every_notebook_has_a_trusted_check():
    from harness import ASSIGNMENTS, solution_notebook
    import nbformat
    for assignment in ASSIGNMENTS:
        path = solution_notebook(assignment)
        nb = nbformat.read(str(path), as_version=4)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if c.cell_type == "code"
               and c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")]
        checks = judge.load_checks(path.stem)
        assert set(ids) <= set(checks), (assignment, sorted(set(ids) - set(checks)))
        for c in nb.cells:
            assert "### BEGIN HIDDEN TESTS" not in c.source and "trainlab.reference" not in c.source, \
                (assignment, "points are decided by autograde/checks: no hidden tests or reference in the notebook")
