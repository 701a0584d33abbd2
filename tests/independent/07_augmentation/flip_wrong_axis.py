"""Flips along the height axis (upside down) instead of the width axis."""
EXPECT = {"lost": ["test_horizontal_flip", "test_random_horizontal_flip"]}
ANSWERS = {
    "flips": '''
def horizontal_flip(images):
    return images[:, ::-1].copy()


def random_horizontal_flip(images, rng, p=0.5):
    flip = rng.random(len(images)) < p
    out = images.copy()
    out[flip] = images[flip, ::-1]
    return out
''',
}
