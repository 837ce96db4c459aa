"""The class's gradebook (``gradebook.csv``): one row per student (id, score, max, percent,
status, error, the file name of their results and feedback, then one column per test with
its points), then one row per submission not graded. Every text cell a student decides is
neutralised as a spreadsheet formula (``grader.outputs.inert.for_csv_cell``)."""

import csv
from pathlib import Path

from grader.outputs.inert import file_stem, for_csv_cell


def safe_name(student: str) -> str:
    """The file name stem of a student's results and feedback (see ``file_stem``)."""
    return file_stem(student)


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
