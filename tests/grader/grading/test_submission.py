"""Reading a submission (``grader.grading.submission``): never run here, problems recorded
as data, magics left out and listed."""

import pytest

from grader.errors import AmbiguousSubmission, SubmissionError
from grader.grading.submission import find_submission, read_submission, strip_magics


def test_magics_and_shell_lines_are_blanked_and_listed():
    """IPython magics and shell escapes become blank lines (line numbers still match) and
    are returned; a %% cell is dropped whole."""
    code, dropped = strip_magics("x = 1\n%timeit f()\n!ls\nfiles = !ls\ny = 2")
    assert code.splitlines() == ["x = 1", "", "", "", "y = 2"]
    assert dropped == ["%timeit f()", "!ls", "files = !ls"]
    assert strip_magics("%%bash\necho hi") == ("", ["%%bash"])


def test_a_folder_with_both_files_is_ambiguous_as_data(tmp_path):
    """A folder holding both STAGE.py and STAGE.ipynb raises AmbiguousSubmission with the
    two paths (the caller applies the one rule), not a message to parse."""
    for name in ("neuron.py", "neuron.ipynb"):
        (tmp_path / name).write_text("x = 1\n")
    with pytest.raises(AmbiguousSubmission) as both:
        find_submission("neuron", tmp_path)
    assert [p.name for p in both.value.paths] == ["neuron.py", "neuron.ipynb"]


def test_unrunnable_files_are_recorded_not_raised(tmp_path):
    """Empty, not UTF-8, or binary: the Submission says why it cannot run; a missing path
    or another suffix is an error of the caller."""
    cases = {b"": "empty", b"\xff\xfe x": "not UTF-8", b"x = 1\x00": "NUL bytes"}
    for content, words in cases.items():
        path = tmp_path / "neuron.py"
        path.write_bytes(content)
        assert words in read_submission("neuron", path).problem
    with pytest.raises(SubmissionError, match="no such file"):
        read_submission("neuron", tmp_path / "nope.py")
    (tmp_path / "neuron.txt").write_text("x")
    with pytest.raises(SubmissionError, match=".py file or a .ipynb"):
        find_submission("neuron", tmp_path / "neuron.txt")
