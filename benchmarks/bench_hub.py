"""Benchmark: a class on the course's JupyterHub, from "release" to "every student has feedback".

    sudo .venv/bin/python benchmarks/bench_hub.py [--students 20] [--assignment 01_activations]
                                                  [--concurrency 2] [--keep]

As root, on this machine: creates an instructor and N student accounts, copies the course into a
folder the instructor owns and prepares the hub's folder with deploy/hub.py (the environment every
account runs, the exchange, the student files, the locked course) -- none of that is timed. Then it
times, the clock starting at the release:

  release    deploy/release.sh ASSIGNMENT                      (nbgrader release_assignment, instructor)
  students   each student, as that account with the hub's student environment, in nbgrader's own API
             (the Assignment List's calls: ExchangeFactory FetchAssignment, then Submit): fetch, write
             answers (a third the solution's, a third half of them, a third the untouched stubs), submit;
             --concurrency students at a time (default 2: one per core)
  grading    deploy/grade_from_exchange.sh ASSIGNMENT         (collect, python -m autograde grade,
                                                               feedback, export, release_feedback)
  feedback   each student: FetchFeedback, and the feedback page is in their home with a score

The students' actions are the machine's work only (a real class spreads them over days), so the total
is what the hub's machine needs for a class of N from release to feedback. JupyterHub itself is not in
that path (the browser round trip is tests/test_hub.py). Accounts and folders are removed at the end
(--keep keeps the folders). Prints the figures and writes them to test-artifacts/hub/bench_hub.json.
"""
import argparse
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "deploy"))
sys.path.insert(0, str(REPO))

STUDENT = r'''
import glob, json, os, re, sys
from nbgrader.apps.baseapp import NbGrader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeFactory

action, assignment, answers_file = sys.argv[1], sys.argv[2], sys.argv[3]
os.chdir(os.path.expanduser("~"))


def config():
    # as nbgrader's Assignment List in the student's server: the Jupyter config path (the hub's
    # etc/student through JUPYTER_CONFIG_PATH) and the current folder
    app = NbGrader()
    app.load_config_file()
    cfg = app.config
    cfg.CourseDirectory.course_id = "trainlab"
    cfg.CourseDirectory.assignment_id = assignment
    return cfg


def run(kind):
    cfg = config()
    step = getattr(ExchangeFactory(config=cfg), kind)(coursedir=CourseDirectory(config=cfg),
                                                      authenticator=Authenticator(config=cfg), config=cfg)
    step.start()


if action == "work":
    run("FetchAssignment")
    answers = json.load(open(answers_file))
    for path in glob.glob(os.path.join(assignment, "*.ipynb")):
        nb = json.load(open(path))
        for cell in nb["cells"]:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell["source"] = answers[gid]
        json.dump(nb, open(path, "w"), indent=1)
    run("Submit")
    print("SUBMITTED")
else:
    run("FetchFeedback")
    pages = sorted(glob.glob(os.path.join(assignment, "feedback", "*", "*.html")))
    text = open(pages[-1]).read() if pages else ""
    found = re.search(r"\(Score: ([0-9.]+) / ([0-9.]+)\)", text)
    print("FEEDBACK " + json.dumps({"page": pages[-1] if pages else None,
                                     "score": [float(found.group(1)), float(found.group(2))] if found else None}))
'''


def _useradd(name):
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)


def _userdel(name):
    subprocess.run(["userdel", "--remove", name], capture_output=True)


