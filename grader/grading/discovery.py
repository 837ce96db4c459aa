"""Finding every student's submission in what an instructor hands ``grade batch``.

Layouts recognised (``discover``):
- a folder with one folder per student (``alice/neuron.py``), the id is the folder;
- a folder of files named after students (``alice.py``, ``bob.ipynb``);
- Canvas downloads (``lastname_firstname_12345_67890_neuron.py``, ``..._LATE_...``);
- Gradescope's export (``submission_123/`` folders and ``submission_metadata.yml``);
- a student's zip (``judy.zip``, in a class folder or given directly): the id is the zip's
  name (``judy``; a Canvas name gives the Canvas id), the same on every run;
- a zip of a whole class (any of the layouts above, given directly).
Duplicates and unreadable entries are listed as problems, never dropped silently; links and
special files are never followed. Messages name what the instructor has: a zip and its
member (``judy.zip:judy/neuron.py``), never the temporary folder it was unpacked into.

Each entry carries what a gradebook needs besides the grade: other ids a roster may know
the student by (Canvas's user id, Gradescope's sid and email), when it was handed in and
how that is known, and Canvas's ``_LATE_`` marker (see ``grader.grading.lateness``).
"""

import os
import re
import stat
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from grader.errors import AmbiguousSubmission, GraderError, SubmissionError
from grader.grading.lateness import parse_gradescope_time
from grader.grading.submission import file_kind, find_submission, read_student_file
from grader.outputs.inert import one_line

MAX_ZIP_BYTES = 2 * 1024**3
CANVAS = re.compile(
    r"^(?P<name>[a-z][a-z-]*(?:_[a-z-]+)*?)(?P<late>_late)?_(?P<uid>\d+)_(?P<sub>\d+)_.+$", re.I
)
SUBMISSION_SUFFIXES = (".py", ".ipynb")


@dataclass
class Entry:
    """One student's submission: ``path`` to grade, ``label`` to name it in messages."""

    student: str
    path: Path
    label: str = ""
    aliases: list[str] = field(default_factory=list)  # other ids: Canvas user id, sid, email
    submitted: datetime | None = None  # when it was handed in, as far as known
    time_source: str = ""  # where ``submitted`` comes from
    late_marker: bool = False  # Canvas named the file _LATE_
    found_in: str = ""  # the input it was found in (``input_key``), as for a Problem
    # A pair of files handed in separately (Canvas: kim_..._stage.py and kim_..._stage.ipynb),
    # graded as one folder of two: each file's name there -> the file as handed in.
    originals: dict[str, str] = field(default_factory=dict)


@dataclass
class Problem:
    """An entry not graded and why. ``student`` is False for what is no student's
    submission (a stray file beside the students' folders): no gradebook row.
    ``found_in``: the input (file, folder or zip, as an absolute path) it was found in,
    when discovery found it; a later run that looks at that input again says anew what is
    wrong in it (``grader.outputs.class_folder``)."""

    entry: str
    reason: str
    student: bool = True
    found_in: str = ""


@dataclass
class Discovery:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class NothingToGrade(GraderError):
    """What ``grade batch`` was given holds no submission at all; ``problems`` says why
    (each entry that is not one)."""

    def __init__(self, inputs: list[Path], problems: list[Problem]):
        names = ", ".join(one_line(str(i)) for i in inputs[:5]) + (
            " ..." if len(inputs) > 5 else ""
        )
        lines = [f"nothing to grade in {names}: no .py or .ipynb submission found"]
        lines += [f"  not graded: {one_line(p.entry)}: {one_line(p.reason)}" for p in problems[:50]]
        if len(problems) > 50:
            lines.append(f"  ... and {len(problems) - 50} more")
        super().__init__("\n".join(lines))
        self.inputs, self.problems = list(inputs), list(problems)


@dataclass
class _Where:
    """How paths under ``root`` are named in messages: a zip's name and its member."""

    root: Path | None = None
    prefix: str = ""

    def show(self, path: Path) -> str:
        if self.root is not None:
            try:
                inside = path.relative_to(self.root).as_posix()
            except ValueError:
                return str(path)
            return self.prefix if inside == "." else f"{self.prefix}:{inside}"
        return str(path)


