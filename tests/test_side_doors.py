"""Files from a submission cannot reach the grader, the class or another student (issue 22, item 1).

Student code (the kernel, the judge's agent) works in a scratch folder of its own that the grader never
reads; what the grader reads from a student's folder it opens as a regular file without following links
(autograde/submission.py: read_regular, read_folder). The fast tests here prove the reader on every kind
of file; the slow one grades a small class through the real pipeline (nbgrader, bubblewrap as root where
it works) in which answer cells plant links, FIFOs, sockets, hard links and stray notebooks in their
working folder, race the grader with files that change between check and use, and submitted folders
hold the same things, beside an honest correct and an honest wrong submission.
"""
import faulthandler
import hashlib
import os
import shutil
import socket
import sqlite3
import stat
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograde.submission import Unreadable, read_folder, read_regular

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hostile"))
import make_class as mc  # noqa: E402

SECRET = b"root-only-secret-7f3a9c"


# ---------------------------------------------------------------------------------- the reader

def _bind_socket(path):
    """A Unix socket file at ``path`` (bound from its folder: a socket's path is limited to 107 bytes)."""
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(path.name)
    finally:
        os.chdir(cwd)


def _unreadable(path, **kw):
    with pytest.raises(Unreadable) as e:
        read_regular(path, **kw)
    return str(e.value)


