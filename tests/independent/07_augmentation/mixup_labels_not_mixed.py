"""mixup that blends the images but returns the labels unchanged; CutMix weighting labels by lam instead of the pasted area."""
EXPECT = {"lost": ["test_cutmix", "test_mixup"]}
ANSWERS = {
    "mixing": '''
def mixup(x, y_onehot, alpha, rng):
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    return lam * x + (1 - lam) * x[perm], y_onehot.copy()


def cutmix(x, y_onehot, alpha, rng):
    N, H, W, _ = x.shape
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(N)
    cy, cx = rng.integers(0, H), rng.integers(0, W)
    bh, bw = int(H * np.sqrt(1.0 - lam)), int(W * np.sqrt(1.0 - lam))
    y0, y1 = max(cy - bh // 2, 0), min(cy + bh // 2, H)
    x0, x1 = max(cx - bw // 2, 0), min(cx + bw // 2, W)
    x_mix = x.copy()
    x_mix[:, y0:y1, x0:x1, :] = x[perm, y0:y1, x0:x1, :]
    return x_mix, lam * y_onehot + (1.0 - lam) * y_onehot[perm]
''',
}
