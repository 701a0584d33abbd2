"""Pages cannot act: nothing a submission wrote runs in the instructor's formgrader or in a feedback page.

The fast tests feed autograde/sanitize.py the attacks one by one (and honest answers, which must not change).
The browser test grades a class (an honest student and an attacker) through ``python -m autograde``, opens the
attacker's submission in nbgrader's formgrader logged in as the instructor, and her feedback page, in headless
chromium: no payload runs and the gradebook is unchanged. A control first puts the attacker's payloads back into
her autograded notebook unsanitised (what the grader wrote before autograde/sanitize.py) and sees them raise her
written answer to full marks through the formgrader's API, so the test can fail.

The formgrader's page (autograde/templates/formgrade, autograde/rubric.py): the model answer and rubric from the
solution notebook under each written answer there and nowhere else (rendered in process, then in the browser next to
the feedback of the same submission), math written as MathML so that, with no name resolving in chromium, the
formgrader and the feedback fetch nothing and draw every formula. Screenshots at 1300 px: test-artifacts/pages/.
The browser tests share one graded class (module fixtures).
"""
import base64
import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from traitlets.config import Config

from autograde import rubric, sanitize
from autograde.course import load_config
from autograde.records import notes_markdown
from harness import REPO

sys.path.insert(0, str(REPO / "tests" / "hostile"))
import make_class as mc  # noqa: E402

A, NB_NAME, QUESTION = mc.ASSIGNMENT, "activations", "explain_dead_relu"
PY = sys.executable
ARTIFACTS = REPO / "test-artifacts" / "pages"
CHROMIUM = Path("/usr/bin/chromium")


def mark(tag):
    """JavaScript (no quotes) that leaves a visible trace: the page title and an attribute on <body>."""
    return f"document.title=/PWNED-{tag}/.source;document.body.setAttribute(/data-pwned/.source,/{tag}/.source)"


# Reads the _xsrf cookie and gives every grade of this submission full marks through the formgrader's API.
STEAL = ("(async function(){" + mark("script") + ";"
         "var x=(document.cookie.match(/_xsrf=([^;]+)/)||[])[1];"
         "var sid=location.pathname.split('/').filter(Boolean).pop();"
         "var h={'X-XSRFToken':x,'Content-Type':'application/json'};"
         "var gs=await (await fetch('/formgrader/api/grades?submission_id='+sid,{headers:h})).json();"
         "for(var g of gs){if(g.max_score){await fetch('/formgrader/api/grade/'+g.id,"
         "{method:'PUT',headers:h,body:JSON.stringify({manual_score:g.max_score})});}}})();")
WRITTEN = (f"**Your answer:**\n\nThe gradient is zero.\n\n<script>\n{STEAL}\n</script>\n\n"
           f"<img src=x onerror={mark('img')}>\n\n[see here](javascript:{mark('link')})\n")
DISPLAYS = f"""from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML('<b>bold html</b><script>{mark("html")}</script><img src=x onerror={mark("htmlimg")}>'))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="{mark("svg")}"><circle r="5"/></svg>'))
display(Javascript('{mark("js")}'))
display(Markdown('[click](javascript:{mark("mdlink")}) <iframe src="javascript:{mark("iframe")}"></iframe>'))
"""
RAISES = f"\nraise ValueError('<img src=x onerror={mark('error')}>')\n"


# ------------------------------------------------------------------------------------------- sanitize.py alone

HONEST_MARKDOWN = [
    "**Your answer:**\n\nYOUR ANSWER HERE",
    "Since $a < b$ and $$\\frac{\\partial L}{\\partial x} = \\sigma(x)(1-\\sigma(x))$$ the gradient *vanishes*.\n\n"
    "```python\nif x < 0:\n    dx = 0\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n1. one\n2. [two](https://example.org)\n",
]


