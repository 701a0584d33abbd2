"""Instructor command line: python -m autograde COMMAND ...

    build      solutions/ -> notebooks/ (the student release; only assignments whose solutions changed)
    import     bring submissions in from a folder or a zip (nbgrader layout or a flat LMS export)
    grade      autograde in parallel (resumable; --scheduler for a Dask cluster); summary + histogram
    feedback   HTML feedback for graded submissions (the judge's verdicts, no grader code)
    export     grades.csv, tests.csv, students.csv, the class's LMS grade-import CSVs, the class report
               (every score read from the gradebook: a grade entered by hand is in each at once)
    all        build, import, grade with feedback, export: the whole job in one command
    demo       grade the sample class in autograde/samples/ in a course of its own (autograde/work/demo/,
               never mixed into your class) and print the grade table

Examples:
    python -m autograde import ~/Downloads/activations-submissions.zip
    python -m autograde grade 01_activations --workers 8
    python -m autograde grade --scheduler tcp://10.0.0.5:8786 --db postgresql+psycopg2://u:pw@host/grades
    python -m autograde all ~/Downloads/export.zip --out grades/

A mistake (a wrong path, nothing imported yet, another run going, a full disk) ends with one line on
stderr and exit status 2; a failure of the grader itself with one line and its traceback in
autograde/work/logs/ (AUTOGRADE_DEBUG=1 prints it).
"""
import argparse
import errno
import os
import sys
import time
import traceback
from pathlib import Path

from autograde.course import ROOT, ensure_tools_on_path

PROG = "python -m autograde"
LOCKED_COMMANDS = {"import", "grade", "all", "build", "feedback", "export", "demo"}


class UserError(Exception):
    """A mistake the user can fix: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):   # argparse prints usage + error; one line is enough (--help has the rest)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _work(args):
    return Path(args.root) / "autograde" / "work"


def _n(count, noun):
    return f"{count} {noun}{'s' * (count != 1)}"


# ---------------------------------------------------------------------------------- commands

def cmd_build(args):
    from autograde.build import BuildError, build_changed

    try:
        build_changed(Path(args.root), force=args.command == "build" and args.force)
    except BuildError as e:
        log = _work(args) / "logs" / f"build-{e.assignment}.txt"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(e.log)
        raise UserError(f"building the release of {e.assignment} failed: {e.reason} (solutions/{e.assignment}; "
                        f"nbgrader's log: {log})") from None
    return 0


def _limits(args):
    from autograde.importer import ImportLimits
    limits = ImportLimits()
    for name in ("max_files", "max_total_mb", "max_file_mb", "max_ratio"):
        value = getattr(args, name, None)
        if value is not None:
            if value <= 0:
                raise UserError(f"--{name.replace('_', '-')} must be positive")
            setattr(limits, name, value)
    return limits


def cmd_import(args):
    from autograde.importer import import_submissions

    report = import_submissions(args.source, args.root, assignment=args.assignment, dry_run=args.dry_run,
                                limits=_limits(args))
    text = report.summary()
    print(text)
    if not args.dry_run and (report.unplaced or report.warnings):
        log = _work(args) / "imports" / time.strftime("import-%Y%m%d-%H%M%S.txt")
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(f"{report.source}\n{report.full_text()}\n", encoding="utf-8")
        if report.full_text() != text:
            print(f"(the full list: {log})")
    if not report.placed:
        raise UserError(f"nothing was imported from {args.source}: no file could be placed (the reasons are above)")
    if not args.dry_run:
        _sync_names(args)
    return 0


def _sync_names(args):
    """Students' LMS display names (from --roster when given) to students.json and the gradebook."""
    from autograde.importer import sync_names

    roster = getattr(args, "roster", None)
    if roster and not Path(roster).is_file():
        raise UserError(f"no such roster file: {roster}")
    try:
        for line in sync_names(args.root, roster):
            print(line)
    except ValueError as e:   # a roster that is neither a Canvas nor a Moodle export
        raise UserError(str(e)) from None


def _grade_limits(args):
    from autograde.sandbox import Limits
    limits = Limits()
    if args.timeout:
        limits.notebook_s = args.timeout
    if args.cell_timeout:
        limits.cell_s = args.cell_timeout
    if args.memory:
        limits.memory_mb = args.memory
    return limits


def _check_something_to_grade(course, args):
    names = course.assignments()
    if args.assignment and args.assignment not in names:
        raise UserError(f"no assignment {args.assignment!r}; the assignments are: {', '.join(names)}")
    pairs = course.submissions(args.assignment, args.student or None)
    if pairs:
        return pairs
    everything = course.submissions()
    if not everything:
        raise UserError(f"nothing to grade yet: {course.submitted} holds no submissions; import them first: "
                        f"{PROG} import EXPORT.zip")
    what = []
    if args.assignment:
        what.append(f"assignment {args.assignment}")
    if args.student:
        what.append("student " + ", ".join(args.student))
    students = sorted({s for s, _ in everything})
    raise UserError(f"no submissions for {' and '.join(what)} ({_n(len(students), 'student')} have submissions: "
                    f"{', '.join(students[:8])}{' ...' if len(students) > 8 else ''})")


