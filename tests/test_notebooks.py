"""Every notebook in solutions/, the same three checks (see CONTRIBUTING.md):

1. the solution notebook runs top to bottom without an error, each cell within the grading's time limit
   (run once per test session and shared: the ``executed_solution`` fixture in conftest.py);
2. the committed release (notebooks/) is what `python -m autograde build` makes now;
3. grading: the untouched release scores 0, the solution's answers full marks, every mutant (one function's output
   slightly wrong) loses points, and the hand-written submissions in tests/independent/<assignment>/ get
   what they expect (a correct answer in another style: full marks; a plausible bug: exactly the tests it
   should lose). The stub, the solution-light and two mutants are graded by real `nbgrader autograde`;
   the stub, every mutant and every hand-written submission are judged by the same trusted checks through
   the Judge's own ``Student`` and agent, in-process (``harness.judge_parallel``: no kernel run, no
   nbgrader start-up), a mutant on its own function's test first (one failed check: it loses points).
   Where both graded a test, they must agree.

One notebook's tests alone: ``.venv/bin/python -m pytest tests -k 06_regularization`` (its run, release,
grading, format rules, claims and diagnoses; its reference answers: tests/test_reference_regularization.py).
"""
import json
import time
from pathlib import Path

import nbformat
import pytest

import harness
from harness import ASSIGNMENTS, REPO

pytestmark = pytest.mark.slow

NBGRADER_MUTANTS = 2    # mutants per notebook graded by real nbgrader too (the rest: in-process only)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_runs(assignment, executed_solution):
    run = executed_solution(assignment)
    print(f"{assignment}: Run All took {run.seconds:.1f} s")
    assert not run.errors(), f"{assignment}: " + "\n".join(run.errors())


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


def through_nbgrader(subs):
    """The submissions real nbgrader grades too: the stub, the solution-light, and NBGRADER_MUTANTS mutants
    spread over the sorted names (the first and the last: two different functions)."""
    mutants = sorted(name for name in subs if name.startswith("mutant-"))
    step = max(1, (len(mutants) - 1) // max(1, NBGRADER_MUTANTS - 1))
    return ["stub", "solution-light", *mutants[::step][:NBGRADER_MUTANTS]]


def grade_with_nbgrader(root, assignment, subs, filename):
    """{name: (score, max_score, {grade id: (score, max)})} of ``subs`` ({name: notebook}) through real
    `nbgrader autograde` (harness.parallelism() processes), and nbgrader's log."""
    workers = min(2, harness.parallelism())
    ids = {name: f"g{k % workers}-{name}" for k, name in enumerate(sorted(subs))}
    for name, nb in subs.items():
        harness.write_submission(root, ids[name], assignment, nb, filename)
    log = harness.autograde_parallel(root, assignment, workers=workers)
    grades = harness.scores(root)
    return {name: grades[ids[name]] for name in subs if ids[name] in grades}, log


def expectation_problems(name, expect, grade, assignment):
    """What is wrong with one submission's grade (score, max_score, {grade id: (score, max)}[, messages])
    given its expectation ("zero", "full", "loses" or {"lost": [...]}): one line per problem, [] if none."""
    score, max_score, tests = grade[:3]
    lost = sorted(t for t, (s, m) in tests.items() if s < m)
    why = grade[3] if len(grade) > 3 else {}
    if expect == "zero" and score != 0:
        return [f"{name}: the untouched release scored {score}, expected 0 "
                f"(passing: {[t for t, (s, m) in tests.items() if s > 0]})"]
    if expect == "full" and score != max_score:
        return [f"{name}: scored {score} / {max_score}, expected full marks (lost: {lost})"
                + "".join(f"\n    {t}: {why[t].splitlines()[0]}" for t in lost if t in why)]
    if isinstance(expect, dict) and sorted(expect["lost"]) != lost:
        return [f"{name}: expected to lose exactly {sorted(expect['lost'])}, lost {lost}"]
    if expect == "loses" and score >= max_score:
        return [f"{name}: this mutant still gets full marks: no test can see that output being wrong "
                f"(add a check, or a hand-written mutant in tests/mutants/{assignment}.py)"]
    return []


def disagreement(name, nbgrader_grade, judged):
    """A line when real nbgrader and the in-process judge disagree on a test both judged, else None."""
    differ = {t: (nbgrader_grade[2].get(t), v) for t, v in judged[2].items() if nbgrader_grade[2].get(t) != v}
    return f"{name}: real nbgrader and the in-process judge disagree: {differ}" if differ else None


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_stub_solution_mutants(assignment, tmp_path):
    import test_notebook_format as fmt  # the static rules first: they explain failures below
    fmt.test_grade_cells_are_well_formed(assignment)
    root = harness.make_course(tmp_path / "course", [assignment])
    result = harness.nbgrader(root, "generate_assignment", assignment, "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    release_path = sorted((root / "notebooks" / assignment).glob("*.ipynb"))[0]
    release = nbformat.read(release_path, as_version=4)
    subs = harness.submissions(assignment, release)
    # the full solution's kernel run is test_solution_runs (each cell within the grading's time limit); its
    # setup and answer cells, the only ones the Judge runs, are solution-light's
    del subs["solution"]
    real = through_nbgrader(subs)
    own = harness.own_tests(nbformat.read(harness.solution_notebook(assignment), as_version=4))

    def first(name):    # a mutant is judged on its own function's test first: one failed check shows it loses
        return own.get(name[len("mutant-"):].rsplit("-", 1)[0]) if name.startswith("mutant-") else None

    t0 = time.perf_counter()
    by_nbgrader, log = grade_with_nbgrader(root, assignment, {name: subs[name][0] for name in real}, release_path.name)
    t1 = time.perf_counter()
    judged = harness.judge_parallel(release_path.stem, {name: (nb, first(name)) for name, (nb, _) in subs.items()
                                                        if name != "solution-light"}, tmp_path / "judged")
    t2 = time.perf_counter()
    print(f"{assignment}: {len(real)} submissions through nbgrader in {t1 - t0:.1f} s, {len(judged)} judged "
          f"in-process in {t2 - t1:.1f} s ({harness.parallelism()} processes)")

    problems = []
    for name, (_, expect) in sorted(subs.items()):
        graded = {how: grades[name] for how, grades in (("nbgrader", by_nbgrader), ("judge", judged)) if name in grades}
        if name in real and "nbgrader" not in graded:
            problems.append(f"{name}: not graded by nbgrader")
        for how, grade in graded.items():
            lost = sorted(t for t, (s, m) in grade[2].items() if s < m)
            alone = " (its own test, judged first)" if how == "judge" and len(grade[2]) == 1 else ""
            print(f"  {name:45s} {how:8s} {grade[0]:5.1f} / {grade[1]:4.1f}   lost: {', '.join(lost) or '-'}{alone}")
            problems += expectation_problems(name, expect, grade, assignment)
        if len(graded) == 2:
            problems += [line for line in [disagreement(name, graded["nbgrader"], graded["judge"])] if line]
    assert not problems, "\n".join(problems) + "\n--- nbgrader log (tail) ---\n" + log[-3000:]
