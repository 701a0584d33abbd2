"""Runs INSIDE the grading kernel, before any student code, to notice tampering.

The grader (autograde/sandbox.py) sends this file's text to the kernel as a silent execution and
calls ``install(config)``; after every cell it calls ``probe(...)`` through ``user_expressions``.
Nothing here is imported by the grader itself.

What it watches (in-process checks: they catch ordinary Python monkeypatching, not a student who
rewrites interpreter memory with ctypes; the sandbox and the resource limits are the hard walls):

* the checks' tools keep their identity: every public attribute of the protected modules (NumPy,
  numpy.testing, math, warnings, torch, trainlab.grading, ...), the methods of their Python
  classes, ``builtins``, ``sys.modules`` entries, ``sys.meta_path``/``path_hooks``, the names the
  locked cells bound to modules (``np``, ``grading``, ``torch``, ``F``), trace/profile hooks,
  IPython's input/AST transformers, event callbacks, custom exception handlers and the kernel's
  message sending. A changed one is reported, put back, and the tests that ran with it count zero;
* ``trainlab.reference`` (the instructor's answers, needed by hidden tests) is loaded through an
  instrumented loader: a reference function called from student code (rather than from a locked
  test cell or with the function handed to it as an argument) is reported; importing or reading
  the reference from student code is refused; the module is dropped after every test cell;
* an audit hook (which Python code cannot remove) refuses to open the instructor's paths and, in
  the rlimit-only fallback, to write outside the workspace or open network connections; it
  reports attempts, ctypes memory access, frame-inspection of the GC, and trace hooks.
"""
import builtins
import json
import os
import sys
import threading
import types

_STATE = {}
_LOCAL = threading.local()
_MISSING = object()


def _short(obj):
    try:
        text = repr(obj)
    except Exception:
        text = object.__repr__(obj)
    return text if len(text) < 80 else text[:77] + "..."


# ---------------------------------------------------------------------------------- attribution

def _cell_info(filename):
    """(is_cell, trusted, label) for a code filename."""
    cache = _STATE["cells"]
    info = cache.get(filename)
    if info is None:
        prefix = _STATE["cell_prefix"]
        if not (filename.startswith(prefix) or filename.startswith("<ipython-input-")):
            info = (False, True, "")
        else:
            import linecache
            entry = linecache.cache.get(filename)
            text = "".join(entry[2]) if entry else None
            trusted = text is not None and text in _STATE["trusted_texts"]
            label = _STATE["labels"].get(text, "")
            info = (True, trusted, label)
        cache[filename] = info
    return info


def _student_frame(frame):
    """The innermost frame of a student cell in the stack starting at ``frame``, or None.

    Stops at the first cell frame: if it belongs to a locked cell (setup, tests), the call is trusted.
    """
    while frame is not None:
        is_cell, trusted, _ = _cell_info(frame.f_code.co_filename)
        if is_cell:
            return None if trusted else frame
        frame = frame.f_back
    return None


def _where(frame):
    is_cell, trusted, label = _cell_info(frame.f_code.co_filename)
    name = frame.f_code.co_name
    where = f"in {name}()" if name != "<module>" else "at top level"
    return f"{where} of {label or 'a student cell'}"


def _record(kind, message):
    bucket = _STATE["events"]
    if len(bucket) < 50 and (kind, message) not in bucket:
        bucket.append((kind, message))


# ---------------------------------------------------------------------------------- audit hook

_WATCHED = frozenset([
    "open", "import", "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames",
    "sys.settrace", "sys.setprofile", "ctypes.dlopen", "ctypes.string_at", "ctypes.cdata",
    "ctypes.PyObj_FromPtr", "ctypes.addressof", "socket.connect", "socket.sendto", "socket.bind",
    "subprocess.Popen", "os.system", "os.posix_spawn", "os.fork", "os.forkpty", "object.__setattr__",
    "os.listdir", "os.scandir",
])
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _under(path, prefixes):
    return any(path == p or path.startswith(p + os.sep) for p in prefixes)


