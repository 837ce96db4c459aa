"""The pytest plugin that turns a pytest run into a grade.

Markers (registered here): ``points(n)`` (default 1), ``hidden`` (part of a hidden
suite: its source and tracebacks never reach feedback), ``visibility(v)`` (the
Gradescope visibility), ``function(name)`` (the student function under test),
``call_timeout(seconds)`` (each call of the test into the student's code may take that
long: a training run the grading's per-call limit would stop).
Fixtures: ``student`` (the submission as a module, see proxy.py), ``check`` (the function
the test's ``function`` marker names, see suites/checks.py), ``submission``
(the Submission as read: its cells are never parsed on this side, a check of how the
code works runs in the student process), ``rng`` (a seeded generator per test).

Each test's status is decided here, from the exception that ended it:
student timeouts give ``timeout``, crashes and unloadable submissions ``error``,
anything else that is not a pass ``failed``.
"""

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from grader.errors import (
    GraderError,
    Mismatch,
    MissingName,
    StudentCrash,
    StudentError,
    StudentRaised,
    StudentTimeout,
    StudentUnavailable,
)
from grader.outputs.report import TestResult, format_error

MAX_OUTPUT = 2000
MARKERS = (
    "points(n): how many points the test is worth (default 1)",
    "hidden: the test belongs to a hidden suite",
    "visibility(v): Gradescope visibility of the result",
    "function(name): the student function the test checks",
    "call_timeout(seconds): each call the test (or a fixture it sets up) makes into the "
    "student's code may take this long, not the grading's per-call limit (never less)",
)


def call_timeout(item) -> float | None:
    """The seconds of the item's ``call_timeout`` marker (None without one). Raises
    GraderError for anything but one positive, finite number: the suite's mistake."""
    marker = item.get_closest_marker("call_timeout")
    if marker is None:
        return None
    value = marker.args[0] if len(marker.args) == 1 and not marker.kwargs else None
    try:
        seconds = float(value) if type(value) in (int, float) else math.nan
    except OverflowError:  # an int too large for a float
        seconds = math.inf
    if not math.isfinite(seconds) or seconds <= 0:
        given = ", ".join([*map(_shown, marker.args),
                           *(f"{k}={_shown(v)}" for k, v in marker.kwargs.items())])  # fmt: skip
        raise GraderError(f"{Path(str(item.path)).name}::{item.name}: call_timeout takes one "
                          f"positive number of seconds, not ({given})")  # fmt: skip
    return seconds


def _shown(value) -> str:
    """A marker argument in a message: its repr, cut short (an int of 5000 digits has none)."""
    try:
        text = repr(value)
    except ValueError:
        return f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


