"""Edge cases of the sandbox's parts: the wire format, the student process, the isolation levels.

The wire tests feed hand-made hostile bytes to the decoder the grader uses on everything
the student process sends: nothing it claims may be allocated before it is checked, and
nothing but plain numeric data may come out. The process tests start real student
processes (at the level ``grade()`` would use) running small inline programs that attack
the protocol from the other end.
"""

import io
import json
import os
import shutil
import struct
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest

from grader import isolation, sandbox
from grader.course import PROJECT_ROOT
from grader.errors import IsolationError, StudentCrash, StudentTimeout, StudentUnavailable
from grader.proxy import RemoteObject, Session, StudentModule
from grader.sandbox import Limits, LoadRequest, _read_capped, runtime_dir
from grader.student import wire
from grader.student.wire import FrameReader, Unsupported, WireError

LEVEL = isolation.detect()


def npy(shape, descr="<f8", payload=b"", version=(1, 0)):
    """A .npy file whose header says ``shape``/``descr``, followed by ``payload`` (forged)."""
    head = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    prefix = 10 if version == (1, 0) else 12
    head += b" " * (63 - (prefix + len(head)) % 64) + b"\n"
    size = struct.pack("<H" if version == (1, 0) else "<I", len(head))
    return b"\x93NUMPY" + bytes(version) + size + head + payload


def saved(array, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def frame(header: dict, blobs=()) -> bytes:
    """A frame with the blob lengths the header states (which may lie)."""
    head = json.dumps(header).encode()
    return struct.pack("<I", len(head)) + head + b"".join(blobs)


# ------------------------------------------------------------------ .npy blobs


@pytest.mark.parametrize("shape", [(10**11,), (2**62, 2**62), (10**6, 10**6, 10**6)])
def test_forged_npy_header_with_a_huge_shape_is_rejected_before_allocation(shape):
    """A header claiming far more data than was sent is refused before anything is
    allocated (a plain np.load would try to allocate the claimed size first)."""
    tracemalloc.start()
    try:
        with pytest.raises(WireError, match="claims shape"):
            wire.npy_to_array(npy(shape, payload=b"\0" * 64))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024


@pytest.mark.parametrize(
    "blob",
    [
        saved(np.array([1, "x", None], dtype=object), allow_pickle=True),
        saved(np.zeros(3, dtype=[("a", "<f8"), ("b", "<i4")])),
        saved(np.array(["abc", "de"])),
        saved(np.array([1 + 2j])),
        saved(np.array(["2024-01-01"], dtype="datetime64[D]")),
        saved(np.zeros(2, dtype="V8")),
    ],
    ids=["object", "structured", "unicode", "complex", "datetime", "void"],
)
def test_non_numeric_npy_dtypes_are_rejected(blob):
    """Object arrays (which would need unpickling), structured, string, complex, datetime
    and raw-bytes arrays are not numeric answers: refused."""
    with pytest.raises(WireError):
        wire.npy_to_array(blob)


@pytest.mark.parametrize(
    "blob, why",
    [
        (npy((4,), payload=b"\0" * 31), "one byte short"),
        (npy((4,), payload=b"\0" * 33), "one byte too many"),
        (npy((-1,), payload=b""), "negative dimension"),
        (npy((2,), payload=b"\0" * 16, version=(3, 0)), "unknown .npy version"),
        (b"\x93NUMPY\x01\x00\xff\xff{", "header length beyond the data"),
        (b"not an npy file at all", "no magic"),
        (b"", "empty"),
    ],
)
def test_malformed_npy_blobs_are_rejected(blob, why):
    """Payloads that do not match their header, odd shapes, unknown versions and
    garbage raise WireError (never a crash of the decoder)."""
    with pytest.raises(WireError):
        wire.npy_to_array(blob)


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12.0).reshape(3, 4),
        np.asfortranarray(np.arange(6).reshape(2, 3)),
        np.array([True, False]),
        np.float32(1.5),
        np.zeros((0, 3)),
    ],
    ids=["float", "fortran-int", "bool", "float32-scalar", "empty"],
)
def test_numeric_arrays_round_trip_as_writable_copies(array):
    """Plain numeric arrays cross unchanged, as writable arrays of their own."""
    blob = wire.array_to_npy(array)
    back = wire.npy_to_array(blob)
    assert back.dtype == np.asarray(array).dtype and np.array_equal(back, array)
    assert back.flags.writeable and back.flags.owndata


