"""10_capstone's two budgets: the solution's Run All (under 3 minutes on 2 CPU cores) and the trusted grading of
one submission (under 90 s), measured, never asserted.

    python benchmarks/bench_capstone.py            # both
    python benchmarks/bench_capstone.py --judge    # only the trusted checks (the solution's answers, judged)

Run All uses a fresh IPC kernel, as grading does (benchmarks/run_solutions.py). The judge part runs the
solution's setup and answer cells in a plain child process (judge.BareLauncher: no sandbox, same code path
otherwise) and every check of autograde/checks/capstone.py against it, printing each check's time. A real
submission also runs its notebook under nbgrader first: the sum of the two figures is the cost of one
submission.
"""
import os
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOTEBOOK = ROOT / "solutions" / "10_capstone" / "capstone.ipynb"


def run_all():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run_solutions import execute

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    start = time.perf_counter()
    execute(nb, NOTEBOOK.parent)
    seconds = time.perf_counter() - start
    errors = [o.get("ename") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    print(f"Run All of the solution: {seconds:.1f} s ({'errors: ' + ', '.join(errors) if errors else 'no errors'})")
    return seconds


def judge():
    from autograde import judge as J

    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    cells, tests = [], []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("grade") and not meta.get("solution"):
            tests.append(meta["grade_id"])
        elif meta.get("solution") or meta.get("locked"):
            cells.append((f"cell {index} ({meta.get('grade_id')})", cell.source))
    start = time.perf_counter()
    verdicts, notes = J.judge_notebook(cells, tests, J.load_checks("capstone"), J.BareLauncher(),
                                       str(NOTEBOOK.parent))
    seconds = time.perf_counter() - start
    for gid in tests:
        v = verdicts[gid]
        print(f"  {gid:28s} {'pass' if v.passed else 'FAIL'} {v.seconds:6.1f} s" + ("" if v.passed else f"  {v.message[:120]}"))
    print(f"trusted checks of one submission (agent start included): {seconds:.1f} s; "
          f"{sum(v.passed for v in verdicts.values())} / {len(tests)} passed" + (f"; notes: {notes}" if notes else ""))
    return seconds


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    total = 0.0
    if "--judge" not in sys.argv:
        total += run_all()
    total += judge()
    if "--judge" not in sys.argv:
        print(f"one submission, Run All + trusted checks: {total:.1f} s (budget 90 s for grading, 180 s for Run All)")
