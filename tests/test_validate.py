"""One Validate (issue 24): `python -m trainlab.validate` says in plain words what nbgrader's Validator (the
JupyterLab button's call) reports, and sorts it: a visible test that fails, a prediction still a stub, a
written answer still blank; answered predictions and written answers are "recorded", never judged."""
import nbformat
import pytest

from harness import REPO, light, solution_notebook, with_answers
from trainlab import validate

pytestmark = pytest.mark.slow
A = "01_activations"


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A 01 submission: right answers but one wrong backward, one prediction left a stub, a blank written
    answer, and a wrong prediction (Validate must not say so)."""
    release = nbformat.read(str(REPO / "notebooks" / A / solution_notebook(A).name), as_version=4)
    nb = light(with_answers(release, nbformat.read(str(solution_notebook(A)), as_version=4)))
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "relu":
            cell.source += "\n\ndef relu_backward(dout, cache):\n    return -dout * (cache > 0)\n"
        if gid == "q_same_sign_answer":
            cell.source = "# YOUR CODE HERE\nraise NotImplementedError()"
        if gid == "q_local_gradient_10_answer":
            cell.source = "predicted_local_gradient_10 = 12345.0   # far off: still only 'recorded'"
        if gid == "explain_dead_relu":
            cell.source = "**Your answer:**\n\nYOUR ANSWER HERE"
    path = tmp_path_factory.mktemp("validate") / solution_notebook(A).name
    nbformat.write(nb, str(path))
    report = validate.validate_notebook(path)
    return path, report


def test_validate_sorts_what_the_button_reports(checked):
    path, report = checked
    kinds = {f.label.split()[0]: f.kind for f in report.findings}
    assert kinds == {"test_relu": "fail", "q_same_sign": "stub", "explain_dead_relu": "blank"}, report.findings
    assert report.predictions == ["q_local_gradient_10", "q_zero_centred"]      # recorded, the wrong one too
    text = validate.format_report(report)
    assert "Validate never says whether one is right" in text and "NOT READY" in text
    assert "12345" not in text

