"""The importer against hostile archives and awkward names (autograde/importer.py), and the LMS files
(autograde/lms.py). Fast: no notebook is run.

Every archive here is written by the test itself (zipfile, plus byte patches for forged headers).
Each case checks that the bad entry is reported with its reason and skipped, and that the good
entries beside it are imported intact.
"""
import json
import os
import shutil
import struct
import sys
import unicodedata
import zipfile
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "hostile"))
import make_class as mc  # noqa: E402

from autograde.importer import (ImportLimits, SourceError, check_notebook, folder_for, import_submissions,  # noqa: E402
                                name_problem, parse_lms_prefix)

A, NB = mc.ASSIGNMENT, mc.NOTEBOOK
GOOD = nbformat.writes(mc.fill(mc.release(), mc.CORRECT)).encode()
OTHER = nbformat.writes(mc.fill(mc.release(), mc.BUGGY)).encode()
MB = 1 << 20


@pytest.fixture
def root(tmp_path):
    root = tmp_path / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copytree(REPO / "solutions" / A, root / "solutions" / A)
    return root


def submitted(root):
    return root / "autograde" / "work" / "submitted"


def roster(root):
    return json.loads((root / "autograde" / "work" / "students.json").read_text(encoding="utf-8"))["students"]


def write_zip(path, entries, compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def forge_sizes(path, sizes):
    """Rewrite the uncompressed size the central directory declares for some entries: {name: size}."""
    data = bytearray(Path(path).read_bytes())
    i = data.find(b"PK\x01\x02")
    while i >= 0:
        n_len, x_len, c_len = struct.unpack("<HHH", data[i + 28:i + 34])
        name = data[i + 46:i + 46 + n_len].decode()
        if name in sizes:
            data[i + 24:i + 28] = struct.pack("<I", sizes[name])
        i = data.find(b"PK\x01\x02", i + 46 + n_len + x_len + c_len)
    Path(path).write_bytes(bytes(data))


def reasons(report):
    return dict(report.unplaced)


def test_zip_bomb_by_ratio_is_refused_before_unpacking(root, tmp_path):
    zero = b"\0" * (40 * MB)       # 40 MB that packs to ~40 kB: ratio ~1000:1
    z = write_zip(tmp_path / "bomb.zip", {f"bomb{i}/{A}/{NB}": zero for i in range(3)} |
                  {f"ada/{A}/{NB}": GOOD})
    assert z.stat().st_size < MB
    report = import_submissions(z, root)
    why = reasons(report)
    assert all("zip bomb" in why[f"bomb{i}/{A}/{NB}"] and "--max-ratio" in why[f"bomb{i}/{A}/{NB}"] for i in range(3))
    assert [p[:3] for p in report.placed] == [("ada", A, NB)]
    assert (submitted(root) / "ada" / A / NB).read_bytes() == GOOD
    assert not any(p.name.startswith("bomb") for p in submitted(root).iterdir())


def test_zip_bomb_by_total_size_is_refused_as_a_whole(root, tmp_path):
    # 40 entries that declare 60 MB each (under the per-file limit, ratio 60:1): 2.4 GB in all
    blob = os.urandom(MB)
    names = {f"s{i:02d}/{A}/{NB}": blob for i in range(40)}
    z = write_zip(tmp_path / "big.zip", names, compression=zipfile.ZIP_STORED)
    forge_sizes(z, {n: 60 * MB for n in names})
    with pytest.raises(SourceError, match=r"would unpack to .* more than the import limit .*--max-total-mb"):
        import_submissions(z, root)
    assert not submitted(root).exists() or not any(submitted(root).iterdir())
    # the same limit, lowered, on honest entries
    z2 = write_zip(tmp_path / "honest.zip", {f"s{i}/{A}/{NB}": GOOD for i in range(5)})
    with pytest.raises(SourceError, match="--max-total-mb"):
        import_submissions(z2, root, limits=ImportLimits(max_total_mb=len(GOOD) * 3 / MB))


def test_too_many_files_and_too_big_a_file(root, tmp_path):
    z = write_zip(tmp_path / "many.zip", {f"junk/{i}.txt": b"x" for i in range(120)})
    with pytest.raises(SourceError, match=r"holds 120 entries, more than the import limit of 100 \(--max-files\)"):
        import_submissions(z, root, limits=ImportLimits(max_files=100))
    # a 200 MB notebook in a folder import: "too big", not "not submitted"; its classmate is imported
    src = tmp_path / "folder"
    (src / "huge" / A).mkdir(parents=True)
    with open(src / "huge" / A / NB, "wb") as f:
        f.truncate(200 * MB)            # sparse: no 200 MB written
    (src / "ada" / A).mkdir(parents=True)
    (src / "ada" / A / NB).write_bytes(GOOD)
    report = import_submissions(src, root)
    why = reasons(report)[f"huge/{A}/{NB}"]
    assert "too big: 200.0 MB" in why and "--max-file-mb" in why
    assert [p[0] for p in report.placed] == ["ada"]


def test_lying_size_header_skips_that_entry_only(root, tmp_path):
    z = write_zip(tmp_path / "liar.zip", {f"liar/{A}/{NB}": GOOD, f"short/{A}/{NB}": GOOD, f"ada/{A}/{NB}": OTHER,
                                          f"ben/{A}/{NB}": GOOD})
    forge_sizes(z, {f"liar/{A}/{NB}": 100, f"short/{A}/{NB}": len(GOOD) + 5000})
    report = import_submissions(z, root)
    why = reasons(report)
    assert "damaged" in why[f"liar/{A}/{NB}"] and "skipped" in why[f"liar/{A}/{NB}"]
    assert "damaged" in why[f"short/{A}/{NB}"]
    assert {p[0] for p in report.placed} == {"ada", "ben"}
    assert (submitted(root) / "ada" / A / NB).read_bytes() == OTHER


def test_truncated_zip_is_reported_as_truncated(root, tmp_path):
    z = write_zip(tmp_path / "whole.zip", {f"s{i}/{A}/{NB}": GOOD for i in range(4)})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(z.read_bytes()[: z.stat().st_size // 2])
    with pytest.raises(SourceError, match="truncated or damaged zip"):
        import_submissions(cut, root)
    not_zip = tmp_path / "export.tar.gz"
    not_zip.write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(100))
    with pytest.raises(SourceError, match=r"not a zip file \(it is a gzip"):
        import_submissions(not_zip, root)
    with pytest.raises(SourceError, match="no such file or folder"):
        import_submissions(tmp_path / "nope.zip", root)


def test_file_and_folder_with_the_same_name_and_path_traversal(root, tmp_path):
    z = write_zip(tmp_path / "clash.zip", {f"amy/{A}": b"a file where a folder is", f"amy/{A}/{NB}": GOOD,
                                           f"bob/{A}/{NB}": GOOD, f"bob/{A}/{NB}/inner.ipynb": GOOD,
                                           "../evil.ipynb": GOOD, "/etc/evil.ipynb": GOOD,
                                           f"carl/{A}/{NB}": GOOD, f"dan/{A}/{NB}": OTHER})
    (submitted(root)).mkdir(parents=True)
    (submitted(root) / "carl").write_text("a file in the way")
    report = import_submissions(z, root)
    why = reasons(report)
    assert "not a notebook" in why[f"amy/{A}"]
    assert "sub-folder" in why[f"bob/{A}/{NB}/inner.ipynb"]
    assert "escapes" in why["../evil.ipynb"] and "escapes" in why["/etc/evil.ipynb"]
    assert "cannot write" in why[f"carl/{A}/{NB}"]
    assert {p[0] for p in report.placed} == {"amy", "bob", "dan"}
    assert (submitted(root) / "dan" / A / NB).read_bytes() == OTHER


def test_bidi_override_cannot_replace_another_student(root, tmp_path):
    evil = "\u202eada_99999_activations.ipynb"     # displays like a file of ada's
    z = write_zip(tmp_path / "bidi.zip", {"ada_12345_activations.ipynb": GOOD, evil: b"{}",
                                          "zoe\u200b_777_activations.ipynb": b"{}"})
    report = import_submissions(z, root)
    why = reasons(report)
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in why[evil] and "refused" in why[evil]
    assert "U+200B" in why["zoe\u200b_777_activations.ipynb"] and "invisible" in why["zoe\u200b_777_activations.ipynb"]
    assert [p[:3] for p in report.placed] == [("ada", A, NB)]
    assert (submitted(root) / "ada" / A / NB).read_bytes() == GOOD
    assert "\\u202e" in report.summary() and "\u202e" not in report.summary()   # printed escaped


def test_jose_and_josè_stay_two_students_with_stable_folders(root, tmp_path):
    z = write_zip(tmp_path / "names.zip", {"José_101_activations.ipynb": GOOD, "Josè_102_activations.ipynb": OTHER})
    report = import_submissions(z, root)
    folders = sorted(p[0] for p in report.placed)
    assert len(folders) == 2 and folders[0] == "Jose" and folders[1].startswith("Jose_")
    assert any("two students, two folders" in line for line in report.identities)
    entries = {e["name"]: e for e in roster(root)}
    assert set(entries) == {"José", "Josè"} and entries["José"]["lms_id"] == "101"
    assert (submitted(root) / entries["Josè"]["folder"] / A / NB).read_bytes() == OTHER
    # the same export again, with the names decomposed (as a macOS folder gives them): same folders
    src = tmp_path / "nfd"
    src.mkdir()
    (src / unicodedata.normalize("NFD", "Josè_102_activations.ipynb")).write_bytes(OTHER)
    (src / unicodedata.normalize("NFD", "José_101_activations.ipynb")).write_bytes(GOOD)
    again = import_submissions(src, root)
    assert sorted(p[0] for p in again.placed) == folders and all(p[3] == "same" for p in again.placed)
    # without LMS ids (nbgrader folders), the names alone keep them apart too
    z2 = write_zip(tmp_path / "folders.zip", {f"Renée/{A}/{NB}": GOOD, f"Renee/{A}/{NB}": OTHER})
    r2 = import_submissions(z2, root)
    assert len({p[0] for p in r2.placed}) == 2


def test_hidden_names_and_system_junk_are_listed_not_dropped(root, tmp_path):
    z = write_zip(tmp_path / "dots.zip", {".ada_1_activations.ipynb": GOOD, f".hidden/{A}/{NB}": GOOD,
                                          f"__MACOSX/ben/{A}/._{NB}": b"\0\5\26\7", f"ben/{A}/.DS_Store": b"x",
                                          f"ben/{A}/{NB}": GOOD})
    report = import_submissions(z, root)
    why = reasons(report)
    assert "starts with '.'" in why[".ada_1_activations.ipynb"] and "starts with '.'" in why[f".hidden/{A}/{NB}"]
    assert "macOS" in why[f"__MACOSX/ben/{A}/._{NB}"] and "macOS" in why[f"ben/{A}/.DS_Store"]
    assert [p[0] for p in report.placed] == ["ben"]
    assert len(report.unplaced) == 4


def test_cjk_and_emoji_names_get_safe_folders_and_keep_their_names(root, tmp_path):
    z = write_zip(tmp_path / "cjk.zip", {"王小明_314_activations.ipynb": GOOD, "李Wei_315_activations.ipynb": GOOD,
                                         f"😀/{A}/{NB}": OTHER,
                                         "Jane Doe_77_assignsubmission_file_activations.ipynb": GOOD})
    report = import_submissions(z, root)
    entries = {e["name"]: e for e in roster(root)}
    assert entries["王小明"]["folder"] == "student-314" and entries["李Wei"]["folder"] == "Wei"
    assert entries["😀"]["folder"].startswith("student-") and entries["Jane Doe"]["folder"] == "Jane_Doe"
    assert entries["Jane Doe"]["lms"] == "moodle" and entries["Jane Doe"]["participant_ids"] == {A: "77"}
    assert any("no Latin letters" in line for line in report.identities)
    assert len(report.placed) == 4 and not report.unplaced


def test_invalid_notebooks_are_placed_with_a_warning_and_lms_copies_keep_the_newest(root, tmp_path):
    src = tmp_path / "lms"
    src.mkdir()
    (src / "ada_12345_activations.ipynb").write_bytes(GOOD[: len(GOOD) // 2])
    (src / "ben_late_555_666_activations.ipynb").write_bytes(OTHER)
    (src / "ben_late_555_667_activations-1.ipynb").write_bytes(GOOD)
    os.utime(src / "ben_late_555_666_activations.ipynb", (1e9, 1e9))
    report = import_submissions(src, root)
    assert [w[0] for w in report.warnings] == [f"ada/{A}/{NB}"] and "not valid JSON" in report.warnings[0][1]
    assert reasons(report)["ben_late_555_666_activations.ipynb"].startswith("an older copy")
    assert (submitted(root) / "ben" / A / NB).read_bytes() == GOOD
    entries = {e["folder"]: e for e in roster(root)}
    assert entries["ada"]["lms_id"] == "12345" and entries["ben"] == {"folder": "ben", "name": "ben", "lms": "canvas",
                                                                       "lms_id": "555"}


def test_name_rules():
    assert name_problem("Ada Lovelace") is None and name_problem("محمد\u200cرضا") is None   # ZWNJ inside a word
    assert "U+202E" in name_problem("ab\u202ecd") and "U+200D" in name_problem("\u200dada")
    assert folder_for("Straße Øre") == "Strasse_Ore" and folder_for("王小明") == "" and folder_for("😀") == ""
    assert parse_lms_prefix("Jane Doe_12345_assignsubmission_file") == {"name": "Jane Doe", "lms": "moodle",
                                                                         "lms_id": "12345"}
    assert parse_lms_prefix("doejane_LATE_12_34") == {"name": "doejane", "lms": "canvas", "lms_id": "12"}
    assert parse_lms_prefix("ada_12345") == {"name": "ada", "lms": "lms", "lms_id": "12345"}
    assert check_notebook(GOOD) is None and "PDF" in check_notebook(b"%PDF-1.4 ...")
    assert "not a Jupyter notebook" in check_notebook(b"[1, 2]")


# ---------------------------------------------------------------------------------- the LMS files

def _csv(path):
    import csv
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_and_moodle_files_follow_their_importers(tmp_path):
    from autograde.lms import write_lms_files
    students = {
        "ada": {"folder": "ada", "name": "ada", "lms": "canvas", "lms_id": "12345"},
        "Jose": {"folder": "Jose", "name": "José García", "lms": "moodle", "lms_id": "",
                 "participant_ids": {A: "101"}},
        "amy": {"folder": "amy", "name": "amy", "lms": "nbgrader", "lms_id": ""},
    }
    grades = {("ada", A): 16.0, ("Jose", A): 12.5, ("amy", A): 3.0, ("ada", "02_init"): None}
    out = write_lms_files(tmp_path, grades, {A: 16.0, "02_init": 10.0}, students, now=0)
    canvas = _csv(tmp_path / "canvas_grades.csv")
    # Canvas's GradebookImporter: row 0 starts "Student", "ID"; SIS User ID, SIS Login ID, then Section last
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A, "02_init"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5:] == ["16", "10"]
    rows = {r[0]: r for r in canvas[2:]}
    assert rows["ada"][1] == "12345" and rows["ada"][5:] == ["16", ""]
    assert rows["José García"][5] == "12.5" and rows["José García"][1] == ""
    # Moodle's gradebook import: every row carries the identifier (a blank one is given to the previous row)
    moodle = _csv(tmp_path / "moodle_grades.csv")
    assert moodle[0] == ["Username", "Full name", A, "02_init"]
    assert [r[0] for r in moodle[1:]] == ["amy"] and all(r[0] for r in moodle[1:])
    assert any("left out 2 students" in n for n in out.notes)
    # Moodle's grading worksheet: Identifier "Participant N", Grade, Last modified (grade)
    sheet = _csv(tmp_path / f"moodle_worksheet_{A}.csv")
    assert sheet[0] == ["Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)"]
    assert sheet[1] == ["Participant 101", "José García", "12.5", "16", "1970-01-01T00:00:00+00:00"]
    assert not (tmp_path / "moodle_worksheet_02_init.csv").exists()
    # with a Moodle gradebook export as the roster: e-mail addresses identify every matched row
    roster_csv = tmp_path / "moodle_export.csv"
    roster_csv.write_text("First name,Last name,ID number,Institution,Department,Email address\n"
                          "José,García,,,,jose@example.org\nada,,,,,ada@example.org\n", encoding="utf-8")
    out = write_lms_files(tmp_path / "r", grades, {A: 16.0}, students, roster=roster_csv)
    moodle = _csv(tmp_path / "r" / "moodle_grades.csv")
    assert moodle[0][0] == "Email address" and {r[0] for r in moodle[1:]} == {"jose@example.org", "ada@example.org"}
    # a Canvas export as the roster fills the SIS columns and the section
    canvas_csv = tmp_path / "canvas_export.csv"
    canvas_csv.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Old (1)\n    Points Possible,,,,,10\n"
                          "\"Lovelace, Ada\",12345,S1,ada@uni,Sec A,3\n", encoding="utf-8")
    write_lms_files(tmp_path / "c", grades, {A: 16.0}, students, roster=canvas_csv)
    rows = {r[1]: r for r in _csv(tmp_path / "c" / "canvas_grades.csv")[2:]}
    assert rows["12345"][:5] == ["Lovelace, Ada", "12345", "S1", "ada@uni", "Sec A"]


def test_canvas_display_names_reach_the_lms_file_and_the_gradebook_and_only_canvas_files(root, tmp_path):
    """A Canvas class: the file name says "ağaoğluzoë"; Canvas's own export says "Ağaoğlu, Zoë". The folder
    stays ASCII, the name the LMS shows is kept (students.json, the gradebook's first/last name that the
    formgrader shows, the Canvas file's Student column), and no Moodle file is written for this class."""
    from nbgrader.api import Gradebook

    from autograde.importer import sync_names
    from autograde.lms import write_lms_files
    z = write_zip(tmp_path / "canvas.zip", {f"ağaoğluzoë_LATE_4711_9001_{NB}": GOOD, f"doejane_4712_9002_{NB}": GOOD})
    import_submissions(z, root)
    folders = {e["name"]: e for e in roster(root)}
    zoe = folders["ağaoğluzoë"]
    assert zoe["folder"].isascii() and zoe["lms"] == "canvas" and zoe["lms_id"] == "4711"
    export = tmp_path / "Grades-course.csv"
    export.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n    Points Possible,,,,\n"
                      "\"Ağaoğlu, Zoë\",4711,S1,zoe@uni,A\n\"Doe, Jane\",4712,S2,jane@uni,A\n", encoding="utf-8")
    lines = sync_names(root, export)
    assert "2 of 2 students matched" in lines[-1], lines
    assert {e["folder"]: e.get("display") for e in roster(root)} == {zoe["folder"]: "Ağaoğlu, Zoë",
                                                                    folders["doejane"]["folder"]: "Doe, Jane"}
    with Gradebook(f"sqlite:///{root / 'autograde' / 'work' / 'gradebook.db'}") as gb:
        student = gb.find_student(zoe["folder"])
        assert (student.last_name, student.first_name) == ("Ağaoğlu", "Zoë")     # formgrader: "Ağaoğlu, Zoë"
    from autograde.importer import Roster
    students = Roster(root / "autograde" / "work" / "students.json").by_folder()
    out = write_lms_files(tmp_path / "out", {(zoe["folder"], A): 12.0}, {A: 16.0}, students,
                          pending={(zoe["folder"], A): 2.0})
    assert [p.name for p in out.paths] == ["canvas_grades.csv"]                 # a Canvas class: Canvas's file only
    assert not (tmp_path / "out" / "moodle_grades.csv").exists()
    rows = {r[1]: r for r in _csv(tmp_path / "out" / "canvas_grades.csv")[2:]}
    assert rows["4711"][0] == "Ağaoğlu, Zoë" and rows["4711"][5] == "12"
    assert any("so far" in n and "await a grade by hand" in n for n in out.notes), out.notes