def discover(stage: str, inputs: list[Path], workdir: Path) -> Discovery:
    """Find every student's submission among ``inputs`` (files, folders, zips); zips are
    unpacked into ``workdir``."""
    found, seen = Discovery(), set()
    for item in inputs:
        item = Path(item)
        if not item.exists() and not item.is_symlink():
            raise SubmissionError(f"no such file or folder: {item}")
        key = input_key(item)
        if key in seen:  # the same input given twice (`class class`, or as ./class)
            continue
        seen.add(key)
        before, entries = len(found.problems), len(found.entries)
        if not _not_regular(found, item):
            _add_input(found, stage, item, workdir)
        for found_here in [*found.problems[before:], *found.entries[entries:]]:
            found_here.found_in = key
    return _deduplicate(found, stage, workdir)


def _add_input(found: Discovery, stage: str, item: Path, workdir: Path) -> None:
    """One input: a zip, a student's file, or a class folder."""
    if item.is_file() and item.suffix.lower() == ".zip":
        _add_zip(found, stage, item, workdir, given=True)
    elif item.is_file():
        _add_file(found, stage, item, _Where())
    else:
        _add_folder(found, stage, item, workdir, _Where())


def input_key(item: Path) -> str:
    """How an input is known from one run to the next: its absolute path, through the real
    path of its folder (``cd`` into a link, or not, names it the same) but not of the input
    itself (a link given is the link)."""
    absolute = os.path.abspath(item)
    folder, name = os.path.split(absolute)
    return os.path.join(os.path.realpath(folder), name) if name else absolute


def _not_regular(found: Discovery, path: Path, where: "_Where | None" = None) -> bool:
    """Whether ``path`` is a link or a special file (listed as not graded): a link could
    hand one student another's file, or make the grader read anything it may read."""
    name = where.show(path) if where and where.root else path.name
    try:
        info = path.lstat()
    except OSError as exc:
        found.problems.append(Problem(name, f"cannot be read ({exc.strerror})"))
        return True
    if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
        return False
    found.problems.append(Problem(name, f"{file_kind(info)}, not a regular file: not graded"))
    return True


def _unpack(archive: Path, target: Path, found: Discovery) -> None:
    """Unpack a zip safely (no paths outside the target, bounded size, no links); members
    keep their times (a whole class's zip, made by the course's platform, dates each
    submission so; a student's own zip is dated by its own file time instead)."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            if sum(info.file_size for info in bundle.infolist()) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{archive.name}: unpacked size over 2 GiB")
            for info in bundle.infolist():
                name = Path(info.filename)
                if name.is_absolute() or ".." in name.parts:
                    continue  # a path escaping the folder: never written
                if stat.S_ISLNK(info.external_attr >> 16):
                    reason = "a symbolic link, not a regular file: not graded"
                    found.problems.append(Problem(f"{archive.name}:{info.filename}", reason))
                    continue
                written = Path(bundle.extract(info, target))
                if not info.is_dir():
                    stamp = time.mktime((*info.date_time, 0, 0, -1))
                    _set_time(written, stamp)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise SubmissionError(f"{archive.name} is not a zip file that can be unpacked "
                              f"({type(exc).__name__})") from None  # fmt: skip


def _set_time(path: Path, stamp: float) -> None:
    try:
        os.utime(path, (stamp, stamp))
    except (OSError, OverflowError, ValueError):
        pass  # a zip's date out of range: the time of unpacking stays


def _unwrapped(target: Path) -> Path:
    """The folder a zip's content is in: its only folder when it holds nothing else."""
    children = [c for c in target.iterdir() if not c.name.startswith(("__MACOSX", "."))]
    if len(children) == 1 and children[0].is_dir():
        return children[0]
    return target


def _holds_submission(stage: str, folder: Path) -> bool:
    """Whether ``folder`` is one student's (STAGE.py / STAGE.ipynb, or one .py or .ipynb
    file and no folder), not a class."""
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix in SUBMISSION_SUFFIXES]
    if any(p.stem == stage for p in files):
        return True
    folders = [
        p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(("__MACOSX", "."))
    ]
    return len(files) == 1 and not folders


