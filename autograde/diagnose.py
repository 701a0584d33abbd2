"""Name the mistake behind a failed check, when it is a known one (the grader's side only).

    diagnoser(notebook_stem) -> diagnose(grade_id, check, message) -> sentence or None   (judge.judge_notebook)

The misconception catalogue (``trainlab/reference/misconceptions/<notebook stem>.py``, instructor-only)
lists, per graded test cell, plausible wrong answers: a one-line name, advice a student can act on, the
notebook section, and ``wrong``: {function name: wrong function} replacing the reference's functions of
that name. When a student's check fails, the SAME check function runs again here, in the grader's
process, against a local stand-in for ``student`` (``StandIn``) whose namespace is the reference module's
with one entry's wrong functions swapped in. The entry matches when that run fails with exactly the
student's message: the messages print the worst entry's got/expected values to 6 significant digits (and
how many entries differ), so an identical message means the outputs agree within the check's tolerance.

A misconception is named only when exactly one entry matches (or every matching entry has the same
name), never for a passing check, and never when the reference itself fails the check on the stand-in.

Cost: a check's outcome for a catalogue entry does not depend on the student, so each (check, entry)
runs once per grading process, the first time a student fails that check; every later diagnosis of
that check is a dictionary lookup.

``python -m autograde.diagnose --hints`` writes ``trainlab/hints/<notebook stem>.json``, the Validate
hints that ship with the student bundle (see ``build_hints``).
"""
import builtins
import copy
import importlib
import io
import json
import random
import re
import sys
import time
import types
import warnings
from pathlib import Path

import numpy as np

from autograde.judge import StudentRaised, _describe, _warning_action
from autograde.agent import MAX_DEPTH, PLAIN_KINDS
from trainlab.grading import GradingError

CATALOGUE_PACKAGE = "trainlab.reference.misconceptions"
REPO = Path(__file__).resolve().parents[1]
_WHERE = re.compile(r" \(line \d+ of [^()]*\)")

_MODULES = {}                  # module name -> module (or None when it does not exist)
_OUTCOMES = {}                 # (notebook, grade_id, check) -> {"reference": message|None, "entries": [message|None]}


# ------------------------------------------------------------------------------------ the catalogue

def _import(name):
    if name not in _MODULES:
        try:
            _MODULES[name] = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name is None or not (name == e.name or name.startswith(e.name + ".")):
                raise
            _MODULES[name] = None
    return _MODULES[name]


def catalogue(notebook):
    """The catalogue module of a notebook (file stem), or None when it has none."""
    return _import(f"{CATALOGUE_PACKAGE}.{notebook}")


def entries(notebook, grade_id):
    """The catalogue's entries for one graded test cell (a list of dicts; [] when there are none)."""
    module = catalogue(notebook)
    return list(getattr(module, "CATALOGUE", {}).get(grade_id, [])) if module is not None else []


def reference_module(notebook, check=None):
    """The reference module an entry's wrong functions replace functions of."""
    module = catalogue(notebook)
    name = getattr(module, "REFERENCE", None) if module is not None else None
    if name:
        return _import(f"trainlab.reference.{name}")
    ref = getattr(check, "__globals__", {}).get("ref")
    return ref if isinstance(ref, types.ModuleType) else None


def sentence(entry):
    """What the student reads under the check's message."""
    advice = entry["advice"].strip().rstrip(".")
    return f"This matches a known mistake: {entry['name']}. {advice} (see section {entry['section']})."


# ------------------------------------------------------------------------------------ the stand-in

def _rebind(fn, namespace, name=None):
    """``fn`` with ``namespace`` as its globals (and ``name`` as its name: a wrong answer goes by the name it replaces)."""
    new = types.FunctionType(fn.__code__, namespace, name or fn.__name__, fn.__defaults__, fn.__closure__)
    new.__kwdefaults__ = copy.copy(fn.__kwdefaults__)
    new.__doc__, new.__qualname__, new.__module__ = fn.__doc__, name or fn.__qualname__, "__main__"
    new.__dict__.update(fn.__dict__)
    return new


