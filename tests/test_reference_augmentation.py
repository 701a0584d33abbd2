"""The reference answers of 07_augmentation: exact properties, statistics over many draws, and
cross-checks against PyTorch tensor operations (on CUDA when available, float64).

The random draws are replayed from a generator with the same seed, in the order each docstring
documents, and the same transform is then done with torch ops (slicing, torch.flip, F.pad,
F.interpolate), so these tests also pin the documented draw order.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from trainlab import torchcheck
from trainlab.reference import augmentation as A

DEV = torchcheck.device()


def T(a):
    return torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float64, device=DEV)


def N(t):
    return t.detach().cpu().numpy()


def images(n=6, h=9, w=11, c=3, seed=0):
    return np.random.default_rng(seed).random((n, h, w, c))


def onehot(n, k, seed=0):
    return np.eye(k)[np.random.default_rng(seed).integers(0, k, n)]


def test_horizontal_flip_exact():
    x = images()
    out = A.horizontal_flip(x)
    np.testing.assert_array_equal(out, N(torch.flip(T(x), dims=[2])))
    np.testing.assert_array_equal(A.horizontal_flip(out), x)                 # twice = identity
    assert not np.shares_memory(out, x)


def test_random_horizontal_flip_draws_and_rate():
    x = images(n=8)
    out = A.random_horizontal_flip(x, np.random.default_rng(5), p=0.5)
    flip = np.random.default_rng(5).random(8) < 0.5
    t = T(x)
    expected = torch.where(T(flip)[:, None, None, None].bool(), torch.flip(t, dims=[2]), t)
    np.testing.assert_array_equal(out, N(expected))
    big = images(n=4000, h=2, w=3, c=1, seed=1)
    flipped = np.any(A.random_horizontal_flip(big, np.random.default_rng(2), p=0.3) != big, axis=(1, 2, 3))
    assert abs(flipped.mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 4000)
    np.testing.assert_array_equal(A.random_horizontal_flip(x, np.random.default_rng(0), p=0.0), x)


@pytest.mark.parametrize("size,padding", [(5, 0), ((7, 4), 2), (11, 1)])
def test_random_crop_against_torch_slicing(size, padding):
    x = images()
    n, H, W, _ = x.shape
    h, w = (size, size) if np.isscalar(size) else size
    out = A.random_crop(x, size, np.random.default_rng(9), padding=padding)
    r = np.random.default_rng(9)
    tops = r.integers(0, H + 2 * padding - h + 1, size=n)
    lefts = r.integers(0, W + 2 * padding - w + 1, size=n)
    padded = F.pad(T(x).permute(0, 3, 1, 2), (padding, padding, padding, padding))
    expected = torch.stack([padded[i, :, t:t + h, l:l + w] for i, (t, l) in enumerate(zip(tops, lefts))])
    assert out.shape == (n, h, w, 3)
    np.testing.assert_array_equal(out, N(expected.permute(0, 2, 3, 1)))


def test_random_crop_stays_inside_and_covers_all_offsets():
    """Without padding every crop is a window of its image; over many draws every offset occurs."""
    x = np.arange(1 * 6 * 6).reshape(1, 6, 6, 1).astype(float).repeat(3000, axis=0)
    out = A.random_crop(x, 4, np.random.default_rng(0))
    tops, lefts = out[:, 0, 0, 0] // 6, out[:, 0, 0, 0] % 6
    np.testing.assert_array_equal(out[:, :, :, 0], x[0, :, :, 0][tops[:, None, None].astype(int) + np.arange(4)[:, None],
                                                                 lefts[:, None, None].astype(int) + np.arange(4)])
    counts = np.bincount((3 * tops + lefts).astype(int), minlength=9)
    assert counts.min() > 3000 / 9 * 0.8


def _replay_rrc(x, size, seed, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)):
    n, H, W, _ = x.shape
    r = np.random.default_rng(seed)
    s = r.uniform(scale[0], scale[1], n)
    ar = np.exp(r.uniform(np.log(ratio[0]), np.log(ratio[1]), n))
    w = np.clip(np.rint(np.sqrt(s * H * W * ar)).astype(int), 1, W)
    h = np.clip(np.rint(np.sqrt(s * H * W / ar)).astype(int), 1, H)
    tops = r.integers(0, H - h + 1)
    lefts = r.integers(0, W - w + 1)
    return h, w, tops, lefts


@pytest.mark.parametrize("size", [8, (5, 12), 20])
def test_random_resized_crop_against_interpolate(size):
    x = images(n=7, h=13, w=17)
    out = A.random_resized_crop(x, size, np.random.default_rng(4))
    oh, ow = (size, size) if np.isscalar(size) else size
    h, w, tops, lefts = _replay_rrc(x, size, 4)
    t = T(x).permute(0, 3, 1, 2)
    expected = torch.cat([F.interpolate(t[i:i + 1, :, a:a + hh, b:b + ww], size=(oh, ow), mode="bilinear",
                                        align_corners=False)
                          for i, (a, b, hh, ww) in enumerate(zip(tops, lefts, h, w))])
    assert out.shape == (7, oh, ow, 3)
    np.testing.assert_allclose(out, N(expected.permute(0, 2, 3, 1)), rtol=1e-12, atol=1e-14)


def test_random_resized_crop_full_box_is_identity_and_area_statistics():
    x = images(n=3, h=10, w=10)
    same = A.random_resized_crop(x, 10, np.random.default_rng(0), scale=(1.0, 1.0), ratio=(1.0, 1.0))
    np.testing.assert_allclose(same, x, atol=1e-15)
    h, w, tops, lefts = _replay_rrc(np.zeros((20000, 100, 100, 1)), 8, 1)
    assert np.all((tops >= 0) & (tops + h <= 100) & (lefts >= 0) & (lefts + w <= 100))
    area = h * w / 1e4
    assert abs(area.mean() - 0.54) < 0.01          # E[s] = (0.08 + 1) / 2, up to rounding and clipping


def test_color_jitter_against_torch_ops():
    x = images(n=5)
    out = A.color_jitter(x, 0.4, 0.6, np.random.default_rng(3))
    r = np.random.default_rng(3)
    b = T(r.uniform(0.6, 1.4, 5))[:, None, None, None]
    c = T(r.uniform(0.4, 1.6, 5))[:, None, None, None]
    t = torch.clamp(T(x) * b, 0, 1)
    m = (t @ T(A.GREY_WEIGHTS)).mean(dim=(1, 2))[:, None, None, None]
    expected = torch.clamp(c * t + (1 - c) * m, 0, 1)
    np.testing.assert_allclose(out, N(expected), rtol=1e-12, atol=1e-14)
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(A.color_jitter(x, 0.0, 0.0, np.random.default_rng(0)), x, atol=1e-15)


def test_color_jitter_grey_images_and_zero_factors():
    g = images(n=4, c=1)
    out = A.color_jitter(g, 0.0, 1.0, np.random.default_rng(0))
    r = np.random.default_rng(0)
    r.uniform(1.0, 1.0, 4)                                     # the brightness draw (factor 1) comes first
    cf = r.uniform(0.0, 2.0, 4)[:, None, None, None]
    np.testing.assert_allclose(out, np.clip(cf * g + (1 - cf) * g.mean(axis=(1, 2, 3), keepdims=True), 0, 1))


def test_rgb_pca_decomposes_the_pixel_covariance():
    x = images(n=4, h=5, w=6)
    vals, vecs = A.rgb_pca(x)
    cov = np.cov(x.reshape(-1, 3), rowvar=False, bias=True)
    np.testing.assert_allclose(vecs @ np.diag(vals) @ vecs.T, cov, atol=1e-15)
    np.testing.assert_allclose(vecs.T @ vecs, np.eye(3), atol=1e-12)
    assert np.all(np.diff(vals) <= 0)
    t = T(x).reshape(-1, 3)
    tc = torch.cov(t.T, correction=0)
    np.testing.assert_allclose(vals, N(torch.linalg.eigvalsh(tc)).copy()[::-1], rtol=1e-10)


def test_pca_color_augment_offsets():
    x = images(n=6)
    vals, vecs = A.rgb_pca(x)
    out = A.pca_color_augment(x, vals, vecs, np.random.default_rng(8), std=0.1)
    alpha = np.random.default_rng(8).normal(0.0, 0.1, size=(6, 3))
    expected = T(x) + ((T(alpha) * T(vals)) @ T(vecs).T)[:, None, None, :]
    np.testing.assert_allclose(out, N(expected), rtol=1e-12, atol=1e-15)
    offset = out - x
    np.testing.assert_allclose(offset, offset[:, :1, :1, :].repeat(9, 1).repeat(11, 2), atol=1e-15)  # one colour per image
    # only the top component given: the offsets lie on that line (the principal subspace)
    out1 = A.pca_color_augment(x, vals[:1], vecs[:, :1], np.random.default_rng(1))
    off = (out1 - x)[:, 0, 0, :]
    residual = off - (off @ vecs[:, :1]) @ vecs[:, :1].T
    np.testing.assert_allclose(residual, 0, atol=1e-15)
    # statistics: the coefficient along component k has std std * eigval_k
    many = A.pca_color_augment(np.zeros((20000, 1, 1, 3)), vals, vecs, np.random.default_rng(2), std=0.1)[:, 0, 0]
    coeff = many @ vecs
    np.testing.assert_allclose(coeff.std(axis=0), 0.1 * vals, rtol=0.05)


def test_cutout_against_torch_slicing_and_area():
    x = images(n=8, h=10, w=10) + 0.5                  # no zeros before the cut
    size = 4
    out = A.cutout(x, size, np.random.default_rng(11))
    r = np.random.default_rng(11)
    cy, cx = r.integers(0, 10, size=8), r.integers(0, 10, size=8)
    t = T(x).clone()
    for i in range(8):
        y0, x0 = max(cy[i] - size // 2, 0), max(cx[i] - size // 2, 0)
        t[i, y0:cy[i] - size // 2 + size, x0:cx[i] - size // 2 + size] = 0
    np.testing.assert_array_equal(out, N(t))
    zeros = np.sum(out[..., 0] == 0, axis=(1, 2))
    inside = (cy >= 2) & (cy <= 7) & (cx >= 2) & (cx <= 7)
    assert np.all(zeros[inside] == size * size) and np.all(zeros <= size * size) and np.all(zeros > 0)
    np.testing.assert_array_equal(out[out != 0], x[out != 0])


def test_mixup_against_torch_and_labels():
    x, y = images(n=10), onehot(10, 4)
    x_mix, y_mix = A.mixup(x, y, 0.4, np.random.default_rng(12))
    r = np.random.default_rng(12)
    lam, perm = r.beta(0.4, 0.4), r.permutation(10)
    np.testing.assert_allclose(x_mix, N(lam * T(x) + (1 - lam) * T(x)[perm]), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(y_mix, lam * y + (1 - lam) * y[perm], rtol=1e-12)
    np.testing.assert_allclose(y_mix.sum(axis=1), 1.0)
    flat, _ = A.mixup(x.reshape(10, -1), y, 0.4, np.random.default_rng(12))     # any trailing shape
    np.testing.assert_allclose(flat, x_mix.reshape(10, -1))


def test_mixup_lambda_distribution():
    """With two examples, y_mix[0, 0] is lam whenever the permutation swaps them."""
    x, y = np.zeros((2, 1)), np.eye(2)
    rng = np.random.default_rng(0)
    lams = np.array([A.mixup(x, y, 0.2, rng)[1][0] for _ in range(4000)])
    lams = lams[lams[:, 1] > 0, 0]                    # the swapped draws (about half)
    ref = np.random.default_rng(1).beta(0.2, 0.2, 100000)
    assert abs(lams.mean() - 0.5) < 0.03
    # Beta(0.2, 0.2) puts most mass near 0 and 1
    assert abs(np.mean(np.abs(lams - 0.5)) - np.mean(np.abs(ref - 0.5))) < 0.02


def test_cutmix_label_weight_equals_pasted_area():
    n, H, W = 12, 16, 20
    x = np.broadcast_to((np.arange(n) / n)[:, None, None, None], (n, H, W, 3)).copy()   # image i is constant i/n
    y = np.eye(n)
    for seed in range(20):
        x_mix, y_mix = A.cutmix(x, y, 1.0, np.random.default_rng(seed))
        r = np.random.default_rng(seed)
        r.beta(1.0, 1.0)
        perm = r.permutation(n)
        np.testing.assert_allclose(y_mix.sum(axis=1), 1.0)
        for i in range(n):
            if perm[i] == i:
                continue
            pasted = np.mean(x_mix[i, :, :, 0] == perm[i] / n)
            assert y_mix[i, perm[i]] == pytest.approx(pasted, abs=1e-12)
            assert y_mix[i, i] == pytest.approx(1 - pasted, abs=1e-12)


def test_cutmix_against_torch_slicing():
    x, y = images(n=6, h=12, w=12), onehot(6, 3)
    x_mix, y_mix = A.cutmix(x, y, 1.0, np.random.default_rng(21))
    r = np.random.default_rng(21)
    lam, perm = r.beta(1.0, 1.0), r.permutation(6)
    cy, cx = r.integers(0, 12), r.integers(0, 12)
    bh = bw = int(12 * np.sqrt(1 - lam))
    y0, y1, x0, x1 = max(cy - bh // 2, 0), min(cy + bh // 2, 12), max(cx - bw // 2, 0), min(cx + bw // 2, 12)
    t = T(x).clone()
    t[:, y0:y1, x0:x1] = T(x)[perm, y0:y1, x0:x1]
    np.testing.assert_array_equal(x_mix, N(t))
    la = 1 - (y1 - y0) * (x1 - x0) / 144
    np.testing.assert_allclose(y_mix, la * y + (1 - la) * y[perm])


def test_ten_crop_against_torch():
    img = images(n=1, h=9, w=12)[0]
    crops = A.ten_crop(img, (4, 5))
    t = T(img)
    h, w = 4, 5
    five = lambda u: [u[:h, :w], u[:h, -w:], u[-h:, :w], u[-h:, -w:], u[2:2 + h, 3:3 + w]]
    expected = torch.stack(five(t) + five(torch.flip(t, dims=[1])))
    assert crops.shape == (10, 4, 5, 3)
    np.testing.assert_array_equal(crops, N(expected))
    np.testing.assert_array_equal(A.ten_crop(img, (9, 12))[4], img)           # full-size centre crop
    np.testing.assert_array_equal(crops[5], A.horizontal_flip(crops[1][None])[0])  # mirrored top-right


def test_no_input_changed_in_place():
    x, y = images(n=4), onehot(4, 3)
    x0, y0 = x.copy(), y.copy()
    rng = np.random.default_rng(0)
    A.horizontal_flip(x), A.random_horizontal_flip(x, rng, p=1.0), A.random_crop(x, 5, rng, 1)
    A.random_resized_crop(x, 6, rng), A.color_jitter(x, 0.5, 0.5, rng), A.cutout(x, 3, rng)
    A.pca_color_augment(x, *A.rgb_pca(x), rng), A.mixup(x, y, 1.0, rng), A.cutmix(x, y, 1.0, rng), A.ten_crop(x[0], 4)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


# ---------------------------------------------------------------- ResNet's scale augmentation

@pytest.mark.parametrize("shape", [(3, 9, 13, 3), (2, 14, 10, 1), (1, 8, 8, 3)])
@pytest.mark.parametrize("size", [8, 11, 20])
def test_resize_shorter_matches_interpolate(shape, size):
    x = images(*shape, seed=size)
    _, H, W, _ = shape
    new = (size, int(size * W / H)) if H <= W else (int(size * H / W), size)
    out = A.resize_shorter(x, size)
    expected = F.interpolate(T(x).permute(0, 3, 1, 2), size=new, mode="bilinear", align_corners=False)
    np.testing.assert_allclose(out, N(expected.permute(0, 2, 3, 1)), rtol=1e-10, atol=1e-12)
    assert min(out.shape[1:3]) == size


@pytest.mark.parametrize("shape,lo,hi,crop", [((6, 9, 13, 3), 9, 12, 8), ((5, 14, 10, 1), 10, 13, 7),
                                             ((4, 10, 17, 3), 10, 15, 10)])
def test_scale_augment_replays_with_torch(shape, lo, hi, crop):
    x = images(*shape, seed=lo)
    out = A.scale_augment(x, lo, hi, crop, np.random.default_rng(6))
    n, H, W, _ = shape
    r = np.random.default_rng(6)
    L = r.integers(lo, hi + 1, size=n)
    sizes = [(int(l), int(l * W / H)) if H <= W else (int(l * H / W), int(l)) for l in L]
    tops = r.integers(0, np.array([h for h, _ in sizes]) - crop + 1)
    lefts = r.integers(0, np.array([w for _, w in sizes]) - crop + 1)
    t = T(x).permute(0, 3, 1, 2)
    expected = torch.stack([F.interpolate(t[i:i + 1], size=hw, mode="bilinear", align_corners=False)[0, :, a:a + crop, b:b + crop]
                            for i, (hw, a, b) in enumerate(zip(sizes, tops, lefts))])
    np.testing.assert_allclose(out, N(expected.permute(0, 2, 3, 1)), rtol=1e-10, atol=1e-12)
    assert out.shape == (n, crop, crop, shape[3])


def test_scale_augment_reaches_both_ends_and_is_the_identity_at_one_size():
    grid = np.arange(100.0).reshape(1, 10, 10, 1).repeat(400, axis=0)
    np.testing.assert_array_equal(A.scale_augment(grid, 10, 10, 10, np.random.default_rng(0)), grid)
    r = np.random.default_rng(1)
    L = np.random.default_rng(1).integers(10, 12, size=400)
    out = A.scale_augment(grid, 10, 11, 10, r)
    assert set(L) == {10, 11}
    np.testing.assert_array_equal(out[L == 10], grid[L == 10])
    assert np.all(np.any(out[L == 11] != grid[L == 11], axis=(1, 2, 3)))
