"""The main job on the embedded default: grade the sample class shipped in autograde/samples/.

autograde/samples/submitted/<student>/<assignment>/<notebook>.ipynb are student-style submissions
(ada: correct, written in her own style; ben: plausible bugs (the textbook sigmoid that overflows, a
Leaky ReLU that ignores alpha, a sign slip in Maxout's backward pass); cleo: the untouched release).
The demo copies them into the course's submitted/ folder, grades them with the class pipeline
(sandboxed kernels, parallel workers, nbgrader underneath), writes feedback (the judge's verdicts),
and prints the grade table.
"""
import shutil
import warnings
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent / "samples" / "submitted"


def run_demo(root, workers=None, sandbox="auto"):
    from autograde.course import Course
    from autograde.pipeline import grade_class

    warnings.filterwarnings("ignore", message=".*not in session.*")
    course = Course(root)
    students = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir())
    shutil.copytree(SAMPLES, course.submitted, dirs_exist_ok=True)
    print(f"Grading {len(students)} sample submissions ({', '.join(students)}) ...")
    records = grade_class(root, students=students, workers=workers, sandbox=sandbox, feedback=True)
    print_grades(records)
    from autograde import report
    print("\n" + report.summary(records))
    print(f"Score histogram: {report.histogram(records, course.work / 'reports' / 'scores.png')}")
    sandboxes = sorted({r["sandbox"] for r in records if r.get("sandbox")})
    if sandboxes:
        print(f"\nKernels ran under: {', '.join(sandboxes)}")
    print(f"Feedback (HTML, the judge's verdicts with the likely mistake named): {course.feedback}")
    return records


def print_grades(records):
    print(f"\n{'student':10s} {'assignment':18s} {'score':>11s}  {'status':8s} tests lost")
    for r in records:
        pending = r.get("pending", [])
        lost = sorted(t for t, (score, mx) in r["tests"].items() if mx and score < mx and t not in pending)
        print(f"{r['student']:10s} {r['assignment']:18s} {r['score']:5.1f} / {r['max_score']:3.0f}  "
              f"{r['status']:8s} {', '.join(lost) or '-'}"
              + (f"   (to grade by hand: {', '.join(pending)})" if pending else ""))
        if r["status"] != "graded" and r["reason"]:
            print(f"{'':10s} {r['reason'][:200]}")
