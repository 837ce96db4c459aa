"""The class at a glance (``grader.outputs.summary``): the figures, and the table
``grade demo`` prints."""

from grader.batch import BatchResult, Graded, Problem
from grader.outputs.report import Report
from grader.outputs.report import TestResult as Outcome  # not "Test*": pytest would collect it
from grader.outputs.summary import class_summary, class_table, summary_html


def klass() -> BatchResult:
    hinted = "softmax: expected [0.5, 0.5], got [1, 1]\nHint: divide by the row's sum"
    ada = Report("batch", "ada.py", tests=[Outcome("t1", 1, 1, "passed")])
    bo = Report("batch", "bo.py", tests=[
        Outcome("t1", 0, 1, "failed", "plain message: Hint: in the text, not given as data"),
        Outcome("t2", 0, 1, "failed", hinted, hint="divide by the row's sum")])  # fmt: skip
    for report in (ada, bo):
        report.total()
    return BatchResult("batch", [Graded("ada", ada, False), Graded("bo", bo, True)],
                       [Problem("cy", "no submission")])  # fmt: skip


def test_figures_of_the_class():
    """Mean and median percent, a ten-bin histogram, the pass rate per test, problems."""
    summary = class_summary(klass())
    assert summary["students"] == 3 and summary["graded"] == 2 and summary["not_graded"] == 1
    assert summary["mean_percent"] == 50.0
    assert sum(summary["histogram"]) == 2 and summary["histogram"][0] == 1
    assert summary["pass_rate"] == {"t1": 50.0, "t2": 0.0}
    assert summary["problems"] == [{"entry": "cy", "reason": "no submission"}]
    assert "<svg" in summary_html(summary)


def test_demo_table_shows_the_most_telling_problem():
    """Each student's row shows the score and the first failing test that gives a hint (as
    data, never read back from a message's text), else nothing for a student who passed
    everything."""
    header, ada, bo = class_table(klass())
    assert header.split() == ["student", "score", "%", "first", "problem"]
    assert ada.split()[:3] == ["ada", "1/1", "100%"] and ada.rstrip().endswith("100%")
    assert "failed: t2 - Hint: divide by the row's sum" in bo
