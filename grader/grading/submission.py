"""Finding and reading a submission: a ``STAGE.py``, a ``STAGE.ipynb``, or a folder with one.

Everything here runs on the grader's side and only *reads* the student's file:
a notebook is parsed as JSON with nbformat, never executed here. Its code cells
become the cells the student process runs; IPython magics and shell escapes are
left out and listed, since plain Python cannot run them.
"""

import errno
import functools
import os
import re
import stat
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import get_stage
from grader.errors import AmbiguousSubmission, SubmissionError, UnsafeFile
from grader.sandbox.limits import LoadRequest

MAX_SUBMISSION_BYTES = 20 * 1024 * 1024
MAX_CELLS = 2000  # code cells of a notebook; lesson notebooks have about fifty
MAX_SKIPPED = 50  # skipped magic lines listed in a report ("... and N more" after that)
_MAGIC = re.compile(r"^\s*(%|!)")


@dataclass
class Submission:
    """A student's file, read and split into the cells the student process will run."""

    stage: str
    path: Path
    kind: str  # "py" or "ipynb"
    cells: list[str]
    raw: bytes = field(repr=False)
    skipped: list[str] = field(default_factory=list)  # magics and shell lines not run
    problem: str | None = None  # why it cannot run at all (empty, not UTF-8, bad notebook)
    problem_kind: str = ""  # the same as data (a key of grader.outputs.report.PROBLEM_KINDS)
    # A notebook's cell numbers, one per code cell in ``cells``: the cell's place among all
    # the notebook's cells, counted from 1 (what "cell N" means in every message).
    cell_numbers: list[int] = field(default_factory=list)

    def load_request(self) -> LoadRequest:
        return LoadRequest(self.stage, f"{self.stage}.py", self.cells, self.raw)


