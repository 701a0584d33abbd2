"""JupyterLab as students see it, in a real browser: Debian's chromium, headless, driven by Playwright.

Starts JupyterLab (this .venv, the student's set of extensions: widgets, nbgrader's Validate and
assignment list; formgrader and create-assignment off) on 127.0.0.1 with a token, opens notebooks,
runs all cells, moves a slider with the keyboard and checks that the plot's PNG changed, with no
"Error displaying widget" and no widget shown as its text repr. Clicks nbgrader's Validate button on
a notebook that passes and on one that fails. Screenshots go to test-artifacts/browser/.

Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it) and the `playwright`
package; Playwright's own browser download is never used. TRAINLAB_CHROMIUM overrides the path.
"""
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

import harness
from harness import REPO

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("TRAINLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = REPO / "test-artifacts" / "browser"
SLIDER_NOTEBOOKS = ("04_optimizers", "05_lr_schedules")   # released notebooks with sliders
REDRAW = re.compile(r"redraw (\d+) ms \| (.*)")
CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"   # the notebook in the visible tab
TIMINGS = {}

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (`apt-get install chromium`, as .ci/run does)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")


def _record(**values):
    TIMINGS.update(values)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, indent=1))


# ---------------------------------------------------------------------------------------------
# Notebooks made for the test
# ---------------------------------------------------------------------------------------------

SETUP = """\
import numpy as np
import matplotlib.pyplot as plt
from trainlab.widgets import interactive_plot, log_slider
%matplotlib inline"""

ANSWER = """\
def decay(learning_rate, steps):
    \"\"\"Loss after each of ``steps`` gradient steps on f(w) = w^2 / 2 from w = 1.\"\"\"
    return 0.5 * (1 - learning_rate) ** (2 * np.arange(steps))"""

TEST = """\
# decay: first and second step (1 point)
assert np.allclose(decay(0.5, 3), [0.5, 0.125, 0.03125]), f"decay(0.5, 3) returned {decay(0.5, 3)}"
print("decay: all visible checks passed")"""

SLIDERS = """\
def draw(learning_rate):
    plt.figure(figsize=(5, 3))
    plt.semilogy(decay(learning_rate, 100))
    plt.ylim(1e-4, 1)
    plt.title(f"gradient descent on w^2/2, learning rate {learning_rate:.1e}")
    plt.xlabel("step")
    plt.ylabel("loss")

# two steps per decade: one press of the arrow key multiplies the learning rate by 3.2
interactive_plot(draw, {"learning_rate": log_slider("learning_rate", 0.01, 1e-3, 1.0, steps_per_decade=2)})"""


def _cell(source, **nbgrader):
    from nbgrader.utils import compute_checksum

    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        meta = {"schema_version": 3, "solution": False, "grade": False, "locked": False, "task": False}
        meta.update(nbgrader)
        cell.metadata["nbgrader"] = meta
        if meta["locked"] or meta["grade"]:
            cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)
    return cell


