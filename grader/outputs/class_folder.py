"""What a batch run leaves in its output folder (``write_all``).

gradebook.csv          one row per student (``grader.outputs.gradebook``): id, name, email,
                       score after any late penalty, max, percent, status, lateness,
                       error, notes, file (the name of their results and feedback), then
                       one column per test (its points)
canvas_import.csv      the same scores in Canvas's gradebook import format
results/<file>.json    the ``grade run --format json`` document of each student, with the
                       student's id and how their submission was handed in (``handed_in``)
feedback/<file>.md|html  what the student reads: score, each test with its message;
                       of hidden tests what the hidden-feedback policy allows
                       (<file> is ``grader.inert.file_stem(id)``: one per id, the same
                       on every run; the gradebook's ``file`` column gives it)
summary.html           the class: who was not graded and why, score histogram (inline
                       SVG), the students (sortable, linking to their feedback), pass rate
                       per test (the common misconceptions), slowest submissions
summary.json           the same figures as data
class.json             the folder's record: stage, options, roster, due date and late
                       policy, the students graded and what was not graded, and a digest
                       of what each student's files were made of (``outputs``: a re-run
                       writes again only the files whose digest changed)

A run updates the folder, it does not start it over: the students it found (graded or
not) replace their earlier rows and files, everyone else's stay. So regrading one
student (``grade batch STAGE class/alice -o OUT``) after the whole class leaves the whole
class in the gradebook and summary; a roster, due date or late policy given once is kept
for later runs. What was not graded is said anew of every place a run looks at again (an
input, a folder holding it, the folder of an input since removed): a stray file or an
empty folder removed since is no longer listed. results/ and feedback/
hold exactly the gradebook's graded students: files of a student no longer graded (and
of ids older versions gave) are removed.

Ids, messages and everything else a student decides are made inert where they are
written (``grader.inert``): fenced or escaped in Markdown, escaped in HTML, neutralised
as formulas in the gradebook, visible escapes instead of control characters.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader import __version__
from grader.errors import GraderError
from grader.grading.discovery import Entry, Problem
from grader.grading.lateness import LatePolicy, parse_late_policy
from grader.outputs.feedback import feedback_html, feedback_markdown
from grader.outputs.gradebook import class_rows, safe_name, write_canvas_import, write_gradebook
from grader.outputs.report import DEFAULT_HIDDEN_FEEDBACK, Report, TestResult
from grader.outputs.roster import Roster
from grader.outputs.summary import class_summary, summary_html

RECORD = "class.json"
RECORD_VERSION = 1


class OutputFolderError(GraderError):
    """The output folder holds another stage's (or another kind of run's) gradebook."""


@dataclass
class ClassSettings:
    """What the gradebook is computed with besides the reports. None: keep the folder's."""

    roster: Roster | None = None
    due: datetime | None = None
    late_policy: LatePolicy | None = None

    def to_dict(self) -> dict:
        return {
            "roster": self.roster.to_dict() if self.roster else None,
            "due": self.due.isoformat() if self.due else None,
            "late_policy": self.late_policy.text if self.late_policy else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ClassSettings":
        return cls(
            Roster.from_dict(data["roster"]) if data.get("roster") else None,
            datetime.fromisoformat(data["due"]) if data.get("due") else None,
            parse_late_policy(data["late_policy"]) if data.get("late_policy") else None,
        )

    def over(self, earlier: "ClassSettings") -> "ClassSettings":
        """These settings, each one not given taken from ``earlier``."""
        return ClassSettings(self.roster or earlier.roster, self.due or earlier.due,
                             self.late_policy or earlier.late_policy)  # fmt: skip


def _report(data: dict) -> Report:
    tests = [TestResult(**{k: v for k, v in t.items() if k in TestResult.__dataclass_fields__})
             for t in data.get("tests", [])]  # fmt: skip
    fields = {k: v for k, v in data.items() if k in Report.__dataclass_fields__ and k != "tests"}
    return Report(**fields, tests=tests)


def _entry_dict(entry: Entry | None) -> dict:
    if entry is None:
        return {}
    return {
        "label": entry.label, "aliases": list(entry.aliases),
        "submitted": entry.submitted.isoformat() if entry.submitted else None,
        "time_source": entry.time_source, "late_marker": entry.late_marker,
    }  # fmt: skip


def _entry_from(student: str, data: dict) -> Entry:
    submitted = data.get("submitted")
    return Entry(
        student, Path(data.get("label") or student), data.get("label", ""),
        list(data.get("aliases", [])), datetime.fromisoformat(submitted) if submitted else None,
        data.get("time_source", ""), bool(data.get("late_marker")),
    )  # fmt: skip


def _read_record(outdir: Path) -> dict | None:
    path = outdir / RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None  # unreadable: the run starts the folder over
    return record if record.get("version") == RECORD_VERSION else None


def _kind(stage, public_only) -> str:
    return f"{stage}{' (public tests only)' if public_only else ''}"


def check_folder(outdir: Path, stage: str, public_only: bool) -> dict | None:
    """The folder's record (None for a new folder). Raises OutputFolderError when it holds
    another stage's gradebook, or one graded with(out) the hidden tests: they do not mix."""
    record = _read_record(outdir)
    if record is not None and (record.get("stage"), bool(record.get("public_only"))) != (
        stage, public_only,
    ):  # fmt: skip
        theirs = _kind(record.get("stage"), record.get("public_only"))
        raise OutputFolderError(
            f"{outdir} holds the gradebook of {theirs}; this run grades "
            f"{_kind(stage, public_only)}: give another -o folder"
        )
    return record


def merged(result, outdir: Path):
    """The whole class: this run's students and problems over the folder's earlier ones
    (see the module's doc). Raises OutputFolderError for another stage's folder."""
    from grader.batch import BatchResult, Graded  # the batch module imports this one

    settings = getattr(result, "settings", None) or ClassSettings()
    public_only = getattr(result, "public_only", False)
    record = check_folder(outdir, result.stage, public_only)
    if record is None:
        result.settings = settings
        return result
    touched = {g.student for g in result.graded} | {p.entry for p in result.problems}
    graded = list(result.graded)
    for student in record.get("students", []):
        if student in touched:
            continue
        path = outdir / "results" / f"{safe_name(student)}.json"
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue  # its results are gone: it is no longer in the gradebook
        entry = _entry_from(student, data.get("handed_in", {}))
        graded.append(Graded(student, _report(data), True, entry=entry))
    # What this run did not grade replaces what earlier runs said of the places it looked at
    # again (a stray file since removed is no longer listed); other inputs' problems stay.
    inputs = [Path(i) for i in getattr(result, "inputs", ())]
    problems = [Problem(p["entry"], p["reason"], p.get("student", True), p.get("found_in", ""))
                for p in record.get("problems", [])
                if p["entry"] not in touched
                and not _looked_at_again(p.get("found_in") or "", inputs)]  # fmt: skip
    problems += result.problems
    graded.sort(key=lambda g: g.student)
    earlier = ClassSettings.from_dict(record.get("settings", {}))
    whole = BatchResult(result.stage, graded, problems, result.interrupted, result.elapsed)
    whole.settings, whole.public_only = settings.over(earlier), public_only
    return whole


def _looked_at_again(found_in: str, inputs: list[Path]) -> bool:
    """Whether this run looked again where an earlier problem was found: that input, a
    folder holding it, or (it being gone) the folder it was in (``grade batch s class/*``
    after a stray file was removed). A problem recorded without ``found_in`` (in a
    class.json written before it was kept) is not: it stays until its entry is graded or
    listed again, or the folder is started over."""
    if not found_in:
        return False
    where = Path(found_in)
    if any(where == item or item in where.parents for item in inputs):
        return True
    return not os.path.lexists(where) and any(item.parent == where.parent for item in inputs)


def write_all(result, outdir: Path, hidden_feedback: str = DEFAULT_HIDDEN_FEEDBACK):
    """Write (update) the folder for ``result``; returns the whole class written. The
    feedback shows of hidden tests what ``hidden_feedback`` (none, hints, full) allows, the
    results documents everything (they are the teacher's)."""
    outdir.mkdir(parents=True, exist_ok=True)
    earlier = (_read_record(outdir) or {}).get("outputs", {})
    whole = merged(result, outdir)
    (outdir / "results").mkdir(exist_ok=True)
    (outdir / "feedback").mkdir(exist_ok=True)
    written, outputs = set(), {}
    for item in whole.graded:
        name = safe_name(item.student)
        written.add(name)
        outputs[item.student] = made_of = _made_of(item, hidden_feedback)
        files = [outdir / "results" / f"{name}.json", outdir / "feedback" / f"{name}.md",
                 outdir / "feedback" / f"{name}.html"]  # fmt: skip
        if earlier.get(item.student) == made_of and all(f.is_file() for f in files):
            continue  # written from the same report, entry and policy: the same bytes again
        data = item.report.to_dict()
        data["student"] = item.student
        data["handed_in"] = _entry_dict(getattr(item, "entry", None))
        (outdir / "results" / f"{name}.json").write_text(json.dumps(data, indent=2), "utf-8")
        (outdir / "feedback" / f"{name}.md").write_text(
            feedback_markdown(item.student, item.report, hidden_feedback), "utf-8"
        )
        (outdir / "feedback" / f"{name}.html").write_text(
            feedback_html(item.student, item.report, hidden_feedback), "utf-8"
        )
    _remove_others(outdir, written)
    rows = class_rows(whole)
    write_gradebook(whole, outdir / "gradebook.csv", rows)
    roster = whole.settings.roster
    column = (roster.canvas_column if roster else "") or whole.stage
    left_out = write_canvas_import(whole, outdir / "canvas_import.csv", rows, column)
    summary = class_summary(whole, rows)
    summary["canvas_import_left_out"] = left_out
    whole.canvas_left_out, whole.canvas_rows = left_out, len(rows) - len(left_out)
    whole.rows = rows
    (outdir / "summary.json").write_text(json.dumps(summary, indent=2), "utf-8")
    (outdir / "summary.html").write_text(summary_html(summary), "utf-8")
    record = {
        "version": RECORD_VERSION, "stage": whole.stage,
        "public_only": getattr(whole, "public_only", False),
        "settings": whole.settings.to_dict(),
        "students": [g.student for g in whole.graded],
        "problems": [{"entry": p.entry, "reason": p.reason, "student": p.student,
                      "found_in": p.found_in} for p in whole.problems],  # fmt: skip
        "outputs": outputs,
    }  # fmt: skip
    (outdir / RECORD).write_text(json.dumps(record, indent=2), "utf-8")
    return whole


def _made_of(item, hidden_feedback: str) -> str:
    """A digest of everything a student's results and feedback files are made of (the
    report, how it was handed in, the feedback policy, the grader's version): an unchanged
    re-run of a class does not render and write them again (half of its time)."""
    made_of = repr((__version__, item.student, hidden_feedback, item.report,
                    _entry_dict(getattr(item, "entry", None))))  # fmt: skip
    return hashlib.sha256(made_of.encode("utf-8", "surrogatepass")).hexdigest()


def _remove_others(outdir: Path, keep: set[str]) -> None:
    """Remove results and feedback files of anyone not in the gradebook (a student now
    not graded, an id an earlier version gave): no stale feedback is left to be sent."""
    for folder, suffixes in (("results", (".json",)), ("feedback", (".md", ".html"))):
        for path in (outdir / folder).iterdir():
            if path.suffix in suffixes and path.stem not in keep and path.is_file():
                path.unlink()