def find_submission(stage: str, path: str | Path) -> Path:
    """The file to grade: ``path`` itself, or ``STAGE.py`` / ``STAGE.ipynb`` in a folder
    (or the folder's only .py / .ipynb file, whatever its name)."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"no such file or folder: {path}")
    if path.is_dir():
        found = [
            path / f"{stage}.{ext}"
            for ext in ("py", "ipynb")
            if os.path.lexists(path / f"{stage}.{ext}")
        ]
        if not found:
            # An upload under another name (Gradescope keeps the student's file name).
            found = [p for p in path.iterdir() if p.suffix in (".py", ".ipynb")]
            if len(found) != 1:
                raise SubmissionError(f"{path} holds neither {stage}.py nor {stage}.ipynb")
        if len(found) > 1:
            raise AmbiguousSubmission(path, found)
        return found[0]
    if path.suffix not in (".py", ".ipynb"):
        raise SubmissionError(f"{path.name}: a submission is a .py file or a .ipynb notebook")
    return path


def file_kind(info: os.stat_result) -> str:
    """What a non-regular file is, in words."""
    for test, kind in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):  # fmt: skip
        if test(info.st_mode):
            return kind
    return "a regular file" if stat.S_ISREG(info.st_mode) else "a special file"


def read_student_file(path: Path, limit: int = MAX_SUBMISSION_BYTES) -> bytes:
    """Read a file a student controls, as the grader (maybe root) safely can: without
    following a link, only if it is a regular file, and no more than ``limit`` bytes
    (one more is read, so that the caller can tell the file was longer). Raises
    UnsafeFile for anything but a regular file, SubmissionError when it cannot be read."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # a FIFO never blocks
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(path, "a symbolic link") from None
        raise SubmissionError(f"cannot read {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(path, file_kind(info))
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise SubmissionError(f"cannot read {path}: {exc.strerror}") from None
    finally:
        os.close(fd)


def read_submission(stage: str, path: str | Path) -> Submission:
    """Read and check the submission; problems that make it unrunnable are recorded, not raised."""
    path = find_submission(stage, path)
    raw = read_student_file(path)
    if len(raw) > MAX_SUBMISSION_BYTES:
        limit = MAX_SUBMISSION_BYTES // 1024 // 1024
        return _unrunnable(stage, path, f"the file is over the {limit} MiB limit", "too_large")
    kind = "ipynb" if path.suffix == ".ipynb" else "py"
    if not raw.strip():
        return _unrunnable(stage, path, "the file is empty", "empty", kind, raw)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return _unrunnable(
            stage,
            path,
            f"the file is not UTF-8 text (byte {exc.start}): save it as UTF-8",
            "not_text",
            kind,
            raw,
        )
    if "\x00" in text:
        return _unrunnable(
            stage, path, "the file holds binary data (NUL bytes), not Python code", "not_text",
            kind, raw,
        )  # fmt: skip
    if kind == "py":
        return Submission(stage, path, kind, [text], raw)
    return _read_notebook(stage, path, text, raw)


def read_submissions(stage: str, path: str | Path) -> tuple[list[Submission], list[str]]:
    """What to grade in ``path``, and notes on the choice. One rule everywhere (``run``,
    ``check``, ``batch``, Gradescope, PrairieLearn): in a folder holding both STAGE.py and
    STAGE.ipynb (students are handed both), a file whose code is still the handout's is
    ignored; when both were edited, both are returned and the grader keeps the better."""
    try:
        return [read_submission(stage, path)], []
    except AmbiguousSubmission as both:
        candidates = [read_submission(stage, p) for p in both.paths]
    edited = [c for c in candidates if not is_untouched_handout(c)]
    if not edited:  # both untouched: grade the .py, which says so test by test
        return [candidates[0]], [f"{candidates[1].path.name} ignored: both files are the handout"]
    notes = [f"{c.path.name} ignored: its code is still the handout's"
             for c in candidates if c not in edited]  # fmt: skip
    return edited, notes


def is_untouched_handout(submission: Submission) -> bool:
    """Whether the submission's code is the handout's (stub or lesson notebook) unchanged;
    outputs and metadata a saved notebook gains do not count as edits."""
    stage = get_stage(submission.stage)
    handout = stage.stub if submission.kind == "py" else stage.notebook
    if submission.problem or not handout.is_file():
        return False
    return _code_lines(submission.cells) == _code_lines(
        read_submission(submission.stage, handout).cells
    )


def _code_lines(cells: list[str]) -> list[str]:
    return [line.rstrip() for cell in cells for line in cell.splitlines() if line.strip()]


def _unrunnable(stage, path, problem, problem_kind, kind="py", raw=b""):
    return Submission(stage, path, kind, [], raw, problem=problem, problem_kind=problem_kind)


def _read_notebook(stage, path, text, raw) -> Submission:
    import json

    import nbformat  # only for notebooks: it costs a tenth of a second to import

    try:  # counted before nbformat validates it: validation costs ~30 ms per thousand cells
        count = len(json.loads(text).get("cells") or ())
    except (ValueError, AttributeError, TypeError, RecursionError):
        count = 0  # nbformat says what is wrong, below
    if count > MAX_CELLS:
        return _unrunnable(stage, path, f"the notebook has {count} cells, over the limit of "
                           f"{MAX_CELLS}", "not_notebook", "ipynb", raw)  # fmt: skip
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several types for malformed input
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return _unrunnable(stage, path, f"not a valid Jupyter notebook ({reason})",
                           "not_notebook", "ipynb", raw)  # fmt: skip
    cells, numbers, skipped, not_listed = [], [], [], 0
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(s) for s in source)
        code, dropped = strip_magics(str(source))
        room = max(0, MAX_SKIPPED - len(skipped))
        skipped += [f"cell {number}: {line.strip()[:200]}" for line in dropped[:room]]
        not_listed += len(dropped[room:])
        cells.append(code)
        numbers.append(number)
    if not cells:
        return _unrunnable(stage, path, "the notebook has no code cells", "not_notebook",
                           "ipynb", raw)  # fmt: skip
    if not_listed:
        skipped.append(f"... and {not_listed} more magic or shell lines")
    return Submission(stage, path, "ipynb", cells, raw, skipped, cell_numbers=numbers)


