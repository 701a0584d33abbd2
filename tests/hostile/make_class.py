"""Build classes of submissions for notebook 01 from its release: good, buggy, untouched, and hostile.

    python tests/hostile/make_class.py --samples autograde/samples/submitted   # the demo's sample class
    python tests/hostile/make_class.py --hostile DIR                           # DIR/<student>/01_activations/...

Used by tests/test_pipeline.py and tests/test_hostile.py. The answers here are written independently
of the solution (another student's style); ``EXPECT`` says what each hostile submission must get.
"""
import argparse
import copy
import json
import sys
from pathlib import Path

import nbformat

ASSIGNMENT = "01_activations"
NOTEBOOK = "activations.ipynb"
REPO = Path(__file__).resolve().parents[2]

# A correct answer written in its own style (boolean masks, explicit pieces, np.dot).
CORRECT = {
    "sigmoid": '''\
def sigmoid_forward(x):
    """Sigmoid of every entry of x (any shape), without overflow. Returns (out, cache)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))      # exp of a non-positive number: no overflow
    e = np.exp(x[~pos])                             # x < 0 here, so e < 1
    out[~pos] = e / (1.0 + e)
    cache = out
    return out, cache


def sigmoid_backward(dout, cache):
    """Gradient of the loss with respect to x, given dout of x's shape. Returns dx."""
    s = cache
    dx = dout * s * (1.0 - s)
    return dx
''',
    "tanh": '''\
def tanh_forward(x):
    """tanh of every entry of x. Returns (out, cache)."""
    t = np.tanh(x)
    return t, t


def tanh_backward(dout, cache):
    """Returns dx = dout * (1 - tanh(x)^2)."""
    t = cache
    return (1.0 - np.square(t)) * dout
''',
    "relu": '''\
def relu_forward(x):
    """max(0, x) for every entry. Returns (out, cache)."""
    out = np.where(x > 0, x, 0.0)
    return out, x


def relu_backward(dout, cache):
    """Returns dx: dout where x > 0, else 0."""
    x = cache
    dx = np.where(x > 0, dout, 0.0)
    return dx
''',
    "leaky_relu": '''\
def leaky_relu_forward(x, alpha=0.01):
    """x where x > 0, alpha * x elsewhere. Returns (out, cache)."""
    positive = x > 0
    out = np.where(positive, x, alpha * x)
    return out, (positive, alpha)


def leaky_relu_backward(dout, cache):
    """Returns dx: dout where x > 0, alpha * dout elsewhere."""
    positive, alpha = cache
    return np.where(positive, dout, alpha * dout)


def prelu_forward(x, alpha):
    """x: (N, D), alpha: (D,) learned slopes. Returns (out, cache) with out (N, D)."""
    out = np.maximum(x, 0.0) + alpha * np.minimum(x, 0.0)
    return out, (x, alpha)


def prelu_backward(dout, cache):
    """Returns dx (N, D) and dalpha (D,)."""
    x, alpha = cache
    slope = np.where(x > 0, 1.0, alpha)
    dx = dout * slope
    dalpha = np.sum(dout * np.minimum(x, 0.0), axis=0)
    return dx, dalpha
''',
    "elu": '''\
def elu_forward(x, alpha=1.0):
    """ELU of every entry, no overflow for large x. Returns (out, cache)."""
    neg_part = alpha * np.expm1(np.minimum(x, 0.0))   # exp only ever sees x <= 0
    out = np.where(x > 0, x, neg_part)
    return out, (x, alpha)


def elu_backward(dout, cache):
    """Returns dx."""
    x, alpha = cache
    local = np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))
    return dout * local


def gelu_forward(x):
    """GELU (tanh approximation) of every entry. Returns (out, cache)."""
    k = np.sqrt(2.0 / np.pi)
    t = np.tanh(k * (x + 0.044715 * x ** 3))
    out = 0.5 * x * (1.0 + t)
    return out, (x, t)


def gelu_backward(dout, cache):
    """Returns dx (product rule on 0.5 * x * (1 + t))."""
    x, t = cache
    k = np.sqrt(2.0 / np.pi)
    dt_dx = (1.0 - t ** 2) * k * (1.0 + 3 * 0.044715 * x ** 2)
    dx = dout * (0.5 * (1.0 + t) + 0.5 * x * dt_dx)
    return dx
''',
    "maxout": '''\
def maxout_forward(x, W1, b1, W2, b2):
    """Elementwise max of two affine pieces. Returns (out, cache) with out (N, H)."""
    a = x.dot(W1) + b1
    b = x.dot(W2) + b2
    use_a = a >= b                     # ties go to the first piece
    out = np.where(use_a, a, b)
    cache = (x, W1, W2, use_a)
    return out, cache


def maxout_backward(dout, cache):
    """Returns dx, dW1, db1, dW2, db2."""
    x, W1, W2, use_a = cache
    da = np.where(use_a, dout, 0.0)
    db = np.where(use_a, 0.0, dout)
    dx = da.dot(W1.T) + db.dot(W2.T)
    dW1, db1 = x.T.dot(da), da.sum(axis=0)
    dW2, db2 = x.T.dot(db), db.sum(axis=0)
    return dx, dW1, db1, dW2, db2
''',
}