def answer_sets(course, assignment):
    """(kind, {grade_id: source}) for each kind of student: solution, half of it, the stubs."""
    import nbformat

    solution = nbformat.read(next((course / "solutions" / assignment).glob("*.ipynb")), as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    ids = list(answers)
    return [("solution", answers), ("half", {k: answers[k] for k in ids[: len(ids) // 2]}), ("stubs", {})]


def as_student(s, hub, user, args, timeout=900):
    env = dict(hub.environment(s, "student"), HOME=pwd.getpwnam(user).pw_dir, USER=user, LOGNAME=user,
               LANG="C.UTF-8")
    t0 = time.perf_counter()
    r = subprocess.run([hub.RUNUSER, "-u", user, "--", str(s.python), "-c", STUDENT, *args], env=env, cwd="/",
                       capture_output=True, text=True, timeout=timeout)
    if r.returncode:
        raise RuntimeError(f"{user} {args[0]} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
    return r.stdout, time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--assignment", default="01_activations")
    parser.add_argument("--concurrency", type=int, default=2, help="students acting at once (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the course and hub folders")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("run as root: the benchmark creates accounts and acts as them")
    import hub

    tag = f"tlb{secrets.token_hex(2)}"
    instructor = f"{tag}prof"
    students = [f"{tag}s{i:02d}" for i in range(args.students)]
    course = Path(tempfile.mkdtemp(prefix="trainlab-bench-course-", dir="/tmp"))
    hub_dir = Path(tempfile.mkdtemp(prefix="trainlab-bench-hub-", dir="/tmp"))
    made = []
    figures = {"students": args.students, "assignment": args.assignment, "concurrency": args.concurrency,
               "cores": os.cpu_count()}
    try:
        for name in [instructor, *students]:
            _useradd(name)
            made.append(name)
        for name in ("solutions", "notebooks", "trainlab", "data"):
            shutil.copytree(REPO / name, course / name, ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("nbgrader_config.py", "requirements.txt"):
            shutil.copy2(REPO / name, course / name)
        subprocess.run(["chown", "-R", f"{instructor}:", str(course)], check=True)
        os.chmod(hub_dir, 0o755)
        env = dict(os.environ, TRAINLAB_COURSE=str(course), TRAINLAB_VENV=sys.prefix, TRAINLAB_HUB_DIR=str(hub_dir),
                   TRAINLAB_HUB_AUTH="dummy", TRAINLAB_HUB_IP="127.0.0.1", TRAINLAB_HUB_USERS=",".join(students))
        env.pop("TRAINLAB_INSTRUCTOR", None)
        os.environ.update({k: v for k, v in env.items() if k.startswith("TRAINLAB_")})
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "deploy" / "hub.py"), "prepare"], env=env, check=True)
        figures["prepare_s"] = round(time.perf_counter() - t0, 1)
        s = hub.settings(env)
        kinds = answer_sets(course, args.assignment)
        answer_files = {}
        for kind, answers in kinds:
            path = hub_dir / f"answers-{kind}.json"
            path.write_text(json.dumps(answers))
            path.chmod(0o644)
            answer_files[kind] = str(path)
        plan = {user: kinds[i % 3][0] for i, user in enumerate(students)}

        def deploy(*cmd):
            t = time.perf_counter()
            r = subprocess.run([str(REPO / "deploy" / cmd[0]), *cmd[1:]], env=env, capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError(f"deploy/{cmd[0]} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
            return r.stdout + r.stderr, time.perf_counter() - t

        # ---- the clock starts at the release ----
        start = time.perf_counter()
        _, figures["release_s"] = deploy("release.sh", args.assignment)
        t = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            done = list(pool.map(lambda u: as_student(s, hub, u, ["work", args.assignment, answer_files[plan[u]]]),
                                 students))
        figures["students_fetch_submit_s"] = round(time.perf_counter() - t, 1)
        figures["per_student_fetch_submit_s"] = round(sum(d[1] for d in done) / len(done), 2)
        grade_out, figures["grade_from_exchange_s"] = deploy("grade_from_exchange.sh", args.assignment)
        t = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            got = list(pool.map(lambda u: as_student(s, hub, u, ["feedback", args.assignment, "-"]), students))
        figures["students_fetch_feedback_s"] = round(time.perf_counter() - t, 1)
        figures["total_release_to_feedback_s"] = round(time.perf_counter() - start, 1)
        # ---- stop ----
        graded = re.search(r"Graded (\d+) submissions? in (\d+) s", grade_out)
        figures["pipeline_grade_s"] = int(graded.group(2)) if graded else None
        scores = {}
        for user, (out, _) in zip(students, got):
            line = next((l for l in out.splitlines() if l.startswith("FEEDBACK ")), "FEEDBACK {}")
            scores[user] = json.loads(line[len("FEEDBACK "):]).get("score")
        missing = [u for u, sc in scores.items() if sc is None]
        by_kind = {}
        for user, kind in plan.items():
            if scores[user]:
                by_kind.setdefault(kind, []).append(scores[user][0])
        figures["students_with_feedback"] = args.students - len(missing)
        figures["scores_by_kind"] = {k: sorted(set(v)) for k, v in by_kind.items()}
        for key in ("release_s", "grade_from_exchange_s"):
            figures[key] = round(figures[key], 1)
        print(json.dumps(figures, indent=1))
        print(f"\n{args.students} students, {os.cpu_count()} cores: release -> every student has feedback in "
              f"{figures['total_release_to_feedback_s']} s (release {figures['release_s']} s, students fetch+submit "
              f"{figures['students_fetch_submit_s']} s, grading from the exchange {figures['grade_from_exchange_s']} s, "
              f"students fetch feedback {figures['students_fetch_feedback_s']} s)")
        if missing:
            print(f"NO FEEDBACK for {len(missing)} students: {missing}")
        out = REPO / "test-artifacts" / "hub" / "bench_hub.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=1))
        return 1 if missing else 0
    finally:
        for name in made:
            _userdel(name)
        if not args.keep:
            shutil.rmtree(course, ignore_errors=True)
            shutil.rmtree(hub_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
