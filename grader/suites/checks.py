"""The checks layer for hidden suites: call the student with a case, compare what came back
with the reference, and fail with a message that teaches.

A failed check raises ``Mismatch``, whose text names the function, the input (compact),
what was expected and what came back (type or shape, a few values), and a ``Hint:`` for the
misconception it recognises. Hidden test source never appears in it.

A suite names each test's function once, with the ``function`` marker; the ``check``
fixture (the grading plugin's, built by ``check_for`` below) is that function, ready to
call::

    from grader.suites.checks import Hint, load_reference

    REFERENCE = load_reference(__file__)      # the stage's reference module
    HINTS = {"softmax": [Hint.same_as(lambda z: z / z.sum(-1, keepdims=True),
                                      "softmax divides e^z by the sum of e^z")]}

    @pytest.mark.points(2)
    @pytest.mark.function("softmax")
    def test_softmax_rows(check, rng):
        '''softmax of a batch gives one distribution per row.'''
        check.close({"z": rng.normal(size=(3, 5))})   # student vs REFERENCE.softmax

    @pytest.mark.function("softmax")
    def test_softmax_empty_raises(check):
        '''softmax of an empty vector raises ValueError.'''
        check.raises({"z": np.zeros(0)}, why="there is no distribution over zero classes")
        check.also_right({"z": np.ones(3)})   # points only for a function that computes

Module-level names the fixture reads (all optional): ``REFERENCE`` (the oracle),
``HINTS`` and ``RAISE_HINTS`` (per function name: the hints of wrong values, and of
errors raised on valid input), ``TOLERANCE`` (per function: ``{"rtol": .., "atol": ..}``
or a callable ``case -> dict``), ``UPSTREAM`` (per function: the functions it builds on,
each with ``case -> [its cases]``, a case being a dict or ``(dict, options of close)`` such
as ``on=`` and ``expected=`` for a method; a wrong value is blamed on the first of them that
is already wrong on the same data, so the hint names the function where the mistake is).

Every failure is a ``Mismatch`` whose hint is also data (``Mismatch.hint``), so that the
feedback on a hidden test can show its hint without its inputs or expected values.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.errors import Mismatch, StudentError, StudentRaised
from grader.grading.proxy import RemoteCallable, RemoteObject
from grader.student.wire import Unsupported
from grader.suites.gradcheck import numerical_gradient, relative_error  # noqa: F401 (for suites)

RTOL, ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class Hint:
    """A misconception: ``applies(got, expected, inputs)`` says whether ``got`` shows it.

    ``got`` and ``expected`` are float arrays; ``inputs`` is the case as given. A hint's
    test that raises (an odd shape) simply does not apply.
    """

    applies: Callable[[np.ndarray, np.ndarray, dict], bool]
    text: str

    @classmethod
    def same_as(cls, compute: Callable, text: str, rtol: float = 1e-5, atol: float = 1e-8):
        """The hint of a mistaken formula: it applies when ``got`` equals
        ``compute(*inputs)``, evaluated here (the trusted side) on the case's inputs as
        float arrays. A formula that cannot run on those shapes does not apply."""

        def applies(got, expected, inputs):
            with np.errstate(all="ignore"):
                try:
                    value = np.asarray(compute(*as_arrays(inputs)), dtype=float)
                except (ValueError, IndexError, TypeError, ZeroDivisionError):
                    return False
            return same(got, value, rtol, atol)

        return cls(applies, text)


@dataclass(frozen=True)
class Raised:
    """What the student's code raised, as plain data (never the exception object)."""

    type: str
    message: str
    frames: tuple = ()

    @classmethod
    def of(cls, exc: StudentRaised) -> "Raised":
        return cls(exc.student_type, str(exc), tuple(exc.frames))

    def describe(self) -> str:
        """``ValueError: message (line 3: the code)``, bounded."""
        where = ""
        if self.frames:
            last = self.frames[-1] if isinstance(self.frames[-1], dict) else {}
            code = str(last.get("code", "")).strip()[:120]
            where = f" (line {last.get('line')}: {code})" if code else ""
        return f"{self.type}: {self.message[:300]}{where}"


def describe_raised(exc: StudentRaised) -> str:
    """What the student's code raised, as one readable line."""
    return Raised.of(exc).describe()


