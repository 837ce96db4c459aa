"""Warm suites: a stage's tests, collected once in this (trusted) process, run against one
submission after another.

``pytest.main`` per submission pays, every time, for pytest's configuration, the import and
assertion rewriting of every test module and their collection: most of a grading's time on
the trusted side. A ``WarmSuite`` does these once: it drives pytest's own session the way
``pytest.main`` does (configure, session start, collection), then for each submission runs
every collected item through pytest's ``pytest_runtest_protocol`` hook, the last one with
no next item, so that every fixture of every scope is torn down at the end of each
submission and set up afresh for the next.

What could carry from one submission to the next, and why it does not:

- the student side: each submission has its own ``Session`` (its own student processes,
  time budget and counts of timeouts); the test modules imported the stage's names once,
  at collection, from a ``StudentModule`` over a ``CurrentSession``, which forwards to the
  session of the submission being graded and to nothing between two;
- fixtures: all of them (the ``session`` scope too) are finalized after the last item;
- the plugin's results: a new list per submission;
- pytest's own records: the terminal reporter is not loaded (``-p no:terminal``), nor is
  output capturing (a capture left configured between two gradings would hold the
  process's file descriptors); the suites' output goes to a sink, as before.

The test modules stay imported while the suite is warm, held by its collected items only
(not in ``sys.modules``: two suites never share one); they hold only the course's own
values (the reference's results, hints). ``tests/grader/test_warm.py`` checks that a
submission graded after a hostile one gets the report it gets alone.
"""

import contextlib
import io
import os
import sys
import threading
from pathlib import Path

from grader.errors import GraderError, StudentUnavailable
from grader.grading.proxy import StudentModule

# pytest's options for a warm suite: those of a one-off run (runner.PYTEST_ARGS), without
# the plugins that would keep state or file descriptors between two gradings.
WARM_ARGS = ["-p", "no:terminal", "-p", "no:capture", "-p", "no:logging"]


class CurrentSession:
    """Stands for the ``Session`` of the submission being graded now: the test modules keep
    the student functions they imported at collection, and these reach, through this, the
    current submission's student process only. Between two gradings it refuses."""

    def __init__(self):
        object.__setattr__(self, "session", None)

    def __getattr__(self, name):
        session = object.__getattribute__(self, "session")
        if session is None:
            raise StudentUnavailable("no submission is being graded")
        return getattr(session, name)


@contextlib.contextmanager
def mounted(stage: str, module):
    """``module`` importable as ``stage`` (the public tests say ``from <stage> import``),
    and whatever was there before put back afterwards."""
    saved = sys.modules.get(stage)
    sys.modules[stage] = module
    try:
        yield
    finally:
        if saved is None:
            sys.modules.pop(stage, None)
        else:
            sys.modules[stage] = saved


@contextlib.contextmanager
def quiet():
    """The suites' own output (and pytest's) into a sink, and no third-party pytest plugins
    (they cost start-up time and are not ours). Yields the sink."""
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield sink
    finally:
        if saved is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def _file_state(files: list[Path]) -> tuple:
    """What a warm suite depends on besides its files' names: their modification times (a
    teacher editing a suite in a long-lived process gets it collected again)."""
    from grader.grading import runner

    watched = [*files, runner.SUITES_DIR / "checks.py"]
    return tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in watched)


class _CollectErrors:
    """What went wrong collecting the suites (no terminal reporter prints it here)."""

    def __init__(self):
        self.texts: list[str] = []

    def pytest_collectreport(self, report):
        if report.failed:
            self.texts.append(report.longreprtext)


