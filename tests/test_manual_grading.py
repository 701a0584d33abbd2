"""Written answers, graded by hand: the instructor's path end to end, on notebook 01's written question.

Grade the class; export: the written answer is pending everywhere (grades.csv "so far", tests.csv
"pending", the class report, the LMS note). Enter a manual grade and a comment the way nbgrader's
formgrader does (its REST handler sets ``manual_score`` on the gradebook's Grade and clears
``needs_manual_grade``) and export again without grading: the gradebook is the only store of scores,
so the hand grade is in the terminal summary, the class report, the histogram, grades.csv, tests.csv and
the LMS file at once. Regenerate feedback, grade again: it is in the student's feedback, and no run of
the pipeline overwrites it.
"""
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import harness
from harness import REPO

sys.path.insert(0, str(REPO / "tests" / "hostile"))
import make_class as mc  # noqa: E402

pytestmark = pytest.mark.slow
A, QUESTION = mc.ASSIGNMENT, "explain_dead_relu"
PY = sys.executable


def cli(root, *args):
    r = subprocess.run([PY, "-m", "autograde", "--root", str(root), *args], cwd=REPO, capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return r.stdout


def enter_manual_grade(db_url, student, score, comment):
    """What formgrader's GradeHandler.put and CommentHandler.put do, through nbgrader's Gradebook API."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        grade = gb.find_grade(QUESTION, "activations", A, student)
        comment_row = gb.find_comment(QUESTION, "activations", A, student)
        assert grade.needs_manual_grade and grade.auto_score is None, "a written answer waits for a hand grade"
        grade_id, comment_id = grade.id, comment_row.id
    with Gradebook(db_url) as gb:                       # as the handler: look it up by id, set, commit
        grade = gb.find_grade_by_id(grade_id)
        grade.manual_score = score
        grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        gb.find_comment_by_id(comment_id).manual_comment = comment
        gb.db.commit()


def saved_grade(db_url, student):
    from nbgrader.api import Gradebook
    with Gradebook(db_url) as gb:
        g = gb.find_grade(QUESTION, "activations", A, student)
        return g.manual_score, g.score, gb.find_submission(A, student).score


def rows(path, **match):
    with open(path, newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if all(r[k] == v for k, v in match.items())]


def feedback_page(root, student):
    """The student's feedback page for the assignment, as the last `grade --feedback` or `feedback` wrote it."""
    return next((root / "autograde" / "work" / "feedback" / student / A).glob("*.html")).read_text(encoding="utf-8")


def read_reports(out_dir):
    """The class report page and the histogram's bytes, as export wrote them."""
    return {"html": (out_dir / "class_report.html").read_text(encoding="utf-8"),
            "png": (out_dir / "scores.png").read_bytes()}


def screenshot(html_path, png_path, text):
    """The feedback page as the student sees it (Debian's chromium, headless), scrolled to ``text``."""
    chromium = Path("/usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    if not chromium.exists():
        return
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(html_path.resolve().as_uri())
        page.get_by_text(text).first.scroll_into_view_if_needed()
        page.screenshot(path=str(png_path))
        browser.close()


def test_a_hand_grade_reaches_feedback_and_exports_and_survives_regrading(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(REPO / "solutions" / A, root / "solutions" / A)
    cli(root, "build")
    submitted = root / "autograde" / "work" / "submitted"
    for student, files in mc.samples(root).items():
        if student in ("ada", "cleo"):
            (submitted / student / A).mkdir(parents=True)
            for name, data in files.items():
                (submitted / student / A / name).write_bytes(data)
    db_url = f"sqlite:///{root / 'autograde' / 'work' / 'gradebook.db'}"
    out = cli(root, "grade", A, "--feedback", "--workers", "2", "--quiet")
    assert "1 written answers (2 points) await a grade by hand" in out, out   # ada's; cleo's is blank: nbgrader gives 0

    auto = sum(m for t, (s, m) in harness.scores(root)["ada"][2].items())
    assert harness.scores(root)["ada"][0] == auto                     # every automatic point
    manual, score, total = saved_grade(db_url, "ada")
    assert manual is None and score == 0 and total == auto
    page = feedback_page(root, "ada")                                      # written by `grade --feedback`
    assert page.count("awaiting a grade by hand (2 points)") == 3, "its cell, the contents and the total"
    assert f"Score so far: {float(auto)} / {float(auto + 2)}" in page and "Score: 0.0 / 2.0" not in page
    assert "awaiting a grade by hand" not in feedback_page(root, "cleo")       # blank: nbgrader's 0, shown as 0
    assert "Score so far" not in feedback_page(root, "cleo") and "Score: 0.0 / 2.0" in feedback_page(root, "cleo")

    # pending, everywhere a person reads a score: not a 0, and the totals are "so far"
    out_dir = tmp_path / "export"
    before = cli(root, "export", "--out", str(out_dir))
    reports = read_reports(out_dir)
    assert rows(out_dir / "grades.csv", student="ada")[0]["score_is"] == "so far"
    assert rows(out_dir / "grades.csv", student="ada")[0]["pending_points"] == "2"
    assert rows(out_dir / "grades.csv", student="cleo")[0]["score_is"] == "final"      # blank: 0, not pending
    pending = rows(out_dir / "tests.csv", student="ada", test=QUESTION)[0]
    assert (pending["state"], pending["score"], pending["passed"]) == ("pending", "", "")
    assert f"mean {auto / 2:.2f}, median {auto / 2:.2f} of {auto + 2:g} so far (1 written answers" in before
    assert "so far" in reports["html"] and "awaiting a grade by hand" in reports["html"]
    assert "await a grade by hand" in before and "so far" in before                   # the LMS note

    # a hand grade, entered as the formgrader does: in every report at once, without grading again
    enter_manual_grade(db_url, "ada", 1.5, "Right reason; also name a remedy (e.g. a smaller learning rate).")
    assert saved_grade(db_url, "ada") == (1.5, 1.5, auto + 1.5)
    after = cli(root, "export", "--out", str(out_dir))
    now = read_reports(out_dir)
    assert float(rows(out_dir / "grades.csv", student="ada")[0]["score"]) == auto + 1.5
    assert rows(out_dir / "grades.csv", student="ada")[0]["score_is"] == "final"
    assert rows(out_dir / "tests.csv", student="ada", test=QUESTION)[0]["state"] == "failed"   # 1.5 of 2
    assert f"{auto + 1.5:g}" in (out_dir / "canvas_grades.csv").read_text()
    mean = f"mean {(auto + 1.5) / 2:.2f}"
    assert mean in after and "so far" not in after                                    # the terminal summary
    assert mean in now["html"] and "so far" not in now["html"]                         # the class report page
    assert now["png"] != reports["png"]                                                # the histogram's mean line
    from autograde.course import Course
    from autograde.store import class_records
    assert {r.student: r.score for r in class_records(Course(root))} == {"ada": auto + 1.5, "cleo": 0.0}

    cli(root, "feedback", A)
    html = next((root / "autograde" / "work" / "feedback" / "ada" / A).glob("*.html")).read_text()
    assert "also name a remedy" in html                                 # the grader's comment
    assert "Score: 1.5 / 2.0" in html and "awaiting a grade by hand" not in html and "Score so far" not in html
    screenshot(next((root / "autograde" / "work" / "feedback" / "ada" / A).glob("*.html")),
               REPO / "test-artifacts" / "manual" / "feedback-with-hand-grade.png", "also name a remedy")
    assert f"{auto + 1.5:g} / {auto + 2:g}" in html.replace("(", " ").replace(")", " ") or \
        f"{auto + 1.5}" in html, "the total with the hand grade"

    cli(root, "export", "--out", str(out_dir))
    assert float(rows(out_dir / "grades.csv", student="ada")[0]["score"]) == auto + 1.5
    assert rows(out_dir / "tests.csv", student="ada", test=QUESTION)[0]["score"] == "1.5"
    canvas = next(out_dir.glob("*canvas*.csv"))
    assert f"{auto + 1.5:g}" in canvas.read_text()

    # grading again (forced, and after a resubmission) never overwrites the hand grade
    cli(root, "grade", A, "--force", "--workers", "2", "--quiet")
    assert saved_grade(db_url, "ada") == (1.5, 1.5, auto + 1.5)
    nb = (submitted / "ada" / A / "activations.ipynb")
    nb.write_text(nb.read_text().replace("A smaller learning", "A much smaller learning"))
    out = cli(root, "grade", A, "--workers", "2", "--quiet")
    assert saved_grade(db_url, "ada") == (1.5, 1.5, auto + 1.5)
    assert "await a grade by hand" not in out
    cli(root, "export", "--out", str(out_dir))
    assert float(rows(out_dir / "grades.csv", student="ada")[0]["score"]) == auto + 1.5
    assert float(rows(out_dir / "grades.csv", student="cleo")[0]["score"]) == 0.0
