"""The "average" as the mean of the previous average and the new value: an EMA with decay 0.5, not a uniform mean."""
EXPECT = {"lost": ["test_polyak_average"]}
ANSWERS = {
    "polyak_average": '''
def polyak_average(avg, x, t):
    if t == 1:
        return x
    return (avg + x) / 2
''',
}
