"""Hostile and broken submissions graded in one run beside good ones (tests/hostile/make_class.py).

Every good submission must get exactly its own grade, every bad one a reason and no points it did not
earn (EXPECT in make_class.py), the gradebook must stay intact, nothing may be written into the
course, and the feedback must carry the reason. The run prints which sandbox the kernels used.
"""
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hostile"))
import make_class as mc  # noqa: E402

LIMITS = dict(cell_s=10, notebook_s=90, memory_mb=2048, output_kb=256)


def _meets(record, expect):
    problems = []
    if record["status"] not in expect["status"]:
        problems.append(f"status {record['status']!r} not in {sorted(expect['status'])}")
    if expect["words"] is not None and not any(w in record["reason"] for w in expect["words"]):
        problems.append(f"reason does not mention any of {expect['words']}")
    score = expect.get("score")
    if isinstance(score, tuple) and not record["score"] <= score[1]:
        problems.append(f"score {record['score']} > {score[1]}")
    elif isinstance(score, float) and record["score"] != score:
        problems.append(f"score {record['score']} != {score}")
    return problems


@pytest.mark.slow
def test_hostile_class_graded_beside_good_submissions(tmp_path):
    from autograde.pipeline import grade_class
    from autograde.sandbox import resolve_mode

    root = tmp_path / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / mc.ASSIGNMENT, root / "solutions" / mc.ASSIGNMENT)
    submitted = root / "autograde" / "work" / "submitted"
    cases = mc.hostile_cases(course_root=root)
    if resolve_mode("auto") != "bwrap" and os.geteuid() != 0:
        cases.pop("h-fork-bomb")   # without bubblewrap or a uid of its own, a fork bomb is only capped by rlimits
    if resolve_mode("auto") != "bwrap":   # only a sandbox can make the reference not exist for student code
        for name in ("h-import-reference", "h-call-reference", "h-cat-reference", "h-read-files"):
            cases.pop(name)
    rel = mc.release()
    goods = {"g-correct": mc.fill(rel, mc.CORRECT, light=True), "g-buggy": mc.fill(rel, mc.BUGGY, light=True),
             "g-stub": mc.fill(rel, {}, light=True)}
    mc.write_class(submitted, cases)
    mc.write_class(submitted, {k: {mc.NOTEBOOK: nbformat.writes(v).encode()} for k, v in goods.items()})

    secret = "grader-secret-4242"
    os.environ["TRAINLAB_GRADER_SECRET"] = secret           # a grader variable must not reach student code
    try:
        records = grade_class(root, workers=2, progress=False, limits=LIMITS, feedback=True)
    finally:
        del os.environ["TRAINLAB_GRADER_SECRET"]
    by_student = {r["student"]: r for r in records}
    print("\nsandbox:", sorted({r["sandbox"] for r in records if r.get("sandbox")}))
    for r in records:
        print(f"  {r['student']:26s} {r['score']:5.1f} {r['status']:10s} {r['reason'][:110]}")

    # good submissions: exactly their own grades, nothing to report
    full = {t: True for t in mc.ALL_TESTS}
    expected_good = {"g-correct": full, "g-buggy": {t: t not in mc.BUGGY_LOST for t in mc.ALL_TESTS},
                     "g-stub": {t: False for t in mc.ALL_TESTS}}
    for student, passed in expected_good.items():
        r = by_student[student]
        assert r["status"] == "graded" and r["reason"] == "", (student, r["reason"])
        assert {t: r["tests"][t][0] == r["tests"][t][1] for t in mc.ALL_TESTS} == passed, (student, r["tests"])

    failures = {s: _meets(by_student[s], mc.EXPECT[s]) for s in cases}
    failures = {s: p for s, p in failures.items() if p}
    assert not failures, failures

    # the gradebook holds every submission, uncorrupted; nothing escaped into the course
    db = root / "autograde" / "work" / "gradebook.db"
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{db}") as gb:
        subs = {s.student.id: s.score for s in gb.find_assignment(mc.ASSIGNMENT).submissions}
    assert subs == {r["student"]: r["score"] for r in records}
    assert not (root / "pwned.txt").exists()
    # the reason reaches the student: in the feedback of a graded case, on the page of an invalid one
    feedback = root / "autograde" / "work" / "feedback"
    html = (feedback / "h-patch-allclose" / mc.ASSIGNMENT / "activations.html").read_text()
    assert "Notes from the autograder" in html and "flagged for review" in html
    assert "PDF" in (feedback / "h-pdf" / mc.ASSIGNMENT / "not_graded.html").read_text()
    # neither the reference answers nor the grader's environment appear in anything the grader wrote
    released = "".join(p.read_text() for p in (REPO / "notebooks").rglob("*.ipynb")) + \
        (REPO / "tests" / "hostile" / "make_class.py").read_text()       # what students may see anyway
    reference = [line.strip() for p in (REPO / "trainlab" / "reference").glob("*.py")
                 for line in p.read_text().splitlines()
                 if len(line.strip()) > 30 and not line.strip().startswith("#") and line.strip() not in released]
    if "h-cat-reference" in cases:   # its answer cell printed what cat, open and import found: nothing
        out = (root / "autograde" / "work" / "autograded" / "h-cat-reference" / mc.ASSIGNMENT / mc.NOTEBOOK).read_text()
        assert "import failed: ModuleNotFoundError" in out
    written = [p for d in ("feedback", "autograded") for p in (root / "autograde" / "work" / d).rglob("*") if p.is_file()]
    assert written
    for path in written:
        text = path.read_text(errors="replace")
        assert secret not in text, path
        leaked = [line for line in reference if line in text]
        assert not leaked, (path, leaked[:3])
