"""What an instructor reads after grading: a summary table, per-test pass rates, CSV files, a histogram.

    summary(records) -> str              students graded, mean/median score, problems, per-test pass rates
    histogram(records, path)             PNG of the score distribution, one panel per assignment
    export_csv(root, out_dir, records)   grades.csv (one row per student per notebook, with the student's
                                         LMS name and id), tests.csv (one row per student per test), from the
                                         gradebook (manual grades included) plus each submission's status
                                         and reason; students.csv (folder <-> LMS name <-> LMS id); and the
                                         Canvas and Moodle import files (autograde/lms.py)

``records`` are what ``autograde.pipeline.grade_class`` returns (or ``records_from_results``).
"""
import csv
import statistics
from collections import Counter, defaultdict
from pathlib import Path


def _pct(x):
    return f"{100 * x:5.1f}%"


def pass_rates(records):
    """[(assignment, test, points, passed, attempted)] sorted by pass rate, lowest first."""
    table = defaultdict(lambda: [0.0, 0, 0])
    for r in records:
        if r["status"] in ("error",):
            continue
        for test, (score, mx) in r.get("tests", {}).items():
            if test in r.get("pending", ()):
                continue                    # a written answer not graded yet: neither passed nor failed
            row = table[(r["assignment"], test)]
            row[0] = mx
            row[1] += score >= mx and mx > 0
            row[2] += 1
    rows = [(a, t, pts, passed, n) for (a, t), (pts, passed, n) in table.items()]
    return sorted(rows, key=lambda r: (r[3] / r[4] if r[4] else 0.0, r[0], r[1]))


def summary(records, max_problems=20):
    """A plain-text report (see the module docstring)."""
    if not records:
        return "No submissions found."
    lines = []
    statuses = Counter(r["status"] for r in records)
    students = {r["student"] for r in records}
    problems = [r for r in records if r["status"] != "graded"]
    parts = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()) if s != "graded")
    lines.append(f"{len(records)} submissions from {len(students)} students: {statuses.get('graded', 0)} graded"
                 + (f", {len(problems)} with problems ({parts})" if problems else ""))
    lines.append("")
    lines.append(f"{'assignment':20s} {'n':>4s} {'mean':>7s} {'median':>7s} {'min':>6s} {'max':>6s} {'of':>5s}")
    by_assignment = defaultdict(list)
    for r in records:
        if r["status"] != "error":
            by_assignment[r["assignment"]].append(r)
    for a, rs in sorted(by_assignment.items()):
        scores = [r["score"] for r in rs]
        lines.append(f"{a:20s} {len(rs):4d} {statistics.mean(scores):7.2f} {statistics.median(scores):7.2f} "
                     f"{min(scores):6.1f} {max(scores):6.1f} {rs[0]['max_score']:5.0f}")
    pending = [(r, t) for r in records for t in r.get("pending", ())]
    if pending:
        points = sum(r["tests"][t][1] for r, t in pending if t in r["tests"])
        lines.append(f"{len(pending)} written answers ({points:g} points) await a grade by hand: "
                     "nbgrader's formgrader (Manual Grading), then run feedback and export again")
    rates = pass_rates(records)
    if rates:
        lines.append("")
        lines.append("Per-test pass rates, lowest first (passed = full points):")
        for a, t, pts, passed, n in rates:
            lines.append(f"  {a:20s} {t:24s} {pts:4.0f} pts  {_pct(passed / n if n else 0)}  ({passed}/{n})")
    if problems:
        from autograde.records import STATUS_ORDER
        rank = {s: i for i, s in enumerate(STATUS_ORDER)}
        problems.sort(key=lambda r: (rank.get(r["status"], len(rank)), r["assignment"], r["student"]))
        lines.append("")
        lines.append("Submissions with problems (worst first):")
        for r in problems[:max_problems]:
            lines.append(f"  {r['student']:16s} {r['assignment']:18s} {r['status']:10s} {r['score']:5.1f}  "
                         f"{r['reason'][:160]}")
        if len(problems) > max_problems:
            lines.append(f"  ... and {len(problems) - max_problems} more (see grades.csv)")
    return "\n".join(lines)


