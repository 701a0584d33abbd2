"""Leaky ReLU with the slide's slope hard-coded instead of the alpha parameter."""
EXPECT = {"lost": ["test_leaky_relu"]}
ANSWERS = {
    "leaky_relu": '''
def leaky_relu_forward(x, alpha=0.01):
    return np.where(x > 0, x, 0.01 * x), x

def leaky_relu_backward(dout, cache):
    return dout * np.where(cache > 0, 1.0, 0.01)

def prelu_forward(x, alpha):
    return np.where(x > 0, x, alpha * x), (x, alpha)

def prelu_backward(dout, cache):
    x, alpha = cache
    return dout * np.where(x > 0, 1.0, alpha), np.sum(dout * np.minimum(x, 0), axis=0)
''',
}
