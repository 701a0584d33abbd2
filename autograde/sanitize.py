"""Make what came from a submission safe to render: no script of a student's runs in the formgrader or a feedback page.

    SanitizeSubmission   nbgrader preprocessor, last in the autograde chain (nbgrader_config.py): the autograded
                         notebook (which the formgrader and generate_feedback both render) holds nothing active
    EscapeNames          nbconvert preprocessor on the formgrader's exporter: the student's id and LMS names escaped
    clean_html(html)     an HTML fragment through an allow-list (nh3): no script, event handler, style, iframe,
                         form, SVG, javascript: URL; data: URLs only for PNG/JPEG/GIF images

What a student controls and what becomes of it:

    markdown / raw cells     unchanged when they hold no raw HTML and no harmful link (rendering is then identical,
                             and nbgrader's checksum of an untouched answer is not touched either); otherwise replaced
                             by their own rendering passed through clean_html
    code cell outputs        text/plain, stream and error text kept (nbconvert escapes them); PNG/JPEG kept when they
                             are base64 images; text/html, text/markdown through clean_html; text/latex as text;
                             everything else (JavaScript, widget views, SVG, unknown types) dropped with a note
    ids, names, counts       cell ids, tags, stream names, execution counts coerced to the shapes the templates expect
    notebook metadata        widget state and a title dropped

Runs after SaveAutoGrades, so grades (and the blank-answer checksums they use) are those of the notebook as handed in.
"""
import base64
import binascii
import functools
import html
import re

import nh3
from nbconvert.filters.markdown_mistune import MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from autograde.feedback_page import MATHML_ATTRIBUTES, MATHML_TAGS, MathMLRenderer
from autograde.records import markdown_literal

# Tags a written answer may use, and MathML's (feedback_page.py); the rest is stripped (script, style, iframe, svg ...).
TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "details", "div",
        "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
        "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var"}
# No id, class or style: a submission may not clobber the page's names, borrow its look or load CSS.
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
              "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align"}, "abbr": {"title"},
              "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "data"}           # data: only as an image (see _attribute)
IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*\Z")
SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
SAFE_WORD = re.compile(r"[\w .+()-]{0,80}\Z")
ACTIVE_HINT = re.compile(r"[<&\]]")                         # raw HTML, an entity, a link or image
MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
KEPT_TEXT = ("text/plain", "text/latex")                    # rendered escaped by nbconvert's templates
CLEANED = ("text/html", "text/markdown")


def _attribute(tag, name, value):
    """nh3's attribute filter: a data: URL survives only as an image's PNG/JPEG/GIF source."""
    if name in ("src", "href") and value.strip().lower().startswith("data:"):
        return value if tag == "img" and IMAGE_DATA.match(value.strip()) else None
    return value


def clean_html(html):
    """``html`` (str) with only TAGS / ATTRIBUTES (and MathML's) left; links get rel="noopener noreferrer"."""
    return nh3.clean(html, tags=TAGS | MATHML_TAGS, attributes={**ATTRIBUTES, **MATHML_ATTRIBUTES},
                     url_schemes=URL_SCHEMES, attribute_filter=_attribute, link_rel="noopener noreferrer",
                     strip_comments=True)


def _render(source, attachments, escape):
    """The pages' markdown rendering (nbconvert's, with math as MathML: autograde/feedback_page.py); ``escape``: raw
    HTML and harmful links off. Math is MathML here because a cell kept as HTML is no longer markdown: its $...$
    would reach the page as text (the course's own <details> answers hold formulas)."""
    renderer = MathMLRenderer(escape=escape, allow_harmful_protocols=not escape, attachments=attachments)
    return MarkdownWithMath(renderer=renderer).render(source)


def _as_html_block(html):
    """Rendered HTML as a markdown cell's source: one HTML block (no blank line ends it; newlines kept as &#10;)."""
    return '<div class="sanitized">' + html.replace("\r", "").replace("\n", "&#10;") + "</div>"


def clean_markdown(source, attachments=None):
    """``source`` unchanged when it renders the same with raw HTML and harmful links switched off; otherwise its
    rendering through clean_html (as an HTML block). Unrenderable markdown becomes its escaped text."""
    if not ACTIVE_HINT.search(source):      # no raw HTML, entity or link: nothing to render differently
        return source
    return _clean_rendered(source) if not attachments else _clean_rendered_with(source, attachments)


@functools.lru_cache(maxsize=4096)
def _clean_rendered(source):
    """clean_markdown of a cell without attachments; cached: the release's own cells recur in every submission."""
    return _clean_rendered_with(source, {})


def _clean_rendered_with(source, attachments):
    try:
        active = _render(source, attachments, escape=False)
        if active == _render(source, attachments, escape=True):
            return source
    except Exception:  # noqa: BLE001 - e.g. a missing attachment: show the text as typed
        return markdown_literal(source)
    return _as_html_block(clean_html(active))


