"""The student bundle, end to end, as a new student gets it.

Builds dist/trainlab-student-*.zip (autograde/bundle.py), unpacks it into an empty folder, runs the
student README's set-up command (`make setup`) there with a fresh Python, and in that environment:
runs every released notebook with the correct answers filled in through `python -m trainlab.validate`
(nbgrader's Validator: a fresh kernel from the bundle's .venv runs every cell) and asserts every
visible test passes; checks that the untouched notebook is reported with each failing test; greps the
whole bundle for solution code, hidden tests and the reference answers.

Install source: by default pip reads a local wheelhouse, build/wheelhouse/<python>-<hash of
requirements.txt>/, filled once with `pip download -r requirements.txt` (so repeated runs are offline
and about 1 minute). TRAINLAB_BUNDLE_ONLINE=1 installs from the package indexes instead, exactly as a
student's machine does (about 4 minutes here). Timings go to test-artifacts/bundle/timings.json.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

import harness
from harness import REPO

from autograde import bundle as B
from autograde.course import assignments

pytestmark = pytest.mark.slow

ARTIFACTS = REPO / "test-artifacts" / "bundle"
TIMINGS = {}
MAX_BUNDLE_MB = 25
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")   # colour codes in the jupyter tools' output


def _record(**values):
    TIMINGS.update(values)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, indent=1))


def _released():
    return [a for a in assignments(REPO) if any((REPO / "notebooks" / a).glob("*.ipynb"))]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    t0 = time.perf_counter()
    path = B.build_bundle(REPO, out_dir=out, only=_released())
    _record(bundle_build_s=round(time.perf_counter() - t0, 2), bundle_bytes=path.stat().st_size)
    return path


def _unpack(archive, dest):
    dest.mkdir(parents=True, exist_ok=True)
    assert not any(dest.iterdir())
    with zipfile.ZipFile(archive) as z:
        z.extractall(dest)
    (top,) = list(dest.iterdir())
    return top


def test_bundle_layout(archive, tmp_path):
    top = _unpack(archive, tmp_path / "u")
    size_mb = archive.stat().st_size / 1e6
    print(f"bundle {archive.name}: {size_mb:.2f} MB, built in {TIMINGS['bundle_build_s']} s")
    assert size_mb < MAX_BUNDLE_MB
    for name in ("README.md", "Makefile", "requirements.txt", "pyproject.toml", "nbgrader_config.py",
                 "trainlab/__init__.py", "trainlab/validate.py", "trainlab/widgets.py"):
        assert (top / name).is_file(), f"the bundle lacks {name}"
    assert (top / "requirements.txt").read_text() == (REPO / "requirements.txt").read_text()
    assert (top / "README.md").read_text() == (REPO / "autograde" / "student_README.md").read_text()
    assert not (top / "trainlab" / "reference").exists()
    shipped = {p.relative_to(top / "trainlab") for p in (top / "trainlab").rglob("*.py")}
    expected = {p.relative_to(REPO / "trainlab") for p in (REPO / "trainlab").rglob("*.py")
                if "reference" not in p.relative_to(REPO / "trainlab").parts}
    assert shipped == expected
    if (REPO / "data").is_dir():
        assert (top / "data").is_dir()
    unreleased = sorted(set(assignments(REPO)) - set(_released()))
    assert not unreleased, f"solutions/ has no student release for {unreleased}: run `make release`"
    for a in _released():
        assert any((top / "notebooks" / a).glob("*.ipynb")), f"the bundle lacks notebooks/{a}"


def test_readme_commands_are_the_makefiles():
    """The student README's commands for students without make are exactly what `make setup` runs."""
    readme = (REPO / "autograde" / "student_README.md").read_text()
    block = readme.split("Without `make`, type what it does:", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    typed = [line.strip() for line in block.strip().splitlines()]
    recipe = B.STUDENT_MAKEFILE.split("$(VENV)/.installed:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    made = [line.strip().replace("$(PYTHON)", "python3").replace("$(VENV)", ".venv").replace("$(BIN)", ".venv/bin")
            for line in recipe if line.strip() != "touch $@"]
    assert typed == made


def _make_lab_command(folder, as_user=None):
    """The command `make lab` would run in ``folder`` (make -n), as root or as ``as_user``."""
    make = ["make", "--no-print-directory", "-n", "lab"]       # under `make test`, make[1] prints its directory
    cmd = make if as_user is None else ["runuser", "-u", as_user, "--", *make]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    r = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    return [line for line in r.stdout.strip().splitlines() if not line.startswith("make")][-1]


def test_student_make_lab_runs_as_root_without_the_news_question(tmp_path):
    """The bundle's `make lab`: JupyterLab with no "Jupyter news?" pop-up and no update check (as the hub's),
    and --allow-root exactly when the student is root (JupyterLab refuses root without it)."""
    if not shutil.which("make"):
        pytest.skip("`make` is not installed")
    (tmp_path / "Makefile").write_text(B.STUDENT_MAKEFILE)
    for name in ("requirements.txt", "pyproject.toml"):
        (tmp_path / name).write_text("")
    (tmp_path / ".venv").mkdir()
    os.utime(tmp_path / "requirements.txt", (1, 1))
    os.utime(tmp_path / "pyproject.toml", (1, 1))
    (tmp_path / ".venv" / ".installed").write_text("")         # set up: `make lab` only starts JupyterLab
    line = _make_lab_command(tmp_path)
    assert line.startswith(".venv/bin/jupyter lab ") and "--LabApp.news_url=None" in line
    assert "jupyterlab.NeverCheckForUpdate" in line
    assert ("--allow-root" in line) == (os.geteuid() == 0), line
    if os.geteuid() == 0 and shutil.which("runuser"):
        os.chmod(tmp_path, 0o755)
        assert "--allow-root" not in _make_lab_command(tmp_path, "nobody")


@pytest.mark.slow
def test_instructor_make_lab_starts_as_root_with_news_off(tmp_path):
    """The repository's `make lab`, started for real (as root in CI): JupyterLab answers, and its page
    config turns the news off, so no "Jupyter news?" question is asked."""
    import socket
    import urllib.request
    if not shutil.which("make"):
        pytest.skip("`make` is not installed")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = dict(os.environ, JUPYTER_PORT=str(port), JUPYTER_TOKEN="t", BROWSER="true",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    proc = subprocess.Popen(["make", "lab"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        page, deadline = "", time.time() + 240
        while time.time() < deadline and proc.poll() is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token=t", timeout=10).read().decode()
                break
            except OSError:
                time.sleep(1)
        assert page, f"JupyterLab did not answer: {proc.stdout.read() if proc.poll() is not None else ''}"[-3000:]
        assert re.search(r'"news":\s*\{"disabled":\s*true\}', page)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=60)


def test_bundle_has_no_solution_code(archive, tmp_path):
    top = _unpack(archive, tmp_path / "u")
    # 1. the full scan: markers, reference imports and files, distinctive lines of every solution
    #    region, hidden-test region and reference function body
    assert B.bundle_leaks(top, REPO) == []
    # 2. a plain byte grep, independent of the scanner
    for path in top.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for word in (b"BEGIN SOLUTION", b"END SOLUTION", b"HIDDEN TESTS"):
                assert word not in data, f"{path.relative_to(top)} contains {word!r}"
            if path.suffix != ".py":
                assert b"trainlab.reference" not in data, f"{path.relative_to(top)} mentions trainlab.reference"
    names = [p.relative_to(top).as_posix() for p in top.rglob("*")]
    assert not [n for n in names if "/reference" in n or n.startswith("reference")]
    # 3. the scanner finds what it is meant to find: one planted line from each source of secrets
    secrets = B.secret_lines(REPO)
    origins = {}
    for line, origin in secrets.items():
        origins.setdefault(origin.split(",")[0], line)
    assert any(o.startswith("trainlab/reference/") for o in origins), "no reference module lines to look for"
    planted = top / "notebooks" / "planted.py"
    for origin, line in origins.items():
        planted.write_text(f"x = 1\n    {line}\n")
        found = B.bundle_leaks(top, REPO, secrets)
        assert any("planted.py" in f for f in found), f"a line from {origin} was not detected: {line!r}"
    planted.write_text("from trainlab.reference import activations\n")
    assert any("refers to trainlab.reference" in f for f in B.bundle_leaks(top, REPO, secrets))
    planted.unlink()


# ---------------------------------------------------------------------------------------------
# A fresh install, as the student README says
# ---------------------------------------------------------------------------------------------

def _base_python():
    """The interpreter our .venv was made from: a Python that knows nothing of the repository."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return base if Path(base).exists() else shutil.which("python3")


def _wheelhouse():
    """A local wheel folder with everything requirements.txt resolves to (filled once, kept in build/)."""
    req = (REPO / "requirements.txt").read_bytes()
    key = f"py{sys.version_info.major}{sys.version_info.minor}-{hashlib.sha256(req).hexdigest()[:12]}"
    house = REPO / "build" / "wheelhouse" / key
    if not (house / ".complete").exists():
        tmp = house.with_name(key + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        t0 = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "-r", str(REPO / "requirements.txt"),
                                 "setuptools>=68", "-d", str(tmp)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        (tmp / ".complete").write_text("")
        for stale in house.parent.iterdir():          # wheelhouses of older requirements
            if stale != tmp:
                shutil.rmtree(stale, ignore_errors=True)
        tmp.rename(house)
        _record(wheelhouse_download_s=round(time.perf_counter() - t0, 1))
    return house


def student_env(home):
    """The environment of a student's shell: nothing from this repository's .venv or Jupyter set-up."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX", "MPLBACKEND")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("JUPYTER")}
    venv_bin = str(REPO / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin)
    for name, sub in (("JUPYTER_CONFIG_DIR", "jupyter-config"), ("JUPYTER_DATA_DIR", "jupyter-data"),
                      ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"), ("MPLCONFIGDIR", "mpl"),
                      ("IPYTHONDIR", "ipython")):
        env[name] = str(home / sub)
    env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = "1"
    return env


def run(cmd, cwd, env, timeout=900, log=None):
    t0 = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - t0
    if log:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / log).write_text(f"$ {' '.join(map(str, cmd))}\n# {seconds:.1f} s, exit {result.returncode}\n"
                                     + result.stdout + "\n--- stderr ---\n" + result.stderr)
    return result, seconds