def make_notebook(answer=ANSWER, sliders=True):
    """A small notebook in the course's format: setup, an answer cell, a 1-point test, a slider plot."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Browser test: a slider that redraws a plot"),
                _cell(SETUP, grade_id="setup", locked=True),
                _cell(answer, grade_id="decay", solution=True),
                _cell(TEST, grade_id="test_decay", grade=True, locked=True, points=1)]
    if sliders:
        nb.cells.append(nbformat.v4.new_code_cell(SLIDERS))
    return nb




# ---------------------------------------------------------------------------------------------
# JupyterLab
# ---------------------------------------------------------------------------------------------

STUDENT_PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader:formgrader": True,
                                              "@jupyter/nbgrader:create-assignment": True,
                                              "@jupyter/nbgrader:course-list": True}}
STUDENT_SERVER_CONFIG = {"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": False,
                                                               "nbgrader.server_extensions.course_list": False}}}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a course folder like the student bundle's; yields (base_url, token, root)."""
    from autograde.bundle import STUDENT_NBGRADER_CONFIG, _grading_timeout

    root = tmp_path_factory.mktemp("lab")
    dot = root / ".jupyter-test"
    for sub in ("runtime", "config/labconfig", "settings/@jupyterlab/apputils-extension", "workspaces", "data"):
        (dot / sub).mkdir(parents=True)
    # no "Jupyter news?" toast over the page
    (dot / "settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # render every cell: with JupyterLab's default windowing, cells far below the viewport are not
    # laid out, so their outputs read as empty and cannot be scrolled to by element
    (dot / "settings/@jupyterlab/notebook-extension").mkdir(parents=True)
    (dot / "settings/@jupyterlab/notebook-extension/tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"}))
    (dot / "config/labconfig/page_config.json").write_text(json.dumps(STUDENT_PAGE_CONFIG))
    (dot / "config/jupyter_server_config.json").write_text(json.dumps(STUDENT_SERVER_CONFIG))
    # the Validate button reads nbgrader_config.py from the folder the server starts in, as in the bundle
    (root / "nbgrader_config.py").write_text(STUDENT_NBGRADER_CONFIG.format(timeout=_grading_timeout(REPO)))

    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(dot / "runtime"), JUPYTER_CONFIG_DIR=str(dot / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(dot / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(dot / "workspaces"),
               JUPYTER_DATA_DIR=str(dot / "data"), MPLCONFIGDIR=str(dot / "mpl"), OMP_NUM_THREADS="1",
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("MPLBACKEND", None)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "jupyterlab.log", "w")
    t0 = time.perf_counter()
    server = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, f"JupyterLab exited: see {ARTIFACTS / 'jupyterlab.log'}"
            assert time.time() < deadline, "JupyterLab did not answer within 90 s"
            time.sleep(0.3)
        _record(server_start_s=round(time.perf_counter() - t0, 1))
        yield base, token, root
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.page_errors = errors
    yield pg
    context.close()


# ---------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------

def open_notebook(page, lab, relpath):
    base, token, _ = lab
    page.goto(f"{base}/lab/tree/{relpath}?reset&token={token}")    # reset: no tabs from earlier tests
    page.locator(f"{CURRENT} .jp-Cell").first.wait_for(state="visible", timeout=90_000)
    wait_idle(page, 90)


def wait_idle(page, seconds):
    """The kernel is idle and no cell shows [*]."""
    deadline = time.time() + seconds
    status = page.locator(".jp-StatusBar-Widget", has_text="Idle")
    while time.time() < deadline:
        busy = page.locator(f"{CURRENT} .jp-InputPrompt", has_text="[*]").count()
        if status.count() and not busy:
            return
        time.sleep(0.25)
    raise AssertionError(f"the kernel was still busy after {seconds} s")


def run_all(page, seconds):
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # wait until the run has started (a [*] or a numbered prompt), then until it is over
    page.wait_for_function("""(sel) => [...document.querySelectorAll(sel + ' .jp-InputPrompt')]
                                      .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))""", arg=CURRENT,
                           timeout=30_000)
    wait_idle(page, seconds)


def assert_widgets_render(page, where):
    text = page.locator(CURRENT).inner_text()
    assert "Error displaying widget" not in text, f"{where}: 'Error displaying widget'"
    assert "VBox(children=" not in text and "HBox(children=" not in text, \
        f"{where}: a widget is shown as its text repr (the widget extension is missing)"
    assert "Model not found" not in text, f"{where}: a widget model was not found"


def error_outputs(page):
    errs = page.locator(f"{CURRENT} .jp-OutputArea-output"
                        "[data-mime-type='application/vnd.jupyter.stderr']")
    return [errs.nth(i).inner_text()[:500] for i in range(errs.count())]


def redraw_marker(output):
    found = REDRAW.search(output.inner_text())
    return (int(found.group(1)), found.group(2)) if found else None


def plot_png(output):
    img = output.locator("img")
    return img.first.get_attribute("src") if img.count() else None


def move_slider(page, name, box, seconds=120):
    """Focus the first slider's handle in ``box``, press ArrowRight; wait for the redraw; return (before, after)."""
    output = box.locator(".widget-output").first
    slider = box.locator(".widget-slider").first
    readout = slider.locator(".widget-readout")
    box.evaluate("e => e.scrollIntoView({block: 'center'})")
    deadline = time.time() + seconds
    while not (redraw_marker(output) and plot_png(output)):
        assert time.time() < deadline, f"{name}: no plot with a redraw line under the slider"
        time.sleep(0.2)
    output.evaluate("e => e.scrollIntoView({block: 'center'})")   # the plot and its redraw line in view
    time.sleep(0.3)
    before = {"marker": redraw_marker(output), "png": plot_png(output), "readout": readout.inner_text()}
    page.screenshot(path=str(ARTIFACTS / f"{name}-before.png"))
    box.screenshot(path=str(ARTIFACTS / f"{name}-widget-before.png"))
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    handle.press("ArrowRight")
    t0 = time.perf_counter()
    while True:   # the readout changes first; the marker line is printed after the new image
        marker = redraw_marker(output)
        if marker and marker[1] != before["marker"][1] and plot_png(output):
            break
        assert time.time() < deadline, f"{name}: no redraw after moving the slider (readout " \
                                       f"{before['readout']!r} -> {readout.inner_text()!r})"
        time.sleep(0.1)
    after = {"marker": marker, "png": plot_png(output), "readout": readout.inner_text(),
             "seen_after_s": round(time.perf_counter() - t0, 2)}
    page.screenshot(path=str(ARTIFACTS / f"{name}-after.png"))
    box.screenshot(path=str(ARTIFACTS / f"{name}-widget-after.png"))
    return before, after


def click_validate(page, name, seconds=180):
    page.locator(f"{CURRENT} .validate-button").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(state="visible", timeout=seconds * 1000)
    body = dialog.locator(".validation-success, .validation-failed")
    body.first.wait_for(state="attached", timeout=seconds * 1000)
    text = dialog.inner_text()
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    dialog.locator(".jp-mod-accept").first.click()
    dialog.wait_for(state="detached", timeout=10_000)
    return text


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------

def test_slider_redraws_plot_and_validate_passes(lab, page):
    _, _, root = lab
    folder = root / "notebooks" / "browser_check"
    folder.mkdir(parents=True)
    nbformat.write(make_notebook(), folder / "sliders.ipynb")
    t0 = time.perf_counter()
    open_notebook(page, lab, "notebooks/browser_check/sliders.ipynb")
    # the student's toolbar: nbgrader's Validate button, no "Create Assignment" cell toolbar
    assert page.locator(f"{CURRENT} .validate-button").count() == 1
    run_all(page, 120)
    box = page.locator(f"{CURRENT} .jp-OutputArea .widget-vbox", has=page.locator(".widget-slider")).first
    box.wait_for(state="visible", timeout=60_000)
    assert_widgets_render(page, "sliders.ipynb")
    assert error_outputs(page) == []
    before, after = move_slider(page, "sliders", box)
    assert after["readout"] != before["readout"], "the slider's value did not change"
    assert after["png"] != before["png"], "the plot's image did not change after the slider moved"
    assert after["marker"][1].startswith("learning_rate=")
    assert_widgets_render(page, "sliders.ipynb after the slider moved")
    text = click_validate(page, "validate-success")
    assert "Success! Your notebook passes all the tests." in text, text
    assert page.page_errors == [], page.page_errors
    _record(sliders_page_s=round(time.perf_counter() - t0, 1), sliders_redraw_ms=[before["marker"][0], after["marker"][0]],
            sliders_readout=[before["readout"], after["readout"]], sliders_redraw_seen_after_s=after["seen_after_s"])


def test_validate_button_names_the_failing_test(lab, page):
    _, _, root = lab
    folder = root / "notebooks" / "browser_check"
    folder.mkdir(parents=True, exist_ok=True)
    wrong = ANSWER.replace("(2 * np.arange(steps))", "(np.arange(steps))")
    assert wrong != ANSWER
    nbformat.write(make_notebook(answer=wrong, sliders=False), folder / "wrong.ipynb")
    open_notebook(page, lab, "notebooks/browser_check/wrong.ipynb")
    text = click_validate(page, "validate-failed")
    assert "Success" not in text
    assert "decay: first and second step" in text and "AssertionError" in text, text


def test_assignment_list_opens_without_errors(lab, page):
    """Nbgrader > Assignment List: empty (the course ships as a download), no exchange error."""
    base, token, root = lab
    page.goto(f"{base}/lab?reset&token={token}")
    menu = page.get_by_role("menuitem", name="Nbgrader", exact=True)
    menu.wait_for(state="visible", timeout=90_000)
    menu.click()
    labels = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
    assert "Assignment List" in labels
    assert "Formgrader" not in labels and "Course List" not in labels, f"instructor tools in the menu: {labels}"
    page.get_by_role("menuitem", name="Assignment List", exact=True).click()
    panel = page.locator(".lm-DockPanel")
    page.get_by_text("There are no assignments to fetch.").wait_for(state="visible", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "assignment-list.png"))
    text = panel.inner_text()
    assert "exchange directory does not exist" not in text and "Error" not in text, text


