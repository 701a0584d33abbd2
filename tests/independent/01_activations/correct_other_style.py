"""Correct answers written differently from the solution (scipy-free, masks, in-place on copies)."""
EXPECT = "full"
ANSWERS = {
    "sigmoid": '''
def sigmoid_forward(x):
    out = np.empty_like(x, dtype=float)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1 + e)
    return out, out

def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)
''',
    "tanh": '''
def tanh_forward(x):
    t = 2 / (1 + np.exp(-2 * np.clip(x, -350, 350))) - 1
    return t, t

def tanh_backward(dout, cache):
    return dout - dout * cache * cache
''',
    "relu": '''
def relu_forward(x):
    return x * (x > 0), (x > 0)

def relu_backward(dout, cache):
    return np.where(cache, dout, 0.0)
''',
    "leaky_relu": '''
def leaky_relu_forward(x, alpha=0.01):
    return np.maximum(x, 0) + alpha * np.minimum(x, 0), (x > 0, alpha)

def leaky_relu_backward(dout, cache):
    mask, alpha = cache
    return dout * (mask + alpha * (~mask))

def prelu_forward(x, alpha):
    neg = np.minimum(x, 0)
    return np.maximum(x, 0) + alpha[None, :] * neg, (x, alpha, neg)

def prelu_backward(dout, cache):
    x, alpha, neg = cache
    dx = dout.copy()
    dx[x <= 0] *= np.broadcast_to(alpha, x.shape)[x <= 0]
    return dx, (dout * neg).sum(0)
''',
    "elu": '''
def elu_forward(x, alpha=1.0):
    out = x.astype(float).copy()
    neg = x <= 0
    out[neg] = alpha * (np.exp(x[neg]) - 1)
    return out, (out, neg, alpha)

def elu_backward(dout, cache):
    out, neg, alpha = cache
    return dout * np.where(neg, out + alpha, 1.0)

def gelu_forward(x):
    k = np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)
    return 0.5 * x * (1 + np.tanh(k)), x

def gelu_backward(dout, cache):
    x = cache
    k = np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)
    th = np.tanh(k)
    dk = np.sqrt(2 / np.pi) * (1 + 0.134145 * x**2)
    return dout * (0.5 * (1 + th) + 0.5 * x * (1 - th**2) * dk)
''',
    "maxout": '''
def maxout_forward(x, W1, b1, W2, b2):
    z = np.stack([x.dot(W1) + b1, x.dot(W2) + b2])      # (2, N, H)
    idx = np.argmax(z, axis=0)                          # ties -> 0, the first piece
    return np.take_along_axis(z, idx[None], 0)[0], (x, W1, W2, idx)

def maxout_backward(dout, cache):
    x, W1, W2, idx = cache
    d1, d2 = dout * (idx == 0), dout * (idx == 1)
    return d1.dot(W1.T) + d2.dot(W2.T), x.T.dot(d1), d1.sum(0), x.T.dot(d2), d2.sum(0)
''',
}
