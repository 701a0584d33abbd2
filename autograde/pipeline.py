"""Grade a whole class with nbgrader: in parallel, resumable, on one machine or a Dask cluster.

    grade_class(root, assignment=None, students=None, workers=None, sandbox="auto", scheduler=None,
                progress=True, limits=None, feedback=False, force=False, db_url=None) -> [Record]

The way a submission goes, in one direction:

    submitted/<student>/<assignment>/   --Task-->      worker.grade_task (a worker process, a Dask worker)
        nbgrader Autograde in a temporary course: SandboxedExecute runs the notebook in the sandbox,
        the Judge decides each test cell outside it (autograde/execute.py, judge.py, checks/)
                                        --Outcome-->   store.save_outcome (this process only)
        autograded/ and feedback/ files, grades through nbgrader's SaveAutoGrades, then the Record

Modules: course (the course and its assignments), records (Task, Outcome, Record, STATUS_ORDER),
worker, backends (in process, a process pool, Dask), execute + judge + agent (grading one notebook),
sandbox (limits and isolation), store (the gradebook and result files), report (summaries and CSVs).
"""
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograde import backends, store
from autograde.course import ROOT, Course, prepare_assignments
from autograde.records import STATUS_ORDER, make_record
from autograde.sandbox import Limits
from autograde.submission import read_folder
from autograde.worker import quiet, release_worker_state, sweep_stale

GRADER_VERSION = "trainlab-autograde-2"    # part of every submission's hash: a new grader regrades everything


# ---------------------------------------------------------------------------------- tasks

def _hash_files(files, *extra):
    h = hashlib.sha256()
    for part in (GRADER_VERSION,) + extra:
        h.update(str(part).encode())
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def _read_submission(directory):
    """({relative path: bytes}, [notes on what was not read]): regular files only, no link followed."""
    files, skipped = read_folder(directory)
    return files, [f"submitted file {line}" for line in skipped]


def _default_workers():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def grade_class(root=ROOT, assignment=None, students=None, workers=None, sandbox="auto", scheduler=None,
                progress=True, limits=None, feedback=False, force=False, db_url=None, run_dir=None):
    """Autograde every submission under the course's submitted/ folder (see the module docstring).

    root: course root; assignment: one name or None for all; students: names or None for all;
    workers: parallel worker processes (default: the number of cores; 1 grades in this process);
    sandbox: "auto" (bubblewrap when it works, else rlimits only), "bwrap", "rlimit" or "none";
    scheduler: a Dask scheduler address (then workers is ignored); limits: a Limits or a dict of
    its fields; feedback: also write HTML feedback; force: regrade unchanged submissions;
    db_url: a gradebook URL instead of the config's (sqlite:///... or postgresql+psycopg2://...).
    Returns one record per (student, assignment), sorted by assignment then student.
    """
    quiet()
    course = Course(root, db_url=db_url)
    if isinstance(limits, dict):
        limits = Limits(**limits)
    limits = limits or Limits()
    if assignment and assignment not in course.assignments():
        raise ValueError(f"no assignment {assignment!r} in {course.source}")
    pairs = course.submissions(assignment, students)
    sweep_stale()
    tmp = Path(tempfile.mkdtemp(prefix=f"trainlab-master-{os.getpid()}-"))
    records, failures = {}, 0
    n_workers = 1 if scheduler is None and (workers == 1 or len(pairs) <= 1) else (workers or _default_workers())
    warm_pool = None
    if scheduler is None and n_workers > 1:
        warm_pool = backends.make_pool(min(n_workers, len(pairs)))
        for _ in range(min(n_workers, len(pairs))):
            warm_pool.submit(os.getpid)    # starts the worker processes now; their imports overlap ours
    try:
        needed = sorted({a for _, a in pairs})
        info = prepare_assignments(course, needed, tmp, GRADER_VERSION) if needed else {}
        settings = {
            "key": hashlib.sha256(f"{time.time()}{os.getpid()}".encode()).hexdigest()[:16],
            "sandbox": sandbox, "limits": limits.as_dict(), "config": course.config,
            "templates": {f"{a}.db": info[a]["template"] for a in needed},
            "run_dir": run_dir,
        }
        known = course.grade_ids()
        tasks = []
        from nbgrader.api import Gradebook
        with Gradebook(course.db_url) as gb:
            for student, a in pairs:
                files, unread = _read_submission(course.submitted / student / a)
                digest = _hash_files(files, info[a]["digest"], *unread)
                old = store.load_record(course, student, a)
                if not force and old and old.get("hash") == digest and old.get("status") != "error" \
                        and store.has_submission(gb, a, student):
                    records[(a, student)] = old
                    continue
                tasks.append({"student": student, "assignment": a, "hash": digest, "files": files,
                              "release": info[a]["release"], "source_files": info[a]["source_files"],
                              "source_locked": info[a]["source_locked"], "duedate": info[a]["duedate"],
                              "unread": unread, "known_ids": known, "feedback": feedback,
                              "settings": settings})
            bar = _progress(len(tasks), len(records), progress)
            by_key = {(t["assignment"], t["student"]): t for t in tasks}
            try:
                for attempt in range(2):   # a grader failure (not the student's) is retried once
                    retry = []
                    for out in backends.run(tasks, n_workers, scheduler, warm_pool if attempt == 0 else None):
                        a = out["assignment"]
                        if out.get("error") and attempt == 0:
                            retry.append(by_key[(a, out["student"])])
                            continue
                        if out.get("error"):
                            record = make_record(out, {}, info[a]["max_score"])   # keeps the error's tail
                        else:
                            record = _save(course, gb, out, info[a]["max_score"])
                        store.save_record(course, record)
                        records[(a, out["student"])] = record
                        failures += record["status"] != "graded"
                        bar.update(record, failures)
                    tasks = retry
                    if not tasks:
                        break
            finally:
                bar.close()
    finally:
        if warm_pool is not None:
            warm_pool.shutdown(wait=False, cancel_futures=True)
        release_worker_state()   # what grading in this process (workers=1) left
        shutil.rmtree(tmp, ignore_errors=True)
    wanted = {s for _, s in records}                   # the scores, as the gradebook holds them now
    return [r for r in store.class_records(course, assignment, wanted) if (r.assignment, r.student) in records]


def _save(course, gb, out, max_score):
    """store.save_outcome, or an error record for this submission alone when what it sent cannot be kept."""
    try:
        return store.save_outcome(course, gb, out, max_score)
    except Exception as e:  # noqa: BLE001 - one submission's bad file never stops the class
        gb.db.rollback()
        failed = dict(out, error=f"its graded files could not be stored: {type(e).__name__}: {str(e)[:300]}")
        return make_record(failed, {}, max_score)


class _Progress:
    def __init__(self, total, done, enabled):
        self.bar = None
        if enabled and total:
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="nb", desc="grading", dynamic_ncols=True, file=sys.stderr)
            if done:
                self.bar.write(f"{done} submissions unchanged since the last run: kept their grades")

    def update(self, record, failures):
        if self.bar is not None:
            self.bar.set_postfix_str(f"failures={failures}", refresh=False)
            self.bar.update(1)
            if record["status"] != "graded":
                self.bar.write(f"  {record['student']}/{record['assignment']}: {record['status']}: "
                               f"{record['reason'][:150]}")

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _progress(total, done, enabled):
    return _Progress(total, done, enabled)


records_from_results = store.records_from_results

__all__ = ["grade_class", "records_from_results", "Course", "Limits", "STATUS_ORDER"]