class _Refused(Exception):
    """Carries the exception the audit hook means to raise (anything else it raises is a bug: swallowed)."""


def _frame(depth):
    try:
        return sys._getframe(depth + 1)
    except ValueError:
        return None


def _audit(event, args):
    if event not in _WATCHED or getattr(_LOCAL, "busy", False) or not _STATE.get("active"):
        return
    _LOCAL.busy = True
    try:
        _handle(event, args)
    except _Refused as refusal:
        raise refusal.args[0] from None
    except Exception:  # noqa: BLE001 - the hook must never break the kernel
        pass
    finally:
        _LOCAL.busy = False


def _handle(event, args):
    cfg = _STATE["cfg"]
    if event == "open":
        path = args[0]
        if isinstance(path, int) or path is None:
            return
        try:
            path = os.path.abspath(os.fsdecode(path))
        except Exception:
            return
        mode, flags = args[1], args[2] if len(args) > 2 else 0
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)
        if _under(path, cfg["reference_dirs"]):
            frame = _student_frame(_frame(2))
            if frame is not None:
                _record("tampering", f"reads the reference answers ({os.path.basename(path)}) {_where(frame)}")
                raise _Refused(PermissionError(13, "the grader does not let student code read this file", path))
            return
        if _under(path, cfg["deny_read"]) and not _under(path, cfg["allow_read"]):
            frame = _student_frame(_frame(2))
            _record("tampering", f"tried to open the instructor's file {path}" + (f" {_where(frame)}" if frame else ""))
            raise _Refused(PermissionError(13, "the grader does not let student code open this file", path))
        if writing and not _under(path, cfg["allow_write"]) and not path.startswith(("/dev/", "/proc/")) \
                and os.sep + "__pycache__" + os.sep not in path:   # the import system caching bytecode
            frame = _student_frame(_frame(2))
            if frame is not None:
                _record("sandbox", f"tried to write {path} outside its workspace {_where(frame)}")
                if cfg["enforce"]:
                    raise _Refused(PermissionError(13, "the grader does not let student code write outside its folder", path))
    elif event in ("os.listdir", "os.scandir"):
        path = args[0] if args else None
        if isinstance(path, (str, bytes)):
            path = os.path.abspath(os.fsdecode(path))
            if (_under(path, cfg["deny_read"]) and not _under(path, cfg["allow_read"])) \
                    or _under(path, cfg["reference_dirs"]):
                frame = _student_frame(_frame(2))
                if frame is not None:
                    _record("tampering", f"tried to list the instructor's folder {path} {_where(frame)}")
                    raise _Refused(PermissionError(13, "the grader does not let student code list this folder", path))
    elif event == "import":
        name = args[0] or ""
        if name == cfg["reference"] or name.startswith(cfg["reference"] + "."):
            frame = _student_frame(_frame(2))
            if frame is not None:
                _record("tampering", f"imports {name} (the reference answers) {_where(frame)}")
                raise _Refused(ImportError(f"{name} is not available to student code"))
    elif event in ("gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames"):
        frame = _student_frame(_frame(2))
        if frame is not None:
            _record("tampering", f"searches the interpreter's objects ({event}) {_where(frame)}")
            raise _Refused(PermissionError(f"{event} is not available to student code while grading"))
    elif event in ("sys.settrace", "sys.setprofile"):
        frame = _student_frame(_frame(2))
        if frame is not None and args and args[0] is not None:
            _record("tampering", f"installs a {event.split('.')[1][3:]} hook {_where(frame)}")
            raise _Refused(PermissionError(f"{event} is not available to student code while grading"))
    elif event.startswith("ctypes."):
        frame = _frame(2)
        while frame is not None and "ctypes" in frame.f_code.co_filename:
            frame = frame.f_back
        if frame is not None and _cell_info(frame.f_code.co_filename)[0] and _student_frame(frame) is frame:
            _record("sandbox", f"uses ctypes ({event}) to reach raw memory {_where(frame)}")
    elif event in ("socket.connect", "socket.sendto", "socket.bind"):
        sock = args[0]
        family = getattr(sock, "family", None)
        if family is not None and int(family) in (2, 10):  # AF_INET, AF_INET6
            frame = _student_frame(_frame(2))
            _record("sandbox", "tried to use the network" + (f" {_where(frame)}" if frame else ""))
            raise _Refused(PermissionError(13, "no network while grading"))
    elif event in ("subprocess.Popen", "os.system", "os.posix_spawn", "os.fork", "os.forkpty"):
        frame = _student_frame(_frame(2))
        if frame is not None:
            _record("process", f"starts processes ({event}) {_where(frame)}")
    elif event == "object.__setattr__":
        obj = args[0]
        if isinstance(obj, type) and (obj.__module__ or "").startswith(tuple(cfg["protected_prefixes"])):
            frame = _frame(2)
            if frame is not None and _student_frame(frame) is frame:
                _record("tampering", f"patches {obj.__module__}.{obj.__qualname__}.{args[1]} {_where(frame)}")


