"""GitHub Actions and GitHub Classroom: a report as workflow commands (an error annotation
per failing test, the points notices GitHub Classroom reads) and a Markdown job summary
($GITHUB_STEP_SUMMARY). Student text goes through ``grader.outputs.inert`` where it is
written: the Actions log shows escape sequences in colour and would run them."""

import json
import os
from pathlib import Path

from grader.grading.submission import definition_lines
from grader.outputs import inert
from grader.outputs.report import Report


def github_annotations(report: Report, file_name: str, lines_of: dict | None = None) -> list[str]:
    """Workflow commands for GitHub Actions: an error per failing test and the points
    notices GitHub Classroom reads ("Points X/Y"). ``file_name`` is the submission's path
    from the repository's root and ``lines_of`` maps a function to the line defining it,
    so that GitHub places each annotation on the student's code."""
    lines_of = lines_of or {}
    lines = []
    for test in report.tests:
        if test.status != "passed":
            # One line per command (newlines encoded), and no control character: the
            # Actions log shows escape sequences in colour and would run them.
            message = _escape_data(inert.visible(test.output or test.status, keep="\n"))
            title = _escape_property(inert.one_line(test.name))
            where = _escape_property(inert.one_line(file_name))  # the student names the file
            line = lines_of.get(_function_of(test, lines_of))
            at = f",line={int(line)}" if line else ""
            lines.append(f"::error file={where}{at},title={title}::{message}")
    lines.append(
        f"::notice title=Autograding complete::Points {report.score:g}/{report.max_score:g}"
    )
    summary = json.dumps({"totalPoints": report.score, "maxPoints": report.max_score})
    lines.append(f"::notice title=Autograding report::{summary}")
    return lines


def _function_of(test, names) -> str:
    """The function a test checks: its marker, else the longest defined name in its test's
    name (public tests are named after their function: ``test_neuron_output_np_...``)."""
    if test.function:
        return test.function
    return max((n for n in names if n in test.name), key=len, default="")


def github_summary(report: Report) -> str:
    """The Markdown job summary ($GITHUB_STEP_SUMMARY)."""
    lines = [
        f"## neurograde: {report.assignment}",
        "",
        f"**Points {report.score:g}/{report.max_score:g}**",
        "",
        "| test | result | points |",
        "| --- | --- | --- |",
    ]
    for test in report.tests:
        icon = "✅" if test.status == "passed" else "❌"
        name = inert.for_markdown_inline(test.name)
        lines.append(f"| {name} | {icon} {test.status} | {test.score:g}/{test.max_score:g} |")
    failing = [t for t in report.tests if t.status != "passed" and t.output]
    for test in failing:
        # The message is student text: a fence it cannot close keeps it out of the
        # page's structure (no closing </details>, no HTML, no link).
        lines += ["", f"<details><summary>{inert.for_html(test.name)}</summary>", "",
                  inert.for_markdown_block(test.output), "", "</details>"]  # fmt: skip
    return "\n".join(lines) + "\n"


def check_annotations(report: Report, echo) -> None:
    """The entry point of `grade check --format github`: annotations that name the file from
    the repository's root ($GITHUB_WORKSPACE, else the current folder), each at the line of
    the function its test checks, and the job summary."""
    root = os.environ.get("GITHUB_WORKSPACE") or os.getcwd()
    where = os.path.relpath(report.submission, root)
    write_github(report, where, echo, definition_lines(Path(report.submission)))


def write_github(report: Report, file_name: str, echo, lines_of: dict | None = None) -> None:
    """Emit annotations on stdout and append the summary to $GITHUB_STEP_SUMMARY if set."""
    for line in github_annotations(report, file_name, lines_of):
        echo(line)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(github_summary(report))


def _escape_data(text: str) -> str:
    # GitHub workflow commands encode %, CR and LF in a message...
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # ... and also ':' and ',' in a property such as title=.
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
