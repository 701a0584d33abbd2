"""Where the course lives and how to talk to nbgrader about it.

    ROOT                      the repository root (holds nbgrader_config.py)
    assignments(root)         assignment names: the folders of solutions/ that hold a notebook
    load_config(root, ...)    nbgrader_config.py as a traitlets Config, with overrides
    make_api(config)          an nbgrader NbGraderAPI on that config
    Course(root, db_url)      a course's folders, config, assignments and submissions
    prepare_assignments(...)  each assignment's release, template gradebook and max score, for grading
"""
import copy
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = "nbgrader_config.py"


def ensure_tools_on_path():
    """nbgrader runs `alembic` (its database migrations) and jupyter tools as programs: put the
    environment's scripts folder first on PATH, so `.venv/bin/python -m autograde ...` works without
    activating the venv. Child processes (grading workers, kernels) inherit it."""
    import sysconfig

    candidates = [sysconfig.get_path("scripts"), os.path.join(sys.prefix, "bin"),
                  os.path.dirname(os.path.abspath(sys.executable))]
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    for bindir in reversed(list(dict.fromkeys(c for c in candidates if c and os.path.isdir(c)))):
        if bindir in path:
            path.remove(bindir)
        path.insert(0, bindir)
    os.environ["PATH"] = os.pathsep.join(path)


def assignments(root=ROOT, source="solutions"):
    """Sorted names of the assignment folders (e.g. '01_activations') that contain a notebook."""
    base = Path(root) / source
    return sorted(p.name for p in base.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def load_config(root=ROOT, config_dir=ROOT, **overrides):
    """Read nbgrader_config.py from ``config_dir``; point it at course ``root``; apply overrides.

    overrides: "Section.name" -> value, e.g. {"CourseDirectory.db_url": "sqlite:///x.db"}.
    The database sits under the course root unless overridden.
    """
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader(CONFIG_FILE, path=str(config_dir)).load_config()
    if Path(root).resolve() != Path(config_dir).resolve():
        work = Path(root) / "autograde" / "work"
        work.mkdir(parents=True, exist_ok=True)
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.db_url = "sqlite:///" + str(work / "gradebook.db")
        config.Exchange.root = str(work / "exchange")
    extra = Config()
    for key, value in overrides.items():
        section, name = key.rsplit(".", 1)
        extra[section][name] = value
    config.merge(extra)
    return config


def make_api(config):
    """An NbGraderAPI for ``config`` (its log goes to stderr at WARNING level)."""
    ensure_tools_on_path()
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel("WARNING")
    return api


class Course:
    """Paths and config of a course root (nbgrader_config.py is read from the repository ROOT)."""

    def __init__(self, root=ROOT, db_url=None):
        self.root = Path(root).resolve()
        overrides = {"CourseDirectory.db_url": db_url} if db_url else {}
        self.config = load_config(self.root, **overrides)
        cd = self.config.CourseDirectory
        self.db_url = cd.db_url

        def path(name, default):
            value = cd.get(name, default) if hasattr(cd, "get") else default
            p = Path(value)
            return p if p.is_absolute() else self.root / p

        self.source = path("source_directory", "source")
        self.submitted = path("submitted_directory", "submitted")
        self.autograded = path("autograded_directory", "autograded")
        self.feedback = path("feedback_directory", "feedback")
        self.work = self.submitted.parent
        self.results = self.work / "results"
        self._api = None
        exchange = Path(self.config.Exchange.root) if "root" in self.config.Exchange else None
        if exchange is not None and not exchange.exists() and self.work.exists():
            exchange.mkdir(parents=True, exist_ok=True)   # nbgrader's API complains when it is missing

    @property
    def api(self):
        if self._api is None:
            self._api = make_api(self.config)
        return self._api

    def assignments(self):
        return sorted(p.name for p in self.source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def submissions(self, assignment=None, students=None):
        """Sorted (student, assignment) pairs present in submitted/."""
        pairs = []
        if not self.submitted.is_dir():
            return pairs
        wanted = None if students is None else set(students)
        names = set(self.assignments())
        for sdir in sorted(self.submitted.iterdir()):
            if not sdir.is_dir() or (wanted is not None and sdir.name not in wanted):
                continue
            for adir in sorted(sdir.iterdir()):
                if adir.is_dir() and adir.name in names and (assignment is None or adir.name == assignment):
                    pairs.append((sdir.name, adir.name))
        return pairs

    def grade_ids(self):
        """{"assignment/notebook": [grade ids]} of every solution notebook (to spot wrong notebooks)."""
        known = {}
        for a in self.assignments():
            for nb in sorted((self.source / a).glob("*.ipynb")):
                try:
                    cells = json.loads(nb.read_text())["cells"]
                except (ValueError, KeyError, OSError):
                    continue
                known[f"{a}/{nb.stem}"] = sorted({(c.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
                                                  for c in cells
                                                  if (c.get("metadata", {}).get("nbgrader") or {}).get("grade_id")})
        return known


def _generate(config, assignment, release_dir, db_url=None):
    """nbgrader generate_assignment into ``release_dir`` (and ``db_url`` if given)."""
    from traitlets.config import Config
    extra = Config()
    extra.CourseDirectory.release_directory = str(release_dir)
    if db_url:
        extra.CourseDirectory.db_url = db_url
    cfg = copy.deepcopy(config)
    cfg.merge(extra)
    api = make_api(cfg)
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"generate_assignment {assignment} failed:\n{result.get('error')}\n{result.get('log')}")
    return Path(release_dir) / assignment


def _source_digest(course, name, version=""):
    h = hashlib.sha256(version.encode())
    for p in sorted((course.source / name).rglob("*")):
        if p.is_file() and ".ipynb_checkpoints" not in p.parts:
            h.update(str(p.relative_to(course.source)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:20]


def _cells_signature(db_url, name):
    """What the gradebook knows about an assignment's cells (to tell whether it is up to date)."""
    from nbgrader.api import Gradebook, MissingEntry
    try:
        with Gradebook(db_url) as gb:
            a = gb.find_assignment(name)
            return sorted((nb.name, c.name, c.checksum or "", c.cell_type, bool(c.locked))
                          for nb in a.notebooks for c in nb.source_cells) + \
                sorted((nb.name, c.name, float(c.max_score)) for nb in a.notebooks for c in nb.grade_cells)
    except MissingEntry:
        return None


def prepare_assignments(course, names, tmp, version=""):
    """Release notebooks and a template gradebook per assignment (cached by the source's hash), and the
    assignment recorded in the course gradebook (regenerated only when its cells changed)."""
    ensure_tools_on_path()
    info = {}
    for name in names:
        cache = course.work / ".grader-cache" / name / _source_digest(course, name, version)
        template_db = cache / "template.db"
        if not (cache / "done").exists():
            shutil.rmtree(cache.parent, ignore_errors=True)
            build = tmp / f"build-{name}"
            build.mkdir(parents=True)
            _generate(course.config, name, build / "release", db_url=f"sqlite:///{build / 'template.db'}")
            cache.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(build, cache)
            (cache / "done").write_text("ok")
        if _cells_signature(course.db_url, name) != _cells_signature(f"sqlite:///{template_db}", name):
            _generate(course.config, name, tmp / "release-main")   # records the assignment in the course gradebook
        release = cache / "release" / name
        notebooks = {p.name: p.read_text() for p in sorted(release.glob("*.ipynb"))}
        source_locked = {}   # locked cells as in the source (test cells with their hidden tests)
        for p in sorted((course.source / name).glob("*.ipynb")):
            for c in json.loads(p.read_text())["cells"]:
                md = c.get("metadata", {}).get("nbgrader") or {}
                if md.get("locked") and md.get("grade_id"):
                    src = c.get("source", "")
                    source_locked[f"{p.name}:{md['grade_id']}"] = "".join(src) if isinstance(src, list) else src
        source_files = {str(p.relative_to(course.source / name)): p.read_bytes()
                        for p in sorted((course.source / name).rglob("*"))
                        if p.is_file() and p.suffix != ".ipynb" and ".ipynb_checkpoints" not in p.parts}
        max_score = 0.0
        for text in notebooks.values():
            for c in json.loads(text)["cells"]:
                md = c.get("metadata", {}).get("nbgrader") or {}
                if md.get("grade"):
                    max_score += float(md.get("points", 0))
        digest = hashlib.sha256(json.dumps([notebooks, sorted(source_files)], sort_keys=True).encode()).hexdigest()
        from nbgrader.api import Gradebook, MissingEntry
        try:
            with Gradebook(course.db_url) as gb:
                due = gb.find_assignment(name).duedate
        except MissingEntry:
            due = None
        info[name] = {"release": notebooks, "source_files": source_files, "template": template_db.read_bytes(),
                      "duedate": due.isoformat() if due else None,
                      "source_locked": source_locked,
                      "digest": digest, "max_score": max_score}
    return info