def strip_magics(source: str) -> tuple[str, list[str]]:
    """Remove IPython magics (``%x``, ``%%x`` cells) and shell escapes (``!cmd``).

    Dropped lines become blank lines so that line numbers in errors still match
    the notebook cell. Returns the code and the dropped lines.
    """
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        return "", [lines[0]]
    kept, dropped = [], []
    for line in lines:
        if _MAGIC.match(line) or re.match(r"^\s*\w+\s*=\s*!", line):
            dropped.append(line)
            kept.append("")
        else:
            kept.append(line)
    return "\n".join(kept), dropped


_DEFINITION = re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)", re.M)


def definition_lines(path: Path) -> dict[str, int]:
    """Top-level function and class names of a ``.py`` submission and the line of their
    last definition (the one Python keeps), read as text: never parsed or run here."""
    if path.suffix != ".py":
        return {}
    text = read_student_file(path).decode("utf-8", "replace")
    return {m.group(1): text.count("\n", 0, m.start()) + 1 for m in _DEFINITION.finditer(text)}


# ---------------------------------------------------------------- what came of loading it

_CELL_LABEL = re.compile(r"\[cell (\d{1,6})\]$")  # the runtime's file label of a cell
MAX_STATEMENT_LINES = 20  # lines of one quoted statement looked at
MAX_CODE = 200  # characters of a quoted statement kept in the data
_OPENING, _CLOSING = "([{", ")]}"


def statement_text(lines: list[str], line: int, end_line=None) -> str:
    """The statement starting at ``line`` (from 1) of ``lines`` as one line, whole rather
    than its first physical line (``raise ValueError(``): through ``end_line`` when the
    student process knew it (Python 3.11+ positions), else through the line where its
    brackets close, read with ``tokenize`` over at most ``MAX_STATEMENT_LINES`` lines (never
    the whole file). Comments are left out; ``MAX_CODE`` characters at most."""
    chunk = lines[line - 1 : line - 1 + MAX_STATEMENT_LINES]
    if not chunk:
        return ""
    known = type(end_line) is int and line <= end_line < line + MAX_STATEMENT_LINES
    count, comments = (end_line - line + 1 if known else 1), []
    if all(len(text) <= 2000 for text in chunk):  # a huge line is quoted as it is, cut
        readline = functools.partial(next, iter(text + "\n" for text in chunk), "")
        depth, row = 0, 1
        try:
            for token in tokenize.generate_tokens(readline):
                depth += token.string in _OPENING and token.type == tokenize.OP
                depth -= token.string in _CLOSING and token.type == tokenize.OP
                row = token.end[0]
                if token.type == tokenize.COMMENT:
                    comments.append(token.start)
                elif token.type == tokenize.NEWLINE:
                    count = count if known else token.end[0]
                    break
        except (tokenize.TokenError, SyntaxError):
            # Brackets still open at the window's end: all of it; else not a statement's
            # start (inside a string, a closing bracket first): its one line.
            count = count if known or depth <= 0 else row
    pieces = chunk[:count]
    for row, column in comments:
        if row <= count:
            pieces[row - 1] = pieces[row - 1][:column]
    text = ""
    for piece in (piece.strip() for piece in pieces):
        if piece:
            joined = not text or text[-1] in _OPENING or piece[0] in _CLOSING
            text += piece if joined else " " + piece
    return text if len(text) <= MAX_CODE else text[: MAX_CODE - 1] + "\u2026"


def _frame_place(submission: Submission, frame: dict, index, code_wanted=True) -> dict:
    """Where one of an error's frames is, as the student reads it: ``cell`` (the notebook's
    own number), ``line`` and ``code`` (the statement, from the grader's copy)."""
    label = _CELL_LABEL.search(str(frame.get("file", "")))
    if label:  # a function's line may sit in another cell than the one that was running
        index = int(label.group(1))
    line = frame.get("line") if type(frame.get("line")) is int else None
    code = str(frame.get("code") or "").strip()[:MAX_CODE]
    position = (index or 1) - 1
    if 0 <= position < len(submission.cells) and line and line > 0:
        lines = submission.cells[position].splitlines()
        if line <= len(lines):
            code = statement_text(lines, line, frame.get("end_line")) if code_wanted else (
                lines[line - 1].strip()[:MAX_CODE])  # fmt: skip
    cell = None
    if index is not None and 0 < index <= len(submission.cell_numbers):
        cell = submission.cell_numbers[index - 1]
    return {"cell": cell, "line": line, "code": code}