def test_reader_takes_regular_files_only(tmp_path):
    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    (tmp_path / "ok.txt").write_bytes(b"fine")
    assert read_regular(tmp_path / "ok.txt") == b"fine"
    os.symlink(secret, tmp_path / "link.html")
    assert "symbolic link" in _unreadable(tmp_path / "link.html")
    os.mkfifo(tmp_path / "fifo.ipynb")
    assert "FIFO" in _unreadable(tmp_path / "fifo.ipynb")          # and it returns at once: never opened
    _bind_socket(tmp_path / "sock.ipynb")
    assert "socket" in _unreadable(tmp_path / "sock.ipynb")
    os.link(secret, tmp_path / "hard.html")
    assert "hard link" in _unreadable(tmp_path / "hard.html")
    (tmp_path / "big.bin").write_bytes(b"x" * 2000)
    assert "too big" in _unreadable(tmp_path / "big.bin", max_bytes=1000)
    assert read_regular(tmp_path / "big.bin", max_bytes=2000) == b"x" * 2000
    if os.geteuid() == 0:
        os.mknod(tmp_path / "null.ipynb", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        assert "device" in _unreadable(tmp_path / "null.ipynb")


def test_folder_reader_names_what_it_skips(tmp_path):
    sub = tmp_path / "sub"
    (sub / "data").mkdir(parents=True)
    (sub / "activations.ipynb").write_bytes(b"{}")
    (sub / "data" / "x.csv").write_bytes(b"1,2")
    (sub / ".ipynb_checkpoints").mkdir()
    (sub / ".ipynb_checkpoints" / "activations-checkpoint.ipynb").write_bytes(b"{}")
    os.symlink(tmp_path, sub / "up")                       # a folder link: not followed
    os.symlink("/etc/passwd", sub / "data" / "passwd")
    os.mkfifo(sub / "pipe")
    files, skipped = read_folder(sub)
    assert files == {"activations.ipynb": b"{}", "data/x.csv": b"1,2"}
    assert sorted(skipped) == ["data/passwd is a symbolic link: not read", "pipe is a FIFO (named pipe): not read",
                               "up is a symbolic link: not read"]
    os.symlink(sub, tmp_path / "linked")
    assert read_folder(tmp_path / "linked") == ({}, ["the submission folder is a symbolic link: nothing read"])
    files, skipped = read_folder(sub, max_files=1)
    assert len(files) == 1 and "more than 1 files" in skipped[-1]


def test_a_file_that_changes_between_check_and_use_is_never_followed(tmp_path):
    """A racer swaps a name between a regular file and a link to a secret: the reader returns the regular
    file's bytes or refuses, never the secret (the kind is checked on the open descriptor itself)."""
    secret = tmp_path / "secret"
    secret.write_bytes(SECRET)
    target = tmp_path / "race.html"
    stop = threading.Event()

    def racer():
        k = 0
        while not stop.is_set():
            k += 1
            tmp = tmp_path / f"new{k % 2}"
            if k % 2:
                tmp.write_bytes(b"plain")
            else:
                os.symlink(secret, tmp)
            os.replace(tmp, target)

    thread = threading.Thread(target=racer)
    thread.start()
    seen = {"plain": 0, "refused": 0}
    try:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                data = read_regular(target)
            except Unreadable:
                seen["refused"] += 1
                continue
            assert data == b"plain"
            seen["plain"] += 1
    finally:
        stop.set()
        thread.join()
    assert seen["plain"] and seen["refused"], seen


def test_student_code_works_in_a_scratch_copy(tmp_path):
    """Sandbox.scratch copies only regular files, hands only the copy to the sandbox uid, and the
    notebook's folder keeps its owner (nbgrader's folder is never given to student code)."""
    from autograde.sandbox import Limits, Sandbox, resolve_mode
    nbdir = tmp_path / "autograded"
    nbdir.mkdir()
    (nbdir / "timestamp.txt").write_bytes(b"2026-01-01 00:00:00")
    os.symlink("/etc/shadow", nbdir / "leak.html")
    os.mkfifo(nbdir / "pipe.ipynb")
    box = Sandbox(resolve_mode("auto"), Limits(), tmp_path / "run", _probe=True)
    try:
        kdir = box.new_kernel_dir()
        work = Path(box.scratch(nbdir, kdir))
        assert sorted(p.name for p in work.iterdir()) == ["timestamp.txt"]
        assert (work / "timestamp.txt").read_bytes() == b"2026-01-01 00:00:00"
        if box.uid is not None:
            assert work.stat().st_uid == box.uid and (work / "timestamp.txt").stat().st_uid == box.uid
        assert nbdir.stat().st_uid == os.geteuid()
        cmd, _ = box.wrap(["python"], cwd=str(nbdir), kdir=kdir, work=str(work))
        if box.mode == "bwrap":     # the copy is what the student's process sees at the notebook's path
            binds = [tuple(cmd[i + 1:i + 3]) for i, arg in enumerate(cmd) if arg == "--bind"]
            assert (str(work), str(nbdir.resolve())) in binds
            assert all(src != str(nbdir.resolve()) for src, _ in binds)
    finally:
        if box._slot_fd is not None:
            os.close(box._slot_fd)


# ---------------------------------------------------------------------------------- a class under attack

LIMITS = dict(cell_s=60, notebook_s=240, memory_mb=2048, output_kb=256)   # generous: a busy CI machine
RUN_LIMIT_S = 900           # the whole run; a FIFO that blocked the class would hang far past it


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _attack(code):
    """A correct submission whose sigmoid answer cell ends with ``code`` (it runs in the kernel and the agent)."""
    return mc._append_to_answer(mc.fill(mc.release(), mc.CORRECT, light=True), "sigmoid", code)


def _working_folder_attacks(paths):
    """{student: notebook} whose answer cells plant things in their working folder."""
    leaks = "\n".join(f"_link({str(target)!r}, {name!r})" for name, target in paths["leaks"].items())
    return {
        # symlinks to what the student must not get, named like feedback and notebooks; the notebook
        # itself replaced by a link to another student's submission
        "a-links": _attack(f"""\
import os
def _link(target, name):
    try:
        os.remove(name)
    except OSError:
        pass
    os.symlink(target, name)
{leaks}
_link({str(paths['other'])!r}, "activations.ipynb")"""),
        # the notebook a link to the gradebook; a FIFO and a socket named like outputs; hard links; a stray
        # notebook that is not JSON; and a racer swapping names between files and links for a minute
        "a-db": _attack(f"""\
import os, socket, threading, time
for _name in ("activations.ipynb", "activations.html", "feedback.html", "zz_pipe.ipynb", "zz_notes.ipynb"):
    try:
        os.remove(_name)
    except OSError:
        pass
os.symlink({str(paths['db'])!r}, "activations.ipynb")
os.mkfifo("activations.html")
_s = socket.socket(socket.AF_UNIX)
_s.bind("feedback.html")
open("mine.txt", "w").write("x")
os.link("mine.txt", "hard.html")
for _target in ({str(paths['db'])!r}, {str(paths['secret'])!r}):
    try:
        os.link(_target, "hard_" + os.path.basename(_target) + ".html")
    except OSError:
        pass
os.mkfifo("zz_pipe.ipynb")
open("zz_notes.ipynb", "w").write("this is not JSON")
def _race():
    end = time.monotonic() + 60
    while time.monotonic() < end:
        for name in ("race.html", "timestamp.txt", "zz_race.ipynb"):
            tmp = name + ".tmp"
            try:
                if int(time.monotonic() * 100) % 2:
                    open(tmp, "w").write("plain")
                else:
                    os.symlink({str(paths['secret'])!r}, tmp)
                os.replace(tmp, name)
            except OSError:
                pass
        time.sleep(0.005)
threading.Thread(target=_race, daemon=True).start()"""),
    }


def _submitted_folder_attacks(submitted, paths):
    """Submitted folders that hold links, a FIFO, a socket, a device, a hard link and a stray notebook."""
    d = submitted / "s-link" / mc.ASSIGNMENT
    d.mkdir(parents=True)
    os.symlink(paths["other"], d / mc.NOTEBOOK)                 # another student's notebook as one's own
    os.symlink(paths["db"], d / "timestamp.txt")
    d = submitted / "s-special" / mc.ASSIGNMENT
    d.mkdir(parents=True)
    os.mkfifo(d / mc.NOTEBOOK)
    _bind_socket(d / "notes.ipynb")
    if os.geteuid() == 0:
        os.mknod(d / "zero.html", 0o600 | stat.S_IFCHR, os.makedev(1, 5))
    d = submitted / "a-db" / mc.ASSIGNMENT                      # beside a notebook that is graded
    os.link(paths["secret"], d / "secret.html")
    (d / "zz_notes.ipynb").write_bytes(b"\x00\x01 not JSON at all")
    os.symlink(paths["reference"], d / "reference.html")


@pytest.fixture(scope="module")
def attacked_class(tmp_path_factory):
    from autograde.pipeline import grade_class
    from autograde.sandbox import resolve_mode
    if resolve_mode("auto") == "rlimit" and os.geteuid() != 0:
        pytest.skip("without bubblewrap or a uid of its own, student code runs as the grader (rlimit mode)")
    tmp = tmp_path_factory.mktemp("side-doors")
    root = tmp / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / mc.ASSIGNMENT, root / "solutions" / mc.ASSIGNMENT)
    work = root / "autograde" / "work"
    submitted = work / "submitted"
    secret = tmp / "root-only.txt"
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    solution = root / "solutions" / mc.ASSIGNMENT / mc.NOTEBOOK
    reference = REPO / "trainlab" / "reference" / "activations.py"
    db = work / "gradebook.db"
    paths = {"secret": secret, "db": db, "reference": reference, "solution": solution,
             "other": submitted / "g-correct" / mc.ASSIGNMENT / mc.NOTEBOOK,
             "leaks": {"leak_reference.html": reference, "leak_solution.html": solution, "leak_db.html": db,
                       "leak_secret.html": secret, "zz_leak.ipynb": db, "leak_dir": root / "solutions"}}
    rel = mc.release()
    honest = {"g-correct": mc.fill(rel, mc.CORRECT, light=True), "g-wrong": mc.fill(rel, mc.WRONG, light=True)}
    attacks = _working_folder_attacks(paths)
    mc.write_class(submitted, {k: {mc.NOTEBOOK: nbformat.writes(v).encode()} for k, v in {**honest, **attacks}.items()})
    _submitted_folder_attacks(submitted, paths)
    watched = {p: (_sha(p), stat.S_IMODE(p.stat().st_mode)) for p in (secret, solution, reference, paths["other"])}

    faulthandler.dump_traceback_later(RUN_LIMIT_S + 300, exit=True)     # a hung class fails instead of hanging CI
    t0 = time.monotonic()
    try:
        records = grade_class(root, workers=2, progress=False, limits=LIMITS, feedback=True)
    finally:
        faulthandler.cancel_dump_traceback_later()
    seconds = time.monotonic() - t0
    by_student = {r["student"]: r for r in records}
    print(f"\nsandbox {sorted({r['sandbox'] for r in records if r.get('sandbox')})}, {seconds:.0f} s")
    for r in records:
        print(f"  {r['student']:12s} {r['score']:5.1f} {r['status']:9s} {r['reason'][:150]}")
    return {"root": root, "work": work, "db": db, "by_student": by_student, "seconds": seconds,
            "watched": watched, "students": set(honest) | set(attacks) | {"s-link", "s-special"}}


