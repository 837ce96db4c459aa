"""A Report as a document: one registry, ``FORMATS``, and ``render(report, fmt)``.

text (for a terminal), json (our results document, a superset of Gradescope's),
gradescope (strictly Gradescope's results.json), junit (JUnit XML for CI), prairielearn
(PrairieLearn's results.json). A new format is one function and one ``Format`` entry here.
JSON documents carry student text as it came (JSON escapes control characters); text and
XML get it through ``grader.outputs.inert``, at the point where it is written. (GitHub
Actions' annotations are not a document but commands and a file: ``grader.platforms.github``.)
"""

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from grader.outputs import inert
from grader.outputs.report import DEFAULT_HIDDEN_FEEDBACK, Report, render_text


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


def to_prairielearn(report: Report, hidden_feedback: str = DEFAULT_HIDDEN_FEEDBACK,
                    show_hidden: bool | None = None) -> dict:  # fmt: skip
    """PrairieLearn's external grader results.json: the score as a fraction in [0, 1].

    PrairieLearn shows this document to the student as it is, so a hidden test shows what
    the hidden-feedback policy allows (``hints`` by default: what it checks, the function
    and the hint, never its inputs or expected values). ``show_hidden`` is the former flag
    (True: ``full``, False: ``none``)."""
    if show_hidden is not None:
        hidden_feedback = "full" if show_hidden else "none"
    shown = report.for_students(hidden_feedback)
    tests = []
    for t in shown.tests:
        if t.status == "passed":
            message = "passed"
        elif t.output:
            message = _first_line(t.output)
        else:
            message = f"{t.status} (hidden test: no details)"
        description = t.function or report.assignment
        tests.append({
            "name": t.name,
            "description": f"{description} (hidden test)" if t.hidden else description,
            "points": t.score,
            "max_points": t.max_score,
            "output": t.output if t.status != "passed" else "",
            "message": message,
        })  # fmt: skip
    return {
        "gradable": report.status != "not_runnable",
        "score": round(report.score / report.max_score, 6) if report.max_score else 0.0,
        "output": report.summary(),
        "format_errors": [report.reason()] if report.status == "not_runnable" else [],
        "tests": tests,
    }


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:200] if (text or "").strip() else ""


@dataclass(frozen=True)
class Format:
    """One way to write a report: ``render(report) -> str`` and what it is for."""

    render: Callable[[Report], str]
    description: str


FORMATS: dict[str, Format] = {
    "text": Format(render_text, "for people"),
    "json": Format(Report.to_json, "one results document (a superset of Gradescope's)"),
    "gradescope": Format(lambda r: json.dumps(r.to_gradescope(), indent=2),
                         "strictly Gradescope's results.json"),  # fmt: skip
    "junit": Format(to_junit, "JUnit XML for CI"),
    "prairielearn": Format(lambda r: json.dumps(to_prairielearn(r), indent=2),
                           "PrairieLearn's results.json (score as a fraction)"),  # fmt: skip
}


def render(report: Report, fmt: str) -> str:
    """``report`` in the format named ``fmt`` (a key of ``FORMATS``)."""
    return FORMATS[fmt].render(report)
