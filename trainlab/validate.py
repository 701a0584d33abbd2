"""Check a notebook before you submit it.

    python -m trainlab.validate notebooks/01_activations/activations.ipynb [more notebooks ...]
    python -m trainlab.validate                  (every notebook under ./notebooks)

One Validate: this runs nbgrader's own ``Validator.validate`` (the call JupyterLab's Validate button
makes: a fresh kernel, every cell from top to bottom, each visible test cell graded as nbgrader grades
it), so the command line and the button report the same cells. It then says them in plain words:
  FAIL   a visible test that fails, and why (with a hint when the failure is a known mistake the
         instructor chose to ship: trainlab/hints/)
  STUB   a prediction not yet made (its answer cell still raises NotImplementedError)
  BLANK  a written answer still blank (the button says "You did not provide a response")
  EDITED a locked cell that was edited, or a cell switched to another type
Predictions and written answers that are answered are listed as recorded: the grader decides them after
you submit, so Validate never says whether one is right. Exit status: 0 when every notebook is ready,
1 when one is not, 2 when a file cannot be read.

Settings: a cell may run ``--timeout`` seconds (default: ``c.Execute.timeout`` of an
``nbgrader_config.py`` in the current folder, else 120, as when grading).

    validate_notebook(path, timeout=None) -> Report    (the same, for code and tests)
"""
import argparse
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["validate_notebook", "Report", "main"]

DEFAULT_TIMEOUT = 120
MAX_MESSAGE_LINES = 12
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FRAME = re.compile(r"^(?:Cell In\s*\[\d*\]|File [^,]*<ipython-input[^,]*), line \d+(?:, in (\w+))?", re.M)
_TITLE_POINTS = re.compile(r"\s*\(\s*(\d+(?:\.\d+)?)\s+points?\s*\)\s*$")


@dataclass
class Finding:
    kind: str          # "fail" (a visible test), "stub" (a prediction not made), "blank" (a written answer),
                       # "changed" (an edited locked cell, or a cell switched to another type)
    label: str         # e.g. "test_relu (2 points)  ReLU: numerical gradient and PyTorch"
    message: str


@dataclass
class Report:
    path: str
    seconds: float = 0.0
    cells_run: int = 0
    tests: int = 0
    tests_passed: int = 0
    points: float = 0.0
    points_passed: float = 0.0
    findings: list = field(default_factory=list)
    predictions: list = field(default_factory=list)   # grade ids of predictions made (graded after submission)
    written: list = field(default_factory=list)       # grade ids of written answers given (graded by hand)
    crashed: str = ""  # why the notebook could not be run to the end, if it could not

    @property
    def ready(self):
        return not self.findings and not self.crashed


def _strip(text):
    return _ANSI.sub("", text or "")


def _first_lines(text, n=MAX_MESSAGE_LINES):
    lines = _strip(text).rstrip().splitlines()
    if len(lines) > n:
        lines = lines[:n] + [f"... ({len(lines) - n} more lines)"]
    return lines


def _number(x):
    return f"{x:g}"


def _title(cell, points):
    """The first comment line of a test cell, without '# ' (and without a final '(N points)' that says ``points``)."""
    for line in cell.source.splitlines():
        line = line.strip()
        if line.startswith("#"):
            line = line.lstrip("#").strip()
            found = _TITLE_POINTS.search(line)
            return line[:found.start()] if found and float(found.group(1)) == points else line
        if line:
            return ""
    return ""


def _innermost_notebook_function(traceback):
    """Name of the innermost function defined in the notebook on the traceback, or None."""
    names = [m.group(1) for m in _FRAME.finditer(_strip("\n".join(traceback)))]
    names = [n for n in names if n and n != "<module>"]
    return names[-1] if names else None


def _explain_error(output):
    """Plain-words lines for one error output of a cell."""
    ename, evalue = output.get("ename", "Error"), _strip(output.get("evalue", ""))
    where = _innermost_notebook_function(output.get("traceback", []))
    if ename == "NotImplementedError":
        if where:
            return [f"NotImplementedError in {where}: this function is still the stub; "
                    f"write it under # YOUR CODE HERE."]
        return ["NotImplementedError: an answer is still the stub; write it under # YOUR CODE HERE."]
    if ename in ("CellTimeoutError", "TimeoutError") or "timeout" in ename.lower():
        return [f"{ename}: the cell was stopped because it ran too long (look for slow Python loops)."]
    head = f"{ename} in {where}" if where and ename not in ("GradingError", "AssertionError") else ename
    lines = _first_lines(evalue) or [""]
    return [f"{head}: {lines[0]}".rstrip(": ")] + lines[1:]


def _hints(stem):
    """The hints shipped for a notebook: {test grade_id: [{"error", "name", "advice", "section"}]} (may be empty).

    trainlab/hints/<notebook>.json is written by the instructor (python -m autograde.diagnose --hints) from the
    catalogue entries they chose: errors of the VISIBLE tests that a known mistake gives.
    """
    import json
    path = Path(__file__).resolve().parent / "hints" / f"{stem}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("hints", {})
    except (OSError, ValueError):
        return {}


