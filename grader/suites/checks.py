"""Helpers for the hidden suites: compare a student's answer with the reference's and
fail with a message that teaches.

A failed check raises ``Mismatch`` whose text names the function, the input
(compact), what was expected and what came back (shape, a few values), and a hint
for the misconception it recognises. Hidden test source never appears in it.

Typical use in a suite::

    got = student.softmax(z)
    expect_close("softmax", got, reference.softmax(z), inputs={"z": z},
                 hints=[ROWS_DO_NOT_SUM_TO_ONE, ...])
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from grader.errors import Mismatch, StudentRaised
from grader.grading.proxy import RemoteCallable, RemoteObject
from grader.outputs.report import format_error
from grader.student.wire import Unsupported

RTOL, ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class Hint:
    """A misconception: ``applies(got, expected, inputs)`` says whether ``got`` shows it."""

    applies: Callable[[np.ndarray, np.ndarray, dict], bool]
    text: str


def summarize(value, limit=160) -> str:
    """A short description of a value: type or shape, and a few numbers."""
    if isinstance(value, Unsupported | RemoteObject | RemoteCallable):
        return repr(value)
    if value is None:
        return "None"
    if isinstance(value, np.ndarray | np.generic) or type(value) in (list, tuple, float, int, bool):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return f"a {type(value).__name__} that is not numeric"
        with np.printoptions(precision=5, threshold=8, edgeitems=2, linewidth=limit):
            text = np.array2string(array, separator=", ")
        text = " ".join(text.split())
        if len(text) > limit:
            text = text[: limit - 3] + "..."
        if type(value) in (list, tuple):
            return f"{text} (a {type(value).__name__} of {len(value)})"
        return f"{text} (shape {array.shape})" if array.ndim else text
    text = repr(value)
    return text[: limit - 3] + "..." if len(text) > limit else text


def shape_of(value) -> tuple | None:
    """The shape of a numeric answer, or None when it is not numeric data. Never asks the
    value for its ``.shape``: a remote object can claim any shape it likes."""
    if isinstance(value, Unsupported | RemoteObject | RemoteCallable) or value is None:
        return None
    try:
        return np.asarray(value, dtype=float).shape
    except (TypeError, ValueError):
        return None


def describe_inputs(inputs: dict) -> str:
    return ", ".join(f"{name}={summarize(value, 80)}" for name, value in inputs.items())


NUMERIC_KINDS = "biuf"  # NumPy dtype kinds that are numbers: bool, ints, floats


def not_numeric(value, limit=100_000) -> str:
    """Why ``value`` is not numeric data ("a str", "None", "an array of dtype <U3"), or ""
    when it is: a number, a NumPy number or numeric array, or (nested) lists and tuples
    of those. Checked before any conversion: ``np.asarray("4.8", dtype=float)`` would
    read a string as the number 4.8."""
    todo, seen = [value], 0
    while todo:
        item = todo.pop()
        seen += 1
        if seen > limit:  # wire-decoded data is bounded; this only keeps the walk bounded
            return "a container too large to check"
        kind = type(item)
        if kind in (int, float, bool):
            continue
        if kind in (list, tuple):
            todo.extend(item)
            continue
        if isinstance(item, np.ndarray | np.generic):
            if item.dtype.kind in NUMERIC_KINDS and item.dtype.fields is None:
                continue
            return f"an array of dtype {item.dtype}"
        if isinstance(item, Unsupported | RemoteObject | RemoteCallable):
            return repr(item)  # "<student Pretender object>", "<unsupported value of type ...>"
        return "None" if item is None else f"a {kind.__name__}"
    return ""


def as_numeric(function: str, got, inputs: dict) -> np.ndarray:
    """``got`` as a float array, or a Mismatch if it is not numeric data at all."""
    if isinstance(got, Unsupported | RemoteObject | RemoteCallable) or got is None:
        raise Mismatch(
            f"{function}({describe_inputs(inputs)}) returned {summarize(got)}, "
            "which is not a number or an array of numbers. Return a float or a NumPy array "
            "(check for a missing `return`)."
        )
    problem = not_numeric(got)
    if problem:
        raise Mismatch(
            f"{function}({describe_inputs(inputs)}) returned {summarize(got)}, "
            f"which holds {problem}: not a number or an array of numbers. Return a float or a "
            "NumPy array of floats."
        )
    try:
        return np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise Mismatch(
            f"{function}({describe_inputs(inputs)}) returned {summarize(got)}, "
            "which cannot be read as numbers."
        ) from None


def expect_close(
    function: str,
    got,
    expected,
    inputs: dict,
    hints: Sequence[Hint] = (),
    rtol: float = RTOL,
    atol: float = ATOL,
    what: str = "",
) -> None:
    """Fail unless ``got`` has ``expected``'s shape and values (within tolerance)."""
    expected = np.asarray(expected, dtype=float)
    array = as_numeric(function, got, inputs)
    shape_ok = array.shape == expected.shape
    if shape_ok and np.allclose(array, expected, rtol=rtol, atol=atol, equal_nan=False):
        return
    head = f"{function}({describe_inputs(inputs)})"
    if what:
        head += f": {what}"
    lines = [
        head,
        f"  expected {summarize(expected)}",
        f"  got      {summarize(got)}",
    ]
    if not shape_ok:
        lines.append(f"  The shape is wrong: expected {expected.shape}, got {array.shape}.")
    context = dict(inputs)
    for hint in (*hints, *GENERAL_HINTS):
        try:  # a hint's test may fail on an odd answer (wrong shape): then it does not apply
            applies = bool(hint.applies(array, expected, context))
        except Exception:
            applies = False
        if applies:
            lines.append(f"  Hint: {hint.text}")
            break
    raise Mismatch("\n".join(lines))


