"""The pytest plugin (``grader.grading.plugin``): a test's status and the message the
student reads, decided from the exception that ended it (by its type, never its text);
the ``call_timeout`` marker."""

import json
import os
import subprocess
import sys

import pytest

from grader import course
from grader.authoring import scaffold
from grader.authoring.validate import validate
from grader.errors import Mismatch, MissingName, StudentCrash, StudentTimeout, student_raised
from grader.grading.plugin import classify


def ended_by(exc):
    """The ExceptionInfo of ``exc`` raised, as pytest hands it to the plugin."""
    with pytest.raises(BaseException) as info:
        raise exc
    return info


def test_a_mismatch_is_shown_as_it_is_even_from_a_hidden_test():
    """A Mismatch (checks.py's teaching message) is shown whole, hidden test or not."""
    message = "softmax([1, 2]): expected [0.27, 0.73], got [1, 2]\nHint: exponentiate"
    assert classify(ended_by(Mismatch(message)), hidden=True) == ("failed", message)


def test_a_bare_assert_of_a_hidden_test_shows_nothing_of_it():
    """A plain AssertionError of a hidden test may quote its source: it is not shown."""
    status, output = classify(ended_by(AssertionError("assert got == 42")), hidden=True)
    assert status == "failed" and "42" not in output


def test_statuses_of_the_students_failures():
    """Timeouts are timeouts, crashes errors, a missing name and a raised error failures
    (the latter naming the function and the student's exception)."""
    assert classify(ended_by(StudentTimeout("too slow")), hidden=False)[0] == "timeout"
    assert classify(ended_by(StudentCrash("died")), hidden=False)[0] == "error"
    assert classify(ended_by(MissingName("relu")), hidden=True) == (
        "failed", str(MissingName("relu")),
    )  # fmt: skip
    raised = student_raised({"type": "ValueError", "message": "bad", "frames": []}, "relu")
    status, output = classify(ended_by(raised), hidden=True)
    assert status == "failed" and output.startswith("relu raised ValueError: bad")


# ---------------------------------------------------------------- call_timeout

SLOW_SUITE = '''"""Calls that nap: one test allowed more time than the grading's per-call limit."""

import pytest

pytestmark = [pytest.mark.hidden, pytest.mark.function("scale")]



@pytest.mark.call_timeout(0.1)
def test_scale_never_less_than_the_limit(student):
    """A marker below the grading's limit does not lower it."""
    assert student.nap(0.4) == 0.4


@pytest.mark.parametrize("attempt", [1, 2])
def test_scale_under_the_grading_limit(student, attempt):
    """The call in a test without the marker, twice (the most one function may run out of
    time under one limit)."""
    assert student.nap(1.5) == 1.5


@pytest.mark.call_timeout(5)
def test_scale_allowed_five_seconds(student):
    """A call of 1.5 s under a limit of 1 s, in a test allowed 5 s."""
    assert student.nap(1.5) == 1.5

'''
NAPPER = """import time


def scale(values, factor):
    return values


def nap(seconds):
    time.sleep(seconds)
    return seconds
"""


def grade_in_course(folder, *args):
    """`grade --course FOLDER ARGS` in a fresh process (the course is process-wide)."""
    env = {k: v for k, v in os.environ.items() if k != "NEUROGRADE_COURSE"}
    return subprocess.run([sys.executable, "-m", "grader", "--course", str(folder), *args],
                          capture_output=True, text=True, env=env, timeout=300)  # fmt: skip


def test_a_call_timeout_marker_gives_its_tests_calls_more_time(tmp_path):
    """`@pytest.mark.call_timeout(5)`: the test's calls may take 5 s under `--timeout 1`,
    even after the same call timed out twice in unmarked tests (which then refuse it); a
    marker never lowers the limit."""
    scaffold.new_stage("slowpoke", tmp_path)
    (tmp_path / "slowpoke" / "hidden" / "test_slowpoke_slow.py").write_text(SLOW_SUITE)
    submission = tmp_path / "slowpoke.py"
    submission.write_text(NAPPER)
    done = grade_in_course(tmp_path, "run", "slowpoke", submission, "--timeout", "1",
                           "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    status = {t["name"]: t["status"] for t in json.loads(done.stdout)["tests"]}
    assert status["test_scale_allowed_five_seconds"] == "passed"
    assert status["test_scale_under_the_grading_limit[1]"] == "timeout"
    assert status["test_scale_under_the_grading_limit[2]"] == "timeout"
    assert status["test_scale_never_less_than_the_limit"] == "passed"


@pytest.mark.parametrize("value", ['"soon"', "0", "-1", "float('inf')", "1, 2", "10**400"])
def test_a_call_timeout_that_is_no_time_stops_the_suite(tmp_path, value):
    """A call_timeout that is not one positive number of seconds is the suite's mistake:
    grading and `grade list` stop and say so in a line (exit 2), validate names the test."""
    scaffold.new_stage("slowpoke", tmp_path)
    suite = SLOW_SUITE.replace("call_timeout(5)", f"call_timeout({value})")
    (tmp_path / "slowpoke" / "hidden" / "test_slowpoke_slow.py").write_text(suite)
    submission = tmp_path / "slowpoke.py"
    submission.write_text(NAPPER)
    for command in (["run", "slowpoke", submission], ["list"]):
        done = grade_in_course(tmp_path, *command)
        assert done.returncode == 2 and "call_timeout" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr) < 400
    findings = {f.check: f for f in validate(course.read_stage(tmp_path / "slowpoke"))}
    finding = findings["every call_timeout is a positive number of seconds"]
    assert not finding.ok and finding.detail == "test_scale_allowed_five_seconds"
