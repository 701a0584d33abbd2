"""Trusted checks for 07_augmentation: one function per graded test cell, named as its grade_id.

They run in the grader's process (autograde/judge.py); ``student`` reaches the student's code in the sandbox.
"""
from trainlab.reference import augmentation as ref
import numpy as np
import torch
import matplotlib.pyplot as plt

from trainlab import grading, torchcheck
from trainlab.plots import show_images


def test_horizontal_flip(student):
    """horizontal_flip: torch.flip on the width axis, flip twice = identity, a new array (1 point)"""
    rng = np.random.default_rng(71)
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    x = rng.random((3, 5, 7, 3))
    out = student.horizontal_flip(x)
    grading.check_close("horizontal_flip vs torch.flip(x, dims=[2]) (the width axis)", out, N_(torch.flip(T(x), dims=[2])))
    grading.check_close("horizontal_flip twice (must give the images back)", student.horizontal_flip(out), x)
    hrng = np.random.default_rng(1701)
    for shape in [(5, 6, 9, 3), (1, 4, 4, 1), (12, 3, 2, 3), (6, 5, 5, 3)]:
        xh = hrng.random(shape)
        grading.check_function(student.horizontal_flip, ref.horizontal_flip, xh)
    grading.numpy_only(student.horizontal_flip, xh)


def test_random_horizontal_flip(student):
    """random_horizontal_flip: the draws and the rate (1 point)"""
    rng = np.random.default_rng(72)
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    x = rng.random((8, 4, 6, 3))
    out = student.random_horizontal_flip(x, np.random.default_rng(5), p=0.5)
    flip = np.random.default_rng(5).random(8) < 0.5                  # replay the draw
    expected = torch.where(T(flip)[:, None, None, None] > 0, torch.flip(T(x), dims=[2]), T(x))
    grading.check_close("random_horizontal_flip (seed 5, p = 0.5)", out, N_(expected))
    big = rng.random((4000, 2, 3, 1))
    rate = np.mean(np.any(student.random_horizontal_flip(big, np.random.default_rng(1), p=0.3) != big, axis=(1, 2, 3)))
    grading.check(abs(rate - 0.3) < 5 * np.sqrt(0.21 / 4000), f"random_horizontal_flip(p=0.3) flipped {rate:.3f} of the images.")
    hrng = np.random.default_rng(1702)
    for shape, p, seed in [((5, 6, 9, 3), 0.5, 0), ((1, 4, 4, 1), 0.9, 3), ((12, 3, 2, 3), 0.2, 8), ((6, 5, 5, 3), 1.0, 1)]:
        xh = hrng.random(shape)
        grading.check_function(student.random_horizontal_flip, ref.random_horizontal_flip, xh, np.random.default_rng(seed), p=p)
    grading.check_function(student.random_horizontal_flip, ref.random_horizontal_flip, xh, np.random.default_rng(2))
    grading.numpy_only(student.random_horizontal_flip, xh, np.random.default_rng(0))


