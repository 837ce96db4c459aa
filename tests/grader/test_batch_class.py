"""A class as an instructor hands it to ``grade batch`` (issue 11): zips inside the class
folder and given directly, a roster with an absent student, a late Canvas file, Gradescope's
submission times, a regrade of one student, and a folder with nothing to grade. Each
output (gradebook, Canvas import, summary, results, feedback files) is checked field by
field."""

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.batch import ClassSettings, run_batch
from grader.course import get_stage
from grader.grading.discovery import NothingToGrade
from grader.grading.lateness import parse_due, parse_late_policy
from grader.outputs.roster import read_roster

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CANVAS_ROSTER = (
    "Student,ID,SIS User ID,SIS Login ID,Section,Neuron (4242),Current Score\n"
    "    Points Possible,,,,,5,(read only)\n"
    '"Lovelace, Alice",1001,alice,alice@uni.edu,A,,\n'
    '"Babbage, Bob",1002,bob,bob@uni.edu,A,,\n'
    '"Judy, J",1003,judy,judy@uni.edu,B,,\n'
    '"Smith, John",12345,S0004,jsmith@uni.edu,B,,\n'
    '"Kim, K",1005,kim,kim@uni.edu,B,,\n'
    '"Dave, D",1006,dave,dave@uni.edu,B,,\n'
    '"Absent, Eve",1007,eve,eve@uni.edu,A,,\n'
    '"Student, Test",9999,,,A,,\n'
)


