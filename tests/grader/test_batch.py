"""Batch grading: layouts, problems listed, the cache, and what lands in the output folder."""

import csv
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from grader.batch import discover, run_batch, student_id_from_file
from grader.course import get_stage


@pytest.fixture
def klass(tmp_path, correct_neuron, wrong_neuron) -> Path:
    """A class folder: one folder per student, a file named after a student, a Canvas
    download, a folder with no submission and a stray text file."""
    root = tmp_path / "class"
    for student, source in (("alice", correct_neuron), ("bob", wrong_neuron)):
        (root / student).mkdir(parents=True)
        shutil.copy(source, root / student / "neuron.py")
    (root / "carol").mkdir()
    shutil.copy(get_stage("neuron").stub, root / "carol" / "neuron.py")
    shutil.copy(correct_neuron, root / "smith_john_12345_67890_neuron.py")
    (root / "dave").mkdir()
    (root / "notes.txt").write_text("not a submission")
    return root


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


def test_batch_outputs_and_cache(klass, tmp_path):
    """The gradebook has one row per student with the right totals, each student gets
    a JSON result and feedback, the summary has a histogram; a re-run uses the cache."""
    out = tmp_path / "out"
    result = run_batch("neuron", [klass], out, jobs=2, options={"public_only": True})
    assert len(result.graded) == 4 and not any(g.cached for g in result.graded)
    rows = list(csv.DictReader(open(out / "gradebook.csv")))
    by_student = {row["student"]: row for row in rows}
    assert by_student["alice"]["score"] == "5" and by_student["alice"]["max_score"] == "5"
    assert by_student["carol"]["score"] == "0"
    assert 0 < float(by_student["bob"]["score"]) < 5
    assert by_student["dave"]["status"] == "problem"
    test_columns = [c for c in rows[0] if c.startswith("test_")]
    assert len(test_columns) == 5
    for row in rows[:4]:
        assert sum(float(row[c]) for c in test_columns) == float(row["score"])
    data = json.loads((out / "results" / "bob.json").read_text())
    assert data["student"] == "bob" and data["score"] == float(by_student["bob"]["score"])
    feedback = (out / "feedback" / "bob.md").read_text()
    assert "Score:" in feedback and "test_neuron_output_known_value" in feedback
    assert "<svg" in (out / "summary.html").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == 4 and sum(summary["histogram"]) == 4

    again = run_batch("neuron", [klass], out, jobs=2, options={"public_only": True})
    assert all(g.cached for g in again.graded)
    assert [g.report.score for g in again.graded] == [g.report.score for g in result.graded]
    forced = run_batch("neuron", [klass], out, jobs=2, force=True, options={"public_only": True})
    assert not any(g.cached for g in forced.graded)


def test_feedback_hides_hidden_test_messages(tmp_path, wrong_neuron):
    """Feedback shows hidden tests by name and result only, unless asked otherwise."""
    root = tmp_path / "one"
    (root / "bob").mkdir(parents=True)
    shutil.copy(wrong_neuron, root / "bob" / "neuron.py")
    out = tmp_path / "out"
    run_batch("neuron", [root], out, jobs=1)
    feedback = (out / "feedback" / "bob.md").read_text()
    assert "test_neuron_output_random" in feedback  # the hidden test is named
    assert "the bias was added once per input" not in feedback  # its message is not shown
    assert "hidden test(s) did not pass" in feedback
    run_batch("neuron", [root], out, jobs=1, show_hidden_messages=True)
    assert "the bias was added once per input" in (out / "feedback" / "bob.md").read_text()


def test_interrupt_keeps_what_was_graded(klass, tmp_path):
    """Ctrl-C during a batch keeps the submissions already graded (in the gradebook and the
    cache); the next run grades only the rest."""
    out = tmp_path / "out"

    def interrupt_after_first(done, total, item):
        if item is not None:
            raise KeyboardInterrupt

    result = run_batch("neuron", [klass], out, jobs=1, options={"public_only": True},
                       progress=interrupt_after_first)  # fmt: skip
    assert result.interrupted
    assert len(result.graded) == 1
    rows = [r for r in csv.DictReader(open(out / "gradebook.csv")) if r["status"] != "problem"]
    assert len(rows) == 1
    again = run_batch("neuron", [klass], out, jobs=2, options={"public_only": True})
    assert not again.interrupted and len(again.graded) == 4
    # The cache is by content: the one graded file (and any identical copy) is reused.
    assert 1 <= sum(g.cached for g in again.graded) < 4