# ------------------------------------------------------------------ frames


def test_frame_over_the_size_limit_is_rejected_as_soon_as_its_header_is_read():
    """A frame whose header announces more bytes than allowed is refused at once, before
    its payload arrives (the grader never waits for, nor buffers, 1 TB)."""
    reader = FrameReader(max_bytes=1000)
    reader.feed(frame({"ok": True, "blobs": [999, 999]}))
    with pytest.raises(WireError, match="larger than the limit"):
        reader.next_frame()
    reader = FrameReader(max_bytes=1000)
    reader.feed(frame({"ok": True, "blobs": [10**12]}))
    with pytest.raises(WireError, match="invalid"):
        reader.next_frame()


def test_flood_of_bytes_is_refused_while_it_arrives():
    """Bytes beyond the limit (plus a small slack) raise while feeding, so a reader never
    holds more than that in memory."""
    reader = FrameReader(max_bytes=1000)
    with pytest.raises(WireError):
        for _ in range(2000):
            reader.feed(b"\0" * 1024)
    assert len(reader.buffer) <= 1000 + 1024 * 1024 + 1024


@pytest.mark.parametrize(
    "data",
    [
        struct.pack("<I", 2**31 - 1) + b"{",
        struct.pack("<I", 9) + b"not json!",
        frame([1, 2, 3]),
        frame({"blobs": [-1]}),
        frame({"blobs": [True]}),
        frame({"blobs": [1.5]}),
        frame({"blobs": "12"}),
    ],
    ids=["huge-header", "not-json", "not-object", "negative", "bool", "float", "str"],
)
def test_malformed_frames_are_rejected(data):
    """Invalid JSON, a header that is not an object, bad blob lengths or a 2 GB header
    length raise WireError."""
    reader = FrameReader()
    reader.feed(data)
    with pytest.raises(WireError):
        reader.next_frame()


def test_frame_cut_short_waits_for_the_rest():
    """A frame whose bytes have not all arrived yields nothing yet, then the whole frame."""
    data = frame({"ok": True, "blobs": [3]}, [b"abc"])
    reader = FrameReader()
    reader.feed(data[:-1])
    assert reader.next_frame() is None
    reader.feed(data[-1:])
    header, blobs = reader.next_frame()
    assert header["ok"] is True and blobs == [b"abc"]


def test_deeply_nested_json_header_is_rejected_not_a_crash():
    """A header nested 100 000 levels deep (json's recursion) is a WireError."""
    reader = FrameReader()
    head = b"[" * 100_000 + b"]" * 100_000
    reader.feed(struct.pack("<I", len(head)) + head)
    with pytest.raises(WireError):
        reader.next_frame()


# ------------------------------------------------------------------ value trees


def test_value_trees_too_large_or_too_deep_are_rejected():
    """More than MAX_ITEMS nodes, or deeper than MAX_DEPTH, raises WireError."""
    flat = {"t": "list", "v": [0.5] * (wire.MAX_ITEMS + 1)}
    with pytest.raises(WireError, match="too large"):
        wire.decode_value(flat, [])
    deep = 1.0
    for _ in range(wire.MAX_DEPTH + 2):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(WireError, match="too deeply"):
        wire.decode_value(deep, [])


