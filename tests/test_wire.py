"""The wire between the judge and the agent is bounded in every dimension, and the grader's inputs stay its own.

Issue 22, items 2 and 3. The attacks are written as a student would: code in an answer cell that finds
the agent's socket and writes to it, or a plain function that loops. Each runs through
judge.judge_notebook (judge.BareLauncher, as tests/test_judge.py) beside an honest right function and an
honest wrong one in the same notebook, and is followed by a check that must still pass: the attack earns
nothing, the honest answers keep their verdicts, the grader's memory and time stay bounded (the numbers
are printed: ``pytest -s``). Every size and count limit is also crossed by one, on a socket pair.
"""
import json
import os
import socket
import struct
import threading
import time

import numpy as np
import pytest

from autograde import agent as wire
from autograde import judge
from autograde.checks import augmentation as augmentation_checks
from autograde.checks import batchnorm as batchnorm_checks
from autograde.checks import initialization as initialization_checks
from trainlab import grading
from trainlab.reference import activations as ref
from trainlab.reference import batchnorm as ref_bn
from trainlab.reference import initialization as ref_init

SETUP = "import numpy as np\n"
HONEST = '''
def relu_forward(x):
    return np.maximum(x, 0.0), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def wrong_relu_forward(x):
    return np.maximum(x, 0.0) * 1.001, x


def echo(x):
    return x
'''
# What a determined student writes to reach the agent's socket from an answer cell.
FORGE = '''
import gc as _gc, json as _json, struct as _struct, threading as _threading, time as _time
_agent = [o for o in _gc.get_objects() if type(o).__name__ == "Agent"][0]


def _raw(header_bytes, tail=b""):
    _agent.sock.sendall(_struct.pack(">I", len(header_bytes)) + header_bytes + tail)


def _forge(header, tail=b""):          # as the reply to the request being answered (its id read from the agent)
    _raw(_json.dumps(dict(header, re=_agent.request_id)).encode(), tail)


def _hang():
    _time.sleep(60)
'''


def relu_check(student, name="relu_forward"):
    x = np.random.default_rng(1).standard_normal((4, 5))
    grading.check_forward(getattr(student, name), ref.relu_forward, x)


def run(answers, checks, **kw):
    cells = [("setup", SETUP), ("answer", HONEST + FORGE + answers)]
    t0 = time.monotonic()
    verdicts, notes = judge.judge_notebook(cells, list(checks), checks, judge.BareLauncher(), os.getcwd(), **kw)
    return ({k: v.passed for k, v in verdicts.items()}, {k: v.message for k, v in verdicts.items()},
            time.monotonic() - t0)


def beside_honest(attack, **kw):
    """Checks: the honest right function, the honest wrong one, the attack, then the right one again."""
    return {"honest": relu_check, "wrong": lambda s: relu_check(s, "wrong_relu_forward"), "attack": attack,
            "after": relu_check}


HONEST_VERDICTS = {"honest": True, "wrong": False, "attack": False, "after": True}


def _reset_peak():
    """Reset the kernel's peak-RSS mark for this process (Linux: clear_refs 5); False where it cannot."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measured(fn):
    """fn() and the growth of this process's peak RSS while it ran, in MB."""
    resettable = _reset_peak()
    before = _rss_mb() if resettable else _peak_mb()
    result = fn()
    return result, _peak_mb() - before


# ---------------------------------------------------------------------------------- time

def test_endless_callbacks_cannot_extend_a_call_past_its_deadline():
    """Each callback used to reset the 20 s receive timeout: a function calling the grader back forever hung it."""
    answers = "def spin(f, x):\n    while True:\n        f(x)\n"
    checks = beside_honest(lambda s: s.spin.with_timeout(2)(lambda v: v, 1.0))
    passed, messages, seconds = run(answers, checks)
    print(f"\nendless callbacks: whole notebook judged in {seconds:.1f} s; {messages['attack']}")
    assert passed == HONEST_VERDICTS
    assert "within 2 s" in messages["attack"] and seconds < 30


