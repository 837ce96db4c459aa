"""The gradebook (``grader.outputs.gradebook``): one row per student, one column per test,
what was not graded after them; with a roster, every roster student; lateness; Canvas's
import file."""

import csv
from datetime import datetime, timedelta, timezone

from grader.batch import BatchResult, ClassSettings, Graded, Problem
from grader.grading.discovery import Entry
from grader.grading.lateness import parse_late_policy
from grader.outputs.gradebook import (
    COLUMNS,
    class_rows,
    safe_name,
    write_canvas_import,
    write_gradebook,
)
from grader.outputs.report import Report
from grader.outputs.report import TestResult as Outcome  # not "Test*": pytest would collect it
from grader.outputs.roster import Roster, RosterStudent

DUE = datetime(2025, 3, 1, 23, 59, tzinfo=timezone.utc)


def report(*scores: float) -> Report:
    made = Report(
        "neuron",
        "x.py",
        tests=[
            Outcome(f"t{i}", s, 1, "passed" if s else "failed") for i, s in enumerate(scores, 1)
        ],
    )
    made.total()
    return made


def read(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_rows_columns_and_problems(tmp_path):
    """Scores are numbers, each test has its column (empty where a report lacks it), the
    file column names the student's results; a folder with no submission is a not_graded
    row, a stray file none, a duplicate a note on the student's row."""
    full = report(1, 0)
    short = Report("neuron", "b.py", status="not_runnable", problem="empty")
    short.total()
    result = BatchResult(
        "neuron",
        [Graded("ann", full, False), Graded("bob!", short, False)],
        [
            Problem("cy", "no submission"),
            Problem("notes.txt", "stray", False),
            Problem("ann", "duplicate submission a2.py not graded"),
        ],
    )
    write_gradebook(result, tmp_path / "gradebook.csv")
    rows = list(csv.reader(open(tmp_path / "gradebook.csv", encoding="utf-8")))
    assert rows[0] == COLUMNS + ["t1", "t2"]
    ann, bob, cy = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert len(rows) == 4
    assert (ann["student"], ann["score"], ann["max_score"], ann["percent"], ann["status"]) == (
        "ann",
        "1",
        "2",
        "50.0",
        "graded",
    )
    assert (ann["t1"], ann["t2"], ann["file"], ann["late"], ann["penalty"]) == (
        "1",
        "0",
        "ann",
        "",
        "",
    )
    assert ann["notes"] == "duplicate submission a2.py not graded"
    assert (bob["status"], bob["error"], bob["file"]) == (
        "not_runnable",
        "empty",
        safe_name("bob!"),
    )
    assert bob["t1"] == bob["t2"] == ""
    assert (cy["student"], cy["status"], cy["error"], cy["score"], cy["file"]) == (
        "cy",
        "not_graded",
        "no submission",
        "",
        "",
    )


def test_roster_gives_every_student_a_row(tmp_path):
    """With a roster: its students in its order, matched by folder id, Canvas user id or
    Gradescope sid; an absent one is 0 and missing; a submission on no roster is kept and
    noted; Canvas's import file has the roster's ids and the scores."""
    roster = Roster(
        [
            RosterStudent(
                "s1",
                "Ann A",
                "ann@x.edu",
                canvas_id="101",
                sis_user_id="s1",
                sis_login_id="ann",
                section="A",
            ),
            RosterStudent("s2", "Bob B", "bob@x.edu", canvas_id="102", sis_user_id="s2"),
            RosterStudent("s3", "Cy C", "cy@x.edu", canvas_id="103", sis_user_id="s3"),
        ],
        "canvas",
    )
    canvas = Entry("b_b_102", None, aliases=["102"])
    graded = [
        Graded("ann", report(1, 1), False),
        Graded("b_b_102", report(1, 0), False, canvas),
        Graded("zed", report(0, 0), False),
    ]
    result = BatchResult("neuron", graded, [], settings=ClassSettings(roster))
    rows = class_rows(result)
    assert [(r.student, r.name, r.status, r.score) for r in rows] == [
        ("s1", "Ann A", "graded", 2),
        ("s2", "Bob B", "graded", 1),
        ("s3", "Cy C", "missing", 0.0),
        ("zed", "", "graded", 0),
    ]
    assert rows[2].max_score == 2 and rows[2].error == "no submission" and rows[2].file == ""
    assert rows[3].notes == ["not on the roster"]
    assert rows[1].file == "b_b_102"  # feedback stays under the submission's id
    left_out = write_canvas_import(result, tmp_path / "canvas.csv", rows, "Neuron (55)")
    lines = list(csv.reader(open(tmp_path / "canvas.csv", encoding="utf-8")))
    assert lines[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Neuron (55)"]
    assert lines[1] == ["Points Possible", "", "", "", "", "2"]
    assert lines[2:] == [
        ["Ann A", "101", "s1", "ann", "A", "2"],
        ["Bob B", "102", "s2", "", "", "1"],
        ["Cy C", "103", "s3", "", "", "0"],
    ]
    assert left_out == ["zed"]


def test_late_columns_and_penalty(tmp_path):
    """A submission 26 hours late under 10%/day loses 2 days' 10% of the points possible
    (score after the penalty is the score); one on time loses nothing; Canvas's _LATE_
    marker makes a file late whatever its time, with the source saying so."""
    late = Entry(
        "late", None, submitted=DUE + timedelta(hours=26), time_source="Gradescope created_at"
    )
    early = Entry("early", None, submitted=DUE - timedelta(hours=1), time_source="file time")
    marked = Entry(
        "m_1", None, submitted=DUE - timedelta(hours=1), time_source="file time", late_marker=True
    )
    graded = [Graded(e.student, report(*[1] * 10), False, e) for e in (late, early, marked)]
    settings = ClassSettings(None, DUE, parse_late_policy("10%/day, cap 50%"))
    write_gradebook(BatchResult("neuron", graded, [], settings=settings), tmp_path / "g.csv")
    rows = {r["student"]: r for r in read(tmp_path / "g.csv")}
    assert {
        k: rows["late"][k]
        for k in ("score", "raw_score", "late", "days_late", "penalty", "time_source", "submitted")
    } == {
        "score": "8",
        "raw_score": "10",
        "late": "yes",
        "days_late": "2",
        "penalty": "2",
        "time_source": "Gradescope created_at",
        "submitted": "2025-03-03T01:59:00+00:00",
    }
    assert (rows["early"]["score"], rows["early"]["late"], rows["early"]["penalty"]) == (
        "10",
        "no",
        "",
    )
    assert rows["early"]["time_source"] == "file time"
    assert (rows["m_1"]["late"], rows["m_1"]["days_late"], rows["m_1"]["score"]) == (
        "yes",
        "1",
        "9",
    )
    assert rows["m_1"]["time_source"] == "Canvas _LATE_ file name, file time"