@pytest.mark.parametrize("assignment", SLIDER_NOTEBOOKS)
def test_released_slider_notebook(lab, page, assignment):
    released = sorted((REPO / "notebooks" / assignment).glob("*.ipynb"))
    if not released:
        pytest.skip(f"notebooks/{assignment} is not released yet (its release appears after `make release`)")
    _, _, root = lab
    solution = nbformat.read(harness.solution_notebook(assignment), as_version=4)
    nb = harness.with_answers(nbformat.read(released[0], as_version=4), solution)   # a student who got it right
    dest = root / "notebooks" / assignment
    shutil.copytree(released[0].parent, dest)
    nbformat.write(nb, dest / released[0].name)
    t0 = time.perf_counter()
    open_notebook(page, lab, f"notebooks/{assignment}/{released[0].name}")
    run_all(page, 540)
    run_s = time.perf_counter() - t0
    assert_widgets_render(page, assignment)
    boxes = page.locator(f"{CURRENT} .jp-OutputArea .widget-vbox", has=page.locator(".widget-slider"))
    assert boxes.count() >= 1, f"{assignment}: no slider in the notebook's outputs"
    errors = [e for e in error_outputs(page) if "Error" in e or "Traceback" in e]
    assert errors == [], f"{assignment}: cells raised:\n" + "\n".join(errors)
    before, after = move_slider(page, assignment, boxes.first)
    assert after["png"] != before["png"], f"{assignment}: the plot did not change after the slider moved"
    assert_widgets_render(page, f"{assignment} after the slider moved")
    assert page.page_errors == [], page.page_errors
    _record(**{f"{assignment}_run_all_s": round(run_s, 1),
               f"{assignment}_redraw_ms": [before["marker"][0], after["marker"][0]],
               f"{assignment}_sliders": boxes.count()})
