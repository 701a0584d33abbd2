"""The uniform average written as a weighted mean of the old average and the new value, with np.asarray."""
EXPECT = "full"
ANSWERS = {
    "polyak_average": '''
def polyak_average(avg, x, t):
    x = np.asarray(x, dtype=float)
    if t <= 1:
        return x.copy() if x.ndim else float(x)
    w = 1.0 / t
    return (1.0 - w) * np.asarray(avg, dtype=float) + w * x
''',
}
