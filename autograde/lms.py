"""Grades the LMS takes back: Canvas's gradebook-import CSV and Moodle's grade-import CSVs.

    write_lms_files(out_dir, grades, max_scores, students, roster=None, now=None, pending=None) -> LmsExport
    class_lms(students, roster_kind=None) -> {"canvas", "moodle"}: the LMS files that fit the class

``grades``: {(folder, assignment): score or None (not graded)}; ``max_scores``: {assignment: points};
``pending``: {(folder, assignment): points of written answers awaiting a grade by hand} (the score is then
a score so far: it is uploaded as it is, and the notes say so; export again after grading them by hand);
``students``: {folder: roster entry} (autograde/work/students.json: name, lms, lms_id, participant_ids);
``roster``: optional path of the LMS's own gradebook export (Canvas "Export entire gradebook" or Moodle
"Export > Plain text file"), used to fill identifier columns the submission file names do not carry.

Only the files that fit the class are written: the Canvas file when a student came from Canvas (or the
roster is Canvas's), the Moodle files when one came from Moodle (or the roster is Moodle's), both when the
submissions do not say (nbgrader's own folders, a generic <name>_<id>_<file> export). A Moodle gradebook
file with no student to identify is not written (the notes say why).

What is written (each format checked against the LMS's importer source):

* canvas_grades.csv - Canvas, Grades > Import. Header "Student, ID, SIS User ID, SIS Login ID, Section",
  then one column per assignment; a "Points Possible" row. Canvas finds the student by ID (the user id
  in Canvas's submission file names), then by SIS ids, then by name, and asks you to match the rest by
  hand; it finds the assignment by a "Title (id)" header, else by title, else offers to create it.
* moodle_grades.csv - Moodle, Grades > Import > CSV file: one identifier column (Email address when a
  roster gave them, else Username: the nbgrader student id, for courses whose nbgrader ids are Moodle
  usernames) plus one column per assignment. Moodle aborts the whole import when a row's user is not
  found, and gives a row with a blank identifier to the previous row's student: so only rows with the
  identifier are written; the others are listed. An empty cell means "no grade" in Moodle (it clears
  that grade): a cell is empty only where the notebook was not graded; map such a column to "ignore".
* moodle_worksheet_<assignment>.csv - Moodle assignment, "Upload grading worksheet" (feedback type
  "Offline grading worksheet" on). Columns Identifier ("Participant N": the number in Moodle's
  "Download all submissions" file names, which Moodle numbers per assignment), Full name, Grade,
  Maximum Grade, Last modified (grade). One file per assignment that has Moodle participants.
"""
import csv
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

CANVAS_ID_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@dataclass
class LmsExport:
    paths: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _fmt(score):
    if score is None:
        return ""
    return f"{round(float(score), 4):g}"


def _fold(text):
    return unicodedata.normalize("NFC", text or "").casefold().strip()


def _squash(text):
    """'Doe, Jane' -> 'doejane' (Canvas's file-name form of a sortable name)."""
    return "".join(ch for ch in _fold(text) if ch.isalnum())


def read_roster(path):
    """Rows of an LMS gradebook export as dicts: name, names (forms to match), id, sis_user_id,
    sis_login_id, section, email, idnumber, username; and the LMS ("canvas" or "moodle")."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path} is empty")
    header = [h.strip() for h in rows[0]]
    col = {h: i for i, h in enumerate(header)}

    def get(row, *names):
        for n in names:
            if n in col and col[n] < len(row):
                return row[col[n]].strip()
        return ""

    out = []
    if "Student" in col and "ID" in col:
        for row in rows[1:]:
            name = get(row, "Student")
            if not name or "Points Possible" in name or not get(row, "ID"):
                continue
            last, _, first = name.partition(",")
            forms = {_fold(name), _fold(f"{first.strip()} {last.strip()}"), _squash(name)}
            out.append({"name": name, "names": forms, "id": get(row, "ID"), "sis_user_id": get(row, "SIS User ID"),
                        "sis_login_id": get(row, "SIS Login ID"), "section": get(row, "Section"), "email": "",
                        "idnumber": "", "username": ""})
        return "canvas", out
    if "First name" in col and "Last name" in col:
        for row in rows[1:]:
            first, last = get(row, "First name"), get(row, "Last name")
            if not (first or last):
                continue
            name = f"{first} {last}".strip()
            out.append({"name": name, "names": {_fold(name), _fold(f"{last} {first}"), _squash(name)},
                        "id": "", "sis_user_id": "", "sis_login_id": "", "section": "",
                        "email": get(row, "Email address"), "idnumber": get(row, "ID number"),
                        "username": get(row, "Username")})
        return "moodle", out
    raise ValueError(f"{path} is neither a Canvas gradebook export (Student, ID, ...) nor a Moodle one "
                     "(First name, Last name, ...)")


def match_entry(entry, rows, notes):
    """The roster row of a student: by Canvas id, else by a unique name match."""
    if entry.get("lms_id") and entry.get("lms") != "moodle":
        for r in rows:
            if r["id"] and r["id"] == entry["lms_id"]:
                return r
    names = {_fold(entry["name"]), _squash(entry["name"])} - {""}
    hits = [r for r in rows if r["names"] & names]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        notes.append(f"{entry['folder']}: {len(hits)} students named {entry['name']!r} in the roster: not matched")
    return None


def _write(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    tmp.replace(path)
    return path


def class_lms(students, roster_kind=None):
    """{"canvas"} / {"moodle"} / both: the LMSs the class's students came from (see the module docstring)."""
    found = {e.get("lms") for e in students.values()} & {"canvas", "moodle"}
    if roster_kind:
        found.add(roster_kind)
    return found or {"canvas", "moodle"}