# ---------------------------------------------------------------------------------- reference loader

def _ref_check():
    """Called first thing in every reference function: is the caller student code?"""
    if getattr(_LOCAL, "busy", False) or not _STATE.get("active"):
        return
    _LOCAL.busy = True
    try:
        ref_frame = _frame(1)
        caller = ref_frame.f_back
        if caller is not None and _under(caller.f_code.co_filename, _STATE["cfg"]["reference_dirs"]):
            return     # a reference helper called by a reference function: checked when that one was entered
        frame = _student_frame(caller)
        if frame is None:
            return
        code = ref_frame.f_code
        if _handed_in(frame, code):   # a function the locked test handed to the student's code (a callback)
            return
        _record("tampering", f"calls the reference answer {code.co_name}() {_where(frame)}")
        raise PermissionError(f"student code may not call the reference answers ({code.co_name})")
    finally:
        _LOCAL.busy = False


def _is_ref(value, code):
    values = [value]
    if isinstance(value, dict):
        values += list(value.values())
    elif isinstance(value, (list, tuple)):
        values += list(value)
    return any(getattr(v, "__code__", None) is code or getattr(getattr(v, "__func__", None), "__code__", None) is code
               for v in values)


def _parameters(code):
    n = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 4) + bool(code.co_flags & 8)
    return code.co_varnames[:n]


def _handed_in(frame, code):
    """Did the reference function reach this student frame as an argument (not a default value), or as a
    closure variable holding a parameter of the enclosing function (``def lookahead(rule): def step(...)``)?"""
    import gc
    f_code = frame.f_code
    functions = [r for r in gc.get_referrers(f_code) if isinstance(r, types.FunctionType)]
    defaults = {id(d) for fn in functions for d in (fn.__defaults__ or ()) + tuple((fn.__kwdefaults__ or {}).values())}
    for name in _parameters(f_code):
        value = frame.f_locals.get(name)
        if _is_ref(value, code) and id(value) not in defaults:
            return True
    if f_code.co_freevars:
        outer_params = set()
        for fn in functions:     # the enclosing function: named in the qualname, its code holds this code
            outer_name = fn.__qualname__.rsplit(".<locals>.", 1)[0].rsplit(".", 1)[-1]
            outer = frame.f_globals.get(outer_name)
            outer_code = getattr(outer, "__code__", None)
            if outer_code is not None and any(c is f_code for c in outer_code.co_consts):
                outer_params |= set(_parameters(outer_code))
        for name in f_code.co_freevars:
            if name in outer_params and _is_ref(frame.f_locals.get(name), code):
                return True
    return False


def _instrument(source, filename):
    import ast
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            call = ast.Expr(ast.Call(ast.Name("__trainlab_guard_check__", ast.Load()), [], []))
            body = node.body
            at = 1 if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str) else 0
            body.insert(at, call)
    ast.fix_missing_locations(tree)
    return compile(tree, filename, "exec")


