"""The grader's library API: ``grade(stage, path) -> Report``.

The CLI is a thin layer over this module.
"""

import contextlib
import io
import os
import sys
import time
from pathlib import Path

import pytest

from grader import __version__, isolation
from grader.course import get_stage
from grader.errors import GraderError
from grader.plugin import GradingPlugin
from grader.proxy import Session, StudentModule
from grader.report import Report, TestResult
from grader.sandbox import Limits
from grader.submission import read_submission

SUITES_DIR = Path(__file__).resolve().parent / "suites"


def suite_files(stage: str, public_only: bool = False) -> list[Path]:
    """The test files that grade ``stage``: its public tests, then its hidden suite."""
    files = [get_stage(stage).public_tests]
    if not public_only:
        files += sorted((SUITES_DIR / stage).glob("test_*.py"))
    return files


def grade(
    stage: str,
    path: str | Path,
    *,
    public_only: bool = False,
    limits: Limits | None = None,
    isolation_level: str | None = None,
    require_isolation: str | None = None,
    hide: tuple = (),
) -> Report:
    """Grade one submission for one stage. Raises GraderError for a bad stage or path.

    ``isolation_level`` picks a level (default: the strongest this machine allows);
    ``require_isolation`` refuses to grade below a level (IsolationError);
    ``hide`` lists extra folders the student process must not see (the submission's
    own folder is always hidden: it may hold other students' work).
    """
    try:
        get_stage(stage)
    except KeyError as exc:
        raise GraderError(exc.args[0]) from None
    started = time.perf_counter()
    submission = read_submission(stage, path)
    limits = limits or Limits()
    level = isolation.choose(required=require_isolation, requested=isolation_level)
    isolation.become_subreaper()
    request = submission.load_request()
    request.hide = (*hide, submission.path.resolve().parent)
    session = Session(request, limits, level)
    if submission.problem:
        session.unavailable = f"the submission could not run: {submission.problem}"
    files = suite_files(stage, public_only)
    plugin = GradingPlugin(StudentModule(session, stage), submission, files[:1])
    try:
        session.prestart()
        _run_pytest(stage, files, plugin)
    finally:
        session.close()
    report = Report(
        assignment=stage,
        submission=str(submission.path),
        tests=plugin.results,
        skipped=submission.skipped,
        stdout="\n".join(session.stdout)[: limits.output_bytes],
        stderr="\n".join(session.stderr)[: limits.output_bytes],
        grader_version=__version__,
        isolation=level.name,
    )
    if session.unavailable:
        report.status, report.problem = "not_runnable", session.unavailable.split(": ", 1)[-1]
    if session.load_report:
        report.load_errors = list(session.load_report.get("errors") or [])
    report.total()
    report.execution_time = round(time.perf_counter() - started, 3)
    return report


@contextlib.contextmanager
def _no_autoload():
    """Run pytest without the plugins installed in this environment (hypothesis,
    benchmark, ...): they cost start-up time on every grading and are not ours."""
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def _run_pytest(stage: str, files: list[Path], plugin: GradingPlugin) -> None:
    """Run the suites in this (trusted) process with the submission mounted as ``stage``.

    The public tests say ``from <stage> import ...``: for the run, that module is
    the proxy. pytest's own output is discarded; results come from the plugin.
    """
    saved = sys.modules.get(stage)
    before = set(sys.modules)
    sys.modules[stage] = plugin.module
    args = [
        *map(str, files),
        "-q",
        "-p", "no:cacheprovider",
        "-p", "no:stepwise",
        "--import-mode=importlib",
        "--rootdir", str(SUITES_DIR),
        "-c", str(SUITES_DIR / "pytest.ini"),
        "--tb=short",
        "-W", "ignore",
    ]  # fmt: skip
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), _no_autoload():
            code = pytest.main(args, plugins=[plugin])
    finally:
        # Test modules imported by this run hold this submission's proxy: forget them,
        # so that the next grading in this process imports them afresh.
        folders = {str(f.parent) for f in files}
        for name in set(sys.modules) - before:
            origin = str(getattr(sys.modules[name], "__file__", "") or "")
            if origin.rsplit("/", 1)[0] in folders:
                del sys.modules[name]
        if saved is None:
            sys.modules.pop(stage, None)
        else:
            sys.modules[stage] = saved
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or not plugin.results:
        raise GraderError(
            f"the grading suites for {stage} did not run (pytest exit code {code}):\n"
            + sink.getvalue()[-2000:]
        )


class _PointsCollector:
    def __init__(self):
        self.points = {"public": 0.0, "hidden": 0.0}

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marker = item.get_closest_marker("points")
            kind = "hidden" if item.get_closest_marker("hidden") else "public"
            self.points[kind] += float(marker.args[0]) if marker else 1.0


def stage_points(stage: str) -> dict:
    """Points of the stage's public tests and of its hidden suite, from their markers."""
    collector = _PointsCollector()
    plugin = GradingPlugin(None, None)
    saved = sys.modules.get(stage)
    sys.modules[stage] = _NameSink()
    try:
        with contextlib.redirect_stdout(io.StringIO()), _no_autoload():
            pytest.main(
                [*map(str, suite_files(stage)), "--collect-only", "-q", "-p", "no:cacheprovider",
                 "--import-mode=importlib", "--rootdir", str(SUITES_DIR),
                 "-c", str(SUITES_DIR / "pytest.ini")],
                plugins=[plugin, collector],
            )  # fmt: skip
    finally:
        if saved is None:
            sys.modules.pop(stage, None)
        else:
            sys.modules[stage] = saved
    return collector.points


class _NameSink:
    """Stands in for the student module when tests are only collected."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return None


__all__ = ["grade", "suite_files", "Report", "TestResult", "Limits"]
