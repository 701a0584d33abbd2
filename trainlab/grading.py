"""What the notebooks' test cells call. Every failure says what is wrong in words a student can act on.

A failing check raises ``GradingError`` (an AssertionError, so nbgrader counts the cell as failed)
whose message names the function and the output, the shapes, how many entries are off, and the
worst one:

    relu_backward: dx is wrong.
      7 of 20 entries differ (rtol 1e-07, atol 1e-09); largest error at index (2, 3):
      got 0.0, expected 1.2345 (abs error 1.23)

The checks:
    check_close(name, actual, expected)                      arrays, numbers, tuples and dicts, recursively
    check_gradients(forward, backward, inputs, ...)          backward vs centered differences of forward
    check_forward(...), check_backward(...)                  student vs reference on the same inputs
    check_function(student_fn, reference_fn, *args)          whole outputs vs reference
    check_update_rule(student_rule, reference_rule, w, dw)   several steps, weights and config state
    check_torch(name, actual, torch_fn, inputs, dout)        vs PyTorch (CUDA when there is one)
    numpy_only(fn, *args)                                    call fn with torch made unimportable
    check(condition, message)                                anything else, with your own words
    committed(prediction, choices=None)                      a question's prediction is written down

The NumPy functions used here are captured when this module is imported, so an answer cell that
replaces ``np.allclose`` or ``np.abs`` cannot change what these checks compute.
"""
import copy
import sys
import types
from contextlib import contextmanager

import numpy as np

from trainlab import gradcheck

__all__ = [
    "GradingError", "check", "check_close", "check_gradients", "check_forward", "check_backward",
    "check_function", "check_update_rule", "check_torch", "numpy_only", "torch_blocked", "committed",
]

# Captured at import: later monkeypatching of numpy in a notebook does not reach the checks.
_asarray, _abs, _isfinite, _argmax, _unravel = np.asarray, np.abs, np.isfinite, np.argmax, np.unravel_index
_isnan, _count, _maximum, _ndarray = np.isnan, np.count_nonzero, np.maximum, np.ndarray
_rel_error, _grad_error = gradcheck.rel_error, gradcheck.grad_error
_num_grad_array = gradcheck.eval_numerical_gradient_array

RTOL, ATOL = 1e-7, 1e-9  # reference comparisons are float64 against float64


class GradingError(AssertionError):
    """A failed check; its message is meant for the student."""


def check(condition, message):
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise GradingError(message)


def committed(prediction, choices=None):
    """Fail unless a question's prediction has been written down.

    prediction: a finite number, or (with ``choices``) one of the choices. Says nothing about whether
    it is right: the grader compares it with the measured answer when you submit.
    """
    check(prediction is not None and prediction is not Ellipsis,
          "no prediction yet: replace the `...` / None in the answer cell above with your prediction")
    if choices is not None:
        check(prediction in tuple(choices), f"your choice {prediction!r} is not one of {', '.join(map(repr, choices))}")
        return
    check(isinstance(prediction, (int, float, np.integer, np.floating)) and not isinstance(prediction, bool)
          and bool(_isfinite(prediction)), f"a prediction here is one finite number; got {prediction!r}")


def _fmt(v):
    return f"{v:.6g}" if isinstance(v, (float, np.floating)) else repr(v)


def _array_report(name, actual, expected, rtol, atol):
    """None if close, else a message describing the worst entry."""
    if not isinstance(actual, (_ndarray, np.generic, float, int, np.floating)) or isinstance(actual, bool):
        return f"{name}: expected a NumPy array or number, got {type(actual).__name__}."
    a = _asarray(actual)
    e = _asarray(expected)
    if a.shape != e.shape:
        return f"{name}: wrong shape {a.shape}, expected {e.shape}."
    if a.dtype.kind not in "fiub":
        return f"{name}: expected numbers, got an array of dtype {a.dtype}."
    shape = a.shape
    a = a.astype(np.float64).reshape(-1)      # flat views: one code path for scalars and arrays
    e = e.astype(np.float64).reshape(-1)
    if a.size == 0:
        return None
    bad_nan = _isnan(a) & ~_isnan(e)
    if bad_nan.any():
        k = int(_argmax(bad_nan))
        return (f"{name}: {int(_count(bad_nan))} entries are NaN where a number was expected "
                f"(first at index {_index(k, shape)}, expected {_fmt(e[k])}). Look for 0/0, inf - inf or log(0).")
    err = _abs(a - e)
    err[(~_isfinite(e) & (a == e)) | (_isnan(a) & _isnan(e))] = 0.0
    bad = err > atol + rtol * _abs(e)
    if not bad.any():
        return None
    k = int(_argmax(np.where(bad, err, -1.0)))
    where = f" at index {_index(k, shape)}" if shape else ""
    return (f"{name} is wrong.\n  {int(_count(bad))} of {a.size} entries differ (rtol {rtol:g}, atol {atol:g}); "
            f"largest error{where}:\n  got {_fmt(a[k])}, expected {_fmt(e[k])} "
            f"(abs error {_fmt(float(err[k]))}, relative {_fmt(_rel_error(a[k], e[k]))})")


def _index(k, shape):
    return tuple(int(i) for i in _unravel(k, shape))


def _compare(name, actual, expected, rtol, atol, problems):
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            problems.append(f"{name}: expected a dict, got {type(actual).__name__}.")
            return
        for key in expected:
            if key not in actual:
                problems.append(f"{name}: key '{key}' is missing (it must be saved back into the dict).")
            else:
                _compare(f"{name}['{key}']", actual[key], expected[key], rtol, atol, problems)
    elif isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            got = f"{type(actual).__name__} of length {len(actual)}" if isinstance(actual, (tuple, list)) \
                else type(actual).__name__
            problems.append(f"{name}: expected a {type(expected).__name__} of {len(expected)} items, got {got}.")
            return
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(f"{name}[{i}]", a, e, rtol, atol, problems)
    elif isinstance(expected, str) or expected is None:
        if actual != expected:
            problems.append(f"{name}: got {actual!r}, expected {expected!r}.")
    else:
        msg = _array_report(name, actual, expected, rtol, atol)
        if msg:
            problems.append(msg)


def check_close(name, actual, expected, rtol=RTOL, atol=ATOL):
    """Check ``actual`` against ``expected`` entry by entry: |a - e| <= atol + rtol * |e|.

    Works on arrays and numbers and, recursively, on tuples, lists and dicts of them
    (every key of ``expected`` must be in ``actual``). ``name`` labels the message.
    """
    problems = []
    _compare(name, actual, expected, rtol, atol, problems)
    if problems:
        raise GradingError("\n".join(problems))


def _names(n, names):
    return list(names) if names else [f"d(input {i})" for i in range(n)]


def check_gradients(forward, backward, inputs, kwargs=None, dout=None, names=None, tol=1e-5, seed=0):
    """Check ``backward`` against centered differences of ``forward``.

    forward(*inputs, **kwargs) -> (out, cache); backward(dout, cache) -> one gradient per input
    (a bare array when there is one input). inputs: list of float64 arrays; dout: upstream
    gradient of out's shape (random by default); names: labels such as ["dx", "dw"].
    Returns the relative errors, one per input (gradcheck.grad_error: entries that agree within 1e-8 count
    as equal, so a gradient that is exactly 0, which the numerical one only reaches up to rounding, cannot
    fail a correct answer). A correct backward pass typically reaches 1e-8; the default ``tol`` of 1e-5
    leaves room for entries close to a kink (ReLU, max) and still fails a gradient off by a factor of
    1.001 (relative error 5e-4).
    """
    kwargs = kwargs or {}
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    names = _names(len(inputs), names)
    fname = getattr(backward, "__name__", "backward")
    out, cache = forward(*inputs, **kwargs)
    if dout is None:
        dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    grads = backward(dout, cache)
    if len(inputs) == 1 and not isinstance(grads, (tuple, list)):
        grads = (grads,)
    check(isinstance(grads, (tuple, list)) and len(grads) == len(inputs),
          f"{fname} must return {len(inputs)} gradient(s) ({', '.join(names)}), got {type(grads).__name__}"
          + (f" of length {len(grads)}" if isinstance(grads, (tuple, list)) else "") + ".")
    errors = []
    for i, (x, g) in enumerate(zip(inputs, grads)):
        def f(xi, i=i):
            args = list(inputs)
            args[i] = xi
            return forward(*args, **kwargs)[0]
        numeric = _num_grad_array(f, x.copy(), dout)
        msg = _array_report(f"{fname}: {names[i]}", g, numeric, rtol=0.0, atol=np.inf)
        if msg:
            raise GradingError(msg)
        err = _grad_error(g, numeric)       # entries where both are rounding noise around 0 count as equal
        errors.append(err)
        if not err < tol:
            report = _array_report(f"{fname}: {names[i]} (vs the numerical gradient)", g, numeric, 1e-5, 1e-8)
            raise GradingError(f"{fname}: {names[i]} does not match the numerical gradient: relative error "
                               f"{err:.2e}, should be below {tol:.0e}.\n" + (report or ""))
    return errors


def _copied(args, kwargs):
    return copy.deepcopy(list(args)), copy.deepcopy(dict(kwargs))


def _call_keeping_inputs(fn, args, kwargs):
    """(fn(*args, **kwargs), the positional arguments as fn left them).

    A local function changes ``args`` themselves; the judge's remote functions (autograde/judge.py) never
    write into the grader's arrays and report the arguments as the student's function left them instead.
    """
    returning_inputs = getattr(fn, "returning_inputs", None)
    if returning_inputs is None:
        return fn(*args, **kwargs), args
    result, after, _ = returning_inputs(*args, **kwargs)
    return result, after


def _check_inputs_unchanged(fname, before, after):
    for i, (b, a) in enumerate(zip(before, after)):
        if isinstance(b, _ndarray) and (a.shape != b.shape or not (a == b)[~_isnan(b)].all()):
            raise GradingError(f"{fname} changed its input argument {i} in place; compute a new array instead "
                               f"(for example `out = x * 2`, not `x *= 2`).")


def check_function(student_fn, reference_fn, *args, rtol=RTOL, atol=ATOL, **kwargs):
    """Call both functions on copies of the same arguments and compare whole outputs.

    Also fails if the student's function changed an input array in place. Returns the student's output.
    """
    fname = getattr(student_fn, "__name__", "function")
    s_args, s_kwargs = _copied(args, kwargs)
    r_args, r_kwargs = _copied(args, kwargs)
    got, s_args = _call_keeping_inputs(student_fn, s_args, s_kwargs)
    expected = reference_fn(*r_args, **r_kwargs)
    check_close(f"{fname} output", got, expected, rtol, atol)
    _check_inputs_unchanged(fname, list(args), s_args)
    return got


def check_forward(student_forward, reference_forward, *args, rtol=RTOL, atol=ATOL, **kwargs):
    """Compare the ``out`` of two forward functions returning (out, cache). Returns the student's (out, cache)."""
    fname = getattr(student_forward, "__name__", "forward")
    s_args, s_kwargs = _copied(args, kwargs)
    result, s_args = _call_keeping_inputs(student_forward, s_args, s_kwargs)
    check(isinstance(result, tuple) and len(result) == 2,
          f"{fname} must return a pair (out, cache), got {type(result).__name__}.")
    r_args, r_kwargs = _copied(args, kwargs)
    expected, _ = reference_forward(*r_args, **r_kwargs)
    check_close(f"{fname}: out", result[0], expected, rtol, atol)
    _check_inputs_unchanged(fname, list(args), s_args)
    return result


def check_backward(student_forward, student_backward, reference_forward, reference_backward, args,
                   kwargs=None, dout=None, names=None, rtol=RTOL, atol=ATOL, seed=0):
    """Run each forward/backward pair on the same inputs and upstream gradient; compare every gradient.

    Returns the student's gradients.
    """
    kwargs = kwargs or {}
    fname = getattr(student_backward, "__name__", "backward")
    s_args, s_kwargs = _copied(args, kwargs)
    out, cache = student_forward(*s_args, **s_kwargs)
    if dout is None:
        dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    got = student_backward(dout.copy(), cache)
    r_args, r_kwargs = _copied(args, kwargs)
    _, r_cache = reference_forward(*r_args, **r_kwargs)
    expected = reference_backward(dout.copy(), r_cache)
    single = not isinstance(expected, tuple)
    if single:
        expected, got = (expected,), (got if isinstance(got, tuple) else (got,))
    labels = _names(len(expected), names)
    check(isinstance(got, tuple) and len(got) == len(expected),
          f"{fname} must return {len(expected)} gradients ({', '.join(labels)}), "
          f"got {type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, tuple) else "") + ".")
    problems = []
    for label, g, e in zip(labels, got, expected):
        _compare(f"{fname}: {label}", g, e, rtol, atol, problems)
    if problems:
        raise GradingError("\n".join(problems))
    return got[0] if single else got


def check_update_rule(student_rule, reference_rule, w, dw, config=None, steps=5, seed=0,
                      rtol=RTOL, atol=ATOL):
    """Run both update rules for ``steps`` steps (fresh random dw after the first) and compare next_w and config.

    rule(w, dw, config) -> (next_w, config). The state saved in config (velocity, cache, m, v, t)
    is compared after every step, so state that is not written back is caught; a rule that changes w or
    dw in place fails (config is the rule's to update).
    """
    fname = getattr(student_rule, "__name__", "rule")
    rng = np.random.default_rng(seed)
    s_w, r_w = w.copy(), w.copy()
    s_cfg, r_cfg = copy.deepcopy(config), copy.deepcopy(config)
    for step in range(1, steps + 1):
        grad = dw if step == 1 else rng.standard_normal(w.shape)
        result, after = _call_keeping_inputs(student_rule, [s_w.copy(), grad.copy(), s_cfg], {})
        check(isinstance(result, tuple) and len(result) == 2,
              f"{fname} must return (next_w, config), got {type(result).__name__}.")
        _check_inputs_unchanged(fname, [s_w, grad], after[:2])
        s_w, s_cfg = result
        r_w, r_cfg = reference_rule(r_w.copy(), grad.copy(), r_cfg)
        check_close(f"{fname} after step {step}: next_w", s_w, r_w, rtol, atol)
        check_close(f"{fname} after step {step}: config", s_cfg, r_cfg, rtol, atol)
    return s_w, s_cfg


def check_torch(name, actual, torch_fn, inputs, dout=None, dtype="float64"):
    """Compare with PyTorch on torchcheck.device() (CUDA when there is one).

    actual: our output, or (output, grads) when ``dout`` is given.
    torch_fn: callable on torch tensors; inputs: NumPy arrays. Returns the device used.
    """
    from trainlab import torchcheck

    dev = torchcheck.device()
    rtol, atol = torchcheck.tolerance(dtype, dev)
    out, grads = torchcheck.torch_forward_backward(torch_fn, inputs, dout, dtype=dtype, dev=dev)
    expected = out if dout is None else (out, tuple(grads))
    try:
        check_close(name, actual, expected, rtol, atol)
    except GradingError as e:
        raise GradingError(f"{e}\n  (compared with PyTorch on {dev.type}, {dtype})") from None
    return dev


class _Blocked(types.ModuleType):
    def __getattr__(self, attr):
        raise ImportError("torch is not available here: this function must be written in NumPy.")


@contextmanager
def torch_blocked(namespace=None):
    """Inside this block `import torch` fails, and so does any use of a torch module in ``namespace``."""
    saved_modules = {k: v for k, v in sys.modules.items() if k == "torch" or k.startswith("torch.")}
    saved_names = {}
    if namespace is not None:
        for key, value in list(namespace.items()):
            mod = getattr(value, "__module__", None) or getattr(value, "__name__", "")
            if isinstance(value, types.ModuleType) and value.__name__.split(".")[0] == "torch" or \
                    (not isinstance(value, types.ModuleType) and str(mod).split(".")[0] == "torch"):
                saved_names[key] = value
                namespace[key] = _Blocked("torch")
    for k in set(saved_modules) | {"torch"}:
        sys.modules[k] = None          # `import torch` now raises ImportError, imported or not
    try:
        yield
    finally:
        sys.modules.pop("torch", None)
        sys.modules.update(saved_modules)
        if namespace is not None:
            namespace.update(saved_names)


def numpy_only(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` with torch made unimportable; a NumPy answer does not notice.

    A function that imports or uses torch fails with a message saying it must be NumPy.
    """
    fname = getattr(fn, "__name__", "function")
    elsewhere = getattr(fn, "numpy_only", None)   # a function that runs in another process blocks torch there
    try:
        if elsewhere is not None:
            return elsewhere(*args, **kwargs)
        with torch_blocked(getattr(fn, "__globals__", None)):
            return fn(*args, **kwargs)
    except ImportError as e:
        raise GradingError(f"{fname} must be written with NumPy only; it needed torch ({e}).") from None
    except GradingError as e:
        if "raised ImportError" not in str(e):
            raise
        raise GradingError(f"{fname} must be written with NumPy only; it needed torch.") from None
