"""Reading a submission (``grader.grading.submission``): never run here, problems recorded
as data, magics left out and listed."""

import pytest

from grader.errors import AmbiguousSubmission, SubmissionError
from grader.grading.submission import (
    MAX_CODE,
    find_submission,
    read_submission,
    statement_text,
    strip_magics,
)


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


def test_a_quoted_statement_is_whole_and_bounded():
    """A statement over several lines is quoted whole as one line: through the last line the
    student process gave, else through the line where its brackets close (comments left
    out); a line inside a statement, or a huge one, is quoted alone; ``MAX_CODE`` at most."""
    lines = ["    raise ValueError(", '        f"bad {x}"  # why', "    )", "y = 1"]
    assert statement_text(lines, 1) == 'raise ValueError(f"bad {x}")'  # tokenize: 3.10
    assert statement_text(lines, 1, end_line=3) == 'raise ValueError(f"bad {x}")'
    assert statement_text(lines, 3) == ")" and statement_text(lines, 4) == "y = 1"
    assert statement_text(lines, 1, end_line=10**9) == 'raise ValueError(f"bad {x}")'
    assert statement_text(['s = """a', 'b"""'], 2) == 'b"""'  # not a statement's start
    long = ["x = f(" + "1, " * 2000 + ")"]
    assert len(statement_text(long, 1)) == MAX_CODE and statement_text(long, 1).endswith("\u2026")
    many = ["f("] + ["1,"] * 100 + [")"]
    assert statement_text(many, 1).startswith("f(1, 1,") and len(statement_text(many, 1)) <= 200
    assert statement_text(lines, 9) == ""
