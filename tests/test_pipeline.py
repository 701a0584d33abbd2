"""The class-grading pipeline (autograde/pipeline.py and friends).

Fast: reading and repairing submissions, importing LMS exports, the report, the sandbox command line.
Fast: the records (typed, no score in a result file) and the class report's escaping.
Slow (@pytest.mark.slow): a class graded by serial `nbgrader autograde` (the reference), by the
pipeline with 2 workers killed half-way and resumed with 1 worker, and through a real Dask cluster
(a `dask scheduler` and two `dask worker` processes on 127.0.0.1) into a real PostgreSQL server:
identical grades every way.
"""
import copy
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hostile"))
import make_class as mc  # noqa: E402

A = mc.ASSIGNMENT
NB = mc.NOTEBOOK
PY = sys.executable


def make_course(tmp):
    root = Path(tmp) / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / A, root / "solutions" / A)
    (root / "autograde" / "work" / "submitted").mkdir(parents=True)
    return root


def submit(root, student, nb_or_bytes, name=NB):
    d = root / "autograde" / "work" / "submitted" / student / A
    d.mkdir(parents=True, exist_ok=True)
    data = nb_or_bytes if isinstance(nb_or_bytes, bytes) else nbformat.writes(nb_or_bytes).encode()
    (d / name).write_bytes(data)


# ---------------------------------------------------------------------------------- fast

def test_read_notebook_explains_bad_files():
    from autograde.submission import read_notebook
    good = nbformat.writes(mc.release()).encode()
    assert read_notebook(good)[0] is not None
    cases = {b"": "empty", b"%PDF-1.5\n...": "PDF", good[:1000]: "not valid JSON", b"[1, 2]": "not a Jupyter",
             b"PK\x03\x04rest": "zip", b"\x00\x01\x02": "binary"}
    for data, words in cases.items():
        nb, why = read_notebook(data)
        assert nb is None and words in why, (data[:20], why)
    v3 = nbformat.writes(nbformat.convert(mc.release(), 3), version=3).encode()
    nb, notes = read_notebook(v3)
    assert nb is not None and "nbformat 3" in notes[0]


def test_repair_restores_graded_cells_and_reports_each_change():
    from autograde.submission import Layout, repair
    rel = mc.release()
    layout = Layout(nbformat.writes(rel))
    nb = json.loads(nbformat.writes(mc.fill(rel, mc.CORRECT)))
    cells = nb["cells"]
    ids = [(c["metadata"].get("nbgrader") or {}).get("grade_id") for c in cells]
    del cells[ids.index("test_relu")]                                       # deleted test
    ids = [(c["metadata"].get("nbgrader") or {}).get("grade_id") for c in cells]
    cells.insert(ids.index("test_tanh") + 1, copy.deepcopy(cells[ids.index("test_tanh")]))   # duplicated
    ids = [(c["metadata"].get("nbgrader") or {}).get("grade_id") for c in cells]
    cells[ids.index("test_elu")]["source"] = "print('passed')"            # edited
    cells[ids.index("test_maxout")]["metadata"]["nbgrader"]["points"] = 99  # points changed
    i, j = ids.index("test_sigmoid"), ids.index("test_leaky_relu")         # reordered
    cells[i], cells[j] = cells[j], cells[i]
    repaired, notes = repair(nb, layout)
    text = " ".join(notes)
    for words in ["test_relu' was deleted", "appears twice", "test_elu' was edited", "points 99 -> 3", "order"]:
        assert words in text, (words, notes)
    got = [c.metadata.get("nbgrader", {}).get("grade_id") for c in repaired.cells
           if c.metadata.get("nbgrader", {}).get("grade_id")]
    assert got == layout.ids


def test_redefinition_outside_answer_cell_is_noted_and_costs_nothing():
    """Only answer cells are graded (the judge runs them alone), so a redefinition elsewhere changes nothing."""
    from autograde.submission import Layout, repair
    rel = mc.release()
    layout = Layout(nbformat.writes(rel))
    nb = json.loads(nbformat.writes(mc.fill(rel, mc.CORRECT, light=True)))
    ids = [(c["metadata"].get("nbgrader") or {}).get("grade_id") for c in nb["cells"]]
    nb["cells"].insert(ids.index("relu") + 1, nbformat.v4.new_code_cell("def relu_forward(x):\n    return x, x\n"))
    nb["cells"].append(nbformat.v4.new_code_cell("def tanh_forward(x):\n    return x, x\n"))
    _, notes = repair(nb, layout)
    assert sum("outside answer cell" in n and "only the answer cell's version is graded" in n for n in notes) == 2


