"""The sandbox side of grading: runs a student's answer cells, then answers the grader's calls.

This file is the only grading code that runs where student code runs. It holds no answers and
decides nothing: the grader (autograde/judge.py, in its own process) sends inputs, this agent calls
the student's functions on them and sends the outputs back as plain data. Started as

    python -c <this file's source> SOCKET       (inside the sandbox; SOCKET is a Unix socket)

Messages (both ways): a 4-byte big-endian length, a JSON header, then the binary blobs the header
lists (arrays saved with ``np.save(allow_pickle=False)``). Plain data is None, bools, numbers,
strings, NumPy arrays and scalars of numeric dtype, and tuples, lists and dicts of those. Anything
else a student's function returns stays here and travels as a handle (an id the grader can pass
back or call). Nothing is ever pickled.

Requests and answers:
    {"op": "cells", "cells": [[label, source], ...], "timeout": s}  -> one {"op": "cell"} per cell, then {"op": "ready"}
    {"op": "seed", "seed": n}                                      -> {"ok": true}
    {"op": "call", "target": T, "args": A, "kwargs": K, "numpy_only": b}
        -> {"ok": true, "result": R, "args": A', "kwargs": K', "warnings": [[category, message], ...]}
        while it runs, the student's code may call a function of the grader's: {"op": "callback", ...}
    {"op": "value", "name": n}                                     -> {"ok": true, "result": R}
    {"op": "run", "code": c, "inputs": I}                          -> {"ok": true, "result": R} (the variable ``result``)
Any failure of the student's code: {"ok": false, "error": "ValueError: ...", "where": "line 3 of answer cell 'relu'"}.
"""
import io
import json
import signal
import socket
import struct
import sys
import traceback
import warnings

import numpy as np

MAX_MESSAGE = 256 << 20          # bytes in one message; a bigger output is refused with a reason
MAX_DEPTH = 20
PLAIN_KINDS = "biuf"             # numeric dtypes travel as arrays; anything else is a handle


class WireError(Exception):
    """A message that breaks the protocol (too big, too deep, malformed)."""


# ---------------------------------------------------------------------------------- plain data

