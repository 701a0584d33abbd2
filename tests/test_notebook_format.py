"""Fast static checks on every solution notebook: the rules of CONTRIBUTING.md that nbgrader won't enforce."""
import ast
from collections import Counter

import nbformat
import pytest

import harness
from harness import ASSIGNMENTS


def _cells(assignment):
    return nbformat.read(harness.solution_notebook(assignment), as_version=4).cells


def _python(source):
    return "\n".join("pass" if l.lstrip().startswith(("%", "!")) else l for l in source.splitlines())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stored_without_outputs(assignment):
    for i, cell in enumerate(_cells(assignment)):
        assert not cell.get("outputs") and not cell.get("execution_count"), f"{assignment}: cell {i} has outputs"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_opens_with_goals_time_and_what_to_submit(assignment):
    intro = _cells(assignment)[0]
    assert intro.cell_type == "markdown"
    for words in ["Learning goals", "Estimated time", "What to submit"]:
        assert words.lower() in intro.source.lower(), f"{assignment}: the first cell must say '{words}'"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grade_cells_are_well_formed(assignment):
    cells = _cells(assignment)
    ids = Counter(c.metadata["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c.metadata)
    assert not [k for k, n in ids.items() if n > 1], f"{assignment}: duplicated grade_id {ids.most_common(1)}"
    tests = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert tests, f"{assignment}: no graded test cells"
    for cell in tests:
        gid = cell.metadata["nbgrader"]["grade_id"]
        assert cell.metadata["nbgrader"].get("points", 0) > 0, f"{assignment}/{gid}: no points"
        if cell.cell_type == "markdown":     # a written answer, graded by hand in the formgrader
            assert cell.metadata["nbgrader"].get("solution") and gid.startswith("explain_"), \
                f"{assignment}/{gid}: a graded markdown cell is a written answer: solution cell, id explain_<name>"
            assert "### BEGIN SOLUTION" in cell.source and "rubric" in cell.source.lower(), \
                f"{assignment}/{gid}: the solution of a written answer holds a model answer and a rubric"
            continue
        assert "HIDDEN TESTS" not in cell.source and "trainlab.reference" not in cell.source, \
            f"{assignment}/{gid}: no hidden tests in notebooks: the points come from autograde/checks/"
        last = ast.parse(_python(cell.source)).body[-1]
        # nbgrader reads a test cell's last value as partial credit: end with print(...) or a statement.
        is_print = isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) \
            and getattr(last.value.func, "id", None) == "print"
        assert not isinstance(last, ast.Expr) or is_print, \
            f"{assignment}/{gid}: the last line is an expression; nbgrader would take its value as the score. " \
            "End the cell with print(...)."


QUESTIONS = (3, 6)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_asks_before_it_tells(assignment):
    """3-6 questions: predictions graded by autograde/checks/<stem>_questions.py, written answers by hand."""
    from autograde import judge
    cells = _cells(assignment)
    graded = [c.metadata["nbgrader"] for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
    predictions = [m["grade_id"] for m in graded if m["grade_id"].startswith("q_")]
    written = [m["grade_id"] for m in graded if m["grade_id"].startswith("explain_")]
    assert QUESTIONS[0] <= len(predictions) + len(written) <= QUESTIONS[1], \
        f"{assignment}: {len(predictions)} predictions and {len(written)} written answers"
    assert written, f"{assignment}: no written answer for the formgrader"
    stem = harness.solution_notebook(assignment).stem
    checks = judge.load_checks(stem)
    missing = [g for g in predictions if g not in checks]
    assert not missing, f"{assignment}: no check in autograde/checks/{stem}_questions.py for {missing}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_question_names_the_variable_its_answer_cell_sets(assignment):
    """The release shows `raise NotImplementedError()` in a prediction's answer cell: the question must say
    which variable to set, in the markdown just above it."""
    cells = _cells(assignment)
    for i, cell in enumerate(cells):
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if not (gid.startswith("q_") and gid.endswith("_answer")):
            continue
        names = [t.id for node in ast.walk(ast.parse(_python(cell.source))) if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)]
        above = next(c.source for c in reversed(cells[:i]) if c.cell_type == "markdown")
        assert names and all(f"`{n}" in above for n in names if n.startswith(("predicted_", "choice_"))), \
            f"{assignment}/{gid}: the question above must name `{'`, `'.join(names)}`"
