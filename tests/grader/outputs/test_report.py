"""The report (``grader.outputs.report``): outcomes kept apart, totals, the summary line,
Gradescope's strict statuses, and the text a terminal shows."""

from grader.outputs.report import Report, format_error, render_text
from grader.outputs.report import TestResult as Outcome  # not "Test*": pytest would collect it


def report() -> Report:
    tests = [Outcome("test_a", 1.0, 1.0, "passed"), Outcome("test_b", 0.0, 2.0, "failed", "x"),
             Outcome("test_c", 0.0, 1.0, "timeout", "slow")]  # fmt: skip
    result = Report("neuron", "neuron.py", tests=tests, notes=["neuron.ipynb ignored"])
    result.total()
    return result


def test_totals_and_summary():
    """Score and maximum are the tests' sums; the summary counts each status."""
    r = report()
    assert (r.score, r.max_score, round(r.percent)) == (1.0, 4.0, 25)
    assert r.summary().endswith("Score 1/4: 1 passed, 1 failed, 1 timeout")


def test_gradescope_document_has_only_passed_and_failed():
    """Gradescope's strict document turns timeout into failed, keeping ours in extra_data,
    and puts the notes atop the output."""
    data = report().to_gradescope()
    assert [t["status"] for t in data["tests"]] == ["passed", "failed", "failed"]
    assert data["tests"][2]["extra_data"]["status"] == "timeout"
    assert data["output"].startswith("neuron.ipynb ignored")


def test_text_report_lists_tests_messages_and_notes():
    """The terminal text names each test with its mark and points, indents messages, shows
    the notes, and ends with the score line."""
    text = render_text(report())
    assert "  PASS    test_a" in text and "  TIMEOUT test_c" in text
    assert "          slow" in text and "note: neuron.ipynb ignored" in text
    assert text.splitlines()[-1].startswith("Score 1/4")


def test_a_submission_that_cannot_run_is_explained_once():
    """An empty file fails every test for one reason: the text names it once, not per test."""
    reason = "the submission could not be run: the file is empty"
    tests = [Outcome(f"test_{n}", 0.0, 1.0, "error", reason) for n in range(18)]
    result = Report("neuron", "empty.py", tests=tests, status="not_runnable",
                    problem="the file is empty")  # fmt: skip
    result.total()
    text = render_text(result)
    assert text.count("the file is empty") == 1, text
    assert "  ERROR   test_17" in text and text.splitlines()[-1].startswith("Score 0/18")


def test_format_error_names_cell_type_message_and_line():
    """An error of the student process reads as one line: cell, type, message, code line."""
    error = {"type": "NameError", "message": "x", "cell": 3,
             "frames": [{"line": 7, "code": "y = x + 1"}]}  # fmt: skip
    assert format_error(error) == "cell 3: NameError: x (line 7: y = x + 1)"


def test_a_load_error_in_a_function_names_the_top_level_line_first():
    """A load error raised in a function reads: the top-level line that ran, then the cell
    (when another), line and function that raised, then the raising statement; each piece of
    student text cleaned, each statement bounded."""
    error = {"kind": "load_error", "type": "ValueError", "message": "bad", "file": "n.ipynb",
             "cell": 2, "line": 3, "code": "raise ValueError(x)", "function": "f\x1b[31m",
             "top_level": {"cell": 5, "line": 1, "code": "r = f(" + "1, " * 100 + ")"},
             "calls_between": 0}  # fmt: skip
    text = format_error(error, clean=lambda s: s.replace("\x1b", "?"))
    assert text.startswith("n.ipynb, cell 5, line 1: r = f(1, 1, ")
    assert text.endswith("\u2026 -> cell 2, line 3 in f?[31m: ValueError: bad "
                         "(the line: raise ValueError(x))")  # fmt: skip
    same_cell = {**error, "cell": 5, "calls_between": 3, "top_level": {"cell": 5, "line": 1,
                                                                      "code": "g()"}}  # fmt: skip
    assert format_error(same_cell).startswith("n.ipynb, cell 5, line 1: g() -> ... -> line 3 in")


def test_reason_is_one_line_for_every_outcome():
    """``Report.reason()`` (the gradebook's error column) is empty for a clean grading, the
    problem for one that could not run, else its located load errors and missing names."""
    assert report().reason() == ""
    error = {"kind": "syntax_error", "type": "SyntaxError", "message": "invalid syntax",
             "file": "neuron.ipynb", "cell": 7, "line": 1, "code": "def f(:"}  # fmt: skip
    partial = Report("neuron", "neuron.ipynb", load_errors=[error], missing=["neuron_output_np"])
    assert partial.reason() == (
        "neuron.ipynb, cell 7, line 1: SyntaxError: invalid syntax (the line: def f(:); "
        "does not define neuron_output_np"
    )
    empty = Report("neuron", "e.py", status="not_runnable", problem_kind="empty",
                   problem="the file is empty")  # fmt: skip
    assert empty.reason() == "the file is empty"


def test_for_students_leaves_the_report_as_it_was():
    """The policy makes a copy: the teacher's report keeps every hidden message."""
    full = Report("neuron", "n.py", tests=[Outcome("test_h", 0.0, 1.0, "failed", "x=1 got 2",
                                                   hidden=True, hint="h")])  # fmt: skip
    shown = full.for_students("none")
    assert shown.tests[0].output == "" and full.tests[0].output == "x=1 got 2"
    assert full.for_students("hints").tests[0].output == "Hint: h"


def test_to_dict_is_asdict_plus_the_summary_and_a_copy():
    """to_dict gives what dataclasses.asdict gives (same keys, same order, same values) plus
    Gradescope's top-level fields, and a copy: changing it leaves the report as it was."""
    import json
    from dataclasses import asdict

    rich = report()
    rich.load_errors = [{"kind": "syntax_error", "type": "SyntaxError", "line": 3, "code": "x ="}]
    rich.missing, rich.skipped = ["relu"], ["%matplotlib inline"]
    data = rich.to_dict()
    expected = asdict(rich)
    assert list(data)[: len(expected)] == list(expected)
    assert json.dumps({k: data[k] for k in expected}) == json.dumps(expected)
    assert data["output"] == rich.summary() and data["visibility"] == "visible"
    data["tests"][0]["status"] = "failed"
    data["load_errors"][0]["line"] = 99
    data["missing"].append("softmax")
    assert rich.tests[0].status == "passed" and rich.load_errors[0]["line"] == 3
    assert rich.missing == ["relu"]