def _scaled(value, factor):
    """``value`` with its floating-point numbers multiplied by ``factor`` (functions wrapped, the rest as it is)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return value * factor
    if isinstance(value, (float, np.floating)) and not isinstance(value, bool):
        return value * factor
    if isinstance(value, tuple):                 # named tuples too: they travel as tuples
        return tuple(_scaled(v, factor) for v in value)
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, types.FunctionType):
        return _perturbed(value, factor)
    return value


def _perturbed(fn, factor):
    def perturbed(*args, **kwargs):
        return _scaled(fn(*args, **kwargs), factor)
    perturbed.__name__ = perturbed.__qualname__ = fn.__name__
    return perturbed


def namespace(reference, wrong=None, extra=None, perturb=None):
    """A notebook-like namespace: the reference module's names with ``wrong`` swapped in.

    Every function of the reference (and of ``extra``, the catalogue module, whose helpers the wrong
    functions may use) is rebound to this one namespace, as the functions of a notebook share its
    globals: a wrong ``batchnorm_forward`` is also what ``spatial_batchnorm_forward`` calls here.
    perturb: a factor the swapped-in functions' floating-point outputs are multiplied by (see ``outcomes``).
    """
    ns = {"__name__": "__main__", "__builtins__": builtins}
    own = {reference.__name__}
    if extra is not None:
        own.add(extra.__name__)
        ns.update({k: v for k, v in vars(extra).items() if not k.startswith("__")})
    ns.update({k: v for k, v in vars(reference).items() if not k.startswith("__")})
    ns.update(wrong or {})
    for key, value in list(ns.items()):
        if isinstance(value, types.FunctionType) and value.__module__ in own:
            ns[key] = _rebind(value, ns, key if key in (wrong or {}) else None)
    for key in (wrong or {}) if perturb else ():
        ns[key] = _scaled(ns[key], perturb)      # a function's outputs, or a value (a wrong best_config) itself
    return ns


class LocalHandle:
    """What judge.Handle is for the stand-in: a non-plain value the student's function returned."""

    def __init__(self, standin, obj):
        self._standin, self._obj = standin, obj
        self.kind = type(obj).__name__
        self._callable = callable(obj)
        self.__name__ = f"<{self.kind} returned by your code>"

    def __call__(self, *args, **kwargs):
        if not self._callable:
            raise GradingError(f"expected a function, got a {self.kind}.")
        return self._standin._call(self._obj, self.__name__, args, kwargs)

    def returning_inputs(self, *args, **kwargs):
        if not self._callable:
            raise GradingError(f"expected a function, got a {self.kind}.")
        return self._standin._call(self._obj, self.__name__, args, kwargs, inputs_back=True)

    def __repr__(self):
        return f"<{self.kind} in the sandbox>"


class LocalRemote:
    """What judge.Remote is for the stand-in: a name in the stand-in's namespace."""

    def __init__(self, standin, name):
        self._standin, self.__name__ = standin, name

    def __call__(self, *args, **kwargs):
        return self._standin._call(None, self.__name__, args, kwargs)

    def numpy_only(self, *args, **kwargs):
        return self(*args, **kwargs)        # the catalogue is NumPy: nothing to block

    def returning_inputs(self, *args, **kwargs):
        return self._standin._call(None, self.__name__, args, kwargs, inputs_back=True)

    def with_timeout(self, seconds):
        return self

    def __eq__(self, other):
        return isinstance(other, LocalRemote) and (other._standin, other.__name__) == (self._standin, self.__name__)

    def __hash__(self):
        return hash((id(self._standin), self.__name__))

    def __repr__(self):
        return f"<student's {self.__name__}>"


def _failure(exc):
    message = str(exc).strip().splitlines()[0][:500] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}".rstrip(": ")


