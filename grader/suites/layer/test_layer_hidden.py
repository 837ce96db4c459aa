"""Hidden suite for stage 2, ``layer``.

Every expected value comes from ``reference.layer``. Random layers are deliberately
non-square (n_inputs != n_neurons): a square weight matrix hides the classic mistake
of reading the weights column-wise, which only the square tests below name.
"""

import numpy as np
import pytest

from grader.errors import StudentRaised
from grader.outputs.report import format_error
from grader.student.wire import Unsupported
from grader.suites.checks import (
    Hint,
    Mismatch,
    call_keeping_args,
    call_watching_numpy,
    describe_inputs,
    expect_close,
    expect_right_too,
    expect_true,
    expect_unchanged,
    summarize,
)
from reference import layer as ref

pytestmark = [pytest.mark.hidden]

# A solution may legitimately compute in float32 (np.float32 arrays): each product and
# partial sum then carries a relative rounding error of ~6e-8, so a 6-term weighted sum
# of terms of size ~1 can be off by ~1e-6 in absolute terms, which fails rtol 1e-6 on
# small outputs. Every misconception below moves the outputs by O(0.1) or more.
NP_RTOL, NP_ATOL = 1e-5, 1e-5

# (n_inputs, n_neurons): wider than tall, taller than wide, one input, one neuron.
SHAPES = [(3, 5), (5, 2), (1, 4), (6, 1)]
SHAPE_IDS = [f"{d}in-{m}out" for d, m in SHAPES]


# ----------------------------------------------------------------- misconceptions


def _parts(inp):
    x = np.asarray(inp["inputs"], dtype=float)
    w = np.asarray(inp["weights"], dtype=float)
    b = np.asarray(inp["biases"], dtype=float)
    return x, w, b, w @ x


def _return_in_loop(got, exp, inp):
    return exp.size > 1 and got.size == 1 and bool(np.isclose(got.flat[0], exp[0]))


def _one_per_input(got, exp, inp):
    x = _parts(inp)[0]
    return got.ndim == 1 and got.size == x.size != exp.size


def _two_dimensional(got, exp, inp):
    return exp.ndim == 1 and got.ndim == 2 and exp.size in got.shape


def _forgot_biases(got, exp, inp):
    wx = _parts(inp)[3]
    return got.shape == exp.shape and np.allclose(got, wx)


def _bias_per_input(got, exp, inp):
    x, _, b, wx = _parts(inp)
    return got.shape == exp.shape and x.size > 1 and np.allclose(got, wx + x.size * b)


def _same_bias(got, exp, inp):
    _, _, b, wx = _parts(inp)
    if got.shape != exp.shape or b.size < 2:
        return False
    added = got - wx
    return (
        np.allclose(added, added[0])
        and bool(np.any(np.isclose(added[0], b)))
        and not np.allclose(added, b)
    )


def _bias_wrong_neuron(got, exp, inp):
    _, _, b, wx = _parts(inp)
    if got.shape != exp.shape or b.size < 2:
        return False
    added = got - wx
    return np.allclose(np.sort(added), np.sort(b)) and not np.allclose(added, b)


def _weights_by_column(got, exp, inp):
    x, w, b, _ = _parts(inp)
    if got.shape != exp.shape or w.shape[0] != w.shape[1]:
        return False
    return np.allclose(got, w.T @ x + b) or np.allclose(got, w.T @ x)


def _sum_not_reset(got, exp, inp):
    _, _, b, wx = _parts(inp)
    if got.shape != exp.shape or exp.size < 2:
        return False
    return np.allclose(got, np.cumsum(wx) + b) or np.allclose(got, np.cumsum(exp))


def _reversed(got, exp, inp):
    return got.shape == exp.shape and exp.size > 1 and np.allclose(got, exp[::-1])


WEIGHT_ROWS = (
    "weights holds one ROW per neuron, shape (n_neurons, n_inputs): neuron j's output is "
    "sum_i inputs[i] * weights[j][i] + biases[j] (with NumPy: weights @ inputs + biases)"
)

