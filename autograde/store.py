"""Where a graded submission is kept. Only the instructor's process writes here.

    save_outcome(course, gb, out, max_score) -> Record   autograded notebooks, feedback, grades, in that order
    save_record(course, record) / load_record(...)       one JSON result file per submission, written last
    records_from_results(root, assignment)               every record saved so far

Grades go into the course gradebook through nbgrader's own SaveAutoGrades and AssignLatePenalties, run
here on the autograded notebooks (whose test cells carry the judge's verdicts), so nbgrader's rules
decide and a manual grade entered in the formgrader is never overwritten. The result file, holding
the submission's content hash, is written after the gradebook: a run killed at any point loses
nothing already recorded, and the next run regrades only what has no result file or changed.
"""
import json
import os
import shutil
from pathlib import Path

import nbformat

from autograde.records import from_json, make_record


def atomic_write(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


def result_path(course, student, assignment):
    return course.results / assignment / f"{student}.json"


def load_record(course, student, assignment):
    try:
        return from_json(json.loads(result_path(course, student, assignment).read_text()))
    except (OSError, ValueError):
        return None


def save_record(course, record):
    atomic_write(result_path(course, record["student"], record["assignment"]),
                 json.dumps(record, indent=1, sort_keys=True))


def records_from_results(root=None, assignment=None):
    """The stored records of earlier runs (what `export` and `report` read)."""
    from autograde.course import ROOT, Course
    course = Course(root or ROOT)
    out = []
    if course.results.is_dir():
        for p in sorted(course.results.glob(f"{assignment or '*'}/*.json")):
            try:
                out.append(from_json(json.loads(p.read_text())))
            except ValueError:
                pass
    return out


def has_submission(gb, assignment, student):
    try:
        gb.find_submission(assignment, student)
        return True
    except Exception:  # noqa: BLE001 - MissingEntry
        return False


def _html_escape(text):
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write_files(course, out, reason):
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
            atomic_write(course.feedback / student / assignment / name, data)
        for name in ("timestamp.txt", "submission_secret.txt"):   # nbgrader release_feedback needs them
            src = course.submitted / student / assignment / name
            if src.is_file():
                atomic_write(course.feedback / student / assignment / name, src.read_bytes())
    elif not out.get("files"):
        html = "<html><body><h1>Your submission could not be graded</h1><p>" + _html_escape(reason) + "</p></body></html>"
        atomic_write(course.feedback / student / assignment / "not_graded.html", html)


def _save_grades(course, gb, out):
    """nbgrader's SaveAutoGrades and AssignLatePenalties on each autograded notebook, into the course gradebook."""
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
    student, assignment = out["student"], out["assignment"]
    gb.update_or_create_student(student)
    ts_file = course.submitted / student / assignment / "timestamp.txt"
    timestamp = ts_file.read_text().strip() if ts_file.exists() else None
    if timestamp:
        gb.update_or_create_submission(assignment, student, timestamp=timestamp)
    else:
        gb.update_or_create_submission(assignment, student)
    gb.db.commit()
    for name, data in sorted(out.get("files", {}).items()):
        nb = nbformat.reads(data.decode(), as_version=4)
        resources = {"nbgrader": {"notebook": Path(name).stem, "assignment": assignment, "student": student,
                                  "db_url": course.db_url}}
        for preprocessor in (SaveAutoGrades(config=course.config), AssignLatePenalties(config=course.config)):
            preprocessor.preprocess(nb, resources)


def _saved_tests(gb, assignment, student):
    """({grade_id: (score, max_score)}, [grade ids awaiting a hand grade]) as the gradebook holds them.

    A manual grade counts over an automatic one; a written answer (a markdown grade cell) that nobody
    has graded yet scores 0 and is listed as pending (one left blank nbgrader scores 0 itself).
    """
    gb.db.expire_all()
    tests, pending = {}, []
    for nb in gb.find_submission(assignment, student).notebooks:
        for g in nb.grades:
            key = g.name if g.name not in tests else f"{nb.name}:{g.name}"
            tests[key] = (float(g.score or 0.0), float(g.max_score))
            if g.cell.cell_type == "markdown" and g.manual_score is None and g.auto_score is None:
                pending.append(key)
    return tests, pending


def save_outcome(course, gb, out, max_score):
    """Keep one graded submission (see the module docstring) and return its Record (not yet saved)."""
    from autograde.records import reasons
    _write_files(course, out, "; ".join(reasons(out)))
    _save_grades(course, gb, out)
    tests, pending = _saved_tests(gb, out["assignment"], out["student"])
    return make_record(out, tests, max_score, pending)
