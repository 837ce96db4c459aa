"""The adversarial corpus: hostile submissions, graded for real, each with its required outcome.

Every file in ``tests/fixtures/hostile/`` plays one threat of issue 4's threat model; its
first comment says what it attempts and what must happen. SECURITY.md maps each threat
to the isolation level that stops it and to the test here that shows it.

Conventions of the fixtures:

- ``stage: <name>`` in the first lines names the stage the file is graded for.
- A line ``# @@REFERENCE@@`` is replaced by the stage's reference solution, so that every
  function the fixture does not override is correct whatever the hidden suites add.
  Other ``@@KEY@@`` placeholders (a process marker, a port, a path) are filled in per run.
- ``# cheat-begin`` / ``# cheat-end`` lines delimit a cheat: the file must earn exactly
  what it earns with those lines removed.

Grading runs in two worker processes forked from this one (the ``farm`` fixture), for
the tests that were selected, slowest first: hanging and crashing fixtures mostly wait,
so two at a time halve the wall time. Only the workers call ``grade()``; this process
only reads the reports. Hanging fixtures get a 2 s deadline per call (``HANG``).
"""

import concurrent.futures
import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.api import grade
from grader.course import PROJECT_ROOT, STAGES, get_stage, standalone_reference
from grader.errors import GraderError, IsolationError
from grader.outputs.report import Report
from grader.sandbox import levels as isolation
from grader.sandbox.limits import Limits
from grader.sandbox.runtime_files import runtime_dir

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
SUITES = PROJECT_ROOT / "grader" / "suites"

DETECTED = isolation.detect()
LEVEL = DETECTED.name  # what grade() uses by default on this machine
ISOLATED = LEVEL in ("userns", "root")
# "Everywhere" guarantees are checked at the baseline level too (a lower level can be asked for).
LEVELS = sorted({"baseline", LEVEL}, key=isolation.LEVELS.index)

FAST = Limits(timeout=10, load_timeout=30)  # code that returns: generous, never the bottleneck
HANG = Limits(timeout=2, load_timeout=30)  # code that hangs in a call
LOAD_HANG = Limits(timeout=2, load_timeout=2)  # code that hangs while loading
BOUND = 60.0  # seconds: a stalling fixture is graded within this, even on a busy 2-core machine
SMALL_JSON = 1024 * 1024  # bytes: the largest acceptable report, whatever the submission did

needs_isolation = pytest.mark.skipif(
    not ISOLATED,
    reason=f"needs the userns or root isolation level; this machine gives {LEVEL}: "
    f"{DETECTED.reason}",
)
needs_root = pytest.mark.skipif(
    LEVEL != "root",
    reason=f"runs hostile writes only where a separate uid stops them (root level); "
    f"this machine gives {LEVEL}: {DETECTED.reason}",
)

CHEAT_BLOCK = re.compile(
    r"^[ \t]*# cheat-begin[^\n]*\n.*?^[ \t]*# cheat-end[^\n]*(?:\n|\Z)", re.S | re.M
)
REFERENCE_LINE = re.compile(r"^# @@REFERENCE@@.*$", re.M)


# ------------------------------------------------------------------ fixtures as submissions


def stage_of(name: str) -> str:
    """The stage a fixture is graded for, from its ``stage:`` line."""
    head = (HOSTILE / name).read_bytes()[:4000].decode("utf-8", "replace")
    return re.search(r"stage: (\w+)", head).group(1)


def instantiate(name: str, folder: Path, cheat: bool = True, **values) -> Path:
    """Write fixture ``name`` into ``folder`` as ``<stage>.py`` / ``<stage>.ipynb``.

    Placeholders are filled in; without ``cheat`` the cheat blocks are removed. Files that
    are not UTF-8 or need no change are copied byte for byte.
    """
    source = HOSTILE / name
    stage = stage_of(name)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stage}{source.suffix}"
    raw = source.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or (cheat and "@@" not in text):
        target.write_bytes(raw)
        return target

    def fill(code: str) -> str:
        if not cheat:
            code = CHEAT_BLOCK.sub("", code)
        code = REFERENCE_LINE.sub(lambda _: standalone_reference(stage), code)
        for key, value in values.items():
            code = code.replace(f"@@{key}@@", str(value))
        assert "@@" not in code, f"{name}: a placeholder was not filled in"
        return code

    if source.suffix == ".ipynb":
        notebook = nbformat.reads(text, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.source = fill(cell.source)
        nbformat.write(notebook, target)
    else:
        target.write_text(fill(text))
    return target


# ------------------------------------------------------------------ jobs (run in the workers)


@dataclass
class Outcome:
    """What one grading produced: the report (or the refusal), its wall time, and extras."""

    report: Report | None = None
    elapsed: float = 0.0
    error: str = ""  # "SubmissionError: ..." when grade() refused the submission
    extra: dict = field(default_factory=dict)


def _grade(stage, path, limits, level=None) -> Outcome:
    start = time.monotonic()
    try:
        report = grade(stage, path, limits=limits, isolation_level=level)
    except GraderError as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}", elapsed=time.monotonic() - start)
    return Outcome(report, time.monotonic() - start)


# Fixtures that write, or touch mounts, outside their work directory: never at the baseline.
NEEDS_A_SANDBOX = {"unhide_mounts.py", "write_outside.py", "modify_grader_install.py"}


