"""What came of loading a submission (``submission.settle_outcome``): one rule for "could not
run", the reason as data (kind, file, notebook cell, line, source line), the same cell number
in every message, and every output telling the same reason.

Fixtures in ``tests/fixtures/outcomes/`` are named after what is wrong with them."""

import json
from pathlib import Path

import pytest

from grader.api import grade
from grader.outputs.feedback import feedback_html, feedback_markdown
from grader.outputs.formats import render, to_prairielearn

OUTCOMES = Path(__file__).resolve().parents[2] / "fixtures" / "outcomes"


@pytest.fixture(scope="module")
def graded():
    """Each outcome fixture graded once for the neuron stage (public tests only: the rule
    does not depend on the suite)."""
    return {path.name: grade("neuron", path, public_only=True)
            for path in sorted(OUTCOMES.iterdir())}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "kind", "words"),
    [
        ("empty.py", "empty", "the file is empty"),
        ("not_json.ipynb", "not_notebook", "not a valid Jupyter notebook"),
        ("syntax_error.py", "syntax_error",
         "syntax_error.py, line 4: SyntaxError: expected ':' (the line: def neuron_output("),
        ("imports_missing_module.py", "import_error",
         "imports_missing_module.py, line 1: ModuleNotFoundError: No module named 'torch' "
         "(the line: import torch)"),
    ],
)  # fmt: skip
def test_nothing_loaded_is_not_runnable_with_its_reason(graded, name, kind, words):
    """A submission of which nothing could be loaded (empty, not a notebook, a syntax error
    or failed import that left none of the stage's names defined) could not run: its kind
    is data, its reason names file, line and source line, and it is the gradebook's."""
    report = graded[name]
    assert report.status == "not_runnable" and report.problem_kind == kind
    assert words in report.problem and report.reason().startswith(report.problem)
    assert report.score == 0


def test_a_file_that_loaded_in_part_is_graded_with_its_load_error(graded):
    """A .py that defines one name and then raises is graded: the error is listed (file,
    line, source line), the name it never reached is missing, and its tests fail alone."""
    report = graded["half_loaded_then_raises.py"]
    assert report.status == "graded" and report.missing == ["neuron_output_np"]
    (error,) = report.load_errors
    assert (error["kind"], error["type"], error["line"]) == ("load_error", "RuntimeError", 5)
    assert error["code"] == 'raise RuntimeError("stops here")'
    assert "does not define neuron_output_np" in report.reason()
    assert report.score > 0  # neuron_output's tests pass
    assert all(t.status != "passed" for t in report.tests if "_np" in t.name)


def test_notebook_cells_have_one_number_everywhere(graded):
    """A notebook's cell is numbered as it sits in the notebook (markdown cells count) in
    load errors and in the skipped magics alike, and the offending line is shown."""
    report = graded["notebook_errors_in_cells.ipynb"]
    assert report.status == "graded" and not report.missing
    name_error, syntax_error = report.load_errors
    assert (name_error["cell"], name_error["line"], name_error["code"]) == (
        6, 4, "print(undefined_name)")  # fmt: skip
    assert (syntax_error["cell"], syntax_error["kind"], syntax_error["code"]) == (
        7, "syntax_error", "def broken(:")  # fmt: skip
    assert syntax_error["message"] == "invalid syntax"  # no "(neuron.py [cell 4], line 1)"
    assert report.skipped == ["cell 6: %time 1"]
    assert "notebook_errors_in_cells.ipynb, cell 6, line 4: NameError" in report.reason()


@pytest.mark.parametrize("name", ["syntax_error.py", "notebook_errors_in_cells.ipynb"])
def test_every_output_tells_the_same_reason(graded, name):
    """Text, JSON, Gradescope, PrairieLearn, Markdown and HTML feedback carry the same
    reason (the problem or load errors, with file, cell and line)."""
    report = graded[name]
    first = report.load_errors[0]
    place = f"{first['file']}, " + (f"cell {first['cell']}, " if first["cell"] else "")
    needle = f"{place}line {first['line']}: {first['type']}"
    outputs = {
        "text": render(report, "text"),
        "json": json.loads(render(report, "json"))["output"],
        "gradescope": json.loads(render(report, "gradescope"))["output"],
        "prairielearn": json.dumps(to_prairielearn(report)),
        "markdown": feedback_markdown("ann", report),
        "html": feedback_html("ann", report),
    }
    assert all(needle in text for text in outputs.values()), [
        fmt for fmt, text in outputs.items() if needle not in text
    ]
    data = json.loads(render(report, "json"))
    assert data["status"] == report.status and data["problem_kind"] == report.problem_kind
    assert data["load_errors"][0]["line"] == first["line"]


def test_an_error_raised_in_a_function_names_the_top_level_line_that_ran(graded):
    """A call left at the end of a .py that raises inside the student's function: the error
    names the top-level line (the call to remove) and, after it, the line and function
    where it was raised, each statement whole (not ``raise ValueError(``)."""
    report = graded["leftover_call_raises_in_function.py"]
    (error,) = report.load_errors
    assert error["top_level"] == {"cell": None, "line": 13,
                                  "code": "r = neuron_output([1, 2], [3], 0)"}  # fmt: skip
    assert (error["line"], error["function"]) == (3, "neuron_output")
    assert error["code"] == (
        'raise ValueError(f"inputs has length {len(inputs)} but weights has length '
        '{len(weights)}")'
    )
    assert (
        "leftover_call_raises_in_function.py, line 13: r = neuron_output([1, 2], [3], 0) "
        "-> line 3 in neuron_output: ValueError: inputs has length 2"
    ) in report.reason()


def test_a_notebook_error_names_the_running_cell_and_the_function_cell(graded):
    """The same in a notebook: the cell and line of the statement that ran (a call over
    several lines, its comment left out) and the cell, line and function that raised."""
    report = graded["leftover_call_raises_in_notebook.ipynb"]
    (error,) = report.load_errors
    code = "r = neuron_output([1, 2], [3], 0,)"
    assert error["top_level"] == {"cell": 5, "line": 2, "code": code}
    assert (error["cell"], error["line"], error["function"]) == (2, 3, "neuron_output")
    assert (
        "leftover_call_raises_in_notebook.ipynb, cell 5, line 2: r = neuron_output([1, 2], "
        "[3], 0,) -> cell 2, line 3 in neuron_output: ValueError:"
    ) in report.reason()


def test_a_recursion_error_at_load_stays_short(graded):
    """A runaway recursion at load keeps 5 frames (the top-level line and the last ones),
    says the calls between as ``-> ... ->`` and makes one short line."""
    report = graded["recursion_at_load.py"]
    (error,) = report.load_errors
    assert len(error["frames"]) == 5 and error["calls_between"] > 100
    (line,) = [line for line in report.summary().splitlines() if "While loading" in line]
    assert line == (
        "While loading: recursion_at_load.py, line 13: countdown(3) -> ... -> line 10 in "
        "countdown: RecursionError: maximum recursion depth exceeded "
        "(the line: return countdown(n - 1))"
    )
