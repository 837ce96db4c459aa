"""What a batch run leaves in its output folder.

gradebook.csv          one row per student: id, score, max, percent, status, error,
                       file (the name of their results and feedback), then one column
                       per test (its points)
results/<file>.json    the ``grade run --format json`` document of each student
feedback/<file>.md|html  what the student reads: score, each test with its message;
                       hidden tests by name and result only
                       (<file> is ``grader.inert.file_stem(id)``: one per id, the same
                       on every run; the gradebook's ``file`` column gives it)
summary.html           the class: score histogram (inline SVG), pass rate per test
                       (the common misconceptions), slowest submissions, problems
summary.json           the same figures as data

Ids, messages and everything else a student decides are made inert where they are
written (``grader.inert``): fenced or escaped in Markdown, escaped in HTML, neutralised
as formulas in the gradebook, visible escapes instead of control characters.
"""

import csv
import json
import statistics
from pathlib import Path

from grader.inert import file_stem, for_csv_cell, for_markdown_block, for_markdown_inline
from grader.inert import for_html as escape
from grader.report import Report, format_error

STATUS_WORDS = {"passed": "passed", "failed": "failed", "error": "error", "timeout": "timed out"}


def safe_name(student: str) -> str:
    """The file name stem of a student's results and feedback (see ``file_stem``)."""
    return file_stem(student)


def write_all(result, outdir: Path, show_hidden_messages: bool = False) -> None:
    (outdir / "results").mkdir(parents=True, exist_ok=True)
    (outdir / "feedback").mkdir(exist_ok=True)
    for item in result.graded:
        name = safe_name(item.student)
        data = item.report.to_dict()
        data["student"] = item.student
        (outdir / "results" / f"{name}.json").write_text(json.dumps(data, indent=2), "utf-8")
        (outdir / "feedback" / f"{name}.md").write_text(
            feedback_markdown(item.student, item.report, show_hidden_messages), "utf-8"
        )
        (outdir / "feedback" / f"{name}.html").write_text(
            feedback_html(item.student, item.report, show_hidden_messages), "utf-8"
        )
    write_gradebook(result, outdir / "gradebook.csv")
    summary = class_summary(result)
    (outdir / "summary.json").write_text(json.dumps(summary, indent=2), "utf-8")
    (outdir / "summary.html").write_text(summary_html(summary), "utf-8")


def test_columns(result) -> list[str]:
    columns: list[str] = []
    for item in result.graded:
        for test in item.report.tests:
            if test.name not in columns:
                columns.append(test.name)
    return columns


def write_gradebook(result, path: Path) -> None:
    columns = test_columns(result)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        header = ["student", "score", "max_score", "percent", "status", "error", "file", *columns]
        writer.writerow([for_csv_cell(cell) for cell in header])
        # Text cells come from students (ids are file and folder names, errors quote
        # their code): each is neutralised. Numbers are the grader's own and stay numbers.
        for item in result.graded:
            report = item.report
            scores = {t.name: t.score for t in report.tests}
            writer.writerow([
                for_csv_cell(item.student), f"{report.score:g}", f"{report.max_score:g}",
                f"{report.percent:.1f}", report.status, for_csv_cell(report.problem),
                safe_name(item.student),
                *(f"{scores[c]:g}" if c in scores else "" for c in columns),
            ])  # fmt: skip
        for problem in result.problems:
            writer.writerow([for_csv_cell(problem.entry), "", "", "", "problem",
                             for_csv_cell(problem.reason), "", *("" for _ in columns)])  # fmt: skip


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
    return _page(
        f"{report.assignment}: feedback for {student}",
        f"<p><strong>Score: {report.score:g} / {report.max_score:g}</strong> "
        f"({report.percent:.0f}%)</p>{problem}"
        f"<table><tr><th>test</th><th>result</th><th>points</th></tr>{''.join(rows)}</table>",
    )


def class_summary(result) -> dict:
    reports = [g.report for g in result.graded]
    percents = [r.percent for r in reports]
    per_test: dict[str, list[int]] = {}
    for report in reports:
        for test in report.tests:
            per_test.setdefault(test.name, []).append(test.status == "passed")
    slowest = sorted(result.graded, key=lambda g: g.report.execution_time, reverse=True)[:10]
    return {
        "stage": result.stage,
        "students": len(reports),
        "problems": [{"entry": p.entry, "reason": p.reason} for p in result.problems],
        "interrupted": result.interrupted,
        "mean_percent": round(statistics.fmean(percents), 1) if percents else 0.0,
        "median_percent": round(statistics.median(percents), 1) if percents else 0.0,
        "not_runnable": sum(r.status == "not_runnable" for r in reports),
        "histogram": [
            sum(lo <= p < lo + 10 or (lo == 90 and p == 100) for p in percents)
            for lo in range(0, 100, 10)
        ],  # fmt: skip
        "pass_rate": {
            name: round(100 * sum(passed) / len(passed), 1) for name, passed in per_test.items()
        },
        "slowest": [{"student": g.student, "seconds": g.report.execution_time} for g in slowest],
        "elapsed": round(result.elapsed, 2),
    }


def histogram_svg(counts: list[int]) -> str:
    width, height, bar = 420, 160, 38
    top = max(counts + [1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}" '
        'role="img" aria-label="score histogram">'
    ]
    for index, count in enumerate(counts):
        h = round(height * count / top)
        x = 10 + index * (bar + 3)
        parts.append(
            f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" fill="#4a78b5">'
            f"<title>{index * 10}-{index * 10 + 10}%: {count}</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar / 2}" y="{height + 14}" font-size="10" text-anchor="middle">{index * 10}</text>'
        )
        if count:
            parts.append(
                f'<text x="{x + bar / 2}" y="{height - h - 3}" font-size="10" text-anchor="middle">{count}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def summary_html(summary: dict) -> str:
    rates = sorted(summary["pass_rate"].items(), key=lambda item: item[1])
    rate_rows = "".join(f"<tr><td>{escape(n)}</td><td>{r:.0f}%</td></tr>" for n, r in rates)
    slow_rows = "".join(
        f"<tr><td>{escape(s['student'])}</td><td>{s['seconds']:.2f} s</td></tr>"
        for s in summary["slowest"]
    )
    problems = "".join(
        f"<li>{escape(p['entry'])}: {escape(p['reason'])}</li>" for p in summary["problems"]
    )
    body = (
        f"<p>{summary['students']} students graded; mean {summary['mean_percent']}%, median "
        f"{summary['median_percent']}%; {summary['not_runnable']} could not run.</p>"
        f"<h2>Scores (%)</h2>{histogram_svg(summary['histogram'])}"
        f"<h2>Pass rate per test (lowest first: the common misconceptions)</h2>"
        f"<table><tr><th>test</th><th>passed</th></tr>{rate_rows}</table>"
        f"<h2>Slowest submissions</h2><table>{slow_rows}</table>"
        + (f"<h2>Not graded</h2><ul>{problems}</ul>" if problems else "")
    )
    return _page(f"{summary['stage']}: class summary", body)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>"
        "body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
        "tr.passed td:nth-child(2){color:#176e2f}tr.failed td:nth-child(2),tr.error td:nth-child(2),"
        "tr.timeout td:nth-child(2){color:#a11}pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}"
        f"</style></head><body><h1>{escape(title)}</h1>{body}</body></html>\n"
    )
