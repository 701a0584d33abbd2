"""A naive sigmoid that overflows at -1000, and a ReLU that delegates to torch."""
EXPECT = {"lost": ["test_sigmoid", "test_relu"]}
ANSWERS = {
    "sigmoid": '''
def sigmoid_forward(x):
    out = 1.0 / (1.0 + np.exp(-x))
    return out, out

def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)
''',
    "relu": '''
import torch
def relu_forward(x):
    return torch.relu(torch.as_tensor(x)).numpy(), x

def relu_backward(dout, cache):
    return dout * (cache > 0)
''',
}
