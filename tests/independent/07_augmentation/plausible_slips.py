"""Plausible slips: crop without padding, jitter clipped only at the end, eigenvalues left ascending,
cutout never touching the border, ten crops without the mirror image."""
EXPECT = {"lost": ["test_color_jitter", "test_cutout", "test_random_crop", "test_rgb_pca", "test_ten_crop"]}
ANSWERS = {
    "random_crop": '''
def random_crop(images, size, rng, padding=0):
    h, w = (size, size) if np.isscalar(size) else size
    N, H, W, _ = images.shape
    tops = rng.integers(0, max(H - h, 0) + 1, size=N)
    lefts = rng.integers(0, max(W - w, 0) + 1, size=N)
    return np.stack([images[i, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
''',
    "color_jitter": '''
def color_jitter(images, brightness, contrast, rng):
    N = len(images)
    b = rng.uniform(max(0.0, 1.0 - brightness), 1.0 + brightness, N)[:, None, None, None]
    c = rng.uniform(max(0.0, 1.0 - contrast), 1.0 + contrast, N)[:, None, None, None]
    out = images * b
    grey = out @ np.array([0.299, 0.587, 0.114]) if out.shape[-1] == 3 else out[..., 0]
    m = grey.mean(axis=(1, 2))[:, None, None, None]
    return np.clip(c * out + (1.0 - c) * m, 0.0, 1.0)
''',
    "pca_color": '''
def rgb_pca(images):
    pixels = images.reshape(-1, images.shape[-1])
    return np.linalg.eigh(np.cov(pixels.T, bias=True))


def pca_color_augment(images, eigvals, eigvecs, rng, std=0.1):
    alpha = rng.normal(0.0, std, size=(len(images), len(eigvals)))
    return images + ((alpha * eigvals) @ eigvecs.T)[:, None, None, :]
''',
    "cutout": '''
def cutout(images, size, rng):
    N, H, W, _ = images.shape
    cy = rng.integers(size // 2, H - size + size // 2 + 1, size=N)
    cx = rng.integers(size // 2, W - size + size // 2 + 1, size=N)
    out = images.copy()
    for i in range(N):
        out[i, cy[i] - size // 2:cy[i] - size // 2 + size, cx[i] - size // 2:cx[i] - size // 2 + size] = 0
    return out
''',
    "ten_crop": '''
def ten_crop(image, size):
    h, w = (size, size) if np.isscalar(size) else size
    H, W = image.shape[:2]
    corners = [(0, 0), (0, W - w), (H - h, 0), (H - h, W - w), ((H - h) // 2, (W - w) // 2)]
    return np.stack([image[t:t + h, l:l + w] for t, l in corners] * 2)
''',
}
