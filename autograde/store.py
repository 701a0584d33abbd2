"""Where a graded submission is kept. Only the instructor's process writes here.

    save_outcome(course, gb, out, max_score) -> Record   autograded notebooks, feedback, grades, in that order
    save_record(course, record) / load_record(...)       one JSON result file per submission, written last
    class_records(course, ...) -> [Record]               every graded submission: scores from the gradebook
    records_from_results(root, assignment)               the same, for a course root

The gradebook is the only store of scores. Grades go into it through nbgrader's own SaveAutoGrades and
AssignLatePenalties, run here on the autograded notebooks (whose test cells carry the judge's verdicts),
so nbgrader's rules decide and a manual grade entered in the formgrader is never overwritten. Every
figure, report, CSV, LMS file and terminal summary reads its scores from the gradebook (class_records),
so a grade entered by hand shows up everywhere at once, without grading again. The result file keeps
only what the gradebook cannot (autograde/records.py: Result): status, reason, diagnosis ids and the
submission's content hash. It is written after the gradebook: a run killed at any point loses nothing
already recorded, and the next run regrades only what has no result file or changed.
"""
import json
import os
import shutil
from pathlib import Path

import nbformat

from autograde.records import Result, TestScore, make_result, reasons, with_scores
from autograde.submission import Unreadable, read_regular


