"""The zygote (``grader.sandbox.zygote``): student processes forked from one process that
imported NumPy once, each in its own fresh isolation, none seeing anything of another."""

import json
import os
import subprocess
import sys

import pytest

from grader.grading.proxy import StudentModule
from grader.grading.session import Session
from grader.sandbox import levels, zygote
from grader.sandbox.limits import Limits, LoadRequest
from grader.sandbox.process import StudentProcess

LEVEL = levels.detect()
FORKED = pytest.mark.skipif(not zygote.usable(LEVEL), reason="no zygote at this level")


@pytest.fixture(autouse=True)
def started():
    """This process's zygote, started (a grader process starts it for its second student
    process only)."""
    if zygote.usable(LEVEL):
        zygote.zygote()


def session(code: str, level=LEVEL) -> tuple[Session, StudentModule]:
    request = LoadRequest("neuron", "neuron.py", [code], code.encode())
    live = Session(request, Limits(timeout=5, load_timeout=20), level)
    return live, StudentModule(live, "neuron")


LEAVE_TRACES = """
import builtins, os, sys
open("left_behind.txt", "w").write("secret")
open("/tmp/left_behind.txt", "w").write("secret")
os.environ["LEFT_BEHIND"] = "secret"
builtins.LEFT_BEHIND = "secret"
sys.modules["left_behind"] = sys
import numpy as np
np.LEFT_BEHIND = "secret"
np.random.seed(1234)
def value():
    return 1
"""

LOOK_FOR_TRACES = """
import builtins, os, sys
import numpy as np
def traces():
    return {
        "work": sorted(os.listdir(".")),
        "tmp": sorted(os.listdir("/tmp")),
        "env": "LEFT_BEHIND" in os.environ,
        "builtins": hasattr(builtins, "LEFT_BEHIND"),
        "modules": "left_behind" in sys.modules,
        "numpy": hasattr(np, "LEFT_BEHIND"),
        "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
        "random": float(np.random.random()),
    }
"""


@FORKED
def test_students_are_forked_from_the_zygote():
    """At a level with a zygote, the student process is the zygote's child, not a new
    interpreter started by the grader."""
    request = LoadRequest("neuron", "neuron.py", ["x = 1"], b"x = 1")
    process = StudentProcess(request, Limits(), LEVEL)
    try:
        process.start()
        assert isinstance(process.proc, zygote.ForkedChild)
        with open(f"/proc/{process.proc.pid}/stat") as handle:
            parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        assert parent == zygote.zygote().proc.pid
    finally:
        process.close()


@FORKED
def test_nothing_of_one_student_is_visible_to_the_next():
    """A submission writes files (work folder, /tmp), sets an environment variable, a
    builtin, a module and a NumPy attribute, and seeds NumPy; the next one, forked from the
    same zygote, finds none of it, and holds no descriptor but its own."""
    first, student = session(LEAVE_TRACES)
    try:
        assert student.value() == 1
    finally:
        first.close()
    second, student = session(LOOK_FOR_TRACES)
    third, other = session(LOOK_FOR_TRACES)
    try:
        seen = student.traces()
        assert seen["work"] == ["neuron.py"] and "left_behind.txt" not in seen["tmp"]
        assert not (seen["env"] or seen["builtins"] or seen["modules"] or seen["numpy"])
        # 0-2, the two pipes, the runtime's os.devnull for sys.stdin, the listing's own
        assert len(seen["fds"]) <= 7
        assert other.traces()["random"] != seen["random"]  # not the zygote's random state
    finally:
        second.close()
        third.close()


@FORKED
def test_a_student_cannot_reach_the_zygote():
    """The zygote is out of the student's reach: not signalable (another uid or PID
    namespace), and its socket is not among the student's descriptors."""
    pid = zygote.zygote().proc.pid
    code = f"""
import json
import os
import subprocess
import sys
def poke():
    try:
        os.kill({pid}, 0)
        return "reached"
    except OSError as exc:
        return type(exc).__name__
"""
    live, student = session(code)
    try:
        assert student.poke() in ("ProcessLookupError", "PermissionError")
    finally:
        live.close()
    assert zygote.zygote().proc.poll() is None


def test_the_baseline_level_starts_a_new_interpreter():
    """At the baseline level the student shares the grader's uid and view: it could reach
    a zygote, so each student process is a new interpreter."""
    assert not zygote.usable(levels.BASELINE)
    request = LoadRequest("neuron", "neuron.py", ["x = 1"], b"x = 1")
    process = StudentProcess(request, Limits(), levels.BASELINE)
    try:
        process.start()
        assert not isinstance(process.proc, zygote.ForkedChild)
    finally:
        process.close()


@FORKED
def test_a_dead_zygote_is_replaced():
    """A zygote killed between two submissions: the next student process is forked from
    a new one, and its exit status still arrives."""
    old = zygote.zygote()
    os.kill(old.proc.pid, 9)
    old.proc.wait(timeout=5)
    live, student = session("def value():\n    return 2\n")
    try:
        assert student.value() == 2
        assert zygote.zygote().proc.pid != old.proc.pid
    finally:
        live.close()


FIRST_PROCESS = """
import json, sys
from grader.api import prepare_isolation
from grader.sandbox import zygote
from grader.sandbox.limits import Limits, LoadRequest
from grader.sandbox.process import StudentProcess
level = prepare_isolation(many=sys.argv[1] == "many")
started_early = bool(zygote.zygote_pids())
process = StudentProcess(LoadRequest("neuron", "neuron.py", ["x = 1"], b"x = 1"), Limits(), level)
try:
    process.start()
    print(json.dumps([started_early, isinstance(process.proc, zygote.ForkedChild)]))
finally:
    process.close()
"""


@FORKED
@pytest.mark.parametrize("many, expected", [("many", [True, True]), ("one", [False, False])])
def test_a_batch_worker_forks_its_first_student_too(many, expected):
    """A process that says it will grade many submissions (a batch worker) starts its zygote
    at once and forks its first student process from it; a one-off grading starts a new
    interpreter for its first (its start-up overlaps with pytest's collection)."""
    result = subprocess.run([sys.executable, "-c", FIRST_PROCESS, many],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected
