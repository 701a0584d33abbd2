"""Numerical gradients by centered differences: the oracle every backward pass is checked against.

The centered difference  (f(x + h) - f(x - h)) / 2h  has error O(h^2), so with h = 1e-5 in
float64 a correct analytic gradient agrees to a relative error of about 1e-8 or better.

    eval_numerical_gradient(f, x)              gradient of a scalar function, same shape as x
    eval_numerical_gradient_array(f, x, df)    gradient of sum(f(x) * df): a backward pass with upstream df
    rel_error(a, b)                            max |a - b| / max(1e-8, |a| + |b|)
    grad_error(analytic, numeric)              rel_error for gradient checks: entries within ROUNDING_ATOL agree
    sparse_gradcheck(...)                      a few random coordinates only: fast on large arrays
    directional_gradcheck(...)                 a few random directions: two evaluations each, any size

All functions change ``x`` in place while they probe it and put every value back.
"""
import numpy as np

# How far a centered difference can be from an exactly-zero gradient by rounding alone: one ulp of a loss of
# order 1 (2.2e-16) over 2h (2e-5) is 1.1e-11; a few ulps, or a loss of order 10, stay below 1e-9. A wrong
# gradient is wrong by far more wherever the true gradient is not tiny (1.001 x an entry of 0.01 is off by 1e-5).
ROUNDING_ATOL = 1e-8

__all__ = [
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "rel_error",
    "grad_error",
    "ROUNDING_ATOL",
    "sparse_gradcheck",
    "directional_gradcheck",
]


def eval_numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of a scalar function ``f`` at ``x``.

    f: callable taking x (any shape) and returning a scalar.
    x: float array of shape S (probed in place, restored on return).
    Returns an array of shape S.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for ix in np.ndindex(x.shape):          # one pair of evaluations per coordinate
        old = x[ix]
        x[ix] = old + h
        fplus = float(f(x))
        x[ix] = old - h
        fminus = float(f(x))
        x[ix] = old
        grad[ix] = (fplus - fminus) / (2 * h)
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of ``sum(f(x) * df)`` at ``x``: what a backward pass must return.

    f: callable taking x of shape S and returning an array of shape T.
    df: upstream gradient of shape T.
    Returns an array of shape S.
    """
    return eval_numerical_gradient(lambda z: np.sum(f(z) * df), x, h)


def rel_error(a, b):
    """Largest relative error between two arrays (or numbers): max |a - b| / max(1e-8, |a| + |b|)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def grad_error(analytic, numeric, atol=ROUNDING_ATOL):
    """rel_error(analytic, numeric), except that entries within ``atol`` of each other count as equal.

    analytic, numeric: arrays of the same shape (a backward pass, and eval_numerical_gradient's answer).
    Where the true gradient is exactly 0 (a bias that feeds BatchNorm, whose mean subtraction removes it),
    both sides may hold rounding noise instead, about 1e-17 and 1e-11 (up to 1e-10); rel_error's floor of 1e-8
    turns that into a relative error of 1e-3 to 1e-2, whether the code is right or not. Returns a float.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.size == 0:
        return 0.0
    diff = np.abs(a - n)
    rel = diff / np.maximum(1e-8, np.abs(a) + np.abs(n))
    return float(np.max(np.where(diff <= atol, 0.0, rel)))


def sparse_gradcheck(f, x, analytic_grad, num_checks=10, h=1e-5, rng=None):
    """Compare ``analytic_grad`` with centered differences at ``num_checks`` random coordinates.

    f: scalar function of x; x: array of shape S; analytic_grad: array of shape S.
    Returns the largest relative error over the sampled coordinates (2 * num_checks calls of f).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    flat = rng.choice(x.size, size=min(num_checks, x.size), replace=False)
    worst = 0.0
    for k in flat:
        ix = np.unravel_index(k, x.shape)
        old = x[ix]
        x[ix] = old + h
        fplus = float(f(x))
        x[ix] = old - h
        fminus = float(f(x))
        x[ix] = old
        numeric = (fplus - fminus) / (2 * h)
        worst = max(worst, rel_error(numeric, analytic_grad[ix]))
    return worst


def directional_gradcheck(f, x, analytic_grad, num_directions=3, h=1e-5, rng=None):
    """Check the directional derivative  <grad, v>  against (f(x + h v) - f(x - h v)) / 2h.

    Each direction v is a random unit vector of x's shape, so every coordinate is checked at
    once with only two evaluations of f: fast on arrays of 10^6 elements.
    Returns the largest relative error over the directions.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    x0 = x.copy()
    worst = 0.0
    for _ in range(num_directions):
        v = rng.standard_normal(x.shape)
        v /= np.linalg.norm(v)
        x[...] = x0 + h * v
        fplus = float(f(x))
        x[...] = x0 - h * v
        fminus = float(f(x))
        x[...] = x0
        numeric = (fplus - fminus) / (2 * h)
        worst = max(worst, rel_error(numeric, np.sum(analytic_grad * v)))
    return worst