def test_an_endless_evaluate_loop_costs_only_its_check_and_the_check_deadline_holds():
    """09's random_search with a plain bug (the loop never ends) calls evaluate until the check's deadline."""
    answers = '''
def random_search(evaluate, space, num_trials, rng):
    records, trial = [], 0
    while trial < num_trials:          # the bug: trial is never incremented
        records.append(evaluate(**{k: 10.0 ** rng.uniform(*np.log10(v)) for k, v in space.items()}))
    return records
'''
    calls = []

    def attack(student):
        student.random_search(lambda **kw: calls.append(kw) or {"score": 0.0}, {"lr": (1e-4, 1.0)}, 3,
                              np.random.default_rng(0))

    passed, messages, seconds = run(answers, beside_honest(attack), check_timeout=3)
    print(f"\nendless evaluate loop: {len(calls)} calls, notebook judged in {seconds:.1f} s; {messages['attack']}")
    assert passed == HONEST_VERDICTS
    assert "within 3 s" in messages["attack"] and seconds < 30


def test_a_message_trickled_byte_by_byte_cannot_extend_the_deadline():
    answers = '''
def trickle(x):
    _agent.sock.sendall(_struct.pack(">I", 1000))
    for _ in range(10000):
        _agent.sock.sendall(b" ")
        _time.sleep(0.1)
'''
    passed, messages, seconds = run(answers, beside_honest(lambda s: s.trickle.with_timeout(2)(1)))
    print(f"\ntrickle: notebook judged in {seconds:.1f} s; {messages['attack']}")
    assert passed == HONEST_VERDICTS and "within 2 s" in messages["attack"] and seconds < 30


@pytest.mark.parametrize("n, ok", [(50, True), (51, False)])
def test_callbacks_are_counted_per_check(monkeypatch, n, ok):
    monkeypatch.setattr(judge, "MAX_CALLBACKS", 50)
    answers = "def call_n(f, n):\n    for i in range(n):\n        f(i)\n    return n\n"
    seen = []
    passed, messages, _ = run(answers, beside_honest(lambda s: s.call_n(seen.append, n) == n or 1 / 0))
    assert passed == dict(HONEST_VERDICTS, attack=ok), messages
    assert ok or "more than 50 times" in messages["attack"]


# ---------------------------------------------------------------------------------- memory

FORGERIES = {
    # blob sizes [N, -N] passed the sum check and streamed 2.5 GB into the grader
    "negative blob size": '_forge({"ok": True, "result": [None], "blobs": [2_684_354_560, -2_684_354_560]}, b"x" * (1 << 20))',
    # a header length far over the cap: refused before one byte of it is read
    "60 MB header": '_agent.sock.sendall(_struct.pack(">I", 60 << 20) + b"[" + b"[]," * 100_000)',
    # an error string of 64 MB (the agent's own 500-character cap is in the sandbox)
    "64 MB error": '_forge({"ok": False, "error": "x" * (64 << 20)})',
    # an array whose header claims a terabyte
    "lying array header": '''
import io as _io
_b = _io.BytesIO(); np.save(_b, np.zeros(3)); _blob = _b.getvalue().replace(b"(3,)", b"(10000000000000,)")
_forge({"ok": True, "result": [{"$nd": 0}], "blobs": [len(_blob)]}, _blob)''',
    "header nested 100,000 deep": '_raw(b"[" * 100_000 + b"]" * 100_000)',
    "not JSON": '_raw(b"\\xff\\xfe garbage")',
    "blob index out of range": '_forge({"ok": True, "result": [{"$nd": 7}]})',
    "a $rng that runs numpy.random.test": '_forge({"ok": True, "result": [{"$rng": {"bit_generator": "test"}}]})',
    "a $rng that reseeds the grader": '_forge({"ok": True, "result": [{"$rng": {"bit_generator": "seed"}}]})',
    "a malformed PCG64 state": '_forge({"ok": True, "result": [{"$rng": {"bit_generator": "PCG64", "state": 3}}]})',
    "a 200 MB callback argument": "_f(np.zeros(25_000_000))",
    "a malformed handle": '_forge({"ok": True, "result": [{"$handle": "x"}]})',
}


