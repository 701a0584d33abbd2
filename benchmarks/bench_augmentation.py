"""Benchmark: the reference augmentation pipeline on a batch of 256 images of 32x32x3 (float64, NHWC).

    python benchmarks/bench_augmentation.py [--n 256] [--size 32] [--repeat 30]

Times (best of --repeat, after a warm-up) each reference transform on its own and two whole
pipelines, each ending with mixup:
    CIFAR-style:     random_crop(padding 4) -> random_horizontal_flip -> color_jitter(0.4, 0.4)
                     -> pca_color_augment -> cutout(16) -> mixup(0.2)
    ImageNet-style:  random_resized_crop -> random_horizontal_flip -> color_jitter -> pca_color_augment
                     -> cutout -> mixup
The target is under 20 ms for the CIFAR-style pipeline (the "full pipeline" of the issue) on one
CPU core. NumPy's elementwise work is single-threaded; BLAS (two small matmuls in
random_resized_crop) is limited to one thread here so the figure does not depend on the core
count. Prints times and the ratio to the target; never asserts a time.

Two things that inflate the figures on small virtual machines: other processes (the wall time
then exceeds the CPU time), and slow page faults, since every function returns a new 6 MB array
and glibc hands freed blocks that large back to the kernel. To see the figure without the second,
run with  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=2147483647:glibc.malloc.trim_threshold=2147483647
"""
import argparse
import os
import platform
import time

import numpy as np
from threadpoolctl import threadpool_limits

from trainlab.reference import augmentation as A

TARGET_MS = 20.0


def best_ms(fn, repeat):
    """Best wall time and best CPU time of this process (ms): on a shared machine the CPU time is the steadier one."""
    fn()                                              # warm up (allocations, lazy init)
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return 1000 * wall, 1000 * cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x = rng.random((args.n, args.size, args.size, 3))
    y = np.eye(10)[rng.integers(0, 10, args.n)]
    eigvals, eigvecs = A.rgb_pca(x)
    s, cut = args.size, args.size // 2

    def cifar(x, y, r):
        x = A.random_crop(x, s, r, padding=4)
        x = A.random_horizontal_flip(x, r)
        x = A.color_jitter(x, 0.4, 0.4, r)
        x = A.pca_color_augment(x, eigvals, eigvecs, r)
        x = A.cutout(x, cut, r)
        return A.mixup(x, y, 0.2, r)

    def imagenet(x, y, r):
        x = A.random_resized_crop(x, s, r)
        x = A.random_horizontal_flip(x, r)
        x = A.color_jitter(x, 0.4, 0.4, r)
        x = A.pca_color_augment(x, eigvals, eigvecs, r)
        x = A.cutout(x, cut, r)
        return A.mixup(x, y, 0.2, r)

    r = np.random.default_rng(1)
    steps = {
        "random_crop (padding 4)": lambda: A.random_crop(x, s, r, padding=4),
        "random_horizontal_flip": lambda: A.random_horizontal_flip(x, r),
        "random_resized_crop": lambda: A.random_resized_crop(x, s, r),
        "color_jitter": lambda: A.color_jitter(x, 0.4, 0.4, r),
        "pca_color_augment": lambda: A.pca_color_augment(x, eigvals, eigvecs, r),
        "cutout": lambda: A.cutout(x, cut, r),
        "mixup": lambda: A.mixup(x, y, 0.2, r),
        "cutmix": lambda: A.cutmix(x, y, 1.0, r),
        "ten_crop (one image, 28x28)": lambda: A.ten_crop(x[0], s - 4),
        "PIPELINE CIFAR-style": lambda: cifar(x, y, r),
        "PIPELINE ImageNet-style": lambda: imagenet(x, y, r),
    }
    print(f"augmentation benchmark: {args.n} images of {s}x{s}x3 float64, best of {args.repeat}")
    print(f"numpy {np.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, GLIBC_TUNABLES={os.environ.get('GLIBC_TUNABLES', '(unset)')}")
    with threadpool_limits(limits=1, user_api="blas"):
        print(f"  {'':30s} {'wall':>8s}    {'CPU':>8s}")
        for name, fn in steps.items():
            wall, cpu = best_ms(fn, args.repeat)
            extra = f"   ({wall / TARGET_MS:.2f} x the {TARGET_MS:.0f} ms target)" if name.startswith("PIPELINE") else ""
            print(f"  {name:30s} {wall:8.2f} ms {cpu:8.2f} ms{extra}")


if __name__ == "__main__":
    main()
