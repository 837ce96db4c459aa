"""Finding every student's submission in what an instructor hands ``grade batch``.

Layouts recognised (``discover``):
- a folder with one folder per student (``alice/neuron.py``), the id is the folder;
- a folder of files named after students (``alice.py``, ``bob.ipynb``);
- Canvas downloads (``lastname_firstname_12345_67890_neuron.py``, ``..._LATE_...``);
- Gradescope's export (``submission_123/`` folders and ``submission_metadata.yml``);
- a zip of any of these.
Duplicates and unreadable entries are listed as problems, never dropped silently; links and
special files are never followed.
"""

import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import AmbiguousSubmission, SubmissionError
from grader.grading.submission import file_kind, find_submission

MAX_ZIP_BYTES = 2 * 1024**3
CANVAS = re.compile(
    r"^(?P<name>[a-z][a-z-]*(?:_[a-z-]+)*?)(?:_late)?_(?P<uid>\d+)_(?P<sub>\d+)_.+$", re.I
)


@dataclass
class Entry:
    student: str
    path: Path


@dataclass
class Problem:
    entry: str
    reason: str


@dataclass
class Discovery:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def discover(stage: str, inputs: list[Path], workdir: Path) -> Discovery:
    """Find every student's submission among ``inputs`` (files, folders, zips)."""
    found = Discovery()
    for item in inputs:
        item = Path(item)
        if not item.exists():
            raise SubmissionError(f"no such file or folder: {item}")
        if _not_regular(found, item):
            continue
        if item.is_file() and item.suffix == ".zip":
            item = _extract(item, workdir, found)
        if item.is_file():
            _add_file(found, stage, item)
        else:
            _add_folder(found, stage, item)
    return _deduplicate(found)


def _not_regular(found: Discovery, path: Path) -> bool:
    """Whether ``path`` is a link or a special file (listed as not graded): a link could
    hand one student another's file, or make the grader read anything it may read."""
    try:
        info = path.lstat()
    except OSError as exc:
        found.problems.append(Problem(path.name, f"cannot be read ({exc.strerror})"))
        return True
    if stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode):
        return False
    found.problems.append(Problem(path.name, f"{file_kind(info)}, not a regular file: not graded"))
    return True


def _extract(archive: Path, workdir: Path, found: Discovery) -> Path:
    """Unpack a zip safely (no paths outside the target, bounded size, no links)."""
    target = Path(tempfile.mkdtemp(prefix="zip-", dir=workdir))
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
                bundle.extract(info, target)
    except zipfile.BadZipFile:
        raise SubmissionError(f"{archive.name} is not a valid zip file") from None
    children = [c for c in target.iterdir() if not c.name.startswith(("__MACOSX", "."))]
    if len(children) == 1 and children[0].is_dir() and not _is_student_folder(children[0]):
        return children[0]
    return target


def _is_student_folder(folder: Path) -> bool:
    return any(p.suffix in (".py", ".ipynb") for p in folder.iterdir() if p.is_file())


def student_id_from_file(path: Path, stage: str) -> str:
    match = CANVAS.match(path.name)
    if match:
        return f"{match['name']}_{match['uid']}"
    if path.stem == stage:
        return path.parent.name
    return path.stem


def _add_file(found: Discovery, stage: str, path: Path):
    if path.suffix not in (".py", ".ipynb"):
        found.problems.append(Problem(path.name, "not a .py or .ipynb file: not graded"))
        return
    found.entries.append(Entry(student_id_from_file(path, stage), path))


def _gradescope_names(folder: Path) -> dict[str, str]:
    """submission folder -> student id (sid, else email, else name), from Gradescope's
    submission_metadata.yml (read with a few patterns: no YAML library needed)."""
    meta = folder / "submission_metadata.yml"
    if not meta.is_file():
        return {}
    fields: dict[str, dict[str, str]] = {}
    current = None
    for line in meta.read_text(encoding="utf-8", errors="replace").splitlines():
        if re.match(r"^submission_\d+:", line):
            current = line.rstrip(":").strip()
            fields[current] = {}
        elif current:
            found = re.search(r":(sid|email|name):\s*['\"]?([^'\"]*)['\"]?", line)
            if found and found.group(2).strip():
                fields[current].setdefault(found.group(1), found.group(2).strip())
    return {
        folder_name: values.get("sid") or values.get("email") or values["name"]
        for folder_name, values in fields.items()
        if values
    }


def _add_folder(found: Discovery, stage: str, folder: Path):
    gradescope = _gradescope_names(folder)
    for child in sorted(folder.iterdir()):
        if child.name.startswith((".", "__")) or child.name == "submission_metadata.yml":
            continue
        if _not_regular(found, child):
            continue
        if child.is_file():
            _add_file(found, stage, child)
            continue
        student = gradescope.get(child.name, child.name)
        try:
            path = find_submission(stage, child)
        except AmbiguousSubmission:
            path = child  # both files: grade() applies the one rule to the folder
        except SubmissionError as exc:
            candidates = [p for p in child.rglob("*") if p.suffix in (".py", ".ipynb")]
            if len(candidates) != 1:
                found.problems.append(Problem(student, str(exc)))
                continue
            path = candidates[0]
        found.entries.append(Entry(student, path))


def _deduplicate(found: Discovery) -> Discovery:
    """Keep one submission per student (the newest) and list the others."""
    by_student: dict[str, list[Entry]] = {}
    for entry in found.entries:
        by_student.setdefault(entry.student, []).append(entry)
    result = Discovery(problems=list(found.problems))
    for student, entries in sorted(by_student.items()):
        entries.sort(key=lambda e: e.path.lstat().st_mtime, reverse=True)
        result.entries.append(entries[0])
        for other in entries[1:]:
            result.problems.append(
                Problem(student, f"duplicate submission {other.path.name} not graded: "
                                 f"kept the newer {entries[0].path.name}")
            )  # fmt: skip
    return result