def job_grade(name, limits=FAST, level=None, cheat=True, values=None) -> Outcome:
    """Grade one fixture (a copy in a private temporary folder; a folder as it is)."""
    if name in NEEDS_A_SANDBOX and (level or LEVEL) == "baseline":
        return Outcome(error=f"refused: {name} is not run at the baseline level")
    if (HOSTILE / name).is_dir():
        return _grade("neuron", HOSTILE / name, limits, level)
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        path = instantiate(name, Path(tmp), cheat, **(values or {}))
        return _grade(stage_of(name), path, limits, level)


def job_generated(kind) -> Outcome:
    """Grade a malformed submission made at run time (too big or too empty to commit)."""
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        if kind == "empty":
            path = Path(tmp) / "neuron.py"
            path.write_bytes(b"")
        else:  # a 50 MB notebook: valid JSON, one huge code cell of comments
            path = Path(tmp) / "neuron.ipynb"
            notebook = nbformat.v4.new_notebook()
            notebook.cells = [nbformat.v4.new_code_cell("# padding\n" * 5_000_000)]
            path.write_text(nbformat.writes(notebook))
            assert path.stat().st_size > 50_000_000
        return _grade("neuron", path, FAST)


def processes_with(marker: str) -> list[tuple[int, str]]:
    """Live processes whose command line holds ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    cmdline = handle.read()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append((int(entry), cmdline.replace(b"\0", b" ").decode(errors="replace")))
    return found


def job_marker(name, level=None, limits=FAST) -> Outcome:
    """Grade a fixture that starts processes named MARKER; list those alive afterwards."""
    marker = f"neurograde-hostile-{uuid.uuid4().hex[:12]}"
    outcome = job_grade(name, limits, level, values={"MARKER": marker})
    deadline = time.monotonic() + 2.0  # killed processes may take a moment to disappear
    while (survivors := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    outcome.extra["survivors"] = survivors
    for pid, _ in survivors:  # never leave them behind, whatever the test says
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return outcome


def _snapshot(folder: Path) -> list:
    """Every entry under ``folder`` with its mode and content hash."""
    entries = [("", oct(folder.stat().st_mode))]
    for path in sorted(folder.rglob("*")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        entries.append((str(path.relative_to(folder)), oct(path.stat().st_mode), digest))
    return entries


def job_write_outside(level) -> Outcome:
    """write_outside.py against sentinel folders outside /tmp and a fake other submission."""
    assert level in ("root", "userns"), "never run hostile writes at the baseline level"
    marker = f"neurograde-hostile-{uuid.uuid4().hex[:12]}"
    sentinels = [Path(tempfile.mkdtemp(prefix=".hostile-sentinel-", dir=PROJECT_ROOT))]
    if Path("/var/tmp").is_dir():
        sentinels.append(Path(tempfile.mkdtemp(prefix="neurograde-sentinel-", dir="/var/tmp")))
    other = Path(tempfile.mkdtemp(prefix="neurograde-hostile-other-"))
    (other / "work").mkdir()
    (other / "work" / "neuron.py").write_text("# another student's submission\n")
    for folder in sentinels:
        (folder / "sentinel.txt").write_text("must stay as it is\n")
        (folder / "keep.txt").write_text("must not be deleted\n")
    watched = [*sentinels, other]
    shared = [Path(p) for p in ("/tmp", "/var/tmp", "/dev/shm") if Path(p).is_dir()]
    before = {folder: _snapshot(folder) for folder in watched}
    try:
        outcome = job_grade(
            "write_outside.py",
            FAST,
            level,
            values={"SENTINEL_DIRS": "|".join(map(str, sentinels)), "MARKER": marker},
        )
        outcome.extra["changed"] = [str(f) for f in watched if _snapshot(f) != before[f]]
        outcome.extra["left"] = [str(f / marker) for f in shared if (f / marker).exists()]
    finally:
        for folder in watched:
            shutil.rmtree(folder, ignore_errors=True)
        for folder in shared:
            (folder / marker).unlink(missing_ok=True)
    return outcome


TAMPER = "# tampered by a submission"


def job_modify_install(level) -> Outcome:
    """modify_grader_install.py against the real grader files, runtime and NumPy folders."""
    assert level in ("root", "userns"), "never run hostile writes at the baseline level"
    marker = f"neurograde-hostile-{uuid.uuid4().hex[:12]}"
    targets = [
        PROJECT_ROOT / "grader" / "api.py",
        *get_stage("neuron").hidden_tests,
        get_stage("neuron").reference,
    ]
    droppings = [runtime_dir() / marker, Path(np.__file__).resolve().parent / marker]
    digests = {t: hashlib.sha256(t.read_bytes()).hexdigest() for t in targets}
    try:
        outcome = job_grade(
            "modify_grader_install.py",
            FAST,
            level,
            values={"TARGETS": "|".join(map(str, targets)), "MARKER": marker},
        )
        texts = {t: t.read_text() for t in targets}
        outcome.extra["tampered"] = [str(t) for t in targets if TAMPER in texts[t]]
        # A change without the fixture's text is a developer editing the file meanwhile.
        outcome.extra["changed"] = [
            str(t)
            for t in targets
            if hashlib.sha256(t.read_bytes()).hexdigest() != digests[t] and TAMPER in texts[t]
        ]
        outcome.extra["left"] = [str(p) for p in droppings if p.exists()]
    finally:
        for target in targets:  # undo a successful attack, precisely
            text = target.read_text()
            if TAMPER in text:
                target.write_text(text.replace(f"\n{TAMPER}\n", ""))
        for path in droppings:
            path.unlink(missing_ok=True)
    return outcome


def job_network(level=None) -> Outcome:
    """network_probe.py with a listener of this process on 127.0.0.1 (and ::1) to reach."""
    listeners = [socket.create_server(("127.0.0.1", 0))]
    port = listeners[0].getsockname()[1]
    try:
        listeners.append(socket.create_server(("::1", port), family=socket.AF_INET6))
    except OSError:
        pass
    accepted, stop = [], threading.Event()

    def accept(server):
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    threads = [threading.Thread(target=accept, args=(s,), daemon=True) for s in listeners]
    for thread in threads:
        thread.start()
    try:
        outcome = job_grade("network_probe.py", FAST, level, values={"PORT": port})
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for sock in [*accepted, *listeners]:
            sock.close()
    outcome.extra["accepted"] = len(accepted)
    return outcome


AUTOGRADER = Path("/autograder/results/results.json")


def job_cli(name, cheat=True, level=None, env=None) -> Outcome:
    """``grade run STAGE PATH --format json`` in a subprocess, from an empty folder.

    These jobs run one at a time (a lock file): each compares /autograder before and after,
    and a baseline run as root, which may write there, must not be seen by another."""
    with open(Path(tempfile.gettempdir()) / "neurograde-hostile-cli.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _job_cli(name, cheat, level, env)


def _job_cli(name, cheat, level, env) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        if (HOSTILE / name).is_dir():
            path, stage = HOSTILE / name, "neuron"
        else:
            path, stage = instantiate(name, Path(tmp) / "sub", cheat), stage_of(name)
        cwd = Path(tmp) / "cwd"
        cwd.mkdir()
        command = [sys.executable, "-m", "grader", "run", stage, str(path), "--format", "json"]
        command += ["--timeout", "10"] + (["--isolation", level] if level else [])
        existed = AUTOGRADER.exists()
        before = AUTOGRADER.read_bytes() if existed else None
        start = time.monotonic()
        result = subprocess.run(
            command,
            capture_output=True,
            timeout=600,
            cwd=cwd,
            env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})},
        )
        elapsed = time.monotonic() - start
        after = AUTOGRADER.read_bytes() if AUTOGRADER.exists() else None
        if not existed and after is not None:  # a baseline run as root let it through: undo
            AUTOGRADER.unlink()
            for folder in (AUTOGRADER.parent, AUTOGRADER.parent.parent):
                try:
                    folder.rmdir()
                except OSError:
                    break
        return Outcome(
            elapsed=elapsed,
            extra={
                "stdout": result.stdout.decode("utf-8", "replace"),
                "stderr": result.stderr.decode("utf-8", "replace"),
                "returncode": result.returncode,
                "cwd_files": sorted(os.listdir(cwd)),
                "autograder_changed": before != after,
            },
        )


def job_env_secret(secret) -> Outcome:
    """env_proc_probe.py graded by a CLI whose environment holds NEUROGRADE_SECRET.

    The variable is set in this worker (as ``monkeypatch.setenv`` would) and passed to the
    grading process, so it is both in the grader's ``os.environ`` and in its
    ``/proc/<pid>/environ``.
    """
    os.environ["NEUROGRADE_SECRET"] = secret
    try:
        return job_cli("env_proc_probe.py", env={"NEUROGRADE_SECRET": secret})
    finally:
        del os.environ["NEUROGRADE_SECRET"]


def job_bystander() -> Outcome:
    """Grade a correct submission while the caller has a child of its own in its own session."""
    bystander = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
            path = Path(tmp) / "neuron.py"
            path.write_text(standalone_reference("neuron"))
            outcome = _grade("neuron", path, FAST)
        outcome.extra["alive"] = bystander.poll() is None and os.path.exists(
            f"/proc/{bystander.pid}"
        )
    finally:
        bystander.kill()
        try:
            bystander.wait(timeout=5)
        except (subprocess.TimeoutExpired, ChildProcessError):
            pass
    return outcome


# ------------------------------------------------------------------ the jobs of this module

SECRET = f"s3cr3t-{uuid.uuid4().hex}"
HONEST_CHEATS = [  # cheats that must earn nothing, and do
    "monkeypatch_compare.py",
    "fake_shape_attribute.py",
    "always_equal_object.py",
    "float_subclass.py",
    "ndarray_subclass.py",
    "array_interface_object.py",
    "list_of_cheats.py",
    "patch_builtins_cheat.ipynb",
    "forge_atexit.ipynb",
]
CHEAT_BUGS = {  # cheats that earn points today: known grader bugs and limitations
    "warning_suppression.py": "LIMITATION: 'no overflow warning' is reported by the untrusted "
    "child; np.seterr(all='ignore') in the submission earns the warning points of "
    "test_sigmoid_known_values / test_sigmoid_extreme_range with the naive formula",
}
CHEATS = [*HONEST_CHEATS, *CHEAT_BUGS]
JOBS: dict = {}  # key -> (cost, function, args): cost orders the submissions, slowest first
for _name in CHEATS:
    _cost = 8 if stage_of(_name) == "backprop" else 2
    JOBS[_name] = (_cost, job_grade, (_name,))
    JOBS[_name + ":clean"] = (_cost, job_grade, (_name, FAST, None, False))
for _name, _limits, _cost in [
    ("frame_and_gc_probe.py", FAST, 1),
    ("import_reference.py", FAST, 1),
    ("read_grader_files.py", FAST, 1),
    ("unhide_mounts.py", FAST, 1),
    ("exit_at_import.py", FAST, 1),
    ("os_exit_at_import.py", FAST, 1),
    ("ignore_sigterm.py", LOAD_HANG, 3),
    ("infinite_loop.py", HANG, 7),
    ("deep_recursion.py", HANG, 7),
    ("thread_never_stops.py", FAST, 1),
    ("wait_stdin.py", FAST, 1),
    ("sys_exit_in_function.py", FAST, 2),
    ("os_exit_in_function.py", FAST, 6),
    ("segfault.py", FAST, 5),
    ("abort_in_function.ipynb", FAST, 3),
    ("memory_bomb.py", FAST, 2),
    ("memory_list_bomb.py", FAST, 2),
    ("forged_reply_frames.py", FAST, 3),
    ("flood_output.py", FAST, 2),
    ("gigantic_return.py", FAST, 9),
    ("huge_load_error.py", FAST, 1),
    ("weird_types.py", FAST, 8),
    ("invalid_json.ipynb", FAST, 1),
    ("nbformat3.ipynb", FAST, 1),
    ("binary_garbage.py", FAST, 1),
    ("non_utf8.py", FAST, 1),
    ("cell_raises_magics.ipynb", FAST, 1),
    ("both_py_and_ipynb", FAST, 0),
]:
    JOBS[_name] = (_cost, job_grade, (_name, _limits))
for _name in ("read_grader_files.py", "unhide_mounts.py"):  # a student who knows the layout
    JOBS[_name] = (1, job_grade, (_name, FAST, None, True, {"PROJECT_ROOT": PROJECT_ROOT}))
for _level in LEVELS:
    JOBS[f"daemon_double_fork.py@{_level}"] = (2, job_marker, ("daemon_double_fork.py", _level))
    JOBS[f"fork_bomb.py@{_level}"] = (3, job_marker, ("fork_bomb.py", _level))
    JOBS[f"forge_score.py@{_level}"] = (4, job_cli, ("forge_score.py", True, _level))
JOBS["forge_score.py:clean"] = (4, job_cli, ("forge_score.py", False))
JOBS["both_py_and_ipynb:cli"] = (2, job_cli, ("both_py_and_ipynb",))
JOBS["env_proc_probe.py"] = (4, job_env_secret, (SECRET,))
JOBS["network_probe.py"] = (1, job_network, ())
JOBS["write_outside.py@root"] = (1, job_write_outside, ("root",))
JOBS["modify_grader_install.py@root"] = (1, job_modify_install, ("root",))
JOBS["empty"] = (1, job_generated, ("empty",))
JOBS["huge_notebook"] = (2, job_generated, ("huge_notebook",))
JOBS["bystander"] = (1, job_bystander, ())

NEEDS: dict[str, list[str]] = {}  # test function name -> the jobs it reads


def needs(*keys):
    """Declare the jobs a test reads, so that the farm starts them before the tests run."""

    def mark(function):
        NEEDS[function.__name__] = list(keys)
        return function

    return mark


class Farm:
    """Runs jobs in worker processes; ``farm(key)`` waits for one and returns its Outcome."""

    def __init__(self, executor):
        self.executor, self.futures = executor, {}

    def start(self, keys):
        for key in sorted(set(keys), key=lambda k: -JOBS[k][0]):
            if key not in self.futures:
                _, function, args = JOBS[key]
                self.futures[key] = self.executor.submit(function, *args)

    def __call__(self, key) -> Outcome:
        self.start([key])
        return self.futures[key].result(timeout=900)

    def all_reports(self) -> list[tuple[str, dict]]:
        """(job, report as a dict) for every job started in this module, once finished."""
        found = []
        for key in list(self.futures):
            try:
                outcome = self(key)
            except Exception:  # noqa: BLE001 - that job's own test reports it
                continue
            if outcome.report is not None:
                found.append((key, outcome.report.to_dict()))
            stdout = outcome.extra.get("stdout", "")
            if stdout.startswith("{"):
                try:
                    found.append((key, json.loads(stdout)))
                except ValueError:
                    pass  # a forged stdout: its own test says so
        return found


@pytest.fixture(scope="module")
def farm(request):
    """Two grading workers, started with every job that the selected tests of this module need."""
    wanted = []
    for item in request.session.items:
        if Path(str(item.path)) != Path(__file__):
            continue
        skipped = any(m.args and m.args[0] is True for m in item.iter_markers("skipif"))
        if not skipped:
            wanted += NEEDS.get(getattr(item, "originalname", item.name), [])
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as executor:
        jobs = Farm(executor)
        jobs.start(wanted)
        yield jobs
        executor.shutdown(wait=True, cancel_futures=True)


# ------------------------------------------------------------------ reading reports


def owner(test, functions) -> str:
    """The student function a test is about (hidden tests say; public ones by their name)."""
    if test.function:
        return test.function.split(".")[0] if test.function[0].isupper() else test.function
    named = [f for f in functions if f in test.name]
    return max(named, key=len) if named else ""


def by_function(report: Report) -> dict[str, list]:
    functions = get_stage(report.assignment).functions()
    found: dict[str, list] = {}
    for test in report.tests:
        found.setdefault(owner(test, functions), []).append(test)
    found.pop("", None)  # public tests about several functions at once
    return found


def passed(report: Report) -> set[str]:
    return {t.name for t in report.tests if t.status == "passed"}


def probe(stdout: str, kind: str) -> str:
    """The first ``PROBE <kind> ...`` line the submission printed (in a report's stdout)."""
    for line in stdout.splitlines():
        if line.startswith(f"PROBE {kind}"):
            return line
    raise AssertionError(f"no PROBE {kind} line in the student's output: {stdout[:500]!r}")


def checks_a_value(test) -> bool:
    """Whether a test judges the returned value (not only errors raised or inputs left alone)."""
    return not any(w in test.name for w in ("leaves", "raise", "mismatch", "error", "left"))


def describe(report: Report) -> str:
    return "\n".join(f"{t.name}: {t.status} {t.output[:200]!r}" for t in report.tests)


# ================================================================== change how tests compare


@pytest.mark.parametrize(
    "name",
    [
        *HONEST_CHEATS,
        *[
            pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason))
            for name, reason in CHEAT_BUGS.items()
        ],
    ],
)
@needs(*[k for n in CHEATS for k in (n, n + ":clean")])
def test_cheat_earns_exactly_what_the_honest_code_earns(farm, name):
    """Monkeypatching the comparison machinery in the student process, or returning objects
    that compare equal to anything, earns exactly the points of the same file with its
    cheat block removed: the same score, test by test."""
    cheat, clean = farm(name).report, farm(name + ":clean").report
    assert clean.max_score > 0 and clean.score < clean.max_score, "the honest code must lose points"
    assert passed(cheat) == passed(clean), (
        f"the cheat changed which tests pass: gained {sorted(passed(cheat) - passed(clean))}, "
        f"lost {sorted(passed(clean) - passed(cheat))}"
    )
    assert cheat.score == clean.score