def _result_stamps(course):
    if not course.results.is_dir():
        return {}
    return {p: p.stat().st_mtime_ns for p in course.results.glob("*/*.json")}


def cmd_grade(args, feedback=None, reports=True):
    """Grade; then (reports=True) print the selection's summary and rewrite the class-wide figures."""
    import warnings

    from autograde.course import Course
    from autograde.pipeline import grade_class

    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    course = Course(args.root, db_url=args.db)
    _check_something_to_grade(course, args)
    t0 = time.perf_counter()
    before = _result_stamps(course)
    records = grade_class(args.root, assignment=args.assignment, students=args.student or None,
                          workers=args.workers, sandbox=args.sandbox, scheduler=args.scheduler,
                          progress=not args.quiet, limits=_grade_limits(args),
                          feedback=args.feedback if feedback is None else feedback, force=args.force,
                          db_url=args.db)
    after = _result_stamps(course)
    regraded = sum(1 for p, t in after.items() if before.get(p) != t)
    failed = 1 if any(r.status == "error" for r in records) else 0
    if records and not regraded:
        print(f"Nothing new to grade: all {_n(len(records), 'submission')} are unchanged since they were graded "
              f"(grades kept; --force regrades them). Reports: {course.work / 'reports'}")
        return failed
    sandboxes = sorted({r.sandbox for r in records if r.sandbox})
    if reports:
        from autograde import report
        print(report.summary(records))
        _write_figures(course, course.work / "reports")
    print(f"\nGraded {_n(regraded, 'submission')} in {time.perf_counter() - t0:.0f} s"
          + (f" ({len(records) - regraded} unchanged, kept)" if len(records) > regraded else "")
          + (f"; kernels ran under: {', '.join(sandboxes)}" if sandboxes else ""))
    return failed


def _write_figures(course, out, quiet=False):
    """The histogram and the class report of the whole class (never of a selection), from the gradebook;
    prints the class report's summary and where both are."""
    from autograde import class_report, report
    from autograde.store import class_records

    everyone = class_records(course)
    png = report.histogram(everyone, out / "scores.png")
    cr_csv, cr_html = class_report.write_reports(everyone, out)
    if not quiet:
        print("\n" + class_report.summary(everyone))
    print(f"Class report ({_n(len({r.student for r in everyone}), 'student')}): {cr_html} (and {cr_csv.name}); "
          f"histogram: {png}")
    return everyone


def cmd_feedback(args):
    import warnings

    from autograde.course import Course
    warnings.filterwarnings("ignore")
    course = Course(args.root, db_url=args.db)
    pairs = [(s, a) for s, a in course.submissions(args.assignment, args.student or None)
             if (course.autograded / s / a).is_dir()]
    if not pairs:
        raise UserError(f"nothing graded yet{' for that selection' if args.assignment or args.student else ''}: "
                        f"run {PROG} grade first")
    done = 0
    for student, assignment in pairs:
        result = course.api.generate_feedback(assignment, student, force=True)
        done += bool(result["success"])
        if not result["success"]:
            print(f"  {student}/{assignment}: {(result.get('error') or '').strip().splitlines()[-1:]}")
    print(f"Feedback for {done} submissions in {course.feedback} (the judge's verdicts, no grader code)")
    return 0


def cmd_export(args):
    """grades.csv, tests.csv, students.csv, the LMS files, the histogram and the class report, all read
    from the gradebook (a hand grade entered in the formgrader is in each); the grade table unless --quiet."""
    from autograde import report
    from autograde.course import Course
    from autograde.store import records_from_results

    course = Course(args.root, db_url=args.db)
    records = records_from_results(args.root, db_url=args.db)
    if not records and not (course.autograded.is_dir() and any(course.autograded.iterdir())):
        raise UserError(f"nothing graded yet: run {PROG} grade first")
    if args.db is None:
        _sync_names(args)                  # the roster's display names, before anything is written
        if args.roster:
            records = records_from_results(args.root)
    out = Path(args.out) if args.out else course.work / "reports"
    try:
        exported = report.export_csv(args.root, out, records, db_url=args.db, roster=args.roster)
    except ValueError as e:   # a roster that is neither a Canvas nor a Moodle export
        raise UserError(str(e)) from None
    if not args.quiet:
        print(report.grade_table(records))
        print("\n" + report.summary(records))
    _write_figures(course, out, quiet=args.quiet)
    grades, tests = exported
    print(f"Wrote {grades}, {tests} and {exported.students.name}")
    print("For the LMS: " + (", ".join(p.name for p in exported.lms) or "nothing")
          + f" (in {out}; upload steps in the README)")
    for note in exported.notes:
        print(f"  {note}")
    return 0


def cmd_all(args):
    from autograde.importer import check_source

    if args.source:
        check_source(args.source)           # a wrong path fails now, not after building the release
    cmd_build(args)
    if args.source:
        cmd_import(args)
    status = cmd_grade(args, feedback=True, reports=False)     # export prints the tables and reports, once
    print()
    cmd_export(args)
    return status


