"""Hidden suite for stage 1, ``neuron``."""

import numpy as np
import pytest

from grader.suites.checks import Hint, RaiseHint, load_reference

pytestmark = [pytest.mark.hidden]
REFERENCE = load_reference(__file__)


def _known(inp, formula):
    x = [float(v) for v in inp["inputs"]]
    w = [float(v) for v in inp["weights"]]
    return formula(x, w, float(inp["bias"]))


def _is(formula):
    """A hint test: ``got`` is the one number ``formula(inputs, weights, bias)`` gives."""

    def applies(got, exp, inp):
        value = _known(inp, formula)
        return got.shape == exp.shape and bool(np.allclose(got, value, rtol=1e-5, atol=1e-8))

    return applies


def dot(x, w):
    return sum(a * b for a, b in zip(x, w, strict=False))


NEURON_HINTS = [
    Hint(_is(lambda x, w, b: dot(x, w)), "the result is off by exactly the bias: add `bias` "
                                         "once, after the sum."),
    Hint(_is(lambda x, w, b: dot(x, w) + len(x) * b), "the bias was added once per input: add "
                                                      "it once, after the loop."),
    Hint(
        lambda got, exp, inp: len(inp["inputs"]) > 1
        and _is(lambda x, w, b: x[0] * w[0] + b)(got, exp, inp),
        "only the first input was used: is the `return` inside the loop? Return after the loop "
        "has added every input.",
    ),
    Hint(
        lambda got, exp, inp: got.shape == np.shape(inp["inputs"]) and got.size > 0
        and (np.allclose(got, np.multiply(inp["inputs"], inp["weights"]) + float(inp["bias"]))
             or np.allclose(got, np.multiply(inp["inputs"], inp["weights"]))),
        "you returned the elementwise products, one per input, instead of their sum: add them up "
        "(np.dot(inputs, weights), or np.sum(inputs * weights)), then add the bias once.",
    ),
    Hint(_is(lambda x, w, b: dot(x, w) - b), "the bias was subtracted: add it."),
    Hint(_is(lambda x, w, b: sum(a + c for a, c in zip(x, w, strict=False)) + b),
         "the inputs were added to the weights: multiply each input by its weight."),
    Hint(_is(lambda x, w, b: dot(x, w) * b), "the sum was multiplied by the bias: add it."),
    Hint(_is(lambda x, w, b: dot(x[1:], w[1:]) + b), "the first input was skipped: start the "
                                                     "loop at index 0."),
    Hint(_is(lambda x, w, b: dot(x[:-1], w[:-1]) + b), "the last input was skipped: "
                                                       "range(len(inputs)) stops before len."),
    Hint(_is(lambda x, w, b: sum(a / c for a, c in zip(x, w, strict=False)) + b),
         "each input was divided by its weight: multiply them (inputs[i] * weights[i])."),
    Hint(_is(lambda x, w, b: b - dot(x, w)), "the products were subtracted from the total: "
                                             "add them (total += x * w)."),
]  # fmt: skip
HINTS = {"neuron_output": NEURON_HINTS, "neuron_output_np": NEURON_HINTS}
VALID_SIZES = RaiseHint.on(
    ["ValueError"], "these inputs are valid (as many weights as inputs): check what your "
    "length check compares (== or !=?)."
)  # fmt: skip
RAISE_HINTS = {
    "neuron_output": [VALID_SIZES],
    "neuron_output_np": [
        RaiseHint.on(
            ["AttributeError", "TypeError"],
            "the arguments may be Python lists, which have no .shape and no elementwise "
            "arithmetic: convert them first with np.asarray(inputs, dtype=float).",
            when=lambda case: any(type(v) is list for v in case.values()),
        ),
        VALID_SIZES,
    ],
}

# neuron_output_np may legitimately compute in float32: a 100-term dot product of terms of
# size ~1 is then off by up to ~5e-6 (about 5% of such cases fail rtol 1e-6). Every
# misconception above moves the result by O(0.1) or more.
TOLERANCE = {"neuron_output_np": {"rtol": 1e-5, "atol": 1e-5}}

KNOWN = {"inputs": [1.0, 2.0, 3.0, 2.5], "weights": [0.2, 0.8, -0.5, 1.0], "bias": 2.0}
ZIP_STOPS = "zip() silently stops at the shorter list, so compare the lengths first"


def random_case(rng, size, arrays=False):
    inputs = rng.normal(size=size).round(3)
    weights = rng.normal(size=size).round(3)
    bias = round(float(rng.normal()), 3)
    if arrays:
        return {"inputs": inputs, "weights": weights, "bias": bias}
    return {"inputs": inputs.tolist(), "weights": weights.tolist(), "bias": bias}


@pytest.mark.points(2)
@pytest.mark.function("neuron_output")
@pytest.mark.parametrize("size", [1, 3, 7, 50])
def test_neuron_output_random(check, rng, size):
    """neuron_output matches the reference on random lists."""
    check.close(random_case(rng, size))


@pytest.mark.function("neuron_output")
def test_neuron_output_float_type(check):
    """neuron_output returns a Python float, also for integer inputs."""
    case = {"inputs": [1, 2], "weights": [3, 4], "bias": 5}
    got = check.close(case)
    check.returns(got, "float", case, "convert the sum, e.g. `return float(total)`.")


@pytest.mark.function("neuron_output")
def test_neuron_output_mismatch_raises(check):
    """neuron_output raises ValueError naming both lengths when they differ."""
    for inputs, weights in (([1.0, 2.0, 3.0], [1.0, 2.0]), ([1.0], [1.0, 2.0, 3.0, 4.0])):
        case = {"inputs": inputs, "weights": weights, "bias": 0.0}
        check.raises(case, why=ZIP_STOPS, sizes=(len(inputs), len(weights)))
    check.also_right(KNOWN)


@pytest.mark.function("neuron_output")
def test_neuron_output_leaves_inputs(check, rng):
    """neuron_output does not modify its arguments."""
    check.unchanged(random_case(rng, 4))


@pytest.mark.points(2)
@pytest.mark.function("neuron_output")
def test_neuron_output_is_plain_python(check, rng):
    """neuron_output is correct and written in plain Python (no NumPy in the function)."""
    check.plain(
        random_case(rng, 5),
        "a loop (or sum over zip) of inputs times weights, plus the bias.",
    )


@pytest.mark.points(2)
@pytest.mark.function("neuron_output_np")
@pytest.mark.parametrize("size", [1, 4, 100])
def test_neuron_output_np_random(check, rng, size):
    """neuron_output_np matches the reference on random arrays, as one number."""
    case = random_case(rng, size, arrays=True)
    got = check.close(case)
    check.returns(got, "float", case, "np.dot of two vectors is one number: return it.")


@pytest.mark.function("neuron_output_np")
def test_neuron_output_np_lists(check):
    """neuron_output_np accepts Python lists."""
    check.close({"inputs": [1.0, -2.0, 0.5], "weights": [0.25, 0.5, 4.0], "bias": -1.0})


@pytest.mark.function("neuron_output_np")
def test_neuron_output_np_mismatch_raises(check):
    """neuron_output_np raises ValueError naming the shapes when they differ."""
    case = {"inputs": np.ones(3), "weights": np.ones(2), "bias": 0.0}
    check.raises(case, why="check the shapes before computing", sizes=(3, 2))
    check.also_right(KNOWN)
