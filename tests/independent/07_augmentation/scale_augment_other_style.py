"""scale_augment written differently: one image at a time, bilinear resampling by explicit gathers of the four
neighbours (no interpolation matrices), its own resize helper, the window cut with slicing."""
EXPECT = "full"
ANSWERS = {
    "scale_augment": '''
def _bilinear(img, out_h, out_w):
    H, W = img.shape[:2]
    ys = np.clip((np.arange(out_h) + 0.5) * H / out_h - 0.5, 0, H - 1)
    xs = np.clip((np.arange(out_w) + 0.5) * W / out_w - 0.5, 0, W - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, H - 1), np.minimum(x0 + 1, W - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    top = img[y0][:, x0] * (1 - fx) + img[y0][:, x1] * fx
    bottom = img[y1][:, x0] * (1 - fx) + img[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def scale_augment(images, min_size, max_size, crop, rng):
    N, H, W, C = images.shape
    L = rng.integers(min_size, max_size + 1, size=N)
    if H <= W:
        hs, ws = L, np.array([int(l * W / H) for l in L])
    else:
        hs, ws = np.array([int(l * H / W) for l in L]), L
    tops = rng.integers(0, hs - crop + 1)
    lefts = rng.integers(0, ws - crop + 1)
    out = []
    for n in range(N):
        big = _bilinear(images[n], int(hs[n]), int(ws[n]))
        out.append(big[tops[n]:tops[n] + crop, lefts[n]:lefts[n] + crop])
    return np.array(out)
''',
}
