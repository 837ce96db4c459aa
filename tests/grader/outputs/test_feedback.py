"""A student's feedback (``grader.outputs.feedback``): score, each test, what the
hidden-feedback policy allows of hidden tests, and the same content in Markdown and HTML.
(Hostile text in it: ``test_inert_outputs.py``.)"""

import re

import pytest

from grader.outputs.feedback import feedback_html, feedback_markdown
from grader.outputs.report import Report
from grader.outputs.report import TestResult as Outcome  # not "Test*": pytest would collect it

SECRET = "two_layer_forward(inputs=[[1, 2]]) expected [[4.8]] got [[3.1]]"


def report() -> Report:
    tests = [
        Outcome("test_public", 0, 1, "failed", "public message\n  Hint: public hint",
                hint="public hint"),
        Outcome("test_secret", 0, 1, "failed", f"Both layers on random data.\n{SECRET}\n"
                "  Hint: the second layer forgot the transpose", hidden=True,
                function="two_layer_forward", hint="the second layer forgot the transpose",
                description="Both layers on random data."),
        Outcome("test_quiet", 0, 1, "failed", f"{SECRET}", hidden=True, function="relu"),
    ]  # fmt: skip
    result = Report("neuron", "neuron.py", tests=tests)
    result.total()
    return result


def test_default_policy_shows_hints_never_hidden_values():
    """By default (``hints``) a hidden failure shows what it checks, its function and its
    hint, never its inputs or expected values; one without a hint says its details are
    hidden. A public failure's whole message is shown."""
    for text in (feedback_markdown("ann", report()), feedback_html("ann", report())):
        assert "public message" in text and "public hint" in text
        assert "Both layers on random data." in text and "two_layer_forward" in text
        assert "the second layer forgot the transpose" in text
        assert "expected [[4.8]]" not in text and "inputs=" not in text
        assert "expected values of hidden tests are not shown" in text


def test_policy_none_shows_name_and_result_only():
    """``none``: a hidden test by name and result, its hint and message left out, and the
    count of hidden failures said; the former ``show_hidden=False`` means the same."""
    for text in (feedback_markdown("ann", report(), "none"),
                 feedback_markdown("ann", report(), show_hidden=False)):  # fmt: skip
        assert "test_secret (hidden)" in text and "2 hidden test(s) did not pass" in text
        assert "forgot the transpose" not in text and "expected [[4.8]]" not in text


def test_policy_full_shows_everything():
    """``full`` (or the former ``show_hidden=True``) shows hidden messages whole."""
    assert "expected [[4.8]]" in feedback_markdown("ann", report(), "full")
    assert "expected [[4.8]]" in feedback_html("ann", report(), show_hidden=True)


def test_unknown_policy_is_refused():
    """A misspelt policy is an error, not a silent default."""
    with pytest.raises(ValueError):
        feedback_markdown("ann", report(), "some")


def _visible_text(html: str) -> str:
    text = re.sub(r"<style>.*?</style>|<[^>]+>", "\n", re.sub("</?strong>", "", html))
    return text.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")


@pytest.mark.parametrize("status", ["graded", "not_runnable"])
def test_html_shows_everything_the_markdown_shows(status):
    """Every line of student-facing content in the Markdown (notes, why it could not run,
    load errors with file, cell, line and source line, missing names, skipped magics,
    messages) is in the HTML page too."""
    result = report()
    result.status = status
    result.problem = "the file is empty" if status == "not_runnable" else ""
    result.problem_kind = "empty" if status == "not_runnable" else ""
    result.notes = ["neuron.ipynb ignored: its code is still the handout's"]
    result.load_errors = [{"kind": "import_error", "type": "ModuleNotFoundError",
                           "message": "No module named 'torch'", "file": "neuron.ipynb",
                           "cell": 5, "line": 2, "code": "import torch"}]  # fmt: skip
    result.missing = ["sigmoid"]
    result.skipped = ["cell 3: %time 1"]
    markdown, page = feedback_markdown("ann", result), _visible_text(feedback_html("ann", result))
    content = [line.replace("**", "").strip("#| ") for line in markdown.splitlines()]
    content = [line for line in content if line and not line.startswith(("```", "---"))]
    missing = [line for line in content if line.split(" | ")[0] not in page]
    assert not missing, missing
    for needle in ("neuron.ipynb, cell 5, line 2", "(the line: import torch)"):
        assert needle in markdown and needle in page
    if status == "graded":
        assert "sigmoid" in page
    else:
        assert "the file is empty" in page
