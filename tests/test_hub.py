"""A class on the course's JupyterHub (deploy/), for real: hub, proxy, accounts, exchange, browser.

On 127.0.0.1, with free ports, the test creates Unix accounts (an instructor and three students),
copies the course into a folder the instructor owns, and starts the hub with deploy/start_hub.sh
(what `make hub` runs) in its test mode (DummyAuthenticator: any password, loopback only). Then:

  1. the instructor releases 01_activations (deploy/release.sh: `nbgrader release_assignment`);
  2. two students log in through the hub's login page in headless chromium, open Nbgrader > Assignment
     List and press Fetch; one writes the solution's answers into the fetched notebook (through her
     server's contents API), the other leaves the stubs; both press Validate in the notebook and
     Submit in the Assignment List;
  3. the instructor collects, grades, writes and releases feedback (deploy/grade_from_exchange.sh:
     nbgrader collect, python -m autograde grade/feedback/export, nbgrader release_feedback);
  4. both students press Fetch Feedback and open their feedback page: full marks and zero;
  5. the second student's own kernel (a notebook run in her JupyterLab, as her account) tries to read
     the first student's home and submission, the exchange's inbound folder and the course folder
     (solutions, gradebook, configuration): every attempt is refused; trainlab.reference is absent;
  6. the instructor's JupyterLab has the formgrader, the students' does not.

Screenshots go to test-artifacts/hub/ (and the hub's log, the grading output, timings.json).
Needs root (accounts, a hub that starts servers as other accounts), Debian's chromium, playwright,
jupyterhub (requirements-dev.txt) and configurable-http-proxy (npm; .ci/run installs it).
"""
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

import harness
from harness import REPO

CHROMIUM = os.environ.get("TRAINLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
ARTIFACTS = REPO / "test-artifacts" / "hub"
ASSIGNMENT = "01_activations"
NOTEBOOK = "activations.ipynb"
TIMINGS = {}
sys.path.insert(0, str(REPO / "deploy"))


def _record(**values):
    TIMINGS.update(values)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, indent=1))


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# ---------------------------------------------------------------------------------------------
# One source for the students' nbgrader settings (no browser, no hub)
# ---------------------------------------------------------------------------------------------

def _load_nbgrader_config(text, folder, env):
    from traitlets.config.loader import PyFileConfigLoader

    (folder / "nbgrader_config.py").write_text(text)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update({k: v for k, v in env.items() if v is not None})
    for k, v in env.items():
        if v is None:
            os.environ.pop(k, None)
    try:
        return PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_students_get_one_nbgrader_config(tmp_path):
    """The hub's students and the download's get the same settings from deploy/student_nbgrader_config.py."""
    import hub
    from autograde.bundle import STUDENT_NBGRADER_CONFIG, _grading_timeout

    text = hub.student_nbgrader_config(REPO)
    (tmp_path / "hub").mkdir()
    (tmp_path / "bundle").mkdir()
    on_hub = _load_nbgrader_config(text, tmp_path / "hub", {"TRAINLAB_EXCHANGE": "/srv/x/exchange"})
    local = _load_nbgrader_config(text, tmp_path / "hub", {"TRAINLAB_EXCHANGE": None})
    bundle = _load_nbgrader_config(STUDENT_NBGRADER_CONFIG.format(timeout=_grading_timeout(REPO)),
                                   tmp_path / "bundle", {"TRAINLAB_EXCHANGE": None})
    assert on_hub.Exchange.root == "/srv/x/exchange"
    assert local.Exchange.root == str(tmp_path / "hub" / ".nbgrader-exchange")   # the download's behaviour
    for cfg in (on_hub, local):
        assert cfg.Execute.timeout == bundle.Execute.timeout == _grading_timeout(REPO)
        assert cfg.CourseDirectory.course_id == bundle.CourseDirectory.course_id == "trainlab"
    # the download's settings are the hub's when autograde/bundle.py reads this file (deploy/README.md)
    assert set(bundle.keys()) == set(local.keys())


