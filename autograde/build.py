"""Build the student release: solutions/ -> notebooks/ with `nbgrader generate_assignment`.

    build_release(root, release_dir=None) -> list of notebook paths written
    release_leaks(path) -> list of problems (solution code or hidden tests left in a release notebook)
"""
import json
import shutil
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


def build_release(root=ROOT, release_dir=None, only=None):
    """Generate the student version of every assignment (or those in ``only``).

    release_dir: where to write (default: the course's notebooks/); the old copy of each assignment
    there is replaced. Returns the notebook paths written. Raises RuntimeError with nbgrader's log
    when an assignment fails, or when a release notebook leaks solutions or hidden tests.
    """
    root = Path(root)
    overrides = {}
    if release_dir is not None:
        overrides["CourseDirectory.release_directory"] = str(Path(release_dir).resolve())
    config = load_config(root, **overrides)
    api = make_api(config)
    release = Path(api.coursedir.format_path(api.coursedir.release_directory, ".", "")).resolve()
    written = []
    for name in only or assignments(root):
        if (release / name).exists():
            shutil.rmtree(release / name)
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"generate_assignment {name} failed:\n{result.get('error')}\n{result.get('log')}")
        notebooks = sorted((release / name).glob("*.ipynb"))
        for nb in notebooks:
            problems = release_leaks(nb)
            if problems:
                raise RuntimeError("release leaks:\n" + "\n".join(problems))
        written += notebooks
    return written
