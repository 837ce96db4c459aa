"""``grade validate``: the author's check of a stage, before any student sees it.

- the stage's files exist; the manifest's names are the stub's and the reference's;
- the names a stage defines itself (``defines_own``) agree with the other stage's;
- the notebook is what the lesson and the stub generate;
- every test is collected (``--strict-markers``: a misspelt marker is an error), has a
  function (a ``function`` marker, or a name ``test_<function>...``), valid points and
  a valid ``call_timeout`` if it has one;
  test names are unique across the public and the hidden tests; the total points are
  the manifest's (when it declares them);
- the reference gets full marks and the stub gets 0;
- no hint's test raised while grading them (a hint that raises never applies).
"""

import ast
import contextlib
import io
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.api import grade
from grader.course import Stage, get_stage
from grader.errors import GraderError
from grader.grading.plugin import MARKERS, call_timeout


@dataclass
class Finding:
    """One check of a stage: passed or not, and what it saw."""

    check: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        return f"  {mark}  {self.check}" + (f": {self.detail}" if self.detail else "")


def defined_names(path: Path) -> list[str]:
    """Public functions and classes defined at the top of a module (read, not run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    kinds = ast.FunctionDef | ast.ClassDef
    return [n.name for n in tree.body if isinstance(n, kinds) and not n.name.startswith("_")]


# ---------------------------------------------------------------- collecting the tests


@dataclass
class Collected:
    name: str
    file: str
    function: str
    points: object
    hidden: bool
    call_timeout_ok: bool = True


class _Collector:
    """A pytest plugin that registers the grading markers and records each test."""

    def __init__(self, stage: Stage):
        self.stage = stage
        self.items: list[Collected] = []

    def pytest_configure(self, config):
        for line in MARKERS:
            config.addinivalue_line("markers", line)

    def pytest_collection_modifyitems(self, items):
        for item in items:
            function = item.get_closest_marker("function")
            points = item.get_closest_marker("points")
            self.items.append(Collected(
                name=item.name,
                file=Path(str(item.path)).name,
                function=function.args[0] if function and function.args else "",
                points=(points.args[0] if points and points.args else None) if points else 1,
                hidden=item.get_closest_marker("hidden") is not None,
                call_timeout_ok=_valid_call_timeout(item),
            ))  # fmt: skip


def _valid_call_timeout(item) -> bool:
    try:
        call_timeout(item)
    except GraderError:  # its value is not a positive number of seconds
        return False
    return True


class _Names:
    """Stands in for the student module while tests are collected."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return None


def collect(stage: Stage) -> tuple[list[Collected], str]:
    """The stage's tests as collected by pytest (with --strict-markers), and pytest's
    output when collection failed."""
    import pytest

    import grader.suites

    files = [str(p) for p in (stage.public_tests, *stage.hidden_tests)]
    ini = Path(grader.suites.__file__).parent / "pytest.ini"
    collector = _Collector(stage)
    saved, before = sys.modules.get(stage.name), set(sys.modules)
    sys.modules[stage.name] = _Names()
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            code = pytest.main(
                [*files, "--collect-only", "-q", "-p", "no:cacheprovider",
                 "--import-mode=importlib", "--rootdir", str(ini.parent), "-c", str(ini),
                 "-W", "ignore"],
                plugins=[collector],
            )  # fmt: skip
    finally:
        folders = {str(Path(f).parent) for f in files}
        for name in set(sys.modules) - before:
            origin = str(getattr(sys.modules[name], "__file__", "") or "")
            if origin.rsplit("/", 1)[0] in folders:
                del sys.modules[name]
        if saved is None:
            sys.modules.pop(stage.name, None)
        else:
            sys.modules[stage.name] = saved
    problem = "" if code in (0, 5) else sink.getvalue()[-1500:]
    return collector.items, problem


def function_of(item: Collected, names) -> str:
    """A test's function: its marker's, or the stage name its test name starts with."""
    if item.function:
        return item.function

    def plain(text):  # test_neural_network_... names NeuralNetwork
        return text.replace("_", "").lower()

    matches = [n for n in names if plain(item.name).startswith(plain(f"test_{n}"))]
    return max(matches, key=len) if matches else ""


# ---------------------------------------------------------------- the checks


def check_files(stage: Stage) -> list[Finding]:
    found = []
    for what, path in (("stub", stage.stub), ("public tests", stage.public_tests),
                       ("reference", stage.reference), ("lesson", stage.lesson)):  # fmt: skip
        found.append(Finding(f"{what} exists", path.is_file(), str(path)))
    found.append(Finding("hidden suite exists", bool(stage.hidden_tests), str(stage.folder)))
    return found


def check_names(stage: Stage) -> list[Finding]:
    if not (stage.stub.is_file() and stage.reference.is_file()):
        return []
    manifest, stub = list(stage.names), defined_names(stage.stub)
    own = {n for names in stage.defines_own.values() for n in names}
    reference = [n for n in defined_names(stage.reference) if n not in own]
    ok = sorted(manifest) == sorted(stub) == sorted(reference)
    detail = "" if ok else f"manifest {manifest}, stub {stub}, reference {reference}"
    return [Finding("manifest, stub and reference define the same names", ok, detail)]


