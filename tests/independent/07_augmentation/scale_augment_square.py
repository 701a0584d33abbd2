"""scale_augment that resizes both sides to L (the image squeezed into an L x L square), as a quick reading of
"resize to L" suggests; everything else right."""
EXPECT = {"lost": ["test_scale_augment"]}
ANSWERS = {
    "scale_augment": '''
def scale_augment(images, min_size, max_size, crop, rng):
    N, H, W, C = images.shape
    L = rng.integers(min_size, max_size + 1, size=N)
    tops = rng.integers(0, L - crop + 1)
    lefts = rng.integers(0, L - crop + 1)
    out = np.empty((N, crop, crop, C))
    for n in range(N):
        l = int(L[n])
        resized = _resize_boxes(images[n:n + 1], np.array([0]), np.array([0]), np.array([H]), np.array([W]), l, l)[0]
        out[n] = resized[tops[n]:tops[n] + crop, lefts[n]:lefts[n] + crop]
    return out
''',
}