def atomic_write(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


def result_path(course, student, assignment):
    return course.results / assignment / f"{student}.json"


def load_record(course, student, assignment):
    """The saved Result of one submission (no scores: class_records adds them), or None."""
    try:
        return Result.from_json(json.loads(result_path(course, student, assignment).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def save_record(course, record):
    """Write the result file of ``record`` (a Result or a Record): its Result fields only, never a score."""
    result = record.result if hasattr(record, "result") else record
    atomic_write(result_path(course, result.student, result.assignment),
                 json.dumps(result.to_json(), indent=1, sort_keys=True))


def read_results(course, assignment=None):
    """{(assignment, student): Result} of every result file (a damaged one is skipped: it is regraded)."""
    out = {}
    if course.results.is_dir():
        for p in sorted(course.results.glob(f"{assignment or '*'}/*.json")):
            try:
                r = Result.from_json(json.loads(p.read_text()))
            except (ValueError, TypeError):
                continue
            out[(r.assignment, r.student)] = r
    return out


def display_names(course):
    """{folder: the student's name in the LMS} from autograde/work/students.json ({} without one)."""
    try:
        data = json.loads((course.work / "students.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {e["folder"]: e.get("display") or e.get("name") or e["folder"] for e in data.get("students", [])
            if e.get("folder")}


def tests_of(submission):
    """{grade_id: TestScore} of a gradebook SubmittedAssignment, in the notebooks' cell order.

    A manual grade counts over an automatic one (nbgrader's Grade.score); a written answer (a markdown
    grade cell) that nobody has graded yet is pending: it scores 0 so far and is neither passed nor
    failed (one left blank, nbgrader scores 0 itself: not pending).
    """
    tests = {}
    for nb in sorted(submission.notebooks, key=lambda n: n.name):
        for g in nb.grades:
            key = g.name if g.name not in tests else f"{nb.name}:{g.name}"
            pending = g.cell.cell_type == "markdown" and g.manual_score is None and g.auto_score is None
            tests[key] = TestScore(float(g.score or 0.0), float(g.max_score or 0.0), pending, nb.name)
    return tests


def gradebook_records(course, gb, assignment=None, students=None):
    """[Record] of every submission in the gradebook (and every result with none there: a grader error),
    sorted by assignment then student. Scores from the gradebook; status and reason from the result files
    (a submission graded outside this pipeline, e.g. by plain nbgrader, counts as "graded")."""
    gb.db.expire_all()
    results = read_results(course, assignment)
    names = display_names(course)
    wanted = None if students is None else set(students)
    records, max_scores = {}, {}
    for a in gb.assignments:
        max_scores[a.name] = float(a.max_score or 0.0)
        if assignment and a.name != assignment:
            continue
        for sub in a.submissions:
            s = sub.student.id
            if wanted is not None and s not in wanted:
                continue
            result = results.get((a.name, s)) or Result(student=s, assignment=a.name, status="graded")
            records[(a.name, s)] = with_scores(result, tests_of(sub), max_scores[a.name], names.get(s, ""))
    for key, result in results.items():
        if key not in records and (wanted is None or result.student in wanted):
            records[key] = with_scores(result, {}, max_scores.get(result.assignment, 0.0),
                                       names.get(result.student, ""))
    return [records[k] for k in sorted(records)]


def class_records(course, assignment=None, students=None):
    """gradebook_records of ``course`` (an autograde.course.Course), opening its gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        return gradebook_records(course, gb, assignment, students)


def records_from_results(root=None, assignment=None, db_url=None):
    """Every graded submission of the course at ``root`` as Records (what `export` and the reports read)."""
    from autograde.course import ROOT, Course
    course = Course(root or ROOT, db_url=db_url)
    if course.db_url.startswith("sqlite:///") and not Path(course.db_url[len("sqlite:///"):]).exists():
        return [with_scores(r, {}, 0.0) for _, r in sorted(read_results(course, assignment).items())]
    return class_records(course, assignment)


def has_submission(gb, assignment, student):
    try:
        gb.find_submission(assignment, student)
        return True
    except Exception:  # noqa: BLE001 - MissingEntry
        return False


def _html_escape(text):
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _small_file(path, max_bytes=4096):
    """The bytes of a small regular file of a submission (read without following a link), else None."""
    try:
        return read_regular(path, max_bytes)
    except Unreadable:
        return None


def _replace_folder(folder, files):
    """Make ``folder`` hold exactly ``files`` ({name: bytes}), all written here: whatever was there
    before (a stale page, a link) is removed with the old folder, never followed."""
    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, data in files.items():
        (tmp / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def _write_files(course, out, reason):
    student, assignment = out["student"], out["assignment"]
    if out.get("files"):
        _replace_folder(course.autograded / student / assignment, out["files"])
    if out.get("feedback") or not out.get("files"):
        pages = dict(out.get("feedback") or {}) or {
            "not_graded.html": "<html><body><h1>Your submission could not be graded</h1><p>"
                               + _html_escape(reason) + "</p></body></html>"}
        for name in ("timestamp.txt", "submission_secret.txt"):   # nbgrader release_feedback needs them
            data = _small_file(course.submitted / student / assignment / name)
            if data is not None:
                pages[name] = data
        _replace_folder(course.feedback / student / assignment, pages)


def _save_grades(course, gb, out):
    """nbgrader's SaveAutoGrades and AssignLatePenalties on each autograded notebook, into the course gradebook."""
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
    student, assignment = out["student"], out["assignment"]
    gb.update_or_create_student(student)
    ts = _small_file(course.submitted / student / assignment / "timestamp.txt")
    timestamp = ts.decode("utf-8", "replace").strip() if ts is not None else None
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


def diagnosis_ids(out):
    """{grade_id: catalogue entry id} for the judge's diagnoses of an Outcome (sentences): the entry whose
    sentence it is, looked up in the catalogue (autograde/diagnose.py), as "<notebook>/<grade_id>/<n>"."""
    if not out.get("diagnoses"):
        return {}
    from autograde import diagnose       # instructor-only and heavy: only when a failure was diagnosed
    ids = {}
    for gid, sentence in out["diagnoses"].items():
        for notebook in out.get("notebooks") or {}:
            found = [i for i, e in enumerate(diagnose.entries(notebook, gid)) if diagnose.sentence(e) == sentence]
            if found:
                ids[gid] = f"{notebook}/{gid}/{found[0]}"
                break
    return ids


def save_outcome(course, gb, out, max_score):
    """Keep one graded submission (see the module docstring) and return its Record (not yet saved)."""
    _write_files(course, out, "; ".join(reasons(out)))
    _save_grades(course, gb, out)
    gb.db.expire_all()
    sub = gb.find_submission(out["assignment"], out["student"])
    tests = tests_of(sub)
    total = sum(t.max_score for t in tests.values()) if tests else max_score
    return with_scores(make_result(out, diagnosis_ids(out)), tests, total,
                       display_names(course).get(out["student"], ""))