def cmd_demo(args):
    from autograde.demo import run_demo

    cmd_build(args)
    run_demo(Path(args.root), workers=args.workers, sandbox=args.sandbox)
    return 0


# ---------------------------------------------------------------------------------- errors

def _disk_full(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return exc
        if "database or disk is full" in str(exc) or "No space left on device" in str(exc):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _crash_log(args, exc):
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        path = Path(getattr(args, "root", ROOT)) / "autograde" / "work" / "logs" / \
            time.strftime("crash-%Y%m%d-%H%M%S.txt")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{' '.join(sys.argv)}\n\n{text}")
        return path
    except OSError:
        return None


def main(argv=None):
    ensure_tools_on_path()     # nbgrader runs `alembic`: the venv's bin/ must be on PATH even when not activated
    parser = _Parser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(ROOT), help="the course folder (default: this repository)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

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

    def import_options(p):
        p.add_argument("--max-files", type=int, help="refuse an archive with more entries (default 10000)")
        p.add_argument("--max-total-mb", type=float, help="refuse an archive that unpacks to more (default 2048)")
        p.add_argument("--max-file-mb", type=float, help="skip a larger file (default 64)")
        p.add_argument("--max-ratio", type=float,
                       help="skip an entry (over 1 MB) that unpacks to more than this many times its packed "
                            "size: a zip bomb (default 200)")

    p = sub.add_parser("build", help="build the student release (notebooks/) of the assignments whose "
                                     "solutions changed")
    p.add_argument("--force", action="store_true", help="rebuild every assignment")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("import", help="import submissions from a folder or zip")
    p.add_argument("source", help="folder or .zip (nbgrader layout or <student>_<id>_<file>.ipynb)")
    p.add_argument("--assignment", help="put every flat file under this assignment")
    p.add_argument("--dry-run", action="store_true", help="report what would be placed, copy nothing")
    p.add_argument("--roster", help="the LMS's own gradebook export (Canvas or Moodle CSV): keeps each student's "
                                    "name as the LMS shows it (Canvas: \"Last, First\"), for the formgrader and "
                                    "every report")
    import_options(p)
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("grade", help="autograde (parallel, resumable)")
    grading_options(p)
    p.set_defaults(func=cmd_grade)
    p = sub.add_parser("feedback", help="generate HTML feedback")
    p.add_argument("assignment", nargs="?", default=None)
    p.add_argument("--student", action="append")
    p.add_argument("--db")
    p.set_defaults(func=cmd_feedback)
    p = sub.add_parser("export", help="write grades.csv, tests.csv, students.csv, the LMS CSVs and the histogram")
    p.add_argument("--out", help="folder (default: autograde/work/reports)")
    p.add_argument("--roster", help="the LMS's own gradebook export (Canvas or Moodle CSV): fills the identifier "
                                    "columns (SIS ids, section, e-mail) of the LMS files")
    p.add_argument("--db")
    p.add_argument("--quiet", action="store_true", help="no grade table or summaries: only the files written")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("all", help="build, import, grade with feedback, export")
    p.add_argument("source", nargs="?", help="folder or zip of submissions to import first")
    p.add_argument("--out", help="where export writes (default: autograde/work/reports)")
    p.add_argument("--roster", help="as for export")
    p.add_argument("--dry-run", action="store_true", help=argparse.SUPPRESS)
    grading_options(p)
    import_options(p)
    p.set_defaults(func=cmd_all)
    p = sub.add_parser("demo", help="build, grade the sample class in its own course (autograde/work/demo), "
                                    "print grades")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "rlimit", "none"])
    p.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    prefix = f"{PROG} {args.command}"

    def fail(message, code=2):
        print(f"{prefix}: {message}", file=sys.stderr)
        return code

    from autograde.importer import SourceError
    from autograde.lock import LockHeld, course_lock

    try:
        root = Path(args.root)
        if not (root / "solutions").is_dir():
            return fail(f"{root} is not a course folder (it has no solutions/ folder); check --root")
        if args.command in LOCKED_COMMANDS:
            with course_lock(root, args.command):
                return args.func(args)
        return args.func(args)
    except KeyboardInterrupt:
        what = {"import": "every file placed so far is complete",
                "build": "the assignments built so far are recorded"}.get(
            args.command, "every submission graded so far is saved")
        print(f"\nInterrupted: {what}; run the same command again to do the rest.", file=sys.stderr)
        return 130
    except (UserError, SourceError, LockHeld) as e:
        return fail(str(e))
    except Exception as e:  # noqa: BLE001 - one line for the user, the traceback in a file
        full = _disk_full(e)
        if full is not None:
            where = f" ({full.filename})" if getattr(full, "filename", None) else ""
            return fail(f"the disk is full{where}: free some space, then run the same command again "
                        "(what was saved before is kept)")
        if os.environ.get("AUTOGRADE_DEBUG"):
            raise
        log = _crash_log(args, e)
        detail = str(e).strip().splitlines()[-1][:300] if str(e).strip() else ""
        return fail(f"internal error: {type(e).__name__}{': ' + detail if detail else ''}"
                    + (f" (traceback in {log}; please report it)" if log else ""), code=1)


if __name__ == "__main__":
    sys.exit(main())
