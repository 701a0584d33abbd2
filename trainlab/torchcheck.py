"""Run the same computation in PyTorch and compare: the second oracle, on the GPU when there is one.

    device()                      torch.device("cuda") when available, else CPU
    tolerance(dtype, device)      (rtol, atol) used for a comparison, documented below
    to_torch(a) / to_numpy(t)     float64 by default, on device()
    torch_forward_backward(fn, inputs, dout)
                                  out = fn(*inputs) with autograd; returns (out, [d input]) as NumPy

Tolerances (max |ours - theirs| <= atol + rtol * |theirs|, entry by entry):
    float64, CPU or CUDA   rtol 1e-7,  atol 1e-9    (both libraries reach ~1e-12; reductions differ in order)
    float32, CPU           rtol 1e-5,  atol 1e-6
    float32, CUDA          rtol 1e-4,  atol 1e-5    (TF32 is switched off below; cuDNN sums in other orders)
These are tight enough that an answer off by a factor of 1.001 fails every one of them.
"""
import numpy as np

__all__ = ["device", "tolerance", "to_torch", "to_numpy", "torch_forward_backward", "describe_device"]

_TOLERANCES = {
    ("float64", "cpu"): (1e-7, 1e-9),
    ("float64", "cuda"): (1e-7, 1e-9),
    ("float32", "cpu"): (1e-5, 1e-6),
    ("float32", "cuda"): (1e-4, 1e-5),
}


def _torch():
    import torch  # imported lazily: trainlab itself never needs it

    # Full-precision matmuls on Ampere and newer GPUs, so float32 means float32.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return torch


def device():
    """The device PyTorch cross-checks run on: CUDA when a GPU is visible, else the CPU."""
    torch = _torch()
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def describe_device():
    """A one-line description of device(), for printing in notebooks."""
    torch = _torch()
    dev = device()
    if dev.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(dev)}), torch {torch.__version__}"
    return f"cpu, torch {torch.__version__}"


def tolerance(dtype="float64", dev=None):
    """(rtol, atol) for comparing our NumPy result with PyTorch's in ``dtype`` on ``dev``."""
    dev = device() if dev is None else dev
    kind = "cuda" if getattr(dev, "type", str(dev)).startswith("cuda") else "cpu"
    return _TOLERANCES[(np.dtype(dtype).name, kind)]


def to_torch(a, dtype="float64", requires_grad=False, dev=None):
    """NumPy array -> torch tensor of ``dtype`` on ``dev`` (default: device())."""
    torch = _torch()
    dev = device() if dev is None else dev
    t = torch.as_tensor(np.asarray(a, dtype=dtype)).to(dev)
    return t.requires_grad_(requires_grad)


def to_numpy(t):
    """torch tensor (any device) -> float64 NumPy array."""
    return t.detach().cpu().double().numpy() if t.is_floating_point() else t.detach().cpu().numpy()


def torch_forward_backward(fn, inputs, dout=None, dtype="float64", dev=None):
    """Run ``fn(*tensors)`` with autograd and return (out, grads) as NumPy arrays.

    fn: callable on torch tensors returning one tensor of shape T.
    inputs: list of NumPy arrays (every one gets requires_grad).
    dout: upstream gradient of shape T, or None for forward only (grads is then []).
    """
    tensors = [to_torch(a, dtype, requires_grad=dout is not None, dev=dev) for a in inputs]
    out = fn(*tensors)
    if dout is None:
        return to_numpy(out), []
    out.backward(to_torch(dout, dtype, dev=out.device))
    return to_numpy(out), [to_numpy(t.grad) for t in tensors]