@dataclass(frozen=True)
class RaiseHint:
    """Why the student's code probably raised on a valid case: ``applies(raised, case)``."""

    applies: Callable[[Raised, dict], bool]
    text: str

    @classmethod
    def on(cls, types: Sequence[str], text: str, contains: Sequence[str] = (), when=None):
        """A hint for errors of one of ``types`` whose message holds one of ``contains``
        (any message when empty) and, if given, for which ``when(case)`` holds."""

        def applies(raised, case):
            return (
                raised.type in types
                and (not contains or any(word in raised.message for word in contains))
                and (when is None or bool(when(case)))
            )

        return cls(applies, text)


def mismatch(text: str, hint: str = "") -> Mismatch:
    """The failure of a check: ``text`` (function, input, expected, got) and the hint, which
    ends the message (``  Hint: ...``) and is kept as data (``Mismatch.hint``), so that
    feedback can show the hint of a hidden test without its inputs or values."""
    exc = Mismatch(f"{text}\n  Hint: {hint}" if hint else text)
    exc.hint, exc.body = hint, text
    return exc


def first_hint(hints, *args) -> str:
    """The text of the first hint that applies, or ""."""
    for hint in hints:
        try:  # a hint's test may fail on an odd answer (wrong shape): then it does not apply
            if bool(hint.applies(*args)):
                return hint.text
        except Exception as exc:
            if len(HINT_ERRORS) < 100:  # `grade validate` reports them to the suite's author
                HINT_ERRORS.append(f"{type(exc).__name__} in the hint {hint.text[:60]!r}...")
            continue
    return ""


HINT_ERRORS: list[str] = []  # hints whose test raised (they did not apply), for validate


# ---------------------------------------------------------------- describing values


def summarize(value, limit=160) -> str:
    """A short description of a value: type or shape, and a few numbers."""
    if isinstance(value, Unsupported | RemoteObject | RemoteCallable):
        return repr(value)
    if value is None:
        return "None"
    if isinstance(value, np.ndarray | np.generic) or type(value) in (list, tuple, float, int, bool):
        try:
            array = numeric_array(value)
        except (TypeError, ValueError):
            return f"a {type(value).__name__} that is not numeric"
        if array.ndim == 0 and array.dtype.kind == "f":  # a float shows as one: 4.0, not 4.
            number = float(array)
            text = repr(number) if len(repr(number)) <= 12 else f"{number:.6g}"
            return text if any(c in text for c in ".eni") else text + ".0"
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


def numeric_array(value) -> np.ndarray:
    """``value`` as an array that keeps its kind of number: integers and booleans stay as
    they are, so that ``epochs=4`` reads as the int it is (not ``4.``); anything else is
    read as floats. Raises TypeError or ValueError when it is not numeric."""
    array = np.asarray(value)
    if array.dtype.kind in "biuf":
        return array
    if array.dtype.kind in "USV":
        raise TypeError("text is not numeric")
    return np.asarray(value, dtype=float)


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
    """``name=value, ...`` with each value summarized; ragged lists shown as they are."""
    parts = []
    for name, value in inputs.items():
        text = summarize(value, 80)
        if text.endswith("not numeric"):
            text = repr(value)
            text = text if len(text) <= 80 else text[:77] + "..."
        parts.append(f"{name}={text}")
    return ", ".join(parts)


def describe_shapes(inputs: dict) -> str:
    """``inputs of shape (2, 3), weights of shape (4, 3)``: a case of invalid shapes (a
    ragged list of rows is described by its rows' lengths)."""
    parts = []
    for name, value in inputs.items():
        try:
            shape = np.shape(value)
            parts.append(f"{name}={summarize(value, 40)}" if shape == () else
                         f"{name} of shape {shape}")  # fmt: skip
        except ValueError:
            lengths = [len(row) if isinstance(row, list | tuple) else 1 for row in value]
            parts.append(f"{name} with rows of lengths {lengths}")
    return ", ".join(parts)


def kind_of(value) -> str:
    """What a value is, for a return-type message: ``a list holding float, int``."""
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a NumPy {value.dtype} scalar"
    if type(value) in (list, tuple):
        try:
            leaves = {type(v).__name__ for v in np.ravel(np.asarray(value, dtype=object))}
        except (ValueError, TypeError):
            leaves = {"ragged rows"}
        return f"a {type(value).__name__} holding {', '.join(sorted(leaves)) or 'nothing'}"
    if isinstance(value, Unsupported | RemoteObject | RemoteCallable):
        return repr(value)
    name = type(value).__name__
    return "None" if value is None else f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


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
    if isinstance(got, Unsupported) and got.type_name in ITERATOR_TYPES:
        raise mismatch(
            f"{function}({describe_inputs(inputs)}) returned a {got.type_name} object, not "
            "the values themselves.",
            "wrap it in list(...), or use square brackets [... for ...] (round brackets make "
            "a generator).",
        )
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


