"""The trusted side of grading: every point is decided here, in the grader's own process.

A notebook's student code runs only inside the sandbox, in an agent (autograde/agent.py) that has
run the notebook's setup and answer cells. For each graded test cell, the check of the same name in
``autograde/checks/<notebook>.py`` runs here: it calls the student's functions through a ``Student``
on inputs it chooses, receives their outputs as plain data, and compares them with
``trainlab.reference``, which exists only on this side. What comes back is only "the student's
answer": forging a right output for fresh inputs is computing it.

    judge_notebook(cells, tests, checks, launcher, workdir) -> ({grade_id: Verdict}, notes)

A check is ``def <grade_id>(student)``; it passes by returning and fails by raising (its message is
the feedback). Inside it:

    student.relu_forward(x)            call a function; plain data in and out, anything else a Handle
    student.value("predicted_std")     a variable's value
    student.run(code, **inputs)        run grader code in the student's namespace, return ``result``
    student.relu_forward.numpy_only(x) the same call with torch made unimportable
    student.fit.with_timeout(60)(...)  a call allowed more than the default 20 s

Arrays, dicts and lists passed in are updated in place with what the student's function did to them,
NumPy Generators advance as they would locally, and a function of the grader's passed as an argument
is called back here (so a toy objective or a reference schedule never enters the sandbox).
Warnings the student's code raised are raised again here when the check made them errors.
"""
import builtins
import importlib
import inspect
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass

import numpy as np

from autograde import agent as wire
from trainlab.grading import GradingError

AGENT_SOURCE = inspect.getsource(wire)
CALL_TIMEOUT = 20.0


@dataclass
class Verdict:
    passed: bool
    message: str
    seconds: float = 0.0
    diagnosis: str = None       # the misconception the failure matches, in a sentence (autograde/diagnose.py)


class StudentRaised(GradingError):
    """The student's code raised; ``kind`` is the exception's class name (e.g. "ValueError")."""

    def __init__(self, message, kind):
        super().__init__(message)
        self.kind = kind


class AgentDied(GradingError):
    """The student's process died or stopped answering."""


class Handle:
    """An object that stayed in the sandbox (a cache holding objects, a model, a function)."""

    def __init__(self, student, key, kind, is_callable, life):
        self._student, self._key, self.kind, self._callable, self._life = student, key, kind, is_callable, life
        self.__name__ = f"<{kind} returned by your code>"

    def __call__(self, *args, **kwargs):
        if not self._callable:
            raise GradingError(f"expected a function, got a {self.kind}.")
        return self._student._call({"$handle": self._key}, self.__name__, args, kwargs, life=self._life)

    def __repr__(self):
        return f"<{self.kind} in the sandbox>"


class Remote:
    """A name in the student's namespace, called through the agent."""

    def __init__(self, student, name, timeout=CALL_TIMEOUT, numpy_only_=False):
        self._student, self.__name__, self._timeout, self._numpy_only = student, name, timeout, numpy_only_

    def __call__(self, *args, **kwargs):
        return self._student._call({"$name": self.__name__}, self.__name__, args, kwargs,
                                   timeout=self._timeout, numpy_only=self._numpy_only)

    def numpy_only(self, *args, **kwargs):
        """Call with torch made unimportable (``trainlab.grading.numpy_only`` uses this)."""
        return Remote(self._student, self.__name__, self._timeout, True)(*args, **kwargs)

    def with_timeout(self, seconds):
        return Remote(self._student, self.__name__, seconds, self._numpy_only)

    def __eq__(self, other):
        return isinstance(other, Remote) and (other._student, other.__name__) == (self._student, self.__name__)

    def __hash__(self):
        return hash((id(self._student), self.__name__))

    def __repr__(self):
        return f"<student's {self.__name__}>"