@pytest.mark.parametrize("source", HONEST_MARKDOWN)
def test_an_honest_answer_is_left_exactly_as_written(source):
    assert sanitize.clean_markdown(source) == source


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>hi", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "<svg onload=alert(1)></svg>", "<iframe src=javascript:alert(1)></iframe>", "<a href='data:text/html,x'>d</a>",
    "<style>body{background:url(https://evil)}</style>", "<form action=/x><input></form>",
    "<object data=x></object><embed src=x>", "<a href=' JaVaScRiPt:alert(1)'>x</a>", "<p style='x:url(y)'>p</p>",
    "<math><mi onclick=alert(1) href=javascript:alert(1)>x</mi><annotation-xml encoding=text/html>"
    "<img src=x onerror=alert(1)></annotation-xml><mtext><style>x</style></mtext></math>",
])
def test_active_markdown_is_rendered_through_the_allow_list(attack):
    out = sanitize.clean_markdown(attack).lower()
    for bad in ("<script", "onerror", "onload", "javascript:", "<svg", "<iframe", "data:text", "<style", "url(",
                "<form", "<object", "<embed", "style="):
        assert bad not in out, (attack, out)


def test_math_in_a_cell_kept_as_html_is_written_as_mathml():
    """The release's own answers in <details> are HTML once sanitised: their formulas must not reach the page as $x$."""
    release = nbformat.read(str(REPO / "notebooks" / A / f"{NB_NAME}.ipynb"), as_version=4)
    cleaned = [sanitize.clean_markdown(c.source) for c in release.cells
               if c.cell_type == "markdown" and "<details>" in c.source and "$" in c.source]
    assert cleaned and all(c.startswith('<div class="sanitized">') and "<math" in c for c in cleaned)
    assert not any(markdown2html_mistune(c).count("$") > 1 for c in cleaned)   # no formula left for MathJax


def _output(kind="display_data", **fields):
    return nbformat.from_dict({"output_type": kind, "metadata": {}, **fields})


def test_outputs_keep_text_and_real_images_only():
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"0" * 20).decode()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    nb.cells[0].outputs = [
        _output(data={"text/html": "<b>ok</b><script>bad()</script>", "text/plain": "<HTML>"}),
        _output(data={"application/javascript": "bad()", "application/vnd.jupyter.widget-view+json": {"x": 1}}),
        _output(data={"image/svg+xml": "<svg onload=bad()/>", "image/png": 'x" onerror="bad()'}),
        _output(data={"image/png": png}, metadata={"image/png": {"width": "1 onload=bad()", "height": 40}}),
        _output("stream", name="stdout onload=x", text="<script>"),
        _output("execute_result", data={"text/plain": "1"}, execution_count="<b>"),
    ]
    nb.cells[0].id, nb.cells[0].execution_count = '"><script>', "7"
    nb.metadata.widgets = {"application/vnd.jupyter.widget-state+json": {}}
    cell = sanitize.sanitize_notebook(nb).cells[0]
    html, js, svg, image, stream, result = cell.outputs
    assert html.data == {"text/html": "<b>ok</b>", "text/plain": "<HTML>"}
    assert "removed by the grader" in js.data["text/plain"] and set(js.data) == {"text/plain"}
    assert set(svg.data) == {"text/plain"}                       # a "PNG" that is not one, and SVG, are dropped
    assert image.data == {"image/png": png} and image.metadata == {"image/png": {"height": 40}}
    assert stream.name == "stdout" and stream.text == "<script>"   # text: nbconvert escapes it
    assert result.execution_count is None and cell.execution_count is None
    assert cell.id == "cell-0" and "widgets" not in nb.metadata
    nbformat.validate(nb)


def test_notes_quote_a_student_literally():
    text = notes_markdown({"notes": ["answer cell 'x' raised ValueError: <img src=x onerror=alert(1)> $x$ *y*"]})
    body = text.split("\n\n", 1)[1][2:]          # after the list bullet
    for c in "<>$*'":
        assert c not in body
    html = markdown2html_mistune(text)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert not active_in_html(html)