def test_prepare_recognises_wrong_missing_renamed_and_extra_files():
    from autograde.submission import prepare
    release = {NB: nbformat.writes(mc.release())}
    good = nbformat.writes(mc.fill(mc.release(), mc.CORRECT)).encode()
    p = prepare({"activations (1).ipynb": good, "helper.py": b"x = 1"}, release)
    assert p.notebooks[NB]["status"] == "ok" and any("graded as" in n for n in p.notes)
    assert any("helper.py" in n for n in p.notes)
    p = prepare({}, release)
    assert p.notebooks[NB]["status"] == "missing"
    other = json.loads(good)
    for c in other["cells"]:
        if c["metadata"].get("nbgrader"):
            c["metadata"]["nbgrader"]["grade_id"] = "x_" + c["metadata"]["nbgrader"]["grade_id"]
    p = prepare({NB: json.dumps(other).encode()}, release, {"02_other/other": ["x_setup", "x_relu"]})
    assert p.notebooks[NB]["status"] == "invalid" and "02_other/other" in p.notebooks[NB]["notes"][0]


def test_import_nbgrader_layout_flat_lms_export_and_zip(tmp_path):
    from autograde.importer import import_submissions
    root = make_course(tmp_path)
    good = nbformat.writes(mc.fill(mc.release(), mc.CORRECT)).encode()
    src = tmp_path / "export"
    (src / "submitted" / "amy" / A).mkdir(parents=True)
    (src / "submitted" / "amy" / A / NB).write_bytes(good)
    (src / "submitted" / "amy" / A / "timestamp.txt").write_text("2026-11-20 10:00:00")
    (src / "jdoe_12345_assignsubmission_file_activations.ipynb").write_bytes(good)
    (src / "doejane_late_555_666_activations-1.ipynb").write_bytes(good)
    (src / "random_notes.txt").write_text("?")
    (src / "smith_42_homework.ipynb").write_bytes(good)
    report = import_submissions(src, root)
    placed = {(s, a, n) for s, a, n, _ in report.placed}
    assert {("amy", A, NB), ("amy", A, "timestamp.txt"), ("jdoe", A, NB), ("doejane", A, NB)} <= placed
    unplaced = dict(report.unplaced)
    assert "random_notes.txt" in unplaced and "smith_42_homework.ipynb" in unplaced
    assert (root / "autograde" / "work" / "submitted" / "jdoe" / A / NB).read_bytes() == good
    # the same export as a zip: everything is already there and unchanged
    zpath = tmp_path / "export.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in src.rglob("*"):
            if p.is_file():
                zf.write(p, p.relative_to(src))
        zf.writestr("../evil.ipynb", good)
    report = import_submissions(zpath, root)
    assert all(state == "same" for *_, state in report.placed)
    assert any("escapes" in why for _, why in report.unplaced)
    assert "could not place" in report.summary()


