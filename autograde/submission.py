"""Check and repair one student's files for one assignment before nbgrader sees them.

nbgrader copes badly with broken submissions: a duplicated grade id stops the whole run, a deleted
test cell scores 0 unless restored, an unreadable file gets 0 with the reason only in a log. Here
every notebook is read defensively and rebuilt as a clean nbformat-4 notebook whose graded cells are
exactly the release's (ids, points, cell types, locked sources, order), and every change is noted:

    prepare(files, release, known_ids) -> Prepared

``files``: {file name: bytes} as submitted; ``release``: {notebook file name: release JSON text};
``known_ids``: {"assignment/notebook": [grade ids]} of every notebook of the course (to recognise a
notebook submitted for the wrong assignment); ``source_locked``: {"notebook.ipynb:grade_id": source}
of the instructor's locked cells (a test cell with its hidden tests is not "edited"). Prepared.notebooks[name] is a dict with
``text`` (the repaired notebook JSON, or None), ``status`` ("ok", "missing", "invalid"),
``notes`` (what was wrong, for the grade report) and ``suspicious`` (code an instructor may want to look
at; it costs no points: the judge grades only what the answer cells define, on its own inputs).

Reading a submission's files (the grader trusts nothing it finds in a student's folder):

    read_regular(path) -> bytes         one regular file, opened without following a link; else Unreadable
    read_folder(folder) -> (files, skipped)   every regular file under a folder, the same way; the rest
                                        (links, FIFOs, sockets, devices, hard links, oversized) named with why
"""
import ast
import errno
import json
import os
import re
import stat
from dataclasses import dataclass, field

import nbformat
from nbformat import v4

# (pattern, what): code worth a human look. Flagged in the record and the feedback; it costs no points.
SUSPICIOUS = [
    (r"\bctypes\b", "uses ctypes"),
    (r"\bgc\s*\.\s*get_(objects|referrers|referents)", "searches the garbage collector"),
    (r"sys\s*\.\s*(settrace|setprofile|_getframe)", "touches the interpreter's frames or trace hooks"),
    (r"__builtins__|\bimport\s+builtins|from\s+builtins\s+import", "touches builtins"),
    (r"sys\s*\.\s*(modules|meta_path|path_hooks)|\.__path__\b", "touches the import system"),
    (r"trainlab\s*\.\s*reference|from\s+trainlab\s+import\s+reference", "mentions the reference answers"),
    (r"set_custom_exc|input_transformers|ast_transformers|events\s*\.\s*register|showtraceback",
     "changes IPython's execution"),
    (r"\b(np|numpy|torch|grading|gradcheck|torchcheck|warnings|math)(\s*\.\s*\w+)+\s*=[^=]",
     "assigns to an attribute of a library module"),
    (r"setattr\s*\(\s*(np|numpy|torch|grading|gradcheck|torchcheck|builtins)\b", "patches a library module"),
    (r"os\s*\.\s*_exit|os\s*\.\s*fork|os\s*\.\s*kill|sys\s*\.\s*exit|\braise\s+SystemExit", "exits or forks"),
    (r"\.\./|/solutions\b|gradebook|autograde/work|submitted/", "reads course files by path"),
]