@pytest.mark.parametrize(
    "name, functions",
    [
        ("always_equal_object.py", ["neuron_output_np"]),
        ("float_subclass.py", ["neuron_output"]),
        ("ndarray_subclass.py", ["sigmoid", "relu", "sigmoid_derivative", "relu_derivative"]),
        ("array_interface_object.py", ["dense_forward", "two_layer_forward"]),
        ("list_of_cheats.py", ["layer_output", "layer_output_np"]),
    ],
)
@needs(
    "always_equal_object.py",
    "float_subclass.py",
    "ndarray_subclass.py",
    "array_interface_object.py",
    "list_of_cheats.py",
)
def test_weird_types_are_reported_as_unsupported(farm, name, functions):
    """Values of odd types (custom __eq__, float and ndarray subclasses, objects with
    __array__, object and structured arrays, lists of such objects) never pass a test that
    checks a value, and the feedback says the value is not plain numbers."""
    report = farm(name).report
    words = ("unsupported", "not a number", "cannot be read as numbers", "student ")
    for function in functions:
        checked = [t for t in by_function(report)[function] if t.hidden and checks_a_value(t)]
        assert checked, f"no hidden test of {function}"
        assert not [t.name for t in checked if t.status == "passed"], describe(report)
        assert any(any(w in t.output for w in words) for t in checked), describe(report)


