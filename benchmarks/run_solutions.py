"""Run every solution notebook top to bottom and report, per notebook, the graded test cells that pass,
the time, and the device the PyTorch cross-checks used (CUDA on a GPU machine, else the CPU).

    python benchmarks/run_solutions.py [NN_topic ...]

This is how the GPU half of the cross-checks is exercised: run it on a machine with an NVIDIA GPU
(trainlab.torchcheck picks CUDA by itself). The test suite runs the same notebooks on the CPU.
"""
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def execute(nb, cwd, timeout=600):
    """Run ``nb`` in place in a fresh kernel whose working folder is ``cwd``; errors stay in the outputs.

    IPC sockets, as the grading pipeline's kernels use (and no "running over TCP" warning per kernel).
    """
    with tempfile.TemporaryDirectory(prefix="run-notebook-") as sockets:
        km = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
        try:
            NotebookClient(nb, km=km, timeout=timeout, allow_errors=True,
                           resources={"metadata": {"path": str(cwd)}}).execute()
        finally:
            km.shutdown_kernel(now=True)   # nbclient leaves a kernel it did not start running


def run(path, timeout=600):
    nb = nbformat.read(str(path), as_version=4)
    start = time.perf_counter()
    execute(nb, path.parent, timeout)
    seconds = time.perf_counter() - start
    tests = [c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    failed = [c.metadata.nbgrader.grade_id for c in tests
              if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    errors = [(i, o.ename, o.evalue[:120]) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    devices = sorted({line.strip() for line in text.splitlines() if "torch" in line and ("cuda" in line or "cpu" in line)})
    return seconds, len(tests), failed, errors, devices


def main(names):
    folders = sorted(p for p in (ROOT / "solutions").iterdir() if p.is_dir() and (not names or p.name in names))
    import torch
    print(f"torch {torch.__version__}, CUDA available: {torch.cuda.is_available()}"
          + (f" ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else ""))
    total_failed = 0
    for folder in folders:
        for path in sorted(folder.glob("*.ipynb")):
            seconds, n, failed, errors, devices = run(path)
            total_failed += len(failed)
            print(f"{folder.name:22s} {n - len(failed):2d}/{n:2d} test cells pass  {seconds:6.1f} s  "
                  f"{' | '.join(devices)[:150]}")
            for e in errors:
                print(f"    cell {e[0]}: {e[1]}: {e[2]}")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
