"""Feedback students get back: scores kept, hidden tests nowhere (not in sources, not in tracebacks)."""
import shutil

import pytest

import harness
from harness import REPO

pytestmark = pytest.mark.slow


def test_feedback_hides_hidden_tests_even_in_tracebacks(tmp_path):
    assignment = "01_activations"
    root = harness.make_course(tmp_path, [assignment])
    assert harness.nbgrader(root, "generate_assignment", assignment, "--force").returncode == 0
    # ben's submission fails hidden tests (an overflowing sigmoid fails a hidden edge case)
    sample = REPO / "autograde" / "samples" / "submitted" / "ben" / assignment
    shutil.copytree(sample, root / "autograde" / "work" / "submitted" / "ben" / assignment)
    result = harness.nbgrader(root, "autograde", assignment, "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    result = harness.nbgrader(root, "generate_feedback", assignment, "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    html = next((root / "autograde" / "work" / "feedback" / "ben" / assignment).glob("*.html")).read_text()
    for secret in ["BEGIN HIDDEN TESTS", "trainlab.reference", "hrng", "import activations as ref"]:
        assert secret not in html, f"feedback shows hidden test code: {secret!r}"
    assert "GradingError" in html or "AssertionError" in html   # the student still sees why
    assert harness.scores(root)["ben"][0] < harness.scores(root)["ben"][1]
