"""Benchmark: grading a class with serial `nbgrader autograde`, with this pipeline, and the bare floor.

    python benchmarks/bench_autograde.py [--students 40] [--workers 2] [--assignments 01_activations ...]

Builds a synthetic class in a temporary course (for each assignment, a third of the students submit
the solution's answers, a third half of them, a third the untouched release), then measures, on the
same machine, one after the other:

  floor     the bare execution of exactly the notebooks nbgrader runs (submissions with the locked cells
            put back), one nbclient kernel each, serially;
  nbgrader  `nbgrader autograde ASSIGNMENT --force`, the serial command, for every assignment;
  pipeline  `python -m autograde grade --workers N` from a cold start (imports, generation,
            worker start-up, sandboxed kernels, merging into the gradebook all included).

It prints the times and the ratios the issue asks for (pipeline at least 1.8x faster than serial
nbgrader on 2 cores; pipeline within 1.25x of floor / workers), the per-notebook overhead, and
checks that the pipeline's grades equal nbgrader's. OMP/MKL threads are pinned to 1 for all three.
Prints figures; never asserts a time.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
BIN = os.path.dirname(sys.executable)


def _cells(path):
    import nbformat
    return nbformat.read(str(path), as_version=4)


def build_course(root, assignments, students):
    """Course root with solutions, generated releases and a synthetic class; returns notebooks to floor-run."""
    import nbformat
    (root / "solutions").mkdir(parents=True)
    for a in assignments:
        shutil.copytree(REPO / "solutions" / a, root / "solutions" / a)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])
    floor = []
    for a in assignments:
        r = subprocess.run([f"{BIN}/nbgrader", "generate_assignment", a, "--force"], cwd=root, env=env,
                           capture_output=True, text=True)
        if r.returncode:
            raise SystemExit(f"generate_assignment {a} failed:\n{r.stderr[-2000:]}")
        for sol_path in sorted((root / "solutions" / a).glob("*.ipynb")):
            sol = _cells(sol_path)
            rel = _cells(root / "notebooks" / a / sol_path.name)
            answers = [c for c in sol.cells if c.metadata.get("nbgrader", {}).get("solution")]
            locked = {c.metadata["nbgrader"]["grade_id"]: c.source for c in sol.cells
                      if c.metadata.get("nbgrader", {}).get("locked")}
            for i in range(students):
                kind = ("correct", "partial", "stub")[i % 3]
                keep = {c.metadata["nbgrader"]["grade_id"]: c.source
                        for k, c in enumerate(answers) if kind == "correct" or (kind == "partial" and k % 2 == 0)}
                nb = nbformat.reads(nbformat.writes(rel), as_version=4)
                for c in nb.cells:
                    gid = c.metadata.get("nbgrader", {}).get("grade_id")
                    if c.metadata.get("nbgrader", {}).get("solution") and gid in keep:
                        c.source = keep[gid]
                student = f"s{i:03d}-{kind}"
                d = root / "autograde" / "work" / "submitted" / student / a
                d.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, str(d / sol_path.name))
                run = nbformat.reads(nbformat.writes(nb), as_version=4)     # what nbgrader executes
                for c in run.cells:
                    gid = c.metadata.get("nbgrader", {}).get("grade_id")
                    if gid in locked:
                        c.source = locked[gid]
                floor.append((run, d))
    return floor


def run_floor(notebooks):
    from run_solutions import execute   # benchmarks/run_solutions.py: one fresh IPC kernel per notebook
    t0 = time.perf_counter()
    for nb, cwd in notebooks:
        execute(nb, cwd)
    return time.perf_counter() - t0


def run_nbgrader(root, assignments):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ["PATH"])
    t0 = time.perf_counter()
    for a in assignments:
        r = subprocess.run([f"{BIN}/nbgrader", "autograde", a, "--force"], cwd=root, env=env,
                           capture_output=True, text=True)
        if r.returncode:
            print(r.stderr[-2000:])
    return time.perf_counter() - t0


def scores(db_url):
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        return {(a.name, s.student.id): round(s.score, 6) for a in gb.assignments for s in a.submissions}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, default=40)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--assignments", nargs="*", default=["01_activations"])
    p.add_argument("--sandbox", default="auto")
    p.add_argument("--keep", action="store_true", help="keep the temporary course")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-autograde-"))
    try:
        ref, pipe = tmp / "nbgrader", tmp / "pipeline"
        floor_nbs = build_course(ref, args.assignments, args.students)
        shutil.copytree(ref / "solutions", pipe / "solutions")
        shutil.copytree(ref / "autograde" / "work" / "submitted", pipe / "autograde" / "work" / "submitted")
        n = len(floor_nbs)
        print(f"{n} notebooks ({args.students} students x {', '.join(args.assignments)}), "
              f"{os.cpu_count()} cores visible, load average {os.getloadavg()[0]:.1f}")
        t_floor = run_floor(floor_nbs)
        print(f"  floor    (bare nbclient, serial)        {t_floor:7.1f} s   {t_floor / n:5.2f} s/notebook")
        t_nbg = run_nbgrader(ref, args.assignments)
        print(f"  nbgrader (serial autograde)             {t_nbg:7.1f} s   {t_nbg / n:5.2f} s/notebook")
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "autograde", "--root", str(pipe), "grade", "--workers",
                            str(args.workers), "--sandbox", args.sandbox, "--quiet"],
                           cwd=REPO, capture_output=True, text=True)
        t_pipe = time.perf_counter() - t0
        if r.returncode:
            print(r.stdout[-2000:], r.stderr[-3000:])
        print(f"  pipeline (--workers {args.workers})                 {t_pipe:7.1f} s   {t_pipe / n:5.2f} s/notebook")
        sandbox = [ln for ln in r.stdout.splitlines() if "kernels ran under" in ln]
        if sandbox:
            print(f"  ({sandbox[0].split('; ')[-1]})")
        print(f"\n  nbgrader / pipeline            {t_nbg / t_pipe:5.2f}x   (target >= 1.8x)")
        print(f"  pipeline / (floor / workers)   {t_pipe / (t_floor / args.workers):5.2f}x   (target <= 1.25x)")
        print(f"  worker time per notebook beyond the floor: {(t_pipe * args.workers - t_floor) / n:5.2f} s "
              f"(serial nbgrader: {(t_nbg - t_floor) / n:5.2f} s)")
        parts = {}
        for path in (pipe / "autograde" / "work" / "results").glob("*/*.json"):
            rec = json.loads(path.read_text())
            for k, v in dict(rec.get("timing", {}), total=rec["seconds"]).items():
                parts[k] = parts.get(k, 0.0) + v / n
        if parts:
            other = parts["total"] - sum(v for k, v in parts.items() if k != "total")
            print("  per notebook in a worker: " + ", ".join(f"{k} {v:.2f} s" for k, v in sorted(parts.items())
                                                        if k != "total") +
                  f", nbgrader and files {other:.2f} s (notebook = the sandboxed kernel run for the outputs; "
                  "judge = the trusted checks, their agent's start included)")
        busy = max(load_before, os.getloadavg()[0])
        if busy > args.workers + 0.5:
            print(f"  NOTE: load average {busy:.1f} on {os.cpu_count()} cores: other processes competed for the "
                  "cores; the parallel run suffers most.")
        same = scores(f"sqlite:///{ref}/autograde/work/gradebook.db") == \
            scores(f"sqlite:///{pipe}/autograde/work/gradebook.db")
        print(f"  grades identical to nbgrader's: {same}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