# ---------------------------------------------------------------------------------------------
# The hub
# ---------------------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _skip_unless_ready():
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root: the test creates Unix accounts and the hub starts servers as those accounts")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (`apt-get install chromium`, as .ci/run does)")
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy not found: `npm install -g configurable-http-proxy` (.ci/run does)")
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not found")
    pytest.importorskip("jupyterhub", reason="jupyterhub is not installed (requirements-dev.txt)")
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")


def _useradd(name):
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
    return pwd.getpwnam(name)


def _pids_of(uid):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except FileNotFoundError:
                pass
    return pids


def _remove_account(name):
    """Stop what the test left running under the account (its servers' kernels), then delete it."""
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _pids_of(uid)
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if pids:
            time.sleep(1)
    subprocess.run(["userdel", "--remove", name], capture_output=True)


def _copy_course(dest):
    """The course as an instructor has it (the test's copy: the repository's own files stay untouched)."""
    for name in ("solutions", "notebooks", "trainlab", "data"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    for name in ("nbgrader_config.py", "requirements.txt"):
        shutil.copy2(REPO / name, dest / name)


def _wait_http(url, proc, seconds, log):
    deadline = time.time() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        assert proc.poll() is None, f"the hub exited ({proc.returncode}): see {log}"
        assert time.time() < deadline, f"{url} did not answer within {seconds} s: see {log}"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def hub():
    """A running hub: yields a dict with base URL, accounts, folders and the TRAINLAB_* environment."""
    _skip_unless_ready()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    tag = f"tlh{secrets.token_hex(2)}"
    names = {"instructor": f"{tag}prof", "ada": f"{tag}ada", "ben": f"{tag}ben", "cleo": f"{tag}cleo"}
    made, proc, log = [], None, None
    course = Path(tempfile.mkdtemp(prefix="trainlab-hub-course-", dir="/tmp"))
    hub_dir = Path(tempfile.mkdtemp(prefix="trainlab-hub-", dir="/tmp"))
    try:
        for name in names.values():
            _useradd(name)
            made.append(name)
        instructor = pwd.getpwnam(names["instructor"])
        _copy_course(course)
        subprocess.run(["chown", "-R", f"{instructor.pw_uid}:{instructor.pw_gid}", str(course)], check=True)
        os.chmod(hub_dir, 0o755)
        port = _free_port()
        env = dict(os.environ, TRAINLAB_COURSE=str(course), TRAINLAB_VENV=str(Path(sys.prefix)),
                   TRAINLAB_HUB_DIR=str(hub_dir), TRAINLAB_HUB_AUTH="dummy", TRAINLAB_HUB_IP="127.0.0.1",
                   TRAINLAB_HUB_USERS=",".join(names[k] for k in ("ada", "ben", "cleo")),
                   TRAINLAB_HUB_PORT=str(port), TRAINLAB_HUB_API_PORT=str(_free_port()),
                   TRAINLAB_HUB_INTERNAL_PORT=str(_free_port()))
        env.pop("TRAINLAB_INSTRUCTOR", None)        # the course's owner
        log_path = ARTIFACTS / "hub.log"
        log = open(log_path, "w")
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(REPO / "deploy" / "start_hub.sh")], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/hub/api", proc, 240, log_path)
        _record(hub_start_s=round(time.perf_counter() - t0, 1))
        yield {"base": base, "names": names, "course": course, "hub_dir": hub_dir, "env": env, "proc": proc}
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)       # JupyterHub stops every user's server and the proxy
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log is not None:
            log.close()
        for name in made:
            _remove_account(name)
        shutil.rmtree(course, ignore_errors=True)
        shutil.rmtree(hub_dir, ignore_errors=True)