# ================================================================== find the expected answer


@pytest.mark.parametrize(
    "name, kind, function",
    [
        ("frame_and_gc_probe.py", "frames-gc", "neuron_output_np"),
        pytest.param("import_reference.py", "import", "neuron_output_np", marks=needs_isolation),
        pytest.param("read_grader_files.py", "files", "layer_output_np", marks=needs_isolation),
        pytest.param("unhide_mounts.py", "mounts", "neuron_output_np", marks=needs_isolation),
    ],
)
@needs("frame_and_gc_probe.py", "import_reference.py", "read_grader_files.py", "unhide_mounts.py")
def test_expected_answer_cannot_be_found(farm, name, kind, function):
    """Caller frames and gc hold nothing of the grader (another process); importing or
    reading the reference, the hidden suites or the grader's files fails, also through
    sys.path tricks, /proc/*/root and undoing the hiding mounts. The function that would
    use what it found returns a wrong value and loses its points."""
    report = farm(name).report
    line = probe(report.stdout, kind)
    assert " found=0" in line, line
    tests = [t for t in by_function(report)[function] if checks_a_value(t)]
    assert tests and all(t.status != "passed" for t in tests), describe(report)


@needs("env_proc_probe.py")
def test_environment_is_scrubbed(farm):
    """A secret in the grader's environment (NEUROGRADE_SECRET, set for the grading
    process) is not in the student's environment, at every level."""
    outcome = farm("env_proc_probe.py")
    assert outcome.extra["returncode"] == 0, outcome.extra["stderr"][-2000:]
    data = json.loads(outcome.extra["stdout"])
    assert "PROBE env env=0 " in data["stdout"], data["stdout"][:500]
    assert SECRET not in outcome.extra["stdout"]


