"""Build the student release: solutions/ -> notebooks/ with `nbgrader generate_assignment`.

    build_release(root, release_dir=None, only=None, progress=None) -> list of notebook paths written
    build_changed(root, force=False, log=print) -> (rebuilt assignment names, notebook paths written)
    stale_assignments(root) -> {assignment: why it must be rebuilt}
    release_leaks(path) -> list of problems (solution code or hidden tests left in a release notebook)

The release of an assignment is rebuilt only when it is out of date: ``notebooks/.release-hashes.json``
records, per assignment, a hash of what the release is made from (the files of solutions/<assignment>,
nbgrader_config.py and nbgrader's version) and a hash of the release notebooks written. Both must
match for an assignment to be skipped; the file is committed with notebooks/, so a fresh clone whose
release is up to date does not rebuild it either.
"""
import hashlib
import json
import shutil
import time
from pathlib import Path

from autograde.course import ROOT, assignments, load_config, make_api

# Text that must never reach students.
FORBIDDEN = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS",
             "trainlab.reference")


def release_leaks(path):
    """Problems in one release notebook: markers or reference imports that must have been removed."""
    nb = json.loads(Path(path).read_text())
    problems = []
    for i, cell in enumerate(nb["cells"]):
        text = "".join(cell["source"])
        problems += [f"{path}: cell {i} contains {word!r}" for word in FORBIDDEN if word in text]
        if cell.get("outputs"):
            problems.append(f"{path}: cell {i} has stored outputs")
    return problems


HASH_FILE = ".release-hashes.json"


class BuildError(RuntimeError):
    """generate_assignment failed for an assignment: .assignment, .reason (one line), .log (nbgrader's)."""

    def __init__(self, assignment, reason, log):
        super().__init__(f"generate_assignment {assignment} failed: {reason}\n{log}")
        self.assignment, self.reason, self.log = assignment, reason, log


def _reason(text):
    """The line of nbgrader's log that says what went wrong."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    for pattern in ("ValidationError:", "Error:", "[ERROR]"):
        for ln in lines:
            if pattern in ln and "see the the above traceback" not in ln and not ln.startswith("File "):
                return ln.split("ValidationError: ")[-1][:300]
    return lines[-1][:300] if lines else "unknown error"


def _tree_hash(folder, *extra):
    h = hashlib.sha256()
    for part in extra:
        h.update(str(part).encode() + b"\0")
    folder = Path(folder)
    if folder.is_dir():
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder)
            if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                h.update(str(rel).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def source_hash(root, name):
    """What the release of ``name`` is made from: its solutions folder, the course config, nbgrader's version."""
    from importlib.metadata import version

    config = ROOT / "nbgrader_config.py"     # load_config always reads the repository's
    return _tree_hash(Path(root) / "solutions" / name, config.read_bytes(), version("nbgrader"))


def _hash_file(root):
    return Path(root) / "notebooks" / HASH_FILE


def _read_hashes(root):
    try:
        return json.loads(_hash_file(root).read_text()).get("assignments", {})
    except (OSError, ValueError, AttributeError):
        return {}


def stale_assignments(root=ROOT, names=None):
    """{assignment: why its release must be (re)built}; assignments that are up to date are left out."""
    root = Path(root)
    recorded = _read_hashes(root)
    stale = {}
    for name in names or assignments(root):
        rec = recorded.get(name) or {}
        release = root / "notebooks" / name
        if not any(release.glob("*.ipynb")):
            stale[name] = "no release yet"
        elif rec.get("source") != source_hash(root, name):
            stale[name] = "solutions changed" if rec else "no record of what the release was built from"
        elif rec.get("release") != _tree_hash(release):
            stale[name] = "notebooks/ edited since it was built"
    return stale


def build_changed(root=ROOT, force=False, log=print):
    """Rebuild the release of every assignment whose solutions changed (all with ``force``), with a
    progress line per assignment; returns (names rebuilt, notebook paths written)."""
    root = Path(root)
    names = assignments(root)
    stale = {n: "--force" for n in names} if force else stale_assignments(root, names)
    if not stale:
        log(f"The student release is up to date ({len(names)} assignment{'s' * (len(names) != 1)}; "
            "solutions/ unchanged since the last build)")
        return [], []
    log(f"Building the student release of {len(stale)} of {len(names)} assignments (nbgrader, a few seconds each):")
    t0 = time.perf_counter()

    def progress(i, n, name, seconds=None):
        if seconds is None:
            log(f"  [{i}/{n}] {name} ({stale[name]}) ...")
        else:
            log(f"  [{i}/{n}] {name} done in {seconds:.1f} s")

    written = build_release(root, only=sorted(stale), progress=progress)
    log(f"  built in {time.perf_counter() - t0:.1f} s")
    return sorted(stale), written


def _record(root, name):
    recorded = _read_hashes(root)
    recorded[name] = {"source": source_hash(root, name), "release": _tree_hash(Path(root) / "notebooks" / name)}
    path = _hash_file(root)
    body = {"about": "written by python -m autograde build: the release of an assignment is rebuilt only when "
                     "these hashes no longer match (solutions/<assignment>, nbgrader_config.py, nbgrader version)",
            "assignments": dict(sorted(recorded.items()))}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, indent=1) + "\n")
    tmp.replace(path)


def build_release(root=ROOT, release_dir=None, only=None, progress=None):
    """Generate the student version of every assignment (or those in ``only``).

    release_dir: where to write (default: the course's notebooks/); the old copy of each assignment
    there is replaced. Returns the notebook paths written. Raises RuntimeError with nbgrader's log
    when an assignment fails, or when a release notebook leaks solutions or hidden tests.
    progress(i, n, name[, seconds]): called before and after each assignment. Building into the
    course's own notebooks/ records the hashes that ``stale_assignments`` compares.
    """
    root = Path(root)
    overrides = {}
    if release_dir is not None:
        overrides["CourseDirectory.release_directory"] = str(Path(release_dir).resolve())
    config = load_config(root, **overrides)
    api = make_api(config)
    release = Path(api.coursedir.format_path(api.coursedir.release_directory, ".", "")).resolve()
    written = []
    names = list(only or assignments(root))
    own = release_dir is None and release == (root / "notebooks").resolve()
    for i, name in enumerate(names, 1):
        t0 = time.perf_counter()
        if progress:
            progress(i, len(names), name)
        if (release / name).exists():
            shutil.rmtree(release / name)
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            log = f"{result.get('error')}\n{result.get('log')}"
            raise BuildError(name, _reason(log), log)
        notebooks = sorted((release / name).glob("*.ipynb"))
        for nb in notebooks:
            problems = release_leaks(nb)
            if problems:
                raise RuntimeError("release leaks:\n" + "\n".join(problems))
        written += notebooks
        if own:
            _record(root, name)
        if progress:
            progress(i, len(names), name, time.perf_counter() - t0)
    return written
