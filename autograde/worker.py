"""Grade one (student, assignment) in a throwaway course folder: ``grade_task(task) -> Outcome``.

Runs in a worker process (or a Dask worker). nbgrader's own Autograde does the work in a temporary
course built from the task (cell restoration, the gradebook of that temporary course, feedback), with
two preprocessors of ours in its list (autograde/execute.py): SandboxedExecute runs the notebook in
the sandbox for its outputs, the Judge decides each test cell's verdict outside it. The worker writes
nothing into the instructor's course: it returns plain data (autograded notebooks, feedback, notes).
"""
import atexit
import copy
import json
import os
import shutil
import tempfile
import threading
import time
import traceback
from pathlib import Path

from autograde.records import Outcome, notes_markdown
from autograde.sandbox import Limits
from autograde.submission import Unreadable, read_regular

EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")   # what nbgrader's exchange adds to a submission
_WORKER = {}
_TASK_LOCK = threading.Lock()


def quiet():
    """nbgrader 0.9 with SQLAlchemy 2 warns 'not in session' on every submission: harmless (PLATFORM_NOTES)."""
    import warnings
    warnings.filterwarnings("ignore", message=".*not in session.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="nbgrader")


def sweep_stale():
    """Remove the temporary folders of grading processes that were killed (they had no chance to)."""
    for base in (Path(tempfile.gettempdir()), Path("/dev/shm")):
        try:
            entries = list(base.glob("trainlab-*-*-*"))
        except OSError:
            continue
        for d in entries:
            parts = d.name.split("-")
            if len(parts) < 4 or parts[1] not in ("grade", "master", "db") or not parts[2].isdigit():
                continue
            try:
                os.kill(int(parts[2]), 0)
            except ProcessLookupError:
                shutil.rmtree(d, ignore_errors=True)
            except PermissionError:
                pass


def _state(settings):
    """Per-process set-up, once per run: nbgrader imported, the sandbox built, the template gradebooks."""
    state = _WORKER.get(settings["key"])
    if state is not None:
        return state
    from autograde.course import ensure_tools_on_path
    from autograde.execute import Judge, SandboxedExecute
    from autograde.sandbox import Sandbox, resolve_mode
    ensure_tools_on_path()
    import nbgrader.apps  # noqa: F401 - the slow import, paid once per worker
    base = Path(settings.get("run_dir") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    sweep_stale()
    run_dir = Path(tempfile.mkdtemp(prefix=f"trainlab-grade-{os.getpid()}-", dir=base))
    os.chmod(run_dir, 0o711)
    limits = Limits(**settings["limits"])
    box = Sandbox(resolve_mode(settings["sandbox"]), limits, run_dir)
    template = run_dir / "template"
    template.mkdir()
    for name, data in settings["templates"].items():
        (template / name).write_bytes(data)
    shm = Path("/dev/shm")
    db_dir = run_dir
    if shm.is_dir() and os.access(shm, os.W_OK):     # an in-memory scratch gradebook: no fsync per commit
        db_dir = Path(tempfile.mkdtemp(prefix=f"trainlab-db-{os.getpid()}-", dir=shm))
    release_worker_state()
    _WORKER[settings["key"]] = state = {
        "run_dir": run_dir, "db_dir": db_dir, "sandbox": box, "limits": limits, "template": template,
        "config": settings["config"], "execute": SandboxedExecute, "judge": Judge}
    return state


def release_worker_state():
    """Remove this process's grading folders (at exit, and after an in-process run)."""
    for state in _WORKER.values():
        state["sandbox"].kill_all()
        for d in (state["run_dir"], state["db_dir"]):
            shutil.rmtree(d, ignore_errors=True)
    _WORKER.clear()


atexit.register(release_worker_state)


def grade_task(task):
    """Grade one Task in a fresh temporary course; returns an Outcome (plain data). Never raises."""
    with _TASK_LOCK:   # one notebook at a time per process (Dask workers may run several threads)
        quiet()
        t0 = time.perf_counter()
        out = Outcome(student=task["student"], assignment=task["assignment"], hash=task["hash"], notebooks={},
                      files={}, feedback={}, notes=[], events=[], suspicious=[], sandbox=None, timing={},
                      diagnoses={})
        try:
            state = _state(task["settings"])
            out["sandbox"] = state["sandbox"].describe()
            _grade(state, task, out)
        except Exception:  # noqa: BLE001 - report, never crash the pool
            out["error"] = traceback.format_exc()[-4000:]
        out["seconds"] = time.perf_counter() - t0
        return out


def _workspace(state, task):
    """A temporary nbgrader course: source/<a>/ (the other source files), submitted/<s>/<a>/, a gradebook copy."""
    from nbgrader.api import Gradebook
    student, assignment = task["student"], task["assignment"]
    ws = state["run_dir"] / f"ws-{os.getpid()}"
    if ws.exists():
        shutil.rmtree(ws)
    (ws / "source" / assignment).mkdir(parents=True)
    sub_dir = ws / "submitted" / student / assignment
    sub_dir.mkdir(parents=True)
    os.chmod(ws, 0o711)
    for rel, data in task["source_files"].items():
        dest = ws / "source" / assignment / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
    db = state["db_dir"] / f"gradebook-{os.getpid()}.db"
    shutil.copy(state["template"] / f"{assignment}.db", db)
    if task.get("duedate"):   # so that nbgrader's late penalty shows in the feedback as in the course
        with Gradebook(f"sqlite:///{db}") as gb:
            gb.update_or_create_assignment(assignment, duedate=task["duedate"])
    return ws, sub_dir, db


def _api(state, ws, db):
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                        SaveAutoGrades)
    from traitlets.config import Config

    from autograde.course import make_api
    from autograde.sanitize import SanitizeSubmission
    extra = Config()
    extra.CourseDirectory.root = str(ws)
    extra.CourseDirectory.source_directory = "source"
    extra.CourseDirectory.submitted_directory = "submitted"
    extra.CourseDirectory.autograded_directory = "autograded"
    extra.CourseDirectory.feedback_directory = "feedback"
    extra.CourseDirectory.release_directory = "release"
    extra.CourseDirectory.db_url = f"sqlite:///{db}"
    extra.Autograde.autograde_preprocessors = [state["execute"], state["judge"], IgnorePattern,
                                               ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
                                               AssignLatePenalties, CheckCellMetadata, SanitizeSubmission]
    cfg = copy.deepcopy(state["config"])
    cfg.merge(extra)
    api = make_api(cfg)
    api.log.setLevel("ERROR")
    return api


def _grade(state, task, out):
    from autograde.submission import prepare
    student, assignment = task["student"], task["assignment"]
    ws, sub_dir, db = _workspace(state, task)
    files = dict(task["files"])
    for name in EXCHANGE_FILES:            # nbgrader's own files in a submission, not the student's
        if name in files:
            (sub_dir / name).write_bytes(files.pop(name))
    prepared = prepare(files, task["release"], task["known_ids"], task.get("source_locked"))
    out["notes"] += list(task.get("unread", ())) + prepared.notes
    graded = []
    for name, entry in prepared.notebooks.items():
        out["notebooks"][Path(name).stem] = entry["status"]
        out["notes"] += entry["notes"]
        out["suspicious"] += entry["suspicious"]
        if entry["text"] is not None:
            (sub_dir / name).write_text(entry["text"])
            graded.append(name)
    if graded:
        context = {"sandbox": state["sandbox"], "limits": state["limits"], "reports": {}}
        state["execute"].context = state["judge"].context = context
        api = _api(state, ws, db)
        cwd = os.getcwd()
        try:
            result = api.autograde(assignment, student, force=True, create=True)
        finally:
            os.chdir(cwd)
        if not result["success"]:
            raise RuntimeError(f"nbgrader autograde failed:\n{result.get('error')}\n{result.get('log', '')[-3000:]}")
        for report in context["reports"].values():
            out["events"] += [list(e) for e in report["events"]]
            out["notes"] += report["notes"]
            out["diagnoses"].update(report.get("diagnoses", {}))
            for k, v in report.get("timing", {}).items():
                out["timing"][k] = out["timing"].get(k, 0.0) + v
        _collect(api, ws, student, assignment, out, task.get("feedback"), graded)
    shutil.rmtree(ws, ignore_errors=True)
    for leftover in (db, db.with_name(db.name + "-journal")):
        if leftover.exists():
            leftover.unlink()


def _collect(api, ws, student, assignment, out, feedback, notebooks):
    """The autograded notebooks (with the grader's notes on top) and, if asked, nbgrader's feedback.

    Only what the grader asked for comes back: the release's notebook names (``notebooks``) and their
    feedback pages, each read as a regular file without following a link (submission.read_regular),
    and rewritten by replacing the file (os.replace), never chmodded or written through a link.
    """
    text = notes_markdown(out)
    adir = ws / "autograded" / student / assignment
    for name in notebooks:
        try:
            data = read_regular(adir / name)
        except Unreadable as e:
            out["notes"].append(f"the autograded {name} {e}")
            continue
        if text:
            data = _with_notes(data, text)
            _replace(adir / name, data)     # generate_feedback shows the notes too
        out["files"][name] = data
    if feedback and out["files"] and api.generate_feedback(assignment, student, force=True)["success"]:
        fdir = ws / "feedback" / student / assignment
        for name in out["files"]:
            page = Path(name).stem + ".html"
            try:
                out["feedback"][page] = read_regular(fdir / page)
            except Unreadable as e:
                out["notes"].append(f"the feedback page {page} {e}")


def _with_notes(data, text):
    """The notebook JSON ``data`` with a markdown cell of the grader's notes first."""
    nb = json.loads(data)
    nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "id": "grader-notes", "source": text})
    return json.dumps(nb, indent=1).encode()


def _replace(path, data):
    """Write ``data`` as a new regular file at ``path`` (a link or anything else there is replaced, not followed)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
