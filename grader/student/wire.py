"""The plain-data wire format between the grader and the student process.

Shared by both sides, so it depends on the standard library and NumPy only (the
student process imports it from a private copy, never from the grader package).

A frame is ``u32 header length | JSON header | blob 0 | blob 1 | ...``. The header
is JSON; every NumPy array travels as a ``.npy`` blob whose length the header
states. Values are encoded as a small tagged tree:

    None, bool, int, float, str          as themselves
    {"t": "list" | "tuple", "v": [...]}  sequences
    {"t": "dict", "v": [[key, value]]}   dicts with str keys
    {"t": "nd", "b": i}                  a numeric array in blob i
    {"t": "ns", "d": dtype, "v": number} a NumPy scalar (float64, int32, bool_, ...)
    {"t": "ref", "id": n, "kind": k, "type": name}  an object that stays in the child
    {"t": "unsupported", "type": name}   anything else

Decoding (``decode_value``) is written for hostile input: every tag, dtype, shape,
size and depth is checked before anything is allocated, and ``np.load`` runs with
``allow_pickle=False``. Nothing is ever unpickled or evaluated.
"""

import io
import json
import math
import os
import re
import struct

import numpy as np

MAX_FRAME_BYTES = 256 * 1024 * 1024  # default cap on one message
MAX_DEPTH = 32
MAX_ITEMS = 100_000  # nodes in one decoded value tree
NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float (complex is not a course answer)
_HEADER = struct.Struct("<I")
_BLOB = struct.Struct("<Q")


class WireError(Exception):
    """The other side sent something that is not a valid message."""


# ---------------------------------------------------------------- framing


def encode_frame(header, blobs=()):
    """One message as bytes: a JSON-able ``header`` dict plus a list of byte blobs."""
    header = dict(header, blobs=[len(b) for b in blobs])
    head = json.dumps(header, allow_nan=True, separators=(",", ":")).encode()
    return b"".join([_HEADER.pack(len(head)), head, *blobs])


def write_frame(fd, header, blobs=()):
    """Send one message on a blocking file descriptor."""
    view = memoryview(encode_frame(header, blobs))
    while view:
        view = view[os.write(fd, view) :]


class FrameReader:
    """Reassembles frames from a byte stream, enforcing size limits as it goes."""

    def __init__(self, max_bytes=MAX_FRAME_BYTES):
        self.max_bytes = max_bytes
        self.buffer = bytearray()

    def feed(self, data):
        self.buffer += data
        if len(self.buffer) > self.max_bytes + 1024 * 1024:
            raise WireError(f"message larger than the limit of {self.max_bytes} bytes")

    def next_frame(self):
        """A complete (header, blobs) from the buffer, or None if more bytes are needed."""
        if len(self.buffer) < _HEADER.size:
            return None
        (head_len,) = _HEADER.unpack_from(self.buffer)
        if head_len > min(self.max_bytes, 64 * 1024 * 1024):
            raise WireError(f"message header of {head_len} bytes is too large")
        end = _HEADER.size + head_len
        if len(self.buffer) < end:
            return None
        try:
            header = json.loads(bytes(self.buffer[_HEADER.size : end]))
        except (ValueError, RecursionError) as exc:
            raise WireError(f"message header is not valid JSON ({type(exc).__name__})") from None
        if not isinstance(header, dict):
            raise WireError("message header is not a JSON object")
        lengths = header.get("blobs", [])
        if not isinstance(lengths, list) or not all(
            type(n) is int and 0 <= n <= self.max_bytes for n in lengths
        ):
            raise WireError("message blob lengths are invalid")
        total = end + sum(lengths)
        if total > self.max_bytes:
            raise WireError(f"message of {total} bytes is larger than the limit")
        if len(self.buffer) < total:
            return None
        blobs, offset = [], end
        for n in lengths:
            blobs.append(bytes(self.buffer[offset : offset + n]))
            offset += n
        del self.buffer[:total]
        return header, blobs


# ---------------------------------------------------------------- arrays


