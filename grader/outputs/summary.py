"""The class at a glance: ``class_summary`` (figures as data: ``summary.json``), its HTML page
``summary_html`` and the terminal table ``grade demo`` prints (``class_table``).

The page, top to bottom: who was not graded and why (missing, not graded, could not run),
the counts, the score histogram (inline SVG with both axes, every label inside its box),
the students (a table sortable by each column, each linking to their feedback page), the
pass rate per test (lowest first: the common misconceptions) and the slowest submissions.
It runs no script: the table is sorted by CSS (``:target``: a column's link shows the copy
of the table sorted by it), and every piece of student text is escaped.
"""

import statistics
from urllib.parse import quote

from grader.outputs.feedback import page
from grader.outputs.gradebook import class_rows
from grader.outputs.inert import for_html as escape

SORTS = {"student": "student", "score": "score", "status": "status", "late": "late"}
NOT_GRADED = ("missing", "not_graded")


def _row_data(row) -> dict:
    return {
        "student": row.student, "name": row.name, "status": row.status,
        "score": row.score, "max_score": row.max_score,
        "percent": None if row.percent is None else round(row.percent, 1),
        "late": row.late, "penalty": row.penalty, "error": row.error, "notes": row.notes,
        "file": row.file,
    }  # fmt: skip


def class_summary(result, rows=None) -> dict:
    rows = class_rows(result) if rows is None else rows
    reports = [g.report for g in result.graded]
    percents = [r.percent for r in rows if r.status not in NOT_GRADED and r.percent is not None]
    per_test: dict[str, list[int]] = {}
    for report in reports:
        for test in report.tests:
            per_test.setdefault(test.name, []).append(test.status == "passed")
    slowest = sorted(result.graded, key=lambda g: g.report.execution_time, reverse=True)[:10]
    not_runnable = [r for r in rows if r.status == "not_runnable"]
    not_graded = [r for r in rows if r.status in NOT_GRADED]
    return {
        "stage": result.stage,
        "students": len(rows),
        "graded": len(rows) - len(not_graded),
        "not_runnable": len(not_runnable),
        "not_graded": len(not_graded),
        "missing": sum(r.status == "missing" for r in rows),
        "late": sum(bool(r.late) for r in rows),
        "attention": [
            {"student": r.student, "status": r.status, "reason": r.error}
            for r in not_graded + not_runnable
        ]
        + [
            {"student": p.entry, "status": "not_a_submission", "reason": p.reason}
            for p in result.problems
            if not getattr(p, "student", True)
        ],
        "problems": [{"entry": p.entry, "reason": p.reason} for p in result.problems],
        "interrupted": result.interrupted,
        "mean_percent": round(statistics.fmean(percents), 1) if percents else 0.0,
        "median_percent": round(statistics.median(percents), 1) if percents else 0.0,
        "histogram": [
            sum(lo <= p < lo + 10 or (lo == 90 and p >= 100) for p in percents)
            for lo in range(0, 100, 10)
        ],  # fmt: skip
        "pass_rate": {
            name: round(100 * sum(passed) / len(passed), 1) for name, passed in per_test.items()
        },
        "slowest": [{"student": g.student, "seconds": g.report.execution_time} for g in slowest],
        "rows": [_row_data(r) for r in rows],
        "elapsed": round(result.elapsed, 2),
    }


