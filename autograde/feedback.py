"""Feedback preprocessors: what nbgrader's generate_feedback must not show students.

nbgrader's ClearHiddenTests removes the hidden tests from a cell's source, but when a hidden test
fails, the error's traceback quotes the failing lines, hidden code included. HideHiddenTracebacks
(run before ClearHiddenTests) keeps only "ErrorName: message" for test cells that hold hidden tests:
the grading messages are written for students, the code around them is not theirs to see.
"""
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"


class HideHiddenTracebacks(Preprocessor):
    enabled = Bool(True).tag(config=True)  # nbconvert preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and BEGIN_HIDDEN in cell.source:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources
