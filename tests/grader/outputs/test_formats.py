"""The format registry (``grader.outputs.formats``): JUnit XML, PrairieLearn, Gradescope,
JSON and text, each reached through ``render(report, fmt)``."""

import json
import xml.etree.ElementTree as ET

from grader.outputs import formats
from grader.outputs.formats import FORMATS, render

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


def test_gradescope_strict_statuses(wrong_neuron_report):
    """The strict Gradescope document has only passed/failed statuses and known keys."""
    data = wrong_neuron_report.to_gradescope()
    assert {t["status"] for t in data["tests"]} <= {"passed", "failed"}
    assert data["score"] == wrong_neuron_report.score
    for test in data["tests"]:
        assert {"score", "max_score", "status", "name", "output", "visibility"} <= set(test)


def test_every_format_renders_through_the_registry(wrong_neuron_report):
    """Each registered format renders the report as its own function does, and has a
    description for `grade run --help`; the JSON ones parse."""
    report = wrong_neuron_report
    assert set(FORMATS) == {"text", "json", "gradescope", "junit", "prairielearn"}
    assert render(report, "junit") == formats.to_junit(report)
    assert json.loads(render(report, "prairielearn")) == formats.to_prairielearn(report)
    assert json.loads(render(report, "gradescope")) == report.to_gradescope()
    assert json.loads(render(report, "json"))["score"] == report.score
    assert render(report, "text").splitlines()[-1].startswith("Score ")
    assert all(f.description for f in FORMATS.values())

