"""The wire format (``grader/student/wire.py``): hand-made hostile bytes fed to the decoder
the grader uses on everything the student process sends. Nothing it claims may be allocated
before it is checked, and nothing but plain numeric data may come out."""

import io
import json
import struct
import tracemalloc
import warnings

import numpy as np
import pytest

from grader.student import wire
from grader.student.wire import FrameReader, Unsupported, WireError


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


def numpy_form(shape, descr="<f8", payload=b"", fortran="False"):
    """A .npy blob whose header is written exactly as numpy writes one (the form the wire's
    fast reader accepts), whatever it claims."""
    head = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape!r}, }}".encode()
    head += b" " * (64 - (10 + len(head) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head + payload


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12.0).reshape(3, 4), np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        np.arange(10)[::3], np.array(2.5), np.float16(1), np.uint8(7), np.zeros((0, 3), bool),
        np.zeros((3, 1), ">i4"), np.ones((1,) * 20, np.float32), np.arange(6).reshape(3, 2).T,
    ],
    ids=["float", "fortran", "strided", "0-d", "float16", "uint8", "empty-bool", "big-endian",
         "20-d", "transposed"],
)  # fmt: skip
def test_arrays_are_written_byte_for_byte_as_numpy_saves_them(array):
    """The wire writes an array's .npy bytes itself (np.save costs 20 us a call): they are
    exactly np.save's (C order), and read back through the fast header reader."""
    blob = wire.array_to_npy(array)
    assert blob == saved(np.array(array, order="C", copy=None))
    assert wire._read_npy_header(blob) is not None
    back = wire.npy_to_array(blob)
    assert back.dtype == np.asarray(array).dtype and np.array_equal(back, array)


@pytest.mark.parametrize(
    "blob",
    [
        numpy_form((10**11,), payload=b"\0" * 64),
        numpy_form((2**62, 2**62), payload=b"\0" * 64),
        numpy_form((4,), payload=b"\0" * 31),
        numpy_form((2,), descr="|O", payload=b"\0" * 16),
        numpy_form((2,), descr="<c16", payload=b"\0" * 32),
        numpy_form((2,), descr="<f3", payload=b"\0" * 6),
        numpy_form((2,), descr="<b8", payload=b"\0" * 16),
        numpy_form((2,), fortran="__import__('os')", payload=b"\0" * 16),
        numpy_form("(2,)'); import os; ('", payload=b"\0" * 16),
    ],
    ids=["huge", "huge-2d", "short", "object", "complex", "no-such-float", "no-such-bool",
         "code-as-order", "code-in-shape"],
)  # fmt: skip
def test_forged_headers_in_numpys_own_form_are_rejected(blob):
    """A header written in numpy's exact form (the fast reader's) that claims too much, a
    dtype that is not a plain number, or carries code is refused like any other."""
    with pytest.raises(WireError):
        wire.npy_to_array(blob)


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