MAX_FILE_BYTES = 64 << 20       # the grader reads no larger file (the importer's limit too)
MAX_FOLDER_FILES = 1000         # files read from one submission folder; the rest are skipped
MAX_DEPTH = 8                   # sub-folders deeper than this are skipped
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)
_KINDS = [(stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a device file"), (stat.S_ISBLK, "a device file"), (stat.S_ISDIR, "a folder")]


class Unreadable(Exception):
    """A file the grader will not read; str() is the reason, one line ("is a symbolic link", ...)."""


def _kind(mode):
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def read_regular(path, max_bytes=MAX_FILE_BYTES, dir_fd=None):
    """The bytes of the regular file ``path`` (relative to ``dir_fd`` if given); raises Unreadable otherwise.

    Never follows a link in the last component (O_NOFOLLOW), never opens a FIFO, socket or device (the
    kind is checked before opening, then again on the open descriptor: a file swapped between the two
    is refused), refuses a file with more than one name (a hard link: it may be someone else's file)
    and one over ``max_bytes`` (checked on the size and again on what is read: it may grow meanwhile).
    """
    try:
        before = os.lstat(path, dir_fd=dir_fd)
        if not stat.S_ISREG(before.st_mode):
            raise Unreadable(f"is {_kind(before.st_mode)}: not read")
        fd = os.open(path, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as e:
        raise Unreadable("is a symbolic link: not read" if e.errno == errno.ELOOP
                         else f"could not be read ({e.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino):
            raise Unreadable("changed while it was being read: not read")
        if st.st_nlink > 1:
            raise Unreadable(f"is a hard link ({st.st_nlink} names for one file): not read")
        if st.st_size > max_bytes:
            raise Unreadable(f"is too big ({st.st_size / 2**20:.1f} MB, limit {max_bytes / 2**20:.0f} MB): not read")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise Unreadable(f"grew past the size limit ({max_bytes / 2**20:.0f} MB) while it was read: not read")
        return b"".join(chunks)
    except OSError as e:
        raise Unreadable(f"could not be read ({e.strerror})") from None
    finally:
        os.close(fd)


def read_folder(folder, max_bytes=MAX_FILE_BYTES, max_files=MAX_FOLDER_FILES):
    """({relative path: bytes}, [skipped: "path is a symbolic link: not read", ...]) for a submission folder.

    Walks by directory descriptors (a folder swapped for a link mid-walk is not followed), skips
    ``.ipynb_checkpoints`` silently and reads each entry with read_regular; a folder that is itself a
    link, or missing, yields ({}, [why]).
    """
    files, skipped = {}, []
    try:
        top = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        why = "is a symbolic link" if e.errno in (errno.ELOOP, errno.ENOTDIR) else f"could not be read ({e.strerror})"
        return files, [f"the submission folder {why}: nothing read"]
    try:
        _walk(top, "", files, skipped, max_bytes, max_files, 0)
    finally:
        os.close(top)
    return files, skipped


def _walk(dir_fd, prefix, files, skipped, max_bytes, max_files, depth):
    for name in sorted(os.listdir(dir_fd)):
        rel = prefix + name
        if name == ".ipynb_checkpoints":
            continue
        if len(files) >= max_files:
            skipped.append(f"more than {max_files} files: {rel} and the rest were not read")
            return
        try:
            mode = os.lstat(name, dir_fd=dir_fd).st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            if depth >= MAX_DEPTH:
                skipped.append(f"{rel}/ is nested too deep: not read")
                continue
            try:
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
            except OSError:
                skipped.append(f"{rel}/ changed while it was being read: not read")
                continue
            try:
                _walk(sub, rel + "/", files, skipped, max_bytes, max_files, depth + 1)
            finally:
                os.close(sub)
            continue
        try:
            files[rel] = read_regular(name, max_bytes, dir_fd=dir_fd)
        except Unreadable as e:
            skipped.append(f"{rel} {e}")


@dataclass
class Prepared:
    notebooks: dict = field(default_factory=dict)
    extra: list = field(default_factory=list)
    notes: list = field(default_factory=list)


# ---------------------------------------------------------------------------------- the release

def _md(cell):
    return cell.get("metadata", {}).get("nbgrader") or {}


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _defined_names(source):
    """Top-level names bound by a code cell (defs, classes, assignments, imports)."""
    lines = [("pass" if ln.lstrip().startswith(("%", "!")) else ln) for ln in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        names.add(n.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return names


class Layout:
    """The graded structure of one release notebook."""

    def __init__(self, release_text):
        nb = json.loads(release_text)
        self.cells = nb["cells"]
        self.ids = []                 # graded/locked cell ids in release order
        self.cell = {}                # id -> release cell
        self.kind = {}                # id -> "answer" | "test" | "locked"
        for c in self.cells:
            md = _md(c)
            gid = md.get("grade_id")
            if not gid or not (md.get("solution") or md.get("grade") or md.get("locked") or md.get("task")):
                continue
            self.ids.append(gid)
            self.cell[gid] = c
            self.kind[gid] = "answer" if md.get("solution") else ("test" if md.get("grade") else "locked")
        self.plain_sources = {_source(c).strip() for c in self.cells if not _md(c).get("grade_id")}
        plain_names = set()
        for c in self.cells:
            if c.get("cell_type") == "code" and not _md(c).get("grade_id"):
                plain_names |= _defined_names(_source(c))
        self.functions = {}           # answer id -> names it defines (that no release plain cell defines)
        self.tests_of = {}            # answer id -> test ids after it, up to the next answer cell
        current = None
        for gid in self.ids:
            if self.kind[gid] == "answer":
                current = gid
                self.functions[gid] = _defined_names(_source(self.cell[gid])) - plain_names
                self.tests_of[gid] = []
            elif self.kind[gid] == "test" and current is not None:
                self.tests_of[current].append(gid)


# ---------------------------------------------------------------------------------- reading

def read_notebook(data):
    """(notebook dict in nbformat 4, notes) or (None, reason) for bytes that are not a usable notebook."""
    if not data or not data.strip():
        return None, "the file is empty"
    if data[:5] == b"%PDF-":
        return None, "the file is a PDF renamed to .ipynb, not a notebook"
    if data[:4] == b"PK\x03\x04":
        return None, "the file is a zip archive (e.g. a Word document) renamed to .ipynb, not a notebook"
    if b"\x00" in data[:4096]:
        return None, "the file is binary, not a notebook"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "the file is not UTF-8 text, not a notebook"
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        return None, (f"the file is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
                      "it may have been cut off while saving or uploading")
    if not isinstance(raw, dict) or not ("cells" in raw or "worksheets" in raw):
        return None, "the file is JSON but not a Jupyter notebook"
    notes = []
    major = raw.get("nbformat")
    if not isinstance(major, int) or major < 4:
        try:
            raw = nbformat.reads(text, as_version=4)
        except Exception as e:  # noqa: BLE001
            return None, f"the file is an old notebook format (nbformat {major}) that could not be converted: {e}"
        notes.append(f"old notebook format (nbformat {major}) converted to nbformat 4")
    elif major > 4:
        return None, f"the file has an unknown notebook format version {major}"
    cells = raw.get("cells")
    if not isinstance(cells, list):
        return None, "the notebook has no list of cells"
    return {"cells": cells, "metadata": raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}}, notes


def _clean_cell(cell):
    """A valid nbformat-4 cell from whatever dict was submitted (outputs dropped: they are re-made)."""
    if not isinstance(cell, dict):
        return None
    kind = cell.get("cell_type")
    meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
    meta = json.loads(json.dumps(meta, default=str))
    source = _source(cell)
    if kind == "code":
        return v4.new_code_cell(source=source, metadata=meta)
    if kind == "raw":
        return v4.new_raw_cell(source=source, metadata=meta)
    return v4.new_markdown_cell(source=source, metadata=meta)


# ---------------------------------------------------------------------------------- repair

def _label(layout, gid):
    return {"answer": "answer cell", "test": "test cell", "locked": "locked cell"}[layout.kind[gid]] + f" '{gid}'"


def _same(a, b):
    norm = lambda s: "\n".join(line.rstrip() for line in s.replace("\r\n", "\n").strip().splitlines())  # noqa: E731
    return norm(a) == norm(b)


def repair(nb, layout, originals=None):
    """Make the graded cells of ``nb`` those of the release. Returns (notebook, notes)."""
    notes = []
    cells = [c for c in (_clean_cell(c) for c in nb["cells"]) if c is not None]
    seen = {}
    kept = []
    for c in cells:
        md = c.metadata.get("nbgrader")
        gid = md.get("grade_id") if isinstance(md, dict) else None
        if md is not None and gid not in layout.cell:
            if gid is not None or md:
                notes.append(f"a cell with unknown grade id {gid!r} was treated as an ordinary cell")
            c.metadata.pop("nbgrader", None)
            kept.append(c)
            continue
        if gid is None:
            kept.append(c)
            continue
        if gid in seen:
            if layout.kind[gid] == "answer":
                notes.append(f"{_label(layout, gid)} appears twice: the copy runs as an ordinary cell")
                c.metadata.pop("nbgrader", None)
                kept.append(c)
            else:
                notes.append(f"{_label(layout, gid)} appears twice: the copy was removed")
            continue
        seen[gid] = c
        kept.append(c)
    cells = kept
    # restore metadata, cell types and locked sources
    for gid, c in seen.items():
        rel = layout.cell[gid]
        rel_md = dict(_md(rel))
        md = c.metadata.get("nbgrader", {})
        changed = [k for k in ("grade", "solution", "locked", "points", "task") if md.get(k) != rel_md.get(k)]
        if changed:
            what = ", ".join(f"{k} {md.get(k)!r} -> {rel_md.get(k)!r}" for k in changed)
            notes.append(f"the metadata of {_label(layout, gid)} was changed ({what}): restored")
        if c.cell_type != rel["cell_type"]:
            notes.append(f"{_label(layout, gid)} was switched to {c.cell_type}: switched back to {rel['cell_type']}")
            new = (v4.new_code_cell if rel["cell_type"] == "code" else v4.new_markdown_cell)(source=c.source,
                                                                                             metadata=c.metadata)
            cells[_index(cells, c)] = new
            c = new
        original = (originals or {}).get(gid)
        if layout.kind[gid] != "answer" and not _same(c.source, _source(rel)) \
                and not (original is not None and _same(c.source, original)):
            notes.append(f"{_label(layout, gid)} was edited: the release version was restored")
            c.source = _source(rel)
        c.metadata["nbgrader"] = rel_md
        for key in ("editable", "deletable"):
            if key in rel.get("metadata", {}):
                c.metadata[key] = rel["metadata"][key]
            else:
                c.metadata.pop(key, None)
        seen[gid] = c
    # put back missing graded cells after the previous graded cell of the release
    for pos, gid in enumerate(layout.ids):
        if gid in seen:
            continue
        rel = layout.cell[gid]
        new = (v4.new_code_cell if rel["cell_type"] == "code" else v4.new_markdown_cell)(
            source=_source(rel), metadata=json.loads(json.dumps(rel.get("metadata", {}))))
        if layout.kind[gid] == "answer":
            notes.append(f"{_label(layout, gid)} is missing: graded as not answered")
        else:
            notes.append(f"{_label(layout, gid)} was deleted: the release version was put back")
        before = [g for g in layout.ids[:pos] if g in seen]
        at = _index(cells, seen[before[-1]]) + 1 if before else 0
        cells.insert(at, new)
        seen[gid] = new
    # release order of the graded cells (each carries the ordinary cells that follow it)
    order = [c.metadata.get("nbgrader", {}).get("grade_id") for c in cells]
    graded = [g for g in order if g in layout.cell]
    if graded != [g for g in layout.ids if g in graded]:
        first_wrong = next(g for g, r in zip(graded, [g for g in layout.ids if g in graded]) if g != r)
        notes.append(f"graded cells were moved ({_label(layout, first_wrong)} is out of place): "
                     "the release order was restored")
        head, segments = [], []
        for c in cells:
            gid = c.metadata.get("nbgrader", {}).get("grade_id")
            if gid in layout.cell:
                segments.append((layout.ids.index(gid), [c]))
            elif segments:
                segments[-1][1].append(c)
            else:
                head.append(c)
        segments.sort(key=lambda s: s[0])
        cells = head + [c for _, seg in segments for c in seg]
    _redefinitions(cells, layout, notes)
    out = v4.new_notebook(cells=cells, metadata={k: v for k, v in nb.get("metadata", {}).items()
                                                 if k in ("kernelspec", "language_info")})
    out.metadata.setdefault("kernelspec", {"display_name": "Python 3 (ipykernel)", "language": "python",
                                           "name": "python3"})
    return out, notes


def _index(cells, cell):
    return next(i for i, c in enumerate(cells) if c is cell)


def _redefinitions(cells, layout, notes):
    """Note functions that an ordinary cell redefines: the judge grades only what the answer cells define."""
    owner = {name: gid for gid, names in layout.functions.items() for name in names}
    for i, c in enumerate(cells):
        if c.cell_type != "code" or c.metadata.get("nbgrader"):
            continue
        for name in sorted(_defined_names(c.source) & set(owner)):
            notes.append(f"cell {i + 1} redefines {name} outside answer cell '{owner[name]}': only the answer "
                         "cell's version is graded")


def suspicious(nb, layout):
    """Notes on code that looks like an attempt to get around the checks (reported, not scored)."""
    hits = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        md = c.metadata.get("nbgrader", {})
        if md.get("locked") and not md.get("solution"):
            continue
        if c.source.strip() in layout.plain_sources:
            continue
        for pattern, what in SUSPICIOUS:
            if re.search(pattern, c.source):
                where = f"answer cell '{md['grade_id']}'" if md.get("grade_id") else f"cell {i + 1}"
                hits.append(f"{where} {what}")
    return sorted(set(hits))


# ---------------------------------------------------------------------------------- one submission

def _ids_of(nb):
    return {(_md(c) or {}).get("grade_id") for c in nb["cells"] if isinstance(c, dict) and _md(c).get("grade_id")}


def prepare(files, release, known_ids=None, source_locked=None):
    """Check and repair every notebook of one submission (see the module docstring)."""
    known_ids = known_ids or {}
    out = Prepared()
    layouts = {name: Layout(text) for name, text in release.items()}
    files = dict(files)
    missing = [name for name in release if name not in files]
    extras = [name for name in files if name not in release]
    # a single renamed notebook ("activations (1).ipynb") stands in for a single missing one
    if len(missing) == 1 and missing[0] in layouts:
        candidates = []
        for name in extras:
            if name.lower().endswith(".ipynb"):
                nb, _ = read_notebook(files[name])
                if nb is not None and _ids_of(nb) & set(layouts[missing[0]].ids):
                    candidates.append(name)
        if len(candidates) == 1:
            out.notes.append(f"{candidates[0]} was graded as {missing[0]}")
            files[missing[0]] = files.pop(candidates[0])
            extras.remove(candidates[0])
            missing = []
    for name in sorted(extras):
        out.extra.append(name)
    if extras:
        out.notes.append("extra files ignored (not part of the assignment): " + ", ".join(sorted(extras)[:10])
                         + (" ..." if len(extras) > 10 else ""))
    for name, layout in layouts.items():
        entry = {"text": None, "status": "ok", "notes": [], "suspicious": []}
        out.notebooks[name] = entry
        if name not in files:
            entry["status"], entry["notes"] = "missing", [f"{name} was not submitted"]
            continue
        nb, notes = read_notebook(files[name])
        if nb is None:
            entry["status"], entry["notes"] = "invalid", [f"{name}: {notes}"]
            continue
        ids = _ids_of(nb)
        if ids and not ids & set(layout.ids):
            other = max(known_ids.items(), key=lambda kv: len(ids & set(kv[1])), default=(None, []))
            whose = f"it is {other[0]}" if other[0] and ids & set(other[1]) else "its graded cells are unknown"
            entry["status"] = "invalid"
            entry["notes"] = [f"{name} is the wrong notebook: none of its graded cells belong to this "
                              f"assignment ({whose})"]
            continue
        if not ids:
            entry["status"] = "invalid"
            entry["notes"] = [f"{name} has none of the assignment's cells (no nbgrader metadata): it was not "
                              "made from the released notebook"]
            continue
        originals = {key.split(":", 1)[1]: src for key, src in (source_locked or {}).items()
                     if key.split(":", 1)[0] == name}
        repaired, fixes = repair(nb, layout, originals)
        entry["text"] = nbformat.writes(repaired)
        entry["notes"] = notes + fixes
        entry["suspicious"] = suspicious(repaired, layout)
    return out
