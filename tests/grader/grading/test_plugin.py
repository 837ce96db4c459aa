"""The pytest plugin (``grader.grading.plugin``): a test's status and the message the
student reads, decided from the exception that ended it (by its type, never its text)."""

import pytest

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
