"""Grade a whole class with nbgrader: in parallel, resumable, on one machine or a Dask cluster.

    grade_class(root, assignment=None, students=None, workers=None, sandbox="auto", scheduler=None,
                progress=True, limits=None, feedback=False, force=False, db_url=None) -> list of records

One record per (student, assignment):
    student, assignment, score, max_score, status, tests {grade_id: (score, max_score)}, reason,
    plus notebooks {name: status}, notes [...], seconds, sandbox, hash.
status is "graded" or what went wrong, the worst first: "error" (the grader failed; retried next run),
"tampering", "crashed", "timeout", "memory", "output", "sandbox", "invalid", "missing".

How it works
------------
* The master generates each assignment (nbgrader generate_assignment into a temporary folder, never
  notebooks/) into a template SQLite gradebook, cached under autograde/work/.grader-cache by the hash
  of solutions/<assignment>, and into the course gradebook when that one is not up to date.
* Each (student, assignment) is a task carrying everything it needs (the submitted bytes, the
  release notebooks, the template gradebook, the course config): a worker grades it in its own
  temporary course folder with nbgrader's own Autograde (so cell restoration, hidden tests and
  scoring are nbgrader's), through ``GuardedExecute`` (autograde/sandbox.py: sandbox, limits,
  per-cell seeds, tamper probes), after ``submission.prepare`` checked and repaired the files.
* Workers return plain data; the master alone writes the course gradebook (one transaction per
  submission, SQLite or PostgreSQL: no lock contention), the autograded notebooks, the feedback,
  and last a result file per submission holding its content hash. A run killed at any point loses
  nothing already recorded; the next run skips every submission whose hash is unchanged.
* Backends: the master itself (workers=1), a pool of spawned processes (workers=N), or a Dask
  distributed cluster (scheduler="tcp://host:8786"; autograde/dask_backend.py).
"""
import atexit
import copy
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from autograde.course import ROOT, load_config, make_api
from autograde.sandbox import Limits

GRADER_VERSION = "trainlab-autograde-1"
STATUS_ORDER = ["error", "tampering", "crashed", "timeout", "memory", "output", "sandbox", "invalid", "missing",
                "graded"]


# ---------------------------------------------------------------------------------- the course