@pytest.fixture(scope="module")
def installed(archive, tmp_path_factory):
    """The bundle unpacked in an empty folder and set up with `make setup`; its .venv is removed afterwards."""
    if not shutil.which("make"):
        pytest.skip("`make` is not installed: the student README's set-up command needs it")
    base = tmp_path_factory.mktemp("student")
    top = _unpack(archive, base / "download")
    env = student_env(base / "home")
    if os.environ.get("TRAINLAB_BUNDLE_ONLINE") != "1":
        env["PIP_NO_INDEX"] = "1"
        env["PIP_FIND_LINKS"] = str(_wheelhouse())
    result, seconds = run(["make", "setup", f"PYTHON={_base_python()}"], top, env, log="setup.log")
    _record(fresh_venv_setup_s=round(seconds, 1),
            install_source="indexes" if os.environ.get("TRAINLAB_BUNDLE_ONLINE") == "1" else "local wheelhouse")
    print(f"make setup in a fresh folder: {seconds:.0f} s ({TIMINGS['install_source']})")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    yield top, env
    # 1.6 GB in ~30k files: removed in the background (shutil.rmtree took 2.5 min under load)
    subprocess.Popen(["rm", "-rf", str(top / ".venv")], start_new_session=True,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


PROBE = """\
import importlib.util, json, sys
import trainlab
print(json.dumps({"prefix": sys.prefix, "trainlab": trainlab.__file__,
                  "reference": importlib.util.find_spec("trainlab.reference") is not None}))
"""


def test_fresh_install_is_the_bundle(installed):
    top, env = installed
    py = top / ".venv" / "bin" / "python"
    # the kernel a notebook gets: the bundle's venv and its trainlab, no reference answers
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    probe = top / "notebooks" / "probe.ipynb"
    nbformat.write(nb, probe)
    code = ("import nbformat, sys; from nbclient import NotebookClient; nb = nbformat.read(sys.argv[1], 4); "
            "NotebookClient(nb, timeout=120, kernel_name='python3').execute(); "
            "print(nb.cells[0].outputs[0]['text'])")
    result, _ = run([str(py), "-c", code, str(probe)], probe.parent, env)
    probe.unlink()
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(seen["prefix"]).resolve() == (top / ".venv").resolve()
    assert Path(seen["trainlab"]).resolve().is_relative_to(top.resolve())
    assert seen["reference"] is False
    # JupyterLab as students use it: widgets and nbgrader's student tools on, instructor tools off
    result, _ = run([str(top / ".venv" / "bin" / "jupyter"), "labextension", "list"], top, env)
    text = ANSI.sub("", result.stdout + result.stderr)
    enabled, _, disabled = text.partition("Disabled extensions:")
    for ext in ("@jupyter-widgets/jupyterlab-manager", "@jupyter/nbgrader"):
        line = next((l for l in enabled.splitlines() if ext + " " in l), "")
        assert "enabled" in line and "OK" in line, f"{ext} is not enabled: {line!r}"
    for plugin in ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"):
        assert plugin in disabled, f"{plugin} should be disabled for students"
    for plugin in ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"):
        assert plugin not in disabled
    result, _ = run([str(top / ".venv" / "bin" / "jupyter"), "server", "extension", "list"], top, env)
    text = ANSI.sub("", result.stdout + result.stderr)
    for ext, state in (("nbgrader.server_extensions.validate_assignment", "enabled"),
                       ("nbgrader.server_extensions.assignment_list", "enabled"),
                       ("nbgrader.server_extensions.formgrader", "disabled")):
        line = next((l for l in text.splitlines() if ext in l), "")
        assert state in line, f"{ext} should be {state}: {line!r}"
    result, _ = run([str(py), "-m", "pip", "check"], top, env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_released_notebook_passes_with_correct_answers(installed):
    top, env = installed
    answered = []
    for a in _released():
        solution = nbformat.read(harness.solution_notebook(a), as_version=4)
        for release_path in sorted((top / "notebooks" / a).glob("*.ipynb")):
            nb = harness.with_answers(nbformat.read(release_path, as_version=4), solution)
            path = release_path.with_name(release_path.stem + "-answered.ipynb")
            nbformat.write(nb, path)
            answered.append(path.relative_to(top))
    result, seconds = run([str(top / ".venv" / "bin" / "python"), "-m", "trainlab.validate", *map(str, answered)],
                          top, env, timeout=3600, log="validate-answered.log")
    _record(validate_answered_s=round(seconds, 1), notebooks=len(answered))
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert result.stdout.count("READY: every visible test passes") == len(answered)
    for path in answered:
        (top / path).unlink()


def test_validate_lists_the_failing_visible_tests(installed):
    top, env = installed
    a = _released()[0]
    release_path = sorted((top / "notebooks" / a).glob("*.ipynb"))[0]
    nb = nbformat.read(release_path, as_version=4)
    tests = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
             if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")]
    # `make validate NOTEBOOK=...`: the README's command, on the untouched student notebook
    result, seconds = run(["make", "validate", f"NOTEBOOK={release_path.relative_to(top)}"], top, env,
                          timeout=1200, log="validate-stub.log")
    _record(validate_stub_s=round(seconds, 1))
    assert result.returncode != 0, "validating an untouched notebook must fail"
    out = result.stdout
    assert "NOT READY" in out
    for gid in tests:   # a prediction not made is a stub, not a failed test (issue 24: one Validate)
        shown = f"STUB  {gid} (prediction)" if gid.startswith("q_") else f"FAIL  {gid} ("
        assert shown in out, f"{gid} is not listed as {shown.split()[0]}:\n{out[-3000:]}"
    assert "NotImplementedError in " in out and "still the stub" in out
    assert "Visible tests: 0 of" in out