def encode(value, blobs, on_other, depth=0):
    """A JSON-able tree for ``value``; arrays go into ``blobs``; ``on_other(obj)`` encodes the rest."""
    if depth > MAX_DEPTH:
        raise WireError(f"data nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in PLAIN_KINDS:
        buf = io.BytesIO()
        np.save(buf, np.asarray(value), allow_pickle=False)
        blobs.append(buf.getvalue())
        return {"$nd" if isinstance(value, np.ndarray) else "$np": len(blobs) - 1}
    if isinstance(value, (list, tuple)):        # named tuples travel as tuples
        items = [encode(v, blobs, on_other, depth + 1) for v in value]
        return items if isinstance(value, list) else {"$tuple": items}
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            return {"$dict": {k: encode(v, blobs, on_other, depth + 1) for k, v in value.items()}}
        return {"$items": [[encode(k, blobs, on_other, depth + 1), encode(v, blobs, on_other, depth + 1)]
                           for k, v in value.items()]}
    return on_other(value)


def decode(tree, blobs, on_special):
    """The value ``encode`` made; ``on_special(key, payload)`` decodes handles and other markers."""
    if isinstance(tree, list):
        return [decode(v, blobs, on_special) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if len(tree) != 1:
        raise WireError("malformed value")
    (key, payload), = tree.items()
    if key in ("$nd", "$np"):
        array = np.load(io.BytesIO(blobs[payload]), allow_pickle=False)
        return array if key == "$nd" else array[()]
    if key == "$tuple":
        return tuple(decode(v, blobs, on_special) for v in payload)
    if key == "$dict":
        return {k: decode(v, blobs, on_special) for k, v in payload.items()}
    if key == "$items":
        return {decode(k, blobs, on_special): decode(v, blobs, on_special) for k, v in payload}
    return on_special(key, payload)


def send(sock, header, blobs=()):
    header = dict(header, blobs=[len(b) for b in blobs])
    data = json.dumps(header).encode()
    total = len(data) + sum(len(b) for b in blobs)
    if total > MAX_MESSAGE:
        raise WireError(f"an output of {total / 2**20:.0f} MB is larger than the {MAX_MESSAGE >> 20} MB allowed")
    sock.sendall(struct.pack(">I", len(data)) + data)
    for b in blobs:
        sock.sendall(b)


def _read(sock, n):
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(sock):
    """(header, blobs) of the next message."""
    n, = struct.unpack(">I", _read(sock, 4))
    if n > MAX_MESSAGE:
        raise WireError("message too large")
    header = json.loads(_read(sock, n))
    sizes = header.get("blobs", [])
    if sum(sizes) > MAX_MESSAGE:
        raise WireError("message too large")
    return header, [_read(sock, s) for s in sizes]


# ---------------------------------------------------------------------------------- the agent

class _CellTimeout(BaseException):
    """Raised in a cell that runs past its time limit (a BaseException: `except Exception` won't eat it)."""


class _NoIPython:
    """What ``get_ipython()`` returns here: every method does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class _Null(io.TextIOBase):
    def write(self, text):
        return len(text)


class Agent:
    def __init__(self, sock):
        self.sock = sock
        self.ns = {"__name__": "__main__", "__builtins__": __builtins__, "get_ipython": _NoIPython}
        self.handles = {}
        self.labels = {}            # code object file name -> cell label, for error messages

    # -- encoding ------------------------------------------------------------------------------
    def _keep(self, obj):
        key = len(self.handles) + 1
        self.handles[key] = obj
        return {"$handle": [key, type(obj).__name__, callable(obj)]}

    def _special(self, key, payload):
        if key == "$handle":
            return self.handles[payload]
        if key == "$name":
            if payload not in self.ns:
                raise NameError(f"name '{payload}' is not defined")
            return self.ns[payload]
        if key == "$rng":          # a NumPy Generator: its bit generator's name and state
            bitgen = getattr(np.random, payload["bit_generator"])()
            bitgen.state = payload
            return np.random.Generator(bitgen)
        if key == "$callback":     # a function of the grader's: calls go back over the socket
            return self._callback(payload)
        raise WireError(f"unknown marker {key}")

    def _encode_other(self, obj):
        if isinstance(obj, np.random.Generator):
            return {"$rng": obj.bit_generator.state}
        return self._keep(obj)

    def pack(self, value):
        blobs = []
        return encode(value, blobs, self._encode_other), blobs

    def unpack(self, tree, blobs):
        return decode(tree, blobs, self._special)

    def _callback(self, key):
        agent = self

        def grader_function(*args, **kwargs):
            blobs = []
            tree = encode([list(args), kwargs], blobs, agent._encode_other)
            send(agent.sock, {"op": "callback", "id": key, "call": tree}, blobs)
            header, blobs = receive(agent.sock)
            if not header.get("ok"):
                raise RuntimeError(header.get("error", "the grader's function failed"))
            return agent.unpack(header["result"], blobs)

        return grader_function

    # -- errors ---------------------------------------------------------------------------------
    def _failure(self, exc):
        where = ""
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename in self.labels:
                where = f"line {frame.lineno} of {self.labels[frame.filename]}"
                break
        message = str(exc).strip().splitlines()[0][:500] if str(exc).strip() else ""
        return {"ok": False, "error": f"{type(exc).__name__}: {message}".rstrip(": "), "where": where}

    # -- requests -------------------------------------------------------------------------------
    def cells(self, header, blobs):
        limit = float(header.get("timeout", 60))

        def alarm(signum, frame):
            raise _CellTimeout()

        signal.signal(signal.SIGALRM, alarm)
        for index, (label, source) in enumerate(header["cells"]):
            filename = f"<answer cell {index}>"
            self.labels[filename] = label
            reply = {"op": "cell", "index": index, "ok": True}
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                exec(compile(_python_source(source), filename, "exec"), self.ns)
            except _CellTimeout:
                reply = {"op": "cell", "index": index, "ok": False, "error": f"ran past {limit:.0f} s and was stopped"}
            except BaseException as e:  # noqa: BLE001 - a student's cell may raise anything, SystemExit included
                reply = dict(self._failure(e), op="cell", index=index)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            send(self.sock, reply)
        send(self.sock, {"op": "ready"})

    def seed(self, header, blobs):
        import random
        seed = int(header["seed"]) % 2**32
        random.seed(seed)
        np.random.seed(seed)
        if "torch" in sys.modules and sys.modules["torch"] is not None:
            sys.modules["torch"].manual_seed(seed)
        send(self.sock, {"ok": True})

    def call(self, header, blobs):
        target = self.unpack(header["target"], blobs)
        args, kwargs = self.unpack(header["args"], blobs)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if header.get("numpy_only"):
                from trainlab.grading import torch_blocked
                with torch_blocked(getattr(target, "__globals__", None)):
                    result = target(*args, **kwargs)
            else:
                result = target(*args, **kwargs)
        tree, out_blobs = self.pack([result, args, kwargs])
        said = [[w.category.__name__, str(w.message)[:300]] for w in caught[:20]]
        send(self.sock, {"ok": True, "result": tree, "warnings": said}, out_blobs)

    def value(self, header, blobs):
        name = header["name"]
        if name not in self.ns:
            raise NameError(f"name '{name}' is not defined")
        tree, out_blobs = self.pack(self.ns[name])
        send(self.sock, {"ok": True, "result": tree}, out_blobs)

    def run(self, header, blobs):
        scope = dict(self.ns)
        scope.update(self.unpack(header["inputs"], blobs))
        exec(compile(header["code"], "<grader>", "exec"), scope)
        tree, out_blobs = self.pack(scope.get("result"))
        send(self.sock, {"ok": True, "result": tree}, out_blobs)

    def serve(self):
        while True:
            try:
                header, blobs = receive(self.sock)
            except EOFError:
                return
            op = header.get("op")
            try:
                getattr(self, op)(header, blobs)
            except WireError as e:
                send(self.sock, {"ok": False, "error": str(e), "where": "", "wire": True})
            except BaseException as e:  # noqa: BLE001 - the student's code raised: report it
                if isinstance(e, (BrokenPipeError, ConnectionError)):
                    return
                send(self.sock, self._failure(e))


def _python_source(source):
    """A cell's text as plain Python: IPython's line magics and shell escapes (``%matplotlib inline``,
    ``!ls``) do nothing here; a cell magic (``%%time``) makes the whole cell a no-op."""
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))


def main(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    sys.stdout = sys.stderr = _Null()      # what the student's code prints goes nowhere
    import matplotlib
    matplotlib.use("Agg")
    Agent(sock).serve()


if __name__ == "__main__":
    main(sys.argv[1])
