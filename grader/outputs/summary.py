"""The class at a glance: ``class_summary`` (figures as data: ``summary.json``), its HTML page
(score histogram as inline SVG, pass rate per test, slowest submissions, problems) and the
terminal table ``grade demo`` prints (``class_table``)."""

import statistics

from grader.outputs.feedback import page
from grader.outputs.inert import for_html as escape


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
    return page(f"{summary['stage']}: class summary", body)


def class_table(result) -> list[str]:
    """The class as a terminal table: student, score, percent and the most telling problem
    (the first failing test whose message has a hint, else the first failing test)."""
    lines = [f"{'student':<8} {'score':>9} {'%':>5}  first problem"]
    for item in result.graded:
        report = item.report
        failing = [t for t in report.tests if t.status != "passed"]
        first = next((t for t in failing if "Hint:" in t.output), failing[0] if failing else None)
        problem = "" if first is None else f"{first.status}: {first.name}"
        if first is not None and first.output:
            messages = first.output.strip().splitlines()
            hint = next((line for line in messages if "Hint:" in line), messages[-1])
            problem += " - " + hint.strip()[:90]
        score = f"{report.score:g}/{report.max_score:g}"
        lines.append(f"{item.student:<8} {score:>9} {report.percent:>4.0f}%  {problem}")
    return lines
