"""Every notebook in solutions/, the same three checks (see CONTRIBUTING.md):

1. the solution notebook runs top to bottom without an error;
2. the committed release (notebooks/) is what `python -m autograde build` makes now;
3. real `nbgrader autograde`: the untouched release scores 0, the solution full marks, every
   mutant (one function's output slightly wrong) loses points, and the hand-written submissions in
   tests/independent/<assignment>/ get what they expect (a correct answer in another style: full
   marks; a plausible bug: exactly the tests it should lose).
"""
import json
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import harness
from harness import ASSIGNMENTS, REPO

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_runs(assignment, tmp_path):
    path = harness.solution_notebook(assignment)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - t0
    print(f"{assignment}: Run All took {seconds:.1f} s")
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{assignment}: {out.get('ename')}: {out.get('evalue')}"


def _normalised(path):
    nb = json.loads(Path(path).read_text())
    return json.dumps(nb, sort_keys=True, indent=1)


@pytest.fixture(scope="session")
def fresh_release(tmp_path_factory):
    from autograde.build import build_release

    out = tmp_path_factory.mktemp("release")
    course = tmp_path_factory.mktemp("course")
    harness.make_course(course, ASSIGNMENTS)
    build_release(course, release_dir=out)
    return out


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_in_sync(assignment, fresh_release):
    committed = sorted((REPO / "notebooks" / assignment).glob("*.ipynb"))
    built = sorted((fresh_release / assignment).glob("*.ipynb"))
    assert [p.name for p in committed] == [p.name for p in built], \
        f"notebooks/{assignment} is missing or stale: run `python -m autograde build`"
    for c, b in zip(committed, built):
        assert _normalised(c) == _normalised(b), \
            f"notebooks/{assignment}/{c.name} differs from the release built from solutions/: run `python -m autograde build`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_stub_solution_mutants(assignment, tmp_path):
    import test_notebook_format as fmt  # the static rules first: they explain failures below
    fmt.test_grade_cells_are_well_formed(assignment)
    root = harness.make_course(tmp_path, [assignment])
    result = harness.nbgrader(root, "generate_assignment", assignment, "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    release_path = sorted((root / "notebooks" / assignment).glob("*.ipynb"))[0]
    release = nbformat.read(release_path, as_version=4)
    subs = harness.submissions(assignment, release)
    workers = 2
    ids = {}
    for k, (name, (nb, _)) in enumerate(sorted(subs.items())):
        ids[name] = f"g{k % workers}-{name}"
        harness.write_submission(root, ids[name], assignment, nb, release_path.name)
    t0 = time.perf_counter()
    log = harness.autograde_parallel(root, assignment, workers=workers)
    seconds = time.perf_counter() - t0
    grades = harness.scores(root)
    print(f"{assignment}: autograded {len(subs)} submissions in {seconds:.1f} s with {workers} processes")
    problems = []
    for name, (_, expect) in sorted(subs.items()):
        if ids[name] not in grades:
            problems.append(f"{name}: not graded")
            continue
        score, max_score, tests = grades[ids[name]]
        lost = sorted(t for t, (s, m) in tests.items() if s < m)
        print(f"  {name:45s} {score:5.1f} / {max_score:4.1f}   lost: {', '.join(lost) or '-'}")
        if expect == "zero" and score != 0:
            problems.append(f"{name}: the untouched release scored {score}, expected 0 "
                            f"(passing: {[t for t, (s, m) in tests.items() if s > 0]})")
        if expect == "full" and score != max_score:
            problems.append(f"{name}: scored {score} / {max_score}, expected full marks (lost: {lost})")
        if isinstance(expect, dict):
            if sorted(expect["lost"]) != lost:
                problems.append(f"{name}: expected to lose exactly {sorted(expect['lost'])}, lost {lost}")
        if expect == "loses" and score >= max_score:
            problems.append(f"{name}: this mutant still gets full marks: no test can see that output "
                            f"being wrong (add a check, or a hand-written mutant in tests/mutants/{assignment}.py)")
    assert not problems, "\n".join(problems) + "\n--- nbgrader log (tail) ---\n" + log[-3000:]
