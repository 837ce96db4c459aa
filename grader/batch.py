"""Grading a whole class: finding the submissions, grading them in parallel with a
cache, and writing the gradebook, per-student results and feedback, and a summary.

Layouts recognised (``discover``):
- a folder with one folder per student (``alice/neuron.py``), the id is the folder;
- a folder of files named after students (``alice.py``, ``bob.ipynb``);
- Canvas downloads (``lastname_firstname_12345_67890_neuron.py``, ``..._LATE_...``);
- Gradescope's export (``submission_123/`` folders and ``submission_metadata.yml``);
- a zip of any of these.
Duplicates and unreadable entries are listed as problems, never dropped silently.
"""

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import re
import stat
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader import __version__, inert, outputs
from grader.api import grade, suite_files
from grader.course import get_stage
from grader.errors import GraderError, SubmissionError
from grader.report import Report, TestResult
from grader.submission import file_kind, find_submission, read_student_file

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


# ---------------------------------------------------------------- discovery


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
        except SubmissionError as exc:
            candidates = [p for p in child.rglob("*") if p.suffix in (".py", ".ipynb")]
            if len(candidates) == 1 and "both" not in str(exc):
                path = candidates[0]
            else:
                found.problems.append(Problem(student, str(exc)))
                continue
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


# ---------------------------------------------------------------- grading


def suite_digest(stage: str) -> str:
    """A hash of everything that decides a grade besides the submission."""
    digest = hashlib.sha256(f"{__version__}:{stage}".encode())
    root = Path(__file__).resolve().parent
    files = [*suite_files(stage), root / "suites" / "checks.py", *get_stage(stage).grading_files()]
    files += sorted((root.parent / "reference").glob("*.py"))
    for path in files:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _grade_one(stage: str, path: str, options: dict) -> dict:
    """Grade one submission in a worker process; never raises."""
    try:
        return asdict(grade(stage, path, **options))
    except Exception as exc:  # one broken submission must never stop the batch
        return asdict(
            Report(assignment=stage, submission=path, status="not_runnable",
                   problem=f"{type(exc).__name__}: {exc}"[:500], grader_version=__version__)
        )  # fmt: skip


def report_from_dict(data: dict) -> Report:
    tests = [TestResult(**t) for t in data.get("tests", [])]
    fields = {k: v for k, v in data.items() if k in Report.__dataclass_fields__ and k != "tests"}
    return Report(**fields, tests=tests)


@dataclass
class Graded:
    student: str
    report: Report
    cached: bool


@dataclass
class BatchResult:
    stage: str
    graded: list[Graded]
    problems: list[Problem]
    interrupted: bool = False
    elapsed: float = 0.0


def run_batch(
    stage: str,
    inputs: list[Path],
    outdir: Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    options: dict | None = None,
    progress: Callable[[int, int, Graded | None], None] | None = None,
    show_hidden_messages: bool = False,
) -> BatchResult:
    """Grade every submission found in ``inputs``; results are written as they arrive."""
    get_stage(stage)
    started = time.perf_counter()
    outdir.mkdir(parents=True, exist_ok=True)
    cache_dir = outdir / ".cache"
    cache_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="neurograde-batch-") as scratch:
        found = discover(stage, inputs, Path(scratch))
        options = dict(options or {})
        digest = suite_digest(stage) + json.dumps(options.get("public_only", False))
        graded: list[Graded] = []
        todo: list[tuple[Entry, Path]] = []
        for entry in found.entries:
            try:
                content = read_student_file(entry.path)
            except SubmissionError as exc:  # a link or special file inside a student's folder
                found.problems.append(Problem(entry.student, str(exc)))
                continue
            key = hashlib.sha256(digest.encode() + content).hexdigest()
            cached = cache_dir / f"{key}.json"
            if cached.is_file() and not force:
                report = report_from_dict(json.loads(cached.read_text()))
                graded.append(Graded(entry.student, report, True))
            else:
                todo.append((entry, cached))
        total = len(graded) + len(todo)
        if progress:
            progress(len(graded), total, None)
        interrupted = False
        try:
            _grade_parallel(stage, todo, options, jobs, graded, total, progress)
        except KeyboardInterrupt:
            interrupted = True
    graded.sort(key=lambda g: g.student)
    result = BatchResult(stage, graded, found.problems, interrupted, time.perf_counter() - started)
    outputs.write_all(result, outdir, show_hidden_messages)
    return result


def _grade_parallel(stage, todo, options, jobs, graded, total, progress):
    if not todo:
        return
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    context = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = {
            pool.submit(_grade_one, stage, str(entry.path), options): (entry, cached)
            for entry, cached in todo
        }
        try:
            for future in concurrent.futures.as_completed(futures):
                entry, cached = futures[future]
                try:
                    data = future.result()
                except Exception as exc:  # a worker died: report it, keep going
                    failure = Report(stage, str(entry.path), status="not_runnable",
                                     problem=f"worker failed: {exc}")  # fmt: skip
                    data = asdict(failure)
                else:
                    _write_atomic(cached, json.dumps(data))
                item = Graded(entry.student, report_from_dict(data), False)
                graded.append(item)
                if progress:
                    progress(len(graded), total, item)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _write_atomic(path: Path, text: str):
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def terminal_progress(stream=sys.stderr):
    """A progress callback: a live line on a terminal, plain lines otherwise."""
    started = time.perf_counter()
    tty = stream.isatty()

    def show(done: int, total: int, item: Graded | None):
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed > 0 and done else 0.0
        eta = (total - done) / rate if rate else 0.0
        line = f"graded {done}/{total}  {rate:.1f}/s  ETA {eta:.0f}s"
        if tty:
            stream.write("\r" + line.ljust(60) + ("\n" if done == total else ""))
        elif item is not None:
            r, student = item.report, inert.one_line(item.student)
            stream.write(f"[{done}/{total}] {student}: {r.score:g}/{r.max_score:g}"
                         f"{' (cached)' if item.cached else ''}\n")  # fmt: skip
        stream.flush()

    return show


__all__ = ["discover", "run_batch", "BatchResult", "Graded", "Problem", "GraderError"]