@needs_isolation
@needs("env_proc_probe.py")
def test_grader_processes_are_invisible(farm):
    """At the userns/root levels the student sees no other process: neither the grader's
    /proc/<pid>/environ (which holds the secret) nor its command line."""
    data = json.loads(farm("env_proc_probe.py").extra["stdout"])
    line = probe(data["stdout"], "env")
    assert " proc=0 grader=0 " in line, line


# ================================================================== forge the score


@pytest.mark.parametrize(
    "level",
    [
        pytest.param(
            level,
            marks=pytest.mark.xfail(
                strict=True,
                reason="BASELINE WEAKNESS: the child (same uid, or root) opens "
                "/proc/<grader pid>/fd/1 and writes into the grader's own stdout",
            )
            if level == "baseline"
            else (),
        )
        for level in LEVELS
    ],
)
@needs(*[f"forge_score.py@{level}" for level in LEVELS], "forge_score.py:clean")
def test_forged_score_never_reaches_the_grader_output(farm, level):
    """Fake JSON, a fake pytest summary, "Points 100/100", results.json files and atexit
    hooks: `grade run --format json` still prints exactly one JSON document, with the score
    of the same file without the cheat; the fake text is only inside its "stdout" field
    (truncated), and no results.json appears in the grader's folder or /autograder."""
    cheat, clean = farm(f"forge_score.py@{level}"), farm("forge_score.py:clean")
    for outcome in (cheat, clean):
        assert outcome.extra["returncode"] == 0, outcome.extra["stderr"][-2000:]
    stdout = cheat.extra["stdout"]
    assert stdout.lstrip().startswith("{")
    data = json.loads(stdout)  # raises if anything but one JSON document is on stdout
    assert data["score"] == json.loads(clean.extra["stdout"])["score"] < data["max_score"]
    assert "FORGED-SCORE" in data["stdout"]
    assert len(data["stdout"]) <= Limits().output_bytes + 100
    rest = {k: v for k, v in data.items() if k not in ("stdout", "stderr")}
    assert "FORGED" not in json.dumps(rest)
    assert cheat.extra["cwd_files"] == []
    if ISOLATED or os.geteuid() != 0:
        assert not cheat.extra["autograder_changed"]


