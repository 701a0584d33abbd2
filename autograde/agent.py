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

Every limit is checked before the bytes it guards are read or parsed: the header's length
(MAX_HEADER, then JSON no deeper than MAX_DEPTH), every blob size (an int >= 0, at most MAX_BLOBS of
them) and the message's total (MAX_MESSAGE, or less when the reader has less budget left); an
array's own header must describe exactly the bytes that follow it. A reader may pass a wall-clock
deadline that bounds the whole message, however slowly it trickles in. A generator travels as its
bit generator's state, for the bit generators NumPy ships only (BIT_GENERATORS): no name read from a
message is ever looked up as an attribute.

Requests and answers:
    {"op": "cells", "cells": [[label, source], ...], "timeout": s}  -> one {"op": "cell"} per cell, then {"op": "ready"}
    {"op": "seed", "seed": n}                                      -> {"ok": true}
    {"op": "call", "target": T, "args": [A, K], "numpy_only": b, "inputs_back": b}
        -> {"ok": true, "result": [R] or [R, A', K'], "warnings": [[category, message], ...]}
        (A', K': the arguments as the student's function left them, only when inputs_back is true)
        while it runs, the student's code may call a function of the grader's: {"op": "callback", ...}
    {"op": "value", "name": n}                                     -> {"ok": true, "result": R}
    {"op": "run", "code": c, "inputs": I}                          -> {"ok": true, "result": R} (the variable ``result``)
Any failure of the student's code: {"ok": false, "error": "ValueError: ...", "where": "line 3 of answer cell 'relu'"}.
A request may carry an "id"; the reply to it carries the same number as "re".
"""
import io
import json
import signal
import socket
import struct
import sys
import time
import traceback
import warnings

import numpy as np

MAX_MESSAGE = 256 << 20          # bytes in one message; a bigger output is refused with a reason
MAX_HEADER = 2 << 20             # bytes of JSON in the header of a message from the sandbox
MAX_BLOBS = 100_000              # arrays in one message
MAX_DEPTH = 20
PLAIN_KINDS = "biuf"             # numeric dtypes travel as arrays; anything else is a handle
BIT_GENERATORS = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM, "Philox": np.random.Philox,
                  "SFC64": np.random.SFC64, "MT19937": np.random.MT19937}


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


def decode(tree, blobs, on_special, depth=0):
    """The value ``encode`` made; ``on_special(key, payload)`` decodes handles and other markers.

    Raises WireError for anything ``encode`` could not have made (a bad blob index, a non-numeric
    array, a marker with the wrong payload, nesting deeper than MAX_DEPTH).
    """
    if depth > MAX_DEPTH:
        raise WireError(f"data nested more than {MAX_DEPTH} levels deep")
    if isinstance(tree, list):
        return [decode(v, blobs, on_special, depth + 1) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if len(tree) != 1:
        raise WireError("malformed value")
    (key, payload), = tree.items()
    if key in ("$nd", "$np"):
        if type(payload) is not int or not 0 <= payload < len(blobs):
            raise WireError("malformed value: no such array")
        array = load_array(blobs[payload])
        return array if key == "$nd" else array[()]
    if key == "$tuple" and isinstance(payload, list):
        return tuple(decode(v, blobs, on_special, depth + 1) for v in payload)
    if key == "$dict" and isinstance(payload, dict):
        return {k: decode(v, blobs, on_special, depth + 1) for k, v in payload.items()}
    if key == "$items" and isinstance(payload, list) and all(isinstance(p, list) and len(p) == 2 for p in payload):
        items = [(decode(k, blobs, on_special, depth + 1), decode(v, blobs, on_special, depth + 1)) for k, v in payload]
        try:
            return dict(items)
        except TypeError:
            raise WireError("malformed value: an unhashable dict key") from None
    if key in ("$tuple", "$dict", "$items"):
        raise WireError(f"malformed value: a {key} marker without its payload")
    return on_special(key, payload)


def load_array(blob):
    """The array an ``np.save`` blob holds, numeric dtypes only, its header checked against its size first.

    (``np.load`` would allocate the shape the header claims before reading; a forged header claiming
    terabytes must fail here, without the allocation.)
    """
    fp = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(fp)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(fp)
    except (ValueError, TypeError, SyntaxError, OverflowError) as e:
        raise WireError(f"malformed array ({e})") from None
    if dtype.kind not in PLAIN_KINDS or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"an array of dtype {dtype} is not plain data")
    if not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("malformed array shape")
    count = int(np.prod(shape, dtype=object))
    if count * dtype.itemsize != len(blob) - fp.tell():
        raise WireError("an array whose header does not match its size")
    array = np.frombuffer(blob, dtype=dtype, count=count, offset=fp.tell())
    array = array.reshape(shape[::-1]).T if fortran else array.reshape(shape)
    return array if array.flags.writeable else array.copy()


def rng_state(rng):
    """A NumPy Generator's state as JSON (its arrays as lists of ints): the payload of ``{"$rng": ...}``."""
    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value.tolist() if isinstance(value, np.ndarray) else value
    return plain(rng.bit_generator.state)


def generator(state):
    """The Generator ``rng_state`` described: one of BIT_GENERATORS, its state validated by NumPy's setter."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(name, str) or name not in BIT_GENERATORS:
        raise WireError("a generator must be one of NumPy's bit generators: " + ", ".join(BIT_GENERATORS))
    bitgen = BIT_GENERATORS[name]()
    try:
        bitgen.state = state
    except (TypeError, ValueError, KeyError, IndexError, OverflowError, AttributeError):
        raise WireError(f"a malformed {name} state") from None
    return np.random.Generator(bitgen)


def send(sock, header, blobs=(), max_header=MAX_HEADER):
    """Send one message; WireError (nothing sent) when it is larger than the receiver accepts."""
    header = dict(header, blobs=[len(b) for b in blobs])
    data = json.dumps(header).encode()
    if len(data) > max_header:
        raise WireError(f"an output of {len(data) / 2**20:.1f} MB of numbers and containers is larger than the "
                        f"{max_header / 2**20:.0f} MB allowed (return arrays rather than long lists)")
    total = len(data) + sum(len(b) for b in blobs)
    if total > MAX_MESSAGE:
        raise WireError(f"an output of {total / 2**20:.0f} MB is larger than the {MAX_MESSAGE >> 20} MB allowed")
    sock.sendall(struct.pack(">I", len(data)) + data)
    for b in blobs:
        sock.sendall(b)


def _read(sock, n, deadline=None):
    """Exactly ``n`` bytes (a writable bytearray); socket.timeout once ``deadline`` (time.monotonic) passes."""
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            sock.settimeout(left)
        k = sock.recv_into(view[got:], min(n - got, 1 << 20))
        if not k:
            raise EOFError("the other side closed the connection")
        got += k
    return buf


def receive_sized(sock, deadline=None, max_bytes=MAX_MESSAGE, max_header=MAX_HEADER, max_callback=MAX_MESSAGE):
    """(header, blobs, bytes read) of the next message; every size is checked before what it sizes is read.

    deadline: time.monotonic() by which the whole message must have arrived (socket.timeout after it);
    max_bytes: the most the message may hold, header and blobs (at most MAX_MESSAGE); max_callback: the
    most a {"op": "callback"} message may hold (the arguments of a call of one of the grader's functions).
    """
    max_bytes = min(max_bytes, MAX_MESSAGE)
    n, = struct.unpack(">I", _read(sock, 4, deadline))
    if n > min(max_header, max_bytes):
        raise WireError(f"a message header of {n / 2**20:.1f} MB is larger than the "
                        f"{min(max_header, max_bytes) / 2**20:.1f} MB allowed")
    try:
        header = json.loads(_read(sock, n, deadline))
    except (ValueError, RecursionError):       # not JSON, not UTF-8, nested too deep, an int of 5,000 digits
        raise WireError("a malformed message (its header is not JSON the grader can read)") from None
    sizes = header.get("blobs", []) if isinstance(header, dict) else None
    if not isinstance(sizes, list) or len(sizes) > MAX_BLOBS or not all(type(s) is int and s >= 0 for s in sizes):
        raise WireError("a malformed message (its array sizes are not a list of counts)")
    total = n + sum(sizes)
    if header.get("op") == "callback" and total > max_callback:
        raise WireError(f"a call of the grader's function with {total / 2**20:.1f} MB of arguments (at most "
                        f"{max_callback / 2**20:.0f} MB)")
    if total > max_bytes:
        raise WireError(f"a message of {total / 2**20:.0f} MB is larger than the {max(max_bytes, 0) / 2**20:.0f} MB "
                        "allowed")
    return header, [_read(sock, s, deadline) for s in sizes], 4 + total


def receive(sock, deadline=None, max_bytes=MAX_MESSAGE, max_header=MAX_HEADER):
    """(header, blobs) of the next message (receive_sized without the count)."""
    header, blobs, _ = receive_sized(sock, deadline, max_bytes, max_header)
    return header, blobs


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
        self.request_id = None      # echoed in the reply ("re"): the grader drops replies to earlier requests

    def reply(self, header, blobs=()):
        send(self.sock, dict(header, re=self.request_id), blobs)

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
            return generator(payload)
        if key == "$callback":     # a function of the grader's: calls go back over the socket
            return self._callback(payload)
        raise WireError(f"unknown marker {key}")

    def _encode_other(self, obj):
        if isinstance(obj, np.random.Generator) and type(obj.bit_generator).__name__ in BIT_GENERATORS:
            return {"$rng": rng_state(obj)}
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
            header, blobs = receive(agent.sock, max_header=MAX_MESSAGE)
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
        self.reply({"ok": True})

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
        tree, out_blobs = self.pack([result, args, kwargs] if header.get("inputs_back") else [result])
        said = [[w.category.__name__, str(w.message)[:300]] for w in caught[:20]]
        self.reply({"ok": True, "result": tree, "warnings": said}, out_blobs)

    def value(self, header, blobs):
        name = header["name"]
        if name not in self.ns:
            raise NameError(f"name '{name}' is not defined")
        tree, out_blobs = self.pack(self.ns[name])
        self.reply({"ok": True, "result": tree}, out_blobs)

    def run(self, header, blobs):
        scope = dict(self.ns)
        scope.update(self.unpack(header["inputs"], blobs))
        exec(compile(header["code"], "<grader>", "exec"), scope)
        tree, out_blobs = self.pack(scope.get("result"))
        self.reply({"ok": True, "result": tree}, out_blobs)

    def serve(self):
        while True:
            try:
                header, blobs = receive(self.sock, max_header=MAX_MESSAGE)     # the grader's cells may be long
            except EOFError:
                return
            requests = {"cells": self.cells, "seed": self.seed, "call": self.call, "value": self.value, "run": self.run}
            self.request_id = header.get("id")
            try:
                requests[header.get("op")](header, blobs)
            except WireError as e:
                self.reply({"ok": False, "error": str(e), "where": "", "wire": True})
            except BaseException as e:  # noqa: BLE001 - the student's code raised: report it
                if isinstance(e, (BrokenPipeError, ConnectionError)):
                    return
                self.reply(self._failure(e))


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
