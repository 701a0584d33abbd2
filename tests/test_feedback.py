"""Feedback students get back: the judge's verdict for each test cell, scores kept, no reference answers."""
import shutil

import pytest

import harness
from harness import REPO

pytestmark = pytest.mark.slow


def test_feedback_shows_the_trusted_verdicts_and_nothing_of_the_reference(tmp_path):
    """Plain `nbgrader autograde` + `generate_feedback` (no pipeline): nbgrader_config.py adds the Judge."""
    assignment = "01_activations"
    root = harness.make_course(tmp_path, [assignment])
    assert harness.nbgrader(root, "generate_assignment", assignment, "--force").returncode == 0
    # ben's submission has plausible bugs: an overflowing sigmoid, a hard-coded leaky slope, a sign in maxout
    sample = REPO / "autograde" / "samples" / "submitted" / "ben" / assignment
    shutil.copytree(sample, root / "autograde" / "work" / "submitted" / "ben" / assignment)
    result = harness.nbgrader(root, "autograde", assignment, "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    result = harness.nbgrader(root, "generate_feedback", assignment, "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    html = next((root / "autograde" / "work" / "feedback" / "ben" / assignment).glob("*.html")).read_text()
    for secret in ["BEGIN HIDDEN TESTS", "trainlab.reference", "hrng", "import activations as ref"]:
        assert secret not in html, f"feedback shows grader code: {secret!r}"
    assert "GradingError" in html and "sigmoid_forward" in html        # the student sees which function and why
    assert "test_relu: all checks passed" in html
    score, max_score, tests = harness.scores(root)["ben"]
    assert score < max_score and tests["test_relu"][0] == tests["test_relu"][1]
