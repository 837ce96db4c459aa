"""Grading a whole class: the submissions found (``grader.grading.discovery``), graded in
parallel with a cache, and the gradebook, per-student results and feedback, and a summary
written or updated (``grader.outputs.class_folder``), with a roster, a due date and a late
policy when given (``ClassSettings``).

A submission that cannot run is the student's (a report with ``not_runnable``); a grader
that fails on one is not: that entry is listed as a problem, not graded and not cached.
"""

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader import __version__
from grader.api import grade, prepare_isolation, suite_files
from grader.course import get_stage
from grader.errors import GraderError, SubmissionError
from grader.grading.discovery import (
    Discovery,
    Entry,
    NothingToGrade,
    Problem,
    discover,
    input_key,
    student_id_from_file,
)
from grader.grading.lateness import POLICY_HELP as LATE_POLICY_HELP
from grader.grading.lateness import parse_due, parse_late_policy
from grader.grading.submission import read_student_file
from grader.outputs.class_folder import ClassSettings, check_folder, write_all
from grader.outputs.inert import one_line
from grader.outputs.report import DEFAULT_HIDDEN_FEEDBACK, Report, TestResult
from grader.outputs.roster import read_roster


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
    """Grade one submission in a worker process; never raises. Returns ``{"report": ...}``,
    or ``{"fault": ...}`` when the grader itself failed on it (not the submission)."""
    try:
        return {"report": asdict(grade(stage, path, **options))}
    except SubmissionError as exc:  # the student's file cannot be graded: theirs to fix
        report = Report(assignment=stage, submission=path, status="not_runnable",
                        problem=f"{type(exc).__name__}: {exc}"[:500], grader_version=__version__)
        return {"report": asdict(report)}  # fmt: skip
    except Exception as exc:  # one failure must never stop the batch, nor count against them
        return {"fault": f"{type(exc).__name__}: {exc}"[:500]}


def grader_fault(entry: Entry, reason: str) -> Problem:
    """The problem listed for a submission the grader failed on (not graded, not cached)."""
    return Problem(entry.student, f"the grader failed on this submission (not its fault): "
                   f"{reason}", found_in=entry.found_in)  # fmt: skip


def report_from_dict(data: dict) -> Report:
    tests = [TestResult(**t) for t in data.get("tests", [])]
    fields = {k: v for k, v in data.items() if k in Report.__dataclass_fields__ and k != "tests"}
    return Report(**fields, tests=tests)


@dataclass
class Graded:
    """A student's report; ``entry`` is how it was handed in (time, Canvas marker, ids)."""

    student: str
    report: Report
    cached: bool
    entry: Entry | None = None


@dataclass
class BatchResult:
    stage: str
    graded: list[Graded]
    problems: list[Problem]
    interrupted: bool = False
    elapsed: float = 0.0
    settings: ClassSettings = field(default_factory=ClassSettings)
    public_only: bool = False
    # Students canvas_import.csv could not hold (no Canvas or SIS id), and how many it holds:
    # set when the class folder is written.
    canvas_left_out: list[str] = field(default_factory=list)
    canvas_rows: int = 0
    # The inputs this run looked at (discovery.input_key): what an earlier run found wrong
    # in one of them and this run did not find again is gone from the class folder.
    inputs: list[str] = field(default_factory=list)
    # The gradebook's rows as written (the whole class: late penalties applied, a roster's
    # students who handed in nothing at 0): set when the class folder is written.
    rows: list = field(default_factory=list)


def class_settings(
    stage: str, roster: Path | None, due: str | None, late_policy: str | None
) -> ClassSettings:
    """The settings from what an instructor wrote (a roster file, a due date, a policy);
    raises a GraderError saying what is wrong with any of them."""
    return ClassSettings(
        read_roster(roster, stage) if roster else None,
        parse_due(due) if due else None,
        parse_late_policy(late_policy) if late_policy else None,
    )


def run_batch(
    stage: str,
    inputs: list[Path],
    outdir: Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    options: dict | None = None,
    progress: Callable[[int, int, Graded | None], None] | None = None,
    hidden_feedback: str = DEFAULT_HIDDEN_FEEDBACK,
    show_hidden_messages: bool | None = None,
    settings: ClassSettings | None = None,
) -> BatchResult:
    """Grade every submission found in ``inputs``; results are written as they arrive, and
    the output folder's gradebook and summary are updated (see ``class_folder``). Raises
    NothingToGrade (a GraderError) when ``inputs`` hold no submission at all.
    ``hidden_feedback``: what the feedback shows of hidden tests (none, hints, full);
    ``show_hidden_messages``, its former flag, means ``full`` (or ``none`` when False)."""
    if show_hidden_messages is not None:
        hidden_feedback = "full" if show_hidden_messages else "none"
    get_stage(stage)
    started = time.perf_counter()
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / ".cache").mkdir(exist_ok=True)
    options = dict(options or {})
    check_folder(outdir, stage, bool(options.get("public_only")))  # before any grading
    with tempfile.TemporaryDirectory(prefix="neurograde-batch-") as scratch:
        found = discover(stage, inputs, Path(scratch))
        if not found.entries:
            raise NothingToGrade(list(inputs), found.problems)
        graded, todo = _from_cache(stage, found, outdir / ".cache", options, force)
        total = len(graded) + len(todo)
        if progress:
            progress(len(graded), total, None)
        interrupted = False
        try:
            _grade_parallel(stage, todo, options, jobs, graded, found.problems, progress)
        except KeyboardInterrupt:
            interrupted = True
    _as_handed_in(graded, found, Path(scratch))
    graded.sort(key=lambda g: g.student)
    result = BatchResult(stage, graded, found.problems, interrupted, time.perf_counter() - started,
                         settings or ClassSettings(), bool(options.get("public_only")))  # fmt: skip
    result.inputs = [input_key(Path(item)) for item in inputs]
    whole = write_all(result, outdir, hidden_feedback)
    result.canvas_left_out, result.canvas_rows = whole.canvas_left_out, whole.canvas_rows
    result.rows = whole.rows
    return result