@pytest.mark.parametrize("name", list(FORGERIES))
def test_forged_messages_earn_nothing_and_cost_no_memory(name):
    answers = "def forged(_f):\n" + "\n".join("    " + line for line in FORGERIES[name].strip().splitlines()) + \
              "\n    _hang()\n"
    grader_state = np.random.get_state()[1].copy()
    (passed, messages, seconds), grew = measured(
        lambda: run(answers, beside_honest(lambda s: s.forged.with_timeout(10)(lambda v: 0))))
    print(f"\n{name}: grader peak RSS +{grew:.0f} MB, {seconds:.1f} s; {messages['attack'][:160]}")
    assert passed == HONEST_VERDICTS, messages
    assert grew < 150 and seconds < 40
    assert len(messages["attack"]) < 3000
    assert np.array_equal(np.random.get_state()[1], grader_state)        # the grader's generator is untouched


LONG_ERROR = '''
def long_error(x):        # a forged reply (its request's id read from the agent), then the real one, dropped later
    _forge({"ok": False, "error": "ValueError: " + "<b>x</b>" * 200_000, "re": _agent.request_id})
    return x
'''


def test_an_error_under_the_header_cap_is_cut_to_max_text_characters():
    passed, messages, _ = run(LONG_ERROR, beside_honest(lambda s: s.long_error(1)))
    assert passed == HONEST_VERDICTS
    assert len(messages["attack"]) < judge.MAX_TEXT + 200 and "more characters" in messages["attack"]


def test_big_callback_arguments_retained_by_a_check_are_bounded():
    """09's toy objective keeps every argument it is called with: 12 calls of 200 MB took 2.8 GB."""
    kept = []
    answers = "def feed(f):\n    for _ in range(12):\n        f(np.ones(25_000_000))\n"
    (passed, messages, _), grew = measured(lambda: run(answers, beside_honest(lambda s: s.feed(kept.append))))
    print(f"\nretained callback arguments: {len(kept)} kept, grader peak RSS +{grew:.0f} MB; {messages['attack']}")
    assert passed == HONEST_VERDICTS and not kept and grew < 150
    assert "MB of arguments" in messages["attack"]


def test_the_bytes_a_check_receives_are_capped(monkeypatch):
    monkeypatch.setattr(judge, "CHECK_BYTES", 10 << 20)
    answers = "def four_mb(i):\n    return np.full(500_000, float(i))\n"

    def attack(student):
        for i in range(3):                          # 3 x 4 MB > 10 MB: the third reply is refused unread
            assert student.four_mb(i)[0] == i

    passed, messages, _ = run(answers, beside_honest(attack))
    assert passed == HONEST_VERDICTS and "MB allowed" in messages["attack"]


# ---------------------------------------------------------------------------------- every limit, crossed by one

def _pair():
    a, b = socket.socketpair()
    return a, b


def _message(header, tail=b""):
    data = json.dumps(header).encode()
    return struct.pack(">I", len(data)) + data + tail


def test_the_header_cap_crossed_by_one():
    for size, ok in [(4096, True), (4097, False)]:
        a, b = _pair()
        body = b'{"x": "' + b"y" * (size - 9) + b'"}'
        assert len(body) == size
        threading.Thread(target=a.sendall, args=(struct.pack(">I", size) + body,), daemon=True).start()
        if ok:
            assert wire.receive(b, time.monotonic() + 5, max_header=4096)[0]["x"].startswith("y")
        else:
            with pytest.raises(wire.WireError, match="header"):
                wire.receive(b, time.monotonic() + 5, max_header=4096)
        a.close(), b.close()


def test_the_message_and_callback_caps_crossed_by_one():
    blob = b"z" * 100
    for op, limit_kw in [("reply", "max_bytes"), ("callback", "max_callback")]:
        message = _message({"op": op, "blobs": [len(blob)]}, blob)
        for limit, ok in [(len(message) - 4, True), (len(message) - 5, False)]:
            a, b = _pair()
            a.sendall(message)
            if ok:
                header, blobs, size = wire.receive_sized(b, time.monotonic() + 5, **{limit_kw: limit})
                assert blobs == [blob] and size == len(message)
            else:
                with pytest.raises(wire.WireError):
                    wire.receive_sized(b, time.monotonic() + 5, **{limit_kw: limit})
            a.close(), b.close()


