"""What a batch run leaves in its output folder (``write_all``).

gradebook.csv          one row per student: id, score, max, percent, status, error,
                       file (the name of their results and feedback), then one column
                       per test (its points)
results/<file>.json    the ``grade run --format json`` document of each student
feedback/<file>.md|html  what the student reads: score, each test with its message;
                       of hidden tests what the hidden-feedback policy allows
                       (<file> is ``grader.inert.file_stem(id)``: one per id, the same
                       on every run; the gradebook's ``file`` column gives it)
summary.html           the class: score histogram (inline SVG), pass rate per test
                       (the common misconceptions), slowest submissions, problems
summary.json           the same figures as data

Ids, messages and everything else a student decides are made inert where they are
written (``grader.inert``): fenced or escaped in Markdown, escaped in HTML, neutralised
as formulas in the gradebook, visible escapes instead of control characters.
"""

import json
from pathlib import Path

from grader.outputs.feedback import feedback_html, feedback_markdown
from grader.outputs.gradebook import safe_name, write_gradebook
from grader.outputs.report import DEFAULT_HIDDEN_FEEDBACK
from grader.outputs.summary import class_summary, summary_html


def write_all(result, outdir: Path, hidden_feedback: str = DEFAULT_HIDDEN_FEEDBACK) -> None:
    """Write the class folder; the feedback shows of hidden tests what ``hidden_feedback``
    (none, hints, full) allows, the results documents everything (they are the teacher's)."""
    (outdir / "results").mkdir(parents=True, exist_ok=True)
    (outdir / "feedback").mkdir(exist_ok=True)
    for item in result.graded:
        name = safe_name(item.student)
        data = item.report.to_dict()
        data["student"] = item.student
        (outdir / "results" / f"{name}.json").write_text(json.dumps(data, indent=2), "utf-8")
        (outdir / "feedback" / f"{name}.md").write_text(
            feedback_markdown(item.student, item.report, hidden_feedback), "utf-8"
        )
        (outdir / "feedback" / f"{name}.html").write_text(
            feedback_html(item.student, item.report, hidden_feedback), "utf-8"
        )
    write_gradebook(result, outdir / "gradebook.csv")
    summary = class_summary(result)
    (outdir / "summary.json").write_text(json.dumps(summary, indent=2), "utf-8")
    (outdir / "summary.html").write_text(summary_html(summary), "utf-8")
