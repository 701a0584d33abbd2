"""Data augmentation on batches of images (reference answers for 07_augmentation).

Layout and range: images are float arrays of shape (N, H, W, C) ("channels last", as
matplotlib shows them) with values in [0, 1]; C is 3 for RGB, 1 for grey. Labels for
mixup/cutmix are one-hot (or already soft) arrays of shape (N, K). No function changes its
input in place; every function returns new arrays.

Randomness: every random function takes ``rng``, a ``np.random.Generator``, and draws from it
in the order written in its docstring (one vectorised call per quantity, for the whole batch).
With the same seed, two implementations that draw in that order give identical outputs.

    horizontal_flip(images)                                   mirror left-right (all images)
    random_horizontal_flip(images, rng, p=0.5)                each image flipped with probability p
    random_crop(images, size, rng, padding=0)                 zero-pad, then a random size x size window
    random_resized_crop(images, size, rng, scale, ratio)      random area/aspect box, bilinear resize (Inception)
    color_jitter(images, brightness, contrast, rng)           random brightness then contrast factor
    rgb_pca(images)                                           eigenvalues/vectors of the pixel colour covariance
    pca_color_augment(images, eigvals, eigvecs, rng, std)     AlexNet's colour shift along principal components
    cutout(images, size, rng)                                 zero a random size x size square
    mixup(x, y_onehot, alpha, rng)                            convex combination of pairs, labels too
    cutmix(x, y_onehot, alpha, rng)                           paste a box from a partner, labels by area
    ten_crop(image, size)                                     4 corners + centre, of the image and its mirror
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

GREY_WEIGHTS = np.array([0.299, 0.587, 0.114])   # ITU-R 601 luma weights (torchvision uses 0.2989 for red)


def _pair(size):
    """size as (h, w) from an int or a pair."""
    return (int(size), int(size)) if np.isscalar(size) else (int(size[0]), int(size[1]))


def _gather_windows(images, tops, lefts, h, w):
    """One h x w window per image: out[n] = images[n, tops[n]:tops[n]+h, lefts[n]:lefts[n]+w], (N, h, w, C).

    sliding_window_view lists every h x w window as a view (no copy), shape (N, H-h+1, W-w+1, C, h, w);
    indexing it with one (top, left) per image copies just the chosen windows.
    """
    windows = sliding_window_view(images, (h, w), axis=(1, 2))
    return windows[np.arange(len(images)), tops, lefts].transpose(0, 2, 3, 1)


def horizontal_flip(images):
    """Mirror every image left-right: out[n, i, j] = images[n, i, W - 1 - j]. (N, H, W, C) -> same."""
    return images[:, :, ::-1, :].copy()


def random_horizontal_flip(images, rng, p=0.5):
    """Flip each image with probability p.

    Draws: flip = rng.random(N) < p (one number per image).
    """
    flip = rng.random(len(images)) < p
    out = images.copy()
    out[flip] = images[flip, :, ::-1, :]
    return out


def random_crop(images, size, rng, padding=0):
    """Zero-pad each side by ``padding``, then cut a random window of ``size`` (int or (h, w)).

    images: (N, H, W, C). Returns (N, h, w, C).
    Draws: tops = rng.integers(0, H + 2*padding - h + 1, size=N), then
           lefts = rng.integers(0, W + 2*padding - w + 1, size=N).
    """
    h, w = _pair(size)
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    N, Hp, Wp, _ = padded.shape
    if h > Hp or w > Wp:
        raise ValueError(f"crop {h}x{w} is larger than the padded image {Hp}x{Wp}")
    tops = rng.integers(0, Hp - h + 1, size=N)
    lefts = rng.integers(0, Wp - w + 1, size=N)
    return _gather_windows(padded, tops, lefts, h, w)


def _interpolation_matrix(starts, lengths, out_size, in_size):
    """Bilinear resampling as a matrix, one per image: (N, out_size, in_size).

    Row i takes the window [start, start + length) of the input axis at the source position
    src = (i + 0.5) * length / out_size - 0.5 (PyTorch's align_corners=False), clamped to [0, length - 1],
    and mixes its two neighbours floor(src) and floor(src) + 1 with weights 1 - frac and frac.
    """
    src = (np.arange(out_size) + 0.5) * (lengths[:, None] / out_size) - 0.5      # (N, out_size)
    src = np.clip(src, 0.0, (lengths - 1)[:, None])
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, (lengths - 1)[:, None])
    frac = (src - lo)[..., None]
    grid = np.arange(in_size)
    return ((1.0 - frac) * (grid == (starts[:, None] + lo)[..., None])
            + frac * (grid == (starts[:, None] + hi)[..., None]))


def random_resized_crop(images, size, rng, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    """Inception-style crop (Szegedy et al. 2015): a box of random area and aspect ratio, resized to ``size``.

    For each image: area fraction s ~ U(scale), aspect ratio r = w/h with log r ~ U(log ratio);
    w = rint(sqrt(s H W r)), h = rint(sqrt(s H W / r)) (np.rint rounds halves to even, as Python's round),
    clipped to [1, W] and [1, H] (instead of torchvision's ten retries); the box position is uniform; it is resized to
    (size, size) (int or (h, w)) bilinearly as torch.nn.functional.interpolate(mode="bilinear",
    align_corners=False). images: (N, H, W, C). Returns (N, out_h, out_w, C).
    Draws: s = rng.uniform(scale[0], scale[1], N), then log_r = rng.uniform(log(ratio[0]), log(ratio[1]), N),
           then tops = rng.integers(0, H - h + 1), then lefts = rng.integers(0, W - w + 1)  (vectors of N).
    """
    out_h, out_w = _pair(size)
    N, H, W, _ = images.shape
    s = rng.uniform(scale[0], scale[1], N)
    r = np.exp(rng.uniform(np.log(ratio[0]), np.log(ratio[1]), N))
    w = np.clip(np.rint(np.sqrt(s * H * W * r)).astype(np.int64), 1, W)
    h = np.clip(np.rint(np.sqrt(s * H * W / r)).astype(np.int64), 1, H)
    tops = rng.integers(0, H - h + 1)
    lefts = rng.integers(0, W - w + 1)
    Ry = _interpolation_matrix(tops, h, out_h, H)             # (N, out_h, H)
    Rx = _interpolation_matrix(lefts, w, out_w, W)            # (N, out_w, W)
    # out[n, i, j] = sum over y, x of Ry[n, i, y] * images[n, y, x] * Rx[n, j, x]: rows first, then columns
    rows = (Ry @ images.reshape(N, H, -1)).reshape(N, out_h, W, -1)
    return np.einsum("njx,nixc->nijc", Rx, rows, optimize=True)


def color_jitter(images, brightness, contrast, rng):
    """Random brightness, then random contrast, one factor of each per image (as torchvision's ColorJitter
    in that fixed order).

    brightness factor b ~ U(max(0, 1 - brightness), 1 + brightness): x -> clip(b x, 0, 1);
    contrast factor c ~ U(max(0, 1 - contrast), 1 + contrast): x -> clip(c x + (1 - c) m, 0, 1), where m is
    the mean grey level of that (brightness-adjusted) image, grey = 0.299 R + 0.587 G + 0.114 B for C = 3,
    the image itself for C = 1.
    Draws: b = rng.uniform(lo_b, hi_b, N), then c = rng.uniform(lo_c, hi_c, N).
    """
    N = len(images)
    b = rng.uniform(max(0.0, 1.0 - brightness), 1.0 + brightness, N)[:, None, None, None]
    c = rng.uniform(max(0.0, 1.0 - contrast), 1.0 + contrast, N)[:, None, None, None]
    out = np.clip(images * b, 0.0, 1.0)
    grey = out @ GREY_WEIGHTS if out.shape[-1] == 3 else out[..., 0]       # (N, H, W)
    m = grey.mean(axis=(1, 2))[:, None, None, None]
    out *= c                                # in place on our own new array: no more 6 MB temporaries
    out += (1.0 - c) * m
    return np.clip(out, 0.0, 1.0, out=out)


def rgb_pca(images):
    """Principal components of the pixel colours over a set of images (AlexNet's colour PCA).

    images: (N, H, W, C). Every pixel is one C-vector; their covariance (C, C) (divided by the number of
    pixels, i.e. biased) is eigen-decomposed. Returns (eigvals (C,), eigvecs (C, C)) with eigenvalues in
    decreasing order and eigvecs[:, k] the unit eigenvector for eigvals[k].
    """
    pixels = images.reshape(-1, images.shape[-1])
    centred = pixels - pixels.mean(axis=0)
    cov = centred.T @ centred / len(pixels)
    eigvals, eigvecs = np.linalg.eigh(cov)              # ascending
    return eigvals[::-1].copy(), eigvecs[:, ::-1].copy()


def pca_color_augment(images, eigvals, eigvecs, rng, std=0.1):
    """AlexNet's "fancy PCA": add the same colour offset to every pixel of an image,

        offset = sum_k alpha_k * eigvals[k] * eigvecs[:, k],   alpha_k ~ N(0, std^2), fresh per image,

    i.e. offset = (alpha * eigvals) @ eigvecs.T. eigvals: (K,), eigvecs: (C, K) (K <= C components).
    The offset lies in the span of the given eigenvectors. Values are not clipped (as in AlexNet), so the
    result can leave [0, 1] slightly. images: (N, H, W, C). Returns (N, H, W, C).
    Draws: alpha = rng.normal(0.0, std, size=(N, K)).
    """
    alpha = rng.normal(0.0, std, size=(len(images), len(eigvals)))
    offset = (alpha * eigvals) @ eigvecs.T                  # (N, C)
    return images + offset[:, None, None, :]


def cutout(images, size, rng):
    """Cutout (DeVries & Taylor, 2017): set a size x size square to 0 in every image.

    The square's centre (cy, cx) is uniform over all pixels, so the square may be cut by the border:
    rows cy - size//2 .. cy - size//2 + size - 1 (clipped to the image), columns likewise.
    Draws: cy = rng.integers(0, H, size=N), then cx = rng.integers(0, W, size=N).
    """
    N, H, W, _ = images.shape
    cy = rng.integers(0, H, size=N)
    cx = rng.integers(0, W, size=N)
    y0, x0 = cy - size // 2, cx - size // 2
    rows = np.arange(H)[None, :]
    cols = np.arange(W)[None, :]
    in_rows = (rows >= y0[:, None]) & (rows < y0[:, None] + size)      # (N, H)
    in_cols = (cols >= x0[:, None]) & (cols < x0[:, None] + size)      # (N, W)
    hole = in_rows[:, :, None] & in_cols[:, None, :]                   # (N, H, W)
    return np.where(hole[..., None], 0.0, images)


def mixup(x, y_onehot, alpha, rng):
    """mixup (Zhang et al., 2018): mix each example with a partner from the same batch, labels with the same weight.

    x: (N, ...) any trailing shape; y_onehot: (N, K). One lambda for the whole batch:
        x_mix = lam * x + (1 - lam) * x[perm],   y_mix = lam * y + (1 - lam) * y[perm].
    Draws: lam = rng.beta(alpha, alpha), then perm = rng.permutation(N).
    Returns (x_mix, y_mix).
    """
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    x_mix = lam * x + (1.0 - lam) * x[perm]
    y_mix = lam * y_onehot + (1.0 - lam) * y_onehot[perm]
    return x_mix, y_mix


def cutmix(x, y_onehot, alpha, rng):
    """CutMix (Yun et al., 2019): paste a box from a partner image; the labels mix in proportion to area.

    x: (N, H, W, C); y_onehot: (N, K). One box for the whole batch, as in the paper's code:
    lam ~ Beta(alpha, alpha); box height int(H sqrt(1 - lam)) and width int(W sqrt(1 - lam)), centred at
    (cy, cx), clipped to the image: rows max(cy - bh//2, 0) .. min(cy + bh//2, H) (exclusive), columns likewise.
    Inside the box x_mix[n] = x[perm[n]]; the label weight is the area that stays,
    lam_adj = 1 - box_area / (H W):  y_mix = lam_adj * y + (1 - lam_adj) * y[perm].
    Draws: lam = rng.beta(alpha, alpha), then perm = rng.permutation(N), then cy = rng.integers(0, H),
           then cx = rng.integers(0, W).
    Returns (x_mix, y_mix).
    """
    N, H, W, _ = x.shape
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(N)
    cy, cx = rng.integers(0, H), rng.integers(0, W)
    cut = np.sqrt(1.0 - lam)
    bh, bw = int(H * cut), int(W * cut)
    y0, y1 = max(cy - bh // 2, 0), min(cy + bh // 2, H)
    x0, x1 = max(cx - bw // 2, 0), min(cx + bw // 2, W)
    x_mix = x.copy()
    x_mix[:, y0:y1, x0:x1, :] = x[perm, y0:y1, x0:x1, :]
    lam_adj = 1.0 - (y1 - y0) * (x1 - x0) / (H * W)
    y_mix = lam_adj * y_onehot + (1.0 - lam_adj) * y_onehot[perm]
    return x_mix, y_mix


def ten_crop(image, size):
    """The ten crops for test-time averaging: top-left, top-right, bottom-left, bottom-right and centre of
    the image, then the same five of its mirror image (torchvision's TenCrop order).

    image: (H, W, C); size: int or (h, w). The centre crop starts at ((H - h) // 2, (W - w) // 2).
    Returns (10, h, w, C).
    """
    h, w = _pair(size)
    H, W = image.shape[:2]
    if h > H or w > W:
        raise ValueError(f"crop {h}x{w} is larger than the image {H}x{W}")
    corners = [(0, 0), (0, W - w), (H - h, 0), (H - h, W - w), ((H - h) // 2, (W - w) // 2)]
    mirror = image[:, ::-1]
    return np.stack([img[t:t + h, l:l + w] for img in (image, mirror) for t, l in corners])


def resize_shorter(images, size):
    """Resize a batch (N, H, W, C) bilinearly (align_corners=False, no antialiasing) so that its shorter side is ``size``.

    The longer side becomes int(size * long / short) (truncated, as torchvision's Resize(int)); a square stays square.
    Returns (N, new_h, new_w, C).
    """
    N, H, W, _ = images.shape
    if H <= W:
        new_h, new_w = size, int(size * W / H)
    else:
        new_h, new_w = int(size * H / W), size
    zeros = np.zeros(N, dtype=np.int64)
    Ry = _interpolation_matrix(zeros, np.full(N, H), new_h, H)
    Rx = _interpolation_matrix(zeros, np.full(N, W), new_w, W)
    rows = (Ry @ images.reshape(N, H, -1)).reshape(N, new_h, W, -1)
    return np.einsum("njx,nixc->nijc", Rx, rows, optimize=True)


def scale_augment(images, min_size, max_size, crop, rng):
    """ResNet's scale augmentation (He et al. 2016): per image, resize so that the shorter side is a random integer L in
    [min_size, max_size] (both included), keeping the aspect ratio (``resize_shorter``), then a random crop x crop window.

    images: (N, H, W, C); crop <= min_size. Returns (N, crop, crop, C).
    Draws: L = rng.integers(min_size, max_size + 1, size=N), then tops = rng.integers(0, new_h - crop + 1), then
           lefts = rng.integers(0, new_w - crop + 1) (vectors: new_h, new_w are each image's resized size).
    """
    N, H, W, _ = images.shape
    L = rng.integers(min_size, max_size + 1, size=N)
    new_h = np.where(H <= W, L, (L * H / W).astype(np.int64))
    new_w = np.where(H <= W, (L * W / H).astype(np.int64), L)
    tops = rng.integers(0, new_h - crop + 1)
    lefts = rng.integers(0, new_w - crop + 1)
    out = np.empty((N, crop, crop, images.shape[-1]))
    for n in range(N):
        resized = resize_shorter(images[n:n + 1], int(L[n]))[0]
        out[n] = resized[tops[n]:tops[n] + crop, lefts[n]:lefts[n] + crop]
    return out