def test_summary_pass_rates_and_histogram(tmp_path):
    from autograde import report
    records = [
        {"student": "a", "assignment": A, "score": 16.0, "max_score": 16.0, "status": "graded", "reason": "",
         "tests": {"t1": (3.0, 3.0), "t2": (13.0, 13.0)}},
        {"student": "b", "assignment": A, "score": 3.0, "max_score": 16.0, "status": "graded", "reason": "",
         "tests": {"t1": (3.0, 3.0), "t2": (0.0, 13.0)}},
        {"student": "c", "assignment": A, "score": 0.0, "max_score": 16.0, "status": "timeout",
         "reason": "cell 3 ran past the time limit", "tests": {"t1": (0.0, 3.0), "t2": (0.0, 13.0)}},
    ]
    rates = report.pass_rates(records)
    assert [r[1] for r in rates] == ["t2", "t1"] and rates[0][3:] == (1, 3)
    text = report.summary(records)
    assert "3 submissions from 3 students" in text and "timeout" in text and "33.3%" in text
    png = report.histogram(records, tmp_path / "h.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_records_are_typed_and_result_files_hold_no_score(tmp_path):
    """A result file keeps what the gradebook cannot (status, reason, hash, diagnosis ids), never a score;
    a record with a wrong type or an unknown key is refused at once."""
    from autograde.course import Course
    from autograde.records import Result, TestScore, make_record
    from autograde.store import load_record, save_record
    out = {"student": "ada", "assignment": A, "hash": "h", "notebooks": {"activations": "ok"}, "events": [],
           "notes": ["a note"], "sandbox": None}
    record = make_record(out, {"t1": (3.0, 3.0), "w": (0.0, 2.0)}, 5.0, pending=["w"])
    assert record.score == 3.0 and record.pending == ["w"] and record.pending_points == 2.0 and not record.final
    assert record.tests["t1"].state == "passed" and record.tests["w"].state == "pending"
    course = Course(make_course(tmp_path))
    save_record(course, record)
    saved = json.loads((course.results / A / "ada.json").read_text())
    assert not {"score", "max_score", "tests", "pending"} & set(saved), saved
    assert load_record(course, "ada", A) == record.result
    with pytest.raises(TypeError):
        Result(student="ada", assignment=A, status="graded", seconds="slow")
    with pytest.raises(ValueError):
        Result(student="ada", assignment=A, status="fine")
    with pytest.raises(ValueError):
        Result.from_json(dict(saved, diagnosis_sentences={}))
    with pytest.raises(TypeError):
        TestScore("3", 3.0)


def test_class_report_escapes_what_comes_from_submissions(tmp_path):
    """Names, reasons and diagnoses come from submissions and LMS exports: the HTML shows them as text."""
    from autograde import class_report
    from autograde.records import Result, TestScore, with_scores
    evil = "<script>alert('x')</script>"
    result = Result(student="mallory", assignment=A, status="crashed", reason=f"cell printed {evil}",
                    diagnoses={"t1": f"{evil} as a mistake"})
    records = [with_scores(result, {"t1": TestScore(0.0, 3.0), "w": TestScore(0.0, 2.0, pending=True)}, 5.0,
                           name=f"Mallory {evil}")]
    page = class_report.write_html(records, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "Mallory &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page           # the name, as text
    assert "cell printed &lt;script&gt;" in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; as a" in page
    assert "so far" in page and "w (2 points)" in page                                  # pending, not zero


def test_sandbox_command_line(tmp_path):
    from autograde.sandbox import Limits, Sandbox, _bwrap_problem, resolve_mode
    mode = resolve_mode("auto")
    assert mode in ("bwrap", "rlimit")
    if shutil.which("bwrap"):   # installed (CI installs it): then it must work, or grading silently loses isolation
        assert mode == "bwrap", f"bubblewrap is installed but unusable: {_bwrap_problem()}"
    os.environ["TRAINLAB_GRADER_ONLY"] = "x"
    try:
        box = Sandbox(mode, Limits(memory_mb=1024, nproc=50), tmp_path, _probe=True)
        kdir = box.new_kernel_dir()
        cmd, env = box.wrap(["python", "-m", "ipykernel_launcher"], cwd=str(tmp_path), kdir=kdir)
    finally:
        del os.environ["TRAINLAB_GRADER_ONLY"]
    assert f"--as={1024 << 20}" in cmd and "--nproc=50" in cmd and cmd[-3:] == ["python", "-m", "ipykernel_launcher"]
    assert env["OMP_NUM_THREADS"] == "1" and "JPY_PARENT_PID" not in env and "TRAINLAB_GRADER_ONLY" not in env
    if mode == "bwrap":
        assert "--unshare-net" in cmd and "--unsetenv" in cmd
        # trainlab is a copy without its reference answers, bound where the package is
        (copy, package), = box.package_binds
        assert cmd[cmd.index(copy) - 1:cmd.index(copy) + 2] == ["--ro-bind", copy, package]
        assert (Path(copy) / "grading.py").exists() and not (Path(copy) / "reference").exists()
    if os.geteuid() == 0:
        assert f"--reuid={box.uid}" in cmd and box.uid >= 1_000_000


# ---------------------------------------------------------------------------------- slow

def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


SLOW = "import time\ntime.sleep(25)"
DRAWS = "import random\nprint('draws', np.random.rand(), random.random())"


def _class():
    """ada and dan: correct (dan keeps the experiments); ben: buggy; cleo: the release. ada and dan also
    draw from the global random generators in an extra cell: seeded per cell, they must print the same."""
    rel = mc.release()
    out = {"ada": mc.fill(rel, mc.CORRECT, light=True), "ben": mc.fill(rel, mc.BUGGY, light=True),
           "cleo": mc.fill(rel, {}, light=True), "dan": mc.fill(rel, mc.CORRECT)}
    for student in ("ada", "dan"):
        at = next(i for i, c in enumerate(out[student].cells) if mc.gid(c) == "setup") + 1
        out[student].cells.insert(at, nbformat.v4.new_code_cell(DRAWS))
    return out


def _draws(root, student):
    nb = nbformat.read(str(root / "autograde" / "work" / "autograded" / student / A / NB), as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.source == DRAWS)
    return "".join(o.get("text", "") for o in cell.outputs)


def _nbgrader_scores(db_url):
    from nbgrader.api import Gradebook
    out = {}
    with Gradebook(db_url) as gb:
        for sub in gb.find_assignment(A).submissions:
            out[sub.student.id] = {g.name: (g.score or 0.0) for nb in sub.notebooks for g in nb.grades}
    return out


def _record_scores(records):
    return {r["student"]: {t: s for t, (s, _) in r["tests"].items()} for r in records}


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A course with the class submitted, and the grades serial `nbgrader autograde` gives it."""
    tmp = tmp_path_factory.mktemp("class")
    ref_root = make_course(tmp / "ref")
    for student, nb in _class().items():
        submit(ref_root, student, nb)
    shutil.copy(REPO / "nbgrader_config.py", ref_root / "nbgrader_config.py")
    nbgrader = os.path.join(os.path.dirname(PY), "nbgrader")
    env = dict(os.environ, PATH=os.path.dirname(PY) + os.pathsep + os.environ.get("PATH", ""))
    for args in (["generate_assignment", A, "--force"], ["autograde", A, "--force"]):
        r = subprocess.run([nbgrader, *args], cwd=ref_root, env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-3000:]
    reference = _nbgrader_scores("sqlite:///" + str(ref_root / "autograde" / "work" / "gradebook.db"))
    assert reference["ada"] == reference["dan"] and sum(reference["ada"].values()) == mc.FULL
    root = make_course(tmp / "pipeline")
    for student, nb in _class().items():
        if student == "dan":   # slow, so that a run killed when the first result lands is surely mid-way
            nb.cells.insert(1, nbformat.v4.new_code_cell(SLOW))
        submit(root, student, nb)
    return root, reference


@pytest.mark.slow
def test_interrupted_parallel_run_resumes_with_identical_grades(graded_class):
    from autograde.pipeline import grade_class
    root, reference = graded_class
    results = root / "autograde" / "work" / "results" / A
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
            f"from autograde.pipeline import grade_class\n"
            f"grade_class({str(root)!r}, workers=2, progress=False)\n")
    proc = subprocess.Popen([PY, "-c", code], start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and not (results.is_dir() and any(results.glob("*.json"))):
        time.sleep(0.2)
        assert proc.poll() is None, "the grading run ended before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)      # the master and its workers, mid-run
    proc.wait()
    done_before = {p.name: p.stat().st_mtime for p in results.glob("*.json")}
    assert 1 <= len(done_before) < 4
    db = root / "autograde" / "work" / "gradebook.db"
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    records = grade_class(root, workers=1, progress=False)
    assert {p.name: p.stat().st_mtime for p in results.glob("*.json") if p.name in done_before} == done_before
    assert _record_scores(records) == reference
    assert _nbgrader_scores(f"sqlite:///{db}") == reference
    assert all(r["status"] == "graded" for r in records), [r["reason"] for r in records]
    assert _draws(root, "ada") == _draws(root, "dan") and "draws 0." in _draws(root, "ada")
    # unchanged: nothing regraded; one changed submission: only it
    stamps = {p.name: p.stat().st_mtime for p in results.glob("*.json")}
    again = grade_class(root, workers=2, progress=False)
    assert again == records and {p.name: p.stat().st_mtime for p in results.glob("*.json")} == stamps
    submit(root, "cleo", mc.fill(mc.release(), mc.BUGGY, light=True))
    before = {p.name: p.stat().st_mtime for p in results.glob("*.json")}
    final = grade_class(root, workers=2, progress=False)
    changed = {p.name for p in results.glob("*.json") if p.stat().st_mtime != before[p.name]}
    assert changed == {"cleo.json"}
    assert _record_scores(final)["cleo"] == reference["ben"]
    from autograde.report import export_csv
    grades, tests = export_csv(root, root / "export")
    rows = grades.read_text().splitlines()
    assert rows[0].startswith("student,assignment,notebook,score") and len(rows) == 5
    assert len(tests.read_text().splitlines()) == 1 + 4 * len(mc.GRADED)


class _Postgres:
    """A throw-away PostgreSQL server (Debian's postgresql package), run as the postgres user when root."""

    def __init__(self):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = bins[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="trainlab-pg-"))
        os.chmod(self.dir, 0o755)
        self.port = _free_port()
        self.as_user = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.run("initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "postgres")
        self.run("pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "-o",
                 f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1", "start")
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "grades")
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/grades"

    def run(self, tool, *args):
        r = subprocess.run([*self.as_user, str(self.bin / tool), *args], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

    def stop(self):
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "-D", f"{self.dir}/data", "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.mark.slow
def test_dask_cluster_into_postgresql_gives_the_same_grades(graded_class):
    from distributed import Client

    from autograde.pipeline import grade_class
    _, reference = graded_class
    root = make_course(Path(tempfile.mkdtemp(prefix="trainlab-dask-")))   # a fresh copy of the class
    for student, nb in _class().items():
        submit(root, student, nb)
    pg = _Postgres()
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    dask = os.path.join(os.path.dirname(PY), "dask")
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen(
                [dask, "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "1",
                 "--nthreads", "1", "--no-dashboard", "--memory-limit", "0"], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(f"tcp://127.0.0.1:{port}", timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        records = grade_class(root, scheduler=f"tcp://127.0.0.1:{port}", db_url=pg.url, force=True, progress=False)
        assert _record_scores(records) == reference
        assert _nbgrader_scores(pg.url) == reference
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        pg.stop()
        shutil.rmtree(root.parent, ignore_errors=True)
