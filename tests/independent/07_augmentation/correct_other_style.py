"""Correct answers written differently from the solution: loops over images, explicit bilinear gathers, SVD for the
colour PCA (eigenvectors with other signs), np.minimum/np.maximum for clipping."""
EXPECT = "full"
ANSWERS = {
    "random_crop": '''
def random_crop(images, size, rng, padding=0):
    h, w = (size, size) if np.isscalar(size) else size
    p = padding
    N, H, W, C = images.shape
    padded = np.zeros((N, H + 2 * p, W + 2 * p, C))
    padded[:, p:p + H, p:p + W] = images
    tops = rng.integers(0, H + 2 * p - h + 1, size=N)
    lefts = rng.integers(0, W + 2 * p - w + 1, size=N)
    return np.stack([padded[i, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
''',
    "random_resized_crop": '''
def random_resized_crop(images, size, rng, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    out_h, out_w = (size, size) if np.isscalar(size) else size
    N, H, W, C = images.shape
    area = rng.uniform(scale[0], scale[1], N) * H * W
    logr = rng.uniform(np.log(ratio[0]), np.log(ratio[1]), N)
    r = np.exp(logr)
    w = np.minimum(np.maximum(np.round(np.sqrt(area * r)).astype(int), 1), W)
    h = np.minimum(np.maximum(np.round(np.sqrt(area / r)).astype(int), 1), H)
    tops = rng.integers(0, H - h + 1, size=N)
    lefts = rng.integers(0, W - w + 1, size=N)
    out = np.empty((N, out_h, out_w, C))
    for n in range(N):
        box = images[n, tops[n]:tops[n] + h[n], lefts[n]:lefts[n] + w[n]]
        ys = np.clip((np.arange(out_h) + 0.5) * h[n] / out_h - 0.5, 0, h[n] - 1)
        xs = np.clip((np.arange(out_w) + 0.5) * w[n] / out_w - 0.5, 0, w[n] - 1)
        y0 = np.floor(ys).astype(int); x0 = np.floor(xs).astype(int)
        y1 = np.minimum(y0 + 1, h[n] - 1); x1 = np.minimum(x0 + 1, w[n] - 1)
        fy = (ys - y0)[:, None, None]; fx = (xs - x0)[None, :, None]
        top = box[y0][:, x0] * (1 - fx) + box[y0][:, x1] * fx
        bot = box[y1][:, x0] * (1 - fx) + box[y1][:, x1] * fx
        out[n] = top * (1 - fy) + bot * fy
    return out
''',
    "pca_color": '''
def rgb_pca(images):
    pixels = images.reshape(-1, images.shape[-1])
    centred = pixels - pixels.mean(axis=0)
    U, S, Vt = np.linalg.svd(centred, full_matrices=False)
    return S ** 2 / len(pixels), -Vt.T


def pca_color_augment(images, eigvals, eigvecs, rng, std=0.1):
    alpha = rng.normal(0.0, std, size=(images.shape[0], eigvals.shape[0]))
    offset = np.einsum("nk,k,ck->nc", alpha, eigvals, eigvecs)
    return images + offset[:, None, None, :]
''',
    "cutout": '''
def cutout(images, size, rng):
    N, H, W, C = images.shape
    cy = rng.integers(0, H, size=N)
    cx = rng.integers(0, W, size=N)
    out = images.copy()
    for i in range(N):
        y0, x0 = cy[i] - size // 2, cx[i] - size // 2
        out[i, max(y0, 0):max(y0 + size, 0), max(x0, 0):max(x0 + size, 0)] = 0.0
    return out
''',
    "color_jitter": '''
def color_jitter(images, brightness, contrast, rng):
    N = len(images)
    b = rng.uniform(max(0.0, 1.0 - brightness), 1.0 + brightness, size=N)
    c = rng.uniform(max(0.0, 1.0 - contrast), 1.0 + contrast, size=N)
    out = np.minimum(np.maximum(images * b[:, None, None, None], 0), 1)
    if out.shape[-1] == 3:
        m = (0.299 * out[..., 0] + 0.587 * out[..., 1] + 0.114 * out[..., 2]).mean(axis=(1, 2))
    else:
        m = out.mean(axis=(1, 2, 3))
    out = c[:, None, None, None] * out + (1 - c)[:, None, None, None] * m[:, None, None, None]
    return np.minimum(np.maximum(out, 0), 1)
''',
}
