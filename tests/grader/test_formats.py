"""Reports in other tools' formats: JUnit XML, PrairieLearn, GitHub Actions, Gradescope."""

import json
import xml.etree.ElementTree as ET

from grader import formats

GRADESCOPE_TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output",
                        "output_format", "tags", "visibility", "extra_data"}  # fmt: skip


def test_junit(wrong_neuron_report):
    """JUnit XML parses, counts the tests and failures, and carries the messages."""
    report = wrong_neuron_report
    suite = ET.fromstring(formats.to_junit(report))
    assert suite.tag == "testsuite"
    assert int(suite.get("tests")) == len(report.tests) == 5
    failed = [t for t in report.tests if t.status == "failed"]
    assert int(suite.get("failures")) == len(failed) > 0
    failures = suite.findall("testcase/failure")
    assert len(failures) == len(failed)
    assert all(f.text for f in failures)


def test_prairielearn_score_is_a_fraction(wrong_neuron_report):
    """PrairieLearn gets the score in [0, 1] and per-test points."""
    data = formats.to_prairielearn(wrong_neuron_report)
    assert data["score"] == round(wrong_neuron_report.score / 5, 6)
    assert 0 < data["score"] < 1 and data["gradable"] is True
    assert sum(t["points"] for t in data["tests"]) == wrong_neuron_report.score
    assert len(json.dumps(data)) < 1_000_000


def test_github_annotations_and_points_line(wrong_neuron_report, tmp_path, monkeypatch):
    """An error annotation per failing test, the Classroom points notice, a job summary."""
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    lines = []
    formats.write_github(wrong_neuron_report, "neuron.py", lines.append)
    report = wrong_neuron_report
    errors = [line for line in lines if line.startswith("::error file=neuron.py,")]
    assert len(errors) == sum(t.status != "passed" for t in report.tests)
    assert all("\n" not in line for line in lines)
    assert f"::notice title=Autograding complete::Points {report.score:g}/5" in lines
    assert "| test_neuron_output_known_value |" in summary.read_text()


def test_gradescope_strict_statuses(wrong_neuron_report):
    """The strict Gradescope document has only passed/failed statuses and known keys."""
    data = wrong_neuron_report.to_gradescope()
    assert {t["status"] for t in data["tests"]} <= {"passed", "failed"}
    assert data["score"] == wrong_neuron_report.score
    for test in data["tests"]:
        assert {"score", "max_score", "status", "name", "output", "visibility"} <= set(test)