def histogram(records, path):
    """Save a histogram of scores (percent of the maximum) per assignment to ``path`` (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    by_assignment = defaultdict(list)
    for r in records:
        if r["status"] != "error" and r["max_score"]:
            by_assignment[r["assignment"]].append(100.0 * r["score"] / r["max_score"])
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
        ax.set_xlabel("score (% of the maximum)")
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


def export_csv(root, out_dir, records=None, db_url=None, roster=None):
    """Write grades.csv, tests.csv, students.csv and the LMS import files to ``out_dir``.

    Returns Exported: (grades path, tests path) with .students, .lms and .notes. Scores come from the
    gradebook (so manual grades entered in formgrader count); status and reason from the grading
    records; each student's LMS name and id from autograde/work/students.json (written by import).
    roster: optional LMS gradebook export whose identifier columns fill the LMS files (autograde/lms.py).
    """
    from nbgrader.api import Gradebook

    from autograde import lms
    from autograde.importer import Roster
    from autograde.course import Course
    from autograde.store import records_from_results

    course = Course(root, db_url=db_url)
    records = records if records is not None else records_from_results(root)
    info = {(r["assignment"], r["student"]): r for r in records}
    students = Roster(course.work / "students.json").by_folder()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    grades_path, tests_path = out_dir / "grades.csv", out_dir / "tests.csv"
    totals, max_scores = {}, {}
    with Gradebook(course.db_url) as gb, open(grades_path, "w", newline="", encoding="utf-8") as fg, \
            open(tests_path, "w", newline="", encoding="utf-8") as ft:
        g = csv.writer(fg)
        t = csv.writer(ft)
        g.writerow(["student", "assignment", "notebook", "score", "max_score", "status", "reason", "lms_name",
                    "lms_id"])
        t.writerow(["student", "assignment", "notebook", "test", "score", "max_score", "passed", "diagnosis"])
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            max_scores[assignment.name] = assignment.max_score
            for sub in sorted(assignment.submissions, key=lambda s: s.student.id):
                rec = info.get((assignment.name, sub.student.id), {})
                who = students.get(sub.student.id, {})
                lms_id = who.get("lms_id") or (who.get("participant_ids") or {}).get(assignment.name, "")
                if rec.get("status") != "error":
                    totals[(sub.student.id, assignment.name)] = sub.score
                for nb in sorted(sub.notebooks, key=lambda n: n.name):
                    g.writerow([sub.student.id, assignment.name, nb.name, f"{nb.score:g}", f"{nb.max_score:g}",
                                rec.get("status", ""), rec.get("reason", ""), who.get("name", sub.student.id),
                                lms_id])
                    for grade in sorted(nb.grades, key=lambda x: x.name):
                        score = grade.score or 0.0
                        t.writerow([sub.student.id, assignment.name, nb.name, grade.name, f"{score:g}",
                                    f"{grade.max_score:g}", int(score >= grade.max_score > 0),
                                    (rec.get("diagnoses") or {}).get(grade.name, "")])
    students_path = out_dir / "students.csv"
    with open(students_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["folder", "lms_name", "lms", "lms_id", "moodle_participant_ids"])
        for folder in sorted(set(students) | {s for s, _ in totals}):
            e = students.get(folder, {})
            w.writerow([folder, e.get("name", folder), e.get("lms", ""), e.get("lms_id", ""),
                        " ".join(f"{a}:{p}" for a, p in sorted((e.get("participant_ids") or {}).items()))])
    exported = lms.write_lms_files(out_dir, totals, max_scores, students, roster=roster)
    result = Exported((grades_path, tests_path))
    result.students, result.lms, result.notes = students_path, exported.paths, exported.notes
    return result