def _as_handed_in(graded: list[Graded], found: Discovery, scratch: Path) -> None:
    """Each report names its submission as the instructor has it (``judy.zip:judy/x.py``,
    never the folder a zip was unpacked into) and keeps how it was handed in."""
    entries = {entry.student: entry for entry in found.entries}
    for item in graded:
        entry = entries.get(item.student)
        if entry is None:
            continue
        item.entry = entry
        report = item.report
        shown = entry.label or str(entry.path)
        inside = str(entry.path) + "/"
        if report.submission.startswith(inside):  # the file kept of a folder's two
            kept = report.submission[len(inside):]
            shown = entry.originals.get(kept) or f"{shown}/{kept}"  # a pair: as handed in
        unpacked = str(scratch) + "/"
        report.submission = shown
        report.problem = report.problem.replace(str(entry.path), shown).replace(unpacked, "")
        report.notes = [note.replace(unpacked, "") for note in report.notes]


def _from_cache(stage, found: Discovery, cache_dir: Path, options: dict, force: bool):
    """The entries already graded with this content and these suites (from the cache), and
    the others with the cache file each will be written to. Unreadable entries become
    problems."""
    digest = suite_digest(stage) + json.dumps(options.get("public_only", False))
    graded: list[Graded] = []
    todo: list[tuple[Entry, Path]] = []
    for entry in found.entries:
        try:
            files = sorted(entry.path.iterdir()) if entry.path.is_dir() else [entry.path]
            content = b"".join(f.name.encode() + b"\0" + read_student_file(f)
                               for f in files if f.suffix in (".py", ".ipynb"))  # fmt: skip
        except SubmissionError as exc:  # a link or special file inside a student's folder
            found.problems.append(Problem(entry.student, str(exc), found_in=entry.found_in))
            continue
        key = hashlib.sha256(digest.encode() + content).hexdigest()
        cached = cache_dir / f"{key}.json"
        if cached.is_file() and not force:
            report = report_from_dict(json.loads(cached.read_text()))
            graded.append(Graded(entry.student, report, True))
        else:
            todo.append((entry, cached))
    return graded, todo


def _grade_parallel(stage, todo, options, jobs, graded, problems, progress):
    """Grade ``todo`` in worker processes; reports go to ``graded`` (and the cache), grader
    faults to ``problems``. Each worker makes the sandbox's process-wide settings once."""
    if not todo:
        return
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    context = multiprocessing.get_context(_start_method())
    done, total = len(graded), len(graded) + len(todo)
    with concurrent.futures.ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_prepare_worker, initargs=(options,)
    ) as pool:
        futures = {
            pool.submit(_grade_one, stage, str(entry.path), options): (entry, cached)
            for entry, cached in todo
        }
        try:
            for future in concurrent.futures.as_completed(futures):
                entry, cached = futures[future]
                item = _collect(future, entry, cached, problems)
                if item is not None:
                    graded.append(item)
                done += 1
                if progress:
                    progress(done, total, item)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _start_method() -> str:
    """How the workers start: forked from this process, which has imported the grader and
    NumPy already (0.4 s less per batch than a forkserver whose workers import them again),
    unless another thread runs here (a library user's): forking a process with threads can
    leave a lock held forever in the child; a forkserver is then used. Workers are trusted
    grader processes either way: student code runs only in the sandbox's processes."""
    return "fork" if threading.active_count() == 1 else "forkserver"


def _prepare_worker(options: dict) -> None:
    """A worker's start: the process-wide settings grading needs (see api.prepare_isolation).
    An unavailable level is reported by each grading instead, as a grader fault."""
    try:
        prepare_isolation(
            options.get("isolation_level"), options.get("require_isolation"), many=True
        )
    except GraderError:
        pass


def _collect(future, entry: Entry, cached: Path, problems: list[Problem]) -> Graded | None:
    """The graded entry of a finished worker call (its report cached), or None when the
    grader failed on it (listed in ``problems``)."""
    try:
        data = future.result()
    except Exception as exc:  # a worker died: a grader fault, the batch goes on
        problems.append(grader_fault(entry, f"the worker process failed ({exc})"))
        return None
    if "fault" in data:
        problems.append(grader_fault(entry, data["fault"]))
        return None
    _write_atomic(cached, json.dumps(data["report"]))
    return Graded(entry.student, report_from_dict(data["report"]), False)


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
            r, student = item.report, one_line(item.student)
            stream.write(f"[{done}/{total}] {student}: {r.score:g}/{r.max_score:g}"
                         f"{' (cached)' if item.cached else ''}\n")  # fmt: skip
        stream.flush()

    return show


__all__ = ["discover", "student_id_from_file", "run_batch", "terminal_progress", "BatchResult",
           "Graded", "Problem", "GraderError", "NothingToGrade", "ClassSettings", "class_settings",
           "LATE_POLICY_HELP"]  # fmt: skip
