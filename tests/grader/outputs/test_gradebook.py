"""The gradebook (``grader.outputs.gradebook``): one row per student, one column per test,
the problems after them."""

import csv

from grader.batch import BatchResult, Graded, Problem
from grader.outputs.gradebook import safe_name, write_gradebook
from grader.outputs.report import Report
from grader.outputs.report import TestResult as Outcome  # not "Test*": pytest would collect it


def test_rows_columns_and_problems(tmp_path):
    """Scores are numbers, each test has its column (empty where a report lacks it), the
    file column names the student's results, and problems come last."""
    full = Report("neuron", "a.py", tests=[Outcome("t1", 1, 1, "passed"),
                                            Outcome("t2", 0, 1, "failed")])  # fmt: skip
    short = Report("neuron", "b.py", status="not_runnable", problem="empty")
    for report in (full, short):
        report.total()
    result = BatchResult("neuron", [Graded("ann", full, False), Graded("bob!", short, False)],
                         [Problem("cy", "no submission")])  # fmt: skip
    write_gradebook(result, tmp_path / "gradebook.csv")
    rows = list(csv.reader(open(tmp_path / "gradebook.csv", encoding="utf-8")))
    assert rows[0] == ["student", "score", "max_score", "percent", "status", "error", "file",
                       "t1", "t2"]  # fmt: skip
    assert rows[1] == ["ann", "1", "2", "50.0", "graded", "", "ann", "1", "0"]
    assert rows[2][4:7] == ["not_runnable", "empty", safe_name("bob!")] and rows[2][7:] == ["", ""]
    assert rows[3][0] == "cy" and rows[3][4:6] == ["problem", "no submission"]