class _RefLoader:
    def __init__(self, origin):
        self.origin = origin

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        with open(self.origin, encoding="utf-8") as f:
            source = f.read()
        module.__dict__["__trainlab_guard_check__"] = _ref_check
        exec(_instrument(source, self.origin), module.__dict__)

    def is_package(self, fullname):
        return False


class _RefFinder:
    """Meta-path finder that loads trainlab.reference.<topic> through the instrumented loader."""

    def find_spec(self, fullname, path, target=None):
        ref = _STATE["cfg"]["reference"]
        if not fullname.startswith(ref + "."):
            return None
        from importlib.machinery import PathFinder
        spec = PathFinder.find_spec(fullname, path)
        if spec is not None and spec.origin and spec.origin.endswith(".py") \
                and not spec.submodule_search_locations:
            spec.loader = _RefLoader(spec.origin)
        return spec

    def invalidate_caches(self):
        pass


# ---------------------------------------------------------------------------------- baselines

def _public(module):
    names = getattr(module, "__all__", None)
    try:
        names = list(names) if names is not None else [n for n in dir(module) if not n.startswith("_")]
    except Exception:
        names = [n for n in dir(module) if not n.startswith("_")]
    return names


_VALUES = (dict, list, tuple, set, frozenset, int, float, str, bool, type(None))


def _snapshot_module(module, prefixes, everything=False, values=False):
    """Identity (and code) of a module's public attributes, or with ``everything`` of all its functions
    and classes, private ones too (the helpers public functions call); ``values`` adds the plain values
    (numbers, strings, containers: compared by equality, e.g. a tolerance table)."""
    attrs = {}
    names = [n for n in vars(module) if not (n.startswith("__") and n.endswith("__"))] if everything \
        else _public(module)
    for name in names:
        value = getattr(module, name, _MISSING)
        if value is _MISSING or isinstance(value, types.ModuleType):
            continue
        if isinstance(value, _VALUES):
            if not values:
                continue
            try:
                import copy
                frozen = copy.deepcopy(value)
            except Exception:  # noqa: BLE001
                continue
            attrs[name] = (value, None, None, frozen)
            continue
        if everything and not (callable(value) or isinstance(value, type)):
            continue
        attrs[name] = (value, getattr(value, "__code__", None), getattr(value, "__defaults__", None), _MISSING)
    classes = {}
    for name, value in list(attrs.items()):
        cls = value[0]
        if isinstance(cls, type) and (cls.__module__ or "").startswith(prefixes) and "__dict__" in dir(cls):
            try:
                classes[name] = {k: v for k, v in vars(cls).items() if not (k.startswith("__") and k.endswith("__"))
                                 or k in ("__init__", "__call__", "__eq__", "__bool__", "__float__", "__array__")}
            except TypeError:
                pass
    return {"module": module, "attrs": attrs, "classes": classes}


def _shell_state(shell):
    events = {}
    for name, callbacks in getattr(getattr(shell, "events", None), "callbacks", {}).items():
        events[name] = list(callbacks)
    kernel = getattr(shell, "kernel", None)
    session = getattr(kernel, "session", None)
    return {
        "input_transformers_cleanup": list(getattr(shell, "input_transformers_cleanup", [])),
        "input_transformers_post": list(getattr(shell, "input_transformers_post", [])),
        "ast_transformers": list(getattr(shell, "ast_transformers", [])),
        "events": events,
        "custom_exceptions": getattr(shell, "custom_exceptions", ()),
        "shell_dict": {k: v for k, v in vars(shell).items() if k in _SHELL_METHODS},
        "kernel_dict": {k: v for k, v in vars(kernel).items() if k in _KERNEL_METHODS} if kernel else {},
        "session": session,
        "session_dict": {k: v for k, v in vars(session).items() if k in ("send", "serialize", "sign")} if session else {},
        "displayhook": sys.displayhook, "excepthook": sys.excepthook,
        "stdout": sys.stdout, "stderr": sys.stderr,
        "meta_path": list(sys.meta_path), "path_hooks": list(sys.path_hooks),
    }


