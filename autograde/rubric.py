"""The model answer and rubric beside each written answer on the formgrader's submission page, and nowhere else.

    ShowRubric     nbconvert preprocessor on the formgrader's exporter (nbgrader_config.py, HTMLExporter).
                   Only when the page being written is a formgrader submission page (nbgrader's SubmissionHandler puts
                   'submission_id' and 'assignment_id' in the resources; generate_feedback does not), it reads the
                   solution notebook solutions/<assignment>/<notebook>.ipynb and sets resources['rubrics'] to
                   {grade_id: model answer and rubric}; autograde/templates/formgrade renders each one in a labelled
                   box under the written answer with that grade_id. The notebook itself is not changed.
    rubrics(nb)    {grade_id: text} of a solution notebook: for every written answer (a markdown cell that is both
                   graded and a solution), the lines between ### BEGIN SOLUTION and ### END SOLUTION

Students never see it: the text lives in the resources of the formgrader's page only (never in a notebook that is
saved, released or turned into feedback), and feedback pages turn ShowRubric off (c.FeedbackExporter.preprocessors).
"""
import os

import nbformat
from nbconvert.preprocessors import Preprocessor
from nbgrader.coursedir import CourseDirectory

BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"
# The course's nbconvert templates (formgrade: nbgrader's submission page with the rubric box and no CDN MathJax).
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")


def solution_region(source):
    """The lines of ``source`` (str) strictly between the BEGIN and END SOLUTION lines; all of it without them."""
    lines = source.splitlines()
    starts = [i for i, line in enumerate(lines) if BEGIN in line]
    ends = [i for i, line in enumerate(lines) if END in line]
    if not starts or not ends or ends[-1] <= starts[0]:
        return source.strip()
    return "\n".join(lines[starts[0] + 1:ends[-1]]).strip()


def is_written_answer(cell):
    """A markdown cell that nbgrader both grades and treats as a solution (an explain_* question)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "markdown" and bool(meta.get("grade")) and bool(meta.get("solution"))


def rubrics(nb):
    """{grade_id: model answer and rubric (markdown)} for every written answer of the solution notebook ``nb``."""
    return {cell.metadata.nbgrader.grade_id: solution_region(cell.source)
            for cell in nb.cells if is_written_answer(cell) and cell.metadata.nbgrader.get("grade_id")}


class ShowRubric(Preprocessor):
    """Puts the solution notebook's model answers and rubrics in resources['rubrics'], on formgrader pages only."""

    def preprocess(self, nb, resources):
        resources.pop("rubrics", None)
        if not ("submission_id" in resources and "assignment_id" in resources and "notebook_id" in resources):
            return nb, resources                      # not the formgrader's submission page: nothing to add
        path = self.solution_path(resources["assignment_id"], resources["notebook_id"])
        if os.path.isfile(path):
            resources["rubrics"] = rubrics(nbformat.read(path, as_version=4))
        else:
            self.log.warning("No solution notebook at %s: the formgrader shows no model answers", path)
        return nb, resources

    def solution_path(self, assignment_id, notebook_id):
        """solutions/<assignment>/<notebook>.ipynb of the course this configuration describes."""
        coursedir = CourseDirectory(config=self.config)
        folder = coursedir.format_path(coursedir.source_directory, ".", assignment_id)
        return os.path.join(folder, f"{notebook_id}.ipynb")
