"""Bring submissions into the course's submitted/<student>/<assignment>/ folder, from what LMSs export.

    import_submissions(source, root, assignment=None, dry_run=False) -> ImportReport

``source`` is a folder or a .zip file holding either layout (detected per file):

* nbgrader's:  <student>/<assignment>/<notebook>.ipynb (+ timestamp.txt), optionally inside one
  top-level folder (e.g. the course's own submitted/ or an exchange's inbound/);
* a flat LMS export: <student>_<id>_<file>.ipynb, e.g. Moodle's "jdoe_12345_assignsubmission_file_
  activations.ipynb" or Canvas's "doejane_late_12345_67890_activations-1.ipynb": the student is the
  first part, the notebook is recognised by its release file name at the end (LMS copies like
  "-1" or " (1)" are allowed), the assignment is the one owning that notebook (or ``assignment``).

Every file that could not be placed is reported with the reason (unknown notebook name, no student,
an older duplicate, a path that escapes the zip, ...); nothing is silently dropped. A file identical
to what is already there is left alone; a changed one replaces it (the next grading run regrades it).
"""
import os
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograde.course import ROOT

MAX_FILE_BYTES = 64 << 20
SAFE_ID = re.compile(r"[^A-Za-z0-9_.@-]+")
LMS_TOKENS = {"late", "assignsubmission", "file", "onlinetext", "submission"}


def _n(count, noun):
    return f"{count} {noun}{'s' * (count != 1)}"


@dataclass
class ImportReport:
    placed: list = field(default_factory=list)      # (student, assignment, file name, "new" | "updated" | "same")
    unplaced: list = field(default_factory=list)    # (path in the source, why)

    def summary(self):
        counts = {k: sum(1 for p in self.placed if p[3] == k) for k in ("new", "updated", "same")}
        students = {p[0] for p in self.placed}
        lines = [f"placed {_n(len(self.placed), 'file')} for {_n(len(students), 'student')} "
                 f"({counts['new']} new, {counts['updated']} updated, {counts['same']} unchanged)"]
        if self.unplaced:
            lines.append(f"could not place {_n(len(self.unplaced), 'file')}:")
            lines += [f"  {path}: {why}" for path, why in self.unplaced]
        return "\n".join(lines)


def _notebook_names(course):
    """{notebook file name: assignment} for every assignment (from the solutions folder)."""
    names = {}
    for a in course.assignments():
        for nb in (course.source / a).glob("*.ipynb"):
            names.setdefault(nb.name, a)
    return names


def _safe_extract(zip_path, dest, report):
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            name = info.filename
            target = (dest / name).resolve()
            if info.is_dir():
                continue
            if not str(target).startswith(str(dest.resolve()) + "/") or name.startswith("/"):
                report.unplaced.append((name, "path escapes the archive: ignored"))
                continue
            if info.file_size > MAX_FILE_BYTES:
                report.unplaced.append((name, f"larger than {MAX_FILE_BYTES >> 20} MB: ignored"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            stamp = time.mktime(info.date_time + (0, 0, -1))
            os.utime(target, (stamp, stamp))


def _clean_id(text):
    return SAFE_ID.sub("_", text).strip("._-")


def _match_notebook(filename, notebooks):
    """The release notebook name that ``filename`` ends with (allowing LMS copy suffixes), or None."""
    stem = filename[:-len(".ipynb")] if filename.lower().endswith(".ipynb") else None
    if stem is None:
        return None, None
    base = re.sub(r"(\s*\(\d+\)|-\d+)$", "", stem)
    for name in sorted(notebooks, key=len, reverse=True):
        target = name[:-len(".ipynb")]
        for candidate in (stem, base):
            if candidate == target:
                return name, ""
            if candidate.endswith("_" + target) or candidate.endswith("-" + target):
                return name, candidate[: -len(target) - 1]
    return None, None


def _student_from_prefix(prefix):
    parts = [p for p in re.split(r"_+", prefix) if p]
    if not parts:
        return None
    student = _clean_id(parts[0])
    return student or None


def import_submissions(source, root=ROOT, assignment=None, dry_run=False):
    """Copy submissions from ``source`` (folder or .zip) into the course; see the module docstring."""
    from autograde.pipeline import Course

    course = Course(root)
    notebooks = _notebook_names(course)
    assignments = set(course.assignments())
    report = ImportReport()
    source = Path(source)
    tmp = None
    try:
        if source.is_file() and zipfile.is_zipfile(source):
            tmp = Path(tempfile.mkdtemp(prefix="trainlab-import-"))
            _safe_extract(source, tmp, report)
            base = tmp
        elif source.is_dir():
            base = source
        else:
            raise FileNotFoundError(f"{source} is neither a folder nor a zip file")
        wanted = {}    # (student, assignment, name) -> (path, relative label)
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            rel = path.relative_to(base)
            if any(part.startswith(".") or part in ("__MACOSX", ".ipynb_checkpoints") for part in rel.parts):
                continue
            placed = _place(rel, notebooks, assignments, assignment)
            if isinstance(placed, str):
                report.unplaced.append((str(rel), placed))
                continue
            key = placed
            if key in wanted:
                old_path, old_rel = wanted[key]
                newer = path if path.stat().st_mtime >= old_path.stat().st_mtime else old_path
                older_rel = old_rel if newer is path else str(rel)
                report.unplaced.append((older_rel, "an older copy of the same student's notebook: ignored"))
                wanted[key] = (newer, str(rel) if newer is path else old_rel)
            else:
                wanted[key] = (path, str(rel))
        for (student, a, name), (path, _) in sorted(wanted.items()):
            dest = course.submitted / student / a / name
            data = path.read_bytes()
            state = "new" if not dest.exists() else ("same" if dest.read_bytes() == data else "updated")
            if state != "same" and not dry_run:
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp_dest = dest.with_name(f".{name}.importing")
                tmp_dest.write_bytes(data)
                tmp_dest.replace(dest)
            report.placed.append((student, a, name, state))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return report


def _place(rel, notebooks, assignments, only):
    """(student, assignment, file name) for a file, or the reason it cannot be placed."""
    parts = rel.parts
    # nbgrader layout: [..., student, assignment, file]
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] in assignments:
            a = parts[i]
            student = _clean_id(parts[i - 1])
            name = "/".join(parts[i + 1:])
            if only and a != only:
                return f"belongs to assignment {a}, not {only}: ignored"
            if not student:
                return "no student folder above the assignment folder"
            if name.endswith(".ipynb") or name == "timestamp.txt" or "/" not in name:
                return (student, a, name)
            return "not a notebook of the assignment"
    name = parts[-1]
    if not name.lower().endswith(".ipynb"):
        return "not a notebook (and not in a <student>/<assignment>/ folder)"
    nb, prefix = _match_notebook(name, notebooks)
    if nb is None:
        return "the file name does not end with a notebook of the course (" + ", ".join(sorted(notebooks)) + ")"
    a = only or notebooks[nb]
    if a not in assignments:
        return f"no assignment {a}"
    if only and notebooks.get(nb) not in (None, only):
        return f"{nb} belongs to assignment {notebooks[nb]}, not {only}"
    student = _student_from_prefix(prefix or "") or (_clean_id(parts[-2]) if len(parts) > 1 else None)
    if not student or student.lower() in LMS_TOKENS:
        return "no student name before the notebook name (expected <student>_<id>_<file>.ipynb)"
    return (student, a, nb)
