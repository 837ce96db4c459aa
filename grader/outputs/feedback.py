"""What a student reads about their submission: Markdown and HTML feedback (score, each
test with its message; hidden tests by name and result only, unless asked). Their id is
escaped inline; every message (which may quote their code, output or values) is fenced in
Markdown and escaped in HTML (``grader.outputs.inert``)."""

from grader.outputs.inert import for_html as escape
from grader.outputs.inert import for_markdown_block, for_markdown_inline
from grader.outputs.report import Report, format_error

STATUS_WORDS = {"passed": "passed", "failed": "failed", "error": "error", "timeout": "timed out"}


def _test_lines(report: Report, show_hidden: bool):
    for test in report.tests:
        message = (
            test.output if (show_hidden or not test.hidden) and test.status != "passed" else ""
        )
        yield test, STATUS_WORDS[test.status], message


def feedback_markdown(student: str, report: Report, show_hidden: bool = False) -> str:
    """The student's feedback as Markdown. Their id is escaped inline; every message
    (which may quote their code, output or values) is in a fenced block it cannot close."""
    lines = [
        f"# {report.assignment}: feedback for {for_markdown_inline(student)}",
        "",
        f"**Score: {report.score:g} / {report.max_score:g}** ({report.percent:.0f}%)",
        "",
    ]
    if report.problem:
        lines += ["Your submission could not run:", "", for_markdown_block(report.problem), ""]
    for error in report.load_errors:
        lines += ["While loading your code:", "", for_markdown_block(format_error(error)), ""]
    lines += ["| test | result | points |", "| --- | --- | --- |"]
    for test, word, _ in _test_lines(report, show_hidden):
        label = for_markdown_inline(f"{test.name} (hidden)" if test.hidden else test.name)
        lines.append(f"| {label} | {word} | {test.score:g}/{test.max_score:g} |")
    details = [(t, m) for t, _, m in _test_lines(report, show_hidden) if m]
    if details:
        lines += ["", "## What to fix", ""]
        for test, message in details:
            lines += [f"### {for_markdown_inline(test.name)}", "", for_markdown_block(message), ""]
    hidden_failed = sum(t.hidden and t.status != "passed" for t in report.tests)
    if hidden_failed and not show_hidden:
        lines += ["", f"{hidden_failed} hidden test(s) did not pass; their details are not shown."]
    return "\n".join(lines) + "\n"


def feedback_html(student: str, report: Report, show_hidden: bool = False) -> str:
    """The student's feedback as one HTML page; every piece of student text is escaped."""
    rows = []
    for test, word, message in _test_lines(report, show_hidden):
        label = escape(test.name + (" (hidden)" if test.hidden else ""))
        detail = f"<pre>{escape(message)}</pre>" if message else ""
        rows.append(
            f'<tr class="{escape(test.status)}"><td>{label}{detail}</td><td>{word}</td>'
            f"<td>{test.score:g}/{test.max_score:g}</td></tr>"
        )
    problem = (
        f"<div class=problem>Your submission could not run: <pre>{escape(report.problem)}</pre></div>"
        if report.problem
        else ""
    )
    problem += "".join(
        f"<div class=problem>While loading your code: <pre>{escape(format_error(error))}</pre></div>"
        for error in report.load_errors
    )
    return page(
        f"{report.assignment}: feedback for {student}",
        f"<p><strong>Score: {report.score:g} / {report.max_score:g}</strong> "
        f"({report.percent:.0f}%)</p>{problem}"
        f"<table><tr><th>test</th><th>result</th><th>points</th></tr>{''.join(rows)}</table>",
    )


def page(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>"
        "body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
        "tr.passed td:nth-child(2){color:#176e2f}tr.failed td:nth-child(2),tr.error td:nth-child(2),"
        "tr.timeout td:nth-child(2){color:#a11}pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}"
        f"</style></head><body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )
