"""README's exit-code table, row by row, against real invocations of `grade`.

The table is read from README.md: each row's exit code, and the example commands in its
last column (run from the repository's root, as the README says). A row changed in the
README without a change of behaviour fails here, and so does behaviour that drifts from
the README.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = "| exit code | when | for example |"

# Examples whose behaviour lands with another part of issue 11 (flip when merged).


def exit_code_rows() -> list[tuple[int, str, str]]:
    """(code, when, cell of examples) of each row of README's exit-code table."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2  # past the header and its --- row
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        code, when, examples = (cell.strip() for cell in line.strip("|").split(" | "))
        rows.append((int(code), when, examples))
    return rows


def examples() -> list:
    """One pytest param per example command of the table: (code, command, interrupted)."""
    params = []
    for code, _, cell in exit_code_rows():
        for command in re.findall(r"`(grade [^`]+)`", cell):
            interrupted = "(Ctrl-C)" in cell
            params.append(
                pytest.param(code, command, interrupted, id=f"{code} {command}")
            )
    return params


def invocation(command: str) -> list[str]:
    """The command as an argument list for this interpreter; the repository's paths
    (tests/...) made absolute, every other path left relative to the test's folder."""
    words = shlex.split(command)
    assert words[0] == "grade"
    args = [str(ROOT / w) if w.startswith("tests/") else w for w in words[1:]]
    return [sys.executable, "-c", "from grader.cli import main; main()", *args]


def test_the_table_covers_every_exit_code_and_has_examples():
    """The table lists 0, 1, 2 and 130, and every row has at least one example."""
    rows = exit_code_rows()
    assert {code for code, _, _ in rows} == {0, 1, 2, 130}
    for code, when, cell in rows:
        assert re.search(r"`grade [^`]+`", cell), f"{code} ({when}) has no example"


@pytest.mark.parametrize("code, command, interrupted", examples())
def test_each_example_exits_with_its_rows_code(code, command, interrupted, tmp_path):
    """The example exits with its row's code, without a traceback; an exit 2 says why on
    one `Error:` line (or click's usage error). Run in an empty folder but for one file,
    so that `-d .` is a folder that is not empty and outputs land in tmp_path."""
    (tmp_path / "notes.txt").write_text("a file, so this folder is not empty")
    if interrupted:
        returncode, stderr = interrupt_after_first_student(invocation(command), tmp_path)
    else:
        result = subprocess.run(
            invocation(command), cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        returncode, stderr = result.returncode, result.stderr
    assert returncode == code, f"{command}: exit {returncode}\n{stderr[-2000:]}"
    assert "Traceback" not in stderr, stderr
    if code == 2:
        # One error, stated once (a batch's lists what it found under it).
        assert sum(line.startswith("Error: ") for line in stderr.splitlines()) == 1, stderr


def interrupt_after_first_student(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run a batch as a terminal would and press Ctrl-C (SIGINT to its process group)
    once the first student is graded; the exit code and stderr."""
    process = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    first = process.stderr.readline()  # "[1/10] ada: 60/60": one graded
    os.killpg(process.pid, signal.SIGINT)
    _, rest = process.communicate(timeout=120)
    assert (cwd / "graded" / "results").is_dir(), "what was graded is kept"
    return process.returncode, first + rest