def zip_of(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, text in members.items():
            bundle.writestr(name, text)
    return path


def rows_of(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def class_with_zips_and_late_canvas_file(tmp_path, correct_neuron, wrong_neuron):
    """Folders (alice right, bob wrong), judy's zip inside the folder, a Canvas file marked
    _LATE_, an empty folder (dave), a zip with no submission, a stray file; kim's zip (a
    bare neuron.py) is given beside the folder; the roster is Canvas's export."""
    root = tmp_path / "class"
    for student, source in (("alice", correct_neuron), ("bob", wrong_neuron)):
        (root / student).mkdir(parents=True)
        shutil.copy(source, root / student / "neuron.py")
    correct = correct_neuron.read_text()
    zip_of(root / "judy.zip", {"judy/neuron.py": correct, "judy/notes.md": "my notes"})
    zip_of(root / "nothing.zip", {"readme.txt": "forgot the code"})
    shutil.copy(correct_neuron, root / "smith_john_LATE_12345_67890_neuron.py")
    (root / "dave").mkdir()
    (root / "notes.txt").write_text("not a submission")
    kim = zip_of(tmp_path / "kim.zip", {"neuron.py": correct})
    roster = tmp_path / "canvas_export.csv"
    roster.write_text(CANVAS_ROSTER)
    return root, kim, roster


def test_a_class_with_zips_roster_and_late_file(tmp_path, class_with_zips_and_late_canvas_file):
    """Every roster student has a row in its order (eve missing with 0, the test student
    left out); judy's zip in the folder and kim's given directly are graded under their
    zips' names, and their results name the zip and member, never a temporary folder;
    Canvas's _LATE_ file is late (one day: 10% of 5 off) whatever its file time; the
    problems are listed with their reasons; Canvas's import file has the scores."""
    root, kim, roster_file = class_with_zips_and_late_canvas_file
    out = tmp_path / "out"
    settings = ClassSettings(read_roster(roster_file, "neuron"), parse_due("2999-01-01T00:00"),
                             parse_late_policy("10%/day, cap 50%"))  # fmt: skip
    result = run_batch("neuron", [root, kim], out, jobs=2, options={"public_only": True},
                       settings=settings)  # fmt: skip
    assert sorted(g.student for g in result.graded) == [
        "alice", "bob", "judy", "kim", "smith_john_12345"]  # fmt: skip
    rows = rows_of(out / "gradebook.csv")
    assert [r["student"] for r in rows] == [
        "alice", "bob", "judy", "S0004", "kim", "dave", "eve", "nothing"]  # fmt: skip
    by = {r["student"]: r for r in rows}
    assert [by["alice"][k] for k in ("name", "email", "score", "max_score", "percent", "status")] \
        == ["Lovelace, Alice", "alice@uni.edu", "5", "5", "100.0", "graded"]  # fmt: skip
    assert [by["alice"][k] for k in ("late", "days_late", "penalty", "time_source", "file")] == [
        "no", "", "", "file time", "alice"]  # fmt: skip
    assert 0 < float(by["bob"]["score"]) < 5 and by["bob"]["status"] == "graded"
    assert (by["judy"]["score"], by["judy"]["file"], by["kim"]["score"], by["kim"]["file"]) == (
        "5", "judy", "5", "kim")  # fmt: skip
    john = by["S0004"]
    assert [john[k] for k in ("name", "raw_score", "score", "late", "days_late", "penalty")] == [
        "Smith, John", "5", "4.5", "yes", "1", "0.5"]  # fmt: skip
    assert john["time_source"] == "Canvas _LATE_ file name, file time"
    assert john["file"] == "smith_john_12345"
    assert [by["dave"][k] for k in ("status", "score", "file")] == ["not_graded", "", ""]
    assert "no neuron.py or neuron.ipynb" in by["dave"]["error"]
    assert [by["eve"][k] for k in ("status", "score", "max_score", "error", "file")] == [
        "missing", "0", "5", "no submission", ""]  # fmt: skip

    results = json.loads((out / "results" / "judy.json").read_text())
    assert results["submission"] == "judy.zip:judy/neuron.py"
    assert results["handed_in"]["label"] == "judy.zip:judy/neuron.py"
    kim_results = json.loads((out / "results" / "kim.json").read_text())
    assert kim_results["submission"] == "kim.zip:neuron.py"
    for path in out.rglob("*"):
        if path.is_file() and ".cache" not in path.parts:
            assert "neurograde-batch-" not in path.read_text("utf-8"), path
    problems = {p.entry: p.reason for p in result.problems}
    assert problems["nothing"].startswith("nothing.zip: no neuron.py or neuron.ipynb")
    assert problems["notes.txt"] == "not a .py, .ipynb or .zip file: not graded"

    canvas = list(csv.reader(open(out / "canvas_import.csv", encoding="utf-8")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Neuron (4242)"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "5"]
    imported = {line[1]: line for line in canvas[2:]}
    assert imported["1001"] == ["Lovelace, Alice", "1001", "alice", "alice@uni.edu", "A", "5"]
    assert imported["12345"][-1] == "4.5" and imported["1007"][-1] == "0"
    assert imported["1006"][-1] == ""  # not graded: Canvas keeps what it has
    assert "9999" not in imported

    summary = json.loads((out / "summary.json").read_text())
    assert (summary["students"], summary["graded"], summary["not_graded"], summary["missing"],
            summary["late"]) == (8, 5, 3, 1, 1)  # fmt: skip
    attention = {a["student"]: a["status"] for a in summary["attention"]}
    assert attention == {"dave": "not_graded", "eve": "missing", "nothing": "not_graded",
                         "notes.txt": "not_a_submission"}  # fmt: skip
    feedback = sorted(p.name for p in (out / "feedback").iterdir())
    stems = sorted(r["file"] for r in rows if r["file"])
    assert feedback == sorted([f"{s}.html" for s in stems] + [f"{s}.md" for s in stems])


def test_regrading_one_student_updates_the_gradebook(tmp_path, class_with_zips_and_late_canvas_file,
                                                     correct_neuron):  # fmt: skip
    """After the whole class, regrading bob alone (fixed) changes his row only: every other
    row, the roster (eve still missing), the due date and policy (john still late) stay;
    the summary counts the whole class; bob's feedback is rewritten."""
    root, kim, roster_file = class_with_zips_and_late_canvas_file
    out = tmp_path / "out"
    settings = ClassSettings(read_roster(roster_file, "neuron"), parse_due("2999-01-01T00:00"),
                             parse_late_policy("10%/day"))  # fmt: skip
    run_batch("neuron", [root, kim], out, jobs=2, options={"public_only": True}, settings=settings)
    before = {r["student"]: r for r in rows_of(out / "gradebook.csv")}
    shutil.copy(correct_neuron, root / "bob" / "neuron.py")
    again = run_batch("neuron", [root / "bob"], out, jobs=1, options={"public_only": True})
    assert [g.student for g in again.graded] == ["bob"]
    after = {r["student"]: r for r in rows_of(out / "gradebook.csv")}
    assert list(after) == list(before)
    assert after["bob"]["score"] == "5" and float(before["bob"]["score"]) < 5
    for student in set(before) - {"bob"}:
        assert after[student] == before[student], student
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == 8 and summary["missing"] == 1 and summary["late"] == 1
    assert "**Score: 5 / 5**" in (out / "feedback" / "bob.md").read_text()


def test_another_stage_in_the_same_folder_is_refused(tmp_path, correct_neuron):
    """A gradebook folder of one stage is not merged with another stage's run."""
    (tmp_path / "c" / "ann").mkdir(parents=True)
    shutil.copy(correct_neuron, tmp_path / "c" / "ann" / "neuron.py")
    out = tmp_path / "out"
    run_batch("neuron", [tmp_path / "c"], out, jobs=1, options={"public_only": True})
    with pytest.raises(Exception, match="holds the gradebook of neuron"):
        run_batch("neuron", [tmp_path / "c"], out, jobs=1)  # the hidden tests too


def test_gradescope_times_decide_lateness(tmp_path, correct_neuron):
    """Gradescope's export: :created_at: (not the :history: entries' times) is the time
    handed in; one submission 3 hours late under 5%/hour loses 15%, one on time nothing;
    the roster is Gradescope's (its instructor row left out)."""
    export = tmp_path / "export"
    for number in ("111", "222"):
        (export / f"submission_{number}").mkdir(parents=True)
        shutil.copy(correct_neuron, export / f"submission_{number}" / "neuron.py")
    (export / "submission_metadata.yml").write_text(
        "submission_111:\n  :submitters:\n  - :name: Ada\n    :sid: 'ada01'\n"
        "    :email: ada@x.edu\n  :created_at: 2025-03-01 20:00:00.123456000 -05:00\n"
        "  :history:\n  - :id: 5\n    :created_at: 2025-02-27 10:00:00.000000000 -05:00\n"
        "submission_222:\n  :submitters:\n  - :name: Bo\n    :sid: 'bo02'\n"
        "  :created_at: 2025-03-01 23:30:00.000000000 -05:00\n"
    )
    roster = tmp_path / "roster.csv"
    roster.write_text("First Name,Last Name,SID,Email,Role\nAda,L,ada01,ada@x.edu,Student\n"
                      "Bo,B,bo02,bo@x.edu,Student\nCy,C,cy03,cy@x.edu,Student\n"
                      "Ina,I,,ina@x.edu,Instructor\n")  # fmt: skip
    settings = ClassSettings(read_roster(roster), parse_due("2025-03-01T20:30-05:00"),
                             parse_late_policy("5%/hour"))  # fmt: skip
    out = tmp_path / "out"
    run_batch("neuron", [export], out, jobs=2, options={"public_only": True}, settings=settings)
    rows = {r["student"]: r for r in rows_of(out / "gradebook.csv")}
    assert list(rows) == ["ada01", "bo02", "cy03"]
    assert [rows["ada01"][k] for k in ("name", "late", "score", "time_source", "submitted")] == [
        "Ada L", "no", "5", "Gradescope created_at", "2025-03-01T20:00:00-05:00"]  # fmt: skip
    assert [rows["bo02"][k] for k in ("late", "days_late", "penalty", "score")] == [
        "yes", "3", "0.75", "4.25"]  # fmt: skip
    assert (rows["cy03"]["status"], rows["cy03"]["score"]) == ("missing", "0")


def test_nothing_to_grade_is_an_error_naming_each_problem(tmp_path):
    """A folder with no submission in it: run_batch raises NothingToGrade listing each
    entry and why; `grade batch` exits 2 with that one message and writes no gradebook."""
    root = tmp_path / "class"
    (root / "dave").mkdir(parents=True)
    (root / "notes.txt").write_text("no code")
    with pytest.raises(NothingToGrade) as caught:
        run_batch("neuron", [root], tmp_path / "out", jobs=1)
    assert [p.entry for p in caught.value.problems] == ["dave", "notes.txt"]
    done = subprocess.run([sys.executable, "-m", "grader", "batch", "neuron", str(root), "-d",
                           str(tmp_path / "o")], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("Error: nothing to grade in ") and len(lines) == 3
    assert lines[1].startswith("  not graded: dave: ") and "notes.txt" in lines[2]
    assert not (tmp_path / "o" / "gradebook.csv").exists()


def test_a_class_zip_given_directly_is_a_class(tmp_path):
    """A zip given directly that holds a whole class (folders of students) is a class:
    each folder is a student, named by the folder, labelled inside the zip."""
    stub = get_stage("neuron").stub.read_text()
    archive = zip_of(tmp_path / "class.zip", {"class/ann/neuron.py": stub,
                                              "class/ben/neuron.py": stub})  # fmt: skip
    result = run_batch("neuron", [archive], tmp_path / "out", jobs=2, options={"public_only": True})
    assert [(g.student, g.report.submission) for g in result.graded] == [
        ("ann", "class.zip:class/ann/neuron.py"),
        ("ben", "class.zip:class/ben/neuron.py"),
    ]


def test_batch_command_roster_due_and_policy(tmp_path, correct_neuron):
    """`grade batch --roster --due --late-policy`: the Canvas-late file is said late on the
    terminal and in the gradebook, the absent student is missing, and Canvas's import
    file is written; an unreadable policy is one error, exit 2, before any grading."""
    root = tmp_path / "class"
    root.mkdir()
    shutil.copy(correct_neuron, root / "smith_john_LATE_12345_67890_neuron.py")
    roster = tmp_path / "roster.csv"
    roster.write_text(CANVAS_ROSTER)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "batch", "neuron", str(root), "-d", str(out),
               "--public-only", "--roster", str(roster), "--due", "2999-01-01",
               "--late-policy", "20%/day"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "1 marked late by Canvas (_LATE_): smith_john_12345" in done.stderr
    rows = {r["student"]: r for r in rows_of(out / "gradebook.csv")}
    assert [rows["S0004"][k] for k in ("score", "late", "penalty")] == ["4", "yes", "1"]
    assert rows["eve"]["status"] == "missing" and (out / "canvas_import.csv").is_file()
    command[-1] = "20% a day"
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert done.returncode == 2 and "late policy '20% a day'" in done.stderr
