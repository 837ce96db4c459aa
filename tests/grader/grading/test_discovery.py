"""Finding a class's submissions (``grader.grading.discovery``): layouts, ids, problems
listed, duplicates, zips."""

import os
import shutil
import zipfile
from pathlib import Path

from grader.grading.discovery import discover, input_key, student_id_from_file


def test_student_ids_from_file_names():
    """Canvas names, late Canvas names and plain names give the expected ids."""
    assert (
        student_id_from_file(Path("smith_john_12345_67890_neuron.py"), "neuron")
        == "smith_john_12345"
    )
    assert student_id_from_file(Path("doe_late_42_7_neuron.ipynb"), "neuron") == "doe_42"
    assert student_id_from_file(Path("x/alice.py"), "neuron") == "alice"
    assert student_id_from_file(Path("bob/neuron.py"), "neuron") == "bob"


def test_discover_lists_problems(klass, tmp_path):
    """Every student is found; folders without a submission and stray files are listed."""
    found = discover("neuron", [klass], tmp_path)
    assert sorted(e.student for e in found.entries) == ["alice", "bob", "carol", "smith_john_12345"]
    problems = {p.entry: p.reason for p in found.problems}
    assert "dave" in problems and "notes.txt" in problems


def test_duplicates_are_listed_not_dropped(tmp_path, correct_neuron, wrong_neuron):
    """Two submissions of one student: the newer is graded, the other is listed."""
    root = tmp_path / "dups"
    root.mkdir()
    shutil.copy(wrong_neuron, root / "doe_jane_1_1_neuron.py")
    shutil.copy(correct_neuron, root / "doe_jane_1_2_neuron.py")
    os.utime(root / "doe_jane_1_1_neuron.py", (1, 1))
    found = discover("neuron", [root], tmp_path)
    assert [e.path.name for e in found.entries] == ["doe_jane_1_2_neuron.py"]
    assert any("duplicate" in p.reason for p in found.problems)


def test_zip_and_gradescope_export(tmp_path, correct_neuron, wrong_neuron):
    """A zip of a Gradescope export: ids come from submission_metadata.yml."""
    export = tmp_path / "export"
    for number, source in (("111", correct_neuron), ("222", wrong_neuron)):
        (export / f"submission_{number}").mkdir(parents=True)
        shutil.copy(source, export / f"submission_{number}" / "my_work.py")
    (export / "submission_metadata.yml").write_text(
        "submission_111:\n  :submitters:\n  - :name: Ada\n    :sid: 'ada01'\n"
        "submission_222:\n  :submitters:\n  - :name: Bo\n    :sid: 'bo02'\n"
    )
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in export.rglob("*"):
            bundle.write(path, Path("export") / path.relative_to(export))
        bundle.writestr("../evil.py", "print('zip slip')")
    found = discover("neuron", [archive], tmp_path)
    assert sorted(e.student for e in found.entries) == ["ada01", "bo02"]
    assert not (tmp_path.parent / "evil.py").exists()


def test_zip_in_a_class_folder_is_one_students(tmp_path, correct_neuron):
    """judy.zip in the class folder is judy's, graded from judy.zip:judy/neuron.py on every
    run (the id and label name the zip, not the folder it is unpacked into); a zip with
    two candidate files and none named neuron is listed with its members."""
    root = tmp_path / "class"
    root.mkdir()
    with zipfile.ZipFile(root / "judy.zip", "w") as bundle:
        bundle.writestr("judy/neuron.py", correct_neuron.read_text())
    with zipfile.ZipFile(root / "kai.zip", "w") as bundle:
        bundle.writestr("a.py", "x = 1")
        bundle.writestr("b.py", "x = 2")
    for run in ("first", "second"):
        found = discover("neuron", [root], tmp_path / run)
        [entry] = found.entries
        assert (entry.student, entry.label, entry.time_source) == (
            "judy", "judy.zip:judy/neuron.py", "the zip's file time")  # fmt: skip
        [problem] = found.problems
        assert problem.entry == "kai" and problem.reason == (
            "kai.zip: no neuron.py or neuron.ipynb, nor a single .py or .ipynb file; "
            "it holds 2: kai.zip:a.py, kai.zip:b.py")  # fmt: skip