# ================================================================== end or stall grading

STALLS = {
    # fixture: (the hostile function, the statuses its tests may end with, words of feedback
    # one of which each of those tests must show)
    "exit_at_import.py": ("neuron_output_np", {"failed"}, ("does not define",)),
    "infinite_loop.py": ("neuron_output_np", {"timeout"}, ("longer than 2 s", "out of time")),
    "deep_recursion.py": ("neuron_output_np", {"timeout", "error", "failed"}, ()),
    "sys_exit_in_function.py": ("relu", {"failed"}, ("exit",)),
    "os_exit_in_function.py": ("two_layer_forward", {"error"}, ("student process",)),
    "segfault.py": ("layer_output_np", {"error"}, ("student process",)),
    "abort_in_function.ipynb": ("neuron_output_np", {"error"}, ("student process",)),
    "memory_bomb.py": ("softmax", {"failed", "error", "timeout"}, ()),
    "memory_list_bomb.py": ("layer_output_np", {"failed", "error", "timeout"}, ()),
    "forged_reply_frames.py": ("neuron_output_np", {"error"}, ("invalid reply",)),
}


@pytest.mark.parametrize("name", list(STALLS))
@needs(*STALLS)
def test_one_bad_function_costs_only_its_own_tests(farm, name):
    """exit, os._exit, a segfault, an abort, an infinite loop, unbounded recursion, memory
    bombs and forged protocol frames inside one function: the grader survives, that
    function's tests end as error/timeout/failed with a plain-words reason, every other
    function's tests pass, and grading ends within BOUND seconds."""
    function, allowed, words = STALLS[name]
    outcome = farm(name)
    report = outcome.report
    groups = by_function(report)
    bad = groups.pop(function)
    assert bad and {t.status for t in bad} <= allowed, describe(report)
    assert all(any(w in t.output for w in words) for t in bad if words), describe(report)
    for other, tests in groups.items():
        assert all(t.status == "passed" for t in tests), f"{other}:\n{describe(report)}"
    assert outcome.elapsed < BOUND


@needs("segfault.py")
def test_a_crash_is_reported_in_plain_words(farm):
    """A segmentation fault in the student's function is reported as one, in every test
    that hit it."""
    bad = by_function(farm("segfault.py").report)["layer_output_np"]
    assert all("segmentation fault" in t.output for t in bad), [t.output for t in bad]


@needs("exit_at_import.py")
def test_exit_at_import_is_reported_as_a_load_error(farm):
    """sys.exit() while loading is a load error naming the exit; grading goes on."""
    report = farm("exit_at_import.py").report
    assert report.status == "graded"
    assert [e["type"] for e in report.load_errors] == ["SystemExit"]
    assert "exit(3)" in report.load_errors[0]["message"]


@pytest.mark.parametrize(
    "name, reason",
    [
        ("os_exit_at_import.py", "exited"),
        ("ignore_sigterm.py", "took longer than 2 s"),
    ],
)
@needs("os_exit_at_import.py", "ignore_sigterm.py")
def test_submission_that_never_loads_is_an_error_not_a_crash(farm, name, reason):
    """os._exit() while loading, or a load that ignores SIGTERM and every catchable signal
    and sleeps forever: every test is an error that says why, the report says the
    submission could not run, and grading ends within BOUND seconds (SIGKILL is used)."""
    outcome = farm(name)
    report = outcome.report
    assert report.status == "not_runnable" and reason in report.problem, report.problem
    assert report.tests and all(t.status == "error" for t in report.tests)
    assert report.score == 0
    assert outcome.elapsed < BOUND


