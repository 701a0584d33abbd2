"""Trusted checks, one module per notebook (named as its file stem). Instructor-only: never shipped to students.

A notebook's questions ("predict, then run") are graded by ``<stem>_questions.py`` with the two helpers
below; a check named ``q_<name>`` grades the test cell of that grade_id. Helpers start with no ``test_``
or ``q_`` prefix and are imported, so the judge does not take them for checks.
"""
import math

from trainlab.grading import GradingError


def _read(student, name):
    try:
        return student.value(name)
    except AssertionError:
        raise GradingError(f"no prediction: `{name}` is not set (the answer cell above the question must "
                           "assign it before the measuring cell runs)") from None


def predicted_number(student, name, low, high, why):
    """Pass when the student's variable ``name`` is a finite number in [low, high].

    why: one sentence for the feedback that gives the measured answer and the reason (shown on a miss).
    """
    value = _read(student, name)
    if getattr(value, "shape", None) == ():          # a NumPy scalar
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise GradingError(f"`{name}` should be one finite number; got {value!r}")
    if not low <= value <= high:
        raise GradingError(f"`{name}` = {value:.4g} is outside the accepted range [{low:.4g}, {high:.4g}]. {why}")


def predicted_choice(student, name, correct, choices, why):
    """Pass when the student's variable ``name`` equals ``correct`` (one of ``choices``; case and spaces ignored)."""
    value = _read(student, name)
    if not isinstance(value, str) or value.strip().lower() not in [c.lower() for c in choices]:
        raise GradingError(f"`{name}` should be one of {', '.join(map(repr, choices))}; got {value!r}")
    if value.strip().lower() != correct.lower():
        raise GradingError(f"`{name}` = {value!r} is not the right choice. {why}")
