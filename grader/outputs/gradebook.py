"""The class's gradebook: one row per student (``class_rows``), written as ``gradebook.csv``
and as ``canvas_import.csv`` (Canvas's gradebook import).

gradebook.csv columns: student (the roster's id when there is a roster), name, email,
score (after any late penalty: what the LMS gets), max_score, percent, status, late
(yes/no, empty when unknown), days_late (started days, or hours under an hourly policy),
penalty (points), raw_score (before the penalty), submitted (ISO time), time_source (where
that time comes from), error (why it could not run or was not graded), notes (duplicates,
not on the roster), file (the stem of the student's results and feedback), then one column
per test with its points.

Statuses: ``graded`` and ``not_runnable`` are the report's (a submission that could not
run is graded 0 with its reason); ``missing``, a roster student with no submission (0);
``not_graded``, a submission found but not graded (the error says why: no file in their
folder, a broken zip, a link; the score is left empty for the teacher to decide).

Every text cell a student decides is neutralised as a spreadsheet formula
(``grader.outputs.inert.for_csv_cell``); numbers are the grader's own and stay numbers.
"""

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.grading.lateness import assess
from grader.outputs.inert import file_stem, for_csv_cell
from grader.outputs.roster import RosterStudent

COLUMNS = ["student", "name", "email", "score", "max_score", "percent", "status", "late",
           "days_late", "penalty", "raw_score", "submitted", "time_source", "error", "notes",
           "file"]  # fmt: skip
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def safe_name(student: str) -> str:
    """The file name stem of a student's results and feedback (see ``file_stem``)."""
    return file_stem(student)


@dataclass
class Row:
    """One line of the gradebook. ``score`` is after the late penalty; None where there is
    no grade (not graded)."""

    student: str
    status: str
    name: str = ""
    email: str = ""
    score: float | None = None
    max_score: float | None = None
    raw_score: float | None = None
    late: bool | None = None
    days_late: int = 0
    penalty: float = 0.0
    submitted: str = ""
    time_source: str = ""
    error: str = ""
    notes: list[str] = field(default_factory=list)
    file: str = ""
    tests: dict[str, float] = field(default_factory=dict)
    roster: RosterStudent | None = None

    @property
    def percent(self) -> float | None:
        if self.score is None or not self.max_score:
            return None if self.score is None else 0.0
        return 100.0 * self.score / self.max_score


def test_columns(result) -> list[str]:
    columns: list[str] = []
    for item in result.graded:
        for test in item.report.tests:
            if test.name not in columns:
                columns.append(test.name)
    return columns


def _settings(result):
    settings = getattr(result, "settings", None)
    return (
        getattr(settings, "roster", None),
        getattr(settings, "due", None),
        getattr(settings, "late_policy", None),
    )


def _graded_row(item, due, policy) -> Row:
    report, entry = item.report, getattr(item, "entry", None)
    submitted = getattr(entry, "submitted", None)
    lateness = assess(
        submitted, getattr(entry, "time_source", ""), getattr(entry, "late_marker", False),
        due, policy, report.score, report.max_score,
    )  # fmt: skip
    return Row(
        student=item.student, status=report.status,
        score=round(report.score - lateness.penalty, 4), max_score=report.max_score,
        raw_score=report.score, late=lateness.late, days_late=lateness.units,
        penalty=lateness.penalty,
        submitted=submitted.isoformat(timespec="seconds") if submitted and due else "",
        time_source=lateness.source, error=report.reason(), file=safe_name(item.student),
        tests={t.name: t.score for t in report.tests},
    )  # fmt: skip


def _ids_of(item) -> list[str]:
    entry = getattr(item, "entry", None)
    return [item.student, *(getattr(entry, "aliases", None) or [])]


def _problem_ids(entry: str) -> list[str]:
    """The ids a problem's entry may carry: itself, and a Canvas name's user id."""
    canvas = re.search(r"_(\d+)$", entry)
    return [entry, canvas.group(1)] if canvas else [entry]


def _with_roster(row: Row, student: RosterStudent) -> Row:
    row.student, row.name, row.email, row.roster = student.id, student.name, student.email, student
    return row


