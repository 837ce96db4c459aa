"""Warm suites (``grader.grading.warm``): one process grades submission after submission
with the suites it collected once, and nothing carries from one to the next."""

import re
from dataclasses import asdict
from pathlib import Path

import pytest

from grader.api import grade
from grader.batch import _grade_one
from grader.course import standalone_reference
from grader.errors import StudentUnavailable
from grader.grading.warm import forget_warm_suites, warm_suite
from grader.sandbox.limits import Limits

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
SUBMISSIONS = Path(__file__).resolve().parents[1] / "fixtures" / "submissions"
TIMINGS = {"execution_time", "duration"}


def plain(report) -> dict:
    """A report as data, without its timings and its path."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in TIMINGS | {"submission"}}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(report if isinstance(report, dict) else asdict(report))


def hostile(tmp_path: Path, name: str) -> tuple[str, Path]:
    """A hostile fixture as a submission: (its stage, its path), the reference filled in."""
    text = (HOSTILE / name).read_text(encoding="utf-8", errors="replace")
    stage = re.search(r"stage: (\w+)", text).group(1)
    text = re.sub(r"^# @@REFERENCE@@.*$", lambda _: standalone_reference(stage), text,
                  flags=re.M)  # fmt: skip
    path = tmp_path / name.removesuffix(".py") / f"{stage}.py"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return stage, path


@pytest.fixture
def cold():
    """Every warm suite of this process closed before and after the test."""
    forget_warm_suites()
    yield
    forget_warm_suites()


def test_a_submission_graded_after_hostile_ones_gets_its_report_alone(
    tmp_path, correct_neuron, wrong_neuron, cold
):
    """The right and the wrong neuron get, after fixtures that crash, exit, hang, forge the
    score and monkeypatch the comparisons (in the same warm process), the very reports they
    get when graded first by a fresh suite."""
    alone = {}
    for path in (correct_neuron, wrong_neuron):
        forget_warm_suites()
        alone[path] = plain(grade("neuron", path))
    limits = Limits(timeout=1, total_seconds=4)
    for name in ("monkeypatch_compare.py", "exit_at_import.py", "os_exit_in_function.py",
                 "forge_score.py", "infinite_loop.py", "sys_exit_in_function.py"):  # fmt: skip
        stage, path = hostile(tmp_path, name)
        grade(stage, path, limits=limits)  # its own stage's warm suite, in this process
        for submission in (correct_neuron, wrong_neuron):
            assert plain(grade("neuron", submission)) == alone[submission], name


def test_two_submissions_in_one_warm_worker_get_their_own_reports(cold):
    """A batch worker's call, alternating a right and a wrong activations file: each gets
    its own report, the same every time (the wrong one's failures never leak into the right
    one's report, nor the other way round)."""
    right = SUBMISSIONS / "activations" / "correct_loops.py"
    wrong = SUBMISSIONS / "activations" / "wrong_softmax_axis0.py"
    seen = {right: [], wrong: []}
    for path in (right, wrong, right, wrong):
        result = _grade_one("activations", str(path), {})
        seen[path].append(plain(result["report"]))
    assert seen[right][0] == seen[right][1] and seen[wrong][0] == seen[wrong][1]
    assert seen[right][0]["score"] == seen[right][0]["max_score"]
    assert 0 < seen[wrong][0]["score"] < seen[wrong][0]["max_score"]
    failed = {t["name"] for t in seen[wrong][0]["tests"] if t["status"] != "passed"}
    assert failed and all("softmax" in name for name in failed)


def test_between_two_gradings_the_suite_reaches_no_student(correct_neuron, cold):
    """After a grading, the student functions the test modules imported are bound to no
    submission: calling one refuses, and no fixture is left set up."""
    grade("neuron", correct_neuron)
    from grader.api import suite_files

    suite = warm_suite("neuron", suite_files("neuron"))
    assert suite.current.session is None
    with pytest.raises(StudentUnavailable):
        suite.plugin.module.neuron_output([1.0], [1.0], 0.0)
    assert not suite.session._setupstate.stack


def test_the_time_budget_is_each_submission_s_own(tmp_path, cold):
    """A submission that hangs in every call uses up its total time; the next one in the
    same warm process gets the whole budget again: its report is the first one's."""
    stage, path = hostile(tmp_path, "infinite_loop.py")
    limits = Limits(timeout=0.5, total_seconds=1.5)
    first = plain(grade(stage, path, limits=limits))
    second = plain(grade(stage, path, limits=limits))
    assert first == second
    statuses = {t["status"] for t in first["tests"]}
    assert "timeout" in statuses and "passed" in statuses