@pytest.mark.parametrize(
    "name", ["thread_never_stops.py", "wait_stdin.py", "flood_output.py", "huge_load_error.py"]
)
@needs("thread_never_stops.py", "wait_stdin.py", "flood_output.py", "huge_load_error.py")
def test_correct_code_with_hostile_side_effects_gets_full_marks(farm, name):
    """Correct functions next to threads that never stop, reads of stdin and /dev/tty,
    100 MB of output, or a gigantic load error: every test passes, quickly."""
    outcome = farm(name)
    assert outcome.report.score == outcome.report.max_score > 0, describe(outcome.report)
    assert outcome.elapsed < BOUND


@needs("wait_stdin.py")
def test_stdin_is_closed(farm):
    """input(), sys.stdin.read() and os.read(0) see end-of-file; there is no terminal."""
    line = probe(farm("wait_stdin.py").report.stdout, "stdin")
    assert "('input', 'EOFError')" in line and "('os.read', b'')" in line, line
    # No controlling terminal; at the namespace levels not even a /dev/tty to try.
    assert "('tty', 'OSError')" in line or "('tty', 'FileNotFoundError')" in line, line


# ================================================================== outlive grading


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name", ["daemon_double_fork.py", "fork_bomb.py"])
@needs(*[f"{n}@{level}" for n in ("daemon_double_fork.py", "fork_bomb.py") for level in LEVELS])
def test_no_process_outlives_grading(farm, name, level):
    """A double-forked setsid daemon, a detached process in its own session, and a
    (bounded) fork bomb of sleeping processes: when grade() returns, no process whose
    command line holds the fixture's marker is alive, at every level; the function that
    forked loses only its own tests."""
    outcome = farm(f"{name}@{level}")
    assert outcome.extra["survivors"] == []
    assert outcome.report.isolation == level
    groups = by_function(outcome.report)
    assert all(t.status == "passed" for t in groups["neuron_output"]), describe(outcome.report)
    assert outcome.elapsed < BOUND


@needs_root
@needs("fork_bomb.py@root")
def test_fork_bomb_is_stopped_by_the_process_limit(farm):
    """At the root level the slot's uid has a process-count limit (64): the fork bomb
    cannot start its 120 processes."""
    line = probe(farm("fork_bomb.py@root").report.stdout, "forks")
    started = int(re.search(r"started=(\d+)", line).group(1))
    assert started < 64, line


# ================================================================== harm others


@needs_root
@needs("write_outside.py@root")
def test_files_outside_the_work_directory_are_untouched(farm):
    """Sentinel folders outside /tmp (in the project and in /var/tmp) and another
    submission's work directory are byte-identical after grading a submission that tries
    to modify, delete, chmod and add files in them."""
    outcome = farm("write_outside.py@root")
    assert outcome.report.score == outcome.report.max_score, describe(outcome.report)
    assert outcome.extra["changed"] == []
    assert not [p for p in outcome.extra["left"] if p.startswith("/tmp/")]


@needs_root
@needs("write_outside.py@root")
def test_no_files_left_in_world_writable_folders(farm):
    """No file the submission created survives grading in /var/tmp or /dev/shm."""
    assert farm("write_outside.py@root").extra["left"] == []


@needs_root
@needs("modify_grader_install.py@root")
def test_grader_install_is_untouched(farm):
    """Appending to grader/api.py, the hidden suite and the reference, and adding files to
    the student runtime folder and to NumPy's folder all fail: their sha256 is unchanged
    and no file is left behind."""
    outcome = farm("modify_grader_install.py@root")
    line = probe(outcome.report.stdout, "install")
    assert ":ok" not in line, line
    assert outcome.extra["tampered"] == [] and outcome.extra["changed"] == []
    assert outcome.extra["left"] == []


@needs_root
@pytest.mark.skipif(os.geteuid() != 0, reason="the userns level as root: needs root")
def test_userns_level_is_refused_to_root():
    """As root, the userns level would make the student root on every host file it can see:
    asking for it is refused with a clear error, never run."""
    with pytest.raises(IsolationError, match="not root"):
        isolation.choose(requested="userns")


@needs("bystander")
def test_grading_spares_the_callers_own_processes(farm):
    """A process the caller of grade() started in its own session is still alive after
    grading (grade() is a library call: it must only kill what the submission started)."""
    outcome = farm("bystander")
    assert outcome.report.score == outcome.report.max_score
    assert outcome.extra["alive"]


# ================================================================== network


@needs_isolation
@needs("network_probe.py")
def test_no_network(farm):
    """TCP to a listener on 127.0.0.1 and ::1, TCP to a public address, UDP and DNS all
    fail in the student process, and the listener accepts nothing."""
    outcome = farm("network_probe.py")
    line = probe(outcome.report.stdout, "net")
    assert "=ok" not in line, line
    assert outcome.extra["accepted"] == 0


# ================================================================== flood, gigantic values


@needs("flood_output.py")
def test_output_flood_is_truncated(farm):
    """100 MB on stdout and stderr: the report keeps a truncated excerpt, its JSON is small."""
    report = farm("flood_output.py").report
    for text in (report.stdout, report.stderr):
        assert "FLOOD" in text and len(text) <= FAST.output_bytes + 100
    assert len(report.to_json()) < SMALL_JSON


