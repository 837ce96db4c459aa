"""Public tests for stage 6. Run ``pytest`` in this folder."""

import warnings

import numpy as np

from classifier import Classifier, softmax_cross_entropy, softmax_cross_entropy_grad

# Looser than the course's 1e-6: a solution computing in float32, which the course
# accepts, is exact to about 1e-7 per operation and a few 1e-6 after a dot product.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-8}
HANDOUT = {"logits": [[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], "labels": [0, 1]}
NETWORK = "Classifier(2, 5, 3, seed=0)"
PARAMS = ("the contract names the parameters W1, b1, W2, b2: set each in __init__ as "
          "self.W1 = ..., spelled exactly so (capital W, then the digit).")
SPIRALS = "Classifier(2, 100, 3, seed=0)"


def spiral_data(points_per_class, n_classes, seed):
    """Three interleaved spirals, the lesson's data: X (n * k, 2), y (n * k,) ints."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, points_per_class)
        noise = 0.2 * rng.normal(size=points_per_class)
        t = np.linspace(4 * k, 4 * (k + 1), points_per_class) + noise
        X.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y.append(np.full(points_per_class, k))
    return np.concatenate(X), np.concatenate(y)


def test_softmax_cross_entropy_handout():
    """The handout's logits and labels [0, 1] give a loss of 0.3185398."""
    expect(softmax_cross_entropy, HANDOUT, 0.3185398,
           "the loss is the mean over samples of -log softmax(logits)[i, labels[i]]: pick "
           "each sample's own label's log-probability (an index, not a value), then average.",
           rtol=0, atol=1e-6)  # fmt: skip


def test_softmax_cross_entropy_huge_logits():
    """Logits [[1000, 0, -1000]] give 0.0 for label 0 and 2000.0 for label 2 (log-sum-exp),
    with no overflow warning."""
    hint = ("compute log softmax with log-sum-exp: subtract each row's largest logit before "
            "np.exp, then log_p = shifted - log(sum(exp(shifted))): exp(1000) overflows.")
    expect(softmax_cross_entropy, {"logits": [[1000.0, 0.0, -1000.0]], "labels": [0]}, 0.0,
           hint, rtol=0, atol=1e-6, quiet=hint)  # fmt: skip
    expect(softmax_cross_entropy, {"logits": [[1000.0, 0.0, -1000.0]], "labels": [2]}, 2000.0,
           hint, rtol=1e-9, atol=1e-6, quiet=hint)  # fmt: skip


def test_softmax_cross_entropy_grad_handout():
    """The gradient is (softmax(logits) - one_hot(labels)) / N."""
    expected = [[-0.170499, 0.121216, 0.049283], [0.054302, -0.09876, 0.044459]]
    expect(softmax_cross_entropy_grad, HANDOUT, expected,
           "the gradient is (softmax(logits) - one_hot(labels)) / N: softmax over each row, "
           "subtract 1 at each sample's label, divide by the number of samples.",
           rtol=1e-5, atol=1e-6)  # fmt: skip


def test_classifier_shapes():
    """The parameters and the logits have the handout's shapes; forward is
    relu(X @ W1 + b1) @ W2 + b2."""
    net = Classifier(2, 5, 3, seed=0)
    shapes = {"W1": (2, 5), "b1": (5,), "W2": (5, 3), "b2": (3,)}
    for name, shape in shapes.items():
        got = np.shape(attribute(net, name, NETWORK, PARAMS))
        if got != shape:
            fail(f"{NETWORK}.{name} has shape {got}; expected {shape}.",
                 "W1 is (input_size, hidden_size) and W2 (hidden_size, n_classes); each bias "
                 "is one-dimensional, one value per neuron: np.zeros(size).")  # fmt: skip
    X = np.array([[0.0, 1.0], [1.0, 0.5], [-1.0, 2.0], [0.3, -0.7]])
    hidden = np.maximum(X @ np.asarray(net.W1) + np.asarray(net.b1), 0.0)
    expected = hidden @ np.asarray(net.W2) + np.asarray(net.b2)
    forward = named(f"{NETWORK}.forward", net.forward)
    expect(forward, {"X": X}, expected, "forward is relu(X @ W1 + b1) @ W2 + b2: a ReLU on the "
           "hidden layer, and the logits as they are (no softmax in forward).", **TOLERANCE)


def test_classifier_learns_the_spirals():
    """Classifier(2, 100, 3, seed=0), trained with learning rate 1.0 for 1000 epochs,
    classifies at least 95% of the three spirals' points (predict gives one int class per
    point, shape (300,): checked first, before the training)."""
    X, y = spiral_data(100, 3, 0)
    net = Classifier(2, 100, 3, seed=0)
    predict = named(f"{SPIRALS}.predict", net.predict)
    hint = ("predict gives one class index per sample: np.argmax(self.forward(X), axis=1), "
            "shape (N,) (axis=0 gives one per class; keepdims or a reshape gives (N, 1)).")
    got = call(predict, {"X": X}, hint)
    classes = numbers(got)
    called = f"{SPIRALS}.predict(X), X the 300 points of spiral_data(100, 3, 0) (shape (300, 2)),"
    if classes is None or classes.shape != (300,):
        fail(f"{called} returned {show(got)}; expected 300 class indices, one per point of X: "
             "shape (300,).", hint)  # fmt: skip
    if classes.dtype.kind not in "iu":
        fail(f"{called} returned {show(got)}, of dtype {classes.dtype}; expected class "
             "indices, ints.", "np.argmax already gives ints: return its result as it is "
             "(no conversion to float).")  # fmt: skip
    train = named(f"{SPIRALS}.train", net.train)
    case = {"X": X, "y": y, "learning_rate": 1.0, "epochs": 100}
    # Ten calls of 100 epochs are the same 1000 steps of full-batch gradient descent; they
    # keep each call short for the grader's time limit per call.
    losses = []
    for _ in range(10):
        got = call(train, case, "train repeats forward, the loss and step `epochs` times: an "
                   "error in one of them shows here (see their tests).")  # fmt: skip
        if numbers(got) is None or np.ndim(got) != 1 or len(got) != 100:
            fail(f"{SPIRALS}.train(X, y, 1.0, 100) returned {show(got)}; expected a list of "
                 "100 losses.", "append each epoch's loss, taken before step, to a list and "
                 "return it.")  # fmt: skip
        losses += list(got)
    if not losses[-1] < losses[0]:
        fail(f"{SPIRALS} trained 1000 epochs on spiral_data(100, 3, 0): the loss went from "
             f"{show(losses[0])} to {show(losses[-1])}; it must go down.",
             "step must go downhill: parameter -= learning_rate * its gradient, every "
             "gradient taken before any parameter changes.")  # fmt: skip
    accuracy = float(np.mean(np.asarray(call(predict, {"X": X}, hint)) == y))
    if accuracy < 0.95:
        fail(f"{SPIRALS} trained 1000 epochs on spiral_data(100, 3, 0) classifies "
             f"{accuracy:.1%} of the 300 points; at least 95% expected.",
             "check the gradient tests first; then the hidden layer (a linear model stays "
             "near 50%) and the weights' scale (He: sqrt(2 / fan_in)).")  # fmt: skip


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
