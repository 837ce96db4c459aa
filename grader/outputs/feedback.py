"""What a student reads about their submission: Markdown and HTML feedback (score, why it
could not run or what failed while loading, each test with its message).

Both formats render the same content, built once by ``_content``: the HTML page shows
everything the Markdown shows. What they show of a hidden test is the hidden-feedback policy
(``grader.outputs.report.HIDDEN_FEEDBACK``: ``none``, ``hints`` by default, ``full``).

Their id is escaped inline; every message (which may quote their code, output or values) is
fenced in Markdown and escaped in HTML (``grader.outputs.inert``).
"""

from dataclasses import dataclass, field

from grader.outputs.inert import for_html as escape
from grader.outputs.inert import for_markdown_block, for_markdown_inline
from grader.outputs.report import DEFAULT_HIDDEN_FEEDBACK, PROBLEM_KINDS, Report, format_error

STATUS_WORDS = {"passed": "passed", "failed": "failed", "error": "error", "timeout": "timed out"}


@dataclass
class Notice:
    """One paragraph of feedback: a sentence of ours, then student text shown verbatim."""

    lead: str
    texts: list[str] = field(default_factory=list)


def policy_of(hidden_feedback: str, show_hidden: bool | None) -> str:
    """The hidden-feedback policy; ``show_hidden`` is the former flag (True: ``full``,
    False: ``none``), kept as an alias."""
    if isinstance(hidden_feedback, bool):  # a caller still passing the former flag
        show_hidden = hidden_feedback if show_hidden is None else show_hidden
    if show_hidden is None:
        return hidden_feedback
    return "full" if show_hidden else "none"


def _content(report: Report, policy: str):
    """The notices above the table, the report as students may read it, the tests with a
    message to show, and the count of hidden failures whose details are not shown."""
    shown = report.for_students(policy)
    notices = [Notice(note) for note in report.notes]
    if report.status == "not_runnable":
        problem = report.problem or PROBLEM_KINDS.get(report.problem_kind, "")
        notices.append(Notice("Your submission could not run:", [problem]))
    for error in report.listed_load_errors():
        notices.append(Notice("While loading your code:", [format_error(error)]))
    if report.missing and report.status != "not_runnable":
        notices.append(Notice("Not defined, so their tests fail:", [", ".join(report.missing)]))
    if report.skipped:
        notices.append(Notice("Not run (IPython magics and shell commands):",
                              ["\n".join(report.skipped)]))  # fmt: skip
    details = [t for t in shown.tests if t.status != "passed" and t.output]
    untold = sum(t.hidden and t.status != "passed" and not t.output for t in shown.tests)
    return notices, shown, details, untold


def _untold_line(untold: int) -> str:
    return f"{untold} hidden test(s) did not pass; their details are not shown."


def feedback_markdown(student: str, report: Report, hidden_feedback: str = DEFAULT_HIDDEN_FEEDBACK,
                      show_hidden: bool | None = None) -> str:  # fmt: skip
    """The student's feedback as Markdown. Their id is escaped inline; every message
    (which may quote their code, output or values) is in a fenced block it cannot close."""
    notices, shown, details, untold = _content(report, policy_of(hidden_feedback, show_hidden))
    lines = [
        f"# {report.assignment}: feedback for {for_markdown_inline(student)}",
        "",
        f"**Score: {report.score:g} / {report.max_score:g}** ({report.percent:.0f}%)",
        "",
    ]
    for notice in notices:
        lines += [for_markdown_inline(notice.lead) if not notice.texts else notice.lead, ""]
        for text in notice.texts:
            lines += [for_markdown_block(text), ""]
    lines += ["| test | result | points |", "| --- | --- | --- |"]
    for test in shown.tests:
        label = for_markdown_inline(f"{test.name} (hidden)" if test.hidden else test.name)
        lines.append(f"| {label} | {STATUS_WORDS[test.status]} | {test.score:g}/{test.max_score:g} |")
    if details:
        lines += ["", "## What to fix", ""]
        for test in details:
            lines += [f"### {for_markdown_inline(test.name)}", "", for_markdown_block(test.output), ""]
    if untold:
        lines += ["", _untold_line(untold)]
    return "\n".join(lines) + "\n"


def feedback_html(student: str, report: Report, hidden_feedback: str = DEFAULT_HIDDEN_FEEDBACK,
                  show_hidden: bool | None = None) -> str:  # fmt: skip
    """The student's feedback as one HTML page, with what the Markdown holds; every piece of
    student text is escaped."""
    notices, shown, details, untold = _content(report, policy_of(hidden_feedback, show_hidden))
    parts = [f"<p><strong>Score: {report.score:g} / {report.max_score:g}</strong> "
             f"({report.percent:.0f}%)</p>"]  # fmt: skip
    for notice in notices:
        texts = "".join(f"<pre>{escape(text)}</pre>" for text in notice.texts)
        parts.append(f"<div class=notice><p>{escape(notice.lead)}</p>{texts}</div>")
    rows = []
    for test in shown.tests:
        label = escape(test.name + (" (hidden)" if test.hidden else ""))
        rows.append(
            f'<tr class="{escape(test.status)}"><td>{label}</td>'
            f"<td>{STATUS_WORDS[test.status]}</td><td>{test.score:g}/{test.max_score:g}</td></tr>"
        )
    parts.append(f"<table><tr><th>test</th><th>result</th><th>points</th></tr>{''.join(rows)}"
                 "</table>")  # fmt: skip
    if details:
        parts.append("<h2>What to fix</h2>")
        parts += [f"<h3>{escape(test.name)}</h3><pre>{escape(test.output)}</pre>"
                  for test in details]  # fmt: skip
    if untold:
        parts.append(f"<p>{escape(_untold_line(untold))}</p>")
    return page(f"{report.assignment}: feedback for {student}", "".join(parts))


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
