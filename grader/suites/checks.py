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

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from grader.proxy import RemoteCallable, RemoteObject
from grader.student.wire import Unsupported
from grader.submission import find_function

RTOL, ATOL = 1e-6, 1e-9


class Mismatch(AssertionError):
    """A check failed; the message is written for the student."""

    teaching = True  # the plugin shows this message as it is


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


def as_numeric(function: str, got, inputs: dict) -> np.ndarray:
    """``got`` as a float array, or a Mismatch if it is not numeric data at all."""
    if isinstance(got, Unsupported | RemoteObject | RemoteCallable) or got is None:
        raise Mismatch(
            f"{function}({describe_inputs(inputs)}) returned {summarize(got)}, "
            "which is not a number or an array of numbers. Return a float or a NumPy array "
            "(check for a missing `return`)."
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


def numpy_names_used(node) -> list[str]:
    """Names in a function's body that reach NumPy (``np.x``, ``numpy.x``, an import of it)."""

    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in ("np", "numpy"):
            found.append(sub.id)
        elif isinstance(sub, ast.Import | ast.ImportFrom):
            modules = [a.name for a in sub.names] + [getattr(sub, "module", None) or ""]
            found += [m for m in modules if m.split(".")[0] == "numpy"]
    return sorted(set(found))


def _parse_cells(cells):
    for code in cells:
        try:
            yield ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue


def numpy_reached(cells, name):
    """(definition of ``name``, NumPy names it uses directly or through the submission's
    own helpers it calls, including names imported from numpy: ``from numpy import dot``)."""
    definition = find_function(cells, name)
    if definition is None:
        return None, []
    aliases, functions = set(), {}
    for tree in _parse_cells(cells):
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                aliases |= {
                    (a.asname or a.name).split(".")[0]
                    for a in node.names
                    if a.name.split(".")[0] == "numpy"
                }
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "numpy":
                aliases |= {a.asname or a.name for a in node.names}
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                functions[node.name] = node
    found, seen, todo = [], {name}, [(definition, "")]
    while todo:
        node, via = todo.pop()
        used = set(numpy_names_used(node))
        used |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in aliases}
        found += [f"{u}{via}" for u in sorted(used)]
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                callee = call.func.id
                if callee in functions and callee not in seen:
                    seen.add(callee)
                    todo.append((functions[callee], f" via {callee}()"))
    return definition, found
