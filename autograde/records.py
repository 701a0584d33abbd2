"""What travels through the pipeline, and the one place that ranks what went wrong.

    Task      what a worker needs to grade one (student, assignment): sent to the worker
    Outcome   what the worker sends back: plain data, no gradebook writes
    Record    what the instructor's process keeps: one per (student, assignment), saved as JSON

A record's ``status`` is "graded" or what went wrong, the worst first (STATUS_ORDER). Points never
depend on it: they are the judge's verdicts (autograde/judge.py) as nbgrader saved them.
"""
from typing import TypedDict

# worst first: "error" is the grader's own failure (retried on the next run), the others are the submission's
STATUS_ORDER = ["error", "crashed", "memory", "timeout", "output", "invalid", "missing", "graded"]


class Task(TypedDict, total=False):
    student: str
    assignment: str
    hash: str                   # of the submitted files and the assignment's release: unchanged -> not regraded
    files: dict                 # {relative path: bytes} as submitted
    release: dict               # {notebook file name: release JSON}
    source_files: dict          # {relative path: bytes}: the assignment's other source files (data ...)
    source_locked: dict         # {"notebook.ipynb:grade_id": source} of the instructor's locked cells
    known_ids: dict             # {"assignment/notebook": [grade ids]} of the whole course
    duedate: str
    feedback: bool
    settings: dict              # shared by every task of a run (config, limits, sandbox, template gradebooks)


class Outcome(TypedDict, total=False):
    student: str
    assignment: str
    hash: str
    notebooks: dict             # {notebook id: "ok" | "missing" | "invalid"}
    files: dict                 # {notebook file name: autograded notebook bytes}: the verdicts are its test cells' outputs
    feedback: dict              # {file name: HTML bytes}
    events: list                # [(kind, message)]: "crash", "processes", "memory", "timeout", "output", "exit"
    notes: list                 # for the instructor and the feedback (repairs, the judge's notes)
    suspicious: list            # code worth a human look (flagged, never scored)
    diagnoses: dict             # {grade_id: the misconception a failed check matches, in a sentence}
    sandbox: str
    timing: dict
    seconds: float
    error: str                  # set when the grader itself failed


class Record(TypedDict, total=False):
    student: str
    assignment: str
    score: float
    max_score: float
    status: str
    tests: dict                 # {grade_id: (score, max_score)}
    diagnoses: dict             # {grade_id: sentence} for failed tests whose failure matches a known misconception
    reason: str
    notebooks: dict
    seconds: float
    sandbox: str
    hash: str
    timing: dict
    error: str
    pending: list               # written answers (manually graded cells) nobody has graded yet: not failures


def status(out):
    """The worst thing that happened to a submission, as one word of STATUS_ORDER."""
    if out.get("error"):
        return "error"
    kinds = {kind for kind, _ in out.get("events", [])}
    statuses = set(out.get("notebooks", {}).values())
    found = {"crashed": bool(kinds & {"crash", "processes"}), "memory": "memory" in kinds,
             "timeout": "timeout" in kinds, "output": "output" in kinds,
             "invalid": "invalid" in statuses, "missing": "missing" in statuses}
    return next((s for s in STATUS_ORDER if found.get(s)), "graded")


def reasons(out):
    """What the instructor (and the student, in the feedback) should know, each line once."""
    lines = [message for _, message in out.get("events", [])] + list(out.get("notes", []))
    if out.get("suspicious"):
        lines.append("flagged for review: " + "; ".join(out["suspicious"][:5]))
    return list(dict.fromkeys(lines))


def notes_markdown(out):
    lines = reasons(out)
    return "**Notes from the autograder**\n\n" + "\n".join(f"* {line}" for line in lines) if lines else ""


def error_summary(text):
    """The informative line of a grader failure (nbgrader's log ends with a generic message)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        if ("Error" in line or "error" in line) and "Please see" not in line and "There was an error" not in line:
            return "grader error: " + line[:300]
    return "grader error: " + (lines[-1][:300] if lines else "unknown")


def make_record(out, tests, max_score, pending=()):
    """The Record of an Outcome whose grades are ``tests`` ({grade_id: (score, max_score)}, as saved);
    ``pending``: the written answers still to be graded by hand."""
    st = status(out)
    return Record(student=out["student"], assignment=out["assignment"],
                  score=round(sum(s for s, _ in tests.values()), 6), max_score=sum(m for _, m in tests.values())
                  if tests else max_score, status=st, tests=tests,
                  reason="; ".join(reasons(out)) if st != "error" else error_summary(out["error"]),
                  notebooks=out.get("notebooks", {}), seconds=round(out.get("seconds", 0.0), 2),
                  sandbox=out.get("sandbox"), hash=out["hash"], diagnoses=out.get("diagnoses", {}),
                  timing={k: round(v, 3) for k, v in out.get("timing", {}).items()}, pending=list(pending))


def from_json(data):
    """A Record read back from JSON: test scores as (score, max_score) tuples again."""
    data["tests"] = {k: tuple(v) for k, v in data.get("tests", {}).items()}
    return Record(**data)
