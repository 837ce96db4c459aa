"""The grader's library API: ``grade(stage, path) -> Report``.

The CLI is a thin layer over this module.
"""

import contextlib
import io
import os
import sys
import time
from pathlib import Path

from grader import __version__, isolation
from grader.course import get_stage
from grader.errors import GraderError
from grader.proxy import Session, StudentModule
from grader.report import Report, TestResult
from grader.sandbox import Limits
from grader.submission import read_submission

SUITES_DIR = Path(__file__).resolve().parent / "suites"


def suite_files(stage: str, public_only: bool = False) -> list[Path]:
    """The test files that grade ``stage``: its public tests, then its hidden suite
    (both declared by the stage's folder, see grader.course)."""
    found = get_stage(stage)
    return [found.public_tests, *([] if public_only else found.hidden_tests)]


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
    ``require_isolation`` refuses to grade below a level (IsolationError). At the root
    and userns levels the student process sees only what running it needs (see
    ``isolation.allowlist``): no other submission, no output folder, no grader file.
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
    if level.name == "baseline":
        isolation.protect_grader()  # the student shares our uid: keep it out of our /proc
    session = Session(submission.load_request(), limits, level)
    if submission.problem:
        session.unavailable = f"the submission could not run: {submission.problem}"
    files = suite_files(stage, public_only)
    try:
        # Start the student process first: its start-up (interpreter, NumPy, namespaces)
        # overlaps with importing pytest and collecting the suites, here.
        session.prestart()
        from grader.plugin import GradingPlugin  # imports pytest

        plugin = GradingPlugin(StudentModule(session, stage), submission)
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


PYTEST_ARGS = [
    "-q",
    "-p", "no:cacheprovider",
    "-p", "no:stepwise",
    # These end every run with several gc.collect() passes (0.2 s with NumPy loaded) and
    # report nothing a grading needs.
    "-p", "no:unraisableexception",
    "-p", "no:threadexception",
    "-p", "no:faulthandler",
    "--import-mode=importlib",
    "--rootdir", str(SUITES_DIR),
    "-c", str(SUITES_DIR / "pytest.ini"),
    "--tb=no",  # messages are built by the plugin; pytest's tracebacks cost 0.1 s each
    "-W", "ignore",
]  # fmt: skip


@contextlib.contextmanager
def _pytest_run(stage: str, module, files: list[Path]):
    """In-process pytest with ``module`` mounted as ``stage`` (the public tests say
    ``from <stage> import ...``), its output captured, and no third-party plugins.

    Afterwards the test modules it imported are forgotten: they hold this run's
    module, and the next run in this process must import them afresh.
    """
    saved = sys.modules.get(stage)
    before = set(sys.modules)
    sys.modules[stage] = module
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), _no_autoload():
            yield sink
    finally:
        folders = {str(f.parent) for f in files}
        for name in set(sys.modules) - before:
            origin = str(getattr(sys.modules[name], "__file__", "") or "")
            if origin.rsplit("/", 1)[0] in folders:
                del sys.modules[name]
        if saved is None:
            sys.modules.pop(stage, None)
        else:
            sys.modules[stage] = saved


def _run_pytest(stage: str, files: list[Path], plugin) -> None:
    """Run the suites in this (trusted) process; results come from ``plugin``."""
    import pytest

    with _pytest_run(stage, plugin.module, files) as sink:
        code = pytest.main([*map(str, files), *PYTEST_ARGS], plugins=[plugin])
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
    import pytest

    from grader.plugin import GradingPlugin

    collector = _PointsCollector()
    files = suite_files(stage)
    with _pytest_run(stage, _NameSink(), files):
        pytest.main([*map(str, files), "--collect-only", *PYTEST_ARGS],
                    plugins=[GradingPlugin(None, None), collector])  # fmt: skip
    return collector.points


class _NameSink:
    """Stands in for the student module when tests are only collected."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return None


__all__ = ["grade", "suite_files", "Report", "TestResult", "Limits"]
