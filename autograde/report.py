"""What an instructor reads after grading: a grade table, a summary, per-test pass rates, CSV files, a histogram.

    grade_table(records) -> str          one line per submission: score (so far), status, tests lost, pending
    summary(records) -> str              students graded, mean/median score, problems, per-test pass rates
    histogram(records, path)             PNG of the score distribution, one panel per assignment
    export_csv(root, out_dir)            grades.csv (one row per student per notebook, with the student's
                                         LMS name and id), tests.csv (one row per student per test), from the
                                         gradebook (manual grades included) plus each submission's status
                                         and reason; students.csv (folder <-> LMS name <-> LMS id); and the
                                         LMS import files that fit the class (autograde/lms.py)

``records``: [autograde.records.Record], read from the gradebook (autograde/store.py: class_records), so a
grade entered by hand in the formgrader is in every one of these at once. A written answer nobody has
graded yet is *pending*: it is neither passed nor failed, and every total that leaves it out says "so far".
"""
import csv
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from autograde.importer import shown
from autograde.records import STATUS_ORDER, as_record


def _pct(x):
    return f"{100 * x:5.1f}%"


def _records(records):
    return [as_record(r) for r in records]


def pass_rates(records):
    """[(assignment, test, points, passed, attempted)] sorted by pass rate, lowest first. A pending
    written answer is not attempted yet (pending_counts has them)."""
    table = defaultdict(lambda: [0.0, 0, 0])
    for r in _records(records):
        if r.status == "error":
            continue
        for test, t in r.tests.items():
            row = table[(r.assignment, test)]
            row[0] = t.max_score
            if t.pending:
                continue
            row[1] += t.state == "passed"
            row[2] += 1
    rows = [(a, t, pts, passed, n) for (a, t), (pts, passed, n) in table.items()]
    return sorted(rows, key=lambda r: (r[3] / r[4] if r[4] else 0.0, r[0], r[1]))


def pending_counts(records):
    """{(assignment, test): number of written answers of that test awaiting a grade by hand}."""
    counts = Counter()
    for r in _records(records):
        if r.status != "error":
            counts.update((r.assignment, t) for t in r.pending)
    return counts


def pending_line(records):
    """"N written answers (P points) await a grade by hand: ..." or "" when none do."""
    rs = [r for r in _records(records) if r.status != "error" and r.pending]
    if not rs:
        return ""
    n, points = sum(len(r.pending) for r in rs), sum(r.pending_points for r in rs)
    return (f"{n} written answers ({points:g} points) await a grade by hand, so scores are so far for "
            f"{len(rs)} of these submissions: nbgrader's formgrader (Manual Grading); every report reads "
            "the gradebook, so export again to refresh the files")


def grade_table(records):
    """One line per submission: folder, assignment, score ("so far" while answers await a grade by hand),
    status, tests lost, pending answers, and the name the LMS shows (control characters escaped)."""
    rs = _records(records)
    if not rs:
        return "No submissions found."
    width = max(10, *(len(r.student) for r in rs))
    lines = [f"{'student':{width}s} {'assignment':18s} {'score':>11s}  {'status':8s} tests lost"]
    for r in rs:
        lost = sorted(t for t, s in r.tests.items() if s.state == "failed" and s.max_score)
        lines.append(f"{r.student:{width}s} {r.assignment:18s} {r.score:5.1f} / {r.max_score:3.0f}  "
                     f"{r.status:8s} {', '.join(lost) or '-'}"
                     + (f"   (so far; to grade by hand: {', '.join(r.pending)}, {r.pending_points:g} pts)"
                        if r.pending else "")
                     + (f"   [{shown(r.name)}]" if r.name and r.name != r.student else ""))
        if r.status != "graded" and r.reason:
            lines.append(f"{'':{width}s} {r.reason[:200]}")
    return "\n".join(lines)


def summary(records, max_problems=20):
    """A plain-text report (see the module docstring)."""
    records = _records(records)
    if not records:
        return "No submissions found."
    lines = []
    statuses = Counter(r.status for r in records)
    students = {r.student for r in records}
    problems = [r for r in records if r.status != "graded"]
    parts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()) if s != "graded")
    lines.append(f"{len(records)} submissions from {len(students)} students: {statuses.get('graded', 0)} graded"
                 + (f", {len(problems)} with problems ({parts})" if problems else ""))
    lines.append("")
    lines.append(f"{'assignment':20s} {'n':>4s} {'mean':>7s} {'median':>7s} {'min':>6s} {'max':>6s} {'of':>5s}")
    by_assignment = defaultdict(list)
    for r in records:
        if r.status != "error":
            by_assignment[r.assignment].append(r)
    for a, rs in sorted(by_assignment.items()):
        scores = [r.score for r in rs]
        waiting = sum(bool(r.pending) for r in rs)
        lines.append(f"{a:20s} {len(rs):4d} {statistics.mean(scores):7.2f} {statistics.median(scores):7.2f} "
                     f"{min(scores):6.1f} {max(scores):6.1f} {rs[0].max_score:5.0f}"
                     + (f"  so far ({waiting} with answers to grade by hand)" if waiting else ""))
    line = pending_line(records)
    if line:
        lines.append(line)
    rates = pass_rates(records)
    pending = pending_counts(records)
    if rates:
        lines.append("")
        lines.append("Per-test pass rates, lowest first (passed = full points; pending = awaiting a grade by hand):")
        for a, t, pts, passed, n in rates:
            lines.append(f"  {a:20s} {t:24s} {pts:4.0f} pts  {_pct(passed / n if n else 0) if n else '    -':>6s}  "
                         f"({passed}/{n})" + (f"  {pending[(a, t)]} pending" if pending[(a, t)] else ""))
    if problems:
        rank = {s: i for i, s in enumerate(STATUS_ORDER)}
        problems.sort(key=lambda r: (rank.get(r.status, len(rank)), r.assignment, r.student))
        lines.append("")
        lines.append("Submissions with problems (worst first):")
        for r in problems[:max_problems]:
            lines.append(f"  {r.student:16s} {r.assignment:18s} {r.status:10s} {r.score:5.1f}  {r.reason[:160]}")
        if len(problems) > max_problems:
            lines.append(f"  ... and {len(problems) - max_problems} more (see grades.csv)")
    return "\n".join(lines)