def _run(hub, *cmd, name):
    """A deploy/ command as the instructor would type it (here from root); its output is kept."""
    t0 = time.perf_counter()
    r = subprocess.run([str(REPO / "deploy" / cmd[0]), *cmd[1:]], env=hub["env"], capture_output=True, text=True,
                       timeout=900)
    (ARTIFACTS / f"{name}.log").write_text(f"$ deploy/{' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    _record(**{f"{name}_s": round(time.perf_counter() - t0, 1)})
    assert r.returncode == 0, f"deploy/{cmd[0]} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r.stdout + r.stderr


# ---------------------------------------------------------------------------------------------
# Browser steps
# ---------------------------------------------------------------------------------------------

CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def login(page, hub, user, shot=None):
    """The hub's login page: type the name and a password, press Sign in (the server starts spawning)."""
    page.goto(f"{hub['base']}/hub/login")
    page.locator("input[name=username]").wait_for(state="visible", timeout=60_000)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "any password: the test's hub runs DummyAuthenticator")
    if shot:
        _shot(page, shot)
    page.locator("#login_submit, input[type=submit], button[type=submit]").first.click()


def wait_lab(page, seconds=240):
    page.get_by_role("menuitem", name="Nbgrader", exact=True).wait_for(state="visible", timeout=seconds * 1000)


def nbgrader_menu(page):
    menu = page.get_by_role("menuitem", name="Nbgrader", exact=True)
    menu.click()
    labels = [t for t in page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts() if t.strip()]
    return labels


def open_assignment_list(page):
    labels = nbgrader_menu(page)
    page.get_by_role("menuitem", name="Assignment List", exact=True).click()
    panel = page.locator(".lm-DockPanel")
    panel.get_by_text("Released assignments").first.wait_for(state="visible", timeout=60_000)
    return labels


SECTIONS = {"Released assignments": "#released_assignments_list", "Downloaded assignments": "#fetched_assignments_list",
            "Submitted assignments": "#submitted_assignments_list"}


def section(page, title):
    """The Assignment List's section (Released / Downloaded / Submitted assignments) as a locator."""
    return page.locator(SECTIONS[title]).first


def wait_text(locator, pattern, seconds, what):
    deadline = time.time() + seconds
    rx = re.compile(pattern)
    while time.time() < deadline:
        text = locator.inner_text()
        if rx.search(text):
            return text
        time.sleep(0.3)
    raise AssertionError(f"{what}: {pattern!r} not seen within {seconds} s; the page shows:\n{locator.inner_text()[:1500]}")


def api(page, hub, user, method, path, body=None):
    """A REST call to the user's own server from the user's page (her cookie and XSRF token), as JupyterLab does."""
    url = f"{hub['base']}/user/{user}/api/{path}"
    status, text = page.evaluate(
        """async ([url, method, body]) => {
               const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1] || '';
               const r = await fetch(url, {method, credentials: 'same-origin',
                   headers: {'Content-Type': 'application/json', 'X-XSRFToken': xsrf},
                   body: body === null ? undefined : JSON.stringify(body)});
               return [r.status, await r.text()];
           }""", [url, method, body])
    assert status < 300, f"{method} {path}: HTTP {status} {text[:500]}"
    return json.loads(text) if text else None


def open_notebook(page, hub, user, relpath):
    page.goto(f"{hub['base']}/user/{user}/lab/tree/{relpath}?reset")
    page.locator(f"{CURRENT} .jp-Cell").first.wait_for(state="visible", timeout=120_000)
    page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for(state="visible", timeout=120_000)


def click_validate(page):
    page.locator(f"{CURRENT} .validate-button").first.click()


def read_validate(page, name, seconds=400):
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".validation-success, .validation-failed").first.wait_for(state="attached", timeout=seconds * 1000)
    text = dialog.inner_text()
    _shot(page, name)
    dialog.locator(".jp-mod-accept").first.click()
    dialog.wait_for(state="detached", timeout=10_000)
    return text


# ---------------------------------------------------------------------------------------------
# The round trip
# ---------------------------------------------------------------------------------------------

PROBE = """\
import json, os
targets = json.loads({targets!r})
seen = {{}}
for label, path in targets.items():
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        seen[label] = "READ"
    except OSError as e:
        seen[label] = type(e).__name__
for label, path in json.loads({writes!r}).items():
    try:
        open(path, "w").close()
        seen[label] = "WRITTEN"
    except OSError as e:
        seen[label] = type(e).__name__
try:
    import trainlab.reference
    seen["import trainlab.reference"] = "READ"
except ImportError as e:
    seen["import trainlab.reference"] = type(e).__name__
import trainlab
seen["trainlab comes from"] = os.path.dirname(trainlab.__file__)
print("PROBE " + json.dumps(seen))"""