class Student:
    """What a check receives: the student's namespace, reached only through the agent."""

    def __init__(self, session, deadline):
        self._session, self._deadline = session, deadline
        self._callbacks = {}          # functions of the grader's the student's code may call, for this check

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return Remote(self, name)

    def rng(self, seed):
        return np.random.default_rng(seed)

    def value(self, name):
        header, result = self._request({"op": "value", "name": name}, (), f"reading `{name}`", CALL_TIMEOUT)
        return result

    def run(self, code, **inputs):
        blobs = []
        tree = wire.encode(inputs, blobs, self._encoder())
        _, result = self._request({"op": "run", "code": code, "inputs": tree}, blobs, "running the grader's code",
                                  CALL_TIMEOUT)
        return result

    # -- the channel -----------------------------------------------------------------------------
    def _encoder(self):
        callbacks = self._callbacks

        def other(obj):
            if isinstance(obj, Remote):
                return {"$name": obj.__name__}
            if isinstance(obj, Handle):
                if obj._life != self._session.life:
                    raise GradingError("a value from before your code was restarted cannot be used again.")
                return {"$handle": obj._key}
            if isinstance(obj, np.random.Generator):
                return {"$rng": obj.bit_generator.state}
            if callable(obj):
                callbacks[len(callbacks) + 1] = obj
                return {"$callback": len(callbacks)}
            raise TypeError(f"the grader cannot send a {type(obj).__name__} to the student's code")
        return other

    def _decoder(self):
        life = self._session.life

        def special(key, payload):
            if key == "$handle":
                return Handle(self, payload[0], payload[1], payload[2], life)
            if key == "$rng":
                bitgen = getattr(np.random, payload["bit_generator"])()
                bitgen.state = payload
                return np.random.Generator(bitgen)
            raise wire.WireError(f"unexpected {key} from the sandbox")
        return special

    def _call(self, target, label, args, kwargs, timeout=CALL_TIMEOUT, numpy_only=False, life=None):
        if life is not None and life != self._session.life:
            raise GradingError(f"{label}: a value from before your code was restarted cannot be used again.")
        blobs = []
        header = {"op": "call", "target": target, "args": wire.encode([list(args), dict(kwargs)], blobs, self._encoder()),
                  "numpy_only": numpy_only}
        reply, result = self._request(header, blobs, f"{label}{_describe(args)}", timeout)
        value, new_args, new_kwargs = result
        for old, new in zip(list(args) + list(kwargs.values()), list(new_args) + list(new_kwargs.values())):
            _sync(old, new)
        for category, message in reply.get("warnings", []):
            cls = getattr(builtins, category, None)
            cls = cls if isinstance(cls, type) and issubclass(cls, Warning) else UserWarning
            if _warning_action(cls, message) == "error":
                advice = " (compute it without overflowing or dividing by zero)" if category == "RuntimeWarning" else ""
                raise GradingError(f"{label}{_describe(args)} warned: {category}: {message}{advice}")
        return value

    def _request(self, header, blobs, what, timeout):
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise GradingError(f"this check ran out of time before {what}.")
        reply, reply_blobs = self._session.request(header, blobs, min(timeout, remaining), what,
                                                   self._callbacks, self._decoder())
        if not reply.get("ok"):
            where = f" ({reply['where']})" if reply.get("where") else ""
            raise StudentRaised(f"{what} raised {reply.get('error')}{where}.", str(reply.get("error")).split(":")[0])
        try:
            return reply, wire.decode(reply["result"], reply_blobs, self._decoder())
        except (wire.WireError, ValueError) as e:
            raise GradingError(f"{what} returned something that is not plain data ({e}).") from None


def _describe(args):
    parts = []
    for a in args[:4]:
        if isinstance(a, np.ndarray):
            parts.append(f"array of shape {a.shape}")
        elif isinstance(a, (int, float, str, bool)) or a is None:
            parts.append(repr(a)[:30])
        else:
            parts.append(type(a).__name__)
    return "(" + ", ".join(parts) + (", ..." if len(args) > 4 else "") + ")"


def _warning_action(category, message):
    for action, msg, cat, _mod, _line in warnings.filters:
        if (msg is None or msg.match(message)) and issubclass(category, cat):
            return action
    return warnings.defaultaction


def _sync(old, new):
    """Make ``old`` (what the check passed) look as the student's function left it."""
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray):
        if old.shape == new.shape and old.flags.writeable:
            old[...] = new
    elif isinstance(old, dict) and isinstance(new, dict):
        for key in [k for k in old if k not in new]:
            del old[key]
        for key, value in new.items():
            if key in old and isinstance(old[key], (np.ndarray, dict, list)) and type(old[key]) is type(value) \
                    and getattr(old[key], "shape", None) == getattr(value, "shape", None):
                _sync(old[key], value)
            else:
                old[key] = value
    elif isinstance(old, list) and isinstance(new, list):
        old[:] = new
    elif isinstance(old, np.random.Generator) and isinstance(new, np.random.Generator):
        old.bit_generator.state = new.bit_generator.state