LAYER_HINTS = [
    Hint(
        _return_in_loop,
        "only the first neuron's output came back: is the `return` inside the loop over the "
        "neurons? Build the whole list, then return it after the loop.",
    ),
    Hint(
        _one_per_input,
        "you returned one value per input, but a layer returns one value per neuron "
        f"(len(weights) of them): {WEIGHT_ROWS}.",
    ),
    Hint(
        _two_dimensional,
        "your result is 2-D; return a 1-D array of shape (n_neurons,). A column of shape "
        "(n_neurons, 1) plus biases of shape (n_neurons,) broadcasts into an "
        "(n_neurons, n_neurons) matrix: keep inputs 1-D (no reshape into a column).",
    ),
    Hint(
        _forgot_biases,
        "every output is off by exactly its neuron's bias: add biases[j] to neuron j's sum.",
    ),
    Hint(
        _bias_per_input,
        "each bias was added once per input: add biases[j] once, after neuron j's sum.",
    ),
    Hint(
        _same_bias,
        "every neuron got the same bias: neuron j must add its own biases[j] (check which "
        "index picks the bias; the inner loop's index is not the neuron's).",
    ),
    Hint(
        _bias_wrong_neuron,
        "the right biases were added, but to the wrong neurons: neuron j must add biases[j] "
        "(check the index, or the order in which you read the biases).",
    ),
    Hint(
        _weights_by_column,
        "the weights were used column by column (weights[i][j], or inputs @ weights): "
        f"{WEIGHT_ROWS}. A square layer hides this mistake, a non-square one fails on it.",
    ),
    Hint(
        _sum_not_reset,
        "each output also contains the previous neurons' sums: start every neuron's sum "
        "at 0 (set `total = 0` inside the loop over the neurons, not before it).",
    ),
    Hint(
        _reversed,
        "the outputs are in reverse order: output j must be neuron j's (weights[j], biases[j]).",
    ),
]

ITERATOR_TYPES = {"generator", "map", "zip", "filter", "list_iterator", "range", "reversed"}


# ----------------------------------------------------------------- helpers


def random_case(rng, n_inputs, n_neurons, arrays=False):
    """A random layer, with values rounded to 3 decimals (short, readable messages)."""
    inputs = rng.normal(size=n_inputs).round(3)
    weights = rng.normal(size=(n_neurons, n_inputs)).round(3)
    biases = rng.normal(size=n_neurons).round(3)
    if arrays:
        return {"inputs": inputs, "weights": weights, "biases": biases}
    return {"inputs": inputs.tolist(), "weights": weights.tolist(), "biases": biases.tolist()}


def _error_hint(function, case, exc):
    """What a student's error on a *valid* layer most likely means."""
    name = exc.student_type
    w = np.asarray(case["weights"], dtype=float)
    square = w.ndim == 2 and w.shape[0] == w.shape[1]
    if (
        name == "TypeError"
        and function.endswith("_np")
        and any(type(v) is list for v in case.values())
    ):
        return (
            "the arguments may be plain Python lists: convert them with "
            "np.asarray(..., dtype=float) before using NumPy operators on them."
        )
    if name in ("IndexError", "ValueError") and not square:
        return (
            f"these sizes are valid (n_inputs={w.shape[1]}, n_neurons={w.shape[0]}). "
            f"{WEIGHT_ROWS}. An index or shape error on a non-square layer usually means the "
            "weights were read column-wise (weights[i][j]) or multiplied as inputs @ weights, "
            "or that a size check compares the wrong lengths."
        )
    if name == "ValueError":
        return "these sizes are valid: check what your size check compares."
    return ""


def call_layer(student, function, case, watch_numpy=False):
    """Call the student's ``function`` on a valid ``case``; an error becomes a hinted Mismatch.
    With ``watch_numpy``: (value, NumPy use or None), see checks.call_watching_numpy."""
    try:
        if watch_numpy:
            return call_watching_numpy(student, function, case)
        return getattr(student, function)(*case.values())
    except (IndexError, ValueError, TypeError) as exc:
        if not isinstance(exc, StudentRaised):
            raise
        error = {"type": exc.student_type, "message": str(exc), "frames": list(exc.frames)}
        text = f"{function}({describe_inputs(case)}) raised {format_error(error)}"
        hint = _error_hint(function, case, exc)
        raise Mismatch(f"{text}\n  Hint: {hint}" if hint else text) from None


def expect_outputs(function, got, expected, case, **tolerance):
    """``got`` must be the layer's outputs; iterators and odd types get a targeted message."""
    if isinstance(got, Unsupported) and got.type_name in ITERATOR_TYPES:
        raise Mismatch(
            f"{function}({describe_inputs(case)}) returned a {got.type_name} object, not the "
            "outputs themselves. Return a list: wrap it in list(...), or use square brackets "
            "[... for ...] (round brackets make a generator)."
        )
    expect_close(function, got, expected, case, LAYER_HINTS, **tolerance)


def describe_case(case):
    """Like ``describe_inputs``, but ragged lists of rows are shown as they are."""
    parts = []
    for name, value in case.items():
        text = summarize(value, 80)
        if text.endswith("not numeric"):
            text = repr(value)
            text = text if len(text) <= 80 else text[:77] + "..."
        parts.append(f"{name}={text}")
    return ", ".join(parts)


