"""Gradescope's side of a grading (``grader.platforms.gradescope_results``):
submission_metadata.json read safely, and a results.json that always exists
(run_autograder's last step)."""

import json

from grader.platforms import gradescope_results as gradescope

METADATA = {
    "id": 123456,
    "created_at": "2018-07-01T14:22:32.365935-07:00",
    "assignment": {"id": 25828, "title": "Programming Assignment 1"},
    "submission_method": "upload",
    "users": [
        {"email": "a@example.com", "id": 1234, "name": "Ada\r\n Lovelace\u202e"},
        {"email": "b@example.com", "id": 5678, "name": "B" * 10_000},
    ],
}


def _root(tmp_path, results=None, metadata=None, error=None):
    (tmp_path / "results").mkdir()
    if results is not None:
        (tmp_path / "results" / "results.json").write_text(json.dumps(results))
    if metadata is not None:
        (tmp_path / "submission_metadata.json").write_text(metadata)
    if error is not None:
        (tmp_path / "results" / "grader.err").write_text(error)
    return tmp_path


def test_metadata_names_ids_and_time_are_bounded_and_inert(tmp_path):
    """Each group member's name and id and the submission time are read; a name loses its
    control and direction characters and is cut to a bounded length."""
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps(METADATA))
    info = gradescope.read_metadata(path)
    assert info.submission_id == "123456"
    assert info.submitted_at == "2018-07-01T14:22:32.365935-07:00"
    assert info.students[0] == gradescope.Student(name="Ada Lovelace", id="1234")
    assert len(info.students[1].name) == gradescope.MAX_TEXT
    assert info.line().startswith("Submission 123456 by Ada Lovelace (id 1234), B")


def test_metadata_absent_or_malformed_is_ignored(tmp_path):
    """A missing file, broken JSON, or values of the wrong type never fail a grading."""
    assert gradescope.read_metadata(tmp_path / "missing.json") is None
    for text in ("{not json", "[1, 2]", '{"users": "x", "id": {"a": 1}, "created_at": [1]}'):
        path = tmp_path / "m.json"
        path.write_text(text)
        info = gradescope.read_metadata(path)
        assert info is None or (info.students == [] and info.submission_id == "")


def test_finish_adds_the_metadata_and_keeps_the_grade(tmp_path):
    """A graded results.json keeps its score and tests, and gains who and when."""
    results = {"score": 3.0, "max_score": 5.0, "output": "Score 3/5", "tests": [{"name": "t"}]}
    root = _root(tmp_path, results=results, metadata=json.dumps(METADATA))
    written = gradescope.finish(root)
    assert written == json.loads((root / "results" / "results.json").read_text())
    assert written["score"] == 3.0 and written["tests"] == [{"name": "t"}]
    assert written["output"].endswith("\nScore 3/5")
    assert written["extra_data"]["submission"]["submission_id"] == "123456"


def test_finish_without_results_reports_the_graders_message(tmp_path):
    """When grade run wrote nothing, the student gets 0 with the grader's (bounded) message."""
    root = _root(tmp_path, error="Error: neither neuron.py nor neuron.ipynb\n" + "x" * 10_000)
    written = gradescope.finish(root)
    assert written["score"] == 0 and written["tests"] == []
    assert written["output"].startswith("Not graded: Error: neither neuron.py")
    assert len(written["output"]) <= gradescope.MAX_ERROR + len("Not graded: ")