class WarmSuite:
    """One stage's test files, collected once; ``run`` grades one submission with them."""

    def __init__(self, stage: str, files: list[Path]):
        from _pytest.config import _prepareconfig
        from _pytest.main import Session as PytestSession

        from grader.grading.plugin import GradingPlugin
        from grader.grading.runner import PYTEST_ARGS

        self.stage, self.files, self.state = stage, list(files), _file_state(files)
        self.folders = {str(f.parent) for f in self.files}
        self.current = CurrentSession()
        self.plugin = GradingPlugin(StudentModule(self.current, stage), None)
        self.lock = threading.Lock()
        self.config = self.session = None
        # The test modules are this suite's own: not shared through sys.modules with another
        # suite (the same public tests, collected with or without the hidden suite, bind the
        # stage's names to a different CurrentSession), nor left there once collected.
        others = {name: sys.modules.pop(name) for name in list(sys.modules) if self._ours(name)}
        with mounted(stage, self.plugin.module), quiet() as sink:
            # -q and --tb belong to the terminal reporter, not loaded here.
            args = [a for a in PYTEST_ARGS if a not in ("-q", "--tb=no")]
            errors = _CollectErrors()
            self.config = _prepareconfig([*map(str, files), *args, *WARM_ARGS],
                                         plugins=[self.plugin, errors])  # fmt: skip
            # What --tb=no says to a one-off run: pytest's own rendering of a failure (0.1 s
            # each, parsing the test's source) is never shown; the plugin writes messages.
            self.config.option.tbstyle = "no"
            self.session = PytestSession.from_config(self.config)
            try:
                self.config._do_configure()
                self.config.hook.pytest_sessionstart(session=self.session)
                self.config.hook.pytest_collection(session=self.session)
            except BaseException:
                self.close()
                raise
        for name in [name for name in sys.modules if self._ours(name)]:
            del sys.modules[name]  # the collected items hold their modules
        sys.modules.update(others)
        self.items = list(self.session.items)
        if self.session.testsfailed or not self.items:
            self.close()
            raise GraderError(f"the grading suites for {stage} did not run (collection "
                              "failed):\n" + ("\n".join(errors.texts) + sink.getvalue())[-2000:])
        self._drop_rewriting_hook()

    def _ours(self, name: str) -> bool:
        """Whether module ``name`` is one of the test files (imported by the collection)."""
        origin = str(getattr(sys.modules.get(name), "__file__", "") or "")
        return origin.rsplit("/", 1)[0] in self.folders

    def _drop_rewriting_hook(self) -> None:
        """pytest's import hook that rewrites asserts is needed only to import the test files,
        now done: out of ``sys.meta_path`` so that it does not rewrite anything else the
        process imports while the suite is warm (pytest's clean-up tolerates its absence)."""
        from _pytest.assertion.rewrite import AssertionRewritingHook

        sys.meta_path[:] = [h for h in sys.meta_path if not (
            isinstance(h, AssertionRewritingHook) and h.config is self.config)]  # fmt: skip

    def fresh(self) -> bool:
        """Whether the suite's files are the ones collected."""
        return self.config is not None and _file_state(self.files) == self.state

    def run(self, session, submission) -> list:
        """Run every collected test against ``session`` (one submission's student side);
        returns the plugin's results. Every fixture is torn down before it returns."""
        with self.lock:
            plugin = self.plugin
            plugin.results, plugin._submission = [], submission
            object.__setattr__(self.current, "session", session)
            try:
                with mounted(self.stage, plugin.module), quiet():
                    hook = self.config.hook
                    for index, item in enumerate(self.items):
                        following = self.items[index + 1] if index + 1 < len(self.items) else None
                        hook.pytest_runtest_protocol(item=item, nextitem=following)
            finally:
                object.__setattr__(self.current, "session", None)
                plugin._submission = None
                # A run stopped half-way (Ctrl-C) must not leave fixtures set up.
                with contextlib.suppress(Exception):
                    self.session._setupstate.teardown_exact(None)
            results, plugin.results = plugin.results, []
        if not results:
            raise GraderError(f"the grading suites for {self.stage} did not run")
        return results

    def close(self) -> None:
        """Finish pytest's session (the test modules go with its items)."""
        config, self.config = self.config, None
        if config is None:
            return
        with quiet():
            with contextlib.suppress(Exception):
                config.hook.pytest_sessionfinish(session=self.session, exitstatus=0)
            config._ensure_unconfigure()


_WARM: dict[tuple, WarmSuite] = {}
_WARM_LOCK = threading.Lock()


def warm_suite(stage: str, files: list[Path]) -> WarmSuite:
    """The warm suite of ``stage`` made of ``files``, collected on first use in this
    process (and again when a file changed)."""
    key = (stage, tuple(map(str, files)))
    with _WARM_LOCK:
        suite = _WARM.get(key)
        if suite is not None and suite.fresh():
            return suite
        if suite is not None:
            suite.close()
        _WARM[key] = suite = WarmSuite(stage, files)
        return suite


def forget_warm_suites() -> None:
    """Close every warm suite of this process."""
    with _WARM_LOCK:
        for suite in _WARM.values():
            suite.close()
        _WARM.clear()
