"""Sigmoid backward missing the (1 - sigma) factor; maxout backward with a wrong sign on db2; naive ELU."""
EXPECT = {"lost": ["test_sigmoid", "test_maxout"]}
ANSWERS = {
    "sigmoid": '''
def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x))
    return out, out

def sigmoid_backward(dout, cache):
    return dout * cache
''',
    "maxout": '''
def maxout_forward(x, W1, b1, W2, b2):
    z1, z2 = x @ W1 + b1, x @ W2 + b2
    m = z1 >= z2
    return np.where(m, z1, z2), (x, W1, W2, m)

def maxout_backward(dout, cache):
    x, W1, W2, m = cache
    d1, d2 = dout * m, dout * ~m
    return d1 @ W1.T + d2 @ W2.T, x.T @ d1, d1.sum(0), x.T @ d2, -d2.sum(0)
''',
}
