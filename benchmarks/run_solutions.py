"""Run every solution notebook top to bottom and report, per notebook, the graded test cells that pass,
the time, and the device the PyTorch cross-checks used (CUDA on a GPU machine, else the CPU); then the work a student
meets, counted from the release notebook, and the time estimate derived from the counts and the measured Run All
(the "Estimated time" of each notebook's introduction is this line; issue 25).

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


# Rates of the estimate (minutes; assumed, the counts they multiply are measured). Reading: 200 words a minute for prose,
# 150 for code. Writing: 10 minutes per graded function (one test cell grades one function, forward/backward pair or update
# rule); a prediction 3; a written answer 8. Plus the measured Run All.
PROSE_WPM, CODE_WPM, PER_FUNCTION, PER_PREDICTION, PER_WRITTEN = 200, 150, 10, 3, 8


def count_work(nb):
    """What a student meets in a release notebook: words of prose, words of code to read, functions to write,
    predictions, written answers. Returns a dict of counts."""
    cells = nb.cells
    meta = [c.get("metadata", {}).get("nbgrader", {}) for c in cells]
    answer = [bool(m.get("solution")) and not m.get("grade") for m in meta]
    prose = sum(len(c.source.split()) for c, m in zip(cells, meta) if c.cell_type == "markdown" and not m.get("grade"))
    code = sum(len(c.source.split()) for c, a in zip(cells, answer) if c.cell_type == "code" and not a)
    functions = sum(1 for c, m in zip(cells, meta) if c.cell_type == "code" and m.get("grade")
                    and not str(m.get("grade_id", "")).startswith("q_"))      # one test cell grades one function
    predictions = sum(1 for m in meta if m.get("grade") and str(m.get("grade_id", "")).startswith("q_"))
    written = sum(1 for m in meta if m.get("grade") and str(m.get("grade_id", "")).startswith("explain_"))
    return {"prose_words": prose, "code_words": code, "functions": functions, "predictions": predictions,
            "written": written}


def estimate_minutes(counts, run_all_seconds):
    """(total minutes, the parts as text) from count_work's counts and a measured Run All time."""
    parts = {"prose": counts["prose_words"] / PROSE_WPM, "code to read": counts["code_words"] / CODE_WPM,
             "functions": counts["functions"] * PER_FUNCTION, "predictions": counts["predictions"] * PER_PREDICTION,
             "written": counts["written"] * PER_WRITTEN, "Run All": run_all_seconds / 60}
    text = ", ".join(f"{name} {minutes:.0f}" for name, minutes in parts.items())
    return sum(parts.values()), text


def describe(folder, seconds):
    """One line: the counted work of the release notebook in `folder`'s name and the estimate."""
    release = sorted((ROOT / "notebooks" / folder.name).glob("*.ipynb"))
    if not release:
        return ""
    counts = count_work(nbformat.read(str(release[0]), as_version=4))
    total, text = estimate_minutes(counts, seconds)
    return (f"    work: {counts['prose_words']} words of prose, {counts['code_words']} words of code, "
            f"{counts['functions']} functions, {counts['predictions']} predictions, {counts['written']} written answers"
            f"\n    estimate: {total:.0f} min = {text} (minutes)")


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
            print(describe(folder, seconds))
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
