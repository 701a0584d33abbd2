"""Bring submissions into the course's submitted/<folder>/<assignment>/ folders, from what LMSs export.

    check_source(source) -> "zip" | "folder"      raises SourceError (one line) for a wrong path
    import_submissions(source, root, assignment=None, dry_run=False, limits=None) -> ImportReport

``source`` is a folder or a .zip file holding either layout (detected per file):

* nbgrader's:  <student>/<assignment>/<notebook>.ipynb (+ timestamp.txt), optionally inside one
  top-level folder (e.g. the course's own submitted/ or an exchange's inbound/);
* a flat LMS export: <student>_<id>_<file>.ipynb, e.g. Moodle's "Jane Doe_12345_assignsubmission_file_
  activations.ipynb" (or, with "download as folders", "Jane Doe_12345_assignsubmission_file/activations.
  ipynb") or Canvas's "doejane_late_12345_67890_activations-1.ipynb": the student is the first part, the
  LMS id the first number after it, the notebook is recognised by its release file name at the end
  (LMS copies like "-1" or " (1)" are allowed), the assignment is the one owning that notebook.

Archives are read entry by entry, never unpacked to disk: an entry is read only when it is placed,
through a bounded reader. Limits (ImportLimits; each refusal says which limit and how to raise it):
the number of files and the total uncompressed size (the whole archive is refused, before anything
is read), the size of one file and its compression ratio (that entry is skipped). A zip bomb is
refused from the sizes its directory declares; an entry whose size header lies fails its CRC or
its length check while being read, and only that entry is skipped.

Identity: each student's name is kept as the LMS gives it (Unicode, NFC) together with the LMS id.
The folder (nbgrader's student id) is derived from it: ASCII, stable, and never shared by two
students (a collision gets a suffix, which is reported); names with bidirectional controls or
invisible characters are refused. The mapping folder <-> LMS name <-> LMS id is kept in
autograde/work/students.json (``Roster``) and exported as students.csv. A file name carries only what the
LMS puts there (Canvas: "ağaoğluzoë", its sortable name squashed); the name the LMS shows ("Ağaoğlu, Zoë")
comes from the LMS's own gradebook export (``--roster``), is kept as the entry's "display", and is given
to the gradebook as first and last name, so the formgrader shows it (``sync_names``).

Every file that is not placed is listed with the reason; nothing is silently dropped. A notebook is
checked as JSON (nbformat) when it is imported: one that is not a valid notebook is still placed (it
is the student's submission, and grading records it as invalid) and reported. A file identical to
what is already there is left alone; a changed one replaces it (the next grading run regrades it).
"""
import errno
import hashlib
import json
import os
import re
import stat
import struct
import time
import unicodedata
import zipfile
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from autograde.course import ROOT, ensure_tools_on_path

LMS_TOKENS = {"late", "assignsubmission", "file", "onlinetext", "submission"}
SAFE_FOLDER = re.compile(r"^[A-Za-z0-9_@-][A-Za-z0-9_.@-]{0,63}$")
JUNK = {"__MACOSX": "a macOS resource fork copy", ".DS_Store": "macOS folder settings",
        ".ipynb_checkpoints": "a Jupyter checkpoint copy", "Thumbs.db": "a Windows thumbnail cache",
        "desktop.ini": "Windows folder settings"}
ROSTER_FILE = "students.json"
MB = 1 << 20


class SourceError(ValueError):
    """The source as a whole cannot be imported (missing, not a zip, truncated, over a limit): one line."""


@dataclass
class ImportLimits:
    """What an import accepts. The defaults fit a class of a few hundred students with notebooks of a
    few MB (plots included); an archive past them is almost certainly not a class's submissions."""
    max_files: int = 10_000             # entries in the archive (or files under the folder)
    max_total_mb: float = 2048          # uncompressed size of everything that would be placed
    max_file_mb: float = 64             # one file (the grader does not read larger files either)
    max_ratio: float = 200              # uncompressed / compressed size of one entry ...
    ratio_min_mb: float = 1             # ... checked for entries larger than this (small files compress freely)

    @property
    def max_file_bytes(self):
        return int(self.max_file_mb * MB)


def _n(count, noun):
    return f"{count} {noun}{'s' * (count != 1)}"