@pytest.mark.slow
def test_honest_students_keep_their_exact_grades(attacked_class):
    by = attacked_class["by_student"]
    assert set(by) == attacked_class["students"]          # every submission has its record: none stopped the class
    correct, wrong = by["g-correct"], by["g-wrong"]
    assert correct["status"] == "graded" and correct["reason"] == ""
    assert all(correct["tests"][t][0] == correct["tests"][t][1] for t in mc.ALL_TESTS), correct["tests"]
    assert wrong["status"] == "graded" and all(wrong["tests"][t][0] == 0 for t in mc.ALL_TESTS), wrong["tests"]
    assert correct["score"] == mc.FULL and wrong["score"] == 0.0
    assert attacked_class["seconds"] < RUN_LIMIT_S


@pytest.mark.slow
def test_attacks_earn_what_their_answers_earn_and_no_more(attacked_class):
    by = attacked_class["by_student"]
    for student in ("a-links", "a-db"):                       # correct answers: their points, no error
        assert by[student]["status"] == "graded" and by[student]["score"] == mc.FULL, by[student]
    for student in ("s-link", "s-special"):                  # the notebook is a link / a FIFO: not read
        assert by[student]["status"] == "missing" and by[student]["score"] == 0.0, by[student]
    assert "activations.ipynb is a symbolic link" in by["s-link"]["reason"]
    reason = by["s-special"]["reason"]
    assert "activations.ipynb is a FIFO" in reason and "notes.ipynb is a socket" in reason
    if os.geteuid() == 0:
        assert "zero.html is a device file" in reason
    reason = by["a-db"]["reason"]
    assert "secret.html is a hard link" in reason and "reference.html is a symbolic link" in reason
    assert "extra files ignored" in reason and "zz_notes.ipynb" in reason    # a stray notebook: never parsed


