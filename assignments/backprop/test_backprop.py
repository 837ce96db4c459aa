"""Public tests for stage 5. Run ``pytest`` in this folder."""

import warnings

import numpy as np

from backprop import NeuralNetwork, dense_backward, mse_loss, mse_loss_grad

# Looser than the course's 1e-6: a solution computing in float32, which the course
# accepts, is exact to about 1e-7 per operation and a few 1e-6 after a dot product.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-8}
HANDOUT = {"y_pred": np.array([[1.0, 2.0]]), "y_true": np.array([[0.0, 4.0]])}
DENSE = {"dvalues": np.ones((5, 3)), "inputs": np.ones((5, 2)), "weights": np.ones((2, 3))}
XOR = {"X": np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float),
       "y": np.array([[0], [1], [1], [0]], dtype=float)}  # fmt: skip
NETWORK = "NeuralNetwork(2, 4, 1, seed=0)"
PARAMS = ("the contract names the parameters W1, b1, W2, b2: set each in __init__ as "
          "self.W1 = ..., spelled exactly so (capital W, then the digit).")


def test_mse_loss():
    """mean of (y_pred - y_true)^2 over all elements."""
    expect(mse_loss, {"y_pred": [[1.0, 2.0]], "y_true": [[0.0, 4.0]]}, 2.5,
           "square each difference and take the mean over all elements: "
           "((1 - 0)^2 + (2 - 4)^2) / 2 = 2.5, a single number.", **TOLERANCE)  # fmt: skip


def test_mse_loss_grad():
    """2 * (y_pred - y_true) / size."""
    expect(mse_loss_grad, HANDOUT, [[1.0, -2.0]],
           "the loss is a mean, so each element's gradient is 2 * (y_pred - y_true) divided "
           "by y_pred.size (here 2), in the shape of y_pred.", **TOLERANCE)  # fmt: skip


def test_dense_backward_shapes():
    """dinputs, dweights and dbiases have the shapes of inputs, weights and biases."""
    got = call(dense_backward, DENSE, "dinputs = dvalues @ weights.T, dweights = inputs.T @ "
               "dvalues and dbiases = dvalues.sum(axis=0).")  # fmt: skip
    if not (isinstance(got, tuple | list) and len(got) == 3):
        fail(f"{label(dense_backward, DENSE)} returned {show(got)}.",
             "return the three gradients as a tuple: dinputs, dweights, dbiases.")  # fmt: skip
    parts = [
        ("dinputs", np.full((5, 2), 3.0), "dinputs = dvalues @ weights.T, shaped like inputs."),
        ("dweights", np.full((2, 3), 5.0), "dweights = inputs.T @ dvalues, shaped like weights."),
        ("dbiases", np.full(3, 5.0), "every bias is added to every sample, so its gradient is "
         "dvalues.sum(axis=0): one value per neuron, shape (3,), without keepdims."),
    ]  # fmt: skip
    for (name, expected, hint), value in zip(parts, got, strict=True):
        part = named(f"{name} of dense_backward", lambda *args, value=value: value)
        expect(part, DENSE, expected, hint, **TOLERANCE)


def test_neural_network_shapes():
    """The parameters have the handout's shapes, the weights differ, forward is right.

    The weights are drawn at random; forward is sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)."""
    net = NeuralNetwork(2, 4, 1, seed=0)
    shapes = {"W1": (2, 4), "b1": (4,), "W2": (4, 1), "b2": (1,)}
    for name, shape in shapes.items():
        got = np.shape(attribute(net, name, NETWORK, PARAMS))
        if got != shape:
            fail(f"{NETWORK}.{name} has shape {got}; expected {shape}.",
                 "W1 is (input_size, hidden_size) and W2 (hidden_size, output_size); each "
                 "bias is one-dimensional, one value per neuron: np.zeros(size).")  # fmt: skip
    for name in ("W1", "W2"):
        if not np.ptp(np.asarray(getattr(net, name), dtype=float)) > 0:
            fail(f"{NETWORK}.{name} is {show(getattr(net, name))}: every weight is the same.",
                 "draw the weights at random, from rng = np.random.default_rng(seed), so "
                 "that the hidden units differ.")  # fmt: skip
    X = np.array([[0.0, 1.0], [1.0, 0.5], [-1.0, 2.0]])
    hidden = 1 / (1 + np.exp(-(X @ np.asarray(net.W1) + np.asarray(net.b1))))
    expected = 1 / (1 + np.exp(-(hidden @ np.asarray(net.W2) + np.asarray(net.b2))))
    forward = named(f"{NETWORK}.forward", net.forward)
    expect(forward, {"X": X}, expected, "forward is sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2): "
           "a sigmoid on the hidden layer and on the output layer.", **TOLERANCE)  # fmt: skip


def test_neural_network_learns_xor():
    """Trained with learning rate 1.0 for 5000 epochs, the network classifies XOR."""
    net = NeuralNetwork(2, 4, 1, seed=0)
    case = {**XOR, "learning_rate": 1.0, "epochs": 5000}
    run = f"{NETWORK}.train(X_xor, y_xor, 1.0, 5000)"
    train = named(f"{NETWORK}.train", net.train)
    losses = call(train, case, "train repeats forward, mse_loss and backward `epochs` times: "
                  "an error in one of them shows here (see their tests).")  # fmt: skip
    if numbers(losses) is None or np.ndim(losses) != 1 or len(losses) != 5000:
        fail(f"{run} returned {show(losses)}; expected a list of 5000 losses.",
             "append each epoch's mse_loss(forward(X), y), taken before backward, to a list "
             "and return it.")  # fmt: skip
    if not losses[-1] < losses[0]:
        fail(f"{run}: the loss went from {show(losses[0])} to {show(losses[-1])}; it must "
             "go down.", "each step must go downhill: backward subtracts learning_rate "
             "times the gradient that gradients() returns. A sign error in either makes the "
             "loss grow: the gradients tests, then the backward tests, say which.")  # fmt: skip
    outputs = np.asarray(net.forward(XOR["X"]), dtype=float)
    if not (np.shape(outputs) == (4, 1) and ((outputs > 0.5) == (XOR["y"] > 0.5)).all()):
        fail(f"after {run}, forward(X_xor) gave {show(outputs)}; expected outputs above 0.5 "
             "exactly for the points [0, 1] and [1, 0] (XOR is [0, 1, 1, 0]).",
             "check the gradient tests first; then that the weights start at a scale "
             "around 1 (not 0.01) and that b1 and b2 are added and updated.")  # fmt: skip


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
