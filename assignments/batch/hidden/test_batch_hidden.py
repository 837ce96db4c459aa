"""Hidden suite for stage 3, ``batch``: ``dense_forward`` and ``two_layer_forward``.

Expected values always come from the reference. The misconceptions recognised here
are the ones of this stage: a missing transpose (in either layer; on square matrices
it runs and gives wrong numbers, on the others it raises), the transposed output,
biases on the wrong axis, the elementwise product of stage 2's habits, a dropped
batch dimension, an activation between the layers, list inputs not converted, and
shape errors left to NumPy.
"""

import numpy as np
import pytest

from grader.suites.checks import Hint, RaiseHint, load_reference

pytestmark = [pytest.mark.hidden]
REFERENCE = load_reference(__file__)

# The contract's known values (the handout's batch).
INPUTS = [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]]
WEIGHTS1 = [[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
BIASES1 = [2, 3, 0.5]
WEIGHTS2 = [[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]]
BIASES2 = [-1, 2, -0.5]

DENSE = ("inputs", "weights", "biases")
TWO = ("inputs", "weights1", "biases1", "weights2", "biases2")


def tolerance(case: dict, got=None, expected=None) -> dict:
    """rtol/atol scaled to the magnitude of the terms.

    Looser than the course default (rtol 1e-6, atol 1e-9), on purpose: a correct solution
    that computes in float32 rounds every product and partial sum to ~6e-8 relative, so its
    error is ~1e-6 of the *terms* of each dot product, not of the result, which can be
    much smaller after cancellation (the handout's 0.026 is a sum of terms of size ~3),
    and the second layer carries the first layer's error. rtol 1e-5 plus an atol of 1e-5
    times the largest |term| sum covers that; every misconception below moves results
    by more than 1e-2.
    """
    values = [np.asarray(value, dtype=float) for value in case.values()]
    size = np.abs(values[0])
    for weights, biases in zip(values[1::2], values[2::2], strict=True):
        size = size @ np.abs(weights).T + np.abs(biases)
    return {"rtol": 1e-5, "atol": 1e-5 * max(1.0, float(np.max(size, initial=0.0)))}


TOLERANCE = {"dense_forward": tolerance, "two_layer_forward": tolerance}


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


def handout_case(function: str) -> dict:
    values = (INPUTS, WEIGHTS1, BIASES1, WEIGHTS2, BIASES2)
    names = DENSE if function == "dense_forward" else TWO
    return {k: np.array(v, dtype=float) for k, v in zip(names, values, strict=False)}


# ---------------------------------------------------------------- misconceptions


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
    # First: on one sample, the elementwise product of stage 2 gives the same numbers as a
    # squeezed result; the dropped dimension is what the result shows.
    DROPPED_DIMENSION,
    Hint.same_as(
        lambda x, w, b: x @ w + b,
        "the weights were not transposed: weights holds one row per neuron, shape "
        "(n_neurons, n_inputs), so the product is inputs @ weights.T (inputs @ weights "
        "only runs at all because this weights matrix is square).",
    ),
    Hint.same_as(
        lambda x, w, b: x @ w.T + b[:, None],
        "the biases were added along the wrong axis: each bias belongs to a neuron, i.e. "
        "to a column of the (n_samples, n_neurons) result, so add `biases` as it is to "
        "inputs @ weights.T, not once per sample (biases[:, None], or added to "
        "weights @ inputs.T before transposing back).",
    ),
    Hint.same_as(
        lambda x, w, b: w @ x.T + b,
        "this is weights @ inputs.T + biases: one row per neuron instead of one per "
        "sample (the transpose of what was asked), and the biases then line up with the "
        "samples, not the neurons. Use inputs @ weights.T + biases.",
    ),
    TRANSPOSED_OUTPUT,
    Hint.same_as(
        lambda x, w, b: np.sum(x * w, axis=1) + b,
        "sample i was only multiplied by neuron i (an elementwise `*` and a sum, as for "
        "one sample in stage 2): in a batch every sample meets every neuron, which is a "
        "matrix product, inputs @ weights.T, of shape (n_samples, n_neurons).",
    ),
    Hint.same_as(
        lambda x, w, b: x @ w.T,
        "the biases are missing: add `biases` (one per neuron) to every row of inputs @ weights.T.",
    ),
    Hint.same_as(
        lambda x, w, b: x @ w.T + x.shape[1] * b,
        "each bias was added once per input: add it once per neuron, after the product.",
    ),
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

    return compute


def no_transpose(x, w, b):
    return x @ w + b


def no_bias(x, w, b):
    return x @ w.T


TWO_LAYER_HINTS = [
    Hint.same_as(
        two_layer_variant(dense, no_transpose),
        SECOND_LAYER_NO_TRANSPOSE + " (hidden @ weights2 only runs here because weights2 "
        "is square).",
    ),
    Hint.same_as(
        two_layer_variant(no_transpose, dense),
        FIRST_LAYER_NO_TRANSPOSE + " (inputs @ weights1 only runs here because weights1 "
        "is square).",
    ),
    Hint.same_as(
        two_layer_variant(no_transpose, no_transpose),
        "neither layer transposes its weights: both are (n_neurons, n_inputs), so each "
        "layer computes x @ weights.T + biases (the second layer forgot the transpose, "
        "and so did the first).",
    ),
    *(
        Hint.same_as(two_layer_variant(dense, dense, between=f), ACTIVATION)
        for f in (relu, sigmoid, np.tanh)
    ),
    *(
        Hint.same_as(two_layer_variant(dense, dense, after=f), ACTIVATION)
        for f in (relu, sigmoid, np.tanh)
    ),
    Hint.same_as(
        lambda x, w1, b1, w2, b2: dense(x, w1, b1),
        "this is the first layer's output (the hidden layer): return the second layer's, "
        "dense_forward(hidden, weights2, biases2).",
    ),
    Hint.same_as(
        lambda x, w1, b1, w2, b2: dense(x, w2, b2),
        "the second layer was applied to `inputs` instead of to the first layer's output: "
        "feed it hidden = dense_forward(inputs, weights1, biases1).",
    ),
    *(
        Hint.same_as(
            compute,
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
        Hint.same_as(
            two_layer_variant(first, second),
            "a layer's biases are missing: each layer adds its own biases after its product.",
        )
        for first, second in ((dense, no_bias), (no_bias, dense), (no_bias, no_bias))
    ),
    TRANSPOSED_OUTPUT,
    DROPPED_DIMENSION,
]

SUBTRACTED = "the biases were subtracted: add them, inputs @ weights.T + biases."
DENSE_HINTS.append(Hint.same_as(lambda x, w, b: x @ w.T - b, SUBTRACTED))
TWO_LAYER_HINTS.append(
    Hint.same_as(two_layer_variant(lambda x, w, b: x @ w.T - b, lambda x, w, b: x @ w.T - b),
                 SUBTRACTED)
)  # fmt: skip
HINTS = {"dense_forward": DENSE_HINTS, "two_layer_forward": TWO_LAYER_HINTS}


def dense_cases(case: dict) -> list[dict]:
    """The two dense_forward calls a two-layer case makes (the second on the reference's
    hidden layer): when the student's dense_forward is wrong on one of them, a wrong
    two_layer_forward is reported on dense_forward, where the mistake is."""
    x, w1, b1, w2, b2 = case.values()
    hidden = REFERENCE.dense_forward(x, w1, b1)
    return [dict(zip(DENSE, (x, w1, b1), strict=True)), dict(zip(DENSE, (hidden, w2, b2),
                                                                 strict=True))]  # fmt: skip


UPSTREAM = {"two_layer_forward": {"dense_forward": dense_cases}}


# ---------------------------------------------------------------- errors on shapes that fit

PRODUCT_WORDS = ("matmul", "aligned", "remapped", "core dim")


def _product_failed(raised) -> bool:
    return raised.type == "ValueError" and any(w in raised.message for w in PRODUCT_WORDS)


def _failed_layer(raised, case) -> str:
    """Which product of two_layer_forward failed ("first", "second" or ""): the shapes
    tell when only one layer is square, else NumPy's message does (matmul: "size H is
    different from D"; np.dot: "(N,D) and (H,D) not aligned")."""
    n_hidden, n_inputs = np.shape(case["weights1"])
    n_outputs = np.shape(case["weights2"])[0]
    first = f"size {n_hidden} is different from {n_inputs}", f"and ({n_hidden},{n_inputs}) not"
    second = f"size {n_outputs} is different from {n_hidden}", f"and ({n_outputs},{n_hidden}) not"
    in_first = any(text in raised.message for text in first)
    in_second = any(text in raised.message for text in second)
    first_failed = (n_inputs != n_hidden and n_hidden == n_outputs) or (in_first and not in_second)
    second_failed = (n_hidden != n_outputs and n_inputs == n_hidden) or (in_second and not in_first)
    if first_failed != second_failed:
        return "first" if first_failed else "second"
    return ""


LISTS = RaiseHint.on(
    ["AttributeError", "TypeError"],
    "the inputs arrived as Python lists, which have no .T, .shape or @: convert them first, "
    "e.g. inputs = np.asarray(inputs, dtype=float).",
    when=lambda case: any(type(value) is list for value in case.values()),
)
BROADCAST = RaiseHint(
    lambda raised, case: (
        raised.type == "ValueError"
        and "broadcast" in raised.message
        and not _product_failed(raised)
    ),
    "the biases do not line up with the result: they belong to the neurons, the last axis of "
    "the (n_samples, n_neurons) result, so inputs @ weights.T + biases broadcasts them right; "
    "added to weights @ inputs.T (one row per neuron) or as biases[:, None] they run along "
    "the samples.",
)
RAISE_HINTS = {
    "dense_forward": [
        LISTS,
        BROADCAST,
        RaiseHint(
            lambda raised, case: _product_failed(raised),
            "the matrix product does not fit: inputs is (n_samples, n_inputs) and weights "
            "(n_neurons, n_inputs), one row per neuron, so multiply by the transpose: "
            "inputs @ weights.T.",
        ),
        RaiseHint.on(
            ["ValueError"],
            "these shapes fit, but your shape check rejected them: weights is "
            "(n_neurons, n_inputs), one row per neuron (not (n_inputs, n_neurons)), so "
            "inputs.shape[1] must equal weights.shape[1] and biases must have "
            "weights.shape[0] values.",
        ),
    ],
    "two_layer_forward": [
        LISTS,
        BROADCAST,
        RaiseHint(
            lambda raised, case: (
                _product_failed(raised) and _failed_layer(raised, case) == "second"
            ),
            SECOND_LAYER_NO_TRANSPOSE + " (hidden @ weights2 fails when weights2 is not square).",
        ),
        RaiseHint(
            lambda raised, case: _product_failed(raised) and _failed_layer(raised, case) == "first",
            FIRST_LAYER_NO_TRANSPOSE + " (inputs @ weights1 fails when it is not square).",
        ),
        RaiseHint(
            lambda raised, case: _product_failed(raised),
            "a matrix product does not fit: both weights are (n_neurons, n_inputs), so each "
            "layer multiplies by the transpose — did a layer forget the transpose "
            "(inputs @ weights1.T, then hidden @ weights2.T)?",
        ),
        RaiseHint.on(
            ["ValueError"],
            "these shapes fit, but your code rejected them: both weights are (n_neurons, "
            "n_inputs), one row per neuron (not (n_inputs, n_neurons)); the hidden layer has "
            "weights1.shape[0] columns, which must equal weights2.shape[1].",
        ),
    ],
}


# ---------------------------------------------------------------- dense_forward


@pytest.mark.points(2)
@pytest.mark.function("dense_forward")
def test_dense_forward_handout(check):
    """dense_forward gives the handout's values for its batch of 3 samples."""
    check.close(handout_case("dense_forward"))


@pytest.mark.points(2)
@pytest.mark.function("dense_forward")
@pytest.mark.parametrize("size", [(2, 5, 3), (6, 3, 4)], ids=["wide", "tall"])
def test_dense_forward_random(check, rng, size):
    """dense_forward gives inputs @ weights.T + biases, shape (n_samples, n_neurons).

    Random batches where n_samples, n_inputs and n_neurons all differ.
    """
    check.close(random_dense(rng, *size))


@pytest.mark.points(2)
@pytest.mark.function("dense_forward")
def test_dense_forward_square(check, rng):
    """dense_forward on square shapes (4 samples, 4 inputs, 4 neurons).

    Here the wrong layouts run without error but give wrong numbers.
    """
    check.close(random_dense(rng, 4, 4, 4))


@pytest.mark.function("dense_forward")
def test_dense_forward_one_sample(check, rng):
    """dense_forward on a batch of one sample, shape (1, n_inputs), gives (1, n_neurons)."""
    check.close(random_dense(rng, 1, 5, 3))


@pytest.mark.function("dense_forward")
def test_dense_forward_one_feature(check, rng):
    """dense_forward with one input per sample, shape (n_samples, 1)."""
    check.close(random_dense(rng, 4, 1, 3))


@pytest.mark.function("dense_forward")
def test_dense_forward_one_neuron(check, rng):
    """dense_forward with a single neuron gives shape (n_samples, 1)."""
    check.close(random_dense(rng, 5, 3, 1))


@pytest.mark.function("dense_forward")
def test_dense_forward_lists(check, rng):
    """dense_forward accepts Python lists."""
    check.close(as_lists(random_dense(rng, 3, 2, 4)), what="(lists)")


@pytest.mark.function("dense_forward")
def test_dense_forward_returns_an_array(check):
    """dense_forward returns a NumPy array of floats, also for integer inputs."""
    integers = {
        "inputs": np.array([[1, 2], [3, 4], [5, -6]]),
        "weights": np.array([[1, 0], [2, -1], [0, 3]]),
        "biases": np.array([3, -1, 2]),
    }
    for case in (integers, as_lists(integers)):
        got = check.close(case)
        check.returns(got, "float array", case, "convert the inputs first, e.g. "
                      "np.asarray(inputs, dtype=float), and return the NumPy result.")  # fmt: skip


@pytest.mark.function("dense_forward")
def test_dense_forward_float32_inputs(check, rng):
    """dense_forward accepts float32 arrays (computing in float32 is fine)."""
    case = {k: v.astype(np.float32) for k, v in random_dense(rng, 3, 5, 2).items()}
    check.close(case, what="(float32 arrays)")


@pytest.mark.function("dense_forward")
def test_dense_forward_leaves_inputs(check, rng):
    """dense_forward does not modify its arguments."""
    check.unchanged(random_dense(rng, 3, 4, 2))


@pytest.mark.points(2)
@pytest.mark.function("dense_forward")
def test_dense_forward_mismatch_raises(check):
    """dense_forward raises ValueError when the shapes do not fit."""
    check.raises(
        {"inputs": np.ones((2, 4)), "weights": np.ones((3, 5)), "biases": np.zeros(3)},
        why="each sample has 4 inputs but each neuron (a row of weights) has 5 weights",
    )
    check.raises(
        {"inputs": np.ones((3, 4)), "weights": np.ones((3, 4)), "biases": np.zeros(2)},
        why="there are 3 neurons (rows of weights) but 2 biases",
    )
    check.raises(
        {"inputs": np.ones((4, 3)), "weights": np.ones((3, 4)), "biases": np.zeros(4)},
        why="weights (3, 4) is 3 neurons of 4 inputs, but each sample has 3 inputs: these "
        "shapes only fit weights in the (n_inputs, n_neurons) layout: weights is "
        "(n_neurons, n_inputs), one row per neuron, so inputs.shape[1] must equal "
        "weights.shape[1] and the product is inputs @ weights.T",
    )
    check.also_right(handout_case("dense_forward"))


@pytest.mark.function("dense_forward")
def test_dense_forward_error_names_shapes(check):
    """dense_forward's ValueError message names the shapes that do not fit."""
    check.raises(
        {"inputs": np.ones((2, 4)), "weights": np.ones((3, 5)), "biases": np.zeros(3)},
        why="each sample has 4 inputs but each neuron (a row of weights) has 5 weights",
        sizes=(2, 4, 3, 5),
    )
    check.also_right(handout_case("dense_forward"))


@pytest.mark.function("dense_forward")
def test_dense_forward_bias_length_one_raises(check):
    """dense_forward raises ValueError for one bias given to three neurons."""
    check.raises(
        {"inputs": np.ones((2, 4)), "weights": np.ones((3, 4)), "biases": np.ones(1)},
        why="there are 3 neurons but only 1 bias: NumPy broadcasting silently stretches a "
        "length-1 array over every neuron, so check biases.shape == (n_neurons,) yourself",
    )
    check.also_right(handout_case("dense_forward"))


# ---------------------------------------------------------------- two_layer_forward


@pytest.mark.points(2)
@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_handout(check):
    """two_layer_forward gives the handout's values (square second layer)."""
    check.close(handout_case("two_layer_forward"))


@pytest.mark.points(2)
@pytest.mark.function("two_layer_forward")
@pytest.mark.parametrize(
    "size",
    [(4, 5, 5, 2), (3, 2, 4, 4), (3, 3, 3, 3), (6, 3, 5, 2)],
    ids=["square_first_layer", "square_second_layer", "all_square", "no_square"],
)
def test_two_layer_forward_random(check, rng, size):
    """two_layer_forward is two dense layers, both x @ weights.T + biases, no activation.

    Random sizes (n_samples, n_inputs, n_hidden, n_outputs).
    """
    check.close(random_two_layer(rng, *size))


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_one_sample(check, rng):
    """two_layer_forward on one sample, shape (1, n_inputs), gives (1, n_outputs)."""
    check.close(random_two_layer(rng, 1, 3, 4, 2))


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_lists(check, rng):
    """two_layer_forward accepts Python lists."""
    check.close(as_lists(random_two_layer(rng, 2, 3, 4, 2)), what="(lists)")


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_returns_an_array(check, rng):
    """two_layer_forward returns a NumPy array of floats, also for list inputs."""
    case = as_lists(random_two_layer(rng, 2, 3, 2, 2))
    got = check.close(case)
    check.returns(got, "float array", case, "return the NumPy result, not a list.")


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_float32_inputs(check, rng):
    """two_layer_forward accepts float32 arrays (computing in float32 is fine)."""
    case = {k: v.astype(np.float32) for k, v in random_two_layer(rng, 4, 3, 5, 2).items()}
    check.close(case, what="(float32 arrays)")


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_leaves_inputs(check, rng):
    """two_layer_forward does not modify its arguments."""
    check.unchanged(random_two_layer(rng, 3, 2, 4, 3))


def layers(*shapes) -> dict:
    """A two-layer case of arrays of ones (weights) and zeros (biases) of these shapes."""
    makers = (np.ones, np.ones, np.zeros, np.ones, np.zeros)
    return {name: make(shape) for name, make, shape in zip(TWO, makers, shapes, strict=True)}


@pytest.mark.function("two_layer_forward")
def test_two_layer_forward_mismatch_raises(check):
    """two_layer_forward raises ValueError when a layer's shapes do not fit."""
    check.raises(
        layers((2, 4), (3, 5), 3, (2, 3), 2),
        why="each sample has 4 inputs but each first-layer neuron has 5 weights",
    )
    check.raises(
        layers((2, 4), (3, 4), 3, (3, 5), 5),
        why="the hidden layer has 3 neurons but each second-layer neuron (a row of weights2) "
        f"has 5 weights. {SECOND_LAYER_NO_TRANSPOSE}: these shapes only fit weights2 in the "
        "(n_hidden, n_outputs) layout",
    )
    check.also_right(handout_case("two_layer_forward"))
