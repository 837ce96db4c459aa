"""The student process (``grader.sandbox.process``): real student processes, at the level
``grade()`` would use, running small inline programs that attack the protocol from the
other end, and the limits and environment they get."""

import time

import numpy as np
import pytest

from grader.errors import StudentCrash, StudentTimeout, StudentUnavailable
from grader.grading.proxy import StudentModule
from grader.grading.session import Session
from grader.sandbox import levels
from grader.sandbox.limits import Limits, LoadRequest
from grader.sandbox.process import _read_capped

LEVEL = levels.detect()


def test_captured_output_is_read_truncated(tmp_path):
    """Only the first `cap` bytes of the child's output are read, with a note; invalid
    UTF-8 is replaced, never an error."""
    path = tmp_path / "stdout"
    path.write_bytes(b"\xff" + b"x" * 100_000)
    text = _read_capped(path, 1000)
    assert len(text) < 1100 and "truncated at 1000 bytes" in text
    assert _read_capped(tmp_path / "missing", 10) == ""


def session(code: str, limits: Limits | None = None) -> tuple[Session, StudentModule]:
    """A student session (at the level grade() would use) running ``code`` as neuron.py."""
    request = LoadRequest("neuron", "neuron.py", [code], code.encode())
    live = Session(request, limits or Limits(timeout=5, load_timeout=20), LEVEL)
    return live, StudentModule(live, "neuron")


FORGE_LOAD_REPLY = """
import sys, time, wire
wire.write_frame(int(sys.argv[2]), {"ok": True,
                 "value": wire.encode_value({"errors": [], "names": []}, [])})
"""


def test_deadline_holds_when_the_child_stops_reading_requests():
    """A child that answers the load with a forged reply and then never reads again: a
    16 MB request cannot be written, and the call still ends at its deadline."""
    live, student = session(FORGE_LOAD_REPLY + "time.sleep(60)\n", Limits(timeout=1))
    try:
        start = time.monotonic()
        with pytest.raises(StudentTimeout):
            student.anything(np.zeros(2_000_000))
        assert time.monotonic() - start < 5
    finally:
        live.close()


def test_deadline_holds_when_a_reply_is_cut_short():
    """A child that sends half a frame and stops: loading ends at its deadline."""
    code = "import os, sys, time\nos.write(int(sys.argv[2]), b'\\x64\\x00\\x00\\x00{\"ok\": tr')\n"
    live, student = session(code + "time.sleep(60)\n", Limits(timeout=1, load_timeout=1))
    try:
        start = time.monotonic()
        with pytest.raises(StudentUnavailable, match="could not be loaded.*longer than 1 s"):
            student.anything()
        assert time.monotonic() - start < 5
    finally:
        live.close()


def test_reply_announcing_a_huge_blob_is_refused_at_once():
    """A reply whose header announces a 1 TB blob is refused without waiting for it."""
    code = (
        "import os, sys, json, struct\n"
        "def f():\n"
        "    head = json.dumps({'ok': True, 'value': None, 'blobs': [10**12]}).encode()\n"
        "    os.write(int(sys.argv[2]), struct.pack('<I', len(head)) + head)\n"
        "    import time; time.sleep(60)\n"
    )
    live, student = session(code)
    try:
        start = time.monotonic()
        with pytest.raises(StudentCrash, match="invalid reply"):
            student.f()
        assert time.monotonic() - start < 3
    finally:
        live.close()


def test_reply_with_too_many_items_is_refused():
    """A list of 200 000 numbers is refused (too many items), and the next call works in a
    fresh student process."""
    live, student = session("def f():\n    return [0.5] * 200_000\ndef g():\n    return 7\n")
    try:
        with pytest.raises(StudentCrash, match="too large"):
            student.f()
        assert student.g() == 7
    finally:
        live.close()


PROBE = """
import os, resource
def environment():
    return dict(os.environ)
def streams():
    return [os.readlink(f"/proc/self/fd/{fd}") for fd in (0, 1, 2)]
def limits():
    names = ["RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_CORE",
             "RLIMIT_NPROC"]
    return {name: list(resource.getrlimit(getattr(resource, name))) for name in names}
"""


def test_child_environment_and_streams():
    """The child's environment is the scrubbed one (no variable of the grader), its stdin
    is /dev/null, and its stdout/stderr are capture files, not the protocol pipes."""
    live, student = session(PROBE)
    try:
        env = student.environment()
        assert set(env) <= {
            "PATH", "HOME", "LANG", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
        }  # fmt: skip
        stdin, stdout, stderr = student.streams()
        assert stdin == "/dev/null"
        assert stdout.endswith("/stdout") and stderr.endswith("/stderr")
    finally:
        live.close()


def test_resource_limits_are_applied():
    """Address space, CPU, file size, open files and core dumps are limited as configured."""
    limits = Limits(memory_mb=900, cpu_seconds=50, file_size_mb=3, open_files=40)
    live, student = session(PROBE, limits)
    try:
        got = student.limits()
    finally:
        live.close()
    assert got["RLIMIT_AS"] == [900 * 2**20] * 2
    assert got["RLIMIT_CPU"][0] == 50
    assert got["RLIMIT_FSIZE"] == [3 * 2**20] * 2
    assert got["RLIMIT_NOFILE"] == [40, 40]
    assert got["RLIMIT_CORE"] == [0, 0]


@pytest.mark.skipif(LEVEL.name != "root", reason=f"root level only (this machine: {LEVEL.name})")
def test_process_count_is_limited_at_the_root_level():
    """At the root level the slot uid gets a process-count limit (64 by default)."""
    live, student = session(PROBE)
    try:
        nproc = student.limits()["RLIMIT_NPROC"]
    finally:
        live.close()
    assert nproc == [64, 64]


HEAP_PROBE = """
import numpy as np

def on_the_heap(n_bytes):
    array = np.empty(n_bytes, dtype=np.uint8)
    address = array.__array_interface__["data"][0]
    with open("/proc/self/maps") as maps:
        for line in maps:
            if line.rstrip().endswith("[heap]"):
                low, high = (int(x, 16) for x in line.split()[0].split("-"))
                return low <= address < high
    return False
"""


@pytest.mark.parametrize("zygote", [True, False], ids=["forked", "started"])
def test_arrays_of_a_training_loop_stay_on_the_heap(zygote, monkeypatch):
    """In a student process (forked from the zygote or started anew) an array of 1 MiB comes
    from the heap, not from a mapping of its own: glibc's default gives each such array back
    to the kernel when freed, and a training loop then faults its memory in again at every
    epoch (a classifier trained 3x slower). Arrays above 4 MiB still get their own mapping."""
    if not zygote:
        monkeypatch.setenv("NEUROGRADE_NO_ZYGOTE", "1")
    live, student = session(HEAP_PROBE)
    try:
        assert student.on_the_heap(1 << 20) is True
        assert student.on_the_heap(3 << 20) is True
        assert student.on_the_heap(8 << 20) is False
    finally:
        live.close()
