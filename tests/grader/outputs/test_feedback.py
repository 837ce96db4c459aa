"""A student's feedback (``grader.outputs.feedback``): score, each test, hidden tests by
name and result only unless asked. (Hostile text in it: ``test_inert_outputs.py``.)"""

from grader.outputs.feedback import feedback_html, feedback_markdown
from grader.outputs.report import Report
from grader.outputs.report import TestResult as Outcome  # not "Test*": pytest would collect it


def report() -> Report:
    tests = [Outcome("test_public", 0, 1, "failed", "public hint"),
             Outcome("test_secret", 0, 1, "failed", "secret input", hidden=True)]  # fmt: skip
    result = Report("neuron", "neuron.py", tests=tests)
    result.total()
    return result


def test_hidden_messages_stay_out_unless_asked():
    """A public failure's message is shown, a hidden one's is not (its name and result are),
    and the count of hidden failures is said; with show_hidden both messages appear."""
    text = feedback_markdown("ann", report())
    assert "public hint" in text and "secret input" not in text
    assert "test_secret (hidden)" in text and "1 hidden test(s) did not pass" in text
    assert "secret input" in feedback_markdown("ann", report(), show_hidden=True)
    page = feedback_html("ann", report())
    assert "public hint" in page and "secret input" not in page
    assert "<strong>Score: 0 / 2</strong>" in page