def _is_image(mime, data):
    """Whether ``data`` (a base64 str) decodes to an image of type ``mime``."""
    if not isinstance(data, str):
        return False
    try:
        raw = base64.b64decode(data.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    return raw.startswith(MAGIC[mime])


def _clean_metadata(metadata):
    """An output's metadata: only numeric image sizes."""
    kept = {}
    for mime in MAGIC:
        size = (metadata or {}).get(mime)
        if isinstance(size, dict):
            dims = {k: v for k, v in size.items() if k in ("width", "height") and isinstance(v, (int, float))
                    and not isinstance(v, bool)}
            if dims:
                kept[mime] = dims
    return kept


def clean_data(data):
    """A display_data / execute_result bundle: (kept bundle, [dropped mime types])."""
    kept, dropped = {}, []
    for mime, value in (data or {}).items():
        if mime in KEPT_TEXT and isinstance(value, str):
            kept[mime] = value
        elif mime in MAGIC and _is_image(mime, value):
            kept[mime] = value
        elif mime in CLEANED and isinstance(value, str):
            kept[mime] = clean_html(value) if mime == "text/html" else clean_markdown(value)
        else:
            dropped.append(str(mime)[:60])
    if not kept:
        kept["text/plain"] = "[output removed by the grader: " + ", ".join(dropped) + "]"
    return kept, dropped


def _text(value):
    """Text fields of an output as a str (lists of lines joined, anything else written out)."""
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else str(value)


def clean_output(output):
    """One code cell output in the shape nbconvert's templates expect, nothing active left."""
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return NotebookNode(output_type="stream", name=name, text=_text(output.get("text", "")))
    if kind == "error":
        trace = output.get("traceback")
        return NotebookNode(output_type="error", ename=_text(output.get("ename", "")),
                            evalue=_text(output.get("evalue", "")),
                            traceback=[_text(t) for t in trace] if isinstance(trace, list) else [])
    if kind in ("display_data", "execute_result"):
        data, _ = clean_data(output.get("data"))
        out = NotebookNode(output_type=kind, data=data, metadata=_clean_metadata(output.get("metadata")))
        if kind == "execute_result":
            out.execution_count = _count(output.get("execution_count"))
        return out
    return NotebookNode(output_type="stream", name="stdout", text=f"[output removed by the grader: {str(kind)[:40]}]\n")


def _count(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _clean_attachments(attachments):
    """Cell attachments: PNG/JPEG images only (nbconvert writes them into an attribute unescaped)."""
    kept = {}
    for name, bundle in (attachments or {}).items():
        images = {m: v for m, v in (bundle or {}).items() if m in MAGIC and _is_image(m, v)}
        if images and SAFE_NAME.match(str(name).replace(".", "_")):
            kept[name] = images
    return kept


def clean_cell(cell, index):
    """One cell, in place: its source (markdown, raw), outputs, id, tags and execution count."""
    if not (isinstance(cell.get("id"), str) and SAFE_NAME.match(cell["id"])):
        cell["id"] = f"cell-{index}"
    tags = cell.get("metadata", {}).get("tags")
    if tags is not None:
        cell.metadata["tags"] = [t for t in tags if isinstance(t, str) and SAFE_NAME.match(t)] \
            if isinstance(tags, list) else []
    if cell.cell_type in ("markdown", "raw"):
        if "attachments" in cell:
            cell.attachments = _clean_attachments(cell.attachments)
        source = _text(cell.source)
        cell.source = clean_markdown(source, cell.get("attachments")) if cell.cell_type == "markdown" \
            else clean_html(source)
    elif cell.cell_type == "code":
        cell.execution_count = _count(cell.get("execution_count"))
        cell.outputs = [clean_output(o) for o in cell.get("outputs", [])]
    return cell


def clean_notebook_metadata(metadata):
    """Notebook metadata, in place: widget state and title dropped; language names reduced to plain words."""
    for key in ("widgets", "title"):
        metadata.pop(key, None)
    for key in ("language_info", "kernelspec"):
        info = metadata.get(key)
        if isinstance(info, dict):
            for k, v in list(info.items()):
                if not (isinstance(v, str) and SAFE_WORD.match(v)):
                    del info[k]
    return metadata


def sanitize_notebook(nb):
    """Every cell and the metadata of ``nb`` (a NotebookNode), in place; returns ``nb``."""
    for index, cell in enumerate(nb.cells):
        clean_cell(cell, index)
    clean_notebook_metadata(nb.metadata)
    return nb


class SanitizeSubmission(NbGraderPreprocessor):
    """The last of nbgrader's autograde preprocessors: the autograded notebook is safe for any page to render."""

    def preprocess(self, nb, resources):
        return sanitize_notebook(nb), resources


NAME_FIELDS = ("student", "first_name", "last_name")


class EscapeNames(Preprocessor):
    """On the formgrader's exporter: the student's id and names in the page's resources, HTML-escaped.

    nbgrader's formgrade template writes ``{{ resources.last_name }}, {{ resources.first_name }}`` without
    autoescape, and those names come from the LMS export (students.json, `import --roster`).
    """

    def preprocess(self, nb, resources):
        for key in NAME_FIELDS:
            if isinstance(resources.get(key), str):
                resources[key] = html.escape(resources[key], quote=True)
        return nb, resources
