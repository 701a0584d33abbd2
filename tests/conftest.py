"""Shared by every test module: the harness on the path, each solution notebook run once per test session,
and the groups that keep an expensive fixture on one pytest-xdist worker (`make test` runs `-n 2 --dist
loadgroup`; without xdist the groups do nothing).
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402  (found through the line above)


def xdist_group(item):
    """The pytest-xdist group of a test, so that a fixture that costs minutes is made on one worker only:

    - ``<fixture>`` for a test using a session-scoped fixture defined in a test module (one release build);
    - ``<module>`` for a test using a module-scoped fixture of its module (a bundle, a JupyterLab, a hub,
      a graded class): the whole module goes to one worker;
    - ``notebook-<assignment>`` for a test using ``executed_solution`` (the notebook is run once);
    - None otherwise: the test is scheduled on its own.
    """
    for name in item.fixturenames:
        for fixturedef in item._fixtureinfo.name2fixturedefs.get(name, ()):
            if fixturedef.scope == "session" and fixturedef.baseid.endswith(".py"):
                return name
            if fixturedef.scope == "module":
                return item.module.__name__
    if "executed_solution" in item.fixturenames:
        params = getattr(item, "callspec", None)
        return f"notebook-{params.params.get('assignment', '') if params else ''}"
    return None


def longest_first(item):
    """Sort key: tests/test_notebooks.py first, the last notebook's tests (the longest) first of all, so a
    parallel run does not end on one long test; everything else keeps its order (the sort is stable)."""
    if getattr(item.module, "__name__", "") != "test_notebooks":
        return (1, [])
    params = getattr(item, "callspec", None)
    return (0, [-ord(c) for c in (params.params.get("assignment", "") if params else "")])


@pytest.hookimpl(tryfirst=True)   # before xdist reads the marks to name each test's group
def pytest_collection_modifyitems(config, items):
    for item in items:
        group = xdist_group(item)
        if group is not None and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=longest_first)


@pytest.fixture(scope="session")
def executed_solution(tmp_path_factory):
    """executed_solution(assignment) -> harness.Run: the solution notebook run top to bottom in a fresh
    kernel (in a copy of its folder, each cell allowed the grading's time limit), at most once per test
    session (per xdist worker: tests that use it are grouped by notebook). Do not change the notebook."""
    runs = {}

    def run(assignment):
        if assignment not in runs:
            folder = tmp_path_factory.mktemp(f"run-{assignment}")
            runs[assignment] = harness.execute_notebook(harness.solution_notebook(assignment), folder)
        return runs[assignment]

    return run
