"""The uniform average with t read as the number of values BEFORE x: divides by t + 1 (and so never copies at t = 1)."""
EXPECT = {"lost": ["test_polyak_average"]}
ANSWERS = {
    "polyak_average": '''
def polyak_average(avg, x, t):
    return (avg * t + x) / (t + 1)
''',
}
