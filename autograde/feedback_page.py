"""The feedback page a student gets: one self-contained HTML file that works with no network and runs no script.

    FeedbackExporter      nbconvert's HTMLExporter as nbgrader's generate_feedback uses it (nbgrader_config.py:
                          c.GenerateFeedback.exporter_class), with three changes:
                          - math is MathML written into the page (latex2mathml, then an allow-list): browsers draw
                            it themselves, so formulas render offline and no MathJax is fetched from a CDN;
                          - a Content-Security-Policy forbids every script and every load from elsewhere, so even
                            a payload that slipped past autograde/sanitize.py could not run or call out;
                          - verdicts wrap at the page's width, and the table of contents names each test;
                          - a written answer that awaits a grade by hand reads "awaiting a grade by hand (2 points)"
                            where its score would be (its cell and the contents), and the total reads "Score so far".
    MarkPending           the preprocessor after nbgrader's GetGrades in the feedback chain (nbgrader_config.py) that
                          finds those answers in the gradebook, for FeedbackExporter to write
    markdown2html_mathml  the same markdown filter for the formgrader's exporter (c.HTMLExporter.filters), whose
                          template (autograde/templates/formgrade) loads no MathJax either

Why MathML rather than a local MathJax: the page is e-mailed, uploaded to an LMS or released through nbgrader's
exchange as a single file, so a script folder next to it would not travel; MathML needs nothing next to it. In the
formgrader it also means that no script parses a student's TeX inside the instructor's logged-in page, and that
nothing has to be installed or enabled as a server extension (the hub and `jupyter lab` work as they are).
"""
import re

import nh3
from jinja2 import pass_context
from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade

MATHML_TAGS = {"math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot", "msub", "msup",
               "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom",
               "menclose", "semantics", "annotation"}
MATHML_ATTRIBUTES = {"math": {"display", "xmlns"}, "mo": {"stretchy", "fence", "form", "separator", "lspace", "rspace",
                                                          "minsize", "maxsize", "largeop", "movablelimits"},
                     "mspace": {"width"}, "mstyle": {"displaystyle", "scriptlevel"}, "mfrac": {"linethickness"},
                     "mtable": {"columnalign", "rowspacing", "columnspacing"}, "mtd": {"columnalign"},
                     "mi": {"mathvariant"}, "menclose": {"notation"}, "annotation": {"encoding"}}
# No script at all, nothing fetched: images and fonts inline (data:), styles in the page.
CSP = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
       "style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'\">")
READABLE_CSS = """<style>
div.output_area pre, div.output_text pre, div.output_subarea pre { white-space: pre-wrap; overflow-wrap: anywhere; }
div.output_subarea { max-width: 100%; overflow-x: visible; }
div.output_subarea img { max-width: 100%; height: auto; }
math[display="block"] { margin: 0.6em 0; }
</style>"""
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)   # nbconvert's jQuery, require.js, MathJax (CDN)
TOC_TEST = re.compile(r'<a href="#([A-Za-z0-9_-]+)">Test cell</a>')
TOTAL = re.compile(r"<h4>(.*?) \(Score: ([0-9.]+ / [0-9.]+)\)</h4>")      # the page's first line: notebook and total
PENDING_CSS = "<style>\nem.pending { color: #8a6d3b; }\n</style>"


def mathml(tex, display):
    """``tex`` as sanitized MathML (display "inline" or "block"); the TeX shown as text when it does not parse."""
    try:
        markup = convert(tex, display=display)
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds on TeX it does not know
        return "<code>" + nh3.clean_text(tex) + "</code>"
    return nh3.clean(markup, tags=MATHML_TAGS, attributes=MATHML_ATTRIBUTES, strip_comments=True)


class MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, writing math as MathML instead of leaving $...$ for MathJax."""

    def inline_math(self, body):
        return mathml(body, "inline")

    def block_math(self, body):
        return mathml(body, "block")

    def latex_environment(self, name, body):
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block")


def render_markdown(context, source, **options):
    """``source`` (markdown) as HTML with its math as MathML, the way nbconvert's markdown2html filter renders it for
    the cell being written (its attachments and the notebook's folder come from the template's ``context``)."""
    cell = context.get("cell", {})
    renderer = MathMLRenderer(escape=False, attachments=cell.get("attachments", {}),
                              path=context.get("resources", {}).get("metadata", {}).get("path", ""), **options)
    return MarkdownWithMath(renderer=renderer).render(source)


@pass_context
def markdown2html_mathml(context, source):
    """Jinja filter for any HTMLExporter (nbgrader_config.py: c.HTMLExporter.filters): the formgrader's pages write
    their math as MathML too, so they need no MathJax from a CDN (autograde/templates/formgrade drops it)."""
    return render_markdown(context, source)


class FeedbackExporter(HTMLExporter):
    """HTMLExporter for feedback pages: MathML, no script, verdicts wrapped, tests named in the contents."""

    @pass_context
    def markdown2html(self, context, source):
        return render_markdown(context, source, embed_images=self.embed_images, anchor_link_text=self.anchor_link_text,
                               exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)

    def from_notebook_node(self, nb, resources=None, **kw):
        html, resources = super().from_notebook_node(nb, resources, **kw)
        return finish_page(html, resources.get("nbgrader", {}).get("pending", {})), resources


class MarkPending(NbGraderPreprocessor):
    """Feedback chain, after GetGrades: which written answers nobody has graded by hand yet.

    Pending is what autograde/store.py calls pending: a markdown grade cell whose gradebook Grade has neither a
    manual_score nor an auto_score (an answer left blank is not pending: nbgrader scores it 0 itself, as its
    auto_score). Writes resources["nbgrader"]["pending"] = {grade_id: points}; FeedbackExporter shows them.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        written = [cell.metadata.nbgrader["grade_id"] for cell in nb.cells
                   if cell.cell_type == "markdown" and is_grade(cell)]
        with Gradebook(info["db_url"]) as gb:
            grades = {grade_id: gb.find_grade(grade_id, info["notebook"], info["assignment"], info["student"])
                      for grade_id in written}
            info["pending"] = {grade_id: float(g.max_score) for grade_id, g in grades.items()
                               if g.manual_score is None and g.auto_score is None}
        return nb, resources


def pending_text(points):
    """What a pending answer reads where its score would be: 'awaiting a grade by hand (2 points)' (HTML)."""
    return f'<em class="pending">awaiting a grade by hand ({points:g} point{"" if points == 1 else "s"})</em>'


def mark_pending(html, pending):
    """``html`` (a feedback page) with the score of each pending answer ({grade_id: points}) replaced by pending_text,
    in the contents and in its cell's header, and the total as 'Score so far' when any answer is pending."""
    for grade_id, points in pending.items():
        gid, text = re.escape(grade_id), pending_text(points)
        html = re.sub(rf'(<a href="#{gid}">[^<]*</a>) \(Score: [0-9.]+ / [0-9.]+\)', r"\1: " + text, html, count=1)
        html = re.sub(rf'(<a name="{gid}"></a><div class="panel-heading">[^\n]*<span class="pull-right">\s*)'
                      r"Score: [0-9.]+ / [0-9.]+", r"\1" + text, html, count=1)
    if pending:
        html = TOTAL.sub(r"<h4>\1 (Score so far: \2; " + pending_text(sum(pending.values())) + ")</h4>", html, count=1)
    return html


def finish_page(html, pending=None):
    """The rendered page without scripts, with a CSP forbidding them, wrapping verdicts and named tests, and the
    answers in ``pending`` ({grade_id: points}, from MarkPending) shown as awaiting a grade by hand."""
    html = SCRIPT.sub("", html)
    html = TOC_TEST.sub(r'<a href="#\1">\1</a>', html)
    html = mark_pending(html, pending or {})
    return html.replace("<head>", "<head>\n" + CSP, 1).replace("</head>", READABLE_CSS + PENDING_CSS + "\n</head>", 1)