def _mb(nbytes):
    return f"{nbytes / MB:,.1f} MB" if nbytes >= MB / 10 else f"{nbytes:,} bytes"


def shown(text):
    """``text`` safe to print: control, format (bidi) and invisible characters as \\uXXXX escapes."""
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or ch in _INVISIBLE:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)


@dataclass
class ImportReport:
    placed: list = field(default_factory=list)      # (folder, assignment, file name, "new" | "updated" | "same")
    unplaced: list = field(default_factory=list)    # (path in the source, why)
    warnings: list = field(default_factory=list)    # (folder/assignment/file, what is wrong with a placed file)
    identities: list = field(default_factory=list)  # lines about students: collisions, adoptions, odd names
    folders: list = field(default_factory=list)     # new students whose folder differs from their name
    source: str = ""
    seconds: float = 0.0

    def summary(self, max_per_reason=8):
        counts = {k: sum(1 for p in self.placed if p[3] == k) for k in ("new", "updated", "same")}
        students = {p[0] for p in self.placed}
        lines = [f"placed {_n(len(self.placed), 'file')} for {_n(len(students), 'student')} "
                 f"({counts['new']} new, {counts['updated']} updated, {counts['same']} unchanged)"]
        if self.identities or self.folders:
            lines.append("students:")
            lines += [f"  {shown(line)}" for line in self.identities]
            lines += [f"  {shown(line)}" for line in self.folders[:max_per_reason]]
            if len(self.folders) > max_per_reason:
                lines.append(f"  ... and {len(self.folders) - max_per_reason} more new students "
                             f"(every name and folder: autograde/work/{ROSTER_FILE})")
        if self.warnings:
            lines.append(f"placed, but worth a look ({len(self.warnings)}):")
            lines += [f"  {shown(path)}: {why}" for path, why in self.warnings]
        if self.unplaced:
            lines.append(f"could not place {_n(len(self.unplaced), 'file')}:")
            by_reason = defaultdict(list)
            for path, why in self.unplaced:
                by_reason[why].append(path)
            for why, paths in by_reason.items():
                for path in paths[:max_per_reason]:
                    lines.append(f"  {shown(path)}: {why}")
                if len(paths) > max_per_reason:
                    lines.append(f"  ... and {len(paths) - max_per_reason} more: {why}")
        return "\n".join(lines)

    def full_text(self):
        return self.summary(max_per_reason=10 ** 9)


# ---------------------------------------------------------------------------------- names and identity

_BIDI = {0x061C: "ARABIC LETTER MARK", 0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
         0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
         0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE",
         0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE"}
_INVISIBLE = set(map(chr, [0x00AD, 0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x200B, 0x2060, 0x2061,
                           0x2062, 0x2063, 0x2064, 0x206A, 0x206B, 0x206C, 0x206D, 0x206E, 0x206F, 0x2800,
                           0x3164, 0xFEFF, 0xFFA0]))
_TRANSLIT = {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L",
             "þ": "th", "Þ": "Th", "œ": "oe", "Œ": "OE", "ı": "i", "ð": "d", "Ð": "D", "ŋ": "ng"}


def name_problem(name):
    """Why a student name cannot be used (bidi controls, invisible or control characters), or None."""
    if not name.strip():
        return "the student name is empty"
    for i, ch in enumerate(name):
        cp = ord(ch)
        if cp in _BIDI:
            return (f"the student name contains U+{cp:04X} {_BIDI[cp]}, a bidirectional control that makes "
                    "text display in another order than it is stored (so one name can pass for another): "
                    "refused; rename the file to import it")
        if ch in ("\u200c", "\u200d"):   # joiners are legitimate between two visible characters only
            if 0 < i < len(name) - 1 and not name[i - 1].isspace() and not name[i + 1].isspace() \
                    and name[i - 1] not in "\u200c\u200d" and name[i + 1] not in "\u200c\u200d":
                continue
        if ch in _INVISIBLE or 0xE0000 <= cp <= 0xE007F or ch in ("\u200c", "\u200d") or \
                unicodedata.category(ch) in ("Cf", "Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
            what = unicodedata.name(ch, "an unassigned or control character")
            return (f"the student name contains U+{cp:04X} {what}, an invisible character (two names that look "
                    "the same could be two students): refused; rename the file to import it")
    return None


def folder_for(name):
    """An ASCII folder name for a student name ('' when nothing usable is left, e.g. CJK or emoji only)."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in unicodedata.normalize("NFC", name))
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_.@-]+", "_", text).strip("._-@")
    text = re.sub(r"_+", "_", text)[:48].strip("._-@")
    return text if re.search(r"[A-Za-z0-9]", text) else ""


def _digest(text):
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode()).hexdigest()[:6]


class Roster:
    """folder <-> LMS name <-> LMS id, kept in autograde/work/students.json.

    An entry: {"folder", "name", "lms" ("canvas" | "moodle" | "lms" | "nbgrader"), "lms_id" (a global
    user id: Canvas's user id, or the number of a generic <name>_<id>_<file> export), "participant_ids"
    ({assignment: Moodle's participant id, which Moodle numbers per assignment})}.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.entries = []
        self.changed = False
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = [e for e in data.get("students", []) if e.get("folder")]
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as e:
            raise SourceError(f"{self.path} is damaged ({e}); move it away to start a new one "
                              "(the folders in submitted/ stay as they are)") from None

    @classmethod
    def of(cls, root=ROOT):
        return cls(Path(root) / "autograde" / "work" / ROSTER_FILE)

    def by_folder(self):
        return {e["folder"]: e for e in self.entries}

    def save(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        body = {"about": "folder (nbgrader student id) <-> the student's name and id in the LMS; written by "
                         "python -m autograde import, read by export (grades.csv, Canvas and Moodle CSVs)",
                "students": sorted(self.entries, key=lambda e: e["folder"].casefold())}
        tmp.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)
        self.changed = False

    def adopt_names(self, rows, notes):
        """Keep the display name of every student found in ``rows`` (autograde.lms.read_roster's rows) as the
        entry's "display"; returns how many were matched."""
        from autograde.lms import match_entry
        found = 0
        for e in self.entries:
            row = match_entry(e, rows, notes)
            if row is not None:
                found += 1
                if e.get("display") != row["name"]:
                    e["display"] = row["name"]
                    self.changed = True
        return found

    def _mapped(self):
        """Folder names in the roster, case-folded (a case-insensitive file system must not merge "Ada"
        and "ada" either)."""
        return {e["folder"].casefold() for e in self.entries}

    def resolve(self, who, assignment, existing_dirs, notes):
        """The folder for ``who`` (a dict: name, lms, lms_id), creating an entry when it is new."""
        name, lms, lms_id = who["name"], who["lms"], who.get("lms_id") or ""
        entry = None
        if lms_id and lms != "moodle":
            entry = next((e for e in self.entries if e.get("lms_id") == lms_id and e.get("lms") != "moodle"), None)
            if entry is None:   # the same student imported before without an id (e.g. an nbgrader folder)
                entry = next((e for e in self.entries if e["name"] == name and not e.get("lms_id")), None)
                if entry is not None:
                    entry.update(lms_id=lms_id, lms=lms)
                    self.changed = True
        elif lms == "moodle":
            same = [e for e in self.entries if e["name"] == name and e.get("lms") in ("moodle", "nbgrader")]
            entry = next((e for e in same if e.get("participant_ids", {}).get(assignment) == lms_id), None)
            if entry is None:
                entry = next((e for e in same if assignment not in e.get("participant_ids", {})), None)
                if entry is not None:
                    entry.setdefault("participant_ids", {})[assignment] = lms_id
                    entry["lms"] = "moodle"
                    self.changed = True
                elif same:
                    notes.append(f"two students named {name!r} in {assignment} (Moodle participants "
                                 f"{same[0]['participant_ids'].get(assignment)} and {lms_id}): kept apart; "
                                 "check which is which in the LMS")
        else:
            entry = next((e for e in self.entries if e["name"] == name), None)
        if entry is not None:
            if entry["name"] != name and lms_id:
                notes.append(f"{entry['folder']}: the LMS now calls this student {name!r} "
                             f"(was {entry['name']!r}; same id {lms_id})")
                entry["name"] = name
                self.changed = True
            return entry["folder"]
        # a new student
        base = folder_for(name)
        why = ""
        if not base:
            base = f"student-{lms_id}" if lms_id else f"student-{_digest(name)}"
            why = " (the name has no Latin letters or digits to make a folder name from)"
        folder = base
        if SAFE_FOLDER.match(name) and lms == "nbgrader":
            folder = base = name      # an nbgrader student id that is already a safe folder name: kept as is
        mapped = self._mapped()
        if folder.casefold() in mapped:
            owner = next((e for e in self.entries if e["folder"].casefold() == folder.casefold()), None)
            suffix = lms_id or _digest(name)
            folder = f"{base}_{suffix}"
            n = 2
            while folder.casefold() in mapped or folder.casefold() in existing_dirs:
                folder = f"{base}_{suffix}_{n}"
                n += 1
            notes.append(f"{name!r}{' (id ' + lms_id + ')' if lms_id else ''} -> folder {folder}: "
                         f"{base} is already {owner['name']!r}" + (f" (id {owner['lms_id']})" if owner and
                                                                   owner.get('lms_id') else "")
                         + " - two students, two folders")
        elif folder.casefold() in existing_dirs:     # a folder from before the roster (or the demo): adopted
            notes.append(f"{name!r} -> existing folder {folder} (it was not in {ROSTER_FILE} yet)")
        elif why:
            notes.append(f"{name!r}{' (id ' + lms_id + ')' if lms_id else ''} -> folder {folder}{why}")
        elif folder != name:
            notes.append(("routine", f"{name!r}{' (id ' + lms_id + ')' if lms_id else ''} -> folder {folder}"))
        entry = {"folder": folder, "name": name, "lms": lms, "lms_id": "" if lms == "moodle" else lms_id}
        if lms == "moodle" and lms_id:
            entry["participant_ids"] = {assignment: lms_id}
        self.entries.append(entry)
        self.changed = True
        return folder


def split_name(name):
    """(first, last) of a name as an LMS shows it: Canvas's sortable "Last, First", else "First ... Last";
    ("", "") for a single word (nbgrader's formgrader then shows the folder)."""
    last, comma, first = (name or "").partition(",")
    if comma and first.strip() and last.strip():
        return first.strip(), last.strip()
    words = (name or "").split()
    return (" ".join(words[:-1]), words[-1]) if len(words) > 1 else ("", "")


def sync_names(root=ROOT, roster_file=None):
    """Names to the gradebook: each student's display name (from ``roster_file``, an LMS gradebook export,
    when given) kept in students.json and set as the gradebook student's first and last name, which the
    formgrader shows. Returns lines for the user."""
    from nbgrader.api import Gradebook

    from autograde.course import Course
    from autograde.lms import read_roster

    course = Course(root)
    roster = Roster(course.work / ROSTER_FILE)
    lines = []
    if roster_file:
        kind, rows = read_roster(roster_file)
        found = roster.adopt_names(rows, lines)
        lines.append(f"names from the {kind} roster: {found} of {len(roster.entries)} students matched")
        if roster.changed:
            roster.save()
    named = {e["folder"]: split_name(e.get("display") or e["name"]) for e in roster.entries}
    named = {f: n for f, n in named.items() if all(n)}
    if named:
        ensure_tools_on_path()             # a new gradebook runs nbgrader's migrations (alembic)
        with Gradebook(course.db_url) as gb:
            for folder, (first, last) in sorted(named.items()):
                gb.update_or_create_student(folder, first_name=first, last_name=last)
    return lines


# ---------------------------------------------------------------------------------- the source

def _zip_directory(path):
    """(number of entries, central directory offset) from the end-of-central-directory record; raises
    SourceError for a zip that is truncated or not a zip. Read before zipfile parses the directory, so
    that a directory of millions of entries is refused without building them in memory."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(4)
        tail_len = min(size, 65536 + 22)
        f.seek(size - tail_len)
        tail = f.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        if head in (b"PK\x03\x04", b"PK\x07\x08"):
            raise SourceError(f"{path} is a truncated or damaged zip (its central directory is missing: the "
                              f"download or copy was probably cut off at {_mb(size)}); download it again")
        kinds = {b"\x1f\x8b": "a gzip (.tar.gz) file", b"Rar!": "a RAR archive", b"7z\xbc\xaf": "a 7-Zip archive",
                 b"%PDF": "a PDF", b"{": "a JSON file (a single notebook?)"}
        kind = next((v for k, v in kinds.items() if head.startswith(k)), None)
        raise SourceError(f"{path} is not a zip file" + (f" (it is {kind})" if kind else "")
                          + ": give a .zip or a folder")
    entries, cd_size, cd_offset = struct.unpack("<HII", tail[at + 10:at + 20])
    if entries == 0xFFFF or cd_offset == 0xFFFFFFFF:
        loc = tail.rfind(b"PK\x06\x07", 0, at)
        if loc >= 0:
            (z64_offset,) = struct.unpack("<Q", tail[loc + 8:loc + 16])
            with open(path, "rb") as f:
                f.seek(z64_offset)
                rec = f.read(56)
            if rec[:4] == b"PK\x06\x06":
                entries, cd_size, cd_offset = struct.unpack("<QQQ", rec[32:56])
    if cd_offset + cd_size > size:
        raise SourceError(f"{path} is a truncated or damaged zip (its directory points past the end of the "
                          f"file, {_mb(size)}); download it again")
    return entries, cd_offset


def check_source(source):
    """'zip' or 'folder', or SourceError with a one-line reason. Cheap: call it before anything slow."""
    path = Path(source).expanduser()
    if not path.exists():
        hint = ""
        if not path.parent.exists():
            hint = f" (no folder {path.parent})"
        raise SourceError(f"no such file or folder: {path}{hint}")
    if path.is_dir():
        return "folder"
    if not path.is_file():
        raise SourceError(f"{path} is neither a folder nor a file")
    try:
        _zip_directory(path)
    except PermissionError:
        raise SourceError(f"cannot read {path}: permission denied") from None
    return "zip"


@dataclass
class _Entry:
    label: str          # the path inside the source, as reported
    parts: tuple        # its path parts (NFC, '/' separated)
    size: int           # declared / stat size
    mtime: float
    ref: object         # ZipInfo or a Path
    compressed: int = 0


def _zip_name(info):
    name = info.filename
    if not info.flag_bits & 0x800:   # no UTF-8 flag: zipfile decoded CP437; most tools wrote UTF-8 anyway
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name.replace("\\", "/"))


def _escapes(name):
    parts = name.split("/")
    return name.startswith("/") or re.match(r"^[A-Za-z]:", name) is not None or ".." in parts


def _list_zip(zf, report, limits):
    entries = []
    for info in zf.infolist():
        name = _zip_name(info)
        if name.endswith("/"):
            continue
        if _escapes(name):
            report.unplaced.append((name, "path escapes the archive (absolute or with '..'): ignored"))
            continue
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            report.unplaced.append((name, "a symbolic link: ignored"))
            continue
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        try:
            mtime = time.mktime(tuple(info.date_time) + (0, 0, -1))
        except (OverflowError, ValueError):
            mtime = 0.0
        entries.append(_Entry(name, parts, info.file_size, mtime, info, info.compress_size))
    return entries


def _list_folder(base, report, limits):
    entries = []
    count = 0
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        for d in list(dirnames):
            if os.path.islink(os.path.join(dirpath, d)):
                dirnames.remove(d)
                rel = os.path.relpath(os.path.join(dirpath, d), base)
                report.unplaced.append((rel, "a symbolic link to a folder: not followed"))
        dirnames.sort()
        for fname in sorted(filenames):
            count += 1
            if count > limits.max_files:
                raise SourceError(f"{base} holds more than {limits.max_files:,} files (the import limit, "
                                  "--max-files): is it the right folder?")
            full = os.path.join(dirpath, fname)
            rel = os.path.relpath(full, base)
            try:
                st = os.lstat(full)
            except OSError as e:
                report.unplaced.append((rel, f"cannot read it: {e.strerror}"))
                continue
            if stat.S_ISLNK(st.st_mode):
                report.unplaced.append((rel, "a symbolic link: ignored"))
                continue
            if not stat.S_ISREG(st.st_mode):
                report.unplaced.append((rel, "not a regular file: ignored"))
                continue
            label = unicodedata.normalize("NFC", rel.replace(os.sep, "/"))
            entries.append(_Entry(label, tuple(label.split("/")), st.st_size, st.st_mtime, Path(full), st.st_size))
    return entries


def _read(entry, zf, limits):
    """The entry's bytes, or (None, why). Bounded: never more than the per-file limit in memory."""
    cap = limits.max_file_bytes
    try:
        if zf is not None:
            chunks, total = [], 0
            with zf.open(entry.ref) as src:
                while True:
                    chunk = src.read(1 << 20)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > cap or total > entry.size:
                        return None, (f"holds more data than its size header says ({_mb(entry.size)}): a "
                                      "damaged or forged entry; skipped")
                    chunks.append(chunk)
            data = b"".join(chunks)
            if len(data) != entry.size:
                return None, (f"its size header says {_mb(entry.size)} but it holds {_mb(len(data))}: a damaged "
                              "or forged entry; skipped")
            return data, None
        with open(entry.ref, "rb") as f:
            data = f.read(cap + 1)
        if len(data) > cap:
            return None, f"too big: more than {_mb(cap)} (the per-file limit, --max-file-mb); skipped"
        return data, None
    except zipfile.BadZipFile as e:
        return None, f"damaged entry ({e}): its data does not match its header; skipped"
    except (EOFError, zlib.error) as e:
        return None, f"damaged entry ({e or 'data ends early'}); skipped"
    except NotImplementedError as e:
        return None, f"cannot unpack it ({e}); skipped"
    except RuntimeError as e:     # encrypted entries
        return None, f"cannot unpack it ({e}); skipped"
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        return None, f"cannot read it ({e.strerror or e}); skipped"


def check_notebook(data):
    """None when ``data`` is a readable Jupyter notebook, else what is wrong (one line)."""
    if not data.strip():
        return "an empty file, not a notebook"
    if data[:5] == b"%PDF-":
        return "a PDF renamed .ipynb, not a notebook"
    if data[:4] == b"PK\x03\x04":
        return "a zip file renamed .ipynb, not a notebook"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "not UTF-8 text: not a notebook (a binary file?)"
    try:
        nb = json.loads(text)
    except ValueError as e:
        return f"not valid JSON ({e}): a truncated or hand-edited notebook"
    if not isinstance(nb, dict) or not isinstance(nb.get("nbformat"), int) or \
            not isinstance(nb.get("cells", nb.get("worksheets")), list):
        return "JSON, but not a Jupyter notebook (no nbformat version or no cells)"
    import nbformat
    captured = {}
    try:
        nbformat.reads(text, as_version=4, capture_validation_error=captured)
    except Exception as e:  # noqa: BLE001 - nbformat raises many kinds
        return f"a notebook nbformat cannot read ({type(e).__name__}: {str(e)[:120]})"
    if captured.get("ValidationError") is not None:
        msg = str(captured["ValidationError"]).strip().splitlines()[0][:120]
        return f"a notebook that does not follow the notebook format ({msg})"
    return None


# ---------------------------------------------------------------------------------- placing

def _notebook_names(course):
    """{notebook file name: assignment} for every assignment (from the solutions folder)."""
    names = {}
    for a in course.assignments():
        for nb in (course.source / a).glob("*.ipynb"):
            names.setdefault(nb.name, a)
    return names


def _match_notebook(filename, notebooks):
    """The release notebook name that ``filename`` ends with (allowing LMS copy suffixes), and the rest."""
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


def parse_lms_prefix(prefix):
    """{"name", "lms", "lms_id"} from an LMS file-name prefix, or None when there is no name.

    Moodle: "Jane Doe_12345_assignsubmission_file" (12345: the participant id, per assignment);
    Canvas: "doejane_late_12345_67890" (12345: the user id; 67890: the file); generic: "ada_12345".
    """
    tokens = [t for t in re.split(r"_+", prefix) if t.strip()]
    name_tokens, numbers, words = [], [], []
    for t in tokens:
        if t.isdigit() and t.isascii():
            numbers.append(t)
        elif t.lower() in LMS_TOKENS or numbers:
            words.append(t.lower())
        else:
            name_tokens.append(t)
    if not name_tokens:
        return None
    name = unicodedata.normalize("NFC", "_".join(name_tokens).strip())
    if "assignsubmission" in words:
        lms = "moodle"
    elif len(numbers) >= 2 or "late" in words:
        lms = "canvas"
    else:
        lms = "lms"
    return {"name": name, "lms": lms, "lms_id": numbers[0] if numbers else ""}


def _place(parts, notebooks, assignments, only):
    """(who, assignment, file name) for a file, or the reason it cannot be placed."""
    for i in range(len(parts) - 2, 0, -1):    # nbgrader layout: [..., student, assignment, file]
        if parts[i] in assignments:
            a = parts[i]
            student = unicodedata.normalize("NFC", parts[i - 1])
            name = "/".join(parts[i + 1:])
            if only and a != only:
                return f"belongs to assignment {a}, not {only}: ignored"
            who = parse_lms_prefix(student) if "_assignsubmission_" in student else None
            who = who or {"name": student, "lms": "nbgrader", "lms_id": ""}
            if "/" not in name:
                return (who, a, name)
            return f"in a sub-folder of {student}/{a}/: not imported (only the assignment's own files are)"
    name = parts[-1]
    if not name.lower().endswith(".ipynb"):
        if name.lower().endswith(".zip"):
            return "a zip inside the archive: not unpacked (unpack it and import the folder)"
        return "not a notebook (and not in a <student>/<assignment>/ folder)"
    nb, prefix = _match_notebook(name, notebooks)
    if nb is None:
        return "the file name does not end with a notebook of the course (" + ", ".join(sorted(notebooks)) + ")"
    a = only or notebooks[nb]
    if a not in assignments:
        return f"no assignment {a}"
    if only and notebooks.get(nb) not in (None, only):
        return f"{nb} belongs to assignment {notebooks[nb]}, not {only}"
    who = parse_lms_prefix(prefix) if prefix else None
    if who is None and len(parts) > 1:        # Moodle "download as folders": <Name>_<id>_assignsubmission_file/
        who = parse_lms_prefix(parts[-2])
        if who is not None and who["lms"] == "lms" and not who["lms_id"]:
            who["lms"] = "nbgrader"
    if who is None or who["name"].lower() in LMS_TOKENS:
        return "no student name before the notebook name (expected <student>_<id>_<file>.ipynb)"
    return (who, a, nb)


def _hidden(parts):
    for p in parts:
        if p in JUNK:
            return f"{JUNK[p]}: ignored"
        if p.startswith("."):
            return f"hidden (the name {p!r} starts with '.'): ignored; rename it to import it"
    return None


def import_submissions(source, root=ROOT, assignment=None, dry_run=False, limits=None):
    """Copy submissions from ``source`` (folder or .zip) into the course; see the module docstring.

    Raises SourceError when the source as a whole cannot be imported; OSError(ENOSPC) when the disk
    fills up (files placed before that are complete). Every other problem is in the report.
    """
    from autograde.course import Course

    t0 = time.perf_counter()
    limits = limits or ImportLimits()
    kind = check_source(source)
    source = Path(source).expanduser()
    course = Course(root)
    notebooks = _notebook_names(course)
    assignments = set(course.assignments())
    if only := assignment:
        if only not in assignments:
            raise SourceError(f"no assignment {only!r}; the assignments are: {', '.join(sorted(assignments))}")
    report = ImportReport(source=str(source))
    roster = Roster.of(course.root) if course.submitted.parent == course.root / "autograde" / "work" else \
        Roster(course.submitted.parent / ROSTER_FILE)
    zf = None
    try:
        if kind == "zip":
            n_entries, _ = _zip_directory(source)
            if n_entries > limits.max_files:
                raise SourceError(f"{source} holds {n_entries:,} entries, more than the import limit of "
                                  f"{limits.max_files:,} (--max-files): refused before unpacking anything")
            try:
                zf = zipfile.ZipFile(source)
            except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as e:
                raise SourceError(f"{source} is a damaged zip ({e}); download it again") from None
            entries = _list_zip(zf, report, limits)
        else:
            entries = _list_folder(source, report, limits)

        # 1. classify every entry from its name and declared size; nothing is read yet
        found = []                         # (entry, who, assignment, file name)
        for entry in entries:
            why = _hidden(entry.parts)
            if why is None and (entry.size > limits.max_file_bytes):
                why = (f"too big: {_mb(entry.size)}, more than the per-file limit of {_mb(limits.max_file_bytes)} "
                       "(--max-file-mb); skipped")
            if why is None and zf is not None and entry.size > limits.ratio_min_mb * MB and \
                    entry.size > limits.max_ratio * max(entry.compressed, 1):
                why = (f"would unpack {_mb(entry.compressed)} to {_mb(entry.size)} (ratio "
                       f"{entry.size / max(entry.compressed, 1):,.0f}:1, the limit is {limits.max_ratio:g}:1, "
                       "--max-ratio): a zip bomb? skipped")
            if why is None:
                placed = _place(entry.parts, notebooks, assignments, assignment)
                if isinstance(placed, str):
                    why = placed
                else:
                    why = name_problem(placed[0]["name"])
                    if why is None:
                        found.append((entry,) + placed)
            if why is not None:
                report.unplaced.append((entry.label, why))

        # 2. identities -> folders (the roster keeps them apart and stable)
        existing = {p.name.casefold() for p in course.submitted.iterdir()} if course.submitted.is_dir() else set()
        folders, notes = {}, []

        def key(who, a):
            if who["lms"] == "moodle":
                return ("moodle", who["lms_id"] or who["name"], a)
            return ("id", who["lms_id"]) if who["lms_id"] else ("name", who["name"])

        for entry, who, a, fname in sorted(found, key=lambda f: (f[2], str(key(f[1], f[2])), f[0].label)):
            k = key(who, a)
            if (k, a) not in folders:
                folders[(k, a)] = roster.resolve(who, a, existing, notes)
        report.identities += [n for n in notes if isinstance(n, str)]
        report.folders += [n[1] for n in notes if not isinstance(n, str)]
        groups = defaultdict(list)         # (folder, assignment, file name) -> entries, newest first
        for entry, who, a, fname in found:
            groups[(folders[(key(who, a), a)], a, fname)].append(entry)
        total = sum(max(g, key=lambda e: e.mtime).size for g in groups.values())
        if total > limits.max_total_mb * MB:
            raise SourceError(f"{source} would unpack to {_mb(total)} of submissions, more than the import limit "
                              f"of {_mb(limits.max_total_mb * MB)} (--max-total-mb): refused before unpacking "
                              "anything")

        # 3. read (bounded), check, write
        for (folder, a, fname), group in sorted(groups.items()):
            group = sorted(group, key=lambda e: (e.mtime, e.label), reverse=True)
            data, used = None, None
            for entry in group:
                if data is not None:
                    report.unplaced.append((entry.label, "an older copy of the same student's file: ignored"))
                    continue
                data, why = _read(entry, zf, limits)
                if data is None:
                    report.unplaced.append((entry.label, why))
                else:
                    used = entry
            if data is None:
                continue
            where = f"{folder}/{a}/{fname}"
            if fname.endswith(".ipynb"):
                problem = check_notebook(data)
                if problem:
                    report.warnings.append((where, f"{problem}; placed anyway, grading will record it as invalid "
                                                   "(0 points) unless a good copy replaces it"))
            dest = course.submitted / folder / a / fname
            try:
                state = "new" if not dest.exists() else ("same" if dest.read_bytes() == data else "updated")
                if state != "same" and not dry_run:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    tmp_dest = dest.with_name(f".{dest.name}.importing")
                    try:
                        tmp_dest.write_bytes(data)
                        os.replace(tmp_dest, dest)
                    finally:
                        if tmp_dest.exists():     # a full disk or a crash must not leave it in the submission
                            tmp_dest.unlink()
                    if used.mtime:
                        os.utime(dest, (used.mtime, used.mtime))
            except OSError as e:
                if e.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise
                report.unplaced.append((used.label, f"cannot write {where}: {e.strerror or e}"))
                continue
            report.placed.append((folder, a, fname, state))
    finally:
        if zf is not None:
            zf.close()
        if roster.changed and not dry_run and report.placed:
            roster.save()
    report.seconds = time.perf_counter() - t0
    return report


def reason_counts(report):
    """{reason: count} of the files not placed (for tests and summaries)."""
    return Counter(why for _, why in report.unplaced)
