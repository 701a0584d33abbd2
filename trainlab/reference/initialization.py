"""Weight initialization and activation statistics (reference answers for 02_initialization).

Every init function returns a (fan_in, fan_out) weight matrix, for layers computing ``x @ W``
with x of shape (N, fan_in). Random ones take ``rng``, a ``np.random.Generator``
(``np.random.default_rng()`` when None), and draw in one call, so that the same seed gives
the same matrix everywhere:

    Gaussian inits:  rng.standard_normal((fan_in, fan_out)) * std      (equal to rng.normal(0.0, std, shape))
    Xavier uniform:  rng.uniform(-bound, bound, size=(fan_in, fan_out))

    constant_init(fan_in, fan_out, value=0.0)          every weight = value (all units stay identical)
    small_random_init(fan_in, fan_out, scale=0.01)     std = scale
    xavier_init(fan_in, fan_out)                       std = 1 / sqrt(fan_in)          (Glorot & Bengio 2010)
    xavier_uniform_init(fan_in, fan_out)               bound = sqrt(6) / sqrt(fan_in + fan_out)
    kaiming_init(fan_in, fan_out)                      std = sqrt(2 / fan_in)          (He et al. 2015, for ReLU)
    orthogonal_init(fan_in, fan_out, gain=1.0)         gain * a random orthogonal matrix (Saxe et al. 2014), see its docstring

    forward_activations(X, weights, nonlinearity)      every layer's output, a list
    layer_statistics(X, weights, nonlinearity)         (means, stds) of each layer's output
    gradient_statistics(X, weights, nonlinearity, dout)  (stds of dL/dH_l, stds of dL/dW_l) per layer
"""
import numpy as np

NONLINEARITIES = ("tanh", "relu")


def _rng(rng):
    return np.random.default_rng() if rng is None else rng


def constant_init(fan_in, fan_out, value=0.0):
    """Every weight equal to ``value``. Returns (fan_in, fan_out)."""
    return np.full((fan_in, fan_out), float(value))


def small_random_init(fan_in, fan_out, scale=0.01, rng=None):
    """Gaussian weights with std ``scale``: rng.standard_normal((fan_in, fan_out)) * scale."""
    return _rng(rng).standard_normal((fan_in, fan_out)) * scale


def xavier_init(fan_in, fan_out, rng=None):
    """Gaussian weights with std 1 / sqrt(fan_in): keeps Var(x @ W) = Var(x) for a linear unit."""
    return _rng(rng).standard_normal((fan_in, fan_out)) * (1.0 / np.sqrt(fan_in))


def xavier_uniform_init(fan_in, fan_out, rng=None):
    """Uniform weights on [-b, b] with b = sqrt(6) / sqrt(fan_in + fan_out) (variance 2 / (fan_in + fan_out))."""
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return _rng(rng).uniform(-bound, bound, size=(fan_in, fan_out))


def kaiming_init(fan_in, fan_out, rng=None):
    """Gaussian weights with std sqrt(2 / fan_in): ReLU zeroes half of its inputs, so double the variance."""
    return _rng(rng).standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def orthogonal_init(fan_in, fan_out, gain=1.0, rng=None):
    """gain times a random (fan_in, fan_out) matrix with orthonormal columns (fan_in >= fan_out) or rows.

    The draw order (as torch.nn.init.orthogonal_, in our (fan_in, fan_out) layout), so a seed fixes the matrix:
        n, k = max(fan_in, fan_out), min(fan_in, fan_out)
        A = rng.standard_normal((n, k))                     one call
        Q, R = np.linalg.qr(A)                              reduced QR: Q (n, k), R (k, k) upper triangular
        Q = Q * sign(diag(R))                               sign fix: column j times the sign of R[j, j]
        W = Q if fan_in >= fan_out else Q.T                 then W * gain
    With the sign fix Q is the unique factor with a positive diagonal of R (Gram-Schmidt's), so any correct
    QR gives the same matrix, and the result is uniformly (Haar) distributed over orthonormal matrices.
    Then W.T @ W = gain**2 I (fan_in >= fan_out) or W @ W.T = gain**2 I (fan_in < fan_out).
    """
    n, k = max(fan_in, fan_out), min(fan_in, fan_out)
    A = _rng(rng).standard_normal((n, k))
    Q, R = np.linalg.qr(A)
    Q = Q * np.where(np.diag(R) < 0, -1.0, 1.0)
    W = Q if fan_in >= fan_out else Q.T
    return gain * W


def _activate(z, nonlinearity):
    if nonlinearity == "tanh":
        return np.tanh(z)
    if nonlinearity == "relu":
        return np.maximum(z, 0.0)
    raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")


def forward_activations(X, weights, nonlinearity):
    """Run X (N, D0) through the layers H_l = f(H_{l-1} @ W_l), with H_0 = X and no biases.

    weights: list of L arrays, W_l of shape (D_{l-1}, D_l); nonlinearity: "tanh" or "relu".
    Returns the list [H_1, ..., H_L], H_l of shape (N, D_l).
    """
    hs = []
    h = X
    for W in weights:
        h = _activate(h @ W, nonlinearity)
        hs.append(h)
    return hs


def layer_statistics(X, weights, nonlinearity):
    """Mean and standard deviation (over all N * D_l entries, ddof=0) of every layer's output H_l.

    Returns (means, stds), two arrays of shape (L,).
    """
    hs = forward_activations(X, weights, nonlinearity)
    return np.array([h.mean() for h in hs]), np.array([h.std() for h in hs])


def gradient_statistics(X, weights, nonlinearity, dout):
    """Backpropagate the upstream gradient ``dout`` = dL/dH_L (N, D_L) through the same network.

    With Z_l = H_{l-1} @ W_l and H_l = f(Z_l):
        dZ_l = dH_l * f'(Z_l),   dW_l = H_{l-1}.T @ dZ_l,   dH_{l-1} = dZ_l @ W_l.T
    Returns (dh_stds, dw_stds), two arrays of shape (L,): the std of dL/dH_l (the gradient
    arriving at layer l's output) and the std of dL/dW_l, for l = 1 .. L.
    """
    hs = forward_activations(X, weights, nonlinearity)
    inputs = [X] + hs[:-1]
    dh = dout
    dh_stds, dw_stds = [], []
    for W, h_in, h in zip(weights[::-1], inputs[::-1], hs[::-1]):
        dh_stds.append(dh.std())
        local = 1.0 - h ** 2 if nonlinearity == "tanh" else (h > 0).astype(h.dtype)
        dz = dh * local
        dw_stds.append((h_in.T @ dz).std())
        dh = dz @ W.T
    return np.array(dh_stds[::-1]), np.array(dw_stds[::-1])