@pytest.mark.slow
def test_no_file_the_grader_did_not_write_reaches_the_course(attacked_class):
    """autograded/ and feedback/ hold only regular files of the grader's own allow-list, with nothing
    read through a link in them; the files aimed at keep their content and mode."""
    work = attacked_class["work"]
    allowed = {"autograded": {mc.NOTEBOOK}, "feedback": {"activations.html", "not_graded.html", "timestamp.txt",
                                                         "submission_secret.txt"}}
    reference = [line.strip() for line in (REPO / "trainlab" / "reference" / "activations.py").read_text().splitlines()
                 if len(line.strip()) > 30 and not line.strip().startswith("#")]
    released = (REPO / "notebooks" / mc.ASSIGNMENT / mc.NOTEBOOK).read_text()
    reference = [line for line in reference if line not in released]
    assert reference
    for kind, names in allowed.items():
        for student in attacked_class["students"]:
            folder = work / kind / student / mc.ASSIGNMENT
            for entry in os.scandir(folder) if folder.is_dir() else []:
                assert entry.name in names, (kind, student, entry.name)
                st = os.lstat(entry.path)
                assert stat.S_ISREG(st.st_mode) and st.st_nlink == 1, (kind, student, entry.name)
                data = Path(entry.path).read_bytes()
                assert SECRET not in data and b"SQLite format 3" not in data, entry.path
                assert not [line for line in reference if line.encode() in data], entry.path
    for path, (digest, mode) in attacked_class["watched"].items():
        assert _sha(path) == digest and stat.S_IMODE(path.stat().st_mode) == mode, path


@pytest.mark.slow
def test_gradebook_intact(attacked_class):
    db = attacked_class["db"]
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        students = {row[0] for row in con.execute("SELECT id FROM student")}
        n_subs = con.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone()[0]
    finally:
        con.close()
    assert students == attacked_class["students"] and n_subs == len(students)
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{db}") as gb:
        scores = {s.student.id: s.score for s in gb.find_assignment(mc.ASSIGNMENT).submissions}
    assert scores == {s: r["score"] for s, r in attacked_class["by_student"].items()}