def _add_zip(found: Discovery, stage: str, archive: Path, workdir: Path, given: bool):
    """A zip: one student's (inside a class folder always; given directly, when it holds a
    submission at its top), else a whole class."""
    target = workdir / f"zip-{len(list(workdir.glob('zip-*')))}"
    target.mkdir(parents=True)
    student = student_id_from_file(archive, stage)
    where = _Where(target, archive.name)
    try:
        _unpack(archive, target, found)
    except SubmissionError as exc:
        found.problems.append(Problem(student, str(exc)))
        return
    root = _unwrapped(target)
    if given and not _holds_submission(stage, root):
        _add_folder(found, stage, root, workdir, where, zips=False)
        return
    try:
        path = _submission_in(stage, root, where)
    except SubmissionError as exc:
        found.problems.append(Problem(student, str(exc)))
        return
    entry = _entry(student, path, where, archive)
    # The times inside a student's own zip are the student's to set (backdated or not): the
    # zip's own file time is when it was handed in, as far as the files tell.
    entry.submitted, entry.time_source = _submission_time(archive), "the zip's file time"
    found.entries.append(entry)


def _submission_in(stage: str, folder: Path, where: _Where) -> Path:
    """The file to grade in a student's folder (or the folder, when it holds both STAGE.py
    and STAGE.ipynb: grade() applies the one rule). Raises SubmissionError naming it."""
    try:
        return find_submission(stage, folder)
    except AmbiguousSubmission:
        return folder
    except SubmissionError:
        candidates = sorted(p for p in folder.rglob("*") if p.suffix in SUBMISSION_SUFFIXES)
        if len(candidates) == 1:
            return candidates[0]
        listed = ", ".join(where.show(p) for p in candidates[:5])
        more = f"; it holds {len(candidates)}: {listed}" if candidates else ""
        raise SubmissionError(
            f"{where.show(folder)}: no {stage}.py or {stage}.ipynb, nor a single .py or "
            f".ipynb file{more}"
        ) from None


def _submission_time(path: Path) -> datetime | None:
    """The newest modification time of the submission's files (local time), or None. Read
    with lstat: a link (listed as a problem when graded) is never followed here."""
    try:
        if stat.S_ISDIR(path.lstat().st_mode):
            files = [p for p in path.iterdir() if p.suffix in SUBMISSION_SUFFIXES]
        else:
            files = [path]
        stamp = max(p.lstat().st_mtime for p in files)
    except (OSError, ValueError):
        return None
    return datetime.fromtimestamp(stamp).astimezone()


def _entry(student: str, path: Path, where: _Where, named: Path | None = None) -> Entry:
    """An entry with its label, its Canvas id and _LATE_ marker (from ``named``'s file
    name, the submission's own by default), and the file time."""
    named = named or path
    match = CANVAS.match(named.name)
    entry = Entry(student, path, where.show(path), submitted=_submission_time(path),
                  time_source="file time")  # fmt: skip
    if match:
        entry.aliases.append(match["uid"])
        entry.late_marker = bool(match["late"])
    return entry


def student_id_from_file(path: Path, stage: str) -> str:
    match = CANVAS.match(path.name)
    if match:
        return f"{match['name']}_{match['uid']}"
    if path.stem == stage:
        return path.parent.name
    return path.stem


def _add_file(found: Discovery, stage: str, path: Path, where: _Where):
    if path.suffix not in SUBMISSION_SUFFIXES:
        name = where.show(path) if where.root else path.name
        found.problems.append(Problem(name, "not a .py, .ipynb or .zip file: not graded", False))
        return
    found.entries.append(_entry(student_id_from_file(path, stage), path, where))


def _gradescope_metadata(folder: Path) -> dict[str, dict[str, str]]:
    """submission folder -> its fields (sid, email, name of the first submitter, created_at),
    from Gradescope's submission_metadata.yml, read with a few patterns (no YAML library):
    ``:created_at:`` counts only at the submission's own level, not in its ``:history:``."""
    meta = folder / "submission_metadata.yml"
    if not meta.is_file() or meta.is_symlink():
        return {}
    fields: dict[str, dict[str, str]] = {}
    current, level = None, None
    for line in meta.read_text(encoding="utf-8", errors="replace").splitlines():
        if re.match(r"^submission_\d+:", line):
            current, level = line.rstrip(":").strip(), None
            fields[current] = {}
            continue
        if not current:
            continue
        indent = len(line) - len(line.lstrip(" "))
        if level is None and line.strip().startswith(":"):
            level = indent  # the submission's own keys
        created = re.match(r"^\s*:created_at:\s*(.+)$", line)
        if created and indent == level:
            fields[current].setdefault("created_at", created.group(1).strip())
            continue
        found = re.search(r":(sid|email|name):\s*['\"]?([^'\"]*)['\"]?", line)
        if found and found.group(2).strip():
            fields[current].setdefault(found.group(1), found.group(2).strip())
    return fields


