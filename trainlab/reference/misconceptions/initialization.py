"""Misconceptions for 02_initialization (see __init__.py for the format)."""
import numpy as np

REFERENCE = "initialization"


def _rng(rng):
    return np.random.default_rng() if rng is None else rng


# -- 3. the initializations ---------------------------------------------------------------------------

def constant_init_value_ignored(fan_in, fan_out, value=0.0):
    return np.zeros((fan_in, fan_out))


def constant_init_transposed(fan_in, fan_out, value=0.0):
    return np.full((fan_out, fan_in), float(value))


def constant_init_default_one(fan_in, fan_out, value=1.0):
    return np.full((fan_in, fan_out), float(value))


def small_random_init_uniform(fan_in, fan_out, scale=0.01, rng=None):
    return _rng(rng).uniform(-scale, scale, size=(fan_in, fan_out))


def small_random_init_variance(fan_in, fan_out, scale=0.01, rng=None):
    return _rng(rng).standard_normal((fan_in, fan_out)) * scale ** 2


def small_random_init_global_rng(fan_in, fan_out, scale=0.01, rng=None):
    return np.random.randn(fan_in, fan_out) * scale


def small_random_init_transposed(fan_in, fan_out, scale=0.01, rng=None):
    return _rng(rng).standard_normal((fan_out, fan_in)).T * scale


def xavier_init_glorot(fan_in, fan_out, rng=None):
    return _rng(rng).standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))


def xavier_init_no_sqrt(fan_in, fan_out, rng=None):
    return _rng(rng).standard_normal((fan_in, fan_out)) * (1.0 / fan_in)


def xavier_init_fan_out(fan_in, fan_out, rng=None):
    return _rng(rng).standard_normal((fan_in, fan_out)) * (1.0 / np.sqrt(fan_out))


def xavier_init_transposed(fan_in, fan_out, rng=None):
    return _rng(rng).standard_normal((fan_out, fan_in)).T * (1.0 / np.sqrt(fan_in))


def xavier_uniform_init_std_as_bound(fan_in, fan_out, rng=None):
    bound = np.sqrt(2.0 / (fan_in + fan_out))
    return _rng(rng).uniform(-bound, bound, size=(fan_in, fan_out))


def xavier_uniform_init_normal(fan_in, fan_out, rng=None):
    return _rng(rng).standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))


def xavier_uniform_init_positive(fan_in, fan_out, rng=None):
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return _rng(rng).uniform(0.0, bound, size=(fan_in, fan_out))


def xavier_uniform_init_sqrt_6_over_sum(fan_in, fan_out, rng=None):
    bound = np.sqrt(6.0) / (fan_in + fan_out)
    return _rng(rng).uniform(-bound, bound, size=(fan_in, fan_out))


def kaiming_init_divided(fan_in, fan_out, rng=None):
    return _rng(rng).standard_normal((fan_in, fan_out)) / np.sqrt(2.0 / fan_in)


def kaiming_init_without_2(fan_in, fan_out, rng=None):
    return _rng(rng).standard_normal((fan_in, fan_out)) * np.sqrt(1.0 / fan_in)


def kaiming_init_transposed(fan_in, fan_out, rng=None):
    return _rng(rng).standard_normal((fan_out, fan_in)).T * np.sqrt(2.0 / fan_in)


def kaiming_init_fan_out(fan_in, fan_out, rng=None):
    return _rng(rng).standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_out)


# -- 4. statistics through a deep network -------------------------------------------------------------

def _activate(z, nonlinearity):
    if nonlinearity == "tanh":
        return np.tanh(z)
    if nonlinearity == "relu":
        return np.maximum(z, 0.0)
    raise ValueError(f"nonlinearity must be one of ('tanh', 'relu'), got {nonlinearity!r}")


def forward_activations_last_linear(X, weights, nonlinearity):
    hs, h = [], X
    for i, W in enumerate(weights):
        h = h @ W if i == len(weights) - 1 else _activate(h @ W, nonlinearity)
        hs.append(h)
    return hs


def forward_activations_preactivations(X, weights, nonlinearity):
    hs, h = [], X
    for W in weights:
        z = h @ W
        hs.append(z)                                   # Z_l kept instead of H_l
        h = _activate(z, nonlinearity)
    return hs