def test_canvas_late_marker_and_gradescope_time(tmp_path, correct_neuron):
    """A Canvas _LATE_ file keeps the marker and Canvas's user id; a Gradescope
    submission's time is its own :created_at:, not one from its :history:."""
    root = tmp_path / "canvas"
    root.mkdir()
    shutil.copy(correct_neuron, root / "doe_jane_LATE_42_7_neuron.py")
    [entry] = discover("neuron", [root], tmp_path).entries
    assert (entry.student, entry.late_marker, entry.aliases) == ("doe_jane_42", True, ["42"])
    export = tmp_path / "export"
    (export / "submission_1").mkdir(parents=True)
    shutil.copy(correct_neuron, export / "submission_1" / "neuron.py")
    (export / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n  - :name: Ada\n    :sid: ada01\n    :email: a@x.edu\n"
        "  :history:\n  - :created_at: 2020-01-01 00:00:00.000000000 +00:00\n"
        "  :created_at: 2025-03-01 07:00:00.000000000 -05:00\n"
    )
    [entry] = discover("neuron", [export], tmp_path).entries
    assert (entry.student, entry.aliases, entry.time_source) == (
        "ada01", ["ada01", "a@x.edu"], "Gradescope created_at")  # fmt: skip
    assert entry.submitted.isoformat() == "2025-03-01T07:00:00-05:00"


def test_an_input_is_known_by_the_same_key_from_any_working_folder(tmp_path, monkeypatch):
    """`class` typed inside a folder reached through a link, and the link's path to it,
    name one input; a link given as the input stays the link (not its target)."""
    real = tmp_path / "real"
    (real / "class").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    (real / "class_link").symlink_to(real / "class")
    monkeypatch.chdir(tmp_path / "link")
    assert input_key(Path("class")) == input_key(tmp_path / "link" / "class")
    assert input_key(Path("class")) == str(real / "class")
    assert input_key(Path("class_link")) == str(real / "class_link")


def test_an_input_given_twice_is_looked_at_once(klass, tmp_path):
    """`grade batch STAGE class class` (or the same folder spelt two ways) finds each
    student and each stray file once: no one is their own duplicate."""
    once = discover("neuron", [klass], tmp_path / "a")
    twice = discover("neuron", [klass, Path(os.path.relpath(klass))], tmp_path / "b")
    assert [e.student for e in twice.entries] == [e.student for e in once.entries]
    assert [p.entry for p in twice.problems] == [p.entry for p in once.problems]
    assert all(e.found_in == input_key(klass) for e in twice.entries)


def test_a_students_own_zip_is_dated_by_the_zip_not_by_its_members(tmp_path, correct_neuron):
    """The dates inside a zip a student made are the student's to set: pat.zip, handed in
    on 10 March with a member dated 1 February, counts as handed in on 10 March (the zip's
    file time); a whole class's zip (the platform's) still dates each member."""
    from datetime import datetime

    klass = tmp_path / "class"
    klass.mkdir()
    with zipfile.ZipFile(klass / "pat.zip", "w") as bundle:
        bundle.writestr(zipfile.ZipInfo("neuron.py", (2025, 2, 1, 0, 0, 0)),
                        correct_neuron.read_text())  # fmt: skip
    handed_in = datetime(2025, 3, 10, 10, 0).timestamp()
    os.utime(klass / "pat.zip", (handed_in, handed_in))
    [entry] = discover("neuron", [klass], tmp_path / "work").entries
    assert entry.submitted.timestamp() == handed_in and entry.time_source == "the zip's file time"

    whole = tmp_path / "class.zip"  # the platform's zip of the class: each member its time
    with zipfile.ZipFile(whole, "w") as bundle:
        for student in ("ann", "bo"):
            bundle.writestr(zipfile.ZipInfo(f"{student}/neuron.py", (2025, 2, 1, 0, 0, 0)),
                            correct_neuron.read_text())  # fmt: skip
    entries = discover("neuron", [whole], tmp_path / "work2").entries
    assert [e.submitted.timestamp() for e in entries] == [datetime(2025, 2, 1).timestamp()] * 2