def _library(obj):
    """Was ``obj`` (a callback, an import finder) made by installed code rather than in a notebook cell?"""
    func = getattr(obj, "__func__", obj)
    code = getattr(func, "__code__", None)
    if code is None:
        call = getattr(type(obj), "__call__", None) or getattr(type(obj), "find_spec", None)
        code = getattr(call, "__code__", None)
    if code is not None:
        return not _cell_info(code.co_filename)[0]
    module = getattr(obj, "__module__", None) or type(obj).__module__ or ""
    return module not in ("__main__", "builtins") and not module.startswith("__")


_KERNEL_BUILTINS = ("input", "raw_input", "get_ipython", "exit", "quit", "display", "help")
_SHELL_METHODS = ("run_cell", "run_cell_async", "run_ast_nodes", "run_code", "showtraceback", "_showtraceback",
                  "showsyntaxerror", "transform_cell", "user_expressions", "ex", "ev", "push", "CustomTB")
_KERNEL_METHODS = ("do_execute", "execute_request", "send_response", "_publish_status", "dispatch_shell")


# ---------------------------------------------------------------------------------- install / probe

def install(cfg):
    """Set up baselines and hooks. Called once, before the first cell."""
    shell = get_ipython()  # noqa: F821  (the kernel's IPython shell)
    for entry in ("", os.getcwd()):
        while entry in sys.path:
            sys.path.remove(entry)   # no module shadowing from the notebook's folder
    modules = {}
    for name in cfg["protected_modules"]:
        try:
            __import__(name)
        except Exception:
            continue
        modules[name] = sys.modules[name]
    prefixes = tuple(cfg["protected_prefixes"])
    snapshots = {name: _snapshot_module(m, prefixes, everything=name.startswith("trainlab"),
                                        values=name.startswith("trainlab")) for name, m in modules.items()}
    # the modules where protected functions are defined: their private helpers matter too
    # (np.allclose calls numpy._core.numeric.isclose; numpy.testing.assert_allclose calls
    # numpy.testing._private.utils.assert_array_compare)
    for snap in list(snapshots.values()):
        for value, *_ in snap["attrs"].values():
            for f in (value, getattr(value, "__wrapped__", None), getattr(value, "__func__", None)):
                where = getattr(f, "__globals__", {}).get("__name__") if f is not None else None
                if where and where not in snapshots and where.startswith(prefixes) and where in sys.modules:
                    snapshots[where] = _snapshot_module(sys.modules[where], prefixes, everything=True,
                                                        values=where.startswith("trainlab"))
    code_name = getattr(shell.compile, "get_code_name", None)
    try:
        probe_name = code_name("x = 1\n", "x = 1\n", 0) if code_name else "<ipython-input-0>"
    except TypeError:
        probe_name = "<ipython-input-0>"
    trusted = {}
    labels = {}
    for label, src, is_trusted in cfg["cells"]:
        try:
            text = shell.transform_cell(src)
        except Exception:
            text = src
        labels.setdefault(text, label)
        if is_trusted:
            trusted[text] = label
    _STATE.update(
        cfg=cfg, shell=shell, cells={}, events=[], active=True,
        cell_prefix=os.path.dirname(probe_name) + os.sep if os.sep in probe_name else "<ipython-input-",
        trusted_texts=set(trusted), labels=labels,
        modules=snapshots,
        builtins={k: v for k, v in vars(builtins).items()
                  if (not k.startswith("_") or k in ("__import__", "__build_class__")) and k not in _KERNEL_BUILTINS},
        shell_state=_shell_state(shell),
        sys_path=list(sys.path),
        bound={},
        finder=_RefFinder(),
    )
    sys.meta_path.insert(0, _STATE["finder"])
    shell.events.register("pre_run_cell", _seed_cell)
    _STATE["shell_state"] = _shell_state(shell)
    sys.addaudithook(_audit)
    return "ok"