KNOWN = {
    "inputs": [1.0, 2.0, 3.0, 2.5],
    "weights": [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, 0.27, 0.17, 0.87]],
    "biases": [2.0, 3.0, 0.5],
}


def expect_known_value(student, function, **tolerance):
    """``function`` on a handout-sized layer gives the reference's outputs: what a test of
    its error handling asks first (see checks.expect_right_too)."""
    case = KNOWN if function == "layer_output" else {k: np.array(v) for k, v in KNOWN.items()}
    got = call_layer(student, function, case)
    expect_outputs(function, got, getattr(ref, function)(**case), case, **tolerance)


def expect_value_error(function, call, case, why):
    """``call()`` must raise ValueError on the invalid ``case``."""
    try:
        got = call()
    except ValueError:
        return
    except StudentRaised as exc:
        raise Mismatch(
            f"{function}({describe_case(case)}) raised {exc.student_type} "
            f"({str(exc)[:200]}); the contract asks for ValueError on mismatched sizes: "
            "`raise ValueError(...)` with a message naming the sizes."
        ) from None
    raise Mismatch(
        f"{function}({describe_case(case)}) returned {summarize(got)} instead of raising "
        f"ValueError: {why}"
    )


# ----------------------------------------------------------------- layer_output


@pytest.mark.points(2)
@pytest.mark.function("layer_output")
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_layer_output_random(student, rng, shape):
    """layer_output matches the reference on random non-square layers given as lists."""
    case = random_case(rng, *shape)
    got = call_layer(student, "layer_output", case)
    expect_outputs("layer_output", got, ref.layer_output(**case), case)


@pytest.mark.points(2)
@pytest.mark.function("layer_output")
def test_layer_output_square(student, rng):
    """layer_output uses weights[j] (a row) for neuron j, also on a square layer."""
    case = random_case(rng, 4, 4)
    got = call_layer(student, "layer_output", case)
    expect_outputs("layer_output", got, ref.layer_output(**case), case)


@pytest.mark.function("layer_output")
def test_layer_output_returns_list_of_floats(student):
    """layer_output returns a list of floats, also for integer inputs."""
    case = {"inputs": [1, 2, 3], "weights": [[1, 0, -1], [2, 1, 0]], "biases": [1, -2]}
    got = call_layer(student, "layer_output", case)
    expect_outputs("layer_output", got, ref.layer_output(**case), case)
    expect_true(
        type(got) is list,
        f"layer_output([1, 2, 3], [[1, 0, -1], [2, 1, 0]], [1, -2]) returned a "
        f"{type(got).__name__}; return a list with one float per neuron.",
    )
    kinds = sorted({type(v).__name__ for v in got if not isinstance(v, float)})
    expect_true(
        not kinds,
        f"layer_output([1, 2, 3], [[1, 0, -1], [2, 1, 0]], [1, -2]) returned {got!r:.120}, a list "
        f"holding {', '.join(kinds)} values; return floats, also for integer inputs "
        "(e.g. `outputs.append(float(total))`).",
    )


@pytest.mark.function("layer_output")
def test_layer_output_row_length_raises(student):
    """layer_output raises ValueError when a weight row's length differs from len(inputs)."""
    short_second = {"inputs": [1.0, 2.0, 3.0], "weights": [[1.0, 2.0, 3.0], [4.0, 5.0]]}
    long_rows = {"inputs": [1.0, 2.0], "weights": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}
    cases = [
        ({**short_second, "biases": [0.0, 0.0]},
         "the second row has 2 weights for 3 inputs. Check every row, not only the first: "
         "zip() silently stops at the shorter list."),
        ({**long_rows, "biases": [0.0, 0.0]},
         "each row has 3 weights for 2 inputs: compare len(row) with len(inputs) for every "
         "row before computing (zip() silently stops at the shorter list)."),
    ]  # fmt: skip
    for case, why in cases:
        expect_value_error(
            "layer_output", lambda c=case: student.layer_output(*c.values()), case, why
        )
    expect_right_too("layer_output", lambda: expect_known_value(student, "layer_output"))


@pytest.mark.function("layer_output")
def test_layer_output_bias_count_raises(student):
    """layer_output raises ValueError when len(biases) differs from the number of rows."""
    rows = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    for biases in ([0.5, 0.5], [0.5, 0.5, 0.5, 0.5]):
        case = {"inputs": [1.0, -1.0], "weights": rows, "biases": biases}
        expect_value_error(
            "layer_output",
            lambda c=case: student.layer_output(*c.values()),
            case,
            f"there are {len(rows)} weight rows (neurons) but {len(biases)} biases. zip() "
            "silently stops at the shorter list, so compare len(biases) with len(weights) first.",
        )
    expect_right_too("layer_output", lambda: expect_known_value(student, "layer_output"))


