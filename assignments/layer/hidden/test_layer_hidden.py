"""Hidden suite for stage 2, ``layer``.

Every expected value comes from the reference. Random layers are deliberately
non-square (n_inputs != n_neurons): a square weight matrix hides the classic mistake
of reading the weights column-wise, which only the square tests below name.
"""

import numpy as np
import pytest

from grader.suites.checks import Hint, RaiseHint, load_reference

pytestmark = [pytest.mark.hidden]
REFERENCE = load_reference(__file__)

# A solution may legitimately compute in float32 (np.float32 arrays): each product and
# partial sum then carries a relative rounding error of ~6e-8, so a 6-term weighted sum
# of terms of size ~1 can be off by ~1e-6 in absolute terms, which fails rtol 1e-6 on
# small outputs. Every misconception below moves the outputs by O(0.1) or more.
TOLERANCE = {"layer_output_np": {"rtol": 1e-5, "atol": 1e-5}}

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

LAYER_HINTS += [
    Hint(
        lambda got, exp, inp: got.size == 0 < exp.size,
        "the result is empty: append each neuron's output to the list you return.",
    ),
    Hint(
        lambda got, exp, inp: (
            got.shape == exp.shape and np.allclose(got, _parts(inp)[3] - _parts(inp)[2])
        ),
        "the biases were subtracted: add biases[j] to neuron j's sum.",
    ),
    Hint(
        lambda got, exp, inp: (
            got.shape == exp.shape
            and np.allclose(got, np.sum(_parts(inp)[0] / _parts(inp)[1], axis=1) + _parts(inp)[2])
        ),
        "each input was divided by its weight: multiply them (inputs[i] * weights[j][i]).",
    ),
]
HINTS = {"layer_output": LAYER_HINTS, "layer_output_np": LAYER_HINTS}


def _non_square(case):
    w = np.asarray(case["weights"], dtype=float)
    return w.ndim == 2 and w.shape[0] != w.shape[1]


def _sizes(case):
    w = np.asarray(case["weights"], dtype=float)
    return f"n_inputs={w.shape[1]}, n_neurons={w.shape[0]}"


LAYER_RAISE_HINTS = [
    RaiseHint.on(
        ["IndexError", "ValueError"],
        f"these sizes are valid. {WEIGHT_ROWS}. An index or shape error on a non-square layer "
        "usually means the weights were read column-wise (weights[i][j]) or multiplied as "
        "inputs @ weights, or that a size check compares the wrong lengths.",
        when=_non_square,
    ),
    RaiseHint.on(["ValueError"], "these sizes are valid: check what your size check compares."),
]
RAISE_HINTS = {
    "layer_output": LAYER_RAISE_HINTS,
    "layer_output_np": [
        RaiseHint.on(
            ["TypeError", "AttributeError"],
            "the arguments may be plain Python lists: convert them with "
            "np.asarray(..., dtype=float) before using NumPy operators on them.",
            when=lambda case: any(type(v) is list for v in case.values()),
        ),
        *LAYER_RAISE_HINTS,
    ],
}


def random_case(rng, n_inputs, n_neurons, arrays=False):
    """A random layer, with values rounded to 3 decimals (short, readable messages)."""
    inputs = rng.normal(size=n_inputs).round(3)
    weights = rng.normal(size=(n_neurons, n_inputs)).round(3)
    biases = rng.normal(size=n_neurons).round(3)
    if arrays:
        return {"inputs": inputs, "weights": weights, "biases": biases}
    return {"inputs": inputs.tolist(), "weights": weights.tolist(), "biases": biases.tolist()}


KNOWN = {
    "inputs": [1.0, 2.0, 3.0, 2.5],
    "weights": [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, 0.27, 0.17, 0.87]],
    "biases": [2.0, 3.0, 0.5],
}
KNOWN_NP = {name: np.array(value) for name, value in KNOWN.items()}


# ----------------------------------------------------------------- layer_output


@pytest.mark.points(2)
@pytest.mark.function("layer_output")
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_layer_output_random(check, rng, shape):
    """layer_output matches the reference on random non-square layers given as lists."""
    check.close(random_case(rng, *shape))


@pytest.mark.points(2)
@pytest.mark.function("layer_output")
def test_layer_output_square(check, rng):
    """layer_output uses weights[j] (a row) for neuron j, also on a square layer."""
    check.close(random_case(rng, 4, 4))


@pytest.mark.function("layer_output")
def test_layer_output_returns_list_of_floats(check):
    """layer_output returns a list of floats, also for integer inputs."""
    case = {"inputs": [1, 2, 3], "weights": [[1, 0, -1], [2, 1, 0]], "biases": [1, -2]}
    got = check.close(case)
    check.returns(got, "list of floats", case, "one float per neuron, e.g. "
                  "`outputs.append(float(total))`.")  # fmt: skip


ZIP_STOPS = "zip() silently stops at the shorter list"


