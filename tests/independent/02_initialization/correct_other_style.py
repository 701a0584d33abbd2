"""Correct answers written differently from the solution: rng.normal for the Gaussian inits, and an orthogonal init
by modified Gram-Schmidt on the same draw (no np.linalg.qr): the unique Q with R's diagonal positive, so the same matrix."""
EXPECT = "full"
ANSWERS = {
    "init": '''
def constant_init(fan_in, fan_out, value=0.0):
    return np.zeros((fan_in, fan_out)) + value


def small_random_init(fan_in, fan_out, scale=0.01, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    return rng.normal(0.0, scale, size=(fan_in, fan_out))


def xavier_init(fan_in, fan_out, rng=None):
    return small_random_init(fan_in, fan_out, scale=fan_in ** -0.5, rng=rng)


def xavier_uniform_init(fan_in, fan_out, rng=None):
    rng = rng or np.random.default_rng()
    limit = (6 / (fan_in + fan_out)) ** 0.5
    return rng.uniform(low=-limit, high=limit, size=(fan_in, fan_out))


def kaiming_init(fan_in, fan_out, rng=None):
    return small_random_init(fan_in, fan_out, scale=(2 / fan_in) ** 0.5, rng=rng)
''',
    "orthogonal": '''
def orthogonal_init(fan_in, fan_out, gain=1.0, rng=None):
    rng = rng or np.random.default_rng()
    tall = fan_in >= fan_out
    A = rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out)))
    Q = A.copy()
    for j in range(Q.shape[1]):            # modified Gram-Schmidt: R[j, j] = norm > 0, the sign fix built in
        for i in range(j):
            Q[:, j] -= (Q[:, i] @ Q[:, j]) * Q[:, i]
        Q[:, j] /= np.linalg.norm(Q[:, j])
    return gain * Q if tall else gain * Q.T
''',
}
