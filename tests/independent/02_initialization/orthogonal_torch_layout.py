"""The orthogonal init drawn in PyTorch's (out, in) weight layout, (fan_out, fan_in), then transposed: orthonormal with
the sign fix, but other numbers than the contract's (max, min) draw for the same seed."""
EXPECT = {"lost": ["test_orthogonal_init"]}
ANSWERS = {
    "orthogonal": '''
def orthogonal_init(fan_in, fan_out, gain=1.0, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    flat = rng.standard_normal((fan_out, fan_in))      # torch's tensor is (out, in)
    if fan_out < fan_in:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if fan_out < fan_in:
        q = q.T
    return gain * q.T                                  # back to (fan_in, fan_out)
''',
}