def forward_activations_relu_fallback(X, weights, nonlinearity):
    hs, h = [], X
    for W in weights:
        z = h @ W
        h = np.tanh(z) if nonlinearity == "tanh" else np.maximum(z, 0.0)   # anything else is ReLU
        hs.append(h)
    return hs


def forward_activations_with_input(X, weights, nonlinearity):
    hs, h = [X], X
    for W in weights:
        h = _activate(h @ W, nonlinearity)
        hs.append(h)
    return hs


def layer_statistics_ddof1(X, weights, nonlinearity):
    hs = forward_activations(X, weights, nonlinearity)  # noqa: F821 - the notebook's (the namespace's) function
    return np.array([h.mean() for h in hs]), np.array([h.std(ddof=1) for h in hs])


def layer_statistics_per_unit(X, weights, nonlinearity):
    hs = forward_activations(X, weights, nonlinearity)  # noqa: F821
    return np.array([h.mean() for h in hs]), np.array([h.std(axis=0).mean() for h in hs])


def layer_statistics_preactivations(X, weights, nonlinearity):
    means, stds, h = [], [], X
    for W in weights:
        z = h @ W
        means.append(z.mean())
        stds.append(z.std())
        h = _activate(z, nonlinearity)
    return np.array(means), np.array(stds)


def _gradient_statistics(X, weights, nonlinearity, dout, local_of, dh_after_local=False, dw_from_output=False):
    hs = forward_activations(X, weights, nonlinearity)  # noqa: F821
    inputs = [X] + hs[:-1]
    dh = dout
    dh_stds, dw_stds = [], []
    for W, h_in, h in zip(weights[::-1], inputs[::-1], hs[::-1]):
        dz = dh * local_of(h, h_in @ W)
        dh_stds.append(dz.std() if dh_after_local else dh.std())
        dw_stds.append(((h if dw_from_output else h_in).T @ dz).std())
        dh = dz @ W.T
    return np.array(dh_stds[::-1]), np.array(dw_stds[::-1])


def _right_local(nonlinearity):
    return (lambda h, z: 1.0 - h ** 2) if nonlinearity == "tanh" else (lambda h, z: (h > 0).astype(h.dtype))


def gradient_statistics_tanh_of_z(X, weights, nonlinearity, dout):
    local = (lambda h, z: 1.0 - z ** 2) if nonlinearity == "tanh" else _right_local(nonlinearity)
    return _gradient_statistics(X, weights, nonlinearity, dout, local)


def gradient_statistics_dz_stds(X, weights, nonlinearity, dout):
    return _gradient_statistics(X, weights, nonlinearity, dout, _right_local(nonlinearity), dh_after_local=True)


def gradient_statistics_dw_from_output(X, weights, nonlinearity, dout):
    return _gradient_statistics(X, weights, nonlinearity, dout, _right_local(nonlinearity), dw_from_output=True)


def gradient_statistics_relu_ge(X, weights, nonlinearity, dout):
    local = (lambda h, z: (h >= 0).astype(h.dtype)) if nonlinearity == "relu" else _right_local(nonlinearity)
    return _gradient_statistics(X, weights, nonlinearity, dout, local)