class GradingPlugin:
    def __init__(self, student, submission):
        self.module = student  # not `student`: that name is the fixture below
        self._submission = submission
        self.results: list[TestResult] = []
        self.collection_error: GraderError | None = None  # a suite's own mistake, if any
        self.call_timeouts: dict[str, float] = {}  # nodeid -> its call_timeout (collected)

    # -- configuration

    def pytest_configure(self, config):
        for line in MARKERS:
            config.addinivalue_line("markers", line)

    def pytest_collection_modifyitems(self, items):
        """A call_timeout that is no time stops the suite now, not half-way through."""
        for item in items:
            try:
                seconds = call_timeout(item)
            except GraderError as exc:
                stage = getattr(self.module, "__name__", None) or "this stage"
                self.collection_error = GraderError(
                    f"the grading suites for {stage} did not run: {exc}")
                raise self.collection_error from None
            if seconds is not None:
                self.call_timeouts[item.nodeid] = seconds

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        """The item's calls (its fixtures' too) under its call_timeout, if it has one (read
        once, at collection: a warm suite runs its items for every submission)."""
        seconds = self.call_timeouts.get(item.nodeid)
        if seconds is None:
            yield
            return
        with self.module._session.calls_may_take(seconds):
            yield

    @pytest.fixture(scope="session")
    def student(self):
        return self.module

    @pytest.fixture(scope="session")
    def submission(self):
        return self._submission

    @pytest.fixture
    def check(self, request):
        # The student function the test's `function` marker names (grader.suites.checks;
        # imported here, when a hidden test asks: the student edition has no checks layer).
        from grader.suites.checks import check_for

        return check_for(request, self.module)

    @pytest.fixture
    def rng(self, request):
        # Seeded by the test's file and name (not its path: a course can live anywhere):
        # the same data on every run, different per test.
        key = f"{Path(str(request.node.path)).name}::{request.node.name}"
        seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
        return np.random.default_rng(seed)

    # -- outcomes

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if call.when == "call" or (call.when == "setup" and report.outcome != "passed"):
            self.results.append(self._result(item, call, report))

    def _result(self, item, call, report) -> TestResult:
        points = item.get_closest_marker("points")
        max_score = float(points.args[0]) if points else 1.0
        hidden = item.get_closest_marker("hidden") is not None
        vis = item.get_closest_marker("visibility")
        visibility = vis.args[0] if vis else ("after_due_date" if hidden else "visible")
        fn = item.get_closest_marker("function")
        function = fn.args[0] if fn else ""
        if report.passed:
            status, output = "passed", ""
        else:
            status, output = classify(call.excinfo, hidden)
        doc = (item.function.__doc__ or "").strip().splitlines()
        description = doc[0].strip() if doc else ""
        if description and status != "passed" and not output.startswith(description):
            output = f"{description}\n{output}" if output else description
        # The misconception's hint, as the check that failed gave it (never read back from
        # the text): what a hidden test shows under the default feedback policy.
        exc = call.excinfo.value if call.excinfo is not None else None
        hint = exc.hint if isinstance(exc, Mismatch) else ""
        return TestResult(
            name=item.name,
            score=max_score if status == "passed" else 0.0,
            max_score=max_score,
            status=status,
            output=output[:MAX_OUTPUT],
            visibility=visibility,
            function=function,
            hidden=hidden,
            duration=round(report.duration, 4),
            hint=str(hint)[:500] if status != "passed" else "",
            description=description[:300],
        )


def classify(excinfo, hidden) -> tuple[str, str]:
    """The status and the student-facing message for a test that did not pass."""
    if excinfo is None:
        return "failed", "the test did not pass"
    exc = excinfo.value
    if isinstance(exc, StudentTimeout):
        return "timeout", str(exc)
    if isinstance(exc, StudentCrash | StudentUnavailable):
        return "error", str(exc)
    if isinstance(exc, MissingName):
        return "failed", str(exc)
    if isinstance(exc, StudentRaised):
        error = {"type": exc.student_type, "message": str(exc), "frames": list(exc.frames)}
        return "failed", f"{exc.function} raised " + format_error(error)
    if isinstance(exc, StudentError):
        return "error", str(exc)
    if isinstance(exc, Mismatch):  # written for the student: shown as it is
        return "failed", str(exc)
    if hidden:
        # Never the hidden test's source or traceback. A bare assert's message quotes its
        # source (pytest's rewriting), so it is not shown at all.
        if isinstance(exc, AssertionError):
            return "failed", "a hidden check did not pass"
        return "failed", f"{type(exc).__name__}: {str(exc)[:500]}"
    return "failed", public_failure(excinfo)


def public_failure(excinfo) -> str:
    """A public test's failure: the test line that failed and the exception's message
    (pytest's own traceback rendering costs a tenth of a second per failure)."""
    exc = excinfo.value
    message = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
    lines = []
    entry = next(
        (e for e in reversed(excinfo.traceback) if Path(str(e.path)).name.startswith("test_")), None
    )
    if entry is not None:
        statement = str(entry.statement).strip().splitlines()
        lines.append(
            f"{Path(str(entry.path)).name}:{entry.lineno + 1}: {statement[0] if statement else ''}"
        )
    lines.append(message.strip() or type(exc).__name__)
    return "\n".join(lines)[-MAX_OUTPUT:]
