"""scale_augment drawing L with rng.integers(min_size, max_size): the high end is excluded, so max_size never occurs;
the resize and the crop are right (the given _resize_shorter kept)."""
EXPECT = {"lost": ["test_scale_augment"]}
ANSWERS = {
    "scale_augment": '''
def _resize_shorter(images, size):
    N, H, W, _ = images.shape
    new_h, new_w = (size, int(size * W / H)) if H <= W else (int(size * H / W), size)
    zeros = np.zeros(N, dtype=np.int64)
    return _resize_boxes(images, zeros, zeros, np.full(N, H), np.full(N, W), new_h, new_w)


def scale_augment(images, min_size, max_size, crop, rng):
    N, H, W, C = images.shape
    L = rng.integers(min_size, max_size, size=N)
    out = []
    sizes = [_resize_shorter(images[n:n + 1], int(L[n])).shape[1:3] for n in range(N)]
    tops = rng.integers(0, np.array([s[0] for s in sizes]) - crop + 1)
    lefts = rng.integers(0, np.array([s[1] for s in sizes]) - crop + 1)
    for n in range(N):
        resized = _resize_shorter(images[n:n + 1], int(L[n]))[0]
        out.append(resized[tops[n]:tops[n] + crop, lefts[n]:lefts[n] + crop])
    return np.stack(out)
''',
}
