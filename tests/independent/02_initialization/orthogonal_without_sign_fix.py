"""The orthogonal init straight from np.linalg.qr, without the sign fix: orthonormal and right in shape (the first visible
checks pass), but the signs of Q's columns are LAPACK's, not those of the contract."""
EXPECT = {"lost": ["test_orthogonal_init"]}
ANSWERS = {
    "orthogonal": '''
def orthogonal_init(fan_in, fan_out, gain=1.0, rng=None):
    if rng is None:
        rng = np.random.default_rng()
    a = rng.standard_normal((max(fan_in, fan_out), min(fan_in, fan_out)))
    q, _ = np.linalg.qr(a)
    if fan_in < fan_out:
        q = q.T
    return gain * q
''',
}