def _init(name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": "3", "wrong": wrong}, **more)



# -- 6. orthogonal init -------------------------------------------------------------------------------

def _orth_q(A):
    Q, R = np.linalg.qr(A)
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def orthogonal_init_no_sign_fix(fan_in, fan_out, gain=1.0, rng=None):
    n, k = max(fan_in, fan_out), min(fan_in, fan_out)
    Q, _ = np.linalg.qr(_rng(rng).standard_normal((n, k)))
    return gain * (Q if fan_in >= fan_out else Q.T)


def orthogonal_init_torch_layout(fan_in, fan_out, gain=1.0, rng=None):
    # torch's (out, in) draw, transposed when out < in, then QR: other numbers for the same seed
    A = _rng(rng).standard_normal((fan_out, fan_in))
    if fan_out < fan_in:
        A = A.T
    Q = _orth_q(A)
    if fan_out < fan_in:
        Q = Q.T
    return gain * Q.T


def orthogonal_init_svd(fan_in, fan_out, gain=1.0, rng=None):
    n, k = max(fan_in, fan_out), min(fan_in, fan_out)
    U, _, Vt = np.linalg.svd(_rng(rng).standard_normal((n, k)), full_matrices=False)
    Q = U @ Vt
    return gain * (Q if fan_in >= fan_out else Q.T)


def orthogonal_init_gain_squared(fan_in, fan_out, gain=1.0, rng=None):
    n, k = max(fan_in, fan_out), min(fan_in, fan_out)
    Q = _orth_q(_rng(rng).standard_normal((n, k)))
    return gain ** 2 * (Q if fan_in >= fan_out else Q.T)


def orthogonal_init_complete_qr(fan_in, fan_out, gain=1.0, rng=None):
    # a square (n, n) draw and the complete Q, cut to shape: orthonormal, but other numbers
    n, k = max(fan_in, fan_out), min(fan_in, fan_out)
    Q = _orth_q(_rng(rng).standard_normal((n, n)))[:, :k]
    return gain * (Q if fan_in >= fan_out else Q.T)


def _stats(name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": "4", "wrong": wrong}, **more)


TRANSPOSED = ("Draw rng.standard_normal((fan_in, fan_out)) directly, in one call: the same seed must give the "
              "same matrix as everyone else's, and a (fan_out, fan_in) draw transposed holds other numbers")

def _orth(name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": "6", "wrong": wrong}, **more)


CATALOGUE = {
    "test_constant_init": [
        _init("constant_init ignores value", "Fill the matrix with the value argument: np.full((fan_in, fan_out), value)",
              {"constant_init": constant_init_value_ignored}, specific=True),
        _init("constant_init with the shape (fan_out, fan_in)",
              "Weights are (fan_in, fan_out), for layers computing x @ W", {"constant_init": constant_init_transposed},
              specific=True),
        _init("constant_init with the default value 1", "The default is value=0.0",
              {"constant_init": constant_init_default_one}),
    ],
    "test_small_random_init": [
        _init("small_random_init drawn uniformly", "Draw Gaussian weights: rng.standard_normal((fan_in, fan_out)) * scale",
              {"small_random_init": small_random_init_uniform}),
        _init("small_random_init scaled by scale² (the variance) instead of scale",
              "scale is the standard deviation: multiply standard normal draws by scale",
              {"small_random_init": small_random_init_variance}),
        _init("small_random_init ignores rng (np.random.randn)",
              "Draw from the rng argument (np.random.default_rng() when it is None), so a seed gives the same matrix",
              {"small_random_init": small_random_init_global_rng}),
        _init("small_random_init drawn as (fan_out, fan_in) and transposed", TRANSPOSED,
              {"small_random_init": small_random_init_transposed}),
    ],
    "test_xavier_init": [
        _init("xavier_init with Glorot's sqrt(2 / (fan_in + fan_out))",
              "This notebook's Xavier init uses std = 1 / sqrt(fan_in) (the lecture's form)",
              {"xavier_init": xavier_init_glorot}),
        _init("xavier_init with std 1 / fan_in (square root missing)", "std = 1 / sqrt(fan_in)",
              {"xavier_init": xavier_init_no_sqrt}),
        _init("xavier_init with fan_out instead of fan_in", "std = 1 / sqrt(fan_in): the number of inputs of a unit",
              {"xavier_init": xavier_init_fan_out}),
        _init("xavier_init drawn as (fan_out, fan_in) and transposed", TRANSPOSED, {"xavier_init": xavier_init_transposed}),
    ],
    "test_xavier_uniform_init": [
        _init("xavier_uniform_init with the standard deviation as the bound",
              "The bound of U(-b, b) is b = sqrt(6 / (fan_in + fan_out)) (its std is b / sqrt(3))",
              {"xavier_uniform_init": xavier_uniform_init_std_as_bound}),
        _init("xavier_uniform_init drawn from a normal distribution",
              "Draw rng.uniform(-bound, bound, size=(fan_in, fan_out))",
              {"xavier_uniform_init": xavier_uniform_init_normal}),
        _init("xavier_uniform_init drawn on [0, bound]", "Draw on [-bound, bound]: the weights must have mean 0",
              {"xavier_uniform_init": xavier_uniform_init_positive}),
        _init("xavier_uniform_init with bound sqrt(6) / (fan_in + fan_out)",
              "The bound is sqrt(6) / sqrt(fan_in + fan_out): the square root covers the denominator too",
              {"xavier_uniform_init": xavier_uniform_init_sqrt_6_over_sum}),
    ],
    "test_kaiming_init": [
        _init("He init divided by sqrt(2 / fan_in) instead of multiplied",
              "Multiply the standard normal draws by the std sqrt(2 / fan_in)", {"kaiming_init": kaiming_init_divided}),
        _init("He init without the factor 2 (that is Xavier)",
              "ReLU zeroes half of its inputs, so He init doubles the variance: std = sqrt(2 / fan_in)",
              {"kaiming_init": kaiming_init_without_2}),
        _init("He init drawn as (fan_out, fan_in) and transposed", TRANSPOSED, {"kaiming_init": kaiming_init_transposed}),
        _init("He init with fan_out instead of fan_in", "std = sqrt(2 / fan_in): the number of inputs of a unit",
              {"kaiming_init": kaiming_init_fan_out}),
    ],
    "test_forward_activations": [
        _stats("no nonlinearity after the last layer", "Every layer, the last one too, computes H_l = f(H_{l-1} @ W_l)",
               {"forward_activations": forward_activations_last_linear}),
        _stats("forward_activations returns the pre-activations Z_l",
               "Return the layer outputs H_l = f(H_{l-1} @ W_l), after the nonlinearity",
               {"forward_activations": forward_activations_preactivations}),
        _stats("an unknown nonlinearity treated as ReLU",
               'Raise ValueError for any nonlinearity other than "tanh" and "relu"',
               {"forward_activations": forward_activations_relu_fallback}, specific=True),
        _stats("forward_activations includes the input X in the list",
               "Return [H_1, ..., H_L], one array per layer (H_0 = X is not in the list)",
               {"forward_activations": forward_activations_with_input}, specific=True),
    ],
    "test_layer_statistics": [
        _stats("standard deviations with ddof=1", "Use h.std() (ddof=0, over all N * D_l entries), as PyTorch's "
               "std(correction=0)", {"layer_statistics": layer_statistics_ddof1}),
        _stats("the std of each unit averaged, instead of the std over the whole layer",
               "Take the std over all N * D_l entries of H_l at once: h.std()",
               {"layer_statistics": layer_statistics_per_unit}),
        _stats("statistics of the pre-activations Z_l", "Take the statistics of the layer outputs H_l = f(Z_l)",
               {"layer_statistics": layer_statistics_preactivations}),
    ],
    "test_gradient_statistics": [
        _stats("tanh's local gradient as 1 - Z² instead of 1 - H²",
               "f'(Z_l) for tanh is 1 - tanh(Z_l)² = 1 - H_l²", {"gradient_statistics": gradient_statistics_tanh_of_z}),
        _stats("the std of dL/dZ_l recorded instead of dL/dH_l",
               "Record dh.std() before multiplying by f'(Z_l): dh_stds are the gradients arriving at each layer's output",
               {"gradient_statistics": gradient_statistics_dz_stds}),
        _stats("dL/dW_l computed from the layer's output instead of its input",
               "dW_l = H_{l-1}.T @ dZ_l: the input of layer l (X for the first layer)",
               {"gradient_statistics": gradient_statistics_dw_from_output}),
        _stats("ReLU's local gradient as H >= 0 (every unit passes the gradient)",
               "ReLU's f'(Z) is 1 where Z > 0, i.e. where H > 0, and 0 elsewhere",
               {"gradient_statistics": gradient_statistics_relu_ge}),
    ],
    "test_orthogonal_init": [
        _orth("orthogonal_init without the sign fix",
              "Multiply column j of Q by the sign of R[j, j]: QR is unique only up to these signs, and the fix makes "
              "R's diagonal positive (and the matrix uniformly distributed)",
              {"orthogonal_init": orthogonal_init_no_sign_fix}, specific=True),
        _orth("orthogonal_init drawn in torch's (fan_out, fan_in) layout",
              "Draw A = rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out))) in one call and take its QR",
              {"orthogonal_init": orthogonal_init_torch_layout}),
        _orth("orthogonal_init from the SVD (U @ Vt) instead of the QR",
              "U @ Vt is orthogonal too, but a different matrix: use Q of np.linalg.qr(A), with the sign fix",
              {"orthogonal_init": orthogonal_init_svd}),
        _orth("orthogonal_init scaled by gain squared",
              "Multiply Q by gain: then W.T @ W = gain**2 I", {"orthogonal_init": orthogonal_init_gain_squared}),
        _orth("orthogonal_init from a square (n, n) draw and the complete Q",
              "Draw A of shape (max, min) and take the reduced QR (np.linalg.qr's default)",
              {"orthogonal_init": orthogonal_init_complete_qr}),
    ],
}