class StandIn:
    """A local ``student`` for a check: the same interface as judge.Student, on a namespace of this process.

    Calls go through the same conversions as the wire (arrays, dicts and generators copied in, never written
    back; ``returning_inputs`` gives the arguments as the function left them; plain data out,
    anything else a handle named as the judge names it), the same warning rules and the same messages,
    so that a check fails here with the message it gives a student whose functions compute the same.
    """

    def __init__(self, ns):
        self._ns = ns

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return LocalRemote(self, name)

    def rng(self, seed):
        return np.random.default_rng(seed)

    def value(self, name):
        if name not in self._ns:
            raise StudentRaised(f"reading `{name}` raised NameError: name '{name}' is not defined.", "NameError")
        return self._out(self._ns[name])

    def run(self, code, **inputs):
        scope = dict(self._ns)
        try:
            scope.update(self._in(inputs))
        except NameError as e:
            raise StudentRaised(f"running the grader's code raised {_failure(e)}.", "NameError") from None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(code, "<grader>", "exec"), scope)
        except Exception as e:  # noqa: BLE001 - as the agent reports it
            raise StudentRaised(f"running the grader's code raised {_failure(e)}.", type(e).__name__) from None
        return self._out(scope.get("result"))

    # -- conversions, as autograde/agent.py's encode/decode ------------------------------------------
    def _in(self, value, depth=0):
        if value is None or isinstance(value, (bool, str)) or type(value) in (int, float):
            return value
        if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in PLAIN_KINDS:
            return value.copy()
        if isinstance(value, (list, tuple)):
            items = [self._in(v, depth + 1) for v in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, dict):
            return {self._in(k, depth + 1): self._in(v, depth + 1) for k, v in value.items()}
        if isinstance(value, LocalRemote):
            if value.__name__ not in self._ns:
                raise NameError(f"name '{value.__name__}' is not defined")
            return self._ns[value.__name__]
        if isinstance(value, LocalHandle):
            return value._obj
        if isinstance(value, np.random.Generator):
            return copy.deepcopy(value)     # the grader's own does not advance (judge.Student.returning_inputs)
        if callable(value):
            return value                    # a function of the grader's is called here
        raise TypeError(f"the grader cannot send a {type(value).__name__} to the student's code")

    def _out(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise GradingError(f"returned something that is not plain data (data nested more than {MAX_DEPTH} "
                               "levels deep).")
        if value is None or isinstance(value, (bool, str)) or type(value) in (int, float):
            return value
        if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in PLAIN_KINDS:
            return np.array(value) if isinstance(value, np.ndarray) else value.copy()
        if isinstance(value, (list, tuple)):
            items = [self._out(v, depth + 1) for v in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, dict):
            return {self._out(k, depth + 1): self._out(v, depth + 1) for k, v in value.items()}
        if isinstance(value, np.random.Generator):
            return copy.deepcopy(value)     # a generator travels as its state
        return LocalHandle(self, value)

    def _call(self, fn, label, args, kwargs, inputs_back=False):
        what = f"{label}{_describe(args)}"
        if fn is None:
            if label not in self._ns:
                raise StudentRaised(f"{what} raised NameError: name '{label}' is not defined.", "NameError")
            fn = self._ns[label]
        try:
            new_args, new_kwargs = self._in(list(args)), self._in(dict(kwargs))
        except NameError as e:
            raise StudentRaised(f"{what} raised {_failure(e)}.", "NameError") from None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fn(*new_args, **new_kwargs)
            except Exception as e:  # noqa: BLE001 - the wrong answer raised, as a student's would
                raise StudentRaised(f"{what} raised {_failure(e)}.", type(e).__name__) from None
        result = self._out(result)
        for w in caught[:20]:
            category, message = w.category.__name__, str(w.message)[:300]
            cls = getattr(builtins, category, None)
            cls = cls if isinstance(cls, type) and issubclass(cls, Warning) else UserWarning
            if _warning_action(cls, message) == "error":
                advice = " (compute it without overflowing or dividing by zero)" if category == "RuntimeWarning" else ""
                raise GradingError(f"{what} warned: {category}: {message}{advice}")
        return (result, self._out(new_args), self._out(new_kwargs)) if inputs_back else result


# ------------------------------------------------------------------------------------ running a check

def _seed(grade_id):
    """The seed judge_notebook gives the student's process before this check (Session.seed)."""
    return int.from_bytes(grade_id.encode()[:4].ljust(4, b"\0"), "big") % 2**32


def run_check(check, ns, grade_id):
    """The message ``check`` fails with on a stand-in made of ``ns`` (as judge_notebook words it), or None."""
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    saved = (random.getstate(), np.random.get_state(), torch.get_rng_state() if torch is not None else None,
             torch.get_num_threads() if torch is not None else None)
    seed = _seed(grade_id)
    random.seed(seed)
    np.random.seed(seed)
    if torch is not None:
        torch.manual_seed(seed)
        torch.set_num_threads(1)             # small arrays: one thread is faster, and leaves the other cores alone
    try:
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            check(StandIn(ns))
        return None
    except AssertionError as e:
        return str(e) or "a check failed"
    except Exception as e:  # noqa: BLE001 - as judge_notebook words it
        return f"your code's output could not be checked: {type(e).__name__}: {e}"
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        if torch is not None and saved[2] is not None:
            torch.set_rng_state(saved[2])
            torch.set_num_threads(saved[3])


def normalise(message):
    """A message without the line numbers of the student's cells (a wrong answer of the catalogue has none)."""
    return _WHERE.sub("", (message or "").strip())


def outcomes(notebook, grade_id, check):
    """What the check says for the reference and for each entry, computed once per process:

    {"reference": message or None, "entries": [message or None], "specific": [bool]}.
    An entry's message is *specific* when it depends on the wrong answer's values: the same entry with its
    outputs multiplied by 1.001 fails with another message. A message that does not (a fixed sentence such
    as "the zeroed entries must be where ...") can come from other mistakes than this one, so it names the
    entry only when the entry says ``"specific": True`` (its author checked that only this mistake gives it).
    """
    key = (notebook, grade_id, check)
    if key not in _OUTCOMES:
        found = entries(notebook, grade_id)
        ref = reference_module(notebook, check)
        if ref is None or not found:
            _OUTCOMES[key] = {"reference": None, "entries": [None] * len(found), "specific": [False] * len(found)}
        else:
            extra = catalogue(notebook)
            reference = run_check(check, namespace(ref, None, extra), grade_id)
            messages, specific = [], []
            for e in found:
                message = run_check(check, namespace(ref, e["wrong"], extra), grade_id) if reference is None else None
                messages.append(message)
                specific.append(message is not None and (bool(e.get("specific")) or normalise(message) != normalise(
                    run_check(check, namespace(ref, e["wrong"], extra, perturb=1.001), grade_id))))
            _OUTCOMES[key] = {"reference": reference, "entries": messages, "specific": specific}
    return _OUTCOMES[key]


def match(notebook, grade_id, check, message):
    """The catalogue entry the failure matches (a dict), or None."""
    found = entries(notebook, grade_id)
    if not found or not message:
        return None
    result = outcomes(notebook, grade_id, check)
    if result["reference"] is not None:          # the stand-in cannot run this check: never guess
        return None
    target = normalise(message)
    hits = [(e, ok) for e, m, ok in zip(found, result["entries"], result["specific"])
            if m is not None and normalise(m) == target]
    if not hits or len({e["name"] for e, _ in hits}) > 1 or not all(ok for _, ok in hits):
        return None
    return hits[0][0]


def diagnoser(notebook):
    """diagnose(grade_id, check, message) -> sentence or None, for judge.judge_notebook; None without a catalogue."""
    try:
        if catalogue(notebook) is None:
            return None
    except Exception as e:  # noqa: BLE001 - a broken catalogue must not stop grading: the judge notes it
        problem = f"the misconception catalogue of {notebook} cannot be loaded ({type(e).__name__}: {e})"

        def broken(grade_id, check, message):
            raise RuntimeError(problem)

        return broken

    def diagnose(grade_id, check, message):
        entry = match(notebook, grade_id, check, message)
        return sentence(entry) if entry is not None else None

    return diagnose


def warm(notebook, checks=None):
    """Run every catalogue entry of a notebook through its check now (e.g. before forking workers)."""
    from autograde.judge import load_checks
    checks = checks if checks is not None else load_checks(notebook)
    module = catalogue(notebook)
    t0 = time.monotonic()
    for gid in getattr(module, "CATALOGUE", {}):
        if gid in checks:
            outcomes(notebook, gid, checks[gid])
    return time.monotonic() - t0


# ------------------------------------------------------------------------------------ Validate hints

HINTS_DIR = REPO / "trainlab" / "hints"


def _visible_failure(setup, test_source, ns, workdir):
    """(``"ename: evalue"`` of a visible test cell run on ``ns`` with the names of ``setup``, or None if it passes;
    the names the cell left)."""
    import contextlib
    import os
    from autograde.agent import _python_source

    scope = dict(ns)
    for name, value in setup.items():
        scope.setdefault(name, value)                  # the answers come after the setup cell: theirs win
    here = os.getcwd()
    os.chdir(workdir)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            exec(compile(_python_source(test_source), "<test cell>", "exec"), scope)
        return None, scope
    except Exception as e:  # noqa: BLE001 - what nbgrader shows: the exception's class and message
        return f"{type(e).__name__}: {e}", scope
    finally:
        os.chdir(here)


def hint_text(message):
    """A visible test's error as Validate reads it, normalised for comparison."""
    return re.sub(r"\s+", " ", re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", message or "")).strip()


def build_hints(root=REPO, out_dir=None, notebooks=None):
    """Write ``trainlab/hints/<stem>.json``: for the catalogue entries marked ``"hint": True`` (the instructor's
    choice; none by default), the error their wrong answer gives in the notebook's VISIBLE test cell.

    Only the error text, the entry's name, advice and section ship; never a wrong (or right) implementation.
    An entry that passes the visible test (it is caught only by the hidden checks) ships nothing.
    Returns {stem: number of hints written}.
    """
    import contextlib

    import nbformat
    from autograde.agent import _python_source

    root = Path(root)
    out_dir = Path(out_dir) if out_dir else root / "trainlab" / "hints"
    written = {}
    for path in sorted((root / "solutions").glob("*/*.ipynb")):
        stem = path.stem
        module = catalogue(stem)
        if module is None or (notebooks and stem not in notebooks):
            continue
        chosen = {gid: [e for e in es if e.get("hint")] for gid, es in module.CATALOGUE.items()}
        if not any(chosen.values()):
            continue
        nb = nbformat.read(str(path), as_version=4)
        setup, tests = {"__name__": "__main__"}, {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code":
                continue
            if meta.get("grade") and not meta.get("solution"):
                tests[meta["grade_id"]] = cell.source
            elif meta.get("locked") and not meta.get("solution"):
                here = Path.cwd()
                import os
                os.chdir(path.parent)
                try:
                    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                        warnings.simplefilter("ignore")
                        exec(compile(_python_source(cell.source), "<setup>", "exec"), setup)
                finally:
                    os.chdir(here)
        ref = reference_module(stem)
        hints = {}
        right = namespace(ref, None, module)
        for gid, source in tests.items():             # in notebook order: a cell may use an earlier cell's imports
            failed, scope = _visible_failure(setup, source, right, path.parent)
            known = dict(setup)
            setup.update({k: v for k, v in scope.items() if k not in right and not k.startswith("__")})
            if failed is not None:
                continue                              # the reference fails the visible cell here: no hint
            for e in chosen.get(gid, []):
                error, _ = _visible_failure(known, source, namespace(ref, e["wrong"], module), path.parent)
                other, _ = _visible_failure(known, source, namespace(ref, e["wrong"], module, perturb=1.001),
                                            path.parent)
                if error is not None and hint_text(other) != hint_text(error):   # the error depends on the output
                    hints.setdefault(gid, []).append({"error": hint_text(error), "name": e["name"],
                                                      "advice": e["advice"], "section": str(e["section"])})
        for gid in list(hints):                           # an error two entries give names neither
            seen = {}
            for h in hints[gid]:
                seen.setdefault(h["error"], set()).add(h["name"])
            hints[gid] = [h for h in hints[gid] if len(seen[h["error"]]) == 1]
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{stem}.json").write_text(json.dumps(
            {"notebook": stem, "about": "Validate's hints: errors of the visible tests that match a known mistake "
                                       "(generated by python -m autograde.diagnose --hints; do not edit)",
             "hints": hints}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written[stem] = sum(len(v) for v in hints.values())
    return written


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(prog="python -m autograde.diagnose",
                                     description="Misconception catalogue tools (autograde/diagnose.py).")
    parser.add_argument("--hints", action="store_true", help="write trainlab/hints/<notebook>.json for Validate")
    parser.add_argument("--warm", nargs="*", metavar="NOTEBOOK", help="run the catalogue of these notebooks now "
                        "and print the time it took")
    args = parser.parse_args(argv)
    if args.hints:
        for stem, n in build_hints().items():
            print(f"trainlab/hints/{stem}.json: {n} hint(s)")
    for stem in args.warm or []:
        print(f"{stem}: catalogue run in {warm(stem):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
