"""The class list (``grade batch --roster FILE``): who should have handed something in, so
that every student gets a gradebook row (0 and ``missing`` without a submission).

Read as they come (``read_roster``):
- Canvas's gradebook export: ``Student, ID, SIS User ID, SIS Login ID, [Student Number,]
  Section, <assignments>...``, with its ``Points Possible`` row (and a posting-policy row)
  under the header, and Canvas's ``Student, Test`` (the test student) among the rows;
- Gradescope's roster (``memberships.csv``): ``First Name, Last Name, SID, Email, Role,
  ...`` (or ``Name``/``Full Name``); only ``Student`` rows count;
- any CSV with an id column (``id``, ``student id``, ``sid``, ``student``, ``username``,
  ``login``) and/or an ``email`` column, and a ``name`` column.

A submission belongs to a roster student when one of its ids (the folder or file name,
Canvas's user id in its file name, Gradescope's sid or email) equals one of theirs (id,
email, Canvas ID, SIS User ID, SIS Login ID), case aside.
"""

import csv
import io
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.errors import GraderError

MAX_ROSTER_BYTES = 20 * 1024 * 1024
CANVAS_TEST_STUDENT = "student, test"


class RosterError(GraderError):
    """The roster cannot be read (missing, too large, no id or email column)."""


@dataclass
class RosterStudent:
    """One student of the class list; ``id`` is the gradebook's id for them."""

    id: str
    name: str = ""
    email: str = ""
    canvas_id: str = ""  # Canvas's user id ("ID"), also in its submission file names
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""

    def keys(self) -> set[str]:
        """The ids a submission may carry for this student (lower case)."""
        values = (self.id, self.email, self.canvas_id, self.sis_user_id, self.sis_login_id)
        return {v.strip().lower() for v in values if v.strip()}


@dataclass
class Roster:
    """A class list and the layout it was read from (``canvas``, ``gradescope``, ``csv``).
    ``canvas_column`` is the export's column for this assignment, when it has one."""

    students: list[RosterStudent]
    kind: str = "csv"
    canvas_column: str = ""

    def to_dict(self) -> dict:
        return {"kind": self.kind, "canvas_column": self.canvas_column,
                "students": [asdict(s) for s in self.students]}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict) -> "Roster":
        students = [RosterStudent(**s) for s in data.get("students", [])]
        return cls(students, data.get("kind", "csv"), data.get("canvas_column", ""))

    def match(self, ids: list[str]) -> RosterStudent | None:
        """The roster student one of ``ids`` names, else None."""
        wanted = {i.strip().lower() for i in ids if i and i.strip()}
        for student in self.students:
            if student.keys() & wanted:
                return student
        return None


def _column(header: list[str], *names: str) -> int | None:
    folded = [h.strip().lower() for h in header]
    for name in names:
        if name in folded:
            return folded.index(name)
    return None


def read_roster(path: Path, stage: str = "") -> Roster:
    """The class list in ``path`` (Canvas, Gradescope or a plain CSV: see the module)."""
    path = Path(path)
    try:
        raw = path.read_bytes()[: MAX_ROSTER_BYTES + 1]
    except OSError as exc:
        raise RosterError(f"roster {path}: cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_ROSTER_BYTES:
        raise RosterError(f"roster {path}: over {MAX_ROSTER_BYTES // 1024 // 1024} MiB")
    text = raw.decode("utf-8-sig", errors="replace")
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise RosterError(f"roster {path}: empty")
    header, body = rows[0], rows[1:]
    if (
        _column(header, "sis user id", "sis login id") is not None
        and _column(header, "student") is not None
    ):
        return _canvas(header, body, stage)
    if (
        _column(header, "sid") is not None
        and _column(header, "first name", "name", "full name") is not None
    ):
        return _gradescope(header, body)
    return _plain(path, header, body)


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _canvas(header: list[str], body: list[list[str]], stage: str) -> Roster:
    """Canvas's gradebook export (its first columns are the roster)."""
    name, cid = _column(header, "student"), _column(header, "id")
    sis, login, section = (_column(header, c) for c in ("sis user id", "sis login id", "section"))
    students = []
    for row in body:
        identity = [_cell(row, i) for i in (cid, sis, login)]
        student_name = _cell(row, name)
        # The "Points Possible" and posting-policy rows have no id; the test student is
        # Canvas's own.
        if not any(identity) or student_name.lower() == CANVAS_TEST_STUDENT:
            continue
        students.append(RosterStudent(
            id=identity[1] or identity[2] or identity[0], name=student_name,
            email=identity[2] if "@" in identity[2] else "", canvas_id=identity[0],
            sis_user_id=identity[1], sis_login_id=identity[2], section=_cell(row, section),
        ))  # fmt: skip
    column = ""
    if stage:  # the export's column for this assignment: "Neuron (12345)"
        pattern = re.compile(rf"^{re.escape(stage)}\b.*\(\d+\)$", re.I)
        matching = [h for h in header if pattern.match(h.strip())]
        column = matching[0].strip() if len(matching) == 1 else ""
    return Roster(students, "canvas", column)


def _gradescope(header: list[str], body: list[list[str]]) -> Roster:
    """Gradescope's roster: First Name, Last Name, SID, Email, Role, ..."""
    first, last = _column(header, "first name"), _column(header, "last name")
    full, sid, email = (
        _column(header, "name", "full name"),
        _column(header, "sid"),
        _column(header, "email"),
    )
    role = _column(header, "role")
    students = []
    for row in body:
        if role is not None and _cell(row, role) and _cell(row, role).lower() != "student":
            continue  # instructors, TAs, readers
        identity = _cell(row, sid) or _cell(row, email)
        if not identity:
            continue
        name = _cell(row, full) or " ".join(p for p in (_cell(row, first), _cell(row, last)) if p)
        students.append(RosterStudent(identity, name, _cell(row, email)))
    return Roster(students, "gradescope")


def _plain(path: Path, header: list[str], body: list[list[str]]) -> Roster:
    """A hand-made CSV: an id and/or an email column, and maybe a name."""
    ident = _column(header, "id", "student id", "student_id", "sid", "student", "username",
                    "login", "user")  # fmt: skip
    email = _column(header, "email", "e-mail", "email address")
    name = _column(header, "name", "full name", "student name")
    if ident is None and email is None:
        raise RosterError(
            f"roster {path}: no id or email column (found: {', '.join(header)[:200]}); "
            "expected a Canvas or Gradescope export, or columns id, name, email"
        )
    students = []
    for row in body:
        identity = _cell(row, ident) or _cell(row, email)
        if identity:
            students.append(RosterStudent(identity, _cell(row, name), _cell(row, email)))
    return Roster(students, "csv")