def display_name(entry, row=None):
    """The name the LMS shows: the roster's (e.g. Canvas's "Ağaoğlu, Zoë"), else the one kept at import."""
    return (row or {}).get("name") or entry.get("display") or entry["name"]


def _pending_note(pending, entries):
    """What is uploaded while written answers await a grade by hand, or ""."""
    if not pending:
        return ""
    who = sorted({f for f, _ in pending})
    return (f"{len(pending)} scores are so far ({sum(pending.values()):g} points of written answers await a grade "
            f"by hand: {', '.join(entries[f]['name'] if f in entries else f for f in who[:10])}"
            + (" ..." if len(who) > 10 else "") + "): the LMS files hold the points graded so far; grade the "
            "answers in the formgrader and export again before the final upload")


def write_lms_files(out_dir, grades, max_scores, students, roster=None, now=None, pending=None):
    """Write the LMS files that fit the class: canvas_grades.csv, moodle_grades.csv and
    moodle_worksheet_<assignment>.csv (see the module docstring); returns LmsExport(paths, notes)."""
    out_dir = Path(out_dir)
    result = LmsExport()
    pending = dict(pending or {})
    assignments = sorted(max_scores)
    folders = sorted({f for f, _ in grades} | set(students), key=lambda f: (_fold(students.get(f, {}).get("name")
                                                                                  or f), f))
    entries = {f: dict(students.get(f) or {"folder": f, "name": f, "lms": "nbgrader", "lms_id": ""}, folder=f)
               for f in folders}
    matched, kind = {}, None
    if roster:
        kind, rows = read_roster(roster)
        for f in folders:
            r = match_entry(entries[f], rows, result.notes)
            if r is not None:
                matched[f] = r
        missing = [f for f in folders if f not in matched]
        result.notes.append(f"roster ({kind}, {len(rows)} students): matched {len(matched)} of {len(folders)}"
                            + (f"; not found: {', '.join(missing[:10])}" + (" ..." if len(missing) > 10 else "")
                               if missing else ""))

    wanted = class_lms(students, kind)
    if "canvas" in wanted:
        _canvas(out_dir, result, assignments, folders, entries, matched, grades, max_scores)
    if "moodle" in wanted:
        _moodle(out_dir, result, assignments, folders, entries, matched, grades, max_scores, now)
    note = _pending_note({k: v for k, v in pending.items() if v}, entries)
    if note:
        result.notes.append(note)
    return result


def _canvas(out_dir, result, assignments, folders, entries, matched, grades, max_scores):
    """canvas_grades.csv: Student (the LMS's display name), ID, SIS ids, Section, one column per assignment."""
    table = [CANVAS_ID_COLUMNS + assignments,
             ["Points Possible", "", "", "", ""] + [_fmt(max_scores[a]) for a in assignments]]
    no_id = []
    for f in folders:
        e, r = entries[f], matched.get(f, {})
        canvas_id = r.get("id") or (e.get("lms_id") if e.get("lms") in ("canvas", "lms") else "")
        if not canvas_id:
            no_id.append(f)
        table.append([display_name(e, r), canvas_id, r.get("sis_user_id", ""), r.get("sis_login_id", ""),
                      r.get("section", "")] + [_fmt(grades.get((f, a))) for a in assignments])
    result.paths.append(_write(out_dir / "canvas_grades.csv", table))
    if no_id:
        result.notes.append(f"canvas_grades.csv: {len(no_id)} of {len(folders)} students have no Canvas ID (Canvas "
                            "then matches them by name and asks about the rest): "
                            + ", ".join(no_id[:10]) + (" ..." if len(no_id) > 10 else ""))


def _moodle(out_dir, result, assignments, folders, entries, matched, grades, max_scores, now):
    """moodle_grades.csv (when a student can be identified) and moodle_worksheet_<assignment>.csv."""
    use_email = any(r.get("email") for r in matched.values())
    ident = "Email address" if use_email else "Username"
    table = [[ident, "Full name"] + assignments]
    left_out = []
    for f in folders:
        e, r = entries[f], matched.get(f, {})
        value = r.get("email") if use_email else (r.get("username") or (f if e.get("lms") == "nbgrader" else ""))
        if not value:
            left_out.append(f)
            continue
        table.append([value, display_name(e, r)] + [_fmt(grades.get((f, a))) for a in assignments])
    if len(table) > 1:
        result.paths.append(_write(out_dir / "moodle_grades.csv", table))
    stale = out_dir / "moodle_grades.csv"
    if len(table) == 1 and stale.exists():
        stale.unlink()                      # from an earlier export: it would no longer be true
    if left_out and len(table) == 1:
        result.notes.append(f"moodle_grades.csv: not written: no student has {ident.lower()} (use the "
                            "moodle_worksheet files, or --roster with Moodle's own export)")
    elif left_out:
        result.notes.append(f"moodle_grades.csv: left out {len(left_out)} students without {ident.lower()} "
                            f"({'from the roster' if use_email else 'their nbgrader id is not a Moodle username'}"
                            "; Moodle would refuse the file): " + ", ".join(left_out[:10])
                            + (" ..." if len(left_out) > 10 else "")
                            + ("; use the moodle_worksheet files or --roster" if not use_email else ""))

    # Moodle assignment worksheets (participant ids are per assignment)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now if now is not None else time.time()))
    for a in assignments:
        rows = [["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)"]]
        for f in folders:
            pid = (entries[f].get("participant_ids") or {}).get(a)
            score = grades.get((f, a))
            if pid and score is not None:
                rows.append([f"Participant {pid}", display_name(entries[f]), _fmt(score), _fmt(max_scores[a]),
                             stamp])
        if len(rows) > 1:
            result.paths.append(_write(out_dir / f"moodle_worksheet_{a}.csv", rows))