def _add_folder(found: Discovery, stage: str, folder: Path, workdir: Path, where: _Where,
                zips: bool = True):  # fmt: skip
    """A class folder: each file or folder in it is a student's (zips too, unless the
    folder came out of a zip: a zip in a zip is not unpacked)."""
    gradescope = _gradescope_metadata(folder)
    for child in sorted(folder.iterdir()):
        if child.name.startswith((".", "__")) or child.name == "submission_metadata.yml":
            continue
        if _not_regular(found, child, where):
            continue
        if child.is_file() and child.suffix.lower() == ".zip" and zips:
            _add_zip(found, stage, child, workdir, given=False)
            continue
        if child.is_file():
            _add_file(found, stage, child, where)
            continue
        meta = gradescope.get(child.name, {})
        student = meta.get("sid") or meta.get("email") or meta.get("name") or child.name
        try:
            path = _submission_in(stage, child, where)
        except SubmissionError as exc:
            found.problems.append(Problem(student, str(exc)))
            continue
        entry = _entry(student, path, where)
        entry.aliases += [meta[k] for k in ("sid", "email") if meta.get(k)]
        when = parse_gradescope_time(meta.get("created_at", ""))
        if when is not None:
            entry.submitted, entry.time_source = when, "Gradescope created_at"
        found.entries.append(entry)


def _deduplicate(found: Discovery, stage: str, workdir: Path) -> Discovery:
    """Keep one submission per student (the newest, or the newest .py and .ipynb handed in
    as two files, graded together: the one rule) and list the others."""
    by_student: dict[str, list[Entry]] = {}
    for entry in found.entries:
        by_student.setdefault(entry.student, []).append(entry)
    result = Discovery(problems=list(found.problems))
    for index, (student, entries) in enumerate(sorted(by_student.items())):
        entries.sort(key=lambda e: e.path.lstat().st_mtime, reverse=True)
        kept, parts = _paired(stage, entries, workdir / f"pair{index}")
        result.entries.append(kept)
        for other in entries:
            if other not in parts:
                reason = (f"duplicate submission {other.label} not graded: kept the newer "
                          f"{kept.label}")  # fmt: skip
                result.problems.append(Problem(student, reason, found_in=other.found_in))
    return result


def _paired(stage: str, entries: list[Entry], folder: Path) -> tuple[Entry, list[Entry]]:
    """The entry to grade of one student's (newest first), and the entries it stands for.
    Two files, the newest .py and the newest .ipynb, become one folder of STAGE.py and
    STAGE.ipynb in ``folder`` (copied, with their times): graded both, the better kept."""
    files = [e for e in entries if not e.originals and e.path.suffix in SUBMISSION_SUFFIXES
             and stat.S_ISREG(e.path.lstat().st_mode)]  # fmt: skip
    script = next((e for e in files if e.path.suffix == ".py"), None)
    notebook = next((e for e in files if e.path.suffix == ".ipynb"), None)
    if script is None or notebook is None:
        return entries[0], [entries[0]]
    try:
        folder.mkdir(parents=True)
        for entry in (script, notebook):
            copy = folder / f"{stage}{entry.path.suffix}"
            copy.write_bytes(read_student_file(entry.path))  # one byte over the limit at most
            stamp = entry.path.lstat().st_mtime
            os.utime(copy, (stamp, stamp))
    except (OSError, SubmissionError):  # cannot be copied: the newest alone, as before
        return entries[0], [entries[0]]
    newer = script if entries.index(script) < entries.index(notebook) else notebook
    pair = Entry(script.student, folder, f"{script.label} and {notebook.label}",
                 aliases=list(dict.fromkeys(script.aliases + notebook.aliases)),
                 submitted=newer.submitted, time_source=newer.time_source,
                 late_marker=script.late_marker or notebook.late_marker,
                 found_in=script.found_in,
                 originals={f"{stage}.py": script.label, f"{stage}.ipynb": notebook.label})
    return pair, [script, notebook]
