"""Benchmark: the reference BatchNorm forward + backward against PyTorch on the CPU.

    python benchmarks/bench_batchnorm.py [--n 1024] [--d 1024] [--repeat 30]

Times (best of --repeat) one training-mode forward pass plus one backward pass on x of shape
(N, D), for float64 and float32: the reference with batchnorm_backward_alt and with the graph
form batchnorm_backward, and torch.nn.functional.batch_norm + autograd, with PyTorch's default
thread count and with one thread (NumPy's elementwise work runs on one thread). Prints the
times and ratios; the target is the reference within 2x of PyTorch. Never asserts a time.
"""
import argparse
import os
import platform
import time

import numpy as np

from trainlab.reference import batchnorm as ref


def best_ms(fn, repeat):
    fn()                                              # warm up (allocations, lazy init)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return 1000 * best


def bench(N, D, dtype, repeat, torch_threads):
    import torch

    rng = np.random.default_rng(0)
    x = (5 * rng.standard_normal((N, D)) + 12).astype(dtype)
    gamma, beta = rng.standard_normal(D).astype(dtype), rng.standard_normal(D).astype(dtype)
    dout = rng.standard_normal((N, D)).astype(dtype)

    def numpy_step(backward):
        bn_param = {"mode": "train"}
        out, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
        return backward(dout, cache)

    xt = torch.tensor(x, requires_grad=True)
    gt, bt = torch.tensor(gamma, requires_grad=True), torch.tensor(beta, requires_grad=True)
    rm, rv = torch.zeros(D, dtype=xt.dtype), torch.ones(D, dtype=xt.dtype)
    dt = torch.tensor(dout)

    def torch_step():
        xt.grad = gt.grad = bt.grad = None
        out = torch.nn.functional.batch_norm(xt, rm, rv, gt, bt, training=True, momentum=0.1, eps=1e-5)
        out.backward(dt)

    # Same answer first: a benchmark of a wrong computation means nothing.
    dx, dgamma, dbeta = numpy_step(ref.batchnorm_backward_alt)
    torch_step()
    tol = 1e-9 if dtype == np.float64 else 1e-3
    err = max(np.max(np.abs(dx - xt.grad.numpy())) / np.max(np.abs(xt.grad.numpy())),
              np.max(np.abs(dgamma - gt.grad.numpy())) / np.max(np.abs(gt.grad.numpy())))
    assert err < tol, f"reference and PyTorch disagree (relative error {err:.2e})"

    t_alt = best_ms(lambda: numpy_step(ref.batchnorm_backward_alt), repeat)
    t_graph = best_ms(lambda: numpy_step(ref.batchnorm_backward), repeat)
    default_threads = torch.get_num_threads()
    times = {}
    for threads in sorted({default_threads, 1}, reverse=True):
        torch.set_num_threads(threads)
        times[threads] = best_ms(torch_step, repeat)
    torch.set_num_threads(default_threads)
    return t_alt, t_graph, times, err


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--d", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    import torch

    print(f"BatchNorm forward + backward, train mode, x of shape ({args.n}, {args.d}); best of {args.repeat}")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, numpy {np.__version__}, "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads by default)\n")
    header = f"{'dtype':8s} {'ref (alt)':>10s} {'ref (graph)':>12s} {'torch':>9s} {'torch 1 thr':>12s}" \
             f" {'alt/torch':>10s} {'alt/torch 1 thr':>16s} {'graph/alt':>10s}"
    print(header)
    print("-" * len(header))
    for dtype in (np.float64, np.float32):
        t_alt, t_graph, times, err = bench(args.n, args.d, dtype, args.repeat, None)
        t_torch, t_torch1 = times[max(times)], times[1]
        print(f"{np.dtype(dtype).name:8s} {t_alt:8.2f}ms {t_graph:10.2f}ms {t_torch:7.2f}ms {t_torch1:10.2f}ms"
              f" {t_alt / t_torch:9.2f}x {t_alt / t_torch1:15.2f}x {t_graph / t_alt:9.2f}x")
    print("\nratio = reference time / PyTorch time (target: within 2x). Max relative difference of the gradients "
          "vs PyTorch was checked before timing.")


if __name__ == "__main__":
    main()