# Plausible bugs: the textbook sigmoid (overflows), a leaky ReLU that ignores alpha, a sign slip in maxout.
BUGGY = dict(CORRECT)
BUGGY["sigmoid"] = '''\
def sigmoid_forward(x):
    """Sigmoid of every entry of x (any shape), without overflow. Returns (out, cache)."""
    out = 1 / (1 + np.exp(-x))
    return out, out


def sigmoid_backward(dout, cache):
    """Gradient of the loss with respect to x, given dout of x's shape. Returns dx."""
    return dout * cache * (1 - cache)
'''
BUGGY["leaky_relu"] = CORRECT["leaky_relu"].replace(
    "    out = np.where(positive, x, alpha * x)\n    return out, (positive, alpha)",
    "    out = np.where(positive, x, 0.01 * x)   # TODO alpha\n    return out, (positive, 0.01)")
BUGGY["maxout"] = CORRECT["maxout"].replace("dW2, db2 = x.T.dot(db), db.sum(axis=0)",
                                            "dW2, db2 = -x.T.dot(db), db.sum(axis=0)")
BUGGY_LOST = ["test_sigmoid", "test_leaky_relu", "test_maxout"]   # PReLU, in the same cell, keeps its point

# The questions: predictions (autograded) and the written answer (graded by hand). The hostile class leaves
# them unanswered (its expectations count the functions' points only); the demo's students answer them.
QUESTIONS = {
    "q_local_gradient_10_answer": "s = 1 / (1 + np.exp(-10))\npredicted_local_gradient_10 = s * (1 - s)",
    "q_same_sign_answer": 'choice_same_sign = "b"',
    "q_zero_centred_answer": "choice_zero_centred = 'a'   # only tanh is an odd function",
    "explain_dead_relu": "Its input is negative on every example, so ReLU passes back a zero gradient everywhere: "
                         "the weights and bias feeding it get zero gradient and never change. A smaller learning "
                         "rate or a leaky ReLU avoids it.",
}
QUESTIONS_BUGGY = dict(QUESTIONS, q_zero_centred_answer='choice_zero_centred = "b"   # the leaky ones are almost centred')
QUESTION_TESTS = ["q_local_gradient_10", "q_same_sign", "q_zero_centred"]
WRITTEN = ["explain_dead_relu"]


def release(root=REPO):
    return nbformat.read(str(Path(root) / "notebooks" / ASSIGNMENT / NOTEBOOK), as_version=4)


def gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def fill(nb, answers, light=False):
    """A copy of ``nb`` with the answer cells replaced; light=True drops ordinary code cells (experiments)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and gid(cell) in answers:
            cell.source = answers[gid(cell)]
    if light:
        nb.cells = [c for c in nb.cells if c.cell_type != "code" or c.metadata.get("nbgrader")]
    return nb


def _append_to_answer(nb, grade_id, code):
    for cell in nb.cells:
        if gid(cell) == grade_id:
            cell.source += "\n\n" + code
            return nb
    raise KeyError(grade_id)


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if gid(c) == grade_id)


def _bytes(nb):
    return nbformat.writes(nb).encode()


def _wrong(answer):
    """The same answer cell, but every function's first output scaled by 1.5 (every test must fail)."""
    names = [line[4:line.index("(")] for line in answer.splitlines() if line.startswith("def ")]
    wrap = ("\n\ndef _scaled(f):\n    def g(*args, **kwargs):\n        r = f(*args, **kwargs)\n"
            "        return (r[0] * 1.5,) + tuple(r[1:]) if isinstance(r, tuple) else r * 1.5\n    return g\n\n\n")
    return answer + wrap + "\n".join(f"{n} = _scaled({n})" for n in names) + "\n"