def array_to_npy(array):
    """A numeric ndarray as .npy bytes (version 1.0, C order): byte for byte what
    ``np.save(..., allow_pickle=False)`` writes, without its cost per call (a message
    carries many small arrays)."""
    array = np.array(array, order="C", copy=None)
    if array.dtype.kind not in NUMERIC_KINDS or array.dtype.fields is not None:
        buffer = io.BytesIO()  # not sent (encode_value refuses it), kept for completeness
        np.save(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    shape = repr(tuple(array.shape))
    text = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {shape}, }}"
    # numpy's padding: room to grow the first dimension, then spaces up to (never at) a
    # 64-byte boundary for the data, then a newline
    if array.shape:
        text += " " * (21 - len(repr(array.shape[0])))
    text += " " * (64 - (_NPY_PREFIX_1_0 + len(text) + 1) % 64) + "\n"
    if len(text) > 0xFFFF:  # a header only a 10,000-dimension array would need
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    return b"".join([_NPY_MAGIC_1_0, _NPY_LEN_1_0.pack(len(text)), text.encode("ascii"),
                     array.tobytes()])  # fmt: skip


_NPY_MAGIC_1_0 = b"\x93NUMPY\x01\x00"
_NPY_LEN_1_0 = struct.Struct("<H")
_NPY_PREFIX_1_0 = len(_NPY_MAGIC_1_0) + _NPY_LEN_1_0.size
# The header numpy writes for a numeric array, read without evaluating anything: any other
# header goes to numpy's own reader (which parses it with ast.literal_eval, 0.2 ms a time).
_NPY_HEADER = re.compile(
    rb"\{'descr': '([<>|=][biuf][1-9][0-9]?)', 'fortran_order': (True|False), "
    rb"'shape': \(((?:[0-9]{1,18}, )*(?:[0-9]{1,18},?)?)\), \} *\n"
)


def _read_npy_header(blob):
    """(shape, fortran_order, dtype, data offset) of .npy bytes, or None when the header is
    not the plain form numpy writes for a numeric array."""
    if blob[:8] != _NPY_MAGIC_1_0 or len(blob) < _NPY_PREFIX_1_0:
        return None
    (length,) = _NPY_LEN_1_0.unpack_from(blob, 8)
    match = _NPY_HEADER.fullmatch(blob, _NPY_PREFIX_1_0, _NPY_PREFIX_1_0 + length)
    if match is None:
        return None
    descr, fortran, dims = match.groups()
    shape = tuple(int(n) for n in dims.split(b",") if n.strip())
    return shape, fortran == b"True", np.dtype(descr.decode("ascii")), _NPY_PREFIX_1_0 + length


def npy_to_array(blob, max_bytes=MAX_FRAME_BYTES):
    """Load .npy bytes from an untrusted source: numeric dtypes only, size checked first."""
    try:
        shape, fortran, dtype, offset = _read_npy_header(blob) or _read_npy_header_slowly(blob)
    except (ValueError, TypeError) as exc:
        raise WireError(f"invalid array header: {exc}") from None
    if dtype.hasobject or dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
        raise WireError(f"array of dtype {dtype} is not a numeric array")
    if not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 32:
        raise WireError(f"invalid array shape {shape!r}")
    count = math.prod(shape)
    expected = count * dtype.itemsize
    if expected > max_bytes or expected != len(blob) - offset:
        raise WireError(
            f"array header claims shape {shape} ({expected} bytes) "
            f"but {len(blob) - offset} bytes were sent"
        )
    array = np.frombuffer(blob, dtype=dtype, count=count, offset=offset)
    array = array.reshape(shape, order="F" if fortran else "C")
    return array.copy()  # writable, and detached from the message buffer


def _read_npy_header_slowly(blob):
    """numpy's own reading of a .npy header (any version and form it accepts)."""
    stream = io.BytesIO(blob)
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise WireError(f"unsupported .npy version {version}")
    return shape, fortran, dtype, stream.tell()


# ---------------------------------------------------------------- values