def class_rows(result) -> list[Row]:
    """Every student's row: the roster's, in its order (0 and ``missing`` for no
    submission), then the submissions on no roster (each noted), then what was not graded.
    Without a roster: the graded students, then what was not graded."""
    roster, due, policy = _settings(result)
    graded = [_graded_row(item, due, policy) for item in result.graded]
    problems = [Row(student=p.entry, status="not_graded", error=p.reason)
                for p in result.problems if getattr(p, "student", True)]  # fmt: skip
    max_scores = [r.max_score for r in graded if r.max_score]
    common_max = max(set(max_scores), key=max_scores.count) if max_scores else None
    if roster is None:
        return _fold_problems(graded, problems)
    by_roster: dict[str, Row] = {}
    unlisted: list[Row] = []
    for item, row in zip(result.graded, graded, strict=True):
        student = roster.match(_ids_of(item))
        if student is None:
            row.notes.append("not on the roster")
            unlisted.append(row)
        elif student.id in by_roster:
            row.notes.append(f"not on the roster as such: {student.id} has another submission")
            unlisted.append(row)
        else:
            by_roster[student.id] = _with_roster(row, student)
    leftover: list[Row] = []
    for row in problems:
        student = roster.match(_problem_ids(row.student))
        if student is not None and student.id not in by_roster:
            by_roster[student.id] = _with_roster(row, student)
        else:
            leftover.append(row)
    rows = []
    for student in roster.students:
        row = by_roster.get(student.id)
        if row is None:
            row = Row(student.id, "missing", score=0.0, max_score=common_max, raw_score=0.0,
                      error="no submission")  # fmt: skip
            row = _with_roster(row, student)
        rows.append(row)
    return _fold_problems(rows + unlisted, leftover)


def _fold_problems(rows: list[Row], problems: list[Row]) -> list[Row]:
    """Problems of a student who has a row become notes on it (a duplicate not graded);
    the others are rows of their own."""
    by_id = {row.student: row for row in rows}
    extra = []
    for problem in problems:
        if problem.student in by_id and by_id[problem.student].status != "not_graded":
            by_id[problem.student].notes.append(problem.error)
        else:
            extra.append(problem)
    return rows + extra


def _number(value: float | None, fmt: str = "g") -> str:
    return "" if value is None else format(value, fmt)


def write_gradebook(result, path: Path, rows: list[Row] | None = None) -> None:
    """``gradebook.csv``: the columns above, then one per test."""
    rows = class_rows(result) if rows is None else rows
    columns = test_columns(result)
    late_words = {True: "yes", False: "no", None: ""}
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([for_csv_cell(cell) for cell in COLUMNS + columns])
        # Text cells come from students (ids are file and folder names, errors quote
        # their code, names come from a roster): each is neutralised.
        for row in rows:
            writer.writerow([
                for_csv_cell(row.student), for_csv_cell(row.name), for_csv_cell(row.email),
                _number(row.score), _number(row.max_score), _number(row.percent, ".1f"),
                row.status, late_words[row.late], str(row.days_late) if row.late else "",
                f"{row.penalty:g}" if row.late else "", _number(row.raw_score),
                row.submitted, row.time_source, for_csv_cell(row.error),
                for_csv_cell("; ".join(row.notes)), row.file,
                *(f"{row.tests[c]:g}" if c in row.tests else "" for c in columns),
            ])  # fmt: skip


def canvas_ids(row: Row) -> tuple[str, str, str, str]:
    """(Canvas user id, SIS User ID, SIS Login ID, Section) of a row: the roster's, else the
    user id in a Canvas file name (``name_12345``)."""
    if row.roster is not None and (row.roster.canvas_id or row.roster.sis_user_id
                                   or row.roster.sis_login_id):  # fmt: skip
        r = row.roster
        return r.canvas_id, r.sis_user_id, r.sis_login_id, r.section
    match = re.fullmatch(r"[a-z][a-z-]*(?:_[a-z-]+)*_(\d+)", row.student, re.I)
    return (match.group(1), "", "", "") if match else ("", "", "", "")


def write_canvas_import(result, path: Path, rows: list[Row], column: str) -> list[str]:
    """``canvas_import.csv``: Canvas's gradebook import (Student, ID, SIS User ID, SIS Login
    ID, Section, then the assignment's column and a Points Possible row). Scores are after
    the late penalty; ``missing`` is 0; ``not_graded`` is left empty (Canvas then keeps what
    it has). Returns the ids of rows Canvas cannot match (no Canvas or SIS id): not written."""
    max_scores = [r.max_score for r in rows if r.max_score]
    possible = max(max_scores) if max_scores else ""
    left_out = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_COLUMNS, for_csv_cell(column)])
        writer.writerow(["Points Possible", "", "", "", "", _number(possible or None)])
        for row in rows:
            ids = canvas_ids(row)
            if not any(ids[:3]):
                left_out.append(row.student)
                continue
            score = "" if row.status == "not_graded" else _number(row.score)
            writer.writerow([for_csv_cell(row.name or row.student),
                             *(for_csv_cell(i) for i in ids), score])  # fmt: skip
    return left_out
