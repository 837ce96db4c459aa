"""PrairieLearn: the results format students see, the exported question files, and the
entry point run end to end against a fake /grade tree laid out as PrairieLearn lays it out
(/grade/student, /grade/tests, /grade/serverFilesCourse, /grade/results/results.json)."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.api import grade
from grader.outputs import formats
from grader.platforms import prairielearn


@pytest.fixture
def wrong_neuron_full_report(wrong_neuron):
    """The wrong neuron graded with its hidden suite (hidden tests fail with hints)."""
    return grade("neuron", wrong_neuron)


def _hidden_failures(report):
    failures = [t for t in report.tests if t.hidden and t.status != "passed" and t.output]
    assert failures, "the wrong neuron must fail hidden tests with a message"
    return failures


def _assert_no_hidden_details(results: dict, report, policy: str = "hints") -> None:
    """No hidden test's inputs or expected values reach the results: under ``hints`` its
    description, function and hint only; under ``none`` nothing but its result."""
    text = json.dumps(results)
    for test in _hidden_failures(report):
        assert json.dumps(test.output)[1:-1] not in text
    shown = {t["name"]: t for t in results["tests"]}
    for test in _hidden_failures(report):
        output = shown[test.name]["output"]
        assert f"{test.function}(" not in output and "expected" not in output
        if policy == "none":
            assert output == ""
            assert shown[test.name]["message"] == f"{test.status} (hidden test: no details)"
        else:
            assert output == test.shown("hints") and (test.hint in output or not test.hint)


def test_results_show_hidden_hints_not_values(wrong_neuron_full_report):
    """By default (``hints``) a hidden failure shows what it checks, its function and its
    hint, never its inputs or expected values; public tests keep their messages; points are
    all there."""
    report = wrong_neuron_full_report
    results = formats.to_prairielearn(report)
    _assert_no_hidden_details(results, report)
    assert any(t.hint for t in _hidden_failures(report))
    public_failure = next(t for t in report.tests if not t.hidden and t.status == "failed")
    shown = next(t for t in results["tests"] if t["name"] == public_failure.name)
    assert shown["output"] == public_failure.output
    assert sum(t["points"] for t in results["tests"]) == report.score
    assert 0 < results["score"] < 1


def test_results_show_hidden_results_only_under_none(wrong_neuron_full_report):
    """``none`` (or the former show_hidden=False): a hidden test by name, points and result."""
    report = wrong_neuron_full_report
    for results in (formats.to_prairielearn(report, "none"),
                    formats.to_prairielearn(report, show_hidden=False)):  # fmt: skip
        _assert_no_hidden_details(results, report, "none")


def test_an_export_before_the_policy_keeps_its_meaning():
    """A job config written before --hidden-feedback (show_hidden_messages) keeps what it
    meant; a config with neither gets the default, ``hints``."""
    assert prairielearn.config_policy({"show_hidden_messages": True}) == "full"
    assert prairielearn.config_policy({"show_hidden_messages": False}) == "none"
    assert prairielearn.config_policy({"hidden_feedback": "none"}) == "none"
    assert prairielearn.config_policy({}) == "hints"


def test_results_show_hidden_details_when_asked(wrong_neuron_full_report):
    """show_hidden=True (the instructor's choice) carries the hidden tests' messages."""
    report = wrong_neuron_full_report
    results = formats.to_prairielearn(report, show_hidden=True)
    shown = {t["name"]: t for t in results["tests"]}
    for test in _hidden_failures(report):
        assert shown[test.name]["output"] == test.output


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pl") / "neurograde-pl"
    return prairielearn.export("neuron", out, image="course/neurograde:1", job_timeout=90)


def test_export_writes_the_question_and_its_external_grading_options(exported):
    """info.json enables external grading with the image, an entry point that exists under
    serverFilesCourse, the shared folder and the job timeout; the tests folder names the
    stage; the image installs a wheel holding the hidden suites and their pytest.ini."""
    question = exported / "questions" / "neurograde-neuron"
    options = json.loads((question / "info.json").read_text())["externalGradingOptions"]
    assert options["enabled"] is True and options["image"] == "course/neurograde:1"
    assert options["timeout"] == 90 and options["serverFilesCourse"] == ["neurograde/"]
    entry = options["entrypoint"].removeprefix("/grade/serverFilesCourse/")
    assert (exported / "serverFilesCourse" / entry).is_file()
    config = json.loads((question / "tests" / "neurograde.json").read_text())
    assert config["stage"] == "neuron" and config["hidden_feedback"] == "hints"
    assert 'file-names="neuron.py"' in (question / "question.html").read_text()
    (wheel,) = (exported / "image").glob("*.whl")
    assert wheel.name in (exported / "image" / "Dockerfile").read_text()
    names = zipfile.ZipFile(wheel).namelist()
    assert "grader/suites/pytest.ini" in names and "grader/platforms/prairielearn.py" in names
    assert "assignments/neuron/hidden/test_neuron_hidden.py" in names


def test_export_refuses_a_folder_that_is_not_empty(exported):
    """Exporting over an earlier export is refused (a new folder each time)."""
    with pytest.raises(prairielearn.GraderError, match="not empty"):
        prairielearn.export("neuron", exported)


def fake_grade_root(tmp_path: Path, exported: Path, submission: str | None) -> tuple[Path, dict]:
    """A /grade tree as PrairieLearn builds it for one job of the exported question."""
    root = tmp_path / "grade"
    shutil.copytree(exported / "questions" / "neurograde-neuron" / "tests", root / "tests")
    shutil.copytree(exported / "serverFilesCourse", root / "serverFilesCourse")
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text("{}")
    (root / "student").mkdir()
    if submission is not None:
        (root / "student" / "neuron.py").write_text(submission)
    # The installed neurograde of this environment plays the image's python3.
    env = dict(os.environ, GRADE_ROOT=str(root), NEUROGRADE_PYTHON=sys.executable)
    return root, env


def run_entry_point(root: Path, env: dict) -> dict:
    entry = root / "serverFilesCourse" / "neurograde" / "run.sh"
    subprocess.run(["bash", str(entry)], env=env, check=True, timeout=300)
    return json.loads((root / "results" / "results.json").read_text())


def test_entry_point_grades_the_student_folder(
    tmp_path, exported, wrong_neuron, wrong_neuron_full_report
):
    """run.sh grades /grade/student into /grade/results/results.json: a fraction of the
    points, every test listed, and no hidden test's details for the student to read."""
    root, env = fake_grade_root(tmp_path, exported, wrong_neuron.read_text())
    results = run_entry_point(root, env)
    report = wrong_neuron_full_report
    assert results["gradable"] is True
    assert results["score"] == round(report.score / report.max_score, 6)
    assert [t["name"] for t in results["tests"]] == [t.name for t in report.tests]
    _assert_no_hidden_details(results, report)
    assert not os.stat(root / "tests" / "neurograde.json").st_mode & 0o077  # kept from the student


def test_entry_point_without_a_submission_is_not_gradable(tmp_path, exported):
    """An empty upload is reported as not gradable, with the reason: no points lost."""
    root, env = fake_grade_root(tmp_path, exported, None)
    results = run_entry_point(root, env)
    assert results["gradable"] is False
    assert "neither" in results["format_errors"][0]


def test_entry_point_writes_results_when_the_grader_cannot_start(tmp_path, exported):
    """A broken image (no neurograde for its python3) still yields a results.json that
    does not count against the student."""
    root, env = fake_grade_root(tmp_path, exported, "def neuron_output(*args):\n    return 0\n")
    env["NEUROGRADE_PYTHON"] = "/bin/false"
    results = run_entry_point(root, env)
    assert results["gradable"] is False and "could not start" in results["format_errors"][0]


def test_cli_export_prairielearn(tmp_path):
    """`grade export prairielearn STAGE -o DIR` writes the files and says where."""
    out = tmp_path / "pl"
    command = [sys.executable, "-m", "grader", "export", "prairielearn", "batch", "-o", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (out / "questions" / "neurograde-batch" / "info.json").is_file()
    assert "README.md" in result.stdout
