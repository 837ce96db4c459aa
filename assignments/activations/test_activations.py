"""Public tests for stage 4. Run ``pytest`` in this folder."""

import numpy as np

from activations import relu, relu_derivative, sigmoid, sigmoid_derivative, softmax

SIGMOID = "sigmoid(z) = 1 / (1 + e^-z), elementwise on an array (np.exp, not math.exp)."


def test_sigmoid_values():
    """sigmoid(0) is 0.5; sigmoid is 1/(1+e^-z)."""
    z = [-1.0, 0.0, 2.0]
    expect(sigmoid, {"z": z}, 1 / (1 + np.exp(-np.array(z))), SIGMOID)


def test_sigmoid_extremes():
    """sigmoid(-1000) is 0 and sigmoid(1000) is 1, and both are finite."""
    expect(sigmoid, {"z": [-1000.0, 1000.0]}, [0.0, 1.0], "e^-z overflows when z is very "
           "negative: for z < 0 use the equal e^z / (1 + e^z), so that nothing overflows.",
           atol=1e-9)  # fmt: skip


def test_relu_values():
    """relu keeps positives and zeroes the rest."""
    expect(relu, {"z": [[-2.0, 0.0, 3.5]]}, [[0.0, 0.0, 3.5]], "np.maximum(z, 0) compares "
           "elementwise and keeps the shape (np.max returns one number).")  # fmt: skip


def test_softmax_rows_sum_to_one():
    """Each row of a 2-D softmax is a probability distribution."""
    z = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expect(softmax, {"z": z.tolist()}, expected, "normalise each row on its own: divide e^z "
           "by the sum over the last axis (axis=-1, keepdims=True).")  # fmt: skip


def test_softmax_huge_logits():
    """softmax([1000, 1000]) is [0.5, 0.5], not nan."""
    expect(softmax, {"z": [1000.0, 1000.0]}, [0.5, 0.5], "e^1000 overflows to inf (and "
           "inf / inf is nan): subtract the largest logit first, which does not change the "
           "result.")  # fmt: skip


def test_sigmoid_derivative_values():
    """sigmoid'(0) = 0.25, sigmoid'(2) = 0.105."""
    expect(sigmoid_derivative, {"z": [0.0, 2.0]}, [0.25, 0.10499358540350662],
           "sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)), with z the input, not sigmoid(z).")


def test_relu_derivative_values():
    """relu' is 1 for z > 0, else 0 (0 at z == 0)."""
    expect(relu_derivative, {"z": [-1.0, 0.0, 2.0]}, [0.0, 0.0, 1.0], "1.0 where z > 0, "
           "else 0.0 (0 at z == 0 too), as floats: (z > 0).astype(float).")  # fmt: skip


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


def show(value, limit=80):
    """A short description of a value: its numbers as typed (4, 4.0, [1, 2]), shape or kind."""
    array = numbers(value)
    if array is None:
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    if array.ndim == 0:
        return repr(value.item() if isinstance(value, np.generic) else value)
    with np.printoptions(precision=5, threshold=8, edgeitems=2, linewidth=1000):
        text = " ".join(np.array2string(array, separator=", ").split())
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


def call(function, case, hint=""):
    """``function(*case.values())``; an error it raises fails the test, naming the call."""
    __tracebackhide__ = True
    try:
        return function(*case.values())
    except Exception as exc:  # the code's error, told with the inputs that caused it
        if told_by_grader(exc):
            raise
        fail(f"{label(function, case)} raised {raised(exc)}", hint)


def expect(function, case, expected, hint="", returns=None, rtol=1e-5, atol=1e-8):
    """Call ``function`` on ``case`` (argument name -> value); fail unless it returns
    ``expected`` (shape and values, within rtol/atol), of the type ``returns`` if given
    (``float``, ``list`` or ``np.ndarray``). Returns the value."""
    __tracebackhide__ = True
    got = call(function, case, hint)
    expected = np.asarray(expected, dtype=float)
    array = numbers(got)
    if array is None:
        fail(f"{label(function, case)} returned {show(got)}, which is not a number or an "
             "array of numbers.", "return the result (a missing `return`? a print instead?).")
    if array.shape == expected.shape and np.allclose(array, expected, rtol=rtol, atol=atol):
        if returns is None or isinstance(got, returns):
            return got
        fail(f"{label(function, case)} returned the right values as a {type(got).__name__}; "
             f"return a {returns.__name__}, as the contract asks.", hint)
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