def _seed_cell(info):
    """Before every cell: seed Python's, NumPy's and PyTorch's global generators from the cell's text,
    so a cell draws the same numbers on every run and every worker, whatever ran before it."""
    if getattr(info, "silent", False):
        return
    import zlib
    _seed(zlib.crc32((_STATE["cfg"]["seed_base"] + "\0" + (info.raw_cell or "")).encode()))


def _seed(seed):
    if seed is None:
        return
    import random
    random.seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(seed % (2 ** 32))
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            torch.manual_seed(seed)
        except Exception:
            pass


def _library_wrapper(new, old):
    """A library's own wrapper around the original (torch._dynamo wraps torch.manual_seed, say)."""
    inner, seen = new, 0
    while inner is not None and inner is not old and seen < 8:
        inner, seen = getattr(inner, "__wrapped__", None), seen + 1
    return inner is old and _library(new)


def _check_and_restore():
    """Compare everything with the baselines; put back what changed. Returns messages."""
    found = []
    for name, snap in _STATE["modules"].items():
        module = snap["module"]
        if sys.modules.get(name) is not module:
            found.append(f"sys.modules['{name}'] was replaced")
            sys.modules[name] = module
        for attr, (value, code, defaults, frozen) in snap["attrs"].items():
            current = getattr(module, attr, _MISSING)
            if current is not value and _library_wrapper(current, value):
                snap["attrs"][attr] = (current, getattr(current, "__code__", None),
                                       getattr(current, "__defaults__", None), frozen)
            elif current is not value:
                found.append(f"{name}.{attr} was replaced by {_short(current)}")
                setattr(module, attr, value)
            elif frozen is not _MISSING:
                try:
                    same = value == frozen
                except Exception:  # noqa: BLE001
                    same = False
                if not same:
                    found.append(f"{name}.{attr} was changed")
                    import copy
                    setattr(module, attr, copy.deepcopy(frozen))
            elif code is not None and (getattr(value, "__code__", None) is not code
                                       or getattr(value, "__defaults__", None) is not defaults):
                found.append(f"the code of {name}.{attr} was changed")
                value.__code__ = code
                value.__defaults__ = defaults
        for cls_name, members in snap["classes"].items():
            cls = snap["attrs"][cls_name][0]
            for key, value in members.items():
                current = cls.__dict__.get(key, _MISSING)
                if current is not value:
                    found.append(f"{name}.{cls_name}.{key} was replaced")
                    try:
                        setattr(cls, key, value)
                    except (TypeError, AttributeError):
                        pass
    for key, value in _STATE["builtins"].items():
        current = vars(builtins).get(key, _MISSING)
        if current is not value:
            found.append(f"builtins.{key} was replaced by {_short(current)}")
            setattr(builtins, key, value)
    user_ns = _STATE["shell"].user_ns
    if user_ns.get("__builtins__") not in (builtins, vars(builtins)):
        found.append("__builtins__ was replaced")
        user_ns["__builtins__"] = builtins
    for name, value in _STATE["bound"].items():
        if user_ns.get(name, _MISSING) is not value:
            found.append(f"the name '{name}' that the tests use ({_short(value)}) was rebound")
            user_ns[name] = value
    found += _check_shell()
    return found


