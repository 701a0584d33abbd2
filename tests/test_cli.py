"""The instructor's command line as a newcomer types it (python -m autograde ...).

Every command runs as a subprocess with the venv's python and a bare PATH (no activated venv): a user
mistake must end with exactly one line on stderr, a non-zero status, and no traceback.
Slow (@pytest.mark.slow): the release is rebuilt only when solutions/ changed; the demo's feedback
pages render their markdown (no raw "# " headings, no mangled $...$); a second `grade` says that
nothing is new; `export` writes the LMS files with the LMS ids.
"""
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hostile"))
import make_class as mc  # noqa: E402

A, NB = mc.ASSIGNMENT, mc.NOTEBOOK
PY = sys.executable
SOLUTIONS = REPO / "solutions"
BARE_ENV = {"HOME": os.environ.get("HOME", "/tmp"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def make_course(tmp):
    root = Path(tmp) / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copytree(SOLUTIONS / A, root / "solutions" / A)
    return root


@pytest.fixture
def root(tmp_path):
    return make_course(tmp_path)


def cli(root, *args, timeout=300, env=None):
    return subprocess.run([PY, "-m", "autograde", "--root", str(root), *map(str, args)], cwd=str(REPO),
                          capture_output=True, text=True, timeout=timeout, env=env or BARE_ENV)


def one_line_error(r, *words):
    """The run failed with one line on stderr (holding every word) and no traceback anywhere."""
    assert r.returncode not in (0, None), (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert "Traceback" not in r.stderr + r.stdout, r.stderr[-3000:]
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def good_zip(path, students=("ada",)):
    nb = nbformat.writes(mc.fill(mc.release(), mc.CORRECT)).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for i, s in enumerate(students):
            zf.writestr(f"{s}_{1000 + i}_{NB}", nb)
    return path


# ---------------------------------------------------------------------------------- fast

def test_wrong_paths_are_one_line(root, tmp_path):
    one_line_error(cli(root, "import", tmp_path / "nope.zip"), "no such file or folder", "nope.zip")
    (tmp_path / "grades.pdf").write_bytes(b"%PDF-1.4 not a zip")
    one_line_error(cli(root, "import", tmp_path / "grades.pdf"), "not a zip file", "a PDF")
    whole = good_zip(tmp_path / "whole.zip", ["ada", "ben", "cleo"])
    (tmp_path / "cut.zip").write_bytes(whole.read_bytes()[:-200])
    one_line_error(cli(root, "import", tmp_path / "cut.zip"), "truncated")
    one_line_error(cli(root, "import"), "required: source")
    one_line_error(cli(root, "grade", "--workers", "two"), "invalid int value")
    one_line_error(cli(tmp_path / "elsewhere", "grade"), "not a course folder")


def test_all_with_a_wrong_zip_fails_before_building_the_release(root, tmp_path):
    t0 = time.perf_counter()
    r = cli(root, "all", tmp_path / "Downloads" / "export.zip")
    one_line_error(r, "no such file or folder")
    assert "Building" not in r.stdout and not (root / "notebooks").exists()
    assert time.perf_counter() - t0 < 30


def test_nothing_imported_nothing_graded(root):
    r = cli(root, "grade")
    one_line_error(r, "nothing to grade yet", "import them first")
    assert "Graded in" not in r.stdout and "No submissions found" not in r.stdout
    assert not (root / "autograde" / "work" / "reports" / "scores.png").exists()
    one_line_error(cli(root, "grade", "99_nope"), "no assignment '99_nope'")
    one_line_error(cli(root, "export"), "nothing graded yet")
    one_line_error(cli(root, "feedback"), "nothing graded yet")


def test_a_second_run_is_refused_while_one_holds_the_lock(root, tmp_path):
    holder = subprocess.Popen([PY, "-c", "import sys, time\nfrom autograde.lock import course_lock\n"
                                         "with course_lock(sys.argv[1], 'grade'):\n"
                                         "    print('held', flush=True)\n    time.sleep(120)\n", str(root)],
                              cwd=str(REPO), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        line = one_line_error(cli(root, "import", good_zip(tmp_path / "a.zip")), "another run is going",
                              f"pid {holder.pid}", "(grade, started")
        assert "autograde/work/lock" in line
    finally:
        holder.kill()
        holder.wait()
    r = cli(root, "import", tmp_path / "a.zip")     # the kernel released the lock with its holder
    assert r.returncode == 0, r.stderr
    assert (root / "autograde" / "work" / "submitted" / "ada" / A / NB).exists()


def test_a_full_disk_is_one_line(root, tmp_path):
    script = ("import errno, os, sys\n"
              "def full(src, dst, **kw):\n"
              "    raise OSError(errno.ENOSPC, 'No space left on device', str(dst))\n"
              "os.replace = full\n"
              "from autograde.__main__ import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    r = subprocess.run([PY, "-c", script, "--root", str(root), "import", str(good_zip(tmp_path / "a.zip"))],
                       cwd=str(REPO), capture_output=True, text=True, timeout=120, env=BARE_ENV)
    one_line_error(r, "the disk is full", "free some space")


def test_import_reports_in_one_summary_and_exits_nonzero_when_nothing_fits(root, tmp_path):
    z = tmp_path / "junk.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hello")
    r = cli(root, "import", z)
    one_line_error(r, "nothing was imported")
    assert "readme.txt: not a notebook" in r.stdout


def test_samples_are_the_release_with_each_students_answers():
    r = subprocess.run([PY, str(REPO / "tools" / "make_samples.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    release = nbformat.read(str(REPO / "notebooks" / A / NB), as_version=4)
    for student in ("ada", "ben", "cleo"):
        nb = nbformat.read(str(REPO / "autograde" / "samples" / "submitted" / student / A / NB), as_version=4)
        def prose(notebook):     # the markdown a student does not write (written answers are theirs)
            return [c.source for c in notebook.cells if c.cell_type == "markdown"
                    and not c.metadata.get("nbgrader", {}).get("solution")]
        assert prose(nb) == prose(release), student
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                assert not re.search(r"^# (#|\$)", cell.source, re.M), (student, cell.source[:80])


# ---------------------------------------------------------------------------------- slow

@pytest.mark.slow
def test_release_is_rebuilt_only_when_solutions_change(root):
    r = cli(root, "build")
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"[1/1] {A} (no release yet)" in r.stdout and f"[1/1] {A} done in" in r.stdout
    hashes = json.loads((root / "notebooks" / ".release-hashes.json").read_text())["assignments"]
    assert set(hashes) == {A}
    t0 = time.perf_counter()
    r = cli(root, "build")
    assert r.returncode == 0 and "up to date" in r.stdout and "Building" not in r.stdout
    assert time.perf_counter() - t0 < 20
    src = root / "solutions" / A / NB
    nb = nbformat.read(str(src), as_version=4)
    nb.cells[0].source += "\n"
    nbformat.write(nb, str(src))
    r = cli(root, "build")
    assert r.returncode == 0 and "(solutions changed)" in r.stdout, r.stdout
    (root / "notebooks" / A / NB).write_text((root / "notebooks" / A / NB).read_text() + " ")
    r = cli(root, "build")
    assert "(notebooks/ edited since it was built)" in r.stdout, r.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`python -m autograde demo` on a course copy (bare PATH), run once for the whole suite; then `grade`
    again and `export` on the demo's own course. Returns (root, demo, again, export, demo course root)."""
    root = make_course(tmp_path_factory.mktemp("demo"))
    r = cli(root, "demo", "--workers", "2", timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    droot = root / "autograde" / "work" / "demo"
    again = cli(droot, "grade", "--workers", "2", "--quiet", timeout=900)
    export = cli(droot, "export")
    return root, r, again, export, droot


class _Rendered(HTMLParser):
    """Text of the rendered markdown cells of an nbconvert page: (tag, text, inside code) per block."""

    BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "pre", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0          # > 0 inside a rendered markdown cell (div nesting level)
        self.code = 0
        self.blocks = []
        self.tag = None
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "script":
            self.scripts.append(dict(attrs).get("src") or "")
        if tag == "div":
            if self.depth:
                self.depth += 1
            elif "text_cell_render" in cls or "jp-RenderedMarkdown" in cls:
                self.depth = 1
        if self.depth and tag in ("code", "pre"):
            self.code += 1
        if self.depth and tag in self.BLOCKS:
            self.tag = tag
            self.blocks.append([tag, "", bool(self.code)])

    def handle_endtag(self, tag):
        if tag == "div" and self.depth:
            self.depth -= 1
        if self.depth and tag in ("code", "pre"):
            self.code = max(0, self.code - 1)

    def handle_data(self, data):
        if self.depth and self.blocks:
            self.blocks[-1][1] += data


def _math_spans(text):
    return re.findall(r"\$\$.+?\$\$|\$[^$\n]+?\$", text, re.S)


@pytest.mark.slow
def test_demo_feedback_renders_markdown_and_math(demo):
    root, droot = demo[0], demo[4]
    release = nbformat.read(str(root / "notebooks" / A / NB), as_version=4)
    spans = [s for c in release.cells if c.cell_type == "markdown" for s in _math_spans(c.source)]
    assert len(spans) > 10
    pages = sorted((droot / "autograde" / "work" / "feedback").glob(f"*/{A}/*.html"))
    assert len(pages) == 3, pages
    for page in pages:
        parser = _Rendered()
        parser.feed(page.read_text(encoding="utf-8"))
        blocks = parser.blocks
        assert len(blocks) > 20, page
        for tag, text, in_code in blocks:
            if in_code:
                continue
            assert not text.strip().startswith("#"), f"{page}: raw markdown shown as text: <{tag}> {text[:80]!r}"
            assert not re.search(r"^\s*# ", text, re.M), f"{page}: a line starting with '# ': {text[:80]!r}"
        # math is written as MathML when the page is made (autograde/feedback_page.py): it draws offline, no script
        rendered = html.unescape(" ".join(text for _, text, in_code in blocks if not in_code))
        left = _math_spans(rendered)
        assert not left, f"{page}: math left as $...$ (no MathJax here to draw it): {left[:3]}"
        assert page.read_text(encoding="utf-8").count("<math") >= len(spans), f"{page}: fewer <math> than formulas"
        assert parser.scripts == [], f"{page}: a feedback page runs no script: {parser.scripts[:3]}"


@pytest.mark.slow
def test_demo_feedback_pages_carry_no_grader_warning(demo):
    for page in sorted((demo[4] / "autograde" / "work" / "feedback").glob(f"*/{A}/*.html")):
        text = page.read_text(encoding="utf-8")
        for warning in ("Permission denied", "serial mode", "UserWarning", "DeprecationWarning"):
            assert warning not in text, f"{page}: {warning}"


@pytest.mark.slow
def test_demo_grades_in_its_own_course_then_nothing_new_then_lms_export(demo):
    root, first, again, export, droot = demo
    rows = {ln.split()[0]: ln for ln in first.stdout.splitlines() if ln.startswith(("ada ", "ben ", "cleo "))}
    assert "19.0 /  21  graded   -   (so far; to grade by hand: explain_dead_relu, 2 pts)" in rows["ada"]
    assert "10.0 /  21  graded   q_zero_centred, test_leaky_relu, test_maxout, test_sigmoid" in rows["ben"]  # PReLU keeps its point
    assert " 0.0 /  21  graded" in rows["cleo"] and "so far" not in rows["cleo"]    # a blank answer: 0, not pending
    assert "2 written answers (4 points) await a grade by hand" in first.stdout
    rate = next(ln for ln in first.stdout.splitlines() if "explain_dead_relu" in ln and "%" in ln)   # pass rates
    assert "(0/1)" in rate and "2 pending" in rate, rate                   # cleo's blank 0; ada's and ben's wait
    assert "Per-test pass rates, lowest first" in first.stdout
    # a course of its own: nothing of the demo in the instructor's class
    work = root / "autograde" / "work"
    assert not (work / "submitted").exists() and not (work / "reports").exists()
    from nbgrader.api import Gradebook                       # `build` records the assignments there: no students
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
        assert not gb.students
    assert f"rm -rf {droot}" in first.stdout
    reports = droot / "autograde" / "work" / "reports"
    assert (reports / "scores.png").stat().st_size > 1000
    assert len(list((droot / "autograde" / "work" / "feedback").glob(f"*/{A}/*.html"))) == 3
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Nothing new to grade" in again.stdout and "Graded" not in again.stdout
    assert export.returncode == 0, export.stderr[-2000:]
    assert export.stdout.count("Class report") == 1 and "ada " in export.stdout   # the grade table, the report once
    header = (reports / "grades.csv").read_text().splitlines()[0]
    assert header == ("student,assignment,notebook,score,max_score,pending_points,score_is,status,reason,lms_name,"
                      "lms_id")
    ada = next(ln for ln in (reports / "grades.csv").read_text().splitlines() if ln.startswith("ada,"))
    assert ",19,21,2,so far,graded," in ada, ada
    tests = (reports / "tests.csv").read_text().splitlines()
    assert any(ln.startswith(f"ada,{A},activations,explain_dead_relu,pending,,2,,") for ln in tests), tests[:3]
    canvas = (reports / "canvas_grades.csv").read_text().splitlines()
    assert canvas[0].startswith("Student,ID,SIS User ID,SIS Login ID,Section," + A)
    assert canvas[1].startswith("Points Possible,") and len(canvas) == 5
    assert "canvas_grades.csv" in export.stdout and "moodle_grades.csv" in export.stdout
    assert "so far" in export.stdout and "await a grade by hand" in export.stdout     # what is uploaded, said
    quiet = cli(droot, "export", "--quiet")
    assert quiet.returncode == 0 and "ada " not in quiet.stdout and "canvas_grades.csv" in quiet.stdout, quiet.stderr


@pytest.mark.slow
def test_imported_lms_ids_reach_grades_csv_and_canvas(demo, tmp_path):
    droot = demo[4]
    z = good_zip(tmp_path / "export.zip", ["zoe"])
    assert cli(droot, "import", z).returncode == 0
    r = cli(droot, "grade", "--student", "zoe", "--workers", "1", "--quiet", timeout=900)
    assert r.returncode == 0 and "Graded 1 submission" in r.stdout, r.stdout[-2000:] + r.stderr[-2000:]
    reports = droot / "autograde" / "work" / "reports"
    page = (reports / "class_report.html").read_text(encoding="utf-8")
    assert "4 student(s)" in page, "grade --student zoe rewrote the class report for zoe alone"
    assert cli(droot, "export").returncode == 0
    zoe = [ln for ln in (reports / "grades.csv").read_text().splitlines() if ln.startswith("zoe,")]
    assert zoe and zoe[0].endswith(",zoe,1000")
    assert any(ln.startswith("zoe,1000,,,,") for ln in (reports / "canvas_grades.csv").read_text().splitlines())
