"""The main job on the embedded default: grade the sample class shipped in autograde/samples/.

autograde/samples/submitted/<student>/<assignment>/<notebook>.ipynb are real student-style
submissions (one correct in its own style, one with typical bugs, one untouched). The demo copies
them into the course's submitted/ folder, autogrades them with nbgrader, writes feedback (hidden
tests removed), and prints the grade table.
"""
import shutil
import warnings
from pathlib import Path

from autograde.course import load_config, make_api


def run_demo(root):
    root = Path(root)
    # nbgrader 0.9.6 + SQLAlchemy 2.0 warn on every new submission; harmless, and a wall of text
    warnings.filterwarnings("ignore", message=".*not in session.*")
    api = make_api(load_config(root))
    submitted = Path(api.coursedir.format_path(api.coursedir.submitted_directory, ".", "")).resolve()
    samples = root / "autograde" / "samples" / "submitted"
    shutil.copytree(samples, submitted, dirs_exist_ok=True)
    pairs = sorted((s.name, a.name) for s in samples.iterdir() for a in s.iterdir() if a.is_dir())
    print(f"Grading {len(pairs)} sample submissions with nbgrader ...")
    for student, assignment in pairs:
        result = api.autograde(assignment, student, force=True, create=True)
        if not result["success"]:
            print(f"  {student}/{assignment}: autograde failed: {result.get('error')}")
        api.generate_feedback(assignment, student, force=True)
    print_grades(api, pairs)
    feedback = Path(api.coursedir.format_path(api.coursedir.feedback_directory, ".", "")).resolve()
    print(f"\nFeedback (HTML, hidden tests removed): {feedback}")


def print_grades(api, pairs):
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url) as gb:
        rows = []
        for student, assignment in pairs:
            sub = gb.find_submission(assignment, student)
            failed = [g.name for nb in sub.notebooks for g in nb.grades
                      if g.max_score and (g.score or 0) < g.max_score]
            rows.append((student, assignment, sub.score, sub.max_score, ", ".join(failed) or "-"))
    print(f"\n{'student':10s} {'assignment':18s} {'score':>11s}  tests lost")
    for student, assignment, score, max_score, failed in rows:
        print(f"{student:10s} {assignment:18s} {score:5.1f} / {max_score:3.0f}  {failed}")
