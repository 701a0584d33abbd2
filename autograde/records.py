"""What travels through the pipeline, and the one place that ranks what went wrong.

    Task        what a worker needs to grade one (student, assignment): sent to the worker
    Outcome     what the worker sends back: plain data, no gradebook writes
    Result      what the gradebook cannot hold about one graded submission: status, reason, content hash,
                diagnosis ids, timing. Saved as autograde/work/results/<assignment>/<student>.json, and never
                a score: the gradebook is the only store of scores (autograde/store.py)
    TestScore   one graded cell as the gradebook holds it, with "pending" (a written answer to grade by hand)
    Record      Result + the TestScores read from the gradebook: what every report, CSV and LMS file reads

A record's ``status`` is "graded" or what went wrong, the worst first (STATUS_ORDER). Points never
depend on it: they are the judge's verdicts (autograde/judge.py) as nbgrader saved them, or a grade
entered by hand in the formgrader. Result, TestScore and Record are frozen dataclasses whose field types
are checked when they are made: a wrong type (or an unknown key in a result file) is a TypeError /
ValueError at once, not a wrong report later.
"""
import math
from dataclasses import dataclass, field, fields
from typing import TypedDict

# worst first: "error" is the grader's own failure (retried on the next run), the others are the submission's
STATUS_ORDER = ["error", "crashed", "memory", "timeout", "output", "invalid", "missing", "graded"]
LEGACY_SCORE_KEYS = ("score", "max_score", "tests", "pending")   # result files before the gradebook was the store


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


def _enforce(obj):
    """Check every field of a dataclass instance against its annotated type (str, float, bool, dict, ...)."""
    for f in fields(obj):
        value = getattr(obj, f.name)
        kind = {"str": str, "float": float, "bool": bool, "dict": dict, "tuple": tuple}.get(
            f.type if isinstance(f.type, str) else f.type.__name__)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            object.__setattr__(obj, f.name, float(value))
        elif kind is not None and not isinstance(value, kind):
            raise TypeError(f"{type(obj).__name__}.{f.name} must be {kind.__name__}, not "
                            f"{type(value).__name__} ({value!r:.60})")


class _Mapping:
    """Read-only ``record["status"]`` / ``record.get("reason")`` access, for code written against the
    dictionaries these records used to be."""

    def __getitem__(self, key):
        if key.startswith("_") or not hasattr(self, key):
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key):
        return not key.startswith("_") and hasattr(self, key)


@dataclass(frozen=True)
class Result(_Mapping):
    """What the gradebook cannot hold about one graded submission (see the module docstring)."""
    student: str
    assignment: str
    status: str
    hash: str = ""
    reason: str = ""
    notebooks: dict = field(default_factory=dict)     # {notebook: "ok" | "missing" | "invalid"}
    diagnoses: dict = field(default_factory=dict)     # {grade_id: catalogue entry id "<notebook>/<grade_id>/<n>"}
    seconds: float = 0.0
    sandbox: str = ""
    timing: dict = field(default_factory=dict)
    error: str = ""                                   # the grader's own failure (status "error"), its log's tail

    def __post_init__(self):
        _enforce(self)
        if self.status not in STATUS_ORDER:
            raise ValueError(f"status {self.status!r} is not one of {STATUS_ORDER}")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.diagnoses.items()):
            raise TypeError("Result.diagnoses maps grade ids to catalogue entry ids (strings)")

    def to_json(self):
        """The result file's content: these fields, never a score."""
        return {f.name: getattr(self, f.name) for f in fields(Result)}

    @classmethod
    def from_json(cls, data):
        """A Result from a result file. Score keys of files written before the gradebook became the only
        store of scores are dropped (the gradebook has the scores); any other unknown key is an error."""
        data = {k: v for k, v in data.items() if k not in LEGACY_SCORE_KEYS}
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"a result file with unknown keys {unknown}")
        if data.get("sandbox") is None:
            data["sandbox"] = ""
        return cls(**data)


@dataclass(frozen=True)
class TestScore:
    """One graded cell as the gradebook holds it. Unpacks and indexes as (score, max_score)."""
    score: float                    # points so far: 0 while pending
    max_score: float
    pending: bool = False           # a written answer nobody has graded by hand yet: neither passed nor failed
    notebook: str = ""

    def __post_init__(self):
        _enforce(self)
        if not (math.isfinite(self.score) and math.isfinite(self.max_score)):
            raise ValueError(f"a test score must be finite, not {self.score} / {self.max_score}")

    @property
    def state(self):
        """"pending", "passed" (full points) or "failed"."""
        if self.pending:
            return "pending"
        return "passed" if self.max_score > 0 and self.score >= self.max_score else "failed"

    def __iter__(self):
        return iter((self.score, self.max_score))

    def __getitem__(self, i):
        return (self.score, self.max_score)[i]