ITERATOR_TYPES = {"generator", "map", "zip", "filter", "list_iterator", "range", "reversed"}


def as_arrays(inputs: dict) -> list:
    """The case's values as float arrays (a value that is not numeric stays as it is)."""
    values = []
    for value in inputs.values():
        try:
            values.append(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            values.append(value)
    return values


def same(got, value, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = True) -> bool:
    """``got`` is ``value`` (a mistaken formula's result, maybe holding nan), shape included."""
    value = np.asarray(value, dtype=float)
    return got.shape == value.shape and bool(
        np.allclose(got, value, rtol=rtol, atol=atol, equal_nan=equal_nan)
    )


def scaled(got, expected, factor) -> bool:
    """``got`` is ``factor * expected`` (factor not 1, expected not all zero; nan never is)."""
    if np.isclose(factor, 1.0) or not np.any(np.abs(expected) > 1e-12):
        return False
    return matches(got, factor * expected)


def matches(got, value) -> bool:
    """``same`` where nan matches nothing: ``got`` is exactly this (finite) variant."""
    return same(got, value, equal_nan=False)


def root_mean_square(*arrays) -> float:
    """The root mean square of every entry of ``arrays`` (nan when they are not numbers)."""
    try:
        values = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
        return float(np.sqrt(np.mean(values**2)))
    except Exception:
        return float("nan")


# ---------------------------------------------------------------- expectations


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
    elif summarize(array) == summarize(expected):  # a near miss: say where, with all digits
        lines.append(largest_difference(array, expected, rtol, atol))
    hint = first_hint((*hints, *GENERAL_HINTS), array, expected, dict(inputs))
    raise mismatch("\n".join(lines), hint)


def largest_difference(got, expected, rtol: float, atol: float) -> str:
    """The entry of ``got`` furthest outside the tolerance around ``expected`` (same shape),
    with every digit: for a near miss whose values print alike."""
    with np.errstate(all="ignore"):
        excess = np.abs(got - expected) - (atol + rtol * np.abs(expected))
    excess = np.where(np.isnan(excess), np.inf, excess)  # nan on one side only: the worst
    index = np.unravel_index(int(np.argmax(excess)), got.shape)
    where = f" at index {tuple(int(i) for i in index)}" if got.ndim else ""
    return (
        f"  They differ{where}: expected {float(expected[index])!r}, got "
        f"{float(got[index])!r} (the tolerance is rtol {rtol:g}, atol {atol:.3g})."
    )


FLOAT32_RTOL = 1e-5  # float32 arithmetic's allowance (see float32_tolerance)


def float32_tolerance(case, got, expected) -> dict:
    """A suite's ``TOLERANCE`` for ``case``'s result (see ``module_check``): the tolerance
    of float32 arithmetic, which the contract accepts anywhere in the computation whatever
    dtype the result is returned in (a float32 network cast back with ``.astype(float)``,
    ``float(loss)``, or float32 intermediates mixed with float64 ones). Such a result
    carries ~6e-8 relative rounding per operation, ~1e-6 of the largest entry after
    matmuls, sums and activations, so it gets rtol 1e-5 and an atol of 1e-5 of the largest
    expected value, still far below every mistake a suite recognises (factors, signs,
    terms, axes). The dtype of ``got`` cannot tell: it says how the result was returned,
    not how it was computed. ``case`` and ``got`` are accepted for ``TOLERANCE``'s
    signature ``(case, got, expected)``."""
    try:
        scale = float(np.nanmax(np.abs(np.asarray(expected, dtype=float)), initial=0.0))
    except (TypeError, ValueError):
        scale = 0.0
    if not np.isfinite(scale):
        scale = 0.0
    return {"rtol": FLOAT32_RTOL, "atol": max(ATOL, FLOAT32_RTOL * scale)}



def expect_near(function, got, expected, inputs, hints=(), what="", atol=ATOL) -> None:
    """``expect_close`` with ``float32_tolerance`` (``atol``: a floor)."""
    allowed = float32_tolerance(inputs, got, expected)
    allowed["atol"] = max(allowed["atol"], atol)
    expect_close(function, got, expected, inputs, hints, what=what, **allowed)


def as_bias_vector(got, expected):
    """A bias (gradient) of shape (1, n) compared as (n,): the values are judged here, the
    shape (n,) by its own test, so one `keepdims=True` costs one point."""
    expected = np.asarray(expected)
    try:
        array = np.asarray(got)
    except Exception:
        return got
    if expected.ndim == 1 and array.ndim == 2 and array.shape == (1, expected.size):
        return array.reshape(expected.shape)
    return got


def as_sequence(function: str, got, inputs: dict, what: str) -> list:
    """``got`` as a list of values (a list of losses), or a Mismatch when it is not a list,
    tuple or 1-D array."""
    if isinstance(got, list | tuple):
        return list(got)
    if isinstance(got, np.ndarray) and got.ndim == 1:
        return list(got)
    raise Mismatch(f"{function}({describe_inputs(inputs)}) returned {summarize(got)}; {what}")


def expect_true(condition: bool, message: str, hint: str = "") -> None:
    """Fail with ``message`` (written for the student) and ``hint`` (see ``mismatch``)
    unless ``condition`` holds."""
    if not condition:
        raise mismatch(message, hint)


def expect_right_too(function: str, check: Callable[[], None]) -> None:
    """Points only for work: a test of error handling ("raises ValueError") or of untouched
    inputs counts only for a function that also computes. ``check`` is a value test of the
    same function on a valid input (or of the value the test's own call returned); when it
    fails, this test fails too, and says why."""
    lead = f"{function} must also compute the right result on valid input for this test to count"
    try:
        check()
    except Mismatch as exc:
        wrapped = Mismatch(f"{lead}:\n{exc}")
        wrapped.hint = exc.hint
        raise wrapped from None
    except StudentRaised as exc:
        raise Mismatch(f"{lead}; on valid input it raised {describe_raised(exc)}") from None


def expect_unchanged(
    function: str, before: dict, after: Sequence, names: Sequence[str], advice: str = ""
):
    """Fail if the student's function modified one of its array arguments."""
    for name, value in zip(names, after, strict=False):
        original = before[name]
        try:
            same_values = np.array_equal(
                np.asarray(value, dtype=float), np.asarray(original, dtype=float)
            )
        except (TypeError, ValueError):
            same_values = False
        if not same_values:
            advice = advice or (
                "work on a copy (e.g. `np.array(x, dtype=float)`) or build a new array "
                "instead of writing into the input."
            )
            raise mismatch(
                f"{function} modified its argument `{name}`: it was {summarize(original)} "
                f"and became {summarize(value)}.",
                advice,
            )


SIZES_HINT = (
    'say which sizes do not fit, e.g. raise ValueError(f"inputs has {len(inputs)} values '
    'but weights has {len(weights)}"): the message is what a caller reads first.'
)


def expect_names_sizes(function: str, message: str, sizes: Sequence[int], inputs: dict) -> None:
    """The error message names every number in ``sizes`` (as a whole number)."""
    missing = [n for n in sizes if not re.search(rf"(?<![\d.]){n}(?![\d.]|\.\d)", message)]
    if missing:
        raise mismatch(
            f"{function}({describe_shapes(inputs)}) raised ValueError({message[:200]!r}), which "
            f"does not name the sizes that do not fit ({', '.join(map(str, sizes))}).",
            SIZES_HINT,
        )


# ---------------------------------------------------------------- return types

RETURN_KINDS = {
    "float": "a float",
    "list of floats": "a list of floats",
    "float array": "a NumPy array of floats",
    "floats": "floats (a float, or an array of floats)",
}


def is_kind(value, kind: str) -> bool:
    """Whether ``value`` is of the contract's return kind (see RETURN_KINDS)."""
    if kind == "float":  # a NumPy float scalar is accepted where a float is asked
        return (type(value) is float) or isinstance(value, np.floating)
    if kind == "list of floats":
        return type(value) is list and all(is_kind(v, "float") for v in value)
    if kind == "float array":
        return isinstance(value, np.ndarray) and value.dtype.kind == "f"
    if kind == "floats":
        if isinstance(value, np.ndarray | np.generic):
            return value.dtype.kind == "f"
        if type(value) in (list, tuple):
            return all(is_kind(v, "floats") for v in value)
        return type(value) is float
    raise ValueError(f"unknown return kind {kind!r}; one of {sorted(RETURN_KINDS)}")


# ---------------------------------------------------------------- the function under test


@dataclass
class Reply:
    """What one call into the student's code gave back (plain data)."""

    value: object
    args_after: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    numpy_use: str | None = None  # what NumPy use the call was seen to make, if watched


class Check:
    """One student function (or method) under test: the ``check`` fixture.

    ``name`` is the function marker's name ("softmax", "NeuralNetwork.forward"); a
    method is called on an object given as ``on=``. Every call takes a *case*, a dict of
    argument name to value, passed positionally in its order.
    """

    def __init__(self, name, student, reference=None, hints=(), raise_hints=(), tolerance=None,
                 upstream=()):  # fmt: skip
        self.name = name
        self.student = student
        self.reference = reference
        self.hints = hints if callable(hints) else list(hints)
        self.raise_hints = list(raise_hints)
        self.tolerance = tolerance
        # The functions this one builds on: (their Check, case -> their cases). A wrong
        # value here is blamed on the first of them that is already wrong on this data.
        self.upstream = list(upstream)

    # -- calling

    def _target(self, on, name=None):
        name = name or self.name
        if on is not None:
            return getattr(on, name.rsplit(".", 1)[-1])
        if "." in name:
            raise TypeError(f"check of the method {name} needs on=<object>")
        return getattr(self.student, name)

    def label(self, case: dict, name=None) -> str:
        return f"{name or self.name}({describe_inputs(case)})"

    def reply(self, case: dict, *, on=None, name=None, keep_args=False,
              watch_numpy=False) -> Reply:  # fmt: skip
        """Call the student on ``case`` (valid inputs): its reply. An error raised there
        is a Mismatch naming it, with the suite's hint for it (``RAISE_HINTS``).
        ``name``: another method of the same object (a test of ``backward`` that calls
        ``forward`` first)."""
        target = self._target(on, name)
        options = {"return_args": keep_args}
        if watch_numpy:
            options["trace_numpy"] = True
        try:
            reply = target.call_with_args(list(case.values()), **options)
        except StudentRaised as exc:
            failure = self.raised_on_valid(case, exc, name)
            raise (failure if name else self.blame_upstream(case, failure)) from None
        warnings = reply.get("warnings")
        warnings = [w for w in warnings if isinstance(w, str)] if isinstance(warnings, list) else []
        numpy_use = None
        if watch_numpy and reply.get("numpy_used") is not False:
            # The report comes from the untrusted side: anything but an explicit "no NumPy"
            # counts as NumPy, and it only ever decides the plain-Python points of a call
            # whose value the test found correct. Its description is cut to plain characters.
            what = reply.get("numpy_what")
            what = re.sub(r"[^\w.,() ']", "", what)[:100].strip() if isinstance(what, str) else ""
            numpy_use = what or "NumPy"
        return Reply(reply["value"], list(reply.get("args_after") or []), warnings, numpy_use)

    def call(self, case: dict, *, on=None, name=None):
        """The student's value for the valid ``case`` (see ``reply``)."""
        return self.reply(case, on=on, name=name).value

    def raised_on_valid(self, case: dict, exc: StudentRaised, name=None) -> Mismatch:
        """The Mismatch for an error raised on valid inputs, with a hint when one applies."""
        raised = Raised.of(exc)
        text = f"{self.label(case, name)} raised {raised.describe()}"
        return mismatch(text, first_hint(self.raise_hints, raised, case))

    # -- comparing

    def expected(self, case: dict):
        """The reference's value for ``case``."""
        if self.reference is None or "." in self.name:
            raise TypeError(f"no reference function for {self.name}: pass expected=")
        return getattr(self.reference, self.name)(*case.values())

    def _tolerance(self, case, got, expected, rtol, atol) -> dict:
        """The suite's tolerance for this function (a dict, or a callable
        ``(case, got, expected) -> dict``), loosened by an explicit ``rtol``/``atol``."""
        tolerance = self.tolerance
        if callable(tolerance):
            tolerance = tolerance(case, got, expected)
        tolerance = {"rtol": RTOL, "atol": ATOL, **(tolerance or {})}
        if rtol is not None:
            tolerance["rtol"] = max(tolerance["rtol"], rtol)
        if atol is not None:
            tolerance["atol"] = max(tolerance["atol"], atol)
        return tolerance

    def hints_for(self, case) -> list:
        """The suite's hints for this function (a list, or a callable ``case -> list``)."""
        return list(self.hints(case) if callable(self.hints) else self.hints)

    def close(self, case, *, got=..., expected=..., on=None, hints=(), what="", rtol=None,
              atol=None):  # fmt: skip
        """The student's value (``got``, or a call on ``case``) equals the reference's
        (``expected``, or the reference on ``case``) within tolerance. Returns ``got``."""
        try:
            if got is ...:
                got = self.call(case, on=on)
            if expected is ...:
                expected = self.expected(case)
            tolerance = self._tolerance(case, got, expected, rtol, atol)
            hints = [*hints, *self.hints_for(case)]
            expect_close(self.name, got, expected, case, hints, what=what, **tolerance)
        except Mismatch as exc:
            raise self.blame_upstream(case, exc) from None
        return got

    def blame_upstream(self, case: dict, exc: Mismatch) -> Mismatch:
        """``exc``, or, when a function this one builds on (``UPSTREAM``) is already wrong
        on this case's data, a Mismatch that says the mistake starts there: a bug inside
        ``dense_forward`` is reported on ``dense_forward``, not as a mistake of the
        two-layer code that calls it. Errors of the upstream call itself (a timeout) leave
        ``exc`` as it is."""
        if getattr(exc, "upstream_checked", False) or not self.upstream:
            return exc
        exc.upstream_checked = True  # asked once: close() sees the failure of its own call too
        for check, cases_of in self.upstream:
            for sub_case in cases_of(case):
                # A case, or (case, options of close): a method's `on=`, its `expected=`.
                sub_case, options = sub_case if isinstance(sub_case, tuple) else (sub_case, {})
                try:
                    check.close(sub_case, **options)
                except Mismatch as wrong:
                    body = getattr(exc, "body", str(exc))
                    inner = getattr(wrong, "body", str(wrong))
                    detail = "\n".join("  " + line for line in inner.splitlines())
                    hint = (
                        f"{self.name} builds on {check.name}, which is already wrong on this "
                        f"data: fix {check.name} first (its own tests say how)"
                    )
                    hint += f". In {check.name}: {wrong.hint}" if wrong.hint else "."
                    blamed = mismatch(
                        f"{body}\n  The mistake starts in {check.name}, which {self.name} "
                        f"builds on:\n{detail}",
                        hint,
                    )
                    blamed.upstream_checked = True
                    return blamed
                except StudentError:
                    continue
        return exc

    def close_quietly(self, case: dict, advice: str, **options):
        """``close``, and the call made NumPy emit no floating-point RuntimeWarning
        (overflow, invalid value, division by zero): the contract asks for none."""
        reply = self.reply(case, on=options.pop("on", None))
        self.close(case, got=reply.value, **options)
        bad = [w for w in reply.warnings if w.startswith("RuntimeWarning")]
        if bad:
            raise mismatch(
                f"{self.label(case)} gave the right values, but NumPy warned '{bad[0]}'. The "
                "contract asks for no warning.",
                advice,
            )
        return reply.value

    def also_right(self, case: dict, *, got=..., expected=..., on=None, hints=()):
        """Points only for work: this test counts only if the function is right on the
        valid ``case`` (or ``got``, the value the test's own call returned, is right)."""
        expect_right_too(
            self.name,
            lambda: self.close(case, got=got, expected=expected, on=on, hints=hints),
        )

    def returns(self, got, kind: str, case: dict, advice: str = ""):
        """The value is of the contract's kind (RETURN_KINDS): "float", "list of floats",
        "float array" or "floats"."""
        if is_kind(got, kind):
            return
        raise mismatch(
            f"{self.label(case)} returned {kind_of(got)}; return {RETURN_KINDS[kind]}, as "
            "the contract asks.",
            advice,
        )

    def raises(self, case: dict, error=ValueError, *, why: str, on=None, sizes=(),
               other_hint: str = "") -> str:  # fmt: skip
        """The student raises ``error`` on the invalid ``case``; returns its message.

        ``why`` (why these inputs are invalid, and the mistake of not checking them) is
        the hint when the function returns instead; ``sizes``: numbers the message must
        name; ``other_hint``: the hint when it raises another error."""
        try:
            got = self._target(on)(*case.values())
        except error as exc:
            message = str(exc)
            if sizes:
                expect_names_sizes(self.name, message, sizes, case)
            return message
        except StudentRaised as exc:
            hint = other_hint or f"check the sizes first and raise {error.__name__} naming them"
            raise mismatch(
                f"{self.name}({describe_shapes(case)}) raised {describe_raised(exc)}; expected "
                f"{error.__name__}: {why}.",
                hint,
            ) from None
        raise mismatch(
            f"{self.name}({describe_shapes(case)}) returned {summarize(got)} instead of raising "
            f"{error.__name__}.",
            f"{why}.",
        )

    def unchanged(self, case: dict, *, on=None, advice: str = "", expected=...):
        """The call leaves its arguments as they were (and its value is right too)."""
        reply = self.reply(case, on=on, keep_args=True)
        before = {name: np.array(value, copy=True) if isinstance(value, np.ndarray) else value
                  for name, value in case.items()}  # fmt: skip
        expect_unchanged(self.name, before, reply.args_after, list(case), advice)
        self.also_right(case, got=reply.value, expected=expected, on=on)
        return reply.value

    def plain(self, case: dict, advice: str):
        """Right, and written in plain Python: the call used no NumPy."""
        reply = self.reply(case, watch_numpy=True)
        self.close(case, got=reply.value)
        expect_true(
            reply.numpy_use is None,
            f"{self.name} uses NumPy ({reply.numpy_use}); this one must be plain Python: {advice}",
        )


# ---------------------------------------------------------------- general hints


def _transposed(got, expected, inputs):
    return got.ndim == 2 and got.shape == expected.T.shape and np.allclose(got, expected.T)


def _has_nan(got, expected, inputs):
    return not np.all(np.isfinite(got)) and np.all(np.isfinite(expected))


def _off_by_scale(got, expected, inputs):
    if got.shape != expected.shape or expected.size < 2 or not np.any(expected):
        return False
    ratio = got[expected != 0] / expected[expected != 0]
    return bool(np.allclose(ratio, ratio.flat[0])) and not np.isclose(ratio.flat[0], 1.0)


def _off_by_sign(got, expected, inputs):
    return got.shape == expected.shape and np.any(expected) and np.allclose(got, -expected)


GENERAL_HINTS = (
    Hint(_transposed, "your result is the transpose of what was asked: check the order of "
                      "the dimensions (rows = samples)."),
    Hint(_has_nan, "your result contains nan or inf where the answer is finite: look for "
                   "an overflow (exp of a large number) or a division by zero."),
    Hint(_off_by_sign, "your values have the wrong sign: check a subtraction's order or a "
                       "minus sign."),
    Hint(_off_by_scale, "your values are all off by the same factor: check a constant factor, "
                        "a mean instead of a sum, or a missing division."),
)  # fmt: skip


# ---------------------------------------------------------------- the fixture


def load_reference(path):
    """The reference module of the stage whose folder holds ``path`` (a suite's __file__)."""
    from grader.course import reference_for

    return reference_for(Path(path))


def check_for(request, student) -> Check:
    """The ``check`` fixture's value (the plugin's fixture calls this): the student function
    named by the test's ``function`` marker, with the reference, hints and tolerance the
    test module declares (see the module docstring)."""
    marker = request.node.get_closest_marker("function")
    if marker is None or not marker.args:
        raise TypeError(f"{request.node.name} uses `check` but has no function marker")
    return module_check(request.module, marker.args[0], student)


def module_check(module, name: str, student, depth: int = 0) -> Check:
    """The Check of the function ``name`` with what ``module`` (a suite) declares for it:
    REFERENCE, HINTS, RAISE_HINTS, TOLERANCE and UPSTREAM (``{function: {function it
    builds on: case -> that function's cases}}``, a few levels deep at most)."""
    upstream = getattr(module, "UPSTREAM", {}).get(name, {}) if depth < 3 else {}
    return Check(
        name,
        student,
        getattr(module, "REFERENCE", None),
        getattr(module, "HINTS", {}).get(name, ()),
        getattr(module, "RAISE_HINTS", {}).get(name, ()),
        getattr(module, "TOLERANCE", {}).get(name),
        [(module_check(module, other, student, depth + 1), cases)
         for other, cases in upstream.items()],  # fmt: skip
    )
