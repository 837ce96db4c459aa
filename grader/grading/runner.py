"""Running the suites: pytest, in this (trusted) process, against the student module proxy.

``grade_submission`` runs a stage's test files against one submission and builds its
``Report``; ``collect_points`` only collects them, for their points. The suites live in
``grader/suites`` (``SUITES_DIR``) and in each stage's public tests.
"""

import contextlib
import io
import os
import sys
import time
from pathlib import Path

from grader import __version__
from grader.grading.session import Session, Unavailable
from grader.grading.submission import Submission, settle_outcome
from grader.grading.warm import warm_suite
from grader.outputs.report import Report
from grader.sandbox.levels import Level
from grader.sandbox.limits import Limits

SUITES_DIR = Path(__file__).resolve().parent.parent / "suites"


def grade_submission(
    stage: str, submission: Submission, files: list[Path], limits: Limits, level: Level
) -> Report:
    """Run ``files`` (the stage's suites) against one submission, in a student process at
    ``level``; the report of what came of it. Raises GraderError if the suites do not run.

    The suites are collected once per process and stay warm (``grader.grading.warm``):
    the next submission of the stage pays only for running them."""
    started = time.perf_counter()
    session = Session(submission.load_request(), limits, level)
    if submission.problem:
        session.unavailable = Unavailable("run", submission.problem)
    try:
        # Start the student process first: its start-up overlaps with the grader's own
        # (importing pytest and collecting the suites, the first time in this process).
        session.prestart()
        results = warm_suite(stage, files).run(session, submission)
    finally:
        session.close()
    report = Report(
        assignment=stage,
        submission=str(submission.path),
        tests=results,
        skipped=submission.skipped,
        stdout="\n".join(session.stdout)[: limits.output_bytes],
        stderr="\n".join(session.stderr)[: limits.output_bytes],
        grader_version=__version__,
        isolation=level.name,
    )
    settle_outcome(report, submission, session.unavailable, session.load_report)
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


class _PointsCollector:
    def __init__(self):
        self.points = {"public": 0.0, "hidden": 0.0}
        self.by_function: dict[str, dict[str, float]] = {}  # function -> the same two sums

    def pytest_collection_modifyitems(self, items):
        for item in items:
            marker = item.get_closest_marker("points")
            kind = "hidden" if item.get_closest_marker("hidden") else "public"
            points = float(marker.args[0]) if marker else 1.0
            self.points[kind] += points
            function = item.get_closest_marker("function")
            name = function.args[0] if function else ""
            self.by_function.setdefault(name, {"public": 0.0, "hidden": 0.0})[kind] += points


def _collect(stage: str, files: list[Path]) -> _PointsCollector:
    """Collect (not run) the tests of ``files``, for their markers."""
    import pytest

    from grader.grading.plugin import GradingPlugin

    collector, plugin = _PointsCollector(), GradingPlugin(None, None)
    with _pytest_run(stage, _NameSink(), files):
        pytest.main([*map(str, files), "--collect-only", *PYTEST_ARGS],
                    plugins=[plugin, collector])  # fmt: skip
    if plugin.collection_error is not None:  # pytest reports it as its own internal error
        raise plugin.collection_error
    return collector


def collect_points(stage: str, files: list[Path]) -> dict:
    """Points of the public and of the hidden tests among ``files``, from their markers."""
    return _collect(stage, files).points


def collect_function_points(stage: str, files: list[Path]) -> dict[str, dict[str, float]]:
    """Points of the public and of the hidden tests among ``files`` per student function
    (a test's ``function`` marker; ``""`` for a test without one), in collection order."""
    return _collect(stage, files).by_function


class _NameSink:
    """Stands in for the student module when tests are only collected."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return None