@pytest.mark.function("layer_output")
def test_layer_output_leaves_inputs(student, rng):
    """layer_output does not modify its arguments."""
    case = random_case(rng, 3, 2)
    got, after = call_keeping_args(student, "layer_output", case)
    expect_unchanged("layer_output", case, after, list(case))
    expected = ref.layer_output(**case)
    expect_right_too("layer_output", lambda: expect_outputs("layer_output", got, expected, case))


@pytest.mark.points(2)
@pytest.mark.function("layer_output")
def test_layer_output_is_plain_python(student, rng):
    """layer_output is correct and written in plain Python (no NumPy in the function)."""
    case = random_case(rng, 4, 3)
    got, numpy_use = call_layer(student, "layer_output", case, watch_numpy=True)
    expect_outputs("layer_output", got, ref.layer_output(**case), case)
    expect_true(
        numpy_use is None,
        f"layer_output uses NumPy ({numpy_use}); this one must be plain Python: a loop "
        "over the rows of weights (or a list comprehension), each neuron's weighted sum plus "
        "its bias.",
    )


# ----------------------------------------------------------------- layer_output_np


@pytest.mark.points(2)
@pytest.mark.function("layer_output_np")
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_layer_output_np_random(student, rng, shape):
    """layer_output_np matches the reference on random non-square layers, shape (n_neurons,)."""
    case = random_case(rng, *shape, arrays=True)
    got = call_layer(student, "layer_output_np", case)
    expected = ref.layer_output_np(**case)
    expect_outputs("layer_output_np", got, expected, case, rtol=NP_RTOL, atol=NP_ATOL)


@pytest.mark.points(2)
@pytest.mark.function("layer_output_np")
def test_layer_output_np_square(student, rng):
    """layer_output_np uses weights[j] (a row) for neuron j, also on a square layer."""
    case = random_case(rng, 3, 3, arrays=True)
    got = call_layer(student, "layer_output_np", case)
    expected = ref.layer_output_np(**case)
    expect_outputs("layer_output_np", got, expected, case, rtol=NP_RTOL, atol=NP_ATOL)


@pytest.mark.function("layer_output_np")
def test_layer_output_np_lists(student):
    """layer_output_np accepts Python lists, integers included."""
    case = {"inputs": [1, -2, 3], "weights": [[1, 0, 2], [0.5, 1, -1]], "biases": [0.25, -1]}
    got = call_layer(student, "layer_output_np", case)
    expected = ref.layer_output_np(**case)
    expect_outputs("layer_output_np", got, expected, case, rtol=NP_RTOL, atol=NP_ATOL)


@pytest.mark.function("layer_output_np")
def test_layer_output_np_mismatch_raises(student):
    """layer_output_np raises ValueError when the weights or the biases do not fit."""
    cases = [
        ({"inputs": np.ones(3), "weights": np.ones((2, 4)), "biases": np.zeros(2)},
         "weights of shape (2, 4) expect 4 inputs, not 3."),
        ({"inputs": np.ones(4), "weights": np.ones((3, 4)), "biases": np.zeros(2)},
         "3 neurons need 3 biases, not 2."),
    ]  # fmt: skip
    for case, why in cases:
        expect_value_error(
            "layer_output_np", lambda c=case: student.layer_output_np(*c.values()), case, why
        )
    expect_right_too(
        "layer_output_np",
        lambda: expect_known_value(student, "layer_output_np", rtol=NP_RTOL, atol=NP_ATOL),
    )


@pytest.mark.function("layer_output_np")
def test_layer_output_np_one_bias_raises(student):
    """layer_output_np raises ValueError for a single bias given to a layer of 3 neurons."""
    case = {"inputs": np.ones(4), "weights": np.ones((3, 4)), "biases": np.array([0.5])}
    expect_value_error(
        "layer_output_np",
        lambda: student.layer_output_np(*case.values()),
        case,
        "NumPy broadcasting silently stretched one bias over 3 neurons. Check that "
        "biases.shape == (n_neurons,) yourself before computing.",
    )
    expect_right_too(
        "layer_output_np",
        lambda: expect_known_value(student, "layer_output_np", rtol=NP_RTOL, atol=NP_ATOL),
    )


@pytest.mark.function("layer_output_np")
def test_layer_output_np_leaves_inputs(student, rng):
    """layer_output_np does not modify its arguments."""
    case = random_case(rng, 3, 4, arrays=True)
    got, after = call_keeping_args(student, "layer_output_np", case)
    expect_unchanged("layer_output_np", case, after, list(case))
    expected = ref.layer_output_np(**case)
    expect_right_too(
        "layer_output_np",
        lambda: expect_outputs("layer_output_np", got, expected, case, rtol=NP_RTOL, atol=NP_ATOL),
    )