class Course:
    """Paths and config of a course root (nbgrader_config.py is read from the repository ROOT)."""

    def __init__(self, root=ROOT, db_url=None):
        self.root = Path(root).resolve()
        overrides = {"CourseDirectory.db_url": db_url} if db_url else {}
        self.config = load_config(self.root, **overrides)
        cd = self.config.CourseDirectory
        self.db_url = cd.db_url

        def path(name, default):
            value = cd.get(name, default) if hasattr(cd, "get") else default
            p = Path(value)
            return p if p.is_absolute() else self.root / p

        self.source = path("source_directory", "source")
        self.submitted = path("submitted_directory", "submitted")
        self.autograded = path("autograded_directory", "autograded")
        self.feedback = path("feedback_directory", "feedback")
        self.work = self.submitted.parent
        self.results = self.work / "results"
        self._api = None
        exchange = Path(self.config.Exchange.root) if "root" in self.config.Exchange else None
        if exchange is not None and not exchange.exists() and self.work.exists():
            exchange.mkdir(parents=True, exist_ok=True)   # nbgrader's API complains when it is missing

    @property
    def api(self):
        if self._api is None:
            self._api = make_api(self.config)
        return self._api

    def assignments(self):
        return sorted(p.name for p in self.source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def submissions(self, assignment=None, students=None):
        """Sorted (student, assignment) pairs present in submitted/."""
        pairs = []
        if not self.submitted.is_dir():
            return pairs
        wanted = None if students is None else set(students)
        names = set(self.assignments())
        for sdir in sorted(self.submitted.iterdir()):
            if not sdir.is_dir() or (wanted is not None and sdir.name not in wanted):
                continue
            for adir in sorted(sdir.iterdir()):
                if adir.is_dir() and adir.name in names and (assignment is None or adir.name == assignment):
                    pairs.append((sdir.name, adir.name))
        return pairs

    def grade_ids(self):
        """{"assignment/notebook": [grade ids]} of every solution notebook (to spot wrong notebooks)."""
        known = {}
        for a in self.assignments():
            for nb in sorted((self.source / a).glob("*.ipynb")):
                try:
                    cells = json.loads(nb.read_text())["cells"]
                except (ValueError, KeyError, OSError):
                    continue
                known[f"{a}/{nb.stem}"] = sorted({(c.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
                                                  for c in cells
                                                  if (c.get("metadata", {}).get("nbgrader") or {}).get("grade_id")})
        return known


def _generate(config, assignment, release_dir, db_url=None):
    """nbgrader generate_assignment into ``release_dir`` (and ``db_url`` if given)."""
    from autograde.course import make_api as _make_api
    from traitlets.config import Config
    extra = Config()
    extra.CourseDirectory.release_directory = str(release_dir)
    if db_url:
        extra.CourseDirectory.db_url = db_url
    cfg = copy.deepcopy(config)
    cfg.merge(extra)
    api = _make_api(cfg)
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"generate_assignment {assignment} failed:\n{result.get('error')}\n{result.get('log')}")
    return Path(release_dir) / assignment


# ---------------------------------------------------------------------------------- tasks

def _hash_files(files, *extra):
    h = hashlib.sha256()
    for part in (GRADER_VERSION,) + extra:
        h.update(str(part).encode())
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def _read_submission(directory):
    files = {}
    for p in sorted(Path(directory).rglob("*")):
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and p.stat().st_size <= 64 << 20:
            files[str(p.relative_to(directory))] = p.read_bytes()
    return files


def _result_path(course, student, assignment):
    return course.results / assignment / f"{student}.json"


def _load_result(course, student, assignment):
    try:
        return _as_record(json.loads(_result_path(course, student, assignment).read_text()))
    except (OSError, ValueError):
        return None


def _as_record(data):
    """A record read back from JSON: test scores as (score, max_score) tuples again."""
    data["tests"] = {k: tuple(v) for k, v in data.get("tests", {}).items()}
    return data


def _atomic_write(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------- worker side

_WORKER = {}


def _worker_state(settings):
    """Per-process set-up, once per settings key: nbgrader imported, the sandbox built."""
    key = settings["key"]
    state = _WORKER.get(key)
    if state is not None:
        return state
    from autograde.course import ensure_tools_on_path
    from autograde.sandbox import Sandbox, make_guarded_execute, resolve_mode
    ensure_tools_on_path()
    import nbgrader.apps  # noqa: F401 - the slow import, paid once per worker
    base = Path(settings.get("run_dir") or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    _sweep_stale()
    run_dir = Path(tempfile.mkdtemp(prefix=f"trainlab-grade-{os.getpid()}-", dir=base))
    os.chmod(run_dir, 0o711)
    mode = resolve_mode(settings["sandbox"])
    limits = Limits(**settings["limits"])
    box = Sandbox(mode, limits, run_dir, deny_read=settings.get("deny_read", ()))
    template = run_dir / "template"
    template.mkdir()
    for name, data in settings["templates"].items():
        (template / name).write_bytes(data)
    shm = Path("/dev/shm")
    db_dir = run_dir
    if shm.is_dir() and os.access(shm, os.W_OK):
        db_dir = Path(tempfile.mkdtemp(prefix=f"trainlab-db-{os.getpid()}-", dir=shm))
    state = {"run_dir": run_dir, "db_dir": db_dir, "sandbox": box, "limits": limits, "execute": make_guarded_execute(),
             "template": template, "config": settings["config"], "tasks": 0}
    release_worker_state()
    _WORKER[key] = state
    return state


def _sweep_stale():
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


def release_worker_state():
    """Remove this process's grading folders (at exit, and after an in-process run)."""
    for state in _WORKER.values():
        state["sandbox"].kill_all()
        for d in (state["run_dir"], state["db_dir"]):
            shutil.rmtree(d, ignore_errors=True)
    _WORKER.clear()


atexit.register(release_worker_state)


def _quiet():
    """nbgrader 0.9 with SQLAlchemy 2 warns 'not in session' on every submission: harmless (PLATFORM_NOTES)."""
    import warnings
    warnings.filterwarnings("ignore", message=".*not in session.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="nbgrader")


_TASK_LOCK = threading.Lock()


def grade_task(task):
    """Grade one (student, assignment) in a fresh temporary course. Runs in a worker; returns plain data."""
    with _TASK_LOCK:   # one notebook at a time per process (Dask workers may run several threads)
        return _grade_task(task)


def _grade_task(task):
    _quiet()
    t0 = time.perf_counter()
    out = {"student": task["student"], "assignment": task["assignment"], "hash": task["hash"],
           "notebooks": {}, "grades": {}, "comments": {}, "files": {}, "feedback": {}, "notes": [],
           "events": [], "tampering": [], "errors": [], "zeroed": {}, "suspicious": [], "sandbox": None,
           "timing": {}}
    try:
        state = _worker_state(task["settings"])
        out["sandbox"] = state["sandbox"].describe()
        _grade_into(state, task, out)
    except Exception:  # noqa: BLE001 - report, never crash the pool
        out["error"] = traceback.format_exc()[-4000:]
    out["seconds"] = time.perf_counter() - t0
    return out


def _grade_into(state, task, out):
    from nbgrader.api import Gradebook
    from traitlets.config import Config

    from autograde.submission import prepare

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
    db = state["db_dir"] / f"gradebook-{os.getpid()}.db"   # in memory when /dev/shm exists: no fsync per commit
    shutil.copy(state["template"] / f"{assignment}.db", db)
    if task.get("duedate"):   # so that nbgrader's late penalties work as in the course gradebook
        with Gradebook(f"sqlite:///{db}") as gb:
            gb.update_or_create_assignment(assignment, duedate=task["duedate"])
    files = dict(task["files"])
    if "timestamp.txt" in files:
        (sub_dir / "timestamp.txt").write_bytes(files.pop("timestamp.txt"))
    prepared = prepare(files, task["release"], task["known_ids"], task.get("source_locked"))
    out["notes"] += prepared.notes
    plans = {}
    for name, entry in prepared.notebooks.items():
        nb_id = Path(name).stem
        out["notebooks"][nb_id] = entry["status"]
        out["notes"] += entry["notes"]
        out["suspicious"] += entry["suspicious"]
        if entry["text"] is not None:
            (sub_dir / name).write_text(entry["text"])
            plans[nb_id] = {"seed_base": f"{assignment}/{nb_id}", "zero": entry["zero"]}
    Execute = state["execute"]
    Execute.context = {"sandbox": state["sandbox"], "limits": state["limits"], "plans": plans, "reports": {}}
    db_url = f"sqlite:///{db}"
    if plans:
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput,
                                            SaveAutoGrades)
        cfg = copy.deepcopy(state["config"])
        extra = Config()
        extra.CourseDirectory.root = str(ws)
        extra.CourseDirectory.source_directory = "source"
        extra.CourseDirectory.submitted_directory = "submitted"
        extra.CourseDirectory.autograded_directory = "autograded"
        extra.CourseDirectory.feedback_directory = "feedback"
        extra.CourseDirectory.release_directory = "release"
        extra.CourseDirectory.db_url = db_url
        extra.Autograde.autograde_preprocessors = [Execute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                                   SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
        cfg.merge(extra)
        from autograde.course import make_api as _make_api
        api = _make_api(cfg)
        api.log.setLevel("ERROR")   # not the harmless "checksum has changed" warning for every hidden test
        cwd = os.getcwd()
        try:
            result = api.autograde(assignment, student, force=True, create=True)
        finally:
            os.chdir(cwd)
        if not result["success"]:
            raise RuntimeError(f"nbgrader autograde failed:\n{result.get('error')}\n{result.get('log', '')[-3000:]}")
        for nb_id, report in Execute.context["reports"].items():
            out["events"] += [list(e) for e in report["events"]]
            out["tampering"] += report["tampering"]
            out["errors"] += report["errors"][:3]
            out["zeroed"].update(report["zeroed"])
            for k, v in report.get("timing", {}).items():
                out["timing"][k] = out["timing"].get(k, 0.0) + v
        adir = ws / "autograded" / student / assignment
        notes_text = _notes_markdown(out)
        for p in sorted(adir.glob("*.ipynb")):
            if notes_text:
                nb = json.loads(p.read_text())
                nb["cells"].insert(0, {"cell_type": "markdown", "metadata": {}, "id": "grader-notes",
                                       "source": notes_text})
                p.write_text(json.dumps(nb, indent=1))
            out["files"][p.name] = p.read_bytes()
        if task.get("feedback"):
            fb = api.generate_feedback(assignment, student, force=True)
            if fb["success"]:
                for p in sorted((ws / "feedback" / student / assignment).glob("*.html")):
                    out["feedback"][p.name] = p.read_bytes()
    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
            notebooks = sub.notebooks
            submitted = True
        except Exception:  # noqa: BLE001 - nothing could be graded: every grade is zero
            notebooks = gb.find_assignment(assignment).notebooks
            submitted = False
        for nb in notebooks:
            name = nb.name
            grade_cells = nb.grades if submitted else nb.grade_cells
            out["grades"][name] = [
                [g.name, (g.auto_score if submitted else 0.0), float(g.max_score),
                 (bool(g.needs_manual_grade) if submitted else False)] for g in grade_cells]
            comment_cells = nb.comments if submitted else []
            out["comments"][name] = [[c.name, c.auto_comment] for c in comment_cells]
            out.setdefault("penalties", {})[name] = float(nb.late_submission_penalty or 0.0) if submitted else 0.0
    shutil.rmtree(ws, ignore_errors=True)
    for leftover in (db, db.with_name(db.name + "-journal")):
        if leftover.exists():
            leftover.unlink()
    state["tasks"] += 1


def _notes_markdown(out):
    lines = _reasons(out)
    if not lines:
        return ""
    return "**Notes from the autograder**\n\n" + "\n".join(f"* {line}" for line in lines)


def _reasons(out):
    lines = []
    if out.get("tampering"):
        lines.append("tampering: " + "; ".join(out["tampering"][:5]) + " (affected tests count zero)")
    suspected = _suspected_tampering(out)
    if suspected:
        lines.append("tampering suspected: " + "; ".join(suspected[:3]) + ", and then the kernel stopped working")
    lines += [message for _, message in out.get("events", [])]
    lines += out.get("notes", [])
    for gid, why in out.get("zeroed", {}).items():
        if "tampering" not in why and "not run" not in why:
            lines.append(f"{gid}: {why}")
    if out.get("suspicious"):
        lines.append("flagged for review: " + "; ".join(out["suspicious"][:5]))
    lines += [f"error in {e}" for e in out.get("errors", [])]
    seen, unique = set(), []
    for line in lines:
        if line not in seen:
            seen.add(line)
            unique.append(line)
    return unique


TAMPER_HINTS = ("touches builtins", "touches the import system", "mentions the reference answers",
                "changes IPython's execution", "assigns to an attribute of a library module",
                "patches a library module", "searches the garbage collector",
                "touches the interpreter's frames or trace hooks")


def _suspected_tampering(out):
    """Code that looks like tampering, in a run that then crashed or hung (so the probes could not look)."""
    kinds = {k for k, _ in out.get("events", [])}
    if not kinds & {"crash", "processes", "timeout"}:
        return []
    return [hit for hit in out.get("suspicious", []) if hit.endswith(TAMPER_HINTS)]


def _status(out):
    if out.get("error"):
        return "error"
    kinds = {k for k, _ in out.get("events", [])}
    statuses = list(out.get("notebooks", {}).values())
    if out.get("tampering") or _suspected_tampering(out):
        return "tampering"
    if "memory" in kinds:
        return "memory"
    if "crash" in kinds or "processes" in kinds:
        return "crashed"
    if "timeout" in kinds:
        return "timeout"
    if "output" in kinds:
        return "output"
    if "sandbox" in kinds:
        return "sandbox"
    if "invalid" in statuses:
        return "invalid"
    if "missing" in statuses:
        return "missing"
    return "graded"


# ---------------------------------------------------------------------------------- master side

def _record(out, assignment_max):
    tests, score, max_score = {}, 0.0, 0.0
    for nb, grades in out.get("grades", {}).items():
        for gid, auto, mx, _ in grades:
            s = float(auto or 0.0)
            key = gid if gid not in tests else f"{nb}:{gid}"
            tests[key] = (s, float(mx))
            score += s
            max_score += float(mx)
    if not tests:
        max_score = assignment_max
    status = _status(out)
    reason = "; ".join(_reasons(out)) if status != "error" else _error_summary(out["error"])
    return {"student": out["student"], "assignment": out["assignment"], "score": round(score, 6),
            "max_score": max_score, "status": status, "tests": tests, "reason": reason,
            "notebooks": out.get("notebooks", {}), "seconds": round(out.get("seconds", 0.0), 2),
            "sandbox": out.get("sandbox"), "hash": out["hash"],
            "timing": {k: round(v, 3) for k, v in out.get("timing", {}).items()}}


def _error_summary(text):
    """The informative line of a grader failure (nbgrader's log ends with a generic message)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        if ("Error" in line or "error" in line) and "Please see" not in line and "There was an error" not in line:
            return "grader error: " + line[:300]
    return "grader error: " + (lines[-1][:300] if lines else "unknown")


def _merge(gb, course, out, record):
    """Write one graded submission into the course: gradebook (one commit), autograded files, feedback."""
    student, assignment = out["student"], out["assignment"]
    adir = course.autograded / student / assignment
    if out.get("files"):
        tmp = adir.with_name(f".{assignment}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        for name, data in out["files"].items():
            (tmp / name).write_bytes(data)
        shutil.rmtree(adir, ignore_errors=True)
        os.replace(tmp, adir)
    if out.get("feedback"):
        for name, data in out["feedback"].items():
            _atomic_write(course.feedback / student / assignment / name, data)
    elif record["status"] in ("invalid", "missing") and not out.get("files"):
        html = ("<html><body><h1>Your submission could not be graded</h1><p>"
                + _html_escape(record["reason"]) + "</p></body></html>")
        _atomic_write(course.feedback / student / assignment / "not_graded.html", html)
    gb.update_or_create_student(student)
    timestamp = None
    ts_file = course.submitted / student / assignment / "timestamp.txt"
    if ts_file.exists():
        timestamp = ts_file.read_text().strip() or None
    if timestamp:
        gb.update_or_create_submission(assignment, student, timestamp=timestamp)
    else:
        gb.update_or_create_submission(assignment, student)
    try:
        for nb, grades in out.get("grades", {}).items():
            for gid, auto, _, _ in grades:
                grade = gb.find_grade(gid, nb, assignment, student)
                grade.auto_score = auto
                grade.needs_manual_grade = (grade.manual_score is not None) or (auto is None)
            for cid, comment in out.get("comments", {}).get(nb, []):
                gb.find_comment(cid, nb, assignment, student).auto_comment = comment
            if nb in out.get("penalties", {}):
                gb.find_submission_notebook(nb, assignment, student).late_submission_penalty = \
                    out["penalties"][nb] or None
        gb.db.commit()
    except Exception:
        gb.db.rollback()
        raise


def _html_escape(text):
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _save_record(course, record):
    _atomic_write(_result_path(course, record["student"], record["assignment"]),
                  json.dumps(record, indent=1, sort_keys=True))


def _source_digest(course, name):
    h = hashlib.sha256(GRADER_VERSION.encode())
    for p in sorted((course.source / name).rglob("*")):
        if p.is_file() and ".ipynb_checkpoints" not in p.parts:
            h.update(str(p.relative_to(course.source)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:20]


def _cells_signature(db_url, name):
    """What the gradebook knows about an assignment's cells (to tell whether it is up to date)."""
    from nbgrader.api import Gradebook, MissingEntry
    try:
        with Gradebook(db_url) as gb:
            a = gb.find_assignment(name)
            return sorted((nb.name, c.name, c.checksum or "", c.cell_type, bool(c.locked))
                          for nb in a.notebooks for c in nb.source_cells) + \
                sorted((nb.name, c.name, float(c.max_score)) for nb in a.notebooks for c in nb.grade_cells)
    except MissingEntry:
        return None


def _prepare_assignments(course, names, tmp):
    """Release notebooks and a template gradebook per assignment (cached by the source's hash), and the
    assignment recorded in the course gradebook (regenerated only when its cells changed)."""
    from autograde.course import ensure_tools_on_path
    ensure_tools_on_path()
    info = {}
    for name in names:
        cache = course.work / ".grader-cache" / name / _source_digest(course, name)
        template_db = cache / "template.db"
        if not (cache / "done").exists():
            shutil.rmtree(cache.parent, ignore_errors=True)
            build = tmp / f"build-{name}"
            build.mkdir(parents=True)
            _generate(course.config, name, build / "release", db_url=f"sqlite:///{build / 'template.db'}")
            cache.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(build, cache)
            (cache / "done").write_text("ok")
        if _cells_signature(course.db_url, name) != _cells_signature(f"sqlite:///{template_db}", name):
            _generate(course.config, name, tmp / "release-main")   # records the assignment in the course gradebook
        release = cache / "release" / name
        notebooks = {p.name: p.read_text() for p in sorted(release.glob("*.ipynb"))}
        source_locked = {}   # locked cells as in the source (test cells with their hidden tests)
        for p in sorted((course.source / name).glob("*.ipynb")):
            for c in json.loads(p.read_text())["cells"]:
                md = c.get("metadata", {}).get("nbgrader") or {}
                if md.get("locked") and md.get("grade_id"):
                    src = c.get("source", "")
                    source_locked[f"{p.name}:{md['grade_id']}"] = "".join(src) if isinstance(src, list) else src
        source_files = {str(p.relative_to(course.source / name)): p.read_bytes()
                        for p in sorted((course.source / name).rglob("*"))
                        if p.is_file() and p.suffix != ".ipynb" and ".ipynb_checkpoints" not in p.parts}
        max_score = 0.0
        for text in notebooks.values():
            for c in json.loads(text)["cells"]:
                md = c.get("metadata", {}).get("nbgrader") or {}
                if md.get("grade"):
                    max_score += float(md.get("points", 0))
        digest = hashlib.sha256(json.dumps([notebooks, sorted(source_files)], sort_keys=True).encode()).hexdigest()
        from nbgrader.api import Gradebook, MissingEntry
        try:
            with Gradebook(course.db_url) as gb:
                due = gb.find_assignment(name).duedate
        except MissingEntry:
            due = None
        info[name] = {"release": notebooks, "source_files": source_files, "template": template_db.read_bytes(),
                      "duedate": due.isoformat() if due else None,
                      "source_locked": source_locked,
                      "digest": digest, "max_score": max_score}
    return info


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
    _quiet()
    course = Course(root, db_url=db_url)
    if isinstance(limits, dict):
        limits = Limits(**limits)
    limits = limits or Limits()
    if assignment and assignment not in course.assignments():
        raise ValueError(f"no assignment {assignment!r} in {course.source}")
    pairs = course.submissions(assignment, students)
    _sweep_stale()
    tmp = Path(tempfile.mkdtemp(prefix=f"trainlab-master-{os.getpid()}-"))
    records, failures = {}, 0
    n_workers = 1 if scheduler is None and (workers == 1 or len(pairs) <= 1) else (workers or _default_workers())
    warm_pool = None
    if scheduler is None and n_workers > 1:
        warm_pool = _make_pool(min(n_workers, len(pairs)))
        for _ in range(min(n_workers, len(pairs))):
            warm_pool.submit(os.getpid)    # starts the worker processes now; their imports overlap ours
    try:
        needed = sorted({a for _, a in pairs})
        info = _prepare_assignments(course, needed, tmp) if needed else {}
        settings = {
            "key": hashlib.sha256(f"{time.time()}{os.getpid()}".encode()).hexdigest()[:16],
            "sandbox": sandbox, "limits": limits.as_dict(), "config": course.config,
            "templates": {f"{a}.db": info[a]["template"] for a in needed},
            # the course folders (solutions, gradebook, submissions, tests, nbsrc ...); the kernel guard
            # still lets the Python, the trainlab package and its data be read
            "deny_read": sorted({str(course.root), str(ROOT), str(course.source), str(course.work)}),
            "run_dir": run_dir,
        }
        known = course.grade_ids()
        tasks = []
        from nbgrader.api import Gradebook
        with Gradebook(course.db_url) as gb:
            for student, a in pairs:
                files = _read_submission(course.submitted / student / a)
                digest = _hash_files(files, info[a]["digest"])
                old = _load_result(course, student, a)
                if not force and old and old.get("hash") == digest and old.get("status") != "error" \
                        and _has_submission(gb, a, student):
                    records[(a, student)] = old
                    continue
                tasks.append({"student": student, "assignment": a, "hash": digest, "files": files,
                              "release": info[a]["release"], "source_files": info[a]["source_files"],
                              "source_locked": info[a]["source_locked"], "duedate": info[a]["duedate"],
                              "known_ids": known, "feedback": feedback, "settings": settings})
            bar = _progress(len(tasks), len(records), progress)
            by_key = {(t["assignment"], t["student"]): t for t in tasks}
            try:
                for attempt in range(2):   # a grader failure (not the student's) is retried once
                    retry = []
                    for out in _run(tasks, n_workers, scheduler, warm_pool if attempt == 0 else None):
                        a = out["assignment"]
                        record = _record(out, info[a]["max_score"])
                        if record["status"] == "error" and attempt == 0:
                            retry.append(by_key[(a, out["student"])])
                            continue
                        if record["status"] != "error":
                            _merge(gb, course, out, record)
                        else:
                            record["error"] = out["error"][-3000:]
                        _save_record(course, record)
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
    return [records[k] for k in sorted(records)]


def _has_submission(gb, assignment, student):
    try:
        gb.find_submission(assignment, student)
        return True
    except Exception:  # noqa: BLE001 - MissingEntry
        return False


def _warm_up():
    """Runs first in each worker process: pay the slow imports while the master prepares the assignments."""
    _quiet()
    from autograde.course import ensure_tools_on_path
    ensure_tools_on_path()
    import nbgrader.apps  # noqa: F401
    import nbgrader.preprocessors  # noqa: F401
    from autograde import sandbox
    sandbox.matplotlib_cache()
    return os.getpid()


def _make_pool(workers):
    import concurrent.futures as cf
    import multiprocessing as mp
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_warm_up)


def _run(tasks, workers, scheduler, warm_pool=None):
    """Yield worker results as they finish."""
    if not tasks:
        if warm_pool is not None:
            warm_pool.shutdown(wait=False, cancel_futures=True)
        return
    if scheduler:
        from autograde.dask_backend import run_on_dask
        yield from run_on_dask(tasks, scheduler)
        return
    if workers <= 1:
        for task in tasks:
            yield grade_task(task)
        return
    import concurrent.futures as cf
    from concurrent.futures.process import BrokenProcessPool
    pending = list(tasks)
    for restart in range(4):   # a worker process that dies takes its pool down: start a new one
        pool = warm_pool if restart == 0 and warm_pool is not None else _make_pool(min(workers, len(pending)))
        futures = {pool.submit(grade_task, t): t for t in pending}
        broken = False
        try:
            for fut in cf.as_completed(futures):
                task = futures[fut]
                try:
                    out = fut.result()
                except BrokenProcessPool:
                    broken = True
                    break
                except Exception as e:  # noqa: BLE001 - e.g. a result that could not be pickled
                    out = _error_out(task, f"the worker failed: {e!r}")
                pending.remove(task)
                yield out
        except BaseException:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=not broken, cancel_futures=True)
        if not pending:
            return
    for task in pending:
        yield _error_out(task, "a grading worker process died repeatedly")


def _error_out(task, message):
    return {"student": task["student"], "assignment": task["assignment"], "hash": task["hash"], "error": message}


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


def records_from_results(root=ROOT, assignment=None):
    """The stored records of earlier runs (what `export` and `report` read)."""
    course = Course(root)
    out = []
    if course.results.is_dir():
        for p in sorted(course.results.glob(f"{assignment or '*'}/*.json")):
            try:
                out.append(_as_record(json.loads(p.read_text())))
            except ValueError:
                pass
    return out


__all__ = ["grade_class", "grade_task", "records_from_results", "Course", "Limits", "STATUS_ORDER"]
