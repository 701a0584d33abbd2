"""The class report: what the class got wrong, per assignment, after grading.

    summary(records) -> str                  terminal text: score histogram, per-test pass rates, misconceptions
    write_csv(records, path) -> Path         one long-format CSV (kind = score_bin | pass_rate | pending |
                                             misconception)
    write_html(records, path) -> Path        one self-contained HTML page (plots as inline base64 PNGs), with
                                             every student's score (so far), pending answers and status
    write_reports(records, out_dir)          both, as class_report.csv and class_report.html
    misconceptions(records)                  [(assignment, test, name, students, of)]: each diagnosis counted once
                                             per student, most frequent first ("31% of students: Adam without
                                             bias correction")
    diagnosis_for(record, grade_id) -> str   the sentence for one student's test (the tests.csv column)

``records``: autograde.records.Record (scores from the gradebook, autograde/store.py), whose ``diagnoses``
are catalogue entry ids ("<notebook>/<grade_id>/<n>", looked up in the catalogue, never parsed). Records
whose status is "error" (the grader failed, not the student) are left out of every figure. A written
answer awaiting a grade by hand is pending: left out of the pass rates, counted as such, and every score
that lacks it is labelled "so far". Everything that comes from a submission (names, reasons) is escaped.
"""
import base64
import csv
import functools
import html
import io
import statistics
from collections import defaultdict
from pathlib import Path

from autograde.records import as_record

BINS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]


# ------------------------------------------------------------------------------------ the numbers

def _graded(records):
    return [r for r in map(as_record, records) if r.status != "error"]


def _by_assignment(records):
    out = defaultdict(list)
    for r in _graded(records):
        out[r.assignment].append(r)
    return dict(sorted(out.items()))


@functools.lru_cache(maxsize=1)
def _catalogue():
    """{entry id: entry dict (name, advice, section)} and {sentence: entry id} of the whole catalogue
    (({}, {}) where the catalogue is not installed: the report then shows the stored text as is). Read once
    per process; not to be changed by callers."""
    try:
        import importlib
        import pkgutil

        from autograde import diagnose
        package = importlib.import_module(diagnose.CATALOGUE_PACKAGE)
    except Exception:  # noqa: BLE001 - a report without the catalogue still shows its counts
        return {}, {}
    by_id, by_sentence = {}, {}
    for info in pkgutil.iter_modules(package.__path__):
        module = diagnose.catalogue(info.name)
        for gid, entries in getattr(module, "CATALOGUE", {}).items():
            for i, e in enumerate(entries):
                key = f"{info.name}/{gid}/{i}"
                by_id[key] = {"name": e["name"], "advice": e["advice"], "section": str(e["section"]),
                              "sentence": diagnose.sentence(e)}
                by_sentence.setdefault(by_id[key]["sentence"], key)
    return by_id, by_sentence


def entry(value, catalogue=None):
    """The catalogue entry of a stored diagnosis (an entry id; a full sentence from older result files is
    looked up as it is): {"name", "advice", "section", "sentence"}; unknown text is its own name."""
    by_id, by_sentence = catalogue if catalogue is not None else _catalogue()
    key = value if value in by_id else by_sentence.get(value)
    if key is not None:
        return by_id[key]
    return {"name": (value or "").strip(), "advice": "", "section": "", "sentence": value or ""}


def diagnosis_for(record, grade_id, catalogue=None):
    """The diagnosis sentence of one student's test, or ""."""
    value = (as_record(record).diagnoses or {}).get(grade_id, "")
    return entry(value, catalogue)["sentence"] if value else ""