def _ticks(top: int) -> list[int]:
    """Whole-number ticks from 0 to at least ``top``, at most six of them."""
    step = max(1, -(-top // 5))
    return list(range(0, top + step, step)) if top else [0, 1]


def histogram_svg(counts: list[int]) -> str:
    """Ten bars (0-10% ... 90-100%) with a y axis of students and an x axis of scores; the
    plot leaves room above the tallest bar for its count, and around it for the labels."""
    left, right, top, bottom = 44, 12, 22, 44
    plot_w, plot_h = 430, 160
    width, height = left + plot_w + right, top + plot_h + bottom
    ticks = _ticks(max(counts + [0]))
    scale = plot_h / ticks[-1]
    bar = plot_w / len(counts)
    base = top + plot_h
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="score histogram" class="histogram">'
    ]
    for tick in ticks:  # y axis: tick marks and counts
        y = base - tick * scale
        parts.append(f'<rect class="grid" x="{left}" y="{y:.1f}" width="{plot_w}" height="0.5" fill="#ddd"/>')
        parts.append(f'<text class="y-tick" x="{left - 6}" y="{y + 3.5:.1f}" font-size="10" text-anchor="end">{tick}</text>')
    for index, count in enumerate(counts):
        h = count * scale
        x = left + index * bar
        parts.append(
            f'<rect class="bar" x="{x + 2:.1f}" y="{base - h:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" fill="#4a78b5">'
            f"<title>{index * 10}-{index * 10 + 10}%: {count}</title></rect>"
        )
        if count:
            parts.append(
                f'<text class="count" x="{x + bar / 2:.1f}" y="{base - h - 4:.1f}" font-size="10" text-anchor="middle">{count}</text>'
            )
    for index in range(len(counts) + 1):  # x axis: the bins' edges
        x = left + index * bar
        parts.append(f'<rect x="{x - 0.5:.1f}" y="{base}" width="1" height="4" fill="#333"/>')
        parts.append(f'<text class="x-tick" x="{x:.1f}" y="{base + 16}" font-size="10" text-anchor="middle">{index * 10}</text>')
    parts.append(f'<rect class="axis" x="{left}" y="{base}" width="{plot_w}" height="1" fill="#333"/>')
    parts.append(f'<rect class="axis" x="{left - 1}" y="{top}" width="1" height="{plot_h}" fill="#333"/>')
    parts.append(f'<text class="x-title" x="{left + plot_w / 2}" y="{height - 8}" font-size="11" text-anchor="middle">score (%)</text>')
    parts.append(f'<text class="y-title" x="12" y="{top + plot_h / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 {top + plot_h / 2})">students</text>')
    parts.append("</svg>")
    return "".join(parts)


def _sort_key(column: str):
    if column == "score":
        return lambda r: (r["percent"] is None, r["percent"] or 0.0, r["student"])
    if column == "late":
        return lambda r: (not r["late"], -(r["penalty"] or 0), r["student"])
    return lambda r: (str(r[column]), r["student"])


def _student_cells(row: dict) -> str:
    name = escape(row["student"]) + (f" ({escape(row['name'])})" if row["name"] else "")
    if row["file"]:  # the stem is the grader's own safe name; quoted all the same
        name = f'<a href="feedback/{quote(row["file"])}.html">{name}</a>'
    score = "" if row["score"] is None else f"{row['score']:g}/{row['max_score']:g}"
    percent = "" if row["percent"] is None else f"{row['percent']:.0f}%"
    late = {True: "late" + (f" (-{row['penalty']:g})" if row["penalty"] else ""), False: "on time", None: ""}[row["late"]]
    return (
        f'<td class="student">{name}</td><td class="score">{score}</td><td>{percent}</td>'
        f'<td class="status">{escape(row["status"])}</td><td class="late">{late}</td>'
    )


def _students_tables(rows: list[dict]) -> str:
    """The students' table once per sort order; CSS shows the one whose id is the URL's
    fragment (a column header links to it), else the one sorted by student."""
    tables = []
    for column in [c for c in SORTS if c != "student"] + ["student"]:
        head = "".join(
            f'<th><a href="#by-{c}">{c}{" &#9650;" if c == column else ""}</a></th>'
            if c in SORTS else f"<th>{c}</th>"
            for c in ("student", "score", "percent", "status", "late")
        )  # fmt: skip
        body = "".join(f"<tr>{_student_cells(r)}</tr>" for r in sorted(rows, key=_sort_key(column)))
        tables.append(
            f'<table id="by-{column}" class="students"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
    return f'<div class="sorts">{"".join(tables)}</div>'


STYLE = (
    "<style>.students{display:none}.students:target,#by-student{display:table}"
    ".students:target~#by-student{display:none}th a{color:inherit}"
    ".attention li{margin:2px 0}.attention .missing,.attention .not_graded{color:#a11}"
    "svg.histogram{display:block;overflow:visible}</style>"
)


def summary_html(summary: dict) -> str:
    rates = sorted(summary["pass_rate"].items(), key=lambda item: item[1])
    rate_rows = "".join(f"<tr><td>{escape(n)}</td><td>{r:.0f}%</td></tr>" for n, r in rates)
    slow_rows = "".join(
        f"<tr><td>{escape(s['student'])}</td><td>{s['seconds']:.2f} s</td></tr>"
        for s in summary["slowest"]
    )
    attention = summary.get("attention", [])
    words = {"missing": "missing", "not_graded": "not graded", "not_runnable": "could not run",
             "not_a_submission": "not a submission"}  # fmt: skip
    attention_items = "".join(
        f'<li class="{escape(a["status"])}"><strong>{escape(a["student"])}</strong>: '
        f"{words.get(a['status'], escape(a['status']))} &#8212; {escape(a['reason'])}</li>"
        for a in attention
    )
    not_graded = summary.get("not_graded", 0)
    counts = (
        f"{summary['students']} students: {summary.get('graded', summary['students'])} graded "
        f"({summary['not_runnable']} could not run), {not_graded} not graded "
        f"({summary.get('missing', 0)} missing); {summary.get('late', 0)} late. "
        f"Mean {summary['mean_percent']}%, median {summary['median_percent']}% of those graded."
    )
    body = (
        f'<p class="counts">{counts}</p>'
        + (
            f'<h2 id="attention">Not graded or could not run ({len(attention)})</h2>'
            f'<ul class="attention">{attention_items}</ul>'
            if attention
            else ""
        )
        + f"<h2>Scores (% of the points, after any late penalty)</h2>{histogram_svg(summary['histogram'])}"
        + f"<h2>Students ({len(summary.get('rows', []))})</h2>{_students_tables(summary.get('rows', []))}"
        + "<h2>Pass rate per test (lowest first: the common misconceptions)</h2>"
        + f"<table><tr><th>test</th><th>passed</th></tr>{rate_rows}</table>"
        + f"<h2>Slowest submissions</h2><table>{slow_rows}</table>"
    )
    return page(f"{summary['stage']}: class summary", STYLE + body)


def class_table(result) -> list[str]:
    """The class as a terminal table: student, score, percent and the most telling problem
    (the first failing test whose message has a hint, else the first failing test)."""
    lines = [f"{'student':<8} {'score':>9} {'%':>5}  first problem"]
    for item in result.graded:
        report = item.report
        failing = [t for t in report.tests if t.status != "passed"]
        first = next((t for t in failing if t.hint), failing[0] if failing else None)
        problem = "" if first is None else f"{first.status}: {first.name}"
        if first is not None and first.hint:  # the hint as the check gave it (data)
            problem += " - " + f"Hint: {first.hint}".strip()[:90]
        elif first is not None and first.output:
            problem += " - " + first.output.strip().splitlines()[-1].strip()[:90]
        score = f"{report.score:g}/{report.max_score:g}"
        lines.append(f"{item.student:<8} {score:>9} {report.percent:>4.0f}%  {problem}")
    return lines