@dataclass(frozen=True)
class Record(Result):
    """A Result with its scores, read from the gradebook (autograde/store.py: class_records).

    tests: {grade_id: TestScore}; max_score: the assignment's points; name: the student's name in the LMS
    (autograde/work/students.json), else the folder. ``score`` is the sum of the graded points: while
    ``pending`` is not empty it is a score *so far*.
    """
    tests: dict = field(default_factory=dict)
    max_score: float = 0.0
    name: str = ""

    def __post_init__(self):
        super().__post_init__()
        if not all(isinstance(t, TestScore) for t in self.tests.values()):
            raise TypeError("Record.tests maps grade ids to TestScore")

    @property
    def score(self):
        return round(sum(t.score for t in self.tests.values()), 6)

    @property
    def pending(self):
        """Grade ids of the written answers that await a grade by hand."""
        return [k for k, t in self.tests.items() if t.pending]

    @property
    def pending_points(self):
        return sum(t.max_score for t in self.tests.values() if t.pending)

    @property
    def final(self):
        """Whether the score is final (nothing awaits a grade by hand)."""
        return not self.pending

    @property
    def result(self):
        return Result(**{f.name: getattr(self, f.name) for f in fields(Result)})

    @property
    def display_name(self):
        return self.name or self.student


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


# The ASCII that markdown, HTML or MathJax would read as syntax, written as entities (a note may quote a student).
_LITERAL = {c: f"&#{ord(c)};" for c in "&<>\"'`*_[](){}#!|~\\$+-.=:^"}


def markdown_literal(text):
    """``text`` as markdown that renders exactly these characters: no HTML, emphasis, link or math.
    Newlines become spaces (a note is one line of a list)."""
    return "".join(_LITERAL.get(c, c) for c in " ".join(str(text).split()))


def notes_markdown(out):
    """The notes cell on top of an autograded notebook; every line shown literally (it may quote student text)."""
    lines = reasons(out)
    return "**Notes from the autograder**\n\n" + "\n".join(f"* {markdown_literal(line)}" for line in lines) \
        if lines else ""


def error_summary(text):
    """The informative line of a grader failure (nbgrader's log ends with a generic message)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        if ("Error" in line or "error" in line) and "Please see" not in line and "There was an error" not in line:
            return "grader error: " + line[:300]
    return "grader error: " + (lines[-1][:300] if lines else "unknown")


def make_result(out, diagnoses=None):
    """The Result of an Outcome; ``diagnoses``: {grade_id: catalogue entry id} (autograde/store.py)."""
    st = status(out)
    return Result(student=out["student"], assignment=out["assignment"], status=st, hash=out.get("hash", ""),
                  reason="; ".join(reasons(out)) if st != "error" else error_summary(out["error"]),
                  notebooks=dict(out.get("notebooks", {})), diagnoses=dict(diagnoses or {}),
                  seconds=round(float(out.get("seconds", 0.0)), 2), sandbox=out.get("sandbox") or "",
                  timing={k: round(v, 3) for k, v in out.get("timing", {}).items()},
                  error=(out.get("error") or "")[-3000:])


def make_record(out, tests, max_score, pending=(), diagnoses=None, name=""):
    """The Record of an Outcome whose grades are ``tests`` ({grade_id: TestScore or (score, max_score)});
    ``pending``: grade ids of written answers still to be graded by hand (for plain tuples)."""
    scores = {k: v if isinstance(v, TestScore) else TestScore(float(v[0]), float(v[1]), k in pending)
              for k, v in tests.items()}
    total = sum(t.max_score for t in scores.values()) if scores else max_score
    return with_scores(make_result(out, diagnoses), scores, total, name)


def with_scores(result, tests, max_score, name=""):
    """A Record: ``result`` with its scores from the gradebook."""
    return Record(**result.to_json(), tests=tests, max_score=float(max_score), name=name)


def from_json(data):
    """A Result read back from a result file (see Result.from_json)."""
    return Result.from_json(data)


def as_record(r):
    """``r`` as a Record: a Record as it is; a dict in the old shape (tests as (score, max_score) pairs,
    "pending" a list of grade ids) converted, for callers and tests written against dictionaries."""
    if isinstance(r, Record):
        return r
    pending = set(r.get("pending") or ())
    tests = {k: v if isinstance(v, TestScore) else TestScore(float(v[0]), float(v[1]), k in pending)
             for k, v in (r.get("tests") or {}).items()}
    result = Result.from_json({f.name: r[f.name] for f in fields(Result) if f.name in r})
    total = r.get("max_score", sum(t.max_score for t in tests.values()))
    return with_scores(result, tests, total, r.get("name", ""))