@pytest.mark.parametrize(
    "node",
    [
        {"t": "pickle", "v": "gASV"},
        {"t": "nd", "b": 0},
        {"t": "nd", "b": "0"},
        {"t": "dict", "v": [[1, 2]]},
        {"t": "list", "v": "abc"},
        {"t": "ref", "id": "1", "kind": "object"},
        {"t": "ref", "id": 1, "kind": "module"},
        ["a", "bare", "list"],
    ],
)
def test_malformed_value_nodes_are_rejected(node):
    """Unknown tags, missing blobs, bad dicts, sequences and references raise WireError."""
    with pytest.raises(WireError):
        wire.decode_value(node, [])


@pytest.mark.parametrize(
    "node",
    [
        {"t": "ns", "d": "object", "v": 1},
        {"t": "ns", "d": "complex128", "v": 1.0},
        {"t": "ns", "d": "float64", "v": "4.8"},
        {"t": "ns", "d": "float64", "v": [4.8]},
        {"t": "ns", "d": "uint8", "v": 300},
        {"t": "ns", "d": "int64", "v": 2**70},
    ],
    ids=["object", "complex", "str", "list", "uint8-overflow", "int64-overflow"],
)
def test_malformed_numpy_scalars_are_rejected(node):
    """A NumPy scalar must name a numeric dtype and carry a number that fits it."""
    with pytest.raises(WireError):
        wire.decode_value(node, [])


def test_numpy_scalars_keep_their_dtype():
    """NumPy scalars cross as themselves, dtype included."""
    for value in (np.float32(1.5), np.int8(-3), np.bool_(True), np.float64(4.8)):
        back = wire.decode_value(wire.encode_value(value, []), [])
        assert type(back) is type(value) and back == value


def test_long_double_scalar_crosses_the_wire():
    """np.longdouble is a numeric scalar like the others: it crosses (as some float)."""
    blobs: list = []
    back = wire.decode_value(wire.encode_value(np.longdouble(1.5), blobs), blobs)
    assert back == 1.5


def test_references_without_a_session_are_unsupported():
    """A reference the decoder cannot resolve becomes an Unsupported value, never an object."""
    value = wire.decode_value({"t": "ref", "id": 3, "kind": "object", "type": "X" * 500}, [])
    assert isinstance(value, Unsupported) and len(value.type_name) <= 80


class _Float(float):
    pass


with warnings.catch_warnings():  # np.matrix is deprecated, which is the point
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    MATRIX = np.matrix([[1.0, 2.0]])


class _Array(np.ndarray):
    pass


@pytest.mark.parametrize(
    "value",
    [
        _Float(1.0),
        np.arange(3.0).view(_Array),
        MATRIX,
        np.array([1, "x"], dtype=object),
        np.zeros(2, dtype=[("a", float)]),
        {1: 2.0},
        b"bytes",
        1 + 2j,
        range(3),
    ],
    ids=["float-subclass", "ndarray-subclass", "matrix", "object", "struct", "int-key", "bytes",
         "complex", "range"],
)  # fmt: skip
def test_odd_types_are_encoded_as_unsupported(value):
    """The student side encodes anything but plain data as "unsupported" (without a
    reference table), so it crosses as an Unsupported value, never as data."""
    blobs: list = []
    node = wire.encode_value(value, blobs)
    assert node["t"] == "unsupported" and blobs == []
    assert isinstance(wire.decode_value(node, blobs), Unsupported)


def test_nesting_deeper_than_the_limit_is_cut_off_when_encoding():
    """A list nested deeper than MAX_DEPTH is encoded with an "unsupported" leaf."""
    value: list = [1.0]
    for _ in range(wire.MAX_DEPTH + 5):
        value = [value]
    decoded = wire.decode_value(wire.encode_value(value, []), [])
    depth = 0
    while isinstance(decoded, list):
        decoded, depth = decoded[0], depth + 1
    assert isinstance(decoded, Unsupported) and depth == wire.MAX_DEPTH


