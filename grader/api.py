"""The grader's library API: ``grade(stage, path) -> Report``, and what a front end (the
``grade`` command, a platform's job) needs besides: the stages' test files and points, the
isolation levels and what this machine allows.

The CLI is a thin layer over this module, ``grader.batch``, ``grader.outputs`` and
``grader.platforms``. This module may import every layer below it (grading, sandbox,
outputs' report); only front ends import it.
"""

import sys
from pathlib import Path

from grader.course import get_stage
from grader.errors import GraderError
from grader.grading.runner import collect_function_points, collect_points, grade_submission
from grader.grading.submission import read_submissions
from grader.outputs.report import DEFAULT_HIDDEN_FEEDBACK, HIDDEN_FEEDBACK, Report, TestResult
from grader.sandbox import levels, reaper, zygote
from grader.sandbox.allowlist import allowlist
from grader.sandbox.levels import LEVELS, Level
from grader.sandbox.limits import Limits
from grader.sandbox.runtime_files import runtime_dir
from grader.sandbox.slots import control_groups


def suite_files(stage: str, public_only: bool = False) -> list[Path]:
    """The test files that grade ``stage``: its public tests, then its hidden suite
    (both declared by the stage's folder, see grader.course)."""
    found = get_stage(stage)
    return [found.public_tests, *([] if public_only else found.hidden_tests)]


def has_hidden_tests(stage: str) -> bool:
    """Whether this installation grades ``stage`` with its hidden suite (the student
    edition has only the public tests)."""
    return len(suite_files(stage)) > 1


def edition() -> str:
    """``"instructor"``, or ``"student"`` when no stage has its hidden suite here."""
    from grader.course import STAGES

    return "instructor" if any(has_hidden_tests(s) for s in STAGES) else "student"


def choose_isolation(requested: str | None = None, required: str | None = None) -> Level:
    """The isolation level grading would use here: ``requested`` (default: the strongest
    this machine allows), never below ``required``. Raises IsolationError otherwise."""
    return levels.choose(required=required, requested=requested)


def prepare_isolation(
    requested: str | None = None, required: str | None = None, *, many: bool = False
) -> Level:
    """Make the process-wide settings grading needs (a child subreaper; non-dumpable when
    the student would share our uid), once: the commands that grade call this first. The
    settings last as long as the process. Returns the level they were made for.

    ``many``: this process will grade many submissions (a batch worker); the zygote that
    forks student processes (``grader.sandbox.zygote``) starts now, in the background."""
    level = choose_isolation(requested, required)
    reaper.prepare_isolation(level)
    if many:
        zygote.start_early(level)
    return level


def grade(
    stage: str,
    path: str | Path,
    *,
    public_only: bool = False,
    limits: Limits | None = None,
    isolation_level: str | None = None,
    require_isolation: str | None = None,
) -> Report:
    """Grade one submission for one stage. Raises GraderError for a bad stage or path.

    ``isolation_level`` picks a level (default: the strongest this machine allows);
    ``require_isolation`` refuses to grade below a level (IsolationError). At the levels
    with ``allowlist_fs`` the student process sees only what running it needs (see
    ``grader.sandbox.allowlist``): no other submission, no output folder, no grader file.
    Makes the process-wide settings of ``prepare_isolation`` if they are not made yet.
    """
    try:
        get_stage(stage)
    except KeyError as exc:
        raise GraderError(exc.args[0]) from None
    submissions, notes = read_submissions(stage, path)
    level = prepare_isolation(isolation_level, require_isolation)  # a no-op the second time
    files, limits = suite_files(stage, public_only), limits or Limits()
    reports = [grade_submission(stage, s, files, limits, level) for s in submissions]
    report = max(reports, key=lambda r: r.score)  # on a tie, the first: the .py
    if len(reports) > 1:
        scores = " and ".join(f"{Path(r.submission).name} ({r.score:g}/{r.max_score:g})"
                              for r in reports)  # fmt: skip
        notes.append(f"graded both {scores}; kept {Path(report.submission).name}, the better")
    report.notes = notes
    return report


def stage_points(stage: str) -> dict:
    """Points of the stage's public tests and of its hidden suite, from their markers."""
    return collect_points(stage, suite_files(stage))


def function_points(stage: str) -> dict[str, dict[str, float]]:
    """Points per student function of the stage (``{"sigmoid": {"public": 1, "hidden": 8}}``),
    in the stage's order of functions (a class's methods after it, ``"NeuralNetwork.train"``);
    tests without a ``function`` marker (the public tests) count under ``""``, last."""
    found = collect_function_points(stage, suite_files(stage))
    order = []
    for function in get_stage(stage).functions():  # a class, then its methods' tests
        order += [function, *(name for name in found if name.startswith(function + "."))]
    order += [*found, ""]
    return {name: found[name] for name in dict.fromkeys(order) if name in found}


def describe_isolation() -> list[str]:
    """What ``grade doctor`` says: the level this machine allows, why, what it guarantees,
    the control groups, and what the student process can see or read."""
    level, groups = levels.detect(), control_groups()
    lines = [f"isolation level: {level.name}", f"  why: {level.reason}",
             f"  guarantees: {level.guarantees}"]  # fmt: skip
    if level.upgrade:
        lines.append(f"  to raise it: {level.upgrade}")
    lines += [f"control groups: {groups.version or 'none'}", f"  why: {groups.reason}"]
    if groups.version:
        lines.append("  each slot's processes share one memory limit and one process limit")
    else:
        lines.append("  memory and process limits hold per process only (rlimits); a "
                     "submission that forks can use a multiple of them")  # fmt: skip
    if level.allowlist_fs:
        lines.append("the student process can see only:")
        lines += [f"  {line}" for line in allowlist(runtime_dir()).lines()]
    else:
        lines.append(f"the student process can read: {level.readable_outside}")
        lines.append("  use --require-isolation root (or userns) to refuse grading here")
    return [*lines, f"python: {sys.executable}", f"runtime: {runtime_dir()}"]


__all__ = ["grade", "suite_files", "stage_points", "function_points", "has_hidden_tests", "edition",
           "choose_isolation", "prepare_isolation", "describe_isolation", "LEVELS", "Report",
           "TestResult", "Limits", "HIDDEN_FEEDBACK", "DEFAULT_HIDDEN_FEEDBACK"]  # fmt: skip