def score_bins(rs):
    """Counts of scores (percent of the maximum) in the bins 0-10, ..., 90-100."""
    counts = [0] * (len(BINS) - 1)
    for r in rs:
        pct = 100.0 * r.score / r.max_score if r.max_score else 0.0
        counts[min(int(pct // 10), len(counts) - 1)] += 1
    return counts


def pass_rates(rs):
    """[(test, points, passed, attempted)] in the assignment's test order (the order the records hold);
    a pending written answer is not attempted yet (pending() counts them)."""
    from autograde.report import pass_rates as rates          # one count of "passed", sorted here by test order
    order = {t: i for i, t in enumerate(dict.fromkeys(t for r in rs for t in r.tests))}
    return sorted(((t, pts, passed, n) for _, t, pts, passed, n in rates(rs)), key=lambda row: order[row[0]])


def pending(rs):
    """{test: number of answers awaiting a grade by hand} of one assignment's records."""
    counts = defaultdict(int)
    for r in rs:
        for t in r.pending:
            counts[t] += 1
    return dict(counts)


def misconceptions(records):
    """[(assignment, test, name, students, of)], most frequent first within each assignment."""
    catalogue = _catalogue()
    rows = []
    for assignment, rs in _by_assignment(records).items():
        counts = defaultdict(set)
        for r in rs:
            for test, value in (r.diagnoses or {}).items():
                if value:
                    counts[(test, entry(value, catalogue)["name"])].add(r.student)
        students = len({r.student for r in rs})
        rows += sorted(((assignment, t, name, len(who), students) for (t, name), who in counts.items()),
                       key=lambda row: (-row[3], row[1], row[2]))
    return rows


def _pct(part, whole):
    return 100.0 * part / whole if whole else 0.0


def _so_far(rs):
    """" so far (2 answers, 4 points, await a grade by hand)" or ""."""
    n = sum(len(r.pending) for r in rs)
    return (f" so far ({n} written answers, {sum(r.pending_points for r in rs):g} points, await a grade by hand)"
            if n else "")


# ------------------------------------------------------------------------------------ the terminal

def summary(records, bar=30):
    """Per assignment: a text histogram of the scores, the per-test pass rates, the misconceptions."""
    groups = _by_assignment(records)
    if not groups:
        return "No graded submissions."
    mis = misconceptions(records)
    lines = []
    for assignment, rs in groups.items():
        scores = [r.score for r in rs]
        lines.append(f"{assignment}: {len(rs)} students, mean {statistics.mean(scores):.2f}, median "
                     f"{statistics.median(scores):.2f} of {rs[0].max_score:g}{_so_far(rs)}")
        counts = score_bins(rs)
        top = max(counts) or 1
        lines.append("  scores (% of the maximum" + (", so far" if _so_far(rs) else "") + "):")
        for lo, hi, c in zip(BINS, BINS[1:], counts):
            lines.append(f"    {lo:3d}-{hi:<3d} {'#' * round(bar * c / top):{bar}s} {c}")
        lines.append("  pass rates (passed = full points), lowest first:")
        waiting = pending(rs)
        for test, pts, passed, n in sorted(pass_rates(rs), key=lambda row: (row[2] / row[3] if row[3] else 0, row[0])):
            lines.append(f"    {test:28s} {pts:4g} pts {_pct(passed, n):5.1f}%  ({passed}/{n})"
                         + (f"  {waiting[test]} pending (awaiting a grade by hand)" if waiting.get(test) else ""))
        rows = [m for m in mis if m[0] == assignment]
        lines.append("  misconceptions (students whose failed test matches a known mistake):")
        for _, test, name, k, n in rows:
            lines.append(f"    {_pct(k, n):3.0f}% of students ({k}/{n}): {name}  [{test}]")
        if not rows:
            lines.append("    none recognised")
        lines.append("")
    return "\n".join(lines).rstrip()


# ------------------------------------------------------------------------------------ the CSV

def write_csv(records, path):
    """One long-format CSV: assignment, kind, test, item, students, of, share (percent), detail."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue = _catalogue()
    advice = {e["name"]: (e["advice"], e["section"]) for e in catalogue[0].values()}
    mis = misconceptions(records)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "kind", "test", "item", "students", "of", "share", "detail"])
        for assignment, rs in _by_assignment(records).items():
            n = len(rs)
            for lo, hi, c in zip(BINS, BINS[1:], score_bins(rs)):
                w.writerow([assignment, "score_bin", "", f"{lo}-{hi}%", c, n, f"{_pct(c, n):.1f}",
                            "so far" if _so_far(rs) else ""])
            waiting = pending(rs)
            for test, pts, passed, k in pass_rates(rs):
                w.writerow([assignment, "pass_rate", test, "passed", passed, k, f"{_pct(passed, k):.1f}",
                            f"{pts:g} points"])
                if waiting.get(test):
                    w.writerow([assignment, "pending", test, "awaiting a grade by hand", waiting[test], n,
                                f"{_pct(waiting[test], n):.1f}", f"{pts:g} points"])
            for _, test, name, k, of in (m for m in mis if m[0] == assignment):
                a, s = advice.get(name, ("", ""))
                w.writerow([assignment, "misconception", test, name, k, of, f"{_pct(k, of):.1f}",
                            f"{a} (section {s})" if a else ""])
    return path


# ------------------------------------------------------------------------------------ the HTML page

def _png(fig):
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(assignment, rs, mis_rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    images = {}
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    pct = [100.0 * r.score / r.max_score if r.max_score else 0.0 for r in rs]
    ax.hist(pct, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.001], color="#4477aa", edgecolor="white")
    mean = statistics.mean(pct) if pct else 0.0
    ax.axvline(mean, color="#cc3311", linestyle="--", label=f"mean {mean:.0f}%")
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (% of the maximum)")
    ax.set_ylabel("students")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", frameon=False)
    ax.set_title("Scores" + (" so far" if any(r.pending for r in rs) else ""))
    images["scores"] = _png(fig)

    rates = pass_rates(rs)
    if rates:
        fig, ax = plt.subplots(figsize=(5.2, 0.32 * len(rates) + 1.0))
        names = [t for t, *_ in rates][::-1]
        values = [_pct(p, n) for _, _, p, n in rates][::-1]
        colours = ["#228833" if v >= 80 else "#ccbb44" if v >= 50 else "#ee6677" for v in values]
        ax.barh(names, values, color=colours)
        for y, v in enumerate(values):
            ax.text(min(v + 1, 88), y, f"{v:.0f}%", va="center", fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xlabel("students with full points (%)")
        ax.set_title("Pass rate per test")
        images["pass_rates"] = _png(fig)

    if mis_rows:
        rows = mis_rows[:15][::-1]
        fig, ax = plt.subplots(figsize=(7.5, 0.34 * len(rows) + 1.0))
        labels = [_short(f"{name} [{test}]", 70) for _, test, name, _, _ in rows]
        values = [_pct(k, n) for *_, k, n in rows]
        ax.barh(labels, values, color="#aa3377")
        for y, v in enumerate(values):
            ax.text(v + 0.5, y, f"{v:.0f}%", va="center", fontsize=8)
        ax.set_xlim(0, max(values) * 1.25 + 1)
        ax.set_xlabel("students (%)")
        ax.set_title("Known mistakes recognised in failed tests")
        images["misconceptions"] = _png(fig)
    return images


def _short(text, n):
    return text if len(text) <= n else text[:n - 1] + "…"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:2px solid #4477aa}
.meta{color:#666} .grid{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
img{max-width:100%} table{border-collapse:collapse;font-size:.9rem;margin:.6rem 0}
td,th{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f5f8} td.num{text-align:right;font-variant-numeric:tabular-nums}
.none{color:#666;font-style:italic}
"""


def _students_table(rs, e):
    """Rows of one assignment's students: name in the LMS, folder, score (so far), pending answers, status."""
    parts = ["<h3>Students</h3><table><tr><th>student</th><th>folder</th><th>score</th><th>awaiting a grade by "
             "hand</th><th>status</th><th>reason</th></tr>"]
    for r in sorted(rs, key=lambda r: (r.display_name.casefold(), r.student)):
        waiting = (f"{', '.join(r.pending)} ({r.pending_points:g} points)" if r.pending else "-")
        parts.append(f"<tr><td>{e(r.display_name)}</td><td>{e(r.student)}</td><td class='num'>{r.score:g} / "
                     f"{r.max_score:g}{' so far' if r.pending else ''}</td><td>{e(waiting)}</td>"
                     f"<td>{e(r.status)}</td><td>{e(r.reason[:300])}</td></tr>")
    parts.append("</table>")
    return parts


def write_html(records, path, title="Class report"):
    """One self-contained HTML page: per assignment, the score histogram, the pass rates (pending answers
    counted apart), the misconceptions and the students. Every text from a submission is escaped."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue = _catalogue()
    advice = {x["name"]: (x["advice"], x["section"]) for x in catalogue[0].values()}
    mis = misconceptions(records)
    groups = _by_assignment(records)
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{e(title)}</h1>"]
    graded = _graded(records)
    n_students = len({r.student for r in graded})
    left_out = len(records) - len(graded)
    parts.append(f"<p class='meta'>{len(groups)} assignment(s), {n_students} student(s)"
                 + (f"; {left_out} submission(s) left out because the grader failed on them" if left_out else "")
                 + ". Scores are read from the gradebook (grades entered by hand included). A misconception is "
                   "counted when a student's failed test gave exactly the output of a known wrong answer "
                   "(autograde/diagnose.py).</p>")
    if not groups:
        parts.append("<p class='none'>No graded submissions.</p>")
    for assignment, rs in groups.items():
        rows = [m for m in mis if m[0] == assignment]
        images = _plots(assignment, rs, rows)
        scores = [r.score for r in rs]
        parts.append(f"<h2 id='{e(assignment)}'>{e(assignment)}</h2><p class='meta'>{len(rs)} students · mean "
                     f"{statistics.mean(scores):.2f} · median {statistics.median(scores):.2f} · of "
                     f"{rs[0].max_score:g} points{e(_so_far(rs))}</p><div class='grid'>")
        for key, alt in [("scores", "score histogram"), ("pass_rates", "pass rate per test")]:
            if key in images:
                parts.append(f"<div><img alt='{alt}' src='{images[key]}'></div>")
        waiting = pending(rs)
        parts.append("</div><h3>Pass rates</h3><table><tr><th>test</th><th>points</th><th>passed</th><th>of</th>"
                     "<th>rate</th><th>awaiting a grade by hand</th></tr>")
        for test, pts, passed, n in pass_rates(rs):
            parts.append(f"<tr><td>{e(test)}</td><td class='num'>{pts:g}</td><td class='num'>{passed}</td>"
                         f"<td class='num'>{n}</td><td class='num'>{_pct(passed, n):.0f}%</td>"
                         f"<td class='num'>{waiting.get(test, '') or ''}</td></tr>")
        parts.append("</table><h3>Misconceptions</h3>")
        if rows:
            if "misconceptions" in images:
                parts.append(f"<img alt='misconceptions' src='{images['misconceptions']}'>")
            parts.append("<table><tr><th>students</th><th>mistake</th><th>test</th><th>what to tell them</th></tr>")
            for _, test, name, k, n in rows:
                a, s = advice.get(name, ("", ""))
                parts.append(f"<tr><td class='num'>{_pct(k, n):.0f}% ({k}/{n})</td><td>{e(name)}</td><td>{e(test)}"
                             f"</td><td>{e(a)}{e(f' (section {s})') if s else ''}</td></tr>")
            parts.append("</table>")
        else:
            parts.append("<p class='none'>No failed test matched a known mistake.</p>")
        parts += _students_table(rs, e)
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def write_reports(records, out_dir, title="Class report"):
    """class_report.csv and class_report.html in ``out_dir``; returns (csv path, html path)."""
    out_dir = Path(out_dir)
    return write_csv(records, out_dir / "class_report.csv"), write_html(records, out_dir / "class_report.html", title)
