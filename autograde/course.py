"""Where the course lives and how to talk to nbgrader about it.

    ROOT                      the repository root (holds nbgrader_config.py)
    assignments(root)         assignment names: the folders of solutions/ that hold a notebook
    load_config(root, ...)    nbgrader_config.py as a traitlets Config, with overrides
    make_api(config)          an nbgrader NbGraderAPI on that config
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = "nbgrader_config.py"


def ensure_tools_on_path():
    """nbgrader runs `alembic` (its database migrations) as a program: it must be on PATH."""
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


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
