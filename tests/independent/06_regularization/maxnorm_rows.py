"""max_norm over the rows (each input's outgoing weights): the (out, in) layout of torch.nn.Linear carried over."""
EXPECT = {"lost": ["test_max_norm"]}
ANSWERS = {
    "max_norm": '''
def max_norm(W, c):
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    return np.where(norms > c, W * c / norms, W)
''',
}
