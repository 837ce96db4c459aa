"""Finding a class's submissions (``grader.grading.discovery``): layouts, ids, problems
listed, duplicates, zips."""

import os
import shutil
import zipfile
from pathlib import Path

from grader.grading.discovery import discover, student_id_from_file


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