def test_unsupported_is_never_equal_to_anything():
    """Unsupported compares unequal to everything, itself included, from either side,
    also through NumPy and pytest.approx, and cannot be hashed."""
    value = Unsupported("Cheat")
    for other in (value, Unsupported("Cheat"), 4.8, np.float64(4.8), None, "4.8", [4.8]):
        assert not value == other
        assert value != other
        assert not other == value
    assert not bool(np.float64(4.8) == value)
    assert not pytest.approx(4.8) == value
    with pytest.raises(TypeError):
        hash(value)
    with pytest.raises(TypeError):
        np.allclose(value, 4.8)


def test_remote_objects_equal_only_themselves():
    """A stand-in for an object of the student process equals nothing but itself."""
    remote = RemoteObject(None, 0, 1, "Cheat")
    assert remote == remote
    assert not remote == 4.8 and not 4.8 == remote and not remote == RemoteObject(None, 0, 1, "X")


# ------------------------------------------------------------------ helpers of the sandbox


def test_captured_output_is_read_truncated(tmp_path):
    """Only the first `cap` bytes of the child's output are read, with a note; invalid
    UTF-8 is replaced, never an error."""
    path = tmp_path / "stdout"
    path.write_bytes(b"\xff" + b"x" * 100_000)
    text = _read_capped(path, 1000)
    assert len(text) < 1100 and "truncated at 1000 bytes" in text
    assert _read_capped(tmp_path / "missing", 10) == ""


def test_isolation_levels_are_never_silently_lowered():
    """Asking for, or requiring, a level above what the machine allows is refused."""
    available = isolation.LEVELS.index(LEVEL.name)
    for index, name in enumerate(isolation.LEVELS):
        if index > available:
            with pytest.raises(IsolationError):
                isolation.choose(requested=name)
            with pytest.raises(IsolationError):
                isolation.choose(required=name)
        else:
            assert isolation.choose(required=name).name == LEVEL.name
            if name == "userns" and os.geteuid() == 0:
                continue  # refused to root on purpose: test_userns_level_is_refused_to_root
            assert isolation.choose(requested=name).name == name


def test_allowlist_keeps_numpy_and_nothing_of_the_project():
    """The student's root is made of the standard library (its package folders emptied),
    NumPy, the runtime and the system library folder: no project file, no package folder
    but NumPy's own, nothing of /etc but the loader's cache."""
    plan = isolation.allowlist(runtime_dir())
    kept = [Path(p) for p in (*plan.folders, *plan.files)]
    numpy_dir = Path(np.__file__).resolve().parent
    assert numpy_dir in kept
    project = PROJECT_ROOT.resolve()
    # (NumPy itself may sit in a virtualenv inside the project, as in CI.)
    numpy_folders = {numpy_dir, numpy_dir.parent / "numpy.libs"}
    inside = [k for k in kept if k == project or project in k.parents]
    assert set(inside) <= numpy_folders, inside
    assert not [k for k in kept if k.name in ("site-packages", "dist-packages")]
    assert [k for k in kept if Path("/etc") in k.parents] == [Path("/etc/ld.so.cache")]
    stdlib = Path(isolation.sysconfig.get_paths()["stdlib"]).resolve()
    packages = [p for p in stdlib.glob("*-packages") if p.is_dir()]
    assert all(str(p) in plan.empty for p in packages)


# ------------------------------------------------------------------ real student processes


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


def test_a_squatted_runtime_folder_is_not_used(tmp_path, monkeypatch):
    """Someone else's folder under the runtime's name (the temporary folder is shared) is
    never used: the grader makes a private copy instead of running code it did not write."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(sandbox, "_RUNTIME", [])  # forget this process's choice
    honest = runtime_dir()
    assert honest.parent == tmp_path
    shutil.rmtree(honest)
    honest.mkdir()
    (honest / "runtime.py").write_text("raise SystemExit('squatter')\n")
    (honest / "wire.py").write_text("")
    sandbox._RUNTIME.clear()
    chosen = runtime_dir()
    assert chosen != honest
    assert (chosen / "runtime.py").read_bytes() != b"raise SystemExit('squatter')\n"