# ---------------------------------------------------------------------------------- the agent process

class Session:
    """One agent process (restarted when it dies) that has run the notebook's setup and answer cells.

    launcher: where student code may run (``BareLauncher`` here, ``sandbox.SandboxLauncher`` in the
    pipeline): new_dir() -> a private folder, start(argv, workdir, private_dir) -> Popen,
    cleanup(private_dir) stops everything started there.
    """

    def __init__(self, cells, launcher, workdir, cell_timeout=30.0, restarts=6):
        self.cells, self.launcher, self.workdir = list(cells), launcher, workdir
        self.cell_timeout, self.restarts_left = cell_timeout, restarts
        self.skipped = {}            # cell index -> why it is left out
        self.notes = []              # what the instructor may want to know
        self.proc = self.sock = self.private = self.baseline = None
        self.life = 0

    def _start(self):
        self.stop()
        if self.restarts_left < 0:
            raise AgentDied("your code could not be run by the grader (it stopped the process too many times).")
        self.restarts_left -= 1
        self.life += 1
        self.private = self.launcher.new_dir()
        path = os.path.join(self.private, "judge.sock")
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        os.chmod(path, 0o777)
        server.listen(1)
        server.settimeout(60)
        self.proc = self.launcher.start([sys.executable, "-c", AGENT_SOURCE, path], self.workdir, self.private)
        try:
            self.sock, _ = server.accept()
        except socket.timeout:
            raise AgentDied("the grader could not start your code.") from None
        finally:
            server.close()
        self.baseline = self._processes()
        index_map = [i for i in range(len(self.cells)) if i not in self.skipped]
        self.sock.settimeout(self.cell_timeout + 15)
        wire.send(self.sock, {"op": "cells", "cells": [self.cells[i] for i in index_map], "timeout": self.cell_timeout})
        done = 0
        while True:
            try:
                header, _ = wire.receive(self.sock)
            except (OSError, EOFError, wire.WireError):
                if done >= len(index_map):
                    raise AgentDied("your code stopped the grader's process.") from None
                bad = index_map[done]
                try:
                    self.proc.wait(timeout=2)
                    why = "stopped the process"
                except subprocess.TimeoutExpired:
                    why = "did not stop when interrupted"
                self.skipped[bad] = why
                self.notes.append(f"{self.cells[bad][0]} {why}: it was left out")
                return self._start()
            if header.get("op") == "ready":
                return
            if self.forked():
                bad = index_map[done]
                self.skipped[bad] = "left processes running"
                self.notes.append(f"{self.cells[bad][0]} left processes running: it was left out")
                return self._start()
            if not header.get("ok") and header.get("error") != "NotImplementedError":   # a stub: not a note
                self.notes.append(f"{self.cells[index_map[done]][0]}: {header.get('error')}")
            done += 1

    def _processes(self):
        count = getattr(self.launcher, "processes", None)
        return count() if count is not None else None

    def forked(self):
        """Whether the student's code left processes of its own running (a fork bomb, a stray child)."""
        return self.baseline is not None and self._processes() > self.baseline

    def ensure(self):
        if self.sock is None:
            self._start()

    def request(self, header, blobs, timeout, what, callbacks, decoder):
        self.ensure()
        try:
            self.sock.settimeout(timeout)
            wire.send(self.sock, header, blobs)
            while True:
                reply, reply_blobs = wire.receive(self.sock)
                if reply.get("op") != "callback":
                    return reply, reply_blobs
                self._answer_callback(reply, reply_blobs, callbacks, decoder)
        except socket.timeout:
            self.stop()
            raise AgentDied(f"{what} did not finish within {timeout:.0f} s.") from None
        except wire.WireError as e:
            self.stop()
            raise GradingError(f"{what}: {e}.") from None
        except (OSError, EOFError):
            status = self.proc.poll() if self.proc else None
            self.stop()
            raise AgentDied(f"{what} stopped the process" + (f" (exit status {status})" if status else "") + ".") from None

    def _answer_callback(self, message, blobs, callbacks, decoder):
        fn = callbacks.get(message.get("id"))
        try:
            if fn is None:
                raise RuntimeError("a function the grader passed to an earlier check cannot be used any more")
            args, kwargs = wire.decode(message["call"], blobs, decoder)
            out_blobs = []
            tree = wire.encode(fn(*args, **kwargs), out_blobs, lambda o: (_ for _ in ()).throw(
                TypeError(f"cannot send a {type(o).__name__}")))
            wire.send(self.sock, {"ok": True, "result": tree}, out_blobs)
        except Exception as e:  # noqa: BLE001 - the student called the grader's function wrongly
            wire.send(self.sock, {"ok": False, "error": f"{type(e).__name__}: {e}"})

    def seed(self, seed):
        self.ensure()
        self.sock.settimeout(10)
        wire.send(self.sock, {"op": "seed", "seed": seed})
        wire.receive(self.sock)

    def stop(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        if self.private is not None:
            self.launcher.cleanup(self.private)
            self.private = None


class BareLauncher:
    """The agent as a plain child process (no sandbox): `nbgrader autograde` without the pipeline.

    Points are still decided in the grader's process, but the student's code runs with the grader's
    permissions and can read what the grader can: use the pipeline's sandbox for a real class.
    """

    def new_dir(self):
        return tempfile.mkdtemp(prefix="trainlab-judge-")

    def start(self, argv, workdir, private_dir):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TRAINLAB_", "NBGRADER_", "JPY_"))}
        env.update(MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", OMP_NUM_THREADS="1", HOME=private_dir)
        return subprocess.Popen(argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)

    def cleanup(self, private_dir):
        shutil.rmtree(private_dir, ignore_errors=True)


def load_checks(notebook):
    """The check functions for a notebook (file stem), {grade_id: function}; {} when there are none."""
    checks = {}
    for suffix in ("", "_questions"):
        try:
            module = importlib.import_module(f"autograde.checks.{notebook}{suffix}")
        except ModuleNotFoundError as e:
            if e.name != f"autograde.checks.{notebook}{suffix}":
                raise
            continue
        checks.update({name: fn for name, fn in vars(module).items()
                       if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_")})
    return checks


def judge_notebook(cells, tests, checks, launcher, workdir, check_timeout=120.0, cell_timeout=30.0, diagnose=None):
    """Verdicts for ``tests`` (grade ids, in notebook order).

    cells: [(label, source)] the setup and answer cells, in order; checks: {grade_id: function}.
    diagnose(grade_id, check, message) -> a sentence naming the likely mistake, or None: asked only
    when a check fails; its sentence is added to the verdict's message and kept as ``Verdict.diagnosis``.
    Returns ({grade_id: Verdict}, notes for the instructor).
    """
    session = Session(cells, launcher, workdir, cell_timeout=cell_timeout)
    verdicts = {}
    try:
        for gid in tests:
            t0 = time.monotonic()
            check = checks.get(gid)
            if check is None:
                verdicts[gid] = Verdict(False, f"no trusted check exists for '{gid}' (instructor: add it to "
                                               "autograde/checks/)")
                continue
            try:
                session.seed(int.from_bytes(gid.encode()[:4].ljust(4, b"\0"), "big"))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    check(Student(session, time.monotonic() + check_timeout))
                verdicts[gid] = Verdict(True, "all checks passed", time.monotonic() - t0)
            except AssertionError as e:          # GradingError included: the message is for the student
                verdicts[gid] = Verdict(False, str(e) or "a check failed", time.monotonic() - t0)
            except Exception as e:  # noqa: BLE001 - the student's outputs broke the check: it fails
                verdicts[gid] = Verdict(False, f"your code's output could not be checked: {type(e).__name__}: {e}",
                                        time.monotonic() - t0)
            verdict = verdicts[gid]
            if not verdict.passed and diagnose is not None:
                try:
                    verdict.diagnosis = diagnose(gid, check, verdict.message)
                except Exception as e:  # noqa: BLE001 - a diagnosis must never cost a grade
                    session.notes.append(f"{gid}: the diagnosis failed ({type(e).__name__}: {e})")
                if verdict.diagnosis:
                    verdict.message += "\n" + verdict.diagnosis
            if session.sock is not None and session.forked():
                session.notes.append(f"{gid}: the student's code left processes running; they were stopped")
                session.stop()
    finally:
        session.stop()
    return verdicts, session.notes