def _check_shell():
    shell = _STATE["shell"]
    base = _STATE["shell_state"]
    now = _shell_state(shell)
    found = []
    for key in ("input_transformers_cleanup", "input_transformers_post", "ast_transformers"):
        if now[key] != base[key]:
            found.append(f"IPython's {key} were changed")
            getattr(shell, key)[:] = base[key]
    for name, callbacks in now["events"].items():
        old = base["events"].get(name, [])
        if callbacks != old:
            bad = [cb for cb in callbacks if cb not in old and not _library(cb)]
            if bad or any(cb not in callbacks for cb in old):
                found.append(f"an IPython '{name}' event callback was changed")
                shell.events.callbacks[name][:] = [cb for cb in callbacks if cb in old or _library(cb)]
            base["events"][name] = list(shell.events.callbacks[name])
    if now["custom_exceptions"] != base["custom_exceptions"]:
        found.append("a custom exception handler was installed (set_custom_exc)")
        shell.custom_exceptions = base["custom_exceptions"]
    for key in ("shell_dict", "kernel_dict", "session_dict"):
        if now[key] != base[key]:
            changed = sorted(set(now[key]) ^ set(base[key]) | {k for k in now[key] if now[key][k] is not base[key].get(k)})
            found.append(f"the kernel's {', '.join(changed)} was replaced")
            owner = {"shell_dict": shell, "kernel_dict": getattr(shell, "kernel", None),
                     "session_dict": now["session"]}[key]
            for k in changed:
                if k in base[key]:
                    setattr(owner, k, base[key][k])
                else:
                    try:
                        delattr(owner, k)
                    except AttributeError:
                        pass
    if now["session"] is not base["session"]:
        found.append("the kernel's session was replaced")
        shell.kernel.session = base["session"]
    for key in ("displayhook",):
        if now[key] is not base[key]:
            found.append(f"sys.{key} was replaced")
            setattr(sys, key, base[key])
    for key in ("stdout", "stderr"):
        if now[key] is not base[key]:
            found.append(f"sys.{key} was replaced")
            setattr(sys, key, base[key])
    for key in ("meta_path", "path_hooks"):
        current, old = getattr(sys, key), base[key]
        if current != old:
            if any(x not in current for x in old) or any(x not in old and not _library(x) for x in current):
                found.append(f"sys.{key} (the import system) was changed")
                current[:] = [x for x in old] + [x for x in current if x not in old and _library(x)]
            base[key] = list(current)
    if sys.gettrace() is not None or sys.getprofile() is not None:
        found.append("a trace or profile hook is active")
        sys.settrace(None)
        sys.setprofile(None)
    return found


def _purge_reference(trusted):
    """Drop trainlab.reference.* so that only a locked cell's own import brings it back. Returns problems."""
    ref = _STATE["cfg"]["reference"]
    found = []
    for name in [n for n in sys.modules if n == ref or n.startswith(ref + ".")]:
        module = sys.modules.pop(name)
        if name == ref or module is None:
            continue
        loader = getattr(getattr(module, "__spec__", None), "loader", None)
        if not isinstance(loader, _RefLoader) or module.__dict__.get("__trainlab_guard_check__") is not _ref_check:
            found.append(f"a fake {name} module was put in sys.modules")
        elif not trusted:
            found.append(f"student code loaded {name} (the reference answers)")
    parent, _, child = ref.rpartition(".")
    if parent in sys.modules and hasattr(sys.modules[parent], child):
        try:
            delattr(sys.modules[parent], child)
        except AttributeError:
            pass
    user_ns = _STATE["shell"].user_ns
    for key, value in list(user_ns.items()):
        try:
            mod = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        except Exception:
            continue
        if isinstance(mod, str) and (mod == ref or mod.startswith(ref + ".")) and not key.startswith("_"):
            del user_ns[key]
    return found


def probe(trusted, label=""):
    """After a cell: report tampering (and put things back), tidy up. JSON string (also kept in ``last``)."""
    if getattr(_LOCAL, "busy", False):
        return json.dumps({"violations": ["the grader's probe was re-entered"], "events": []})
    _LOCAL.busy = True
    try:
        violations = _check_and_restore()
        violations += _purge_reference(trusted)
        if trusted:
            prefixes = tuple(_STATE["cfg"]["protected_prefixes"])
            for key, value in _STATE["shell"].user_ns.items():
                if isinstance(value, types.ModuleType) and not key.startswith("_") \
                        and value.__name__.startswith(prefixes) and key not in _STATE["bound"]:
                    _STATE["bound"][key] = value
        if sys.path != _STATE["sys_path"]:
            sys.path[:] = _STATE["sys_path"]
        events = list(_STATE["events"])
        _STATE["events"].clear()
        result = json.dumps({"violations": violations, "events": events})
        sys.modules[__name__].last = result
        return result
    finally:
        _LOCAL.busy = False