# ---------------------------------------------------------------- the formgrader's page: rubric and math, in process

SOLUTION = REPO / "solutions" / A / f"{NB_NAME}.ipynb"
RUBRIC_LINE = "1 point: one valid remedy"          # a line of explain_dead_relu's rubric in the solution notebook


def test_the_rubric_is_the_solution_region_of_each_written_answer():
    found = rubric.rubrics(nbformat.read(str(SOLUTION), as_version=4))
    assert QUESTION in found and all(g.startswith("explain_") for g in found), found
    assert found[QUESTION].startswith("*Model answer.*") and RUBRIC_LINE in found[QUESTION]
    assert "SOLUTION" not in found[QUESTION] and "Your answer" not in found[QUESTION]
    assert rubric.solution_region("a\n### BEGIN SOLUTION\nkey\n### END SOLUTION\nb") == "key"
    assert rubric.solution_region("no markers") == "no markers"


def formgrader_page(resources):
    """The submission page nbgrader's formgrader writes (its HTMLExporter: template 'formgrade' and nbgrader's
    template folder, then this course's nbgrader_config.py on top), for ada's answers to notebook 01."""
    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = ["/nbgrader-own-default"]     # the course config must replace it
    config.merge(load_config())
    nb = mc.fill(mc.release(), {**mc.CORRECT, **mc.QUESTIONS})
    html, _ = HTMLExporter(config=config).from_notebook_node(nb, resources=resources)
    return html


SUBMISSION_PAGE = {"assignment_id": A, "notebook_id": NB_NAME, "submission_id": "0123abcd", "index": 0, "total": 1,
                   "base_url": "", "student": "ada", "last_name": None, "first_name": None, "notebook_path": "x"}


def test_the_formgrader_page_shows_the_rubric_and_writes_math_as_mathml():
    html = formgrader_page(dict(SUBMISSION_PAGE))
    assert html.count('class="panel panel-warning trainlab-rubric"') == 1 and RUBRIC_LINE in html
    assert html.index(f'id="rubric-{QUESTION}"') > html.index(f'id="{QUESTION}"')    # under its answer's score box
    assert "<math" in html and "mathjax" not in html.lower() and "cdnjs" not in html


def test_a_page_that_is_not_the_formgraders_gets_no_rubric():
    html = formgrader_page({k: v for k, v in SUBMISSION_PAGE.items() if k != "submission_id"})
    assert "panel panel-warning trainlab-rubric" not in html and RUBRIC_LINE not in html
    config = load_config()
    assert list(config.FeedbackExporter.preprocessors) == [] and \
        list(config.HTMLExporter.preprocessors) == [sanitize.EscapeNames, rubric.ShowRubric]


def test_the_formgrader_page_escapes_the_students_names():
    """Names come from the LMS export; nbgrader's formgrade template writes them without autoescape."""
    html = formgrader_page(dict(SUBMISSION_PAGE, first_name='<img src=x onerror="alert(1)">', last_name="O'Brien & <b>"))
    assert "<img src=x" not in html and "<b>" not in html.split("<body")[1].split("trainlab-rubric")[0]
    assert "&lt;img src=x onerror=" in html and "O'Brien &amp; &lt;b&gt;" in html      # shown as text


# --------------------------------------------------------------------------------- the class, in a browser

