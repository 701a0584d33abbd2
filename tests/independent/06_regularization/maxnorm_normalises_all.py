"""max_norm that rescales every column to norm c (weight normalisation), the small ones included."""
EXPECT = {"lost": ["test_max_norm"]}
ANSWERS = {
    "max_norm": '''
def max_norm(W, c):
    return c * W / np.linalg.norm(W, axis=0, keepdims=True)
''',
}
