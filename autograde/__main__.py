"""Instructor command line: python -m autograde COMMAND ...

    build      solutions/ -> notebooks/ (the student release)
    import     bring submissions in from a folder or a zip (nbgrader layout or a flat LMS export)
    grade      autograde in parallel (resumable; --scheduler for a Dask cluster); summary + histogram
    feedback   HTML feedback for graded submissions (hidden tests removed)
    export     grades.csv (per student per notebook) and tests.csv (per student per test)
    all        build, import, grade with feedback, export: the whole job in one command
    demo       grade the sample class in autograde/samples/ and print the grade table

Examples:
    python -m autograde import ~/Downloads/activations-submissions.zip
    python -m autograde grade 01_activations --workers 8
    python -m autograde grade --scheduler tcp://10.0.0.5:8786 --db postgresql+psycopg2://u:pw@host/grades
    python -m autograde all ~/Downloads/export.zip --out grades/
"""
import argparse
import sys
import time
from pathlib import Path

from autograde.course import ROOT


def cmd_build(args):
    from autograde.build import build_release

    t0 = time.perf_counter()
    root = Path(args.root)
    written = build_release(root)
    for path in written:
        print(f"  wrote {path.relative_to(root) if path.is_relative_to(root) else path}")
    print(f"Built the student release: {len(written)} notebook{'s' * (len(written) != 1)} in {time.perf_counter() - t0:.1f} s")


def cmd_import(args):
    from autograde.importer import import_submissions

    report = import_submissions(args.source, args.root, assignment=args.assignment, dry_run=args.dry_run)
    print(report.summary())
    return 1 if not report.placed else 0


def _limits(args):
    from autograde.sandbox import Limits
    limits = Limits()
    if args.timeout:
        limits.notebook_s = args.timeout
    if args.cell_timeout:
        limits.cell_s = args.cell_timeout
    if args.memory:
        limits.memory_mb = args.memory
    return limits


def cmd_grade(args, feedback=None):
    import warnings

    from autograde import report
    from autograde.pipeline import Course, grade_class

    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    t0 = time.perf_counter()
    records = grade_class(args.root, assignment=args.assignment, students=args.student or None,
                          workers=args.workers, sandbox=args.sandbox, scheduler=args.scheduler,
                          progress=not args.quiet, limits=_limits(args),
                          feedback=args.feedback if feedback is None else feedback, force=args.force,
                          db_url=args.db)
    print(report.summary(records))
    course = Course(args.root, db_url=args.db)
    png = report.histogram(records, course.work / "reports" / "scores.png")
    sandboxes = sorted({r["sandbox"] for r in records if r.get("sandbox")})
    print(f"\nGraded in {time.perf_counter() - t0:.0f} s" + (f"; kernels ran under: {', '.join(sandboxes)}"
                                                           if sandboxes else ""))
    print(f"Histogram: {png}")
    return 1 if any(r["status"] == "error" for r in records) else 0


def cmd_feedback(args):
    import warnings

    from autograde.pipeline import Course
    warnings.filterwarnings("ignore")
    course = Course(args.root, db_url=args.db)
    pairs = course.submissions(args.assignment, args.student or None)
    done = 0
    for student, assignment in pairs:
        if not (course.autograded / student / assignment).is_dir():
            continue
        result = course.api.generate_feedback(assignment, student, force=True)
        done += bool(result["success"])
        if not result["success"]:
            print(f"  {student}/{assignment}: {result.get('error', '').strip().splitlines()[-1:]}")
    print(f"Feedback for {done} submissions in {course.feedback} (hidden tests removed)")
    return 0


def cmd_export(args):
    from autograde import report
    from autograde.pipeline import Course, records_from_results

    course = Course(args.root, db_url=args.db)
    out = Path(args.out) if args.out else course.work / "reports"
    records = records_from_results(args.root)
    grades, tests = report.export_csv(args.root, out, records, db_url=args.db)
    png = report.histogram(records, out / "scores.png")
    print(f"Wrote {grades}, {tests} and {png}")
    return 0


def cmd_all(args):
    cmd_build(args)
    if args.source:
        if cmd_import(args):
            print("Nothing was imported.")
    status = cmd_grade(args, feedback=True)
    cmd_export(args)
    return status


def cmd_demo(args):
    from autograde.demo import run_demo

    cmd_build(args)
    run_demo(Path(args.root), workers=args.workers, sandbox=args.sandbox)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograde", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(ROOT), help="the course folder (default: this repository)")
    sub = parser.add_subparsers(dest="command", required=True)

    def grading_options(p):
        p.add_argument("assignment", nargs="?", default=None, help="one assignment (default: all)")
        p.add_argument("--student", action="append", help="only this student (repeatable)")
        p.add_argument("--workers", type=int, default=None, help="parallel workers (default: one per core)")
        p.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (see README)")
        p.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "rlimit", "none"],
                       help="how kernels are isolated (default auto: bubblewrap if it works, else rlimits)")
        p.add_argument("--timeout", type=float, help="wall-time limit per notebook in seconds (default 900)")
        p.add_argument("--cell-timeout", type=float, help="limit per cell (default: the config's Execute.timeout)")
        p.add_argument("--memory", type=int, help="memory limit per kernel in MB (default 4096)")
        p.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
        p.add_argument("--db", help="gradebook URL (default: the config's; e.g. postgresql+psycopg2://...)")
        p.add_argument("--feedback", action="store_true", help="also write HTML feedback")
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("build", help="build the student release (notebooks/) from solutions/").set_defaults(func=cmd_build)
    p = sub.add_parser("import", help="import submissions from a folder or zip")
    p.add_argument("source", help="folder or .zip (nbgrader layout or <student>_<id>_<file>.ipynb)")
    p.add_argument("--assignment", help="put every flat file under this assignment")
    p.add_argument("--dry-run", action="store_true", help="report what would be placed, copy nothing")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("grade", help="autograde (parallel, resumable)")
    grading_options(p)
    p.set_defaults(func=cmd_grade)
    p = sub.add_parser("feedback", help="generate HTML feedback")
    p.add_argument("assignment", nargs="?", default=None)
    p.add_argument("--student", action="append")
    p.add_argument("--db")
    p.set_defaults(func=cmd_feedback)
    p = sub.add_parser("export", help="write grades.csv, tests.csv and the histogram")
    p.add_argument("--out", help="folder (default: autograde/work/reports)")
    p.add_argument("--db")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("all", help="build, import, grade with feedback, export")
    p.add_argument("source", nargs="?", help="folder or zip of submissions to import first")
    p.add_argument("--out", help="where export writes (default: autograde/work/reports)")
    p.add_argument("--dry-run", action="store_true", help=argparse.SUPPRESS)
    grading_options(p)
    p.set_defaults(func=cmd_all)
    p = sub.add_parser("demo", help="build, grade the sample class, print grades")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "rlimit", "none"])
    p.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("\nInterrupted. Every submission graded so far is saved; run the same command again to grade "
              "the rest.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