def cli(root, *args):
    r = subprocess.run([PY, "-m", "autograde", "--root", str(root), *args], cwd=REPO, capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return r.stdout


def attacker(release):
    """Ada's correct answers, plus every payload: a written answer, display outputs, an exception's text."""
    nb = mc.fill(release, {**mc.CORRECT, **mc.QUESTIONS, QUESTION: WRITTEN})
    for cell in nb.cells:
        if mc.gid(cell) == "q_same_sign_answer":
            cell.source += RAISES
    nb.cells.append(nbformat.v4.new_code_cell(DISPLAYS))
    nb.cells.append(nbformat.v4.new_markdown_cell(f"<img src=x onerror={mark('md')}>"))
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """01_activations graded through the pipeline (with feedback) for ada (honest) and mallory (the attacks)."""
    root = tmp_path_factory.mktemp("pages") / "course"
    shutil.copytree(REPO / "solutions" / A, root / "solutions" / A)
    cli(root, "build")
    release = mc.release(root)
    for student, nb in [("ada", mc.fill(release, {**mc.CORRECT, **mc.QUESTIONS})), ("mallory", attacker(release))]:
        (root / "autograde" / "work" / "submitted" / student / A).mkdir(parents=True)
        nbformat.write(nb, str(root / "autograde" / "work" / "submitted" / student / A / f"{NB_NAME}.ipynb"))
    cli(root, "grade", A, "--feedback", "--workers", "2", "--quiet")
    config = REPO / "nbgrader_config.py"             # the course's own configuration, rooted at this folder
    (root / "nbgrader_config.py").write_text(f"exec(compile(open({str(config)!r}).read(), __file__, 'exec'))\n")
    return root


def db_url(root):
    return f"sqlite:///{root / 'autograde' / 'work' / 'gradebook.db'}"


def gradebook(root):
    """Every grade of the class: {(student, grade_id): (auto_score, manual_score, needs_manual_grade, extra_credit)}."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url(root)) as gb:
        return {(s.student.id, g.name): (g.auto_score, g.manual_score, g.needs_manual_grade, g.extra_credit)
                for s in gb.assignment_submissions(A) for nb in s.notebooks for g in nb.grades}


def restore_grades(root, student, grades):
    """Put ``student``'s grades back as ``grades`` (from gradebook()) had them: undoes the control attack's PUTs."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url(root)) as gb:
        for nb in gb.find_submission(A, student).notebooks:
            for g in nb.grades:
                _, g.manual_score, g.needs_manual_grade, g.extra_credit = grades[(student, g.name)]
        gb.db.commit()


def submission_id(root, student):
    from nbgrader.api import Gradebook
    with Gradebook(db_url(root)) as gb:
        return gb.find_submission_notebook(NB_NAME, A, student).id


def unsanitised(graded, submitted):
    """The attacker's autograded notebook with her payloads put back as the grader wrote them before sanitising."""
    nb = copy.deepcopy(graded)
    sub = nbformat.read(str(submitted), as_version=4)
    for cell in nb.cells:
        if mc.gid(cell) == QUESTION:
            cell.source = WRITTEN
    nb.cells.append(sub.cells[-1])                                          # the <img onerror> markdown cell
    nb.cells.append(nbformat.v4.new_code_cell("display(...)", outputs=[nbformat.from_dict(
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": f"<script>{mark('html')}</script>", "text/plain": "x"}})]))
    return nb


class _ActiveParts(HTMLParser):
    """The elements and attributes of an HTML fragment that a browser would run or load: script, frames, SVG,
    event handlers, javascript: and data:text URLs. Text that merely names them (escaped) is not counted."""

    RUN = {"script", "iframe", "frame", "object", "embed", "svg", "style", "form", "link", "meta", "base"}

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in self.RUN:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            url = (value or "").strip().lower()
            if name.startswith("on") or url.startswith(("javascript:", "data:text", "vbscript:")):
                self.found.append(f"<{tag} {name}={value!r:.60}>")


def active_in_html(html):
    parser = _ActiveParts()
    parser.feed(html)
    parser.close()
    return parser.found


def active_parts(nb):
    """What in ``nb`` a browser would run once nbconvert has rendered it (markdown as the pages render it, HTML
    outputs as they are written), and output types that carry script or widgets."""
    found = []
    for cell in nb.cells:
        htmls = [markdown2html_mistune(cell.source)] if cell.cell_type == "markdown" else []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            found += [k for k in data if "javascript" in k or "widget" in k or "svg" in k]
            htmls += [data.get("text/html", ""), markdown2html_mistune(data.get("text/markdown", ""))]
        found += [part for html in htmls for part in active_in_html(html)]
    return found


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def formgrader(course, tmp_path_factory):
    """nbgrader's formgrader (a Jupyter server in the course folder): (base URL, token)."""
    home = tmp_path_factory.mktemp("jupyter")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), PATH=f"{Path(PY).parent}:{os.environ['PATH']}")
    port, token = free_port(), "pages-test-token"
    log = open(home / "server.log", "w")
    proc = subprocess.Popen([PY, "-m", "jupyter", "server", "--allow-root", "--no-browser", "--ip=127.0.0.1",
                             f"--port={port}", f"--IdentityProvider.token={token}",
                             f"--ServerApp.root_dir={course}"], cwd=course, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the formgrader did not start: " + (home / "server.log").read_text()[-2000:])
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def launch(p, offline=False):
    args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"]
    if offline:   # no name resolves: a CDN is unreachable, 127.0.0.1 and file:// still work
        args.append("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    return p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)


def open_and_watch(page, url, seconds=4.0):
    """Open ``url``, let it run, and return what a payload would have left: PUTs, title, marks."""
    puts = []
    page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
    page.goto(url)
    page.wait_for_load_state("load")
    time.sleep(seconds)
    return {"puts": puts, "title": page.title(),
            "marked": page.evaluate("document.body.getAttribute('data-pwned')"),
            "scripts": page.evaluate("[...document.scripts].filter(s => s.textContent.includes('PWNED')).length"),
            "handlers": page.evaluate("[...document.querySelectorAll('*')].filter(e => [...e.attributes].some("
                                      "a => a.value.includes('PWNED'))).length")}


@pytest.mark.slow
def test_no_script_of_a_submission_runs_in_the_formgrader_or_the_feedback(course, formgrader):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, token = formgrader
    graded_path = course / "autograde" / "work" / "autograded" / "mallory" / A / f"{NB_NAME}.ipynb"
    graded = nbformat.read(str(graded_path), as_version=4)
    assert not active_parts(graded), active_parts(graded)
    before = gradebook(course)
    assert before[("mallory", QUESTION)] == (None, None, True, None), "her written answer awaits a hand grade"
    url = f"{base}/formgrader/submissions/{submission_id(course, 'mallory')}/"
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
        page.goto(f"{base}/formgrader?token={token}")                     # logged in as the instructor

        # control: the unsanitised notebook lets her script give herself full marks (the test can fail)
        graded_path.chmod(0o644)
        control = unsanitised(graded, course / "autograde" / "work" / "submitted" / "mallory" / A / f"{NB_NAME}.ipynb")
        assert active_parts(control), "the detector sees the payloads that sanitising removed"
        nbformat.write(control, str(graded_path))
        try:
            seen = open_and_watch(page, url)
            page.screenshot(path=str(ARTIFACTS / "control-unsanitised-formgrader.png"))
            assert seen["title"].startswith("PWNED") and seen["puts"], seen
            assert gradebook(course)[("mallory", QUESTION)][1] == 2, "the control attack reached the gradebook"
        finally:
            restore_grades(course, "mallory", before)
            nbformat.write(graded, str(graded_path))
        assert gradebook(course) == before

        # the real notebook: opened, looked at, nothing runs, nothing changes
        page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
        page.goto(f"{base}/formgrader?token={token}")
        seen = open_and_watch(page, url)
        page.screenshot(path=str(ARTIFACTS / "formgrader-mallory.png"), full_page=True)
        assert seen == {"puts": [], "title": seen["title"], "marked": None, "scripts": 0, "handlers": 0}, seen
        assert not seen["title"].startswith("PWNED"), seen
        assert page.get_by_text("bold html").count() >= 1            # her harmless HTML is still shown
        assert page.get_by_text("The gradient is zero.").count() >= 1
        assert gradebook(course) == before, "the gradebook changed while the instructor looked"

        for student in ("mallory", "ada"):
            feedback = next((course / "autograde" / "work" / "feedback" / student / A).glob("*.html"))
            page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
            seen = open_and_watch(page, feedback.resolve().as_uri(), seconds=2.0)
            page.screenshot(path=str(ARTIFACTS / f"feedback-{student}.png"), full_page=True)
            assert seen == {"puts": [], "title": seen["title"], "marked": None, "scripts": 0, "handlers": 0}, seen
            assert not seen["title"].startswith("PWNED"), seen
        browser.close()
    assert gradebook(course) == before


def offline_watch(page, url):
    """Open ``url`` in a browser that resolves no name; returns the URLs it asked for beyond 127.0.0.1 and file://."""
    outside = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "file://", "data:", "about:")) else None)
    page.goto(url)
    page.wait_for_load_state("load")
    return outside


def math_drawn(page):
    """How many <math> elements the page holds, and how many of them the browser drew (a box of non-zero size)."""
    return page.evaluate("[document.querySelectorAll('math').length, [...document.querySelectorAll('math')]"
                         ".filter(m => { const r = m.getBoundingClientRect(); return r.width > 2 && r.height > 2; })"
                         ".length]")


def wider_than_their_box(page):
    """Output blocks (verdicts, tracebacks) whose text runs past their box: the reader would have to scroll."""
    return page.evaluate("[...document.querySelectorAll('div.output_area pre')]"
                         ".filter(p => p.scrollWidth > p.clientWidth + 1).length")


@pytest.mark.slow
def test_the_formgrader_shows_the_rubric_and_pages_draw_math_offline(course, formgrader):
    """Issue 24 items 4 and 5, in headless chromium with no name resolving (a CDN is unreachable), 1300 px wide:
    the formgrader shows the model answer and rubric under ada's written answer, and draws its math; her feedback
    page draws its math, wraps its verdicts, names the tests in its contents, and holds no rubric."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, token = formgrader
    before = gradebook(course)
    with sync_api.sync_playwright() as p:
        browser = launch(p, offline=True)
        page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
        page.goto(f"{base}/formgrader?token={token}")
        outside = offline_watch(page, f"{base}/formgrader/submissions/{submission_id(course, 'ada')}/")
        box = page.locator(f"#rubric-{QUESTION}")
        box.wait_for(state="visible", timeout=30000)
        assert "Model answer and rubric" in box.inner_text() and RUBRIC_LINE in box.inner_text()
        assert box.evaluate("b => b.closest('.cell').previousElementSibling.querySelector('#' + CSS.escape("
                            f"'{QUESTION}')) !== null"), "the rubric sits right under the written answer it grades"
        box.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "formgrader-ada-rubric-offline-1300.png"))
        total, drawn = math_drawn(page)
        assert total > 10 and drawn == total, (total, drawn)
        page.locator("math[display='block']").first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "formgrader-ada-math-offline-1300.png"))
        assert outside == [], outside                    # nothing fetched from a CDN (MathJax or otherwise)

        for student in ("ada", "mallory"):
            feedback = next((course / "autograde" / "work" / "feedback" / student / A).glob("*.html"))
            text = feedback.read_text()
            assert RUBRIC_LINE not in text and "Model answer" not in text, "a student's feedback holds the rubric"
            page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
            assert offline_watch(page, feedback.resolve().as_uri()) == []
            total, drawn = math_drawn(page)
            assert total > 10 and drawn == total, (student, total, drawn)
            assert wider_than_their_box(page) == 0, student
            fits = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
            assert page.evaluate(fits), f"{student}'s feedback is wider than 1300 px"
            toc = page.locator("a[href='#test_sigmoid']").first
            assert toc.inner_text() == "test_sigmoid" and toc.is_visible(), "the contents name each test"
            page.screenshot(path=str(ARTIFACTS / f"feedback-{student}-top-offline-1300.png"))
            page.locator("math[display='block']").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"feedback-{student}-math-offline-1300.png"))
        browser.close()
    assert gradebook(course) == before