@pytest.mark.browser
@pytest.mark.slow
def test_class_round_trip_on_the_hub(hub):
    sync_api = _skip_unless_ready()
    names, course, hub_dir = hub["names"], hub["course"], hub["hub_dir"]
    ada, ben, prof = names["ada"], names["ben"], names["instructor"]
    t_all = time.perf_counter()

    # -- the hub prepared what it promises -------------------------------------------------
    assert os.stat(hub_dir / "exchange").st_mode & 0o7777 == 0o1777
    assert os.readlink(course / "autograde" / "work" / "exchange") == str(hub_dir / "exchange")
    assert os.stat(course).st_mode & 0o007 == 0, "the course folder is open to other accounts"
    assert not (hub_dir / "student" / "trainlab" / "reference").exists()

    # -- 1. the instructor releases 01 -----------------------------------------------------
    _run(hub, "release.sh", ASSIGNMENT, name="release")
    assert (hub_dir / "exchange" / "trainlab" / "outbound" / ASSIGNMENT / NOTEBOOK).exists()

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        pages = {}
        try:
            # -- 2. two students log in (both servers spawn at once) and fetch 01 ------------
            t0 = time.perf_counter()
            for who in (ada, ben):
                ctx = browser.new_context(viewport={"width": 1400, "height": 900})
                pages[who] = ctx.new_page()
                pages[who].page_errors = []
                pages[who].on("pageerror", lambda e, who=who: pages[who].page_errors.append(str(e)))
            login(pages[ada], hub, ada, shot="00-login-page")
            _shot(pages[ada], "01-login-submitted")
            login(pages[ben], hub, ben)
            for who in (ada, ben):
                wait_lab(pages[who])
            _record(login_and_spawn_two_s=round(time.perf_counter() - t0, 1))
            for who in (ada, ben):
                page = pages[who]
                assert page.url.startswith(f"{hub['base']}/user/{who}/lab"), page.url
                labels = open_assignment_list(page)
                assert labels == ["Assignment List"], f"{who}'s Nbgrader menu: {labels} (students: Assignment List only)"
                released = section(page, "Released assignments")
                wait_text(released, ASSIGNMENT, 60, f"{who}: 01 in Released assignments")
                _shot(page, f"02-{who[len('tlhxxxx'):]}-assignment-list-released")
                released.get_by_role("button", name="Fetch", exact=True).first.click()
                downloaded = section(page, "Downloaded assignments")
                wait_text(downloaded, ASSIGNMENT, 60, f"{who}: 01 in Downloaded assignments")
                _shot(page, f"03-{who[len('tlhxxxx'):]}-fetched")
            home = {who: Path(pwd.getpwnam(who).pw_dir) for who in (ada, ben, prof)}
            for who in (ada, ben):
                fetched = home[who] / ASSIGNMENT / NOTEBOOK
                assert fetched.exists() and fetched.stat().st_uid == pwd.getpwnam(who).pw_uid
                assert os.stat(home[who]).st_mode & 0o077 == 0, f"{who}'s home is open to other accounts"

            # -- ada fills in the solution's answers; ben keeps the stubs ---------------------
            release_nb = nbformat.from_dict(api(pages[ada], hub, ada, "GET",
                                                f"contents/{ASSIGNMENT}/{NOTEBOOK}?content=1")["content"])
            solution = nbformat.read(course / "solutions" / ASSIGNMENT / NOTEBOOK, as_version=4)
            answered = harness.with_answers(release_nb, solution)
            api(pages[ada], hub, ada, "PUT", f"contents/{ASSIGNMENT}/{NOTEBOOK}",
                {"type": "notebook", "format": "json", "content": answered})

            # -- Validate in the notebook, both at once ---------------------------------------
            t0 = time.perf_counter()
            for who in (ada, ben):
                open_notebook(pages[who], hub, who, f"{ASSIGNMENT}/{NOTEBOOK}")
                assert pages[who].locator(f"{CURRENT} .jp-Cell").count() > 5
            for who in (ada, ben):
                click_validate(pages[who])
            ok = read_validate(pages[ada], "04-ada-validate")
            failed = read_validate(pages[ben], "04-ben-validate")
            _record(validate_two_s=round(time.perf_counter() - t0, 1))
            assert "Success! Your notebook passes all the tests." in ok, ok
            assert "Success" not in failed and "NotImplementedError" in failed, failed

            # -- Submit from the Assignment List ---------------------------------------------
            for who in (ada, ben):
                page = pages[who]
                page.goto(f"{hub['base']}/user/{who}/lab?reset")
                wait_lab(page)
                open_assignment_list(page)
                downloaded = section(page, "Downloaded assignments")
                wait_text(downloaded, ASSIGNMENT, 60, f"{who}: 01 downloaded")
                downloaded.get_by_role("button", name="Submit", exact=True).first.click()
                submitted = section(page, "Submitted assignments")
                wait_text(submitted, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", 60, f"{who}: a submission time")
                _shot(page, f"05-{who[len('tlhxxxx'):]}-submitted")
            inbound = sorted((hub_dir / "exchange" / "trainlab" / "inbound").iterdir())
            assert sorted(p.name.split("+")[0] for p in inbound) == sorted([ada, ben]), inbound

            # -- 3. the instructor grades from the exchange, in one command --------------------
            out = _run(hub, "grade_from_exchange.sh", ASSIGNMENT, name="grade_from_exchange")
            scores = harness.scores(course)
            assert scores[ada][0] == scores[ada][1] > 0, (scores[ada], out[-3000:])
            assert scores[ben][0] == 0, (scores[ben], out[-3000:])
            for who in (ada, ben):
                assert (course / "autograde" / "work" / "feedback" / who / ASSIGNMENT / "activations.html").exists()
            _record(grades_csv_written=(course / "autograde" / "work" / "reports" / "grades.csv").exists())
            work_owner = {pwd.getpwuid(p.stat().st_uid).pw_name for p in (course / "autograde" / "work").rglob("*")
                          if not p.is_symlink()}
            assert work_owner == {prof}, f"grading left files the instructor does not own: {work_owner}"

            # -- 4. students fetch their feedback and read their score -----------------------
            total = harness.totals(course)        # the written answer waits for a hand grade: 0 so far
            expected = {ada: f"(Score so far: {scores[ada][1]:.1f} / {total[ada][1]:.1f}; "
                             "awaiting a grade by hand (2 points))",
                        ben: f"(Score: 0.0 / {total[ben][1]:.1f})"}
            for who in (ada, ben):
                page = pages[who]
                page.goto(f"{hub['base']}/user/{who}/lab?reset")
                wait_lab(page)
                open_assignment_list(page)
                submitted = section(page, "Submitted assignments")
                wait_text(submitted, "feedback available to fetch|Fetch Feedback", 60, f"{who}: feedback offered")
                submitted.get_by_role("button", name="Fetch Feedback", exact=True).first.click()
                wait_text(submitted, r"view feedback", 60, f"{who}: feedback fetched")
                _shot(page, f"06-{who[len('tlhxxxx'):]}-feedback-fetched")
                listing = api(page, hub, who, "GET", f"contents/{ASSIGNMENT}/feedback")
                stamps = sorted(item["name"] for item in listing["content"])
                assert stamps, f"{who}: no feedback folder"
                page.goto(f"{hub['base']}/user/{who}/files/{ASSIGNMENT}/feedback/{stamps[-1]}/activations.html")
                body = page.locator("body").inner_text()
                _shot(page, f"07-{who[len('tlhxxxx'):]}-feedback-page")
                assert expected[who] in body, f"{who}: {expected[who]!r} not in the feedback page:\n{body[:800]}"
                assert "BEGIN HIDDEN TESTS" not in body

            # -- 5. ben's own kernel tries to read ada's work and the instructor's files --------
            ada_sub = next(p for p in inbound if p.name.startswith(ada + "+"))
            assert re.search(r"\+[A-Za-z0-9_-]{12}$", ada_sub.name), f"no random part in {ada_sub.name}"
            targets = {
                "ada's home": str(home[ada]),
                "ada's notebook": str(home[ada] / ASSIGNMENT / NOTEBOOK),
                "ada's nbgrader cache": str(home[ada] / ".local" / "share" / "jupyter" / "nbgrader_cache"),
                "the exchange's inbound folder": str(hub_dir / "exchange" / "trainlab" / "inbound"),
                "the exchange's feedback folder": str(hub_dir / "exchange" / "trainlab" / "feedback"),
                "the course folder": str(course),
                "the solution notebook": str(course / "solutions" / ASSIGNMENT / NOTEBOOK),
                "the reference answers": str(course / "trainlab" / "reference"),
                "the gradebook": str(course / "autograde" / "work" / "gradebook.db"),
                "ada's collected submission": str(course / "autograde" / "work" / "submitted" / ada / ASSIGNMENT / NOTEBOOK),
                "ada's graded notebook": str(course / "autograde" / "work" / "autograded" / ada / ASSIGNMENT / NOTEBOOK),
                "the course configuration": str(course / "nbgrader_config.py"),
                "the instructor's home": str(home[prof]),
                "the hub's state": str(hub_dir / "state"),
            }
            probe = nbformat.v4.new_notebook()
            probe.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
            writes = {  # changing what others read: the release, the exchange's folders, the course
                "write into the released assignment": str(hub_dir / "exchange" / "trainlab" / "outbound" / ASSIGNMENT
                                                          / NOTEBOOK),
                "write into the feedback folder": str(hub_dir / "exchange" / "trainlab" / "feedback" / "x.html"),
                "write into the student files": str(hub_dir / "student" / "trainlab" / "grading.py"),
                "write into the course": str(course / "autograde" / "work" / "x"),
            }
            probe.cells = [nbformat.v4.new_code_cell(PROBE.format(targets=json.dumps(targets), writes=json.dumps(writes)))]
            page = pages[ben]
            page.goto(f"{hub['base']}/user/{ben}/lab?reset")     # her JupyterLab (the feedback page is sandboxed)
            wait_lab(page)
            api(page, hub, ben, "PUT", "contents/probe.ipynb", {"type": "notebook", "format": "json", "content": probe})
            open_notebook(page, hub, ben, "probe.ipynb")
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            out = page.locator(f"{CURRENT} .jp-OutputArea-output", has_text="PROBE ").first
            out.wait_for(state="visible", timeout=120_000)
            _shot(page, "08-ben-tries-to-read")
            seen = json.loads(out.inner_text().split("PROBE ", 1)[1].strip())
            (ARTIFACTS / "isolation.json").write_text(json.dumps(seen, indent=1))
            assert seen.pop("trainlab comes from") == str(hub_dir / "student" / "trainlab")
            readable = {k: v for k, v in seen.items() if v in ("READ", "WRITTEN")}
            assert not readable, f"{ben} could reach: {readable}"
            assert seen["import trainlab.reference"] == "ModuleNotFoundError"
            assert all(v == "PermissionError" for k, v in seen.items() if k != "import trainlab.reference"), seen

            # -- 6. the instructor's JupyterLab has the formgrader ----------------------------
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            page = pages[prof] = ctx.new_page()
            login(page, hub, prof)
            wait_lab(page)
            labels = nbgrader_menu(page)
            assert "Formgrader" in labels and "Assignment List" in labels, labels
            page.get_by_role("menuitem", name="Formgrader", exact=True).click()
            frame = page.frame_locator("iframe").first
            try:
                frame.get_by_text("Manage Assignments").first.wait_for(state="visible", timeout=60_000)
                frame.get_by_text(ASSIGNMENT).first.wait_for(state="visible", timeout=30_000)
                time.sleep(1)
            finally:
                _shot(page, "09-instructor-formgrader")
            for who in (ada, ben):
                assert pages[who].page_errors == [], pages[who].page_errors
        finally:
            browser.close()
    _record(round_trip_s=round(time.perf_counter() - t_all, 1))
