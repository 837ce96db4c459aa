"""One submission's student side (``grader.grading.session``): facts come back as data
(a missing name, why the submission cannot run), and what the child reports is bounded."""

import pytest

from grader.errors import MissingName, StudentRaised, StudentUnavailable
from grader.grading.proxy import StudentModule
from grader.grading.session import Session, Unavailable, sanitize_load_report
from grader.sandbox import levels
from grader.sandbox.limits import Limits, LoadRequest

CODE = """
def fails(x):
    raise ValueError(f"bad {x}")

def lookup(name):
    raise AttributeError("lookup: no name " + repr(name))  # the old marker, from a student
"""


@pytest.fixture
def student():
    """The submission above, in a student process at the level grade() would use."""
    request = LoadRequest("neuron", "neuron.py", [CODE], CODE.encode())
    session = Session(request, Limits(timeout=5, load_timeout=20), levels.detect())
    yield StudentModule(session, "neuron")
    session.close()


def test_a_missing_name_comes_back_as_data(student):
    """Calling a name the submission lacks raises MissingName naming it, from the runtime's
    ``missing`` reply; an AttributeError the student raises with the old marker text is
    the student's own error, not a missing name."""
    with pytest.raises(MissingName) as missing:
        student.softmax([1.0])
    assert missing.value.name == "softmax" and "does not define 'softmax'" in str(missing.value)
    with pytest.raises(AttributeError) as raised:
        student.lookup("x")
    assert isinstance(raised.value, StudentRaised) and raised.value.function == "lookup"


def test_a_student_error_names_the_function_called(student):
    """The student's exception is attributed to the function called (not parsed out of the
    request's description)."""
    with pytest.raises(ValueError, match="bad 3") as raised:
        student.fails(3)
    assert raised.value.function == "fails" and raised.value.student_type == "ValueError"


def test_why_a_submission_cannot_run_is_data():
    """An unavailable submission keeps the stage of the failure and its reason apart; the
    message tests show is built from them."""
    why = Unavailable("run", "the file is empty")
    assert str(why) == "the submission could not be run: the file is empty"
    request = LoadRequest("neuron", "neuron.py", [], b"")
    session = Session(request, Limits(), levels.BASELINE)
    session.unavailable = why
    with pytest.raises(StudentUnavailable, match="could not be run: the file is empty"):
        StudentModule(session, "neuron").anything()
    session.close()


def test_the_load_report_is_bounded():
    """A forged load report is cut down: at most 20 errors of bounded text, 500 names, and
    nothing that is not plain data."""
    forged = {
        "errors": [{"type": "E" * 500, "message": "m" * 10**5, "frames": [{"line": "1"}] * 50,
                    "cell": "2"}] * 100 + ["not a dict"],
        "names": ["n"] * 10**4 + [object()],
    }  # fmt: skip
    clean = sanitize_load_report(forged)
    assert len(clean["errors"]) == 20 and len(clean["names"]) == 500
    error = clean["errors"][0]
    assert len(error["type"]) == 80 and len(error["message"]) == 2000
    assert len(error["frames"]) == 5 and error["frames"][0]["line"] is None
    assert "cell" not in error and "frames_left_out" not in error


def test_the_load_report_keeps_where_each_frame_is_bounded():
    """A frame's function (80 characters) and statement's last line (an int) pass, as does
    the count of frames left out; anything else of them is dropped."""
    forged = {"errors": [{"type": "E", "message": "m", "frames_left_out": 10**12,
                          "frames": [{"line": 1, "function": "f" * 500, "end_line": "9"},
                                     {"line": 2, "function": "g", "end_line": 4}]}]}  # fmt: skip
    (error,) = sanitize_load_report(forged)["errors"]
    first, second = error["frames"]
    assert len(first["function"]) == 80 and "end_line" not in first
    assert (second["function"], second["end_line"]) == ("g", 4)
    assert "frames_left_out" not in error
    forged["errors"][0]["frames_left_out"] = 995
    assert sanitize_load_report(forged)["errors"][0]["frames_left_out"] == 995