def check_defines_own(stage: Stage) -> list[Finding]:
    """A stage that defines another stage's functions itself agrees with that stage."""
    found = []
    z = np.linspace(-5.0, 5.0, 11).reshape(1, 11)
    for other, names in stage.defines_own.items():
        try:
            theirs = get_stage(other).load_reference()
        except KeyError:
            found.append(Finding(f"defines_own: stage {other} exists", False))
            continue
        ours = stage.load_reference()
        for name in names:
            try:
                same = np.allclose(getattr(ours, name)(z), getattr(theirs, name)(z))
            except Exception as exc:
                same, name = False, f"{name} ({type(exc).__name__})"
            found.append(Finding(f"its own {name} agrees with stage {other}'s", bool(same)))
    return found


def check_notebook(stage: Stage) -> list[Finding]:
    from grader.authoring import notebooks

    if not stage.lesson.is_file():
        return []
    try:
        current = notebooks.is_current(stage)
    except ValueError as exc:
        return [Finding("notebook generated from the lesson and the stub", False, str(exc))]
    detail = "" if current else "stale: regenerate it with `grade validate --write-notebooks`"
    return [Finding("notebook is current", current, detail)]


def check_tests(stage: Stage) -> list[Finding]:
    items, problem = collect(stage)
    if problem:
        return [Finding("tests are collected with --strict-markers", False, problem.strip())]
    found = [Finding("tests are collected with --strict-markers", bool(items),
                     f"{len(items)} tests")]  # fmt: skip
    names = list(stage.names)
    no_function = [i.name for i in items if not function_of(i, names)]
    found.append(Finding("every test names its function", not no_function,
                         ", ".join(no_function[:5])))  # fmt: skip
    unknown = sorted({i.function.split(".")[0] for i in items if i.function}
                     - set(names) - {n for v in stage.defines_own.values() for n in v})  # fmt: skip
    found.append(Finding("function markers name the stage's functions", not unknown,
                         ", ".join(unknown)))  # fmt: skip
    bad_points = [i.name for i in items if not _valid_points(i.points)]
    found.append(Finding("every test has valid points", not bad_points, ", ".join(bad_points[:5])))
    bad_limits = [i.name for i in items if not i.call_timeout_ok]
    found.append(Finding("every call_timeout is a positive number of seconds", not bad_limits,
                         ", ".join(bad_limits[:5])))  # fmt: skip
    seen, duplicates = {}, []
    for item in items:
        base = item.name.split("[")[0]
        if seen.setdefault(base, item.file) != item.file:
            duplicates.append(base)
    found.append(Finding("test names are unique across public and hidden tests",
                         not duplicates, ", ".join(sorted(set(duplicates)))))  # fmt: skip
    totals = {"public": 0.0, "hidden": 0.0}
    for item in items:
        if _valid_points(item.points):
            totals["hidden" if item.hidden else "public"] += float(item.points)
    if stage.points:
        declared = {k: float(v) for k, v in stage.points.items()}
        found.append(Finding("points are the manifest's", declared == totals,
                             f"manifest {stage.points}, markers {totals}"))  # fmt: skip
    else:
        found.append(Finding("points", True, f"{totals['public']:g} public + "
                             f"{totals['hidden']:g} hidden"))  # fmt: skip
    return found


def _valid_points(points) -> bool:
    return isinstance(points, int | float) and not isinstance(points, bool) and points > 0


def check_grades(stage: Stage) -> list[Finding]:
    """The reference gets full marks and the stub 0; no hint raised meanwhile."""
    from grader.suites import checks

    if not (stage.stub.is_file() and stage.reference.is_file()):
        return []
    checks.HINT_ERRORS.clear()
    found = []
    with tempfile.TemporaryDirectory(prefix="neurograde-validate-") as scratch:
        path = Path(scratch) / f"{stage.name}.py"
        path.write_text(stage.reference.read_text(encoding="utf-8"), encoding="utf-8")
        report = grade(stage.name, path)
    failing = [f"{t.name}: {t.output.splitlines()[-1] if t.output else t.status}"
               for t in report.tests if t.status != "passed"]  # fmt: skip
    full = report.max_score > 0 and report.score == report.max_score and not failing
    found.append(Finding("the reference gets full marks", full,
                         f"{report.score:g}/{report.max_score:g}" + "".join(
                             f"\n        {line[:200]}" for line in failing[:5])))  # fmt: skip
    report = grade(stage.name, stage.stub)
    passed = [t.name for t in report.tests if t.status == "passed"]
    found.append(Finding("the stub gets 0", report.score == 0 and not passed,
                         f"{report.score:g}/{report.max_score:g}" +
                         (f"; passes {', '.join(passed[:5])}" if passed else "")))  # fmt: skip
    found.append(Finding("no hint raised while grading", not checks.HINT_ERRORS,
                         "; ".join(checks.HINT_ERRORS[:3])))  # fmt: skip
    return found


def validate(stage: Stage) -> list[Finding]:
    """Every check of the stage, in order."""
    found = check_files(stage) + check_names(stage) + check_defines_own(stage)
    found += check_notebook(stage) + check_tests(stage)
    if all(f.ok for f in found):  # grading a stage whose tests do not collect tells nothing
        found += check_grades(stage)
    return found
