"""Public tests for stage 3. Run ``pytest`` in this folder."""

import warnings

import numpy as np

from batch import dense_forward, two_layer_forward

INPUTS = [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]]
WEIGHTS1 = [[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
BIASES1 = [2, 3, 0.5]
WEIGHTS2 = [[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]]
BIASES2 = [-1, 2, -0.5]
DENSE = (
    "inputs is (n_samples, n_inputs) and weights (n_neurons, n_inputs), one row per neuron: "
    "the layer is inputs @ weights.T + biases, shape (n_samples, n_neurons)."
)


def test_dense_forward_known_value():
    """The handout's batch through layer 1."""
    expected = [[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]]
    expect(dense_forward, {"inputs": INPUTS, "weights": WEIGHTS1, "biases": BIASES1}, expected,
           DENSE)  # fmt: skip


def test_dense_forward_shape():
    """2 samples of 4 inputs through 3 neurons give shape (2, 3) (each output 4 * 1 + 0.5)."""
    case = {"inputs": np.ones((2, 4)), "weights": np.ones((3, 4)), "biases": np.full(3, 0.5)}
    expect(dense_forward, case, np.full((2, 3), 4.5), DENSE)


def test_two_layer_forward_known_value():
    """The handout's batch through both layers."""
    expected = [
        [0.5031, -1.04185, -2.03875],
        [0.2434, -2.7332, -5.7633],
        [-0.99314, 1.41254, -0.35655],
    ]
    case = {"inputs": INPUTS, "weights1": WEIGHTS1, "biases1": BIASES1, "weights2": WEIGHTS2,
            "biases2": BIASES2}  # fmt: skip
    expect(two_layer_forward, case, expected, "two_layer_forward is dense_forward twice: "
           "hidden = dense_forward(inputs, weights1, biases1), then dense_forward(hidden, "
           "weights2, biases2) (if dense_forward's tests fail too, fix it first).")  # fmt: skip


# ---------------------------------------------------------------- how a failure reads
# (You need not read on.) A failing test says which call failed, with its inputs, what was
# expected and what came back, and a hint: the same kind of message the grader's hidden
# tests give. Run by the grader, a failure is the grader's own Mismatch, its hint kept apart.
# This block is the same in every stage's public tests.

try:  # the grader's Mismatch is shown as it is, its hint kept apart
    from grader.errors import Mismatch as Failure
    from grader.errors import StudentError, StudentRaised
except ImportError:  # plain pytest, without neurograde installed
    Failure, StudentError, StudentRaised = AssertionError, (), ()


def told_by_grader(exc):
    """A timeout, a crash or a missing name: the grader reports those itself."""
    return isinstance(exc, StudentError) and not isinstance(exc, StudentRaised)


def fail(text, hint=""):
    """Stop the test with ``text`` and the hint (also kept as ``.hint``)."""
    __tracebackhide__ = True
    failure = Failure(f"{text}\n  Hint: {hint}" if hint else text)
    failure.hint = hint
    raise failure


def numbers(value):
    """``value`` as an array when it is numbers (nested lists, tuples, NumPy), else None.
    Looks at each item first: a string such as "4.8" is not a number here."""
    todo = [value]
    while todo:
        item = todo.pop()
        if type(item) in (list, tuple):
            todo.extend(item)
        elif not (type(item) in (int, float, bool) or (isinstance(item, np.ndarray | np.generic)
                                                        and item.dtype.kind in "biuf")):
            return None
    try:
        array = np.asarray(value)
    except ValueError:  # ragged rows
        return None
    return array if array.dtype.kind in "biuf" else None


def as_typed(value, limit):
    """Numbers as written, lists and tuples item by item: [1, 2, 3, 2.5], not NumPy's
    padded [1. , 2. , 3. , 2.5]; stops soon after ``limit`` characters."""
    if type(value) in (list, tuple):
        parts, size = [], 0
        for item in value:
            parts.append(as_typed(item, limit - size))
            size += len(parts[-1]) + 2
            if size > limit:
                break
        ends = "[]" if type(value) is list else "()"
        one = "," if type(value) is tuple and len(value) == 1 else ""
        return ends[0] + ", ".join(parts) + one + ends[1]
    if isinstance(value, np.ndarray) and value.ndim > 0:
        with np.printoptions(precision=5, threshold=8, edgeitems=2, linewidth=1000):
            return " ".join(np.array2string(value, separator=", ").split())
    return repr(np.asarray(value).item())  # 4, 4.8, True: a 0-d array or NumPy scalar too


def show(value, limit=80):
    """A short description of a value: its numbers as typed (4, 4.0, [1, 2]), shape or kind."""
    array = numbers(value)
    if array is None:
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    text = as_typed(value, limit)
    if array.ndim == 0:
        return text
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if type(value) in (list, tuple):
        return f"{text} (a {type(value).__name__} of {len(value)})"
    return f"{text} (shape {array.shape})"


def label(function, case):
    """``name(argument=value, ...)``: the call as a student would write it."""
    name = getattr(function, "__name__", None) or repr(function)
    return f"{name}({', '.join(f'{k}={show(v)}' for k, v in case.items())})"


def raised(exc):
    """What the code raised, in one line (with its line of code, when the grader knows it)."""
    text = f"{getattr(exc, 'student_type', '') or type(exc).__name__}: {str(exc)[:300]}"
    frames = getattr(exc, "frames", ())
    if frames and isinstance(frames[-1], dict) and frames[-1].get("code"):
        text += f" (line {frames[-1].get('line')}: {str(frames[-1]['code']).strip()[:120]})"
    return text


def call(function, case, hint="", heard=None):
    """``function(*case.values())``; an error it raises fails the test, naming the call.
    ``heard``, a list, gets the warnings the call emitted ("RuntimeWarning: overflow ...")."""
    __tracebackhide__ = True
    try:
        if heard is None:
            return function(*case.values())
        remote = getattr(function, "call_with_args", None)
        if remote is not None:  # run by the grader: the call runs in the student's process
            reply = remote(list(case.values()))
            heard.extend(reply.get("warnings") or ())
            return reply["value"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = function(*case.values())
        heard.extend(f"{w.category.__name__}: {w.message}" for w in caught)
        return got
    except Exception as exc:  # the code's error, told with the inputs that caused it
        if told_by_grader(exc):
            raise
        fail(f"{label(function, case)} raised {raised(exc)}", hint)


def expect(function, case, expected, hint="", returns=None, rtol=1e-5, atol=1e-8,
           type_hint="", quiet=""):  # fmt: skip
    """Call ``function`` on ``case`` (argument name -> value); fail unless it returns
    ``expected`` (shape and values, within rtol/atol), of the type ``returns`` if given
    (``float``, ``list`` or ``np.ndarray``; ``type_hint``: the hint when only the type is
    wrong). With ``quiet`` (the hint then), NumPy must not warn either (an overflow in
    np.exp, ...): the contract asks for no warning there. Returns the value."""
    __tracebackhide__ = True
    heard = [] if quiet else None
    got = call(function, case, hint, heard)
    expected = np.asarray(expected, dtype=float)
    array = numbers(got)
    if array is None:
        fail(f"{label(function, case)} returned {show(got)}, which is not a number or an "
             "array of numbers.", "return the result (a missing `return`? a print instead?).")
    if array.shape == expected.shape and np.allclose(array, expected, rtol=rtol, atol=atol):
        if returns is not None and not isinstance(got, returns):
            fail(f"{label(function, case)} returned the right values as a "
                 f"{type(got).__name__}; return a {returns.__name__}, as the contract asks.",
                 type_hint or hint)  # fmt: skip
        warned = [w for w in heard or () if w.startswith("RuntimeWarning")]
        if warned:
            fail(f"{label(function, case)} gave the right values, but NumPy warned "
                 f"'{warned[0]}'. The contract asks for no warning.", quiet)  # fmt: skip
        return got
    lines = [label(function, case), f"  expected {show(expected)}", f"  got      {show(got)}"]
    if array.shape != expected.shape:
        lines.append(f"  The shape is wrong: expected {expected.shape}, got {array.shape}.")
    fail("\n".join(lines), hint)


def expect_raises(function, case, error, why):
    """Fail unless ``function`` raises ``error`` on the invalid ``case``; ``why`` says why
    the inputs are invalid (the hint when it returns or raises something else)."""
    __tracebackhide__ = True
    try:
        got = function(*case.values())
    except error as exc:
        if not told_by_grader(exc):
            return
        raise
    except Exception as exc:
        if told_by_grader(exc):
            raise
        fail(f"{label(function, case)} raised {raised(exc)}; expected {error.__name__}.",
             why)  # fmt: skip
    fail(f"{label(function, case)} returned {show(got)} instead of raising "
         f"{error.__name__}.", why)  # fmt: skip


def named(name, function):
    """``function`` (a bound method of the network, or one part of a result) under the
    name that failure messages show: seen through the grader, a student's method has no
    name of its own."""

    def call_it(*args):
        __tracebackhide__ = True
        return function(*args)

    call_it.__name__ = name
    return call_it


def attribute(owner, name, shown, hint):
    """``owner.name``; a missing one fails the test, naming it (``shown``: how the message
    writes the owner, e.g. "NeuralNetwork(2, 4, 1, seed=0)")."""
    __tracebackhide__ = True
    try:
        return getattr(owner, name)
    except AttributeError as exc:
        if told_by_grader(exc):
            raise
        error = raised(exc)
    fail(f"{shown}.{name} is not there: {error}.", hint)