def expect_true(condition: bool, message: str) -> None:
    if not condition:
        raise Mismatch(message)


def expect_right_too(function: str, check: Callable[[], None]) -> None:
    """Points only for work: a test of error handling ("raises ValueError") or of untouched
    inputs counts only for a function that also computes. ``check`` is a value test of the
    same function on a valid input (or of the value the test's own call returned); when it
    fails, this test fails too, and says why."""
    lead = f"{function} must also compute the right result on valid input for this test to count"
    try:
        check()
    except Mismatch as exc:
        raise Mismatch(f"{lead}:\n{exc}") from None
    except StudentRaised as exc:
        error = {"type": exc.student_type, "message": str(exc), "frames": list(exc.frames)}
        raise Mismatch(f"{lead}; on valid input it raised {format_error(error)}") from None


def expect_unchanged(function: str, before: dict, after: Sequence, names: Sequence[str]):
    """Fail if the student's function modified one of its array arguments."""
    for name, value in zip(names, after, strict=False):
        original = before[name]
        try:
            same = np.array_equal(np.asarray(value, dtype=float), np.asarray(original, dtype=float))
        except (TypeError, ValueError):
            same = False
        if not same:
            raise Mismatch(
                f"{function} modified its argument `{name}`: it was {summarize(original)} "
                f"and became {summarize(value)}. Work on a copy (e.g. `np.array(x, dtype=float)`) "
                "or build a new array instead of writing into the input."
            )


def _transposed(got, expected, inputs):
    return got.ndim == 2 and got.shape == expected.T.shape and np.allclose(got, expected.T)


def _has_nan(got, expected, inputs):
    return not np.all(np.isfinite(got)) and np.all(np.isfinite(expected))


def _off_by_scale(got, expected, inputs):
    if got.shape != expected.shape or expected.size < 2 or not np.any(expected):
        return False
    ratio = got[expected != 0] / expected[expected != 0]
    return bool(np.allclose(ratio, ratio.flat[0])) and not np.isclose(ratio.flat[0], 1.0)


GENERAL_HINTS = (
    Hint(_transposed, "your result is the transpose of what was asked: check the order of "
                      "the dimensions (rows = samples)."),
    Hint(_has_nan, "your result contains nan or inf where the answer is finite: look for "
                   "an overflow (exp of a large number) or a division by zero."),
    Hint(_off_by_scale, "your values are all off by the same factor: check a constant factor, "
                        "a mean instead of a sum, or a missing division."),
)  # fmt: skip


def call_keeping_args(student, function: str, inputs: dict):
    """Call ``student.<function>(*inputs)``; returns (value, the arguments after the call)."""
    reply = getattr(student, function).call_with_args(list(inputs.values()), return_args=True)
    return reply["value"], reply.get("args_after", [])


def call_watching_numpy(student, function: str, inputs: dict):
    """Call ``student.<function>(*inputs)`` while the student process watches the call for
    NumPy (see runtime.NumpyWatch). Returns (value, what NumPy use it reported, or None
    when it reported none).

    The report comes from the untrusted side: anything but an explicit "no NumPy" counts
    as NumPy, and it may only ever decide the plain-Python points of a call whose value
    the test has found correct. Its description is cut down to a few plain characters.
    """
    reply = getattr(student, function).call_with_args(list(inputs.values()), trace_numpy=True)
    if reply.get("numpy_used") is False:
        return reply["value"], None
    what = reply.get("numpy_what")
    what = re.sub(r"[^\w.,() ']", "", what)[:100].strip() if isinstance(what, str) else ""
    return reply["value"], what or "NumPy"
