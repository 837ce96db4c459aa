"""Hidden suite for stage 3, ``batch``: ``dense_forward`` and ``two_layer_forward``.

Expected values always come from the reference. The misconceptions recognised here
are the ones of this stage: a missing transpose (in either layer; on square matrices
it runs and gives wrong numbers, on the others it raises), the transposed output,
biases on the wrong axis, the elementwise product of stage 2's habits, a dropped
batch dimension, an activation between the layers, list inputs not converted, and
shape errors left to NumPy.
"""

import re

import numpy as np
import pytest

from grader.errors import StudentRaised
from grader.outputs.report import format_error
from grader.suites.checks import (
    Hint,
    Mismatch,
    call_keeping_args,
    describe_inputs,
    expect_close,
    expect_right_too,
    expect_true,
    expect_unchanged,
    summarize,
)
from reference import batch as ref

pytestmark = [pytest.mark.hidden]

# The contract's known values (the handout's batch).
INPUTS = [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]]
WEIGHTS1 = [[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
BIASES1 = [2, 3, 0.5]
WEIGHTS2 = [[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]]
BIASES2 = [-1, 2, -0.5]

DENSE = ("inputs", "weights", "biases")
TWO = ("inputs", "weights1", "biases1", "weights2", "biases2")

# Looser than the course default (rtol 1e-6, atol 1e-9), on purpose: a correct solution
# that computes in float32 rounds every product and partial sum to ~6e-8 relative, so its
# error is ~1e-6 of the *terms* of each dot product, not of the result, which can be
# much smaller after cancellation (the handout's 0.026 is a sum of terms of size ~3),
# and the second layer carries the first layer's error. rtol 1e-5 plus an atol of 1e-5
# times the largest |term| sum covers that; every misconception below moves results
# by more than 1e-2.
RTOL = 1e-5


def arrays(inputs: dict, names=None) -> list[np.ndarray]:
    return [np.asarray(inputs[name], dtype=float) for name in names or inputs]


def tolerance(case: dict) -> dict:
    """rtol/atol for expect_close, scaled to the magnitude of the terms (see RTOL)."""
    values = arrays(case)
    size = np.abs(values[0])
    for weights, biases in zip(values[1::2], values[2::2], strict=True):
        size = size @ np.abs(weights).T + np.abs(biases)
    return {"rtol": RTOL, "atol": 1e-5 * max(1.0, float(np.max(size, initial=0.0)))}


def shapes(case: dict) -> str:
    return ", ".join(f"{name} of shape {np.shape(value)}" for name, value in case.items())


def random_dense(rng, n_samples, n_inputs, n_neurons) -> dict:
    return {
        "inputs": rng.normal(size=(n_samples, n_inputs)).round(3),
        "weights": rng.normal(size=(n_neurons, n_inputs)).round(3),
        "biases": rng.normal(size=n_neurons).round(3),
    }


def random_two_layer(rng, n_samples, n_inputs, n_hidden, n_outputs) -> dict:
    first = random_dense(rng, n_samples, n_inputs, n_hidden)
    second = random_dense(rng, 1, n_hidden, n_outputs)
    return {
        "inputs": first["inputs"],
        "weights1": first["weights"],
        "biases1": first["biases"],
        "weights2": second["weights"],
        "biases2": second["biases"],
    }


def as_lists(case: dict) -> dict:
    return {name: np.asarray(value).tolist() for name, value in case.items()}


# ---------------------------------------------------------------- misconceptions


def variant(names, compute):
    """A Hint test: ``got`` equals ``compute(*inputs)``, a wrong computation."""

    def applies(got, expected, inputs):
        with np.errstate(all="ignore"):
            try:
                value = np.asarray(compute(*arrays(inputs, names)), dtype=float)
            except ValueError:  # the wrong computation does not even run on these shapes
                return False
        return got.shape == value.shape and bool(np.allclose(got, value, rtol=1e-5, atol=1e-6))

    return applies


def dense(x, w, b):
    return x @ w.T + b


def relu(z):
    return np.maximum(z, 0.0)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def squeezed(got, expected, inputs):
    """Right numbers, but the batch (or neuron) dimension was dropped."""
    return (
        got.shape != expected.shape
        and got.size == expected.size
        and got.ndim < expected.ndim
        and bool(np.allclose(got.ravel(), expected.ravel(), rtol=1e-5, atol=1e-6))
    )


DROPPED_DIMENSION = Hint(
    squeezed,
    "the values are right but a dimension was dropped: one sample still gives shape "
    "(1, n_neurons) and one neuron (n_samples, 1). Keep the 2-D (n_samples, n_neurons) "
    "result: no squeeze, flatten, ravel or [0].",
)
TRANSPOSED_OUTPUT = Hint(
    lambda got, expected, inputs: (
        got.shape == expected.T.shape and bool(np.allclose(got, expected.T, rtol=1e-5, atol=1e-6))
    ),
    "your result is the transpose of what was asked: it has one row per neuron and one "
    "column per sample. Return shape (n_samples, n_neurons), one row per sample: "
    "inputs @ weights.T + biases.",
)

DENSE_HINTS = [
    Hint(
        variant(DENSE, lambda x, w, b: x @ w + b),
        "the weights were not transposed: weights holds one row per neuron, shape "
        "(n_neurons, n_inputs), so the product is inputs @ weights.T (inputs @ weights "
        "only runs at all because this weights matrix is square).",
    ),
    Hint(
        variant(DENSE, lambda x, w, b: x @ w.T + b[:, None]),
        "the biases were added along the wrong axis: each bias belongs to a neuron, i.e. "
        "to a column of the (n_samples, n_neurons) result, so add `biases` as it is to "
        "inputs @ weights.T, not once per sample (biases[:, None], or added to "
        "weights @ inputs.T before transposing back).",
    ),
    Hint(
        variant(DENSE, lambda x, w, b: w @ x.T + b),
        "this is weights @ inputs.T + biases: one row per neuron instead of one per "
        "sample (the transpose of what was asked), and the biases then line up with the "
        "samples, not the neurons. Use inputs @ weights.T + biases.",
    ),
    TRANSPOSED_OUTPUT,
    Hint(
        variant(DENSE, lambda x, w, b: np.sum(x * w, axis=1) + b),
        "sample i was only multiplied by neuron i (an elementwise `*` and a sum, as for "
        "one sample in stage 2): in a batch every sample meets every neuron, which is a "
        "matrix product, inputs @ weights.T, of shape (n_samples, n_neurons).",
    ),
    Hint(
        variant(DENSE, lambda x, w, b: x @ w.T),
        "the biases are missing: add `biases` (one per neuron) to every row of inputs @ weights.T.",
    ),
    Hint(
        variant(DENSE, lambda x, w, b: x @ w.T + x.shape[1] * b),
        "each bias was added once per input: add it once per neuron, after the product.",
    ),
    DROPPED_DIMENSION,
]

SECOND_LAYER_NO_TRANSPOSE = (
    "the second layer forgot the transpose: weights2 has the same one-row-per-neuron "
    "layout as weights1, shape (n_outputs, n_hidden), so the second product is "
    "hidden @ weights2.T"
)
FIRST_LAYER_NO_TRANSPOSE = (
    "the first layer forgot the transpose: weights1 holds one row per hidden neuron, "
    "shape (n_hidden, n_inputs), so the first product is inputs @ weights1.T"
)
ACTIVATION = (
    "an activation function (relu, sigmoid or tanh) was applied: this stage has none. "
    "two_layer_forward is dense_forward twice: hidden = dense_forward(inputs, weights1, "
    "biases1), then dense_forward(hidden, weights2, biases2)."
)


def two_layer_variant(first, second, between=lambda h: h, after=lambda y: y):
    """A wrong two-layer computation from one-layer computations and activations."""

    def compute(x, w1, b1, w2, b2):
        return after(second(between(first(x, w1, b1)), w2, b2))

    return variant(TWO, compute)


def no_transpose(x, w, b):
    return x @ w + b


def no_bias(x, w, b):
    return x @ w.T


TWO_LAYER_HINTS = [
    Hint(
        two_layer_variant(dense, no_transpose),
        SECOND_LAYER_NO_TRANSPOSE + " (hidden @ weights2 only runs here because weights2 "
        "is square).",
    ),
    Hint(
        two_layer_variant(no_transpose, dense),
        FIRST_LAYER_NO_TRANSPOSE + " (inputs @ weights1 only runs here because weights1 "
        "is square).",
    ),
    Hint(
        two_layer_variant(no_transpose, no_transpose),
        "neither layer transposes its weights: both are (n_neurons, n_inputs), so each "
        "layer computes x @ weights.T + biases (the second layer forgot the transpose, "
        "and so did the first).",
    ),
    *(
        Hint(two_layer_variant(dense, dense, between=f), ACTIVATION)
        for f in (relu, sigmoid, np.tanh)
    ),
    *(Hint(two_layer_variant(dense, dense, after=f), ACTIVATION) for f in (relu, sigmoid, np.tanh)),
    Hint(
        variant(TWO, lambda x, w1, b1, w2, b2: dense(x, w1, b1)),
        "this is the first layer's output (the hidden layer): return the second layer's, "
        "dense_forward(hidden, weights2, biases2).",
    ),
    Hint(
        variant(TWO, lambda x, w1, b1, w2, b2: dense(x, w2, b2)),
        "the second layer was applied to `inputs` instead of to the first layer's output: "
        "feed it hidden = dense_forward(inputs, weights1, biases1).",
    ),
    *(
        Hint(
            variant(TWO, compute),
            "the biases are mixed up: biases1 go with weights1 (the first layer), biases2 "
            "with weights2 (the second).",
        )
        for compute in (
            lambda x, w1, b1, w2, b2: dense(dense(x, w1, b2), w2, b1),
            lambda x, w1, b1, w2, b2: dense(dense(x, w1, b1), w2, b1),
            lambda x, w1, b1, w2, b2: dense(dense(x, w1, b2), w2, b2),
        )
    ),
    *(
        Hint(
            two_layer_variant(first, second),
            "a layer's biases are missing: each layer adds its own biases after its product.",
        )
        for first, second in ((dense, no_bias), (no_bias, dense), (no_bias, no_bias))
    ),
    TRANSPOSED_OUTPUT,
    DROPPED_DIMENSION,
]

HINTS = {"dense_forward": DENSE_HINTS, "two_layer_forward": TWO_LAYER_HINTS}


# ---------------------------------------------------------------- calling the student


def raised_hint(function: str, exc: StudentRaised, case: dict) -> str | None:
    """Why the student's code probably raised on shapes that fit."""
    message = str(exc)
    lists = [name for name, value in case.items() if type(value) is list]
    if exc.student_type in ("AttributeError", "TypeError") and lists:
        return (
            f"{', '.join(lists)} arrived as Python lists, which have no .T, .shape or @: "
            "convert them first, e.g. inputs = np.asarray(inputs, dtype=float)."
        )
    if exc.student_type != "ValueError":
        return None
    product = any(word in message for word in ("matmul", "aligned", "remapped", "core dim"))
    if "broadcast" in message and not product:
        return (
            "the biases do not line up with the result: they belong to the neurons, the "
            "last axis of the (n_samples, n_neurons) result, so inputs @ weights.T + biases "
            "broadcasts them right; added to weights @ inputs.T (one row per neuron) or as "
            "biases[:, None] they run along the samples."
        )
    if function == "dense_forward":
        if product:
            return (
                "the matrix product does not fit: inputs is (n_samples, n_inputs) and "
                "weights (n_neurons, n_inputs), one row per neuron, so multiply by the "
                "transpose: inputs @ weights.T."
            )
        return (
            "these shapes fit, but your shape check rejected them: weights is "
            "(n_neurons, n_inputs), one row per neuron (not (n_inputs, n_neurons)), so "
            "inputs.shape[1] must equal weights.shape[1] and biases must have "
            "weights.shape[0] values."
        )
    n_inputs, n_hidden, n_outputs = (
        np.shape(case["weights1"])[1],
        np.shape(case["weights1"])[0],
        np.shape(case["weights2"])[0],
    )
    # Which product failed: the shapes tell when only one layer is square, else NumPy's
    # message does (matmul: "size H is different from D"; np.dot: "(N,D) and (H,D) not
    # aligned").
    first = f"size {n_hidden} is different from {n_inputs}", f"and ({n_hidden},{n_inputs}) not"
    second = f"size {n_outputs} is different from {n_hidden}", f"and ({n_outputs},{n_hidden}) not"
    first_failed = (n_inputs != n_hidden and n_hidden == n_outputs) or (
        any(text in message for text in first) and not any(text in message for text in second)
    )
    second_failed = (n_hidden != n_outputs and n_inputs == n_hidden) or (
        any(text in message for text in second) and not any(text in message for text in first)
    )
    if product and second_failed and not first_failed:
        return SECOND_LAYER_NO_TRANSPOSE + " (hidden @ weights2 fails when weights2 is not square)."
    if product and first_failed and not second_failed:
        return FIRST_LAYER_NO_TRANSPOSE + " (inputs @ weights1 fails when it is not square)."
    if product:
        return (
            "a matrix product does not fit: both weights are (n_neurons, n_inputs), so each "
            "layer multiplies by the transpose — did a layer forget the transpose "
            "(inputs @ weights1.T, then hidden @ weights2.T)?"
        )
    return (
        "these shapes fit, but your code rejected them: both weights are (n_neurons, "
        "n_inputs), one row per neuron (not (n_inputs, n_neurons)); the hidden layer has "
        "weights1.shape[0] columns, which must equal weights2.shape[1]."
    )


def call(student, function: str, case: dict):
    """The student's result for ``case``, whose shapes fit; raising on it is a Mismatch."""
    try:
        return getattr(student, function)(*case.values())
    except StudentRaised as exc:
        if exc.student_type == "NotImplementedError":
            raise
        error = {"type": exc.student_type, "message": str(exc), "frames": list(exc.frames)}
        lines = [
            f"{function}({describe_inputs(case)}) raised {format_error(error)}",
            f"  but these shapes fit ({shapes(case)}): expected a result of shape "
            f"{np.shape(getattr(ref, function)(*case.values()))}.",
        ]
        hint = raised_hint(function, exc, case)
        if hint:
            lines.append(f"  Hint: {hint}")
        raise Mismatch("\n".join(lines)) from None


def check(student, function: str, case: dict, what: str = ""):
    """Call the student on ``case`` and compare with the reference; returns the result."""
    got = call(student, function, case)
    expected = getattr(ref, function)(*case.values())
    expect_close(function, got, expected, case, HINTS[function], what=what, **tolerance(case))
    return got


def expect_value_error(student, function: str, case: dict, why: str, hint: str = ""):
    """The student raises ValueError on ``case``; returns its message."""
    try:
        got = getattr(student, function)(*case.values())
    except ValueError as exc:
        return str(exc)
    except StudentRaised as exc:
        if exc.student_type == "NotImplementedError":
            raise
        error = {"type": exc.student_type, "message": str(exc), "frames": list(exc.frames)}
        raise Mismatch(
            f"{function}({shapes(case)}) raised {format_error(error)}; expected a ValueError "
            f"because {why}. Check the shapes first and raise ValueError naming them."
        ) from None
    text = (
        f"{function}({shapes(case)}) returned {summarize(got)} instead of raising "
        f"ValueError: {why}."
    )
    raise Mismatch(text + (f"\n  Hint: {hint}" if hint else ""))


def handout_case(function: str) -> dict:
    values = (INPUTS, WEIGHTS1, BIASES1, WEIGHTS2, BIASES2)
    names = DENSE if function == "dense_forward" else TWO
    return {k: np.array(v, dtype=float) for k, v in zip(names, values, strict=False)}


def expect_handout(student, function: str):
    """``function`` gives the handout's values: what a test of its error handling asks
    first (see checks.expect_right_too)."""
    expect_right_too(function, lambda: check(student, function, handout_case(function)))


def expect_same_call_right(function: str, got, before: dict):
    """The value a test's own call returned (on the valid ``before``) is right too."""
    expected = getattr(ref, function)(*before.values())

    def compare():
        expect_close(function, got, expected, before, HINTS[function], **tolerance(before))

    expect_right_too(function, compare)


def all_floats(value) -> bool:
    if isinstance(value, np.ndarray | np.generic):
        return value.dtype.kind == "f"
    if type(value) in (list, tuple):
        return all(all_floats(v) for v in value)
    return type(value) is float


# ---------------------------------------------------------------- dense_forward


@pytest.mark.points(2)
@pytest.mark.function("dense_forward")
def test_dense_forward_handout(student):
    """dense_forward gives the handout's values for its batch of 3 samples."""
    case = {"inputs": INPUTS, "weights": WEIGHTS1, "biases": BIASES1}
    check(student, "dense_forward", {k: np.array(v, dtype=float) for k, v in case.items()})


@pytest.mark.points(2)
@pytest.mark.function("dense_forward")
@pytest.mark.parametrize("size", [(2, 5, 3), (6, 3, 4)], ids=["wide", "tall"])
def test_dense_forward_random(student, rng, size):
    """dense_forward gives inputs @ weights.T + biases, shape (n_samples, n_neurons).

    Random batches where n_samples, n_inputs and n_neurons all differ.
    """
    check(student, "dense_forward", random_dense(rng, *size))


@pytest.mark.points(2)
@pytest.mark.function("dense_forward")
def test_dense_forward_square(student, rng):
    """dense_forward on square shapes (4 samples, 4 inputs, 4 neurons).

    Here the wrong layouts run without error but give wrong numbers.
    """
    check(student, "dense_forward", random_dense(rng, 4, 4, 4))


@pytest.mark.function("dense_forward")
def test_dense_forward_one_sample(student, rng):
    """dense_forward on a batch of one sample, shape (1, n_inputs), gives (1, n_neurons)."""
    check(student, "dense_forward", random_dense(rng, 1, 5, 3))


@pytest.mark.function("dense_forward")
def test_dense_forward_one_feature(student, rng):
    """dense_forward with one input per sample, shape (n_samples, 1)."""
    check(student, "dense_forward", random_dense(rng, 4, 1, 3))


@pytest.mark.function("dense_forward")
def test_dense_forward_one_neuron(student, rng):
    """dense_forward with a single neuron gives shape (n_samples, 1)."""
    check(student, "dense_forward", random_dense(rng, 5, 3, 1))


@pytest.mark.function("dense_forward")
def test_dense_forward_lists(student, rng):
    """dense_forward accepts Python lists."""
    check(student, "dense_forward", as_lists(random_dense(rng, 3, 2, 4)), what="(lists)")


@pytest.mark.function("dense_forward")
def test_dense_forward_float_result(student):
    """dense_forward returns floats, also for integer inputs."""
    case = {
        "inputs": np.array([[1, 2], [3, 4], [5, -6]]),
        "weights": np.array([[1, 0], [2, -1], [0, 3]]),
        "biases": np.array([3, -1, 2]),
    }
    got = check(student, "dense_forward", case)
    expect_true(
        all_floats(got),
        f"dense_forward({describe_inputs(case)}) returned integers "
        f"({summarize(got)}, dtype {np.asarray(got).dtype}); the contract asks for float "
        "results: convert the inputs first, e.g. np.asarray(inputs, dtype=float).",
    )


@pytest.mark.function("dense_forward")
def test_dense_forward_float32_inputs(student, rng):
    """dense_forward accepts float32 arrays (computing in float32 is fine)."""
    case = {k: v.astype(np.float32) for k, v in random_dense(rng, 3, 5, 2).items()}
    check(student, "dense_forward", case, what="(float32 arrays)")


@pytest.mark.function("dense_forward")
def test_dense_forward_leaves_inputs(student, rng):
    """dense_forward does not modify its arguments."""
    case = random_dense(rng, 3, 4, 2)
    before = {name: value.copy() for name, value in case.items()}
    got, after = call_keeping_args(student, "dense_forward", case)
    expect_unchanged("dense_forward", before, after, DENSE)
    expect_same_call_right("dense_forward", got, before)


@pytest.mark.points(2)
@pytest.mark.function("dense_forward")
def test_dense_forward_mismatch_raises(student):
    """dense_forward raises ValueError when the shapes do not fit."""
    expect_value_error(
        student,
        "dense_forward",
        {"inputs": np.ones((2, 4)), "weights": np.ones((3, 5)), "biases": np.zeros(3)},
        "each sample has 4 inputs but each neuron (a row of weights) has 5 weights",
    )
    expect_value_error(
        student,
        "dense_forward",
        {"inputs": np.ones((3, 4)), "weights": np.ones((3, 4)), "biases": np.zeros(2)},
        "there are 3 neurons (rows of weights) but 2 biases",
    )
    expect_value_error(
        student,
        "dense_forward",
        {"inputs": np.ones((4, 3)), "weights": np.ones((3, 4)), "biases": np.zeros(4)},
        "weights (3, 4) is 3 neurons of 4 inputs, but each sample has 3 inputs",
        "these shapes only fit weights in the (n_inputs, n_neurons) layout: weights is "
        "(n_neurons, n_inputs), one row per neuron, so inputs.shape[1] must equal "
        "weights.shape[1] and the product is inputs @ weights.T.",
    )
    expect_handout(student, "dense_forward")


@pytest.mark.function("dense_forward")
def test_dense_forward_error_names_shapes(student):
    """dense_forward's ValueError message names the shapes that do not fit."""
    case = {"inputs": np.ones((2, 4)), "weights": np.ones((3, 5)), "biases": np.zeros(3)}
    message = expect_value_error(
        student,
        "dense_forward",
        case,
        "each sample has 4 inputs but each neuron (a row of weights) has 5 weights",
    )
    named = all(re.search(rf"(?<!\d){n}(?!\d)", message) for n in "2435")
    expect_true(
        named,
        f"dense_forward({shapes(case)}) raised ValueError({message[:200]!r}), which does not "
        'name both shapes. Say what did not fit, e.g. raise ValueError(f"inputs '
        "{inputs.shape} and weights {weights.shape} do not fit\"): NumPy's own message does "
        "not tell the student using your function which shapes they passed.",
    )
    expect_handout(student, "dense_forward")


@pytest.mark.function("dense_forward")
def test_dense_forward_bias_length_one_raises(student):
    """dense_forward raises ValueError for one bias given to three neurons."""
    expect_value_error(
        student,
        "dense_forward",
        {"inputs": np.ones((2, 4)), "weights": np.ones((3, 4)), "biases": np.ones(1)},
        "there are 3 neurons but only 1 bias",
        "NumPy broadcasting silently stretches a length-1 array over every neuron: check "
        "biases.shape == (n_neurons,) yourself.",
    )
    expect_handout(student, "dense_forward")


# ---------------------------------------------------------------- two_layer_forward


@pytest.mark.points(2)
@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_handout(student):
    """two_layer_forward gives the handout's values (square second layer)."""
    case = dict(zip(TWO, (INPUTS, WEIGHTS1, BIASES1, WEIGHTS2, BIASES2), strict=True))
    check(student, "two_layer_forward", {k: np.array(v, dtype=float) for k, v in case.items()})


@pytest.mark.points(2)
@pytest.mark.function("two_layer_forward")
@pytest.mark.parametrize(
    "size",
    [(4, 5, 5, 2), (3, 2, 4, 4), (3, 3, 3, 3), (6, 3, 5, 2)],
    ids=["square_first_layer", "square_second_layer", "all_square", "no_square"],
)
def test_two_layer_forward_random(student, rng, size):
    """two_layer_forward is two dense layers, both x @ weights.T + biases, no activation.

    Random sizes (n_samples, n_inputs, n_hidden, n_outputs).
    """
    check(student, "two_layer_forward", random_two_layer(rng, *size))


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_one_sample(student, rng):
    """two_layer_forward on one sample, shape (1, n_inputs), gives (1, n_outputs)."""
    check(student, "two_layer_forward", random_two_layer(rng, 1, 3, 4, 2))


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_lists(student, rng):
    """two_layer_forward accepts Python lists."""
    case = as_lists(random_two_layer(rng, 2, 3, 4, 2))
    check(student, "two_layer_forward", case, what="(lists)")


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_float32_inputs(student, rng):
    """two_layer_forward accepts float32 arrays (computing in float32 is fine)."""
    case = {k: v.astype(np.float32) for k, v in random_two_layer(rng, 4, 3, 5, 2).items()}
    check(student, "two_layer_forward", case, what="(float32 arrays)")


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_leaves_inputs(student, rng):
    """two_layer_forward does not modify its arguments."""
    case = random_two_layer(rng, 3, 2, 4, 3)
    before = {name: value.copy() for name, value in case.items()}
    got, after = call_keeping_args(student, "two_layer_forward", case)
    expect_unchanged("two_layer_forward", before, after, TWO)
    expect_same_call_right("two_layer_forward", got, before)


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_mismatch_raises(student):
    """two_layer_forward raises ValueError when a layer's shapes do not fit."""
    expect_value_error(
        student,
        "two_layer_forward",
        dict(
            zip(
                TWO,
                (np.ones((2, 4)), np.ones((3, 5)), np.zeros(3), np.ones((2, 3)), np.zeros(2)),
                strict=True,
            )
        ),
        "each sample has 4 inputs but each first-layer neuron has 5 weights",
    )
    expect_value_error(
        student,
        "two_layer_forward",
        dict(
            zip(
                TWO,
                (np.ones((2, 4)), np.ones((3, 4)), np.zeros(3), np.ones((3, 5)), np.zeros(5)),
                strict=True,
            )
        ),
        "the hidden layer has 3 neurons but each second-layer neuron (a row of weights2) "
        "has 5 weights",
        SECOND_LAYER_NO_TRANSPOSE + ": these shapes only fit weights2 in the (n_hidden, "
        "n_outputs) layout.",
    )
    expect_handout(student, "two_layer_forward")
