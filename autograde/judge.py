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
    student.bn_forward.returning_inputs(x, g, b, bn_param)
                                       -> (result, args, kwargs): also the arguments as the student's
                                          function left them (running averages, an advanced Generator)

The student's function works on copies: nothing it does changes the grader's arrays, dicts, lists or
Generators, so an expected value computed from the check's inputs after the call is computed from
what the grader chose. An in-place effect the contract asks for (BatchNorm's running averages in
bn_param, a Generator that must advance) is read explicitly with ``returning_inputs`` and compared
with the grader's own computation. A function of the grader's passed as an argument is called back
here (so a toy objective or a reference schedule never enters the sandbox). Warnings the student's
code raised are raised again here when the check made them errors.

Everything from the sandbox is bounded (``Budget``): each call has a wall-clock deadline (its timeout,
never past the check's) that no message extends, however many callbacks or bytes arrive; a check may
receive at most CHECK_BYTES and make at most MAX_CALLBACKS calls of the grader's functions, each with
at most CALLBACK_BYTES of arguments; any text kept (errors, warnings, names) is cut to MAX_TEXT
characters here, whatever the agent sends. A check that crosses a limit fails with the reason, the
agent is stopped, and the next check starts a fresh one: a student's endless loop costs that check.
"""
import builtins
import importlib
import inspect
import itertools
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
CHECK_BYTES = 256 << 20          # bytes one check may receive from the sandbox, all messages together
MAX_CALLBACKS = 100_000          # calls of the grader's functions during one check
CALLBACK_BYTES = 1 << 20         # bytes of arguments in one call of a grader's function
MAX_TEXT = 2000                  # characters kept of a text the sandbox sends (an error, a warning, a note)
WARNINGS = {name: cls for name, cls in vars(builtins).items() if isinstance(cls, type) and issubclass(cls, Warning)}


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


def text(value, limit=MAX_TEXT):
    """``value`` (anything the sandbox sent) as a string of at most ``limit`` characters."""
    value = value if isinstance(value, str) else str(value)
    return value if len(value) <= limit else value[:limit] + f"... ({len(value) - limit} more characters)"


class Budget:
    """What one check may still spend in the sandbox: a wall-clock deadline, bytes received, callbacks.

    deadline: time.monotonic() after which nothing more is waited for (no message moves it).
    """

    def __init__(self, seconds, nbytes=None, callbacks=None):
        nbytes = CHECK_BYTES if nbytes is None else nbytes
        callbacks = MAX_CALLBACKS if callbacks is None else callbacks
        self.deadline = time.monotonic() + seconds
        self.bytes_left, self.callbacks_left, self.max_callbacks = nbytes, callbacks, callbacks

    def spend_bytes(self, n):
        self.bytes_left -= n

    def spend_callback(self):
        """Count one call of a grader's function; WireError past the limit."""
        self.callbacks_left -= 1
        if self.callbacks_left < 0:
            raise wire.WireError(f"your code called the grader's functions more than {self.max_callbacks:,} times "
                                 "in one check (an endless loop?)")


class Handle:
    """An object that stayed in the sandbox (a cache holding objects, a model, a function)."""

    def __init__(self, student, key, kind, is_callable, life):
        self._student, self._key, self.kind, self._callable, self._life = student, key, kind, is_callable, life
        self.__name__ = f"<{kind} returned by your code>"

    def __call__(self, *args, **kwargs):
        if not self._callable:
            raise GradingError(f"expected a function, got a {self.kind}.")
        return self._student._call({"$handle": self._key}, self.__name__, args, kwargs, life=self._life)

    def returning_inputs(self, *args, **kwargs):
        """(result, args, kwargs): the call, and its arguments as the student's function left them."""
        if not self._callable:
            raise GradingError(f"expected a function, got a {self.kind}.")
        return self._student._call({"$handle": self._key}, self.__name__, args, kwargs, life=self._life,
                                   inputs_back=True)

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

    def returning_inputs(self, *args, **kwargs):
        """(result, args, kwargs): the call, and its arguments as the student's function left them (fresh
        copies: the grader's own stay as they were). For in-place effects the contract asks for."""
        return self._student._call({"$name": self.__name__}, self.__name__, args, kwargs, timeout=self._timeout,
                                   numpy_only=self._numpy_only, inputs_back=True)

    def with_timeout(self, seconds):
        return Remote(self._student, self.__name__, seconds, self._numpy_only)

    def __eq__(self, other):
        return isinstance(other, Remote) and (other._student, other.__name__) == (self._student, self.__name__)

    def __hash__(self):
        return hash((id(self._student), self.__name__))

    def __repr__(self):
        return f"<student's {self.__name__}>"


class Student:
    """What a check receives: the student's namespace, reached only through the agent.

    deadline: time.monotonic() by which the check must be done; its Budget bounds every call.
    """

    def __init__(self, session, deadline):
        self._session = session
        self._budget = Budget(deadline - time.monotonic())
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
        callbacks, session = self._callbacks, self._session

        def other(obj):
            if isinstance(obj, Remote):
                return {"$name": obj.__name__}
            if isinstance(obj, Handle):
                if obj._life != session.life:
                    raise GradingError("a value from before your code was restarted cannot be used again.")
                return {"$handle": obj._key}
            if isinstance(obj, np.random.Generator) and type(obj.bit_generator).__name__ in wire.BIT_GENERATORS:
                return {"$rng": wire.rng_state(obj)}
            if callable(obj):
                key = session.new_callback_id()          # never reused: a function kept from an earlier check is dead
                callbacks[key] = obj
                return {"$callback": key}
            raise TypeError(f"the grader cannot send a {type(obj).__name__} to the student's code")
        return other

    def _decoder(self):
        session = self._session

        def special(key, payload):
            if key == "$handle":
                if not (isinstance(payload, list) and len(payload) == 3 and type(payload[0]) is int):
                    raise wire.WireError("a malformed handle")
                return Handle(self, payload[0], text(payload[1], 80), bool(payload[2]), session.life)
            if key == "$rng":
                return wire.generator(payload)
            raise wire.WireError(f"unexpected {text(key, 40)} from the sandbox")
        return special

    def _call(self, target, label, args, kwargs, timeout=CALL_TIMEOUT, numpy_only=False, life=None, inputs_back=False):
        """The student's function's result; with inputs_back, (result, args, kwargs as it left them)."""
        if life is not None and life != self._session.life:
            raise GradingError(f"{label}: a value from before your code was restarted cannot be used again.")
        blobs = []
        header = {"op": "call", "target": target, "args": wire.encode([list(args), dict(kwargs)], blobs, self._encoder()),
                  "numpy_only": numpy_only, "inputs_back": inputs_back}
        what = f"{label}{_describe(args)}"
        reply, result = self._request(header, blobs, what, timeout)
        if not (isinstance(result, list) and len(result) == (3 if inputs_back else 1)
                and (not inputs_back or (isinstance(result[1], list) and isinstance(result[2], dict)))):
            raise GradingError(f"{what} returned something the grader cannot read.")
        self._raise_warnings(reply, what)
        return tuple(result) if inputs_back else result[0]

    def _raise_warnings(self, reply, what):
        """Raise the first warning the check made an error (only the first 20 the student's code raised)."""
        said = reply.get("warnings", [])
        for item in said[:20] if isinstance(said, list) else ():
            if not (isinstance(item, list) and len(item) == 2):
                continue
            category, message = text(item[0], 80), text(item[1], 300)
            cls = WARNINGS.get(category, UserWarning)
            if _warning_action(cls, message) == "error":
                advice = " (compute it without overflowing or dividing by zero)" if category == "RuntimeWarning" else ""
                raise GradingError(f"{what} warned: {category}: {message}{advice}")

    def _request(self, header, blobs, what, timeout):
        if self._budget.deadline - time.monotonic() <= 0:
            raise GradingError(f"this check ran out of time before {what}.")
        reply, reply_blobs = self._session.request(header, blobs, what, timeout, self._budget, self._callbacks,
                                                   self._decoder())
        if not reply.get("ok"):
            error = text(reply.get("error"))
            where = f" ({text(reply['where'], 200)})" if reply.get("where") else ""
            raise StudentRaised(f"{what} raised {error}{where}.", error.split(":")[0][:80])
        try:
            return reply, wire.decode(reply.get("result"), reply_blobs, self._decoder())
        except (wire.WireError, ValueError) as e:
            self._session.stop()         # a process that sends what the agent never sends is not trusted again
            raise GradingError(f"{what} returned something that is not plain data ({text(e, 300)}).") from None


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
        self.callback_ids = itertools.count(1)
        self.request_ids = itertools.count(1)

    def new_callback_id(self):
        """An id for a grader's function sent to the sandbox, unique for this session."""
        return next(self.callback_ids)

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
        wire.send(self.sock, {"op": "cells", "cells": [self.cells[i] for i in index_map], "timeout": self.cell_timeout},
                  max_header=wire.MAX_MESSAGE)
        done = 0
        while True:
            if done > len(index_map):
                self.stop()
                raise AgentDied("your code sent the grader messages it did not ask for.")
            try:     # each cell has its own time limit in the agent; a message per cell, a bounded size each
                header, _ = wire.receive(self.sock, time.monotonic() + self.cell_timeout + 15, max_bytes=1 << 20)
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
            if self.forked() and done < len(index_map):
                bad = index_map[done]
                self.skipped[bad] = "left processes running"
                self.notes.append(f"{self.cells[bad][0]} left processes running: it was left out")
                return self._start()
            if not header.get("ok") and header.get("error") != "NotImplementedError" and done < len(index_map):
                self.notes.append(f"{self.cells[index_map[done]][0]}: {text(header.get('error'), 500)}")   # a stub: no note
            done += 1

    def _processes(self):
        count = getattr(self.launcher, "processes", None)
        return count() if count is not None else None

    def forked(self):
        """Whether the student's code left processes of its own running (a fork bomb, a stray child)."""
        return self.baseline is not None and self._processes() > self.baseline

    def request(self, header, blobs, what, timeout, budget, callbacks, decoder):
        """The agent's reply (header, blobs) to one request, answering its callbacks meanwhile.

        timeout: seconds (from now, or from when a restarted agent is ready) by which the reply must be
        complete, callbacks included, never past budget.deadline; budget: the check's Budget (time, bytes,
        callbacks). Crossing a limit stops the agent: AgentDied or GradingError.
        """
        if self.sock is None:            # (re)starting runs the notebook's cells: their time is not the check's
            started = time.monotonic()
            self._start()
            budget.deadline += time.monotonic() - started
        now = time.monotonic()
        deadline = min(now + timeout, budget.deadline)
        seconds = max(deadline - now, 1e-3)                      # 0 would make the socket non-blocking
        request_id = next(self.request_ids)
        try:
            self.sock.settimeout(seconds)
            wire.send(self.sock, dict(header, id=request_id), blobs, max_header=wire.MAX_MESSAGE)
            while True:
                reply, reply_blobs, size = wire.receive_sized(self.sock, deadline, max_bytes=budget.bytes_left,
                                                              max_callback=CALLBACK_BYTES)
                budget.spend_bytes(size)
                if reply.get("op") != "callback":
                    if reply.get("re") != request_id:        # the late reply to an earlier request (after a forged one)
                        continue
                    return reply, reply_blobs
                budget.spend_callback()
                answer, answer_blobs = self._callback_reply(reply, reply_blobs, callbacks, decoder)
                self.sock.settimeout(max(deadline - time.monotonic(), 1e-3))
                wire.send(self.sock, answer, answer_blobs, max_header=wire.MAX_MESSAGE)
        except socket.timeout:
            self.stop()
            raise AgentDied(f"{what} did not finish within {seconds:.0f} s.") from None
        except wire.WireError as e:
            self.stop()
            raise GradingError(f"{what}: {text(e, 300)}.") from None
        except (OSError, EOFError):
            status = self.proc.poll() if self.proc else None
            self.stop()
            raise AgentDied(f"{what} stopped the process" + (f" (exit status {status})" if status else "") + ".") from None

    @staticmethod
    def _callback_reply(message, blobs, callbacks, decoder):
        """The answer to the student's code calling a function of the grader's: (header, blobs)."""
        key = message.get("id")
        fn = callbacks.get(key) if type(key) is int else None
        try:
            if fn is None:
                raise RuntimeError("a function the grader passed to an earlier check cannot be used any more")
            call = wire.decode(message.get("call"), blobs, decoder)
            if not (isinstance(call, list) and len(call) == 2 and isinstance(call[0], list) and isinstance(call[1], dict)
                    and all(type(k) is str for k in call[1])):
                raise ValueError("malformed arguments")
            out_blobs = []
            tree = wire.encode(fn(*call[0], **call[1]), out_blobs, _refuse)
            return {"ok": True, "result": tree}, out_blobs
        except Exception as e:  # noqa: BLE001 - the student called the grader's function wrongly
            return {"ok": False, "error": text(f"{type(e).__name__}: {e}", 500)}, []

    def seed(self, seed):
        """Seed the student's process's global generators (Python's, NumPy's, torch's) before a check."""
        self.request({"op": "seed", "seed": seed}, (), "seeding your code's random generators", 10,
                     Budget(10, nbytes=1 << 20, callbacks=0), {}, _no_special)

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


def _refuse(obj):
    raise TypeError(f"cannot send a {type(obj).__name__}")


def _no_special(key, payload):
    raise wire.WireError(f"unexpected {text(key, 40)} from the sandbox")


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
