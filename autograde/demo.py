"""The main job on the embedded default: grade the sample class shipped in autograde/samples/.

autograde/samples/submitted/<student>/<assignment>/<notebook>.ipynb are student-style submissions
(ada: correct, written in her own style; ben: plausible bugs (the textbook sigmoid that overflows, a
Leaky ReLU that ignores alpha, a sign slip in Maxout's backward pass); cleo: the untouched release).

The demo is a course of its own, never mixed into the instructor's class: its root is
``autograde/work/demo/`` (DEMO_DIR; its solutions/ is a link to the course's), so its submissions,
gradebook, feedback and reports are under ``autograde/work/demo/autograde/work/``. ``rm -rf
autograde/work/demo`` removes it; ``python -m autograde --root autograde/work/demo export`` (or any other
command) works on it like on any course. The demo copies the samples into its submitted/ folder, grades them
with the class pipeline (sandboxed kernels, parallel workers, nbgrader underneath), writes feedback (the
judge's verdicts) and the reports, and prints the grade table.
"""
import os
import shutil
import warnings
from pathlib import Path

from autograde import class_report, report
from autograde.course import Course
from autograde.pipeline import grade_class
from autograde.store import class_records

SAMPLES = Path(__file__).resolve().parent / "samples" / "submitted"
DEMO_DIR = Path("autograde") / "work" / "demo"      # relative to the course root


def demo_root(root):
    """The demo course's root for the course at ``root``, made when missing (solutions/ links to the course's)."""
    droot = Path(root).resolve() / DEMO_DIR
    droot.mkdir(parents=True, exist_ok=True)
    link = droot / "solutions"
    if not link.exists():
        if link.is_symlink():
            link.unlink()                                # a dangling link from a moved course
        link.symlink_to(os.path.relpath(Path(root).resolve() / "solutions", droot), target_is_directory=True)
    return droot


def run_demo(root, workers=None, sandbox="auto"):
    """Grade the sample class in the demo course of ``root``; print the grade table and the summaries."""
    warnings.filterwarnings("ignore", message=".*not in session.*")
    droot = demo_root(root)
    course = Course(droot)
    students = sorted(p.name for p in SAMPLES.iterdir() if p.is_dir())
    shutil.copytree(SAMPLES, course.submitted, dirs_exist_ok=True)
    print(f"Grading {len(students)} sample submissions ({', '.join(students)}) in the demo course {droot} "
          "(apart from your class) ...")
    records = grade_class(droot, students=students, workers=workers, sandbox=sandbox, feedback=True)
    print("\n" + report.grade_table(records))
    print("\n" + report.summary(records))
    reports = course.work / "reports"
    everyone = class_records(course)
    exported = report.export_csv(droot, reports, everyone)
    png = report.histogram(everyone, reports / "scores.png")
    _, html = class_report.write_reports(everyone, reports)
    sandboxes = sorted({r.sandbox for r in records if r.sandbox})
    if sandboxes:
        print(f"\nKernels ran under: {', '.join(sandboxes)}")
    print(f"Feedback (HTML, the judge's verdicts with the likely mistake named): {course.feedback}")
    print(f"Reports: {html.name}, {png.name}, {', '.join(p.name for p in exported[:2])} in {reports}")
    print(f"The demo course is {droot}: remove it with rm -rf {droot}")
    return records


def print_grades(records):
    """The grade table (autograde/report.py: grade_table), printed."""
    print("\n" + report.grade_table(records))