@needs("gigantic_return.py")
def test_gigantic_values_do_not_exhaust_the_grader(farm):
    """An 800 MB array, a 16 MB array and a 10 MB string returned by three functions:
    grading ends within BOUND seconds, their value tests never pass, the other functions'
    tests pass, and the report's JSON is small."""
    outcome = farm("gigantic_return.py")
    report = outcome.report
    groups = by_function(report)
    for function in ("sigmoid", "relu_derivative"):
        assert all(t.status == "passed" for t in groups.pop(function)), describe(report)
    assert set(groups) == {"relu", "softmax", "sigmoid_derivative"}
    for tests in groups.values():
        assert not [t.name for t in tests if t.status == "passed" and checks_a_value(t)]
    assert len(report.to_json()) < SMALL_JSON
    assert outcome.elapsed < BOUND


@needs("huge_load_error.py")
def test_report_stays_small_after_a_gigantic_load_error(farm):
    """A SyntaxError with a 5 MB source line and a 10 MB message while loading: the report
    JSON stays under 1 MB."""
    report = farm("huge_load_error.py").report
    assert report.load_errors
    assert len(report.to_json()) < SMALL_JSON


# ================================================================== malformed inputs


@pytest.mark.parametrize(
    "key, words",
    [
        ("invalid_json.ipynb", "not a valid Jupyter notebook"),
        ("binary_garbage.py", "not UTF-8"),
        ("non_utf8.py", "not UTF-8"),
        ("empty", "empty"),
        ("huge_notebook", "over the 20 MiB limit"),
    ],
)
@needs("invalid_json.ipynb", "binary_garbage.py", "non_utf8.py", "empty", "huge_notebook")
def test_malformed_submission_gets_a_clear_message(farm, key, words):
    """Invalid JSON, binary garbage, Latin-1 text, an empty file, a 50 MB notebook: a clear
    one-line reason, every test an error, a score of 0, no traceback from the grader."""
    outcome = farm(key)
    report = outcome.report
    assert report.status == "not_runnable" and words in report.problem, report.problem
    assert "Traceback" not in report.problem and "\n" not in report.problem
    assert report.tests and all(t.status == "error" for t in report.tests)
    assert report.score == 0
    assert outcome.elapsed < BOUND


@needs("nbformat3.ipynb")
def test_nbformat3_notebook_is_read(farm):
    """An nbformat 3 notebook (worksheets, `input`) is upgraded and graded like the same
    code in a .py file."""
    report = farm("nbformat3.ipynb").report
    assert report.status == "graded"
    assert report.score == report.max_score > 0, describe(report)


@needs("both_py_and_ipynb", "both_py_and_ipynb:cli")
def test_folder_with_both_py_and_ipynb_grades_both_and_keeps_the_better(farm):
    """A folder holding both neuron.py and neuron.ipynb, both edited: grade() grades both and
    keeps the better, saying which; `grade run` does the same (exit 0, the note in its JSON)."""
    report = farm("both_py_and_ipynb").report
    assert report is not None, farm("both_py_and_ipynb").error
    assert report.submission.endswith("neuron.ipynb")
    assert any("graded both" in n and "kept neuron.ipynb" in n for n in report.notes)
    cli = farm("both_py_and_ipynb:cli").extra
    assert cli["returncode"] == 0, cli["stderr"]
    data = json.loads(cli["stdout"])
    assert data["submission"].endswith("neuron.ipynb") and data["notes"] == report.notes


@needs("cell_raises_magics.ipynb")
def test_notebook_cell_error_and_magics(farm):
    """A notebook cell that raises is reported with its number and the following cells
    still run; %magics, %%cell magics and !shell lines are not run and are listed."""
    report = farm("cell_raises_magics.ipynb").report
    assert report.score == report.max_score > 0, describe(report)
    (error,) = report.load_errors
    # The notebook's own cell number (its markdown cell counts), as in the skipped lines.
    assert error["cell"] == 4 and error["type"] == "RuntimeError"
    assert any(line.startswith("cell 4: %timeit") for line in report.skipped)
    skipped = "\n".join(report.skipped)
    for line in ("%pip install", "!echo SHELL-RAN", "files = !ls", "%timeit", "%%bash"):
        assert line in skipped, report.skipped
    assert "SHELL-RAN" not in report.stdout


# ================================================================== hidden source


def hidden_source_lines() -> set[str]:
    """Lines of the hidden suites long enough to be recognisable (the test titles, shown
    on purpose as the first line of a failure, excepted)."""
    import ast

    lines, titles = set(), set()
    hidden = [path for stage in STAGES for path in get_stage(stage).hidden_tests]
    for path in [*hidden, SUITES / "checks.py"]:
        text = path.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef) and ast.get_docstring(node):
                titles.add(ast.get_docstring(node).splitlines()[0].strip())
        lines |= {line.strip() for line in text.splitlines() if len(line.strip()) > 25}
    return lines - titles


@needs(
    "weird_types.py",
    "gigantic_return.py",
    "fake_shape_attribute.py",
    "ndarray_subclass.py",
    "list_of_cheats.py",
    "array_interface_object.py",
    "forged_reply_frames.py",
    "segfault.py",
    "monkeypatch_compare.py",
)
def test_hidden_test_source_never_appears_in_feedback(farm):
    """For every report graded in this module (wrong, hostile and odd-typed submissions of
    every stage), no line of a hidden suite appears in any test's output or in the report."""
    source = hidden_source_lines()
    reports = farm.all_reports()
    assert len(reports) >= 9
    for key, data in reports:
        texts = list(strings(data))
        leaked = {line for line in source for text in texts if line in text}
        assert not leaked, f"{key} leaks hidden source: {sorted(leaked)[:5]}"


def strings(value):
    """Every string inside a JSON-like value (test outputs, messages, the summary...)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