@pytest.mark.parametrize("sizes", [[-1], [1.5], ["1"], [True], "12", [0] * (wire.MAX_BLOBS + 1)])
def test_blob_sizes_must_be_non_negative_counts(sizes):
    a, b = _pair()
    threading.Thread(target=a.sendall, args=(_message({"ok": True, "blobs": sizes}),), daemon=True).start()
    with pytest.raises(wire.WireError, match="sizes"):
        wire.receive(b, time.monotonic() + 5)


def test_the_deadline_bounds_the_whole_message_and_depth_is_capped():
    a, b = _pair()
    a.sendall(struct.pack(">I", 10) + b"[")              # 9 bytes never come
    t0 = time.monotonic()
    with pytest.raises(socket.timeout):
        wire.receive(b, time.monotonic() + 0.5)
    assert time.monotonic() - t0 < 2
    deep = {"$tuple": [1]}
    for _ in range(wire.MAX_DEPTH):
        deep = [deep]
    with pytest.raises(wire.WireError, match="levels deep"):
        wire.decode(deep, [], None)
    assert wire.decode(deep[0], [], None)                  # one level less is fine


def test_a_header_of_empty_lists_at_the_cap_stays_small():
    """A 60 MB header of empty lists took 3 GB; the header is now capped before it is parsed."""
    body = b"[" + b"[]," * ((wire.MAX_HEADER - 3) // 3) + b"[]]"
    a, b = _pair()
    threading.Thread(target=a.sendall, args=(struct.pack(">I", len(body)) + body,), daemon=True).start()
    header_or_error, grew = measured(lambda: _receive_or_error(b))
    print(f"\n{len(body) / 2**20:.1f} MB header of empty lists: peak RSS +{grew:.0f} MB")
    assert isinstance(header_or_error, wire.WireError) and grew < 150     # a list is not a message: refused


def _receive_or_error(sock):
    try:
        return wire.receive(sock, time.monotonic() + 10)
    except wire.WireError as e:
        return e


@pytest.mark.parametrize("name", sorted(wire.BIT_GENERATORS))
def test_generators_travel_by_an_allow_list_of_bit_generators(name):
    rng = np.random.Generator(wire.BIT_GENERATORS[name](7))
    rng.random(5)
    back = wire.generator(json.loads(json.dumps(wire.rng_state(rng))))
    assert back.random() == rng.random()
    for state in [{"bit_generator": "test"}, {"bit_generator": "seed"}, {"bit_generator": ["PCG64"]}, "PCG64",
                  {"bit_generator": name, "state": "x"}]:
        with pytest.raises(wire.WireError):
            wire.generator(state)


# ---------------------------------------------------------------------------------- inputs are the grader's

def test_the_students_function_never_writes_the_graders_inputs():
    answers = '''
def vandal(x, d, items, rng):
    x[...] = 0
    d["p"] = 0.0
    d.clear()
    items.append("mine")
    rng.random(1000)
    return 1
'''
    x, d, items, rng = np.ones(3), {"p": 0.5}, [1], np.random.default_rng(0)
    state = rng.bit_generator.state
    after = {}

    def attack(student):
        assert student.vandal(x, d, items, rng) == 1
        after["back"] = student.vandal.returning_inputs(x, d, items, rng)
        raise grading.GradingError("nothing to earn here")

    passed, messages, _ = run(answers, beside_honest(attack))
    assert passed == HONEST_VERDICTS, messages
    assert np.array_equal(x, np.ones(3)) and d == {"p": 0.5} and items == [1] and rng.bit_generator.state == state
    result, (x2, d2, items2, rng2), kwargs = after["back"]      # asked for: the arguments as the student left them
    assert result == 1 and not x2.any() and d2 == {} and items2 == [1, "mine"] and kwargs == {}
    assert rng2.bit_generator.state != state


FORWARD_ACTIVATIONS = {
    "honest": '''
def forward_activations(X, weights, nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(nonlinearity)
    hs, h = [], X
    for W in weights:
        h = np.tanh(h @ W) if nonlinearity == "tanh" else np.maximum(h @ W, 0)
        hs.append(h)
    return hs
''',
    "wrong": '''
def forward_activations(X, weights, nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(nonlinearity)
    hs, h = [], X
    for W in weights:
        h = np.tanh(h @ W)
        hs.append(h)
    return hs
''',
    "zeroes the weights it is given": '''
def forward_activations(X, weights, nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(nonlinearity)
    for W in weights:
        W[...] = 0
    return [np.zeros((X.shape[0], W.shape[1])) for W in weights]
''',
}
RGB_PCA = {
    "honest": '''
def rgb_pca(x):
    p = x.reshape(-1, 3)
    p = p - p.mean(axis=0)
    vals, vecs = np.linalg.eigh(p.T @ p / len(p))
    return vals[::-1], vecs[:, ::-1]
''',
    "wrong": '''
def rgb_pca(x):
    p = x.reshape(-1, 3)
    vals, vecs = np.linalg.eigh(p.T @ p / len(p))
    return vals[::-1], vecs[:, ::-1]
''',
    "zeroes the images": '''
def rgb_pca(x):
    x[...] = 0
    vals, vecs = np.linalg.eigh(np.zeros((3, 3)))        # what the reference gives for images of zeros
    return vals[::-1], vecs[:, ::-1]
''',
}


@pytest.mark.parametrize("check, answers", [(initialization_checks.test_forward_activations, FORWARD_ACTIVATIONS),
                                            (augmentation_checks.test_rgb_pca, RGB_PCA)],
                         ids=["02 forward_activations", "07 rgb_pca"])
def test_expected_values_come_from_the_graders_own_inputs(check, answers):
    """A function that zeroed its inputs in place and returned zeros earned 2/2 (02) and 1/1 (07)."""
    got = {}
    for kind, source in answers.items():
        verdicts, _ = judge.judge_notebook([("setup", SETUP), ("answer", source)], ["t"], {"t": check},
                                           judge.BareLauncher(), os.getcwd())
        got[kind] = verdicts["t"].passed
    assert got == {kind: kind == "honest" for kind in answers}


def _source(*functions):
    import inspect
    return "\n\n".join(inspect.getsource(f) for f in functions)


def test_running_averages_and_generators_are_read_where_the_contract_says_so():
    """BatchNorm's bn_param and orthogonal_init's generator: in-place effects, asked for and checked."""
    honest = _source(ref_bn.batchnorm_forward, ref_init._rng, ref_init.orthogonal_init)
    test_mode_writes = honest.replace('    if mode == "train":', '    bn_param["running_mean"] = 0 * x[0]\n'
                                                                  '    if mode == "train":', 1)
    copies_its_generator = honest.replace("def orthogonal_init(fan_in, fan_out, gain=1.0, rng=None):",
                                          "def orthogonal_init(fan_in, fan_out, gain=1.0, rng=None):\n"
                                          "    import copy\n    rng = copy.deepcopy(rng)", 1)
    assert test_mode_writes != honest and copies_its_generator != honest
    checks = {"bn": batchnorm_checks.test_bn_forward, "orth": initialization_checks.test_orthogonal_init}
    got = {}
    for kind, source in [("honest", honest), ("test mode writes", test_mode_writes),
                         ("copies its generator", copies_its_generator)]:
        verdicts, _ = judge.judge_notebook([("setup", SETUP), ("answer", source)], list(checks), checks,
                                           judge.BareLauncher(), os.getcwd())
        got[kind] = {k: v.passed for k, v in verdicts.items()}
    assert got == {"honest": {"bn": True, "orth": True}, "test mode writes": {"bn": False, "orth": True},
                   "copies its generator": {"bn": True, "orth": False}}


def test_arrays_round_trip_exactly_and_stay_writable():
    values = [np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.array([True, False]), np.arange(5, dtype=np.int8),
              np.zeros((0, 3)), np.float32(-0.0), np.array([np.nan, -np.inf]), np.array(7, dtype=np.uint64)]
    blobs = []
    back = wire.decode(wire.encode(values, blobs, None), [bytearray(b) for b in blobs], None)
    for a, b in zip(values, back):
        assert np.array_equal(a, b, equal_nan=True) and np.asarray(a).dtype == np.asarray(b).dtype
        assert np.shape(a) == np.shape(b) and np.signbit(a).tolist() == np.signbit(b).tolist()
    assert back[0].flags.writeable and wire.load_array(blobs[0]).flags.writeable