@pytest.mark.function("layer_output")
def test_layer_output_row_length_raises(check):
    """layer_output raises ValueError naming the sizes when a weight row does not fit."""
    cases = [
        ({"inputs": [1.0, 2.0, 3.0], "weights": [[1.0, 2.0, 3.0], [4.0, 5.0]]}, (2, 3),
         f"the second row has 2 weights for 3 inputs. Check every row, not only the first: "
         f"{ZIP_STOPS}"),
        ({"inputs": [1.0, 2.0], "weights": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}, (3, 2),
         f"each row has 3 weights for 2 inputs: compare len(row) with len(inputs) for every "
         f"row before computing ({ZIP_STOPS})"),
    ]  # fmt: skip
    for case, sizes, why in cases:
        check.raises({**case, "biases": [0.0, 0.0]}, why=why, sizes=sizes)
    check.also_right(KNOWN)


@pytest.mark.function("layer_output")
def test_layer_output_bias_count_raises(check):
    """layer_output raises ValueError naming the sizes when len(biases) != len(weights)."""
    rows = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    for biases in ([0.5, 0.5], [0.5, 0.5, 0.5, 0.5]):
        case = {"inputs": [1.0, -1.0], "weights": rows, "biases": biases}
        why = (f"there are {len(rows)} weight rows (neurons) but {len(biases)} biases. {ZIP_STOPS}"
               ", so compare len(biases) with len(weights) first")  # fmt: skip
        check.raises(case, why=why, sizes=(len(rows), len(biases)))
    check.also_right(KNOWN)


@pytest.mark.function("layer_output")
def test_layer_output_leaves_inputs(check, rng):
    """layer_output does not modify its arguments."""
    check.unchanged(random_case(rng, 3, 2))


@pytest.mark.points(2)
@pytest.mark.function("layer_output")
def test_layer_output_is_plain_python(check, rng):
    """layer_output is correct and written in plain Python (no NumPy in the function)."""
    check.plain(
        random_case(rng, 4, 3),
        "a loop over the rows of weights (or a list comprehension), each neuron's weighted sum "
        "plus its bias.",
    )


# ----------------------------------------------------------------- layer_output_np


@pytest.mark.points(2)
@pytest.mark.function("layer_output_np")
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_layer_output_np_random(check, rng, shape):
    """layer_output_np matches the reference on random non-square layers, shape (n_neurons,)."""
    check.close(random_case(rng, *shape, arrays=True))


@pytest.mark.points(2)
@pytest.mark.function("layer_output_np")
def test_layer_output_np_square(check, rng):
    """layer_output_np uses weights[j] (a row) for neuron j, also on a square layer."""
    check.close(random_case(rng, 3, 3, arrays=True))


@pytest.mark.function("layer_output_np")
def test_layer_output_np_lists(check):
    """layer_output_np accepts Python lists, integers included."""
    check.close({"inputs": [1, -2, 3], "weights": [[1, 0, 2], [0.5, 1, -1]], "biases": [0.25, -1]})


@pytest.mark.function("layer_output_np")
def test_layer_output_np_returns_an_array(check, rng):
    """layer_output_np returns a NumPy array of floats (a list costs only this test)."""
    for case in (random_case(rng, 3, 2, arrays=True), {**KNOWN, "inputs": [1, 2, 3, 2]}):
        got = check.close(case)
        check.returns(got, "float array", case, "return the NumPy result itself "
                      "(weights @ inputs + biases), not a list.")  # fmt: skip


@pytest.mark.function("layer_output_np")
def test_layer_output_np_mismatch_raises(check):
    """layer_output_np raises ValueError naming the shapes when weights or biases do not fit."""
    cases = [
        ({"inputs": np.ones(3), "weights": np.ones((2, 4)), "biases": np.zeros(2)}, (2, 4, 3),
         "weights of shape (2, 4) expect 4 inputs, not 3"),
        ({"inputs": np.ones(4), "weights": np.ones((3, 4)), "biases": np.zeros(2)}, (3, 2),
         "3 neurons need 3 biases, not 2"),
    ]  # fmt: skip
    for case, sizes, why in cases:
        check.raises(case, why=why, sizes=sizes)
    check.also_right(KNOWN_NP)


@pytest.mark.function("layer_output_np")
def test_layer_output_np_one_bias_raises(check):
    """layer_output_np raises ValueError for a single bias given to a layer of 3 neurons."""
    check.raises(
        {"inputs": np.ones(4), "weights": np.ones((3, 4)), "biases": np.array([0.5])},
        why="NumPy broadcasting silently stretched one bias over 3 neurons. Check that "
        "biases.shape == (n_neurons,) yourself before computing",
    )
    check.also_right(KNOWN_NP)


@pytest.mark.function("layer_output_np")
def test_layer_output_np_leaves_inputs(check, rng):
    """layer_output_np does not modify its arguments."""
    check.unchanged(random_case(rng, 3, 4, arrays=True))
