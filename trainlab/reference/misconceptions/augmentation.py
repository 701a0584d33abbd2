"""Misconceptions for 07_augmentation (see __init__.py for the format).

Several come from tests/independent/07_augmentation (wrong submissions written outside the project).
"""
import numpy as np

REFERENCE = "augmentation"
GREY_WEIGHTS = np.array([0.299, 0.587, 0.114])


def _pair(size):
    return (int(size), int(size)) if np.isscalar(size) else (int(size[0]), int(size[1]))


# -- 1. flips -----------------------------------------------------------------------------------------

def horizontal_flip_height_axis(images):
    return images[:, ::-1].copy()                              # upside down


def horizontal_flip_channels(images):
    return images[..., ::-1].copy()                            # RGB -> BGR


def horizontal_flip_all_axes(images):
    return np.flip(images).copy()                              # np.flip without an axis reverses every axis


def random_horizontal_flip_height_axis(images, rng, p=0.5):
    flip = rng.random(len(images)) < p
    out = images.copy()
    out[flip] = images[flip, ::-1]
    return out


def random_horizontal_flip_inverted(images, rng, p=0.5):
    flip = rng.random(len(images)) > p                         # flips with probability 1 - p
    out = images.copy()
    out[flip] = images[flip, :, ::-1, :]
    return out


def random_horizontal_flip_whole_batch(images, rng, p=0.5):
    if rng.random() < p:                                       # one draw for the whole batch
        return images[:, :, ::-1, :].copy()
    return images.copy()


# -- 2. random crops ----------------------------------------------------------------------------------

def random_crop_no_padding(images, size, rng, padding=0):
    h, w = _pair(size)
    N, H, W, _ = images.shape
    tops = rng.integers(0, max(H - h, 0) + 1, size=N)
    lefts = rng.integers(0, max(W - w, 0) + 1, size=N)
    return np.stack([images[i, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])


def random_crop_lefts_first(images, size, rng, padding=0):
    h, w = _pair(size)
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    N, Hp, Wp, _ = padded.shape
    lefts = rng.integers(0, Wp - w + 1, size=N)                # drawn in the other order
    tops = rng.integers(0, Hp - h + 1, size=N)
    return np.stack([padded[i, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])


def random_crop_last_position_missing(images, size, rng, padding=0):
    h, w = _pair(size)
    padded = np.pad(images, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    N, Hp, Wp, _ = padded.shape
    tops = rng.integers(0, max(Hp - h, 1), size=N)             # high is exclusive: the last window never drawn
    lefts = rng.integers(0, max(Wp - w, 1), size=N)
    return np.stack([padded[i, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])


def random_crop_one_sided_padding(images, size, rng, padding=0):
    h, w = _pair(size)
    padded = np.pad(images, ((0, 0), (0, 2 * padding), (0, 2 * padding), (0, 0)))   # all the padding after
    N, Hp, Wp, _ = padded.shape
    tops = rng.integers(0, Hp - h + 1, size=N)
    lefts = rng.integers(0, Wp - w + 1, size=N)
    return np.stack([padded[i, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])


# -- 3. random resized crops --------------------------------------------------------------------------

def _resize(images, tops, lefts, h, w, out_h, out_w, align_corners=False):
    N, H, W, C = images.shape
    out = np.empty((N, out_h, out_w, C))
    for n in range(N):
        box = images[n, tops[n]:tops[n] + h[n], lefts[n]:lefts[n] + w[n]]
        if align_corners:
            ys = np.arange(out_h) * ((h[n] - 1) / (out_h - 1) if out_h > 1 else 0.0)
            xs = np.arange(out_w) * ((w[n] - 1) / (out_w - 1) if out_w > 1 else 0.0)
        else:
            ys = np.clip((np.arange(out_h) + 0.5) * h[n] / out_h - 0.5, 0, h[n] - 1)
            xs = np.clip((np.arange(out_w) + 0.5) * w[n] / out_w - 0.5, 0, w[n] - 1)
        y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
        y1, x1 = np.minimum(y0 + 1, h[n] - 1), np.minimum(x0 + 1, w[n] - 1)
        fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
        top = box[y0][:, x0] * (1 - fx) + box[y0][:, x1] * fx
        bottom = box[y1][:, x0] * (1 - fx) + box[y1][:, x1] * fx
        out[n] = top * (1 - fy) + bottom * fy
    return out


def _resized_crop(images, size, rng, scale, ratio, swap=False, floor=False, linear_ratio=False, align=False):
    out_h, out_w = _pair(size)
    N, H, W, _ = images.shape
    s = rng.uniform(scale[0], scale[1], N)
    r = rng.uniform(ratio[0], ratio[1], N) if linear_ratio else np.exp(rng.uniform(np.log(ratio[0]), np.log(ratio[1]), N))
    if swap:
        r = 1.0 / r
    rnd = np.floor if floor else np.rint
    w = np.clip(rnd(np.sqrt(s * H * W * r)).astype(np.int64), 1, W)
    h = np.clip(rnd(np.sqrt(s * H * W / r)).astype(np.int64), 1, H)
    tops = rng.integers(0, H - h + 1)
    lefts = rng.integers(0, W - w + 1)
    return _resize(images, tops, lefts, h, w, out_h, out_w, align_corners=align)


def random_resized_crop_ratio_inverted(images, size, rng, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    return _resized_crop(images, size, rng, scale, ratio, swap=True)


def random_resized_crop_floor(images, size, rng, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    return _resized_crop(images, size, rng, scale, ratio, floor=True)


def random_resized_crop_linear_ratio(images, size, rng, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    return _resized_crop(images, size, rng, scale, ratio, linear_ratio=True)


def random_resized_crop_align_corners(images, size, rng, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    return _resized_crop(images, size, rng, scale, ratio, align=True)


# -- 4. colour jitter ---------------------------------------------------------------------------------

def _jitter(images, brightness, contrast, rng, clip_between=True, plain_mean=False, c_drawn_first=False,
            unclamped_range=False):
    N = len(images)
    lo_b = 1.0 - brightness if unclamped_range else max(0.0, 1.0 - brightness)
    lo_c = 1.0 - contrast if unclamped_range else max(0.0, 1.0 - contrast)
    if c_drawn_first:
        c = rng.uniform(lo_c, 1.0 + contrast, N)[:, None, None, None]
        b = rng.uniform(lo_b, 1.0 + brightness, N)[:, None, None, None]
    else:
        b = rng.uniform(lo_b, 1.0 + brightness, N)[:, None, None, None]
        c = rng.uniform(lo_c, 1.0 + contrast, N)[:, None, None, None]

    def bright(x):
        x = x * b
        return np.clip(x, 0.0, 1.0) if clip_between else x

    def contr(x):
        grey = x.mean(axis=3) if plain_mean or x.shape[-1] != 3 else x @ GREY_WEIGHTS
        m = grey.mean(axis=(1, 2))[:, None, None, None]
        x = c * x + (1.0 - c) * m
        return np.clip(x, 0.0, 1.0) if clip_between else x

    out = contr(bright(images))
    return np.clip(out, 0.0, 1.0)


def color_jitter_clip_at_end(images, brightness, contrast, rng):
    return _jitter(images, brightness, contrast, rng, clip_between=False)


def color_jitter_plain_mean(images, brightness, contrast, rng):
    return _jitter(images, brightness, contrast, rng, plain_mean=True)


def color_jitter_contrast_drawn_first(images, brightness, contrast, rng):
    return _jitter(images, brightness, contrast, rng, c_drawn_first=True)


def color_jitter_negative_factors(images, brightness, contrast, rng):
    return _jitter(images, brightness, contrast, rng, unclamped_range=True)


# -- 5. PCA colour ------------------------------------------------------------------------------------

def rgb_pca_ascending(images):
    pixels = images.reshape(-1, images.shape[-1])
    centred = pixels - pixels.mean(axis=0)
    return np.linalg.eigh(centred.T @ centred / len(pixels))   # eigh's ascending order kept


def rgb_pca_unbiased(images):
    pixels = images.reshape(-1, images.shape[-1])
    vals, vecs = np.linalg.eigh(np.cov(pixels.T))              # divides by #pixels - 1
    return vals[::-1].copy(), vecs[:, ::-1].copy()


def rgb_pca_not_centred(images):
    pixels = images.reshape(-1, images.shape[-1])
    vals, vecs = np.linalg.eigh(pixels.T @ pixels / len(pixels))   # second moment, not covariance
    return vals[::-1].copy(), vecs[:, ::-1].copy()


def rgb_pca_rows(images):
    pixels = images.reshape(-1, images.shape[-1])
    centred = pixels - pixels.mean(axis=0)
    vals, vecs = np.linalg.eigh(centred.T @ centred / len(pixels))
    return vals[::-1].copy(), vecs[:, ::-1].T.copy()           # eigenvectors as rows


def pca_color_augment_no_eigvals(images, eigvals, eigvecs, rng, std=0.1):
    alpha = rng.normal(0.0, std, size=(len(images), len(eigvals)))
    return images + (alpha @ eigvecs.T)[:, None, None, :]


def pca_color_augment_sqrt_eigvals(images, eigvals, eigvecs, rng, std=0.1):
    alpha = rng.normal(0.0, std, size=(len(images), len(eigvals)))
    return images + ((alpha * np.sqrt(eigvals)) @ eigvecs.T)[:, None, None, :]


def pca_color_augment_one_alpha(images, eigvals, eigvecs, rng, std=0.1):
    alpha = rng.normal(0.0, std, size=len(eigvals))            # the same shift for every image
    return images + ((alpha * eigvals) @ eigvecs.T)[None, None, None, :]


# -- 6. cutout ----------------------------------------------------------------------------------------

def _cutout(images, size, rng, inside=False, corner=False, cx_first=False):
    N, H, W, _ = images.shape
    if inside:
        cy = rng.integers(size // 2, H - size + size // 2 + 1, size=N)
        cx = rng.integers(size // 2, W - size + size // 2 + 1, size=N)
    elif cx_first:
        cx = rng.integers(0, W, size=N)
        cy = rng.integers(0, H, size=N)
    else:
        cy = rng.integers(0, H, size=N)
        cx = rng.integers(0, W, size=N)
    out = images.copy()
    for i in range(N):
        y0, x0 = (cy[i], cx[i]) if corner else (cy[i] - size // 2, cx[i] - size // 2)
        out[i, max(y0, 0):max(y0 + size, 0), max(x0, 0):max(x0 + size, 0)] = 0.0
    return out


def cutout_inside(images, size, rng):
    return _cutout(images, size, rng, inside=True)


def cutout_corner(images, size, rng):
    return _cutout(images, size, rng, corner=True)


def cutout_cx_first(images, size, rng):
    return _cutout(images, size, rng, cx_first=True)


# -- 7. mixup and CutMix ------------------------------------------------------------------------------

def mixup_labels_not_mixed(x, y_onehot, alpha, rng):
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    return lam * x + (1 - lam) * x[perm], y_onehot.copy()


def mixup_lambda_per_example(x, y_onehot, alpha, rng):
    lam = rng.beta(alpha, alpha, size=len(x))
    perm = rng.permutation(len(x))
    lx = lam.reshape((-1,) + (1,) * (x.ndim - 1))
    return lx * x + (1 - lx) * x[perm], lam[:, None] * y_onehot + (1 - lam[:, None]) * y_onehot[perm]


def mixup_perm_first(x, y_onehot, alpha, rng):
    perm = rng.permutation(len(x))
    lam = rng.beta(alpha, alpha)
    return lam * x + (1 - lam) * x[perm], lam * y_onehot + (1 - lam) * y_onehot[perm]


def mixup_labels_swapped(x, y_onehot, alpha, rng):
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(len(x))
    return lam * x + (1 - lam) * x[perm], (1 - lam) * y_onehot + lam * y_onehot[perm]


def _cutmix(x, y_onehot, alpha, rng, label_by_lam=False, cx_first=False, area_swapped=False):
    N, H, W, _ = x.shape
    lam = rng.beta(alpha, alpha)
    perm = rng.permutation(N)
    if cx_first:
        cx, cy = rng.integers(0, W), rng.integers(0, H)
    else:
        cy, cx = rng.integers(0, H), rng.integers(0, W)
    cut = np.sqrt(1.0 - lam)
    bh, bw = int(H * cut), int(W * cut)
    y0, y1 = max(cy - bh // 2, 0), min(cy + bh // 2, H)
    x0, x1 = max(cx - bw // 2, 0), min(cx + bw // 2, W)
    x_mix = x.copy()
    x_mix[:, y0:y1, x0:x1, :] = x[perm, y0:y1, x0:x1, :]
    area = (y1 - y0) * (x1 - x0) / (H * W)
    w = lam if label_by_lam else (area if area_swapped else 1.0 - area)
    return x_mix, w * y_onehot + (1.0 - w) * y_onehot[perm]


def cutmix_label_by_lambda(x, y_onehot, alpha, rng):
    return _cutmix(x, y_onehot, alpha, rng, label_by_lam=True)


def cutmix_cx_first(x, y_onehot, alpha, rng):
    return _cutmix(x, y_onehot, alpha, rng, cx_first=True)


def cutmix_area_swapped(x, y_onehot, alpha, rng):
    return _cutmix(x, y_onehot, alpha, rng, area_swapped=True)


# -- 8. ten crops -------------------------------------------------------------------------------------

def _ten(image, size, mirror="width", centre_up=False, interleave=False):
    h, w = _pair(size)
    H, W = image.shape[:2]
    c = ((H - h + 1) // 2, (W - w + 1) // 2) if centre_up else ((H - h) // 2, (W - w) // 2)
    corners = [(0, 0), (0, W - w), (H - h, 0), (H - h, W - w), c]
    other = {"width": image[:, ::-1], "height": image[::-1], "none": image}[mirror]
    first = [image[t:t + h, l:l + w] for t, l in corners]
    second = [other[t:t + h, l:l + w] for t, l in corners]
    crops = [c for pair in zip(first, second) for c in pair] if interleave else first + second
    return np.stack(crops)


def ten_crop_no_mirror(image, size):
    return _ten(image, size, mirror="none")


def ten_crop_vertical_mirror(image, size):
    return _ten(image, size, mirror="height")


def ten_crop_centre_rounded_up(image, size):
    return _ten(image, size, centre_up=True)


def ten_crop_interleaved(image, size):
    return _ten(image, size, interleave=True)


# -- 9. scale augmentation (ResNet) --------------------------------------------------------------------

def _scale_augment(images, min_size, max_size, crop, rng, high_exclusive=False, square=False, rounded=False,
                   lefts_first=False):
    N, H, W, C = images.shape
    L = rng.integers(min_size, max_size if high_exclusive else max_size + 1, size=N)
    sides = []
    for l in L:
        l = int(l)
        if square:
            sides.append((l, l))                               # the aspect ratio lost
        else:
            long_ = (round if rounded else int)(l * max(H, W) / min(H, W))
            sides.append((l, long_) if H <= W else (long_, l))
    new_h, new_w = np.array([h for h, _ in sides]), np.array([w for _, w in sides])
    if lefts_first:
        lefts = rng.integers(0, new_w - crop + 1)
        tops = rng.integers(0, new_h - crop + 1)
    else:
        tops = rng.integers(0, new_h - crop + 1)
        lefts = rng.integers(0, new_w - crop + 1)
    out = np.empty((N, crop, crop, C))
    for n in range(N):
        one = images[n:n + 1]
        resized = _resize(one, [0], [0], [H], [W], int(new_h[n]), int(new_w[n]))[0]
        out[n] = resized[tops[n]:tops[n] + crop, lefts[n]:lefts[n] + crop]
    return out


def scale_augment_max_excluded(images, min_size, max_size, crop, rng):
    return _scale_augment(images, min_size, max_size, crop, rng, high_exclusive=True)


def scale_augment_square(images, min_size, max_size, crop, rng):
    return _scale_augment(images, min_size, max_size, crop, rng, square=True)


def scale_augment_long_side_rounded(images, min_size, max_size, crop, rng):
    return _scale_augment(images, min_size, max_size, crop, rng, rounded=True)


def scale_augment_lefts_first(images, min_size, max_size, crop, rng):
    return _scale_augment(images, min_size, max_size, crop, rng, lefts_first=True)


def _e(section, name, advice, wrong, **more):
    return dict({"name": name, "advice": advice, "section": section, "wrong": wrong}, **more)


WIDTH = "Images are (N, H, W, C): the width axis is axis 2, so mirror with images[:, :, ::-1, :]"

CATALOGUE = {
    "test_horizontal_flip": [
        _e("1", "a flip on the wrong axis (upside down)", WIDTH, {"horizontal_flip": horizontal_flip_height_axis},
           hint=True),
        _e("1", "the colour channels reversed instead of the columns", WIDTH, {"horizontal_flip": horizontal_flip_channels}),
        _e("1", "np.flip without an axis (every axis reversed)", WIDTH + " (np.flip(images, axis=2))",
           {"horizontal_flip": horizontal_flip_all_axes}),
    ],
    "test_random_horizontal_flip": [
        _e("1", "a flip on the wrong axis (upside down)", WIDTH,
           {"horizontal_flip": horizontal_flip_height_axis,
            "random_horizontal_flip": random_horizontal_flip_height_axis}),
        _e("1", "images flipped when the draw is above p", "Flip image n when rng.random(N)[n] < p (probability p)",
           {"random_horizontal_flip": random_horizontal_flip_inverted}),
        _e("1", "one draw for the whole batch", "Draw one number per image: flip = rng.random(N) < p",
           {"random_horizontal_flip": random_horizontal_flip_whole_batch}),
    ],
    "test_random_crop": [
        _e("2", "random_crop without the zero padding",
           "Pad every side with `padding` zeros first (np.pad), then draw the window in the padded image",
           {"random_crop": random_crop_no_padding}),
        _e("2", "the crop's offsets drawn in the other order", "Draw tops first, then lefts (the documented order)",
           {"random_crop": random_crop_lefts_first}),
        _e("2", "the last crop position never drawn (high of rng.integers is exclusive)",
           "rng.integers(0, H + 2 * padding - h + 1): high is excluded, so add 1", 
           {"random_crop": random_crop_last_position_missing}),
        _e("2", "all the padding on one side", "Pad `padding` zeros on every side: top, bottom, left and right",
           {"random_crop": random_crop_one_sided_padding}),
    ],
    "test_random_resized_crop": [
        _e("3", "the aspect ratio inverted (w/h and h/w swapped)", "r = w / h: w = sqrt(s H W r), h = sqrt(s H W / r)",
           {"random_resized_crop": random_resized_crop_ratio_inverted}),
        _e("3", "box sizes rounded down instead of to the nearest integer", "Round with np.rint (as Python's round)",
           {"random_resized_crop": random_resized_crop_floor}),
        _e("3", "the aspect ratio drawn uniformly instead of log-uniformly",
           "Draw log r uniformly: r = exp(rng.uniform(log(ratio[0]), log(ratio[1]), N))",
           {"random_resized_crop": random_resized_crop_linear_ratio}),
        _e("3", "the resize with align_corners=True sampling",
           "Sample at src = (i + 0.5) * length / out_size - 0.5 (PyTorch's align_corners=False)",
           {"random_resized_crop": random_resized_crop_align_corners}),
    ],
    "test_color_jitter": [
        _e("4", "colour jitter clipped only at the end", "Clip to [0, 1] after the brightness step and after the contrast step",
           {"color_jitter": color_jitter_clip_at_end}),
        _e("4", "contrast around the plain mean of R, G and B",
           "The mean grey level uses the luma weights 0.299 R + 0.587 G + 0.114 B",
           {"color_jitter": color_jitter_plain_mean}),
        _e("4", "the contrast factors drawn before the brightness factors",
           "Draw b = rng.uniform(..., N) first, then c (the documented order)",
           {"color_jitter": color_jitter_contrast_drawn_first}),
        _e("4", "jitter factors below 0 (the range not clipped at 0)",
           "Draw from U(max(0, 1 - brightness), 1 + brightness): a factor is never negative",
           {"color_jitter": color_jitter_negative_factors}),
    ],
    "test_rgb_pca": [
        _e("5", "eigenvalues left in np.linalg.eigh's ascending order",
           "Reverse eigh's output: eigenvalues in decreasing order, and the eigenvector columns with them",
           {"rgb_pca": rgb_pca_ascending}),
        _e("5", "the covariance divided by #pixels - 1 (np.cov's default)",
           "Divide by the number of pixels (biased covariance): np.cov(..., bias=True) or centred.T @ centred / n",
           {"rgb_pca": rgb_pca_unbiased}),
        _e("5", "the colour covariance without centring the pixels", "Subtract the mean colour before the outer products",
           {"rgb_pca": rgb_pca_not_centred}),
        _e("5", "eigenvectors returned as rows", "Return eigvecs with eigvecs[:, k] the k-th eigenvector (columns)",
           {"rgb_pca": rgb_pca_rows}),
    ],
    "test_pca_color": [
        _e("5", "the PCA offset without the eigenvalues", "offset = (alpha * eigvals) @ eigvecs.T",
           {"pca_color_augment": pca_color_augment_no_eigvals}),
        _e("5", "the PCA offset scaled by sqrt(eigvals)", "AlexNet scales by the eigenvalues: (alpha * eigvals) @ eigvecs.T",
           {"pca_color_augment": pca_color_augment_sqrt_eigvals}),
        _e("5", "one alpha for the whole batch", "Draw alpha fresh per image: rng.normal(0, std, size=(N, K))",
           {"pca_color_augment": pca_color_augment_one_alpha}),
    ],
    "test_cutout": [
        _e("6", "the cutout square kept inside the image",
           "The centre is uniform over all pixels (rng.integers(0, H)), so the square may be cut by the border",
           {"cutout": cutout_inside}),
        _e("6", "the cutout square placed by its corner", "(cy, cx) is the centre: rows cy - size//2 .. cy - size//2 + size - 1",
           {"cutout": cutout_corner}),
        _e("6", "the cutout centre drawn in the other order", "Draw cy first, then cx", {"cutout": cutout_cx_first}),
    ],
    "test_mixup": [
        _e("7", "mixup labels not mixed", "Mix the labels with the same lambda: lam * y + (1 - lam) * y[perm]",
           {"mixup": mixup_labels_not_mixed}, hint=True),
        _e("7", "one lambda per example", "mixup draws one lambda for the whole batch: lam = rng.beta(alpha, alpha)",
           {"mixup": mixup_lambda_per_example}),
        _e("7", "the permutation drawn before lambda", "Draw lam first, then perm = rng.permutation(N)",
           {"mixup": mixup_perm_first}),
        _e("7", "the labels mixed with 1 - lambda and lambda swapped",
           "Weight the labels like the images: lam * y + (1 - lam) * y[perm]", {"mixup": mixup_labels_swapped}),
    ],
    "test_cutmix": [
        _e("7", "CutMix labels weighted by lambda instead of the pasted area",
           "After clipping the box to the image, weight the labels by the area that stays: 1 - box_area / (H W)",
           {"cutmix": cutmix_label_by_lambda}),
        _e("7", "the CutMix box centre drawn in the other order", "Draw cy, then cx (after lam and perm)",
           {"cutmix": cutmix_cx_first}),
        _e("7", "the CutMix label weights swapped (box area on the image's own label)",
           "The image keeps 1 - box_area / (H W) of its own label; the partner gets the box's share",
           {"cutmix": cutmix_area_swapped}),
    ],
    "test_ten_crop": [
        _e("8", "ten crops without the mirror image", "Crops 6-10 are the same five crops of image[:, ::-1] (mirrored)",
           {"ten_crop": ten_crop_no_mirror}),
        _e("8", "the second five crops from an upside-down image", "Mirror left-right (image[:, ::-1]), not up-down",
           {"ten_crop": ten_crop_vertical_mirror}),
        _e("8", "the centre crop rounded up", "The centre crop starts at ((H - h) // 2, (W - w) // 2)",
           {"ten_crop": ten_crop_centre_rounded_up}),
        _e("8", "the ten crops interleaved (crop, mirrored crop, ...)",
           "torchvision's order: the five crops of the image, then the five of its mirror",
           {"ten_crop": ten_crop_interleaved}),
    ],
    "test_scale_augment": [
        _e("9", "L never reaches max_size", "rng.integers excludes its high end: draw rng.integers(min_size, max_size + 1, size=N)",
           {"scale_augment": scale_augment_max_excluded}),
        _e("9", "both sides resized to L (aspect ratio lost)",
           "Only the shorter side becomes L; the longer one is int(L * long / short), so the image is not stretched",
           {"scale_augment": scale_augment_square}),
        _e("9", "the longer side rounded instead of truncated",
           "The longer side is int(L * long / short), truncated as torchvision's Resize (use _resize_shorter)",
           {"scale_augment": scale_augment_long_side_rounded}),
        _e("9", "crop position drawn lefts first", "Draw L, then tops, then lefts",
           {"scale_augment": scale_augment_lefts_first}),
    ],
}
