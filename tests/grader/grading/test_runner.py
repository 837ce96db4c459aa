"""Running the suites (``grader.grading.runner``): the report of one submission, and the
points collected from the markers."""

from grader import api
from grader.grading.runner import collect_points, grade_submission
from grader.grading.submission import read_submission
from grader.sandbox import levels
from grader.sandbox.limits import Limits


def test_an_unrunnable_submission_reports_its_reason_as_is(tmp_path):
    """An empty file is not_runnable with the reason itself as the problem (no message
    split apart), and every test says it could not run."""
    path = tmp_path / "neuron.py"
    path.write_text("")
    files = api.suite_files("neuron", public_only=True)
    report = grade_submission("neuron", read_submission("neuron", path), files, Limits(),
                              levels.choose())  # fmt: skip
    assert report.status == "not_runnable" and report.problem == "the file is empty"
    assert report.tests and all(t.status == "error" for t in report.tests)
    assert all("could not be run: the file is empty" in t.output for t in report.tests)


def test_points_are_collected_from_the_markers():
    """The public tests of neuron are 5 points; the hidden suite brings more."""
    points = collect_points("neuron", api.suite_files("neuron"))
    assert points["public"] == 5 and points["hidden"] > 0
    assert collect_points("neuron", api.suite_files("neuron", public_only=True))["hidden"] == 0