WRONG = {k: _wrong(v) for k, v in CORRECT.items()}


def hostile_cases(root=REPO, course_root=None):
    """{student: {file name: bytes}} for every hostile case, plus ``EXPECT`` below.

    root: where the release is read (root/notebooks/01_activations); course_root: the course being
    graded (the paths that h-read-files tries to read and write), root by default.
    """
    rel = release(root)
    course_root = course_root or root
    good = fill(rel, CORRECT, light=True)
    wrong = fill(rel, WRONG, light=True)
    cases = {}

    def add(name, nb=None, files=None):
        cases[name] = files if files is not None else {NOTEBOOK: _bytes(nb)}

    # --- resource abuse -------------------------------------------------------------------------
    add("h-infinite-loop", _append_to_answer(copy.deepcopy(good), "relu", "while True:\n    pass"))
    add("h-stubborn-loop", _append_to_answer(copy.deepcopy(good), "relu",
                                             "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                                             "    except BaseException:\n        pass"))
    add("h-memory", _append_to_answer(copy.deepcopy(good), "tanh",
                                      "hog = []\nwhile True:\n    hog.append(np.ones(10**7))"))
    add("h-sys-exit", _append_to_answer(copy.deepcopy(good), "tanh", "import sys\nsys.exit()"))
    add("h-raise-systemexit", _append_to_answer(copy.deepcopy(good), "tanh", "raise SystemExit(3)"))
    add("h-os-exit", _append_to_answer(copy.deepcopy(good), "elu", "import os\nos._exit(1)"))
    add("h-segfault", _append_to_answer(copy.deepcopy(good), "elu", "import ctypes\nctypes.string_at(0)"))
    add("h-fork-bomb", _append_to_answer(copy.deepcopy(good), "elu",
                                         "import os\nwhile True:\n    try:\n        os.fork()\n"
                                         "    except OSError:\n        pass"))
    add("h-big-output", _append_to_answer(copy.deepcopy(good), "sigmoid", "print('x' * 50_000_000)"))
    # --- test cells tampered with ---------------------------------------------------------------
    nb = copy.deepcopy(wrong)
    del nb.cells[_index(nb, "test_relu")]
    add("h-deleted-test", nb)
    nb = copy.deepcopy(wrong)
    nb.cells[_index(nb, "test_relu")].source = "print('relu: all visible checks passed')"
    add("h-edited-test", nb)
    nb = copy.deepcopy(good)
    i = _index(nb, "test_tanh")
    twin = copy.deepcopy(nb.cells[i])
    twin.id = "twin-of-test-tanh"
    nb.cells.insert(i + 1, twin)
    add("h-duplicated-test", nb)
    nb = copy.deepcopy(wrong)
    i, j = _index(nb, "test_sigmoid"), _index(nb, "test_maxout")
    nb.cells[i], nb.cells[j] = nb.cells[j], nb.cells[i]
    add("h-reordered-tests", nb)
    nb = copy.deepcopy(wrong)
    nb.cells[_index(nb, "test_relu")].metadata["nbgrader"]["points"] = 100
    nb.cells[_index(nb, "test_tanh")].metadata["nbgrader"]["grade"] = False
    add("h-metadata-points", nb)
    nb = copy.deepcopy(wrong)
    cell = nb.cells[_index(nb, "test_elu")]
    nb.cells[_index(nb, "test_elu")] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    add("h-test-to-markdown", nb)
    nb = copy.deepcopy(wrong)
    i = _index(nb, "relu")
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(
        "def relu_forward(x):\n    return np.maximum(x, 0.0), x\n\n\ndef relu_backward(dout, cache):\n"
        "    return dout * (cache > 0)\n"))
    add("h-redefined-after-answer", nb)
    # --- monkeypatching the checks --------------------------------------------------------------
    add("h-patch-allclose", _append_to_answer(copy.deepcopy(wrong), "sigmoid",
                                              "np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True"))
    add("h-patch-testing", _append_to_answer(copy.deepcopy(wrong), "sigmoid",
                                             "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None"))
    add("h-patch-grading", _append_to_answer(copy.deepcopy(wrong), "sigmoid",
                                             "for _name in ['check_close', 'check_gradients', 'check_torch', "
                                             "'check_forward', 'check_backward', 'check_function', 'check']:\n"
                                             "    setattr(grading, _name, lambda *a, **k: None)"))
    add("h-patch-builtins", _append_to_answer(copy.deepcopy(wrong), "sigmoid",
                                              "import builtins\nbuiltins.isinstance = lambda *a: True\n"
                                              "builtins.AssertionError = type('Nope', (Exception,), {})"))
    add("h-swallow-errors", _append_to_answer(copy.deepcopy(wrong), "sigmoid",
                                              "get_ipython().set_custom_exc((Exception,), lambda *a, **k: None)"))
    # --- reading what students must not see -----------------------------------------------------
    add("h-import-reference", _append_to_answer(copy.deepcopy(wrong), "tanh",
                                                "from trainlab.reference.activations import tanh_forward, "
                                                "tanh_backward"))
    add("h-call-reference", _append_to_answer(copy.deepcopy(wrong), "relu", '''\
import sys
def relu_forward(x):
    for name, mod in list(sys.modules.items()):
        if name.endswith("reference.activations"):
            return mod.relu_forward(x)
    return np.maximum(x, 0.0), x
def relu_backward(dout, cache):
    for name, mod in list(sys.modules.items()):
        if name.endswith("reference.activations"):
            return mod.relu_backward(dout, cache)
    return dout * (cache > 0)'''))
    add("h-read-files", _append_to_answer(copy.deepcopy(good), "tanh", f'''\
import glob, os
found = []
for pattern in ["{course_root}/solutions/*/*.ipynb", "{course_root}/autograde/work/gradebook.db",
                "{course_root}/autograde/work/submitted/*/*/*.ipynb", "../../*/*/*.ipynb"]:
    for path in glob.glob(pattern):
        try:
            found.append(open(path, "rb").read(100))
        except OSError:
            pass
try:
    open("{course_root}/pwned.txt", "w").write("x")
except OSError:
    pass'''))
    # --- attacks on a judge that lives in the student's process (there is none now) ------------------
    add("h-ipython-hooks", _append_to_answer(copy.deepcopy(wrong), "sigmoid", """\
def _quiet(*args, **kwargs):
    import trainlab.grading as g
    for name in dir(g):
        if name.startswith("check") or name == "numpy_only":
            setattr(g, name, lambda *a, **k: None)
_quiet.__code__ = _quiet.__code__.replace(co_filename="/usr/lib/python3/dist-packages/IPython/core/events.py")
get_ipython().events.register("pre_run_cell", _quiet)
get_ipython().events.register("post_run_cell", _quiet)"""))
    add("h-ctypes-defaults", _append_to_answer(copy.deepcopy(wrong), "sigmoid", """\
import ctypes
from trainlab import grading
d = grading.check_close.__defaults__
ctypes.pythonapi.PyTuple_SetItem.argtypes = [ctypes.py_object, ctypes.c_ssize_t, ctypes.py_object]
for i, v in enumerate([1e9, 1e9]):
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(v))
    ctypes.pythonapi.PyTuple_SetItem(d, i, v)"""))
    add("h-fake-reference", _append_to_answer(copy.deepcopy(wrong), "sigmoid", """\
import os, tempfile, trainlab
fake = tempfile.mkdtemp()
os.makedirs(os.path.join(fake, "reference"))
open(os.path.join(fake, "reference", "__init__.py"), "w").close()
open(os.path.join(fake, "reference", "activations.py"), "w").write(
    "from __main__ import *\\n")
trainlab.__path__.insert(0, fake)"""))
    add("h-cat-reference", _append_to_answer(copy.deepcopy(wrong), "sigmoid", f"""\
import glob, importlib, subprocess, trainlab
for d in trainlab.__path__ + ["{REPO}/trainlab"]:
    print(subprocess.run(["sh", "-c", f"cat {{d}}/reference/*.py"], capture_output=True, text=True).stdout)
    for path in glob.glob(d + "/reference/*.py"):
        print(open(path).read())
try:
    print(importlib.import_module("trainlab.reference.activations").__file__)
except Exception as e:
    print("import failed:", type(e).__name__)
import os
print({{k: v for k, v in os.environ.items() if "TRAINLAB" in k or "NBGRADER_DB" in k}})"""))
    add("h-harmless-glob", _append_to_answer(copy.deepcopy(good), "sigmoid",
                                             "import glob\nfound = glob.glob('/**/solutions/**', recursive=True)"))
    nb = copy.deepcopy(good)
    nb.cells.append(nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    nb.cells.append(nbformat.v4.new_code_cell("print('never reached')"))
    add("h-dies-at-the-end", nb)
    nb = copy.deepcopy(good)
    nb.cells.append(nbformat.v4.new_code_cell("while True:\n    pass"))
    add("h-experiment-loops", nb)
    # --- files that are not valid notebooks -----------------------------------------------------
    text = _bytes(good)
    add("h-truncated-json", files={NOTEBOOK: text[: len(text) // 2]})
    add("h-empty-file", files={NOTEBOOK: b""})
    add("h-pdf", files={NOTEBOOK: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"})
    v3 = nbformat.convert(copy.deepcopy(good), 3)
    add("h-nbformat3", files={NOTEBOOK: nbformat.writes(v3, version=3).encode()})
    other = copy.deepcopy(good)
    for cell in other.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id"):
            cell.metadata["nbgrader"]["grade_id"] = "other_" + cell.metadata["nbgrader"]["grade_id"]
    add("h-wrong-notebook", other)
    add("h-missing-notebook", files={"notes.txt": b"I could not finish, sorry"})
    add("h-extra-files", files={NOTEBOOK: text, "numpy.py": b"raise SystemExit('shadowed')\n",
                                "trainlab.py": b"x = 1\n", "data.csv": b"1,2,3\n"})
    return cases


# What each case must get. score: exact score, or ("<=", bound); status: acceptable statuses;
# words: the reason must mention one of these (None: anything, an empty reason included).
# Points are decided by the judge outside the kernel: a crash, a loop or a patch costs only the functions
# of the cell it is in; what a student's process does to itself earns nothing.
FULL = 16.0
ALL_TESTS = ["test_sigmoid", "test_tanh", "test_relu", "test_leaky_relu", "test_prelu", "test_elu", "test_gelu",
             "test_maxout"]
GRADED = ALL_TESTS + QUESTION_TESTS + WRITTEN      # every grade cell of 01, as the gradebook lists them
REVIEW = ["flagged for review"]
EXPECT = {
    # the functions are defined before the abuse in the same answer cell
    "h-infinite-loop": {"status": {"timeout"}, "words": ["time limit"], "score": FULL},
    "h-stubborn-loop": {"status": {"timeout"}, "words": ["did not stop"], "score": FULL - 2},   # relu's cell is lost
    "h-memory": {"status": {"memory", "crashed", "timeout"}, "words": ["memory", "killed", "time limit"], "score": FULL},
    "h-sys-exit": {"status": {"graded"}, "words": ["SystemExit"], "score": FULL},
    "h-raise-systemexit": {"status": {"graded"}, "words": ["SystemExit"], "score": FULL},
    "h-os-exit": {"status": {"crashed"}, "words": ["stopped the process"], "score": FULL - 3},      # ELU and GELU
    "h-segfault": {"status": {"crashed"}, "words": ["stopped the process"], "score": FULL - 3},
    "h-fork-bomb": {"status": {"crashed", "timeout"}, "words": ["processes", "time limit"], "score": FULL - 3},
    "h-big-output": {"status": {"output"}, "words": ["printed more than"], "score": FULL},
    # test cells tampered with: nbgrader puts them back; the answers are wrong, so nothing is earned
    "h-deleted-test": {"status": {"graded"}, "words": ["deleted"], "score": 0.0},
    "h-edited-test": {"status": {"graded"}, "words": ["edited"], "score": 0.0},
    "h-duplicated-test": {"status": {"graded"}, "words": ["twice"], "score": FULL},
    "h-reordered-tests": {"status": {"graded"}, "words": ["order"], "score": 0.0},
    "h-metadata-points": {"status": {"graded"}, "words": ["metadata"], "score": 0.0},
    "h-test-to-markdown": {"status": {"graded"}, "words": ["switched"], "score": 0.0},
    "h-redefined-after-answer": {"status": {"graded"}, "words": ["redefines"], "score": 0.0},
    # patching the checks: they do not run in the student's process
    "h-patch-allclose": {"status": {"graded"}, "words": REVIEW, "score": 0.0},
    "h-patch-testing": {"status": {"graded"}, "words": REVIEW, "score": 0.0},
    "h-patch-grading": {"status": {"graded"}, "words": REVIEW, "score": 0.0},
    "h-patch-builtins": {"status": {"graded", "timeout"}, "words": REVIEW, "score": 0.0},   # its own kernel hangs
    "h-swallow-errors": {"status": {"graded"}, "words": REVIEW, "score": 0.0},
    "h-ipython-hooks": {"status": {"graded"}, "words": REVIEW, "score": 0.0},
    "h-ctypes-defaults": {"status": {"graded"}, "words": REVIEW, "score": 0.0},
    "h-fake-reference": {"status": {"graded"}, "words": REVIEW, "score": 0.0},
    # the reference does not exist in the sandbox; relu's fallback computes the right answer itself
    "h-import-reference": {"status": {"graded"}, "words": REVIEW, "score": 0.0},
    "h-call-reference": {"status": {"graded"}, "words": REVIEW, "score": 2.0},
    "h-cat-reference": {"status": {"graded"}, "words": None, "score": 0.0},
    "h-read-files": {"status": {"graded"}, "words": REVIEW, "score": FULL},
    "h-harmless-glob": {"status": {"graded", "timeout"}, "words": None, "score": FULL},    # a slow glob: no penalty
    # a dying or endless experiment cell costs nothing
    "h-dies-at-the-end": {"status": {"crashed"}, "words": ["kernel"], "score": FULL},
    "h-experiment-loops": {"status": {"timeout"}, "words": ["time limit"], "score": FULL},
    # files that are not notebooks
    "h-truncated-json": {"status": {"invalid"}, "words": ["JSON"], "score": 0.0},
    "h-empty-file": {"status": {"invalid"}, "words": ["empty"], "score": 0.0},
    "h-pdf": {"status": {"invalid"}, "words": ["PDF"], "score": 0.0},
    "h-nbformat3": {"status": {"graded"}, "words": ["nbformat 3"], "score": FULL},
    "h-wrong-notebook": {"status": {"invalid"}, "words": ["wrong notebook"], "score": 0.0},
    "h-missing-notebook": {"status": {"missing"}, "words": ["not submitted"], "score": 0.0},
    "h-extra-files": {"status": {"graded"}, "words": ["extra files"], "score": FULL},
}


def write_class(dest, cases):
    dest = Path(dest)
    for student, files in cases.items():
        d = dest / student / ASSIGNMENT
        d.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (d / name).write_bytes(data)


def samples(root=REPO):
    rel = release(root)
    return {"ada": {NOTEBOOK: _bytes(fill(rel, {**CORRECT, **QUESTIONS}))},
            "ben": {NOTEBOOK: _bytes(fill(rel, {**BUGGY, **QUESTIONS_BUGGY}))},
            "cleo": {NOTEBOOK: _bytes(rel)}}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", help="write the demo's sample class (ada, ben, cleo) here")
    p.add_argument("--hostile", help="write the hostile class here")
    args = p.parse_args(argv)
    if args.samples:
        write_class(args.samples, samples())
    if args.hostile:
        write_class(args.hostile, hostile_cases())
        (Path(args.hostile) / "EXPECT.json").write_text(json.dumps(EXPECT, indent=1, default=list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