def test_random_crop(student):
    """Random crop: PyTorch slicing after replaying the draws, shapes, crops inside the image (2 points)"""
    rng = np.random.default_rng(72)   # this cell's own random numbers
    import torch
    import torch.nn.functional as F
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    x = rng.random((6, 9, 11, 3))
    for size, padding in [(5, 0), ((7, 4), 2)]:
        out = student.random_crop(x, size, np.random.default_rng(9), padding=padding)
        h, w = (size, size) if np.isscalar(size) else size
        r = np.random.default_rng(9)                                     # replay the two draws
        tops = r.integers(0, 9 + 2 * padding - h + 1, size=6)
        lefts = r.integers(0, 11 + 2 * padding - w + 1, size=6)
        padded = F.pad(T(x).permute(0, 3, 1, 2), (padding, padding, padding, padding))     # torch pads (N, C, H, W)
        expected = torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
        grading.check_close(f"random_crop(size={size}, padding={padding})", out, N_(expected.permute(0, 2, 3, 1)))
    grid = np.arange(36.0).reshape(1, 6, 6, 1).repeat(2000, axis=0)      # pixel value = its position
    out = student.random_crop(grid, 4, np.random.default_rng(0))
    grading.check(out.shape == (2000, 4, 4, 1), f"random_crop output shape {out.shape}, expected (2000, 4, 4, 1).")
    top_left = out[:, 0, 0, 0].astype(int)
    grading.check_close("random_crop without padding: every crop is a 4x4 window of its image", out[..., 0],
                        grid[0, :, :, 0][(top_left // 6)[:, None, None] + np.arange(4)[:, None], (top_left % 6)[:, None, None] + np.arange(4)])
    grading.check(len(np.unique(top_left)) == 9, "random_crop of 4x4 out of 6x6 must reach all 9 positions.")
    hrng = np.random.default_rng(1702)
    for shape, size, padding, seed in [((5, 8, 8, 3), 8, 2, 0), ((1, 6, 9, 1), (6, 9), 0, 3), ((7, 10, 7, 3), (3, 5), 1, 4),
                                       ((3, 32, 32, 3), 32, 4, 5)]:
        xh = hrng.random(shape)
        grading.check_function(student.random_crop, ref.random_crop, xh, size, np.random.default_rng(seed), padding=padding)
    grading.check_function(student.random_crop, ref.random_crop, xh, 30, np.random.default_rng(1))
    _ = grading.numpy_only(student.random_crop, xh, 8, np.random.default_rng(0), padding=1)


def test_random_resized_crop(student):
    """Random resized crop: F.interpolate on each box after replaying the draws; box sizes over many draws (2 points)"""
    rng = np.random.default_rng(73)   # this cell's own random numbers
    import torch
    import torch.nn.functional as F
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    x = rng.random((7, 13, 17, 3))
    for size in [8, (5, 12)]:
        out = student.random_resized_crop(x, size, np.random.default_rng(4))
        oh, ow = (size, size) if np.isscalar(size) else size
        r = np.random.default_rng(4)                                     # replay the four draws
        s = r.uniform(0.08, 1.0, 7)
        ar = np.exp(r.uniform(np.log(3 / 4), np.log(4 / 3), 7))
        w = np.clip(np.rint(np.sqrt(s * 13 * 17 * ar)).astype(int), 1, 17)
        h = np.clip(np.rint(np.sqrt(s * 13 * 17 / ar)).astype(int), 1, 13)
        tops, lefts = r.integers(0, 13 - h + 1), r.integers(0, 17 - w + 1)
        t = T(x).permute(0, 3, 1, 2)
        expected = torch.cat([F.interpolate(t[i:i + 1, :, a:a + hh, b:b + ww], size=(oh, ow), mode="bilinear",
                                            align_corners=False) for i, (a, b, hh, ww) in enumerate(zip(tops, lefts, h, w))])
        grading.check_close(f"random_resized_crop(size={size}) vs torch F.interpolate on the replayed boxes", out,
                            N_(expected.permute(0, 2, 3, 1)))
    same = student.random_resized_crop(x, (13, 17), np.random.default_rng(0), scale=(1.0, 1.0), ratio=(17 / 13, 17 / 13))
    grading.check_close("random_resized_crop with the whole image as the box (must give the image back)", same, x)
    hrng = np.random.default_rng(1703)
    for shape, size, kw, seed in [((5, 20, 24, 3), 16, {}, 0), ((1, 9, 9, 1), (4, 7), {}, 3),
                                  ((6, 12, 10, 3), 12, {"scale": (0.5, 1.0), "ratio": (0.5, 2.0)}, 4),
                                  ((3, 32, 32, 3), 32, {"scale": (0.08, 0.2)}, 5)]:
        xh = hrng.random(shape)
        grading.check_function(student.random_resized_crop, ref.random_resized_crop, xh, size, np.random.default_rng(seed), **kw)
    _ = grading.numpy_only(student.random_resized_crop, xh, 8, np.random.default_rng(0))


def test_color_jitter(student):
    """Colour jitter: PyTorch ops after replaying the draws, range, no-op settings, grey images (2 points)"""
    rng = np.random.default_rng(74)   # this cell's own random numbers
    import torch
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    x = rng.random((5, 6, 7, 3))
    out = student.color_jitter(x, 0.4, 0.6, np.random.default_rng(3))
    r = np.random.default_rng(3)
    b = T(r.uniform(0.6, 1.4, 5))[:, None, None, None]
    c = T(r.uniform(0.4, 1.6, 5))[:, None, None, None]
    t = torch.clamp(T(x) * b, 0, 1)
    m = (t @ T(np.array([0.299, 0.587, 0.114]))).mean(dim=(1, 2))[:, None, None, None]
    grading.check_close("color_jitter(brightness=0.4, contrast=0.6) vs torch", out, N_(torch.clamp(c * t + (1 - c) * m, 0, 1)))
    grading.check(out.min() >= 0 and out.max() <= 1, "color_jitter: outputs must stay in [0, 1] (clip after each step).")
    grading.check_close("color_jitter(brightness=0, contrast=0) (must change nothing)", student.color_jitter(x, 0.0, 0.0, rng), x)
    g = rng.random((4, 5, 5, 1))
    out = student.color_jitter(g, 0.0, 1.0, np.random.default_rng(0))
    r = np.random.default_rng(0)
    r.uniform(1.0, 1.0, 4)                                               # the brightness draw comes first even when it is a no-op
    cg = r.uniform(0.0, 2.0, 4)[:, None, None, None]
    grading.check_close("color_jitter on grey images (C = 1)", out, np.clip(cg * g + (1 - cg) * g.mean(axis=(1, 2, 3), keepdims=True), 0, 1))
    hrng = np.random.default_rng(1704)
    for shape, bri, con, seed in [((6, 8, 9, 3), 0.5, 0.5, 0), ((1, 4, 4, 3), 1.5, 0.2, 3), ((3, 5, 6, 1), 0.3, 2.0, 4),
                                  ((4, 7, 7, 3), 0.0, 0.9, 5)]:
        xh = hrng.random(shape)
        grading.check_function(student.color_jitter, ref.color_jitter, xh, bri, con, np.random.default_rng(seed))
    grading.check_function(student.color_jitter, ref.color_jitter, np.zeros((2, 3, 3, 3)), 0.5, 0.5, np.random.default_rng(1))
    grading.check_function(student.color_jitter, ref.color_jitter, np.ones((2, 3, 3, 3)), 0.5, 0.5, np.random.default_rng(2))
    _ = grading.numpy_only(student.color_jitter, xh, 0.4, 0.4, np.random.default_rng(0))


MIX = np.array([[1.0, 0.8, 0.6], [0.0, 0.5, 0.3], [0.0, 0.0, 0.2]])   # correlated colours: distinct eigenvalues


def test_rgb_pca(student):
    """rgb_pca: the pixel covariance's eigenvalues and eigenvectors (1 point)"""
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    x = np.random.default_rng(75).random((4, 5, 6, 3)) @ MIX
    vals, vecs = student.rgb_pca(x)
    cov = N_(torch.cov(T(x).reshape(-1, 3).T, correction=0))
    grading.check_close("rgb_pca: eigvecs @ diag(eigvals) @ eigvecs.T (must be the pixel covariance, divided by #pixels)",
                        vecs @ np.diag(vals) @ vecs.T, cov)
    grading.check_close("rgb_pca: eigvals (decreasing)", vals, N_(torch.linalg.eigvalsh(T(cov))).copy()[::-1])
    grading.check_close("rgb_pca: eigvecs.T @ eigvecs (orthonormal columns)", vecs.T @ vecs, np.eye(3), atol=1e-9)
    hrng = np.random.default_rng(1705)
    for shape in [(3, 4, 5, 3), (1, 6, 6, 3), (10, 2, 3, 3)]:
        xh = hrng.random(shape) @ MIX
        vh, Vh = student.rgb_pca(xh)
        vr, Vr = ref.rgb_pca(xh)
        grading.check_close("rgb_pca: eigvals", vh, vr)
        flip = np.sign(Vh[np.argmax(np.abs(Vh), axis=0), np.arange(3)]) * np.sign(Vr[np.argmax(np.abs(Vr), axis=0), np.arange(3)])
        grading.check_close("rgb_pca: eigvecs (up to the sign of each column)", Vh * flip, Vr)
    grading.numpy_only(student.rgb_pca, xh)


def test_pca_color(student):
    """pca_color_augment: PyTorch, offsets in the principal subspace, statistics (1 point)"""
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    x = np.random.default_rng(75).random((4, 5, 6, 3)) @ MIX
    vals, vecs = ref.rgb_pca(x)
    out = student.pca_color_augment(x, vals, vecs, np.random.default_rng(8), std=0.1)
    alpha = np.random.default_rng(8).normal(0.0, 0.1, size=(4, 3))      # replay the draw
    grading.check_close("pca_color_augment vs torch", out, N_(T(x) + ((T(alpha) * T(vals)) @ T(vecs).T)[:, None, None, :]))
    top = student.pca_color_augment(x, vals[:1], vecs[:, :1], np.random.default_rng(1))[:, 0, 0] - x[:, 0, 0]
    grading.check_close("pca_color_augment with only the top component: offsets off that line",
                        top - np.outer(top @ vecs[:, 0], vecs[:, 0]), np.zeros_like(top), atol=1e-12)
    many = student.pca_color_augment(np.zeros((20000, 1, 1, 3)), vals, vecs, np.random.default_rng(2), std=0.1)[:, 0, 0] @ vecs
    grading.check(np.allclose(many.std(axis=0), 0.1 * vals, rtol=0.05), f"pca_color_augment: the offsets' spread along each "
                  f"component is {many.std(axis=0)}, expected std * eigvals = {0.1 * vals}.")
    hrng = np.random.default_rng(1706)
    for shape in [(3, 4, 5, 3), (1, 6, 6, 3), (10, 2, 3, 3)]:
        xh = hrng.random(shape) @ MIX
        vr, Vr = ref.rgb_pca(xh)
        for seed, std in [(0, 0.1), (5, 0.5)]:
            grading.check_function(student.pca_color_augment, ref.pca_color_augment, xh, vr, Vr, np.random.default_rng(seed), std=std)
        grading.check_function(student.pca_color_augment, ref.pca_color_augment, xh, vr[:2], Vr[:, :2], np.random.default_rng(3))
    grading.numpy_only(student.pca_color_augment, xh, vr, Vr, np.random.default_rng(0))


def test_cutout(student):
    """Cutout: PyTorch slicing after replaying the draws, the number of zeros, untouched pixels (2 points)"""
    rng = np.random.default_rng(76)   # this cell's own random numbers
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    x = rng.random((8, 10, 10, 3)) + 0.5                                # no zeros before cutting
    for size in [4, 3]:
        out = student.cutout(x, size, np.random.default_rng(11))
        r = np.random.default_rng(11)
        cy, cx = r.integers(0, 10, size=8), r.integers(0, 10, size=8)
        t = T(x).clone()
        for i in range(8):
            y0, x0 = cy[i] - size // 2, cx[i] - size // 2
            t[i, max(y0, 0):y0 + size, max(x0, 0):x0 + size] = 0
        grading.check_close(f"cutout(size={size}) vs torch slicing", out, N_(t))
    zeros = np.sum(out[..., 0] == 0, axis=(1, 2))
    grading.check(zeros.max() <= 9 and zeros.min() > 0, f"cutout(size=3) zeroed {zeros} pixels per image; expected 1 to 9.")
    grading.check_close("cutout: pixels outside the square (unchanged)", out[out != 0], x[out != 0])
    hrng = np.random.default_rng(1706)
    for shape, size, seed in [((6, 12, 9, 3), 5, 0), ((1, 4, 4, 1), 2, 3), ((20, 7, 7, 3), 7, 4), ((3, 32, 32, 3), 16, 5),
                              ((4, 5, 6, 3), 1, 6)]:
        xh = hrng.random(shape)
        grading.check_function(student.cutout, ref.cutout, xh, size, np.random.default_rng(seed))
    _ = grading.numpy_only(student.cutout, xh, 3, np.random.default_rng(0))


def test_mixup(student):
    """mixup: PyTorch after replaying the draws, labels mixed with the same lambda, label sums (2 points)"""
    rng = np.random.default_rng(77)   # this cell's own random numbers
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    x, y = rng.random((10, 4, 5, 3)), np.eye(4)[rng.integers(0, 4, 10)]
    x_mix, y_mix = student.mixup(x, y, 0.4, np.random.default_rng(12))
    r = np.random.default_rng(12)
    lam, perm = r.beta(0.4, 0.4), r.permutation(10)
    grading.check_close("mixup: x_mix vs torch", x_mix, N_(lam * T(x) + (1 - lam) * T(x)[perm]))
    grading.check_close("mixup: y_mix (the labels mixed with the same lambda)", y_mix, lam * y + (1 - lam) * y[perm])
    grading.check_close("mixup: y_mix.sum(axis=1) (each row a distribution)", y_mix.sum(axis=1), np.ones(10))
    flat, _ = student.mixup(x.reshape(10, -1), y, 0.4, np.random.default_rng(12))
    grading.check_close("mixup on flat vectors (N, D) (any trailing shape)", flat, x_mix.reshape(10, -1))
    hrng = np.random.default_rng(1707)
    for n, k, alpha, seed in [(8, 3, 0.2, 0), (1, 2, 1.0, 3), (16, 10, 0.4, 4), (5, 5, 2.0, 5)]:
        xh, yh = hrng.random((n, 6, 5, 3)), np.eye(k)[hrng.integers(0, k, n)]
        grading.check_function(student.mixup, ref.mixup, xh, yh, alpha, np.random.default_rng(seed))
    grading.check_function(student.mixup, ref.mixup, hrng.random((7, 20)), np.eye(3)[hrng.integers(0, 3, 7)], 0.3, np.random.default_rng(9))
    _ = grading.numpy_only(student.mixup, xh, yh, 0.2, np.random.default_rng(0))


def test_cutmix(student):
    """CutMix: the label weight equals the pasted area, PyTorch slicing after replaying the draws (2 points)"""
    rng = np.random.default_rng(78)   # this cell's own random numbers
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    n, H, W = 12, 16, 20
    plain = np.broadcast_to((np.arange(n) / n)[:, None, None, None], (n, H, W, 3)).copy()     # image i is the constant i / n
    for seed in range(10):
        x_mix, y_mix = student.cutmix(plain, np.eye(n), 1.0, np.random.default_rng(seed))
        r = np.random.default_rng(seed)
        r.beta(1.0, 1.0)
        perm = r.permutation(n)
        grading.check_close("cutmix: y_mix.sum(axis=1)", y_mix.sum(axis=1), np.ones(n))
        moved = perm != np.arange(n)
        pasted = np.mean(x_mix[..., 0] == (perm / n)[:, None, None], axis=(1, 2))       # share of pixels from the partner
        grading.check_close(f"cutmix (seed {seed}): label weight of the partner = pasted area", y_mix[moved, perm[moved]], pasted[moved])
    x, y = rng.random((6, 12, 12, 3)), np.eye(3)[rng.integers(0, 3, 6)]
    x_mix, y_mix = student.cutmix(x, y, 1.0, np.random.default_rng(21))
    r = np.random.default_rng(21)
    lam, perm, cy, cx = r.beta(1.0, 1.0), r.permutation(6), r.integers(0, 12), r.integers(0, 12)
    half = int(12 * np.sqrt(1 - lam)) // 2
    t = T(x).clone()
    t[:, max(cy - half, 0):min(cy + half, 12), max(cx - half, 0):min(cx + half, 12)] = \
        T(x)[perm, max(cy - half, 0):min(cy + half, 12), max(cx - half, 0):min(cx + half, 12)]
    grading.check_close("cutmix: x_mix vs torch slicing", x_mix, N_(t))
    hrng = np.random.default_rng(1708)
    for n, shape, k, alpha, seed in [(8, (9, 9), 3, 1.0, 0), (1, (5, 7), 2, 1.0, 3), (16, (32, 32), 10, 0.5, 4),
                                     (5, (6, 11), 5, 2.0, 5), (4, (8, 8), 4, 0.2, 6)]:
        xh, yh = hrng.random((n, *shape, 3)), np.eye(k)[hrng.integers(0, k, n)]
        grading.check_function(student.cutmix, ref.cutmix, xh, yh, alpha, np.random.default_rng(seed))
    _ = grading.numpy_only(student.cutmix, xh, yh, 1.0, np.random.default_rng(0))


def test_ten_crop(student):
    """Ten crops: PyTorch slicing and torch.flip, the order, the centre (1 point)"""
    rng = np.random.default_rng(79)   # this cell's own random numbers
    import torch
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    img = rng.random((9, 12, 3))
    crops = student.ten_crop(img, (4, 5))
    t = T(img)
    five = lambda u: [u[:4, :5], u[:4, -5:], u[-4:, :5], u[-4:, -5:], u[2:6, 3:8]]
    grading.check_close("ten_crop(img (9, 12, 3), (4, 5)) vs torch", crops, N_(torch.stack(five(t) + five(torch.flip(t, dims=[1])))))
    grading.check_close("ten_crop with the full size: the centre crop is the image", student.ten_crop(img, (9, 12))[4], img)
    hrng = np.random.default_rng(1709)
    for shape, size in [((10, 10, 3), 6), ((7, 9, 1), (4, 4)), ((32, 32, 3), 28), ((5, 8, 3), (5, 3)), ((6, 6, 3), 1)]:
        grading.check_function(student.ten_crop, ref.ten_crop, hrng.random(shape), size)
    _ = grading.numpy_only(student.ten_crop, hrng.random((8, 8, 3)), 4)


def test_scale_augment(student):
    """scale_augment: F.interpolate on each image after replaying the draws, both ends of [min_size, max_size] (2 points)"""
    import torch.nn.functional as F
    rng = np.random.default_rng(80)
    T, N_ = torchcheck.to_torch, torchcheck.to_numpy
    for shape, (lo, hi, crop) in [((6, 9, 13, 3), (9, 12, 8)), ((5, 14, 10, 1), (10, 13, 7))]:
        x = rng.random(shape)
        out = student.scale_augment(x, lo, hi, crop, np.random.default_rng(6))
        N, H, W, _ = shape
        r = np.random.default_rng(6)                                      # replay the three draws
        L = r.integers(lo, hi + 1, size=N)
        sizes = [(int(l), int(l * W / H)) if H <= W else (int(l * H / W), int(l)) for l in L]
        tops = r.integers(0, np.array([h for h, _ in sizes]) - crop + 1)
        lefts = r.integers(0, np.array([w for _, w in sizes]) - crop + 1)
        t = T(x).permute(0, 3, 1, 2)
        expected = torch.stack([F.interpolate(t[i:i + 1], size=hw, mode="bilinear", align_corners=False)[0, :, a:a + crop,
                                                                                                           b:b + crop]
                                for i, (hw, a, b) in enumerate(zip(sizes, tops, lefts))])
        grading.check_close(f"scale_augment(images {shape}, {lo}, {hi}, crop={crop}) vs torch F.interpolate + slicing", out,
                            N_(expected.permute(0, 2, 3, 1)))
    grid = np.arange(100.0).reshape(1, 10, 10, 1).repeat(400, axis=0)
    same = student.scale_augment(grid, 10, 10, 10, np.random.default_rng(0))
    grading.check_close("scale_augment with min_size = max_size = crop = the image size (must give the images back)", same, grid)
    big = student.scale_augment(grid, 10, 11, 10, np.random.default_rng(1))
    changed = np.mean(np.any(big != grid, axis=(1, 2, 3)))
    grading.check(0.3 < changed < 0.7, f"scale_augment(images 10x10, 10, 11, 10): {changed:.0%} of the images were resized; "
                  "L in {10, 11} (both ends included) resizes about half of them.")
    hrng = np.random.default_rng(1710)
    # wide and tall images, long sides whose int(L * long / short) truncates a fraction >= 0.5 (rounding would differ),
    # a batch of one, the crop equal to min_size
    for shape, (lo, hi, crop), seed in [((7, 10, 17, 3), (10, 15, 9), 0), ((4, 21, 12, 3), (12, 16, 12), 3),
                                        ((1, 8, 8, 1), (8, 12, 5), 4), ((9, 11, 19, 3), (11, 13, 11), 5)]:
        xh = hrng.random(shape)
        grading.check_function(student.scale_augment, ref.scale_augment, xh, lo, hi, crop, np.random.default_rng(seed))
    _ = grading.numpy_only(student.scale_augment, xh, 11, 13, 11, np.random.default_rng(0))