def _hint_for(hints, grade_id, error):
    """A line naming the known mistake whose error (an error output) this test cell shows, or None."""
    if not error.get("ename") or not hints.get(grade_id):
        return None
    shown = re.sub(r"\s+", " ", _strip(f"{error['ename']}: {error.get('evalue', '')}")).strip()
    found = [h for h in hints[grade_id] if h.get("error") == shown]
    if len({h.get("name") for h in found}) != 1:
        return None
    h = found[0]
    return f"Hint: this matches a known mistake: {h['name']}. {h['advice'].rstrip('.')} (see section {h['section']})."


def _describe_cell(index, cell):
    meta = cell.metadata.get("nbgrader", {})
    first = next((l.strip() for l in cell.source.splitlines() if l.strip() and not l.strip().startswith("#")), "")
    first = first if len(first) <= 60 else first[:57] + "..."
    if meta.get("solution"):
        return f"your answer cell '{meta.get('grade_id', index)}' (starts: {first})"
    return f"cell {index + 1} (starts: {first})"


def _load_config(timeout):
    """nbgrader config: ./nbgrader_config.py when there is one (as the Validate button reads it), then --timeout."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    config.Execute.timeout = DEFAULT_TIMEOUT
    # ipykernel's start-up log ("Kernel is running over TCP without encryption", meant for servers)
    # would land in the student's terminal; it changes nothing about how cells run.
    config.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
    if Path("nbgrader_config.py").is_file():
        try:
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=os.getcwd()).load_config())
        except Exception as exc:  # a broken config must not stop a student from validating
            print(f"(ignoring ./nbgrader_config.py: {exc})", file=sys.stderr)
    if timeout is not None:
        config.Execute.timeout = int(timeout)
    return config


_ERROR_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)): ?(.*)$")


def _parse_error(raw):
    """An error output ({"ename", "evalue", "traceback"}) from the text nbgrader's Validator reports for a cell."""
    lines = _strip(raw).splitlines()
    for i in range(len(lines) - 1, -1, -1):
        found = _ERROR_LINE.match(lines[i])
        if found:
            evalue = "\n".join([found.group(2)] + lines[i + 1:]).strip()
            return {"ename": found.group(1).rsplit(".", 1)[-1], "evalue": evalue, "traceback": lines[:i]}
    return {"ename": "", "evalue": "\n".join(lines).strip(), "traceback": []}


def _kind(cell):
    """ "prediction", "written", "test" or "other" for a cell of a released notebook."""
    meta = cell.metadata.get("nbgrader", {})
    if not meta.get("grade"):
        return "other"
    if cell.cell_type == "markdown":
        return "written"
    if meta.get("solution"):
        return "other"                                  # an autograded answer cell (not used in this course)
    return "prediction" if str(meta.get("grade_id", "")).startswith("q_") else "test"


def _test_label(i, cell, utils):
    meta = cell.metadata.get("nbgrader", {})
    _, max_score = utils.determine_grade(cell) if cell.cell_type == "code" else (None, meta.get("points", 0))
    max_score = float(max_score)
    title = _title(cell, max_score)
    points = f"{_number(max_score)} point" + ("" if max_score == 1 else "s")
    return f"{meta.get('grade_id', f'cell {i + 1}')} ({points})" + (f"  {title}" if title else ""), max_score


def _finding(i, cell, failure, hints, utils):
    """The Finding for one cell nbgrader's Validator reports as failed."""
    meta = cell.metadata.get("nbgrader", {})
    kind, gid = _kind(cell), meta.get("grade_id", f"cell {i + 1}")
    if kind == "written":
        return Finding("blank", f"{gid} ({_number(float(meta.get('points', 0)))} points, written)",
                       "this written answer is still blank (YOUR ANSWER HERE): write it; it is graded by hand "
                       "after you submit.")
    error = _parse_error(failure.get("raw_error", ""))
    if kind == "prediction":
        if error["ename"] in ("NameError", "NotImplementedError"):
            why = (f"your prediction is still the stub: replace `raise NotImplementedError()` in answer cell "
                   f"'{gid}_answer' by your number or letter.")
        else:
            why = _explain_error(error)[0]
        return Finding("stub", f"{gid} (prediction)", why)
    label, _ = _test_label(i, cell, utils)
    if error["ename"] or error["evalue"]:
        why = _explain_error(error)
    elif failure.get("raw_error"):
        why = _first_lines(failure["raw_error"])
    else:
        why = ["it did not pass."]
    hint = _hint_for(hints, gid, error)
    return Finding("fail", label, "\n".join(why + ([hint] if hint else [])))


def validate_notebook(path, timeout=None):
    """Validate ``path`` with nbgrader's Validator (the call JupyterLab's Validate button makes); return a Report.

    The verdicts are nbgrader's: the cells it reports as failed, changed or switched to another type. This
    function only says them in plain words, and sorts them: visible tests that fail, predictions still
    stubs, written answers still blank. Predictions and written answers that are answered are listed as
    recorded: the grader decides them after you submit, so Validate never says whether one is right.
    """
    import logging

    import nbformat
    from nbgrader import utils
    from nbgrader.validator import Validator

    path = Path(path)
    report = Report(str(path))
    nb = nbformat.convert(nbformat.read(str(path), as_version=nbformat.NO_CONVERT), 4)
    validator = Validator(config=_load_config(timeout))
    validator.log.setLevel(logging.ERROR)
    t0 = time.perf_counter()
    try:
        results = validator.validate(str(path.resolve()))
    except Exception as exc:  # the kernel died, or could not start
        report.crashed = f"{type(exc).__name__}: {_first_lines(str(exc), 6)[0] if str(exc) else ''}"
        results = {}
    report.seconds = time.perf_counter() - t0

    by_source = {}
    for i, cell in enumerate(nb.cells):
        by_source.setdefault(cell.source.strip(), (i, cell))
    for entry in results.get("type_changed", []):
        i, cell = by_source.get(entry["source"], (None, None))
        if cell is not None:
            report.findings.append(Finding("changed", _describe_cell(i, cell),
                                           f"this cell was switched to {entry['old_type']}: switch it back to "
                                           f"{entry['new_type']}."))
    for entry in results.get("changed", []):
        i, cell = by_source.get(entry["source"], (None, None))
        report.findings.append(Finding("changed", cell.metadata.nbgrader.get("grade_id", "a locked cell")
                                       if cell is not None else "a locked cell",
                                       "this locked cell was edited; it is put back as it was when grading, "
                                       "so copy it from a fresh download of the course."))
    failed = {}
    for entry in results.get("failed", []):
        found = by_source.get(entry["source"])
        if found is not None:
            failed[found[0]] = entry
    checked = not results.get("type_changed") and not results.get("changed") and not report.crashed

    hints = _hints(path.stem)
    for i, cell in enumerate(nb.cells):
        kind = _kind(cell)
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {i + 1}")
        if kind == "test":
            label, max_score = _test_label(i, cell, utils)
            report.tests += 1
            report.points += max_score
            if i in failed:
                report.findings.append(_finding(i, cell, failed[i], hints, utils))
            elif checked:
                report.tests_passed += 1
                report.points_passed += max_score
        elif kind in ("prediction", "written"):
            if i in failed:
                report.findings.append(_finding(i, cell, failed[i], hints, utils))
            elif checked:
                (report.predictions if kind == "prediction" else report.written).append(gid)
    report.cells_run = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
    return report


def format_report(report):
    lines = [f"{report.path}: ran {report.cells_run} cells in {report.seconds:.1f} s"]
    for f in report.findings:
        tag = {"fail": "FAIL ", "stub": "STUB ", "blank": "BLANK", "changed": "EDITED"}[f.kind]
        lines.append(f"  {tag} {f.label}")
        lines += [f"        {l}" for l in f.message.splitlines()]
    if report.crashed:
        lines.append(f"  The notebook could not be run to the end: {report.crashed}")
    if report.tests:
        lines.append(f"  Visible tests: {report.tests_passed} of {report.tests} pass "
                     f"({_number(report.points_passed)} of {_number(report.points)} points).")
    else:
        lines.append("  This notebook has no test cells.")
    if report.predictions or report.written:
        made = [f"{len(report.predictions)} prediction(s)"] if report.predictions else []
        made += [f"{len(report.written)} written answer(s)"] if report.written else []
        lines.append(f"  Recorded, graded after you submit: {' and '.join(made)} "
                     f"({', '.join(report.predictions + report.written)}). Validate never says whether one is right.")
    if report.ready:
        lines.append("  READY: every visible test passes and every cell runs. Grading adds hidden tests "
                     "(other shapes, seeds, edge cases).")
    else:
        lines.append("  NOT READY: fix what is listed above, then validate again.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m trainlab.validate",
                                     description="Run a notebook as nbgrader's Validate button does and list "
                                                 "the visible tests that fail.")
    parser.add_argument("notebooks", nargs="*", help="notebook files (default: every notebook under ./notebooks)")
    parser.add_argument("--timeout", type=int, default=None, help="seconds a cell may run (default 120)")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or sorted(
        p for p in Path("notebooks").glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not paths:
        parser.error("no notebook given and none found under ./notebooks")
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"not a file: {', '.join(missing)}", file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        print(f"Validating {path} (a fresh kernel runs every cell, as when grading) ...", flush=True)
        try:
            report = validate_notebook(path, timeout=args.timeout)
        except Exception as exc:   # unreadable notebook, unknown metadata format
            print(f"{path}: cannot be validated: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 2
        print(format_report(report), flush=True)
        status = status or (0 if report.ready else 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
