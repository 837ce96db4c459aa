"""A Report in the formats of other tools: JUnit XML, PrairieLearn, GitHub Actions.

(Gradescope's results.json is ``Report.to_dict()`` itself.) JSON documents carry student
text as it came (JSON escapes control characters); XML, workflow commands and Markdown
get it through ``grader.inert``, at the point where it is written.
"""

import json
import os
import xml.etree.ElementTree as ET

from grader import inert
from grader.report import Report


def to_junit(report: Report) -> str:
    """JUnit XML, which most CI systems display: one testcase per test."""
    counts = {s: sum(t.status == s for t in report.tests) for s in ("failed", "error", "timeout")}
    suite = ET.Element(
        "testsuite",
        name=f"neurograde.{report.assignment}",
        tests=str(len(report.tests)),
        failures=str(counts["failed"]),
        errors=str(counts["error"] + counts["timeout"]),
        time=f"{report.execution_time:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("score", report.score), ("max_score", report.max_score)):
        ET.SubElement(properties, "property", name=name, value=f"{value:g}")
    for test in report.tests:
        case = ET.SubElement(
            suite, "testcase", classname=f"neurograde.{report.assignment}",
            name=inert.for_xml(test.name), time=f"{test.duration:.3f}",
        )  # fmt: skip
        output = inert.for_xml(test.output)
        if test.status == "failed":
            ET.SubElement(case, "failure", message=_first_line(output)).text = output
        elif test.status in ("error", "timeout"):
            ET.SubElement(
                case, "error", message=_first_line(output), type=test.status
            ).text = output
    if report.stdout:
        ET.SubElement(suite, "system-out").text = inert.for_xml(report.stdout)
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def to_prairielearn(report: Report, show_hidden: bool = False) -> dict:
    """PrairieLearn's external grader results.json: the score as a fraction in [0, 1].

    PrairieLearn shows this document to the student as it is, so a hidden test appears by
    name, points and result only: its inputs, expected values and hint stay out unless the
    instructor asks for them (``show_hidden``).
    """
    tests = []
    for t in report.tests:
        shown = show_hidden or not t.hidden
        if shown:
            output, message = t.output, _first_line(t.output)
        else:
            output = ""
            message = "passed" if t.status == "passed" else f"{t.status} (hidden test: no details)"
        description = t.function or report.assignment
        tests.append({
            "name": t.name,
            "description": f"{description} (hidden test)" if t.hidden else description,
            "points": t.score,
            "max_points": t.max_score,
            "output": output,
            "message": message,
        })  # fmt: skip
    return {
        "gradable": report.status != "not_runnable",
        "score": round(report.score / report.max_score, 6) if report.max_score else 0.0,
        "output": report.summary(),
        "format_errors": [report.problem] if report.problem else [],
        "tests": tests,
    }


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


def write_github(report: Report, file_name: str, echo, lines_of: dict | None = None) -> None:
    """Emit annotations on stdout and append the summary to $GITHUB_STEP_SUMMARY if set."""
    for line in github_annotations(report, file_name, lines_of):
        echo(line)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8") as handle:
            handle.write(github_summary(report))


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:200] if (text or "").strip() else ""


def _escape_data(text: str) -> str:
    # GitHub workflow commands encode %, CR and LF in a message...
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    # ... and also ':' and ',' in a property such as title=.
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