def histogram(records, path):
    """Save a histogram of scores (percent of the maximum) per assignment to ``path`` (PNG). A panel whose
    submissions have written answers awaiting a grade by hand says "so far"."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    by_assignment, waiting = defaultdict(list), Counter()
    for r in _records(records):
        if r.status != "error" and r.max_score:
            by_assignment[r.assignment].append(100.0 * r.score / r.max_score)
            waiting[r.assignment] += bool(r.pending)
    names = sorted(by_assignment) or ["(no grades)"]
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        values = by_assignment.get(name, [])
        ax.hist(values, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.001], color="#4477aa", edgecolor="white")
        mean = statistics.mean(values) if values else 0.0
        ax.axvline(mean, color="#cc3311", linestyle="--", label=f"mean {mean:.0f}%")
        ax.set_title(f"{name} ({len(values)} students)")
        ax.set_xlabel("score (% of the maximum)" + (f", so far: {waiting[name]} await a hand grade"
                                                     if waiting[name] else ""))
        ax.set_ylabel("students")
        ax.set_xlim(0, 100)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if values:
            ax.legend(loc="upper left", frameon=False)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


class Exported(tuple):
    """(grades.csv, tests.csv) - unpacks as before - with .students (students.csv), .lms (the LMS files
    written) and .notes (what the instructor should know before uploading them)."""
    students = None
    lms = ()
    notes = ()


GRADES_HEADER = ["student", "assignment", "notebook", "score", "max_score", "pending_points", "score_is", "status",
                 "reason", "lms_name", "lms_id"]
TESTS_HEADER = ["student", "assignment", "notebook", "test", "state", "score", "max_score", "passed", "diagnosis"]


def _lms_id(who, assignment):
    return who.get("lms_id") or (who.get("participant_ids") or {}).get(assignment, "")


def _write_grades(path, records, students):
    """grades.csv: one row per (student, notebook); score_is "final" or "so far" (answers to grade by hand)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(GRADES_HEADER)
        for r in records:
            who = students.get(r.student, {})
            by_nb = defaultdict(list)
            for t in r.tests.values():
                by_nb[t.notebook].append(t)
            for nb, ts in sorted(by_nb.items()) or [("", [])]:
                pending = sum(t.max_score for t in ts if t.pending)
                w.writerow([r.student, r.assignment, nb, f"{sum(t.score for t in ts):g}",
                            f"{sum(t.max_score for t in ts) if ts else r.max_score:g}", f"{pending:g}",
                            "so far" if pending else "final", r.status, r.reason,
                            r.name or who.get("name", r.student), _lms_id(who, r.assignment)])


def _write_tests(path, records, diagnosis):
    """tests.csv: one row per (student, test); state passed | failed | pending (score empty while pending)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(TESTS_HEADER)
        for r in records:
            for name, t in sorted(r.tests.items()):
                w.writerow([r.student, r.assignment, t.notebook, name, t.state, "" if t.pending else f"{t.score:g}",
                            f"{t.max_score:g}", "" if t.pending else int(t.state == "passed"),
                            diagnosis(r, name)])


def _write_students(path, records, students):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["folder", "lms_name", "lms", "lms_id", "moodle_participant_ids"])
        for folder in sorted(set(students) | {r.student for r in records}):
            e = students.get(folder, {})
            w.writerow([folder, e.get("display") or e.get("name", folder), e.get("lms", ""), e.get("lms_id", ""),
                        " ".join(f"{a}:{p}" for a, p in sorted((e.get("participant_ids") or {}).items()))])


def export_csv(root, out_dir, records=None, db_url=None, roster=None):
    """Write grades.csv, tests.csv, students.csv and the LMS import files that fit the class to ``out_dir``.

    Returns Exported: (grades path, tests path) with .students, .lms and .notes. Scores come from the
    gradebook (records: store.class_records; read here when not given), so grades entered by hand in the
    formgrader count; status, reason and diagnoses from the result files; each student's LMS name and id
    from autograde/work/students.json (written by import). roster: optional LMS gradebook export whose
    identifier columns fill the LMS files (autograde/lms.py).
    """
    from autograde import lms
    from autograde.class_report import diagnosis_for
    from autograde.course import Course
    from autograde.importer import Roster
    from autograde.store import class_records

    course = Course(root, db_url=db_url)
    records = _records(records) if records is not None else class_records(course)
    students = Roster(course.work / "students.json").by_folder()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    grades_path, tests_path = out_dir / "grades.csv", out_dir / "tests.csv"
    _write_grades(grades_path, records, students)
    _write_tests(tests_path, records, diagnosis_for)
    students_path = out_dir / "students.csv"
    _write_students(students_path, records, students)
    totals = {(r.student, r.assignment): r.score for r in records if r.status != "error"}
    pending = {(r.student, r.assignment): r.pending_points for r in records if r.status != "error" and r.pending}
    max_scores = {r.assignment: r.max_score for r in records}
    exported = lms.write_lms_files(out_dir, totals, max_scores, students, roster=roster, pending=pending)
    result = Exported((grades_path, tests_path))
    result.students, result.lms, result.notes = students_path, exported.paths, exported.notes
    return result