def locate_error(submission: Submission, error: dict) -> dict:
    """A load error of the student process (plain data, already bounded) as the student
    reads it: ``kind`` (syntax_error, import_error, load_error), ``type``, ``message``,
    ``file``, ``cell`` (the notebook's own cell number, the one every message uses),
    ``line`` and ``code``, the offending statement taken from the grader's copy of the
    submission (the student process cannot read its cells back from files), whole.

    When the error was raised deeper than the top-level line that ran (in a function the
    submission defines), ``cell``, ``line`` and ``code`` say where it was raised,
    ``function`` in which function, and ``top_level`` (``cell``, ``line``, ``code``) the
    line of the cell or file that ran: the call the student may have left in."""
    from grader.outputs.report import LOAD_ERROR_KINDS

    frames = [f for f in error.get("frames") or [] if isinstance(f, dict)]
    frames = frames[:1] + frames[1:][-4:]  # the runtime keeps 5: first and last ones
    index = error.get("cell") if type(error.get("cell")) is int else None
    kind = str(error.get("type", ""))
    kind_name = LOAD_ERROR_KINDS.get(kind, "load_error")
    last = frames[-1] if frames else {}
    # A syntax error's line is quoted as it is: its statement may not be one.
    place = _frame_place(submission, last, index, code_wanted=kind_name != "syntax_error")
    located = {
        "kind": kind_name,
        "type": kind,
        "message": str(error.get("message", "")),
        "file": submission.path.name,
        **place,
        "frames": frames,
    }
    function = str(last.get("function") or "")[:80]
    if len(frames) > 1 and frames[0].get("function") == "<module>":
        located["top_level"] = _frame_place(submission, frames[0], index)
        located["calls_between"] = len(frames) - 2 + _count(error.get("frames_left_out"))
        if function and function != "<module>":
            located["function"] = function
    return located


def _count(value) -> int:
    return value if type(value) is int and 0 <= value < 10**9 else 0


def settle_outcome(report, submission: Submission, unavailable, load_report) -> None:
    """Decide the report's outcome from what came of loading the submission.

    One rule: the submission *could not run* (``not_runnable``) when nothing of it could
    be loaded: it could not be read or run (``submission.problem``), its loading crashed or
    ran out of time (``unavailable``), or it left none of the stage's names defined (a
    syntax error in a .py, a failed import at its top, ...). Otherwise it is ``graded``,
    with its load errors and missing names listed; each test of a missing name has failed
    on its own."""
    from grader.outputs.report import PROBLEM_KINDS

    errors = [locate_error(submission, e) for e in (load_report or {}).get("errors") or []]
    report.load_errors = errors
    if submission.problem:
        report.status, report.problem_kind = "not_runnable", submission.problem_kind
        report.problem = submission.problem
        return
    if unavailable is not None:
        report.status, report.problem_kind = "not_runnable", "load_failed"
        report.problem = unavailable.reason
        return
    if load_report is None:
        return  # no test asked for the student process: nothing is known of its loading
    names = get_stage(submission.stage).functions()
    defined = set(load_report.get("names") or ())
    report.missing = [name for name in names if name not in defined]
    if names and len(report.missing) == len(names):
        report.status = "not_runnable"
        if submission.kind == "py" and len(errors) == 1:  # what stopped the file is the cause
            from grader.outputs.report import format_error

            report.problem_kind, report.problem = errors[0]["kind"], format_error(errors[0])
        else:
            report.problem_kind = "nothing_defined"
            report.problem = f"{PROBLEM_KINDS['nothing_defined']} ({', '.join(names)})"