def encode_value(value, blobs, make_ref=None, depth=0):
    """Encode ``value`` into a JSON-able tree, appending array bytes to ``blobs``.

    ``make_ref(obj)`` turns an object that must stay on this side (a student class
    instance, a function) into a reference id; without it such objects are
    reported as unsupported.
    """
    if depth >= MAX_DEPTH:  # the leaf itself sits at MAX_DEPTH, which the decoder accepts
        return {"t": "unsupported", "type": "nesting too deep"}
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value
    if kind in (list, tuple):
        items = [encode_value(v, blobs, make_ref, depth + 1) for v in value]
        return {"t": kind.__name__, "v": items}
    if kind is dict and all(type(k) is str for k in value):
        items = [[k, encode_value(v, blobs, make_ref, depth + 1)] for k, v in value.items()]
        return {"t": "dict", "v": items}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        # A NumPy scalar travels as a JSON number with its dtype: a list of thousands of
        # them (a loss history) must not become thousands of .npy blobs.
        if value.dtype.name in _SCALAR_DTYPES:
            return {"t": "ns", "d": value.dtype.name, "v": value.item()}
    if kind is np.ndarray or isinstance(value, np.generic) and type(value).__module__ == "numpy":
        array = np.asarray(value)  # other scalars (longdouble) go as a 0-d array
        if array.dtype.kind in NUMERIC_KINDS and array.dtype.fields is None:
            blobs.append(array_to_npy(array))
            return {"t": "nd", "b": len(blobs) - 1}
        return {"t": "unsupported", "type": f"ndarray of dtype {array.dtype}"}
    if make_ref is not None and (callable(value) or _is_user_instance(value)):
        kind_name = "callable" if callable(value) and not _is_user_instance(value) else "object"
        return {"t": "ref", "id": make_ref(value), "kind": kind_name, "type": _type_name(value)}
    return {"t": "unsupported", "type": _type_name(value)}


def _is_user_instance(value):
    return type(value).__module__ not in ("builtins", "numpy") and not isinstance(value, type)


def _type_name(value):
    try:
        return str(type(value).__qualname__)[:80]
    except Exception:  # a hostile metaclass may raise anything
        return "?"


def decode_value(node, blobs, make_ref=None, limits=None):
    """Rebuild a value from an encoded tree sent by the other side.

    ``make_ref(id, kind, type_name)`` builds the local stand-in for a remote object;
    ``limits`` is a one-element list counting nodes (shared across one message).
    """
    limits = [0] if limits is None else limits
    return _decode(node, blobs, make_ref, limits, 0)


def _decode(node, blobs, make_ref, limits, depth):
    limits[0] += 1
    if limits[0] > MAX_ITEMS or depth > MAX_DEPTH:
        raise WireError("value too large or too deeply nested")
    if node is None or type(node) in (bool, int, float):
        return node
    if type(node) is str:
        return node
    if type(node) is not dict:
        raise WireError(f"unexpected JSON value of type {type(node).__name__}")
    tag = node.get("t")
    if tag in ("list", "tuple"):
        items = node.get("v")
        if type(items) is not list:
            raise WireError("malformed sequence")
        values = [_decode(v, blobs, make_ref, limits, depth + 1) for v in items]
        return values if tag == "list" else tuple(values)
    if tag == "dict":
        items = node.get("v")
        if type(items) is not list or not all(
            type(p) is list and len(p) == 2 and type(p[0]) is str for p in items
        ):
            raise WireError("malformed dict")
        return {k: _decode(v, blobs, make_ref, limits, depth + 1) for k, v in items}
    if tag == "nd":
        index = node.get("b")
        if type(index) is not int or not 0 <= index < len(blobs):
            raise WireError("array refers to a missing blob")
        return npy_to_array(blobs[index])
    if tag == "ns":
        name, number = node.get("d"), node.get("v")
        if name not in _SCALAR_DTYPES or type(number) not in (bool, int, float):
            raise WireError("malformed NumPy scalar")
        try:
            return _SCALAR_DTYPES[name](number)
        except (OverflowError, ValueError):
            raise WireError(f"NumPy scalar out of range for {name}") from None
    if tag == "ref":
        ref_id, kind = node.get("id"), node.get("kind")
        type_name = node.get("type")
        if type(ref_id) is not int or kind not in ("callable", "object"):
            raise WireError("malformed object reference")
        type_name = type_name[:80] if type(type_name) is str else "?"
        if make_ref is None:
            return Unsupported(type_name)
        return make_ref(ref_id, kind, type_name)
    if tag == "unsupported":
        type_name = node.get("type")
        return Unsupported(type_name[:80] if type(type_name) is str else "?")
    raise WireError(f"unknown value tag {str(tag)[:40]!r}")


_SCALAR_DTYPES = {
    np.dtype(code).name: np.dtype(code).type
    for code in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "float16", "float32", "float64")
}  # fmt: skip


class Unsupported:
    """Stands for a value of a type the wire does not carry (never equal to anything)."""

    __slots__ = ("type_name",)

    def __init__(self, type_name):
        self.type_name = type_name

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = None

    def __repr__(self):
        return f"<unsupported value of type {self.type_name}>"
