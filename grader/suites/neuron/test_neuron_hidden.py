"""Hidden suite for stage 1, ``neuron``."""

import numpy as np
import pytest

from grader.suites.checks import (
    Hint,
    Mismatch,
    call_keeping_args,
    call_watching_numpy,
    expect_close,
    expect_right_too,
    expect_true,
    expect_unchanged,
)
from reference import neuron as ref

pytestmark = [pytest.mark.hidden]

# Each predicate returns a plain bool: expect_close tests its result with `if`, outside its
# try, so an array-valued predicate (got of the wrong shape) would end the test with
# "truth value of an array is ambiguous" instead of the teaching message.
FORGOT_BIAS = Hint(
    lambda got, exp, inp: got.shape == exp.shape and np.allclose(got, exp - float(inp["bias"])),
    "the result is off by exactly the bias: add `bias` once, after the sum.",
)
BIAS_PER_INPUT = Hint(
    lambda got, exp, inp: (
        got.shape == exp.shape
        and np.allclose(got, exp + (len(inp["inputs"]) - 1) * float(inp["bias"]))
    ),
    "the bias was added once per input: add it once, after the loop.",
)
ONLY_FIRST_INPUT = Hint(
    lambda got, exp, inp: (
        got.shape == exp.shape
        and len(inp["inputs"]) > 1
        and np.allclose(
            got, float(inp["inputs"][0]) * float(inp["weights"][0]) + float(inp["bias"])
        )
    ),
    "only the first input was used: is the `return` inside the loop? Return after the loop "
    "has added every input.",
)
ELEMENTWISE = Hint(
    lambda got, exp, inp: (
        got.shape == np.shape(inp["inputs"])
        and got.size > 0
        and (
            np.allclose(got, np.multiply(inp["inputs"], inp["weights"]) + float(inp["bias"]))
            or np.allclose(got, np.multiply(inp["inputs"], inp["weights"]))
        )
    ),
    "you returned the elementwise products, one per input, instead of their sum: add them up "
    "(np.dot(inputs, weights), or np.sum(inputs * weights)), then add the bias once.",
)
NEURON_HINTS = [FORGOT_BIAS, BIAS_PER_INPUT, ONLY_FIRST_INPUT, ELEMENTWISE]


# neuron_output_np may legitimately compute in float32: a 100-term dot product of terms of
# size ~1 is then off by up to ~5e-6 (about 5% of such cases fail rtol 1e-6). Every
# misconception above moves the result by O(0.1) or more.
NP_RTOL, NP_ATOL = 1e-5, 1e-5


KNOWN = {"inputs": [1.0, 2.0, 3.0, 2.5], "weights": [0.2, 0.8, -0.5, 1.0], "bias": 2.0}


def expect_known_value(student, function, **tolerance):
    """``function`` on the handout's example gives 4.8: what a test of its error handling
    asks first (see checks.expect_right_too)."""
    got = getattr(student, function)(*KNOWN.values())
    expect_close(function, got, 4.8, KNOWN, NEURON_HINTS, **tolerance)


def random_case(rng, size):
    inputs = [float(v) for v in rng.normal(size=size).round(3)]
    weights = [float(v) for v in rng.normal(size=size).round(3)]
    return {"inputs": inputs, "weights": weights, "bias": round(float(rng.normal()), 3)}


@pytest.mark.points(2)
@pytest.mark.function("neuron_output")
@pytest.mark.parametrize("size", [1, 3, 7, 50])
def test_neuron_output_random(student, rng, size):
    """neuron_output matches the reference on random lists."""
    case = random_case(rng, size)
    got = student.neuron_output(*case.values())
    expect_close("neuron_output", got, ref.neuron_output(*case.values()), case, NEURON_HINTS)


@pytest.mark.function("neuron_output")
def test_neuron_output_float_type(student, rng):
    """neuron_output returns a Python float, also for integer inputs."""
    got = student.neuron_output([1, 2], [3, 4], 5)
    case = {"inputs": [1, 2], "weights": [3, 4], "bias": 5}
    expect_close("neuron_output", got, 16.0, case, NEURON_HINTS)
    expect_true(
        type(got) is float,
        f"neuron_output([1, 2], [3, 4], 5) returned a {type(got).__name__}; return a float "
        "(e.g. `float(total)`).",
    )


@pytest.mark.function("neuron_output")
def test_neuron_output_mismatch_raises(student):
    """neuron_output raises ValueError when inputs and weights differ in length."""
    for inputs, weights in (([1.0, 2.0, 3.0], [1.0, 2.0]), ([1.0], [1.0, 2.0])):
        with pytest.raises(ValueError):
            student.neuron_output(inputs, weights, 0.0)
            raise Mismatch(
                f"neuron_output(inputs of length {len(inputs)}, weights of length "
                f"{len(weights)}) returned instead of raising ValueError: zip() silently stops "
                "at the shorter list, so compare the lengths first."
            )
    expect_right_too("neuron_output", lambda: expect_known_value(student, "neuron_output"))


@pytest.mark.function("neuron_output")
def test_neuron_output_leaves_inputs(student, rng):
    """neuron_output does not modify its arguments."""
    case = random_case(rng, 4)
    got, after = call_keeping_args(student, "neuron_output", case)
    expect_unchanged("neuron_output", case, after, list(case))
    expected = ref.neuron_output(*case.values())
    expect_right_too(
        "neuron_output",
        lambda: expect_close("neuron_output", got, expected, case, NEURON_HINTS),
    )


@pytest.mark.points(2)
@pytest.mark.function("neuron_output")
def test_neuron_output_is_plain_python(student, rng):
    """neuron_output is correct and written in plain Python (no NumPy in the function)."""
    case = random_case(rng, 5)
    got, numpy_use = call_watching_numpy(student, "neuron_output", case)
    expect_close("neuron_output", got, ref.neuron_output(*case.values()), case, NEURON_HINTS)
    expect_true(
        numpy_use is None,
        f"neuron_output uses NumPy ({numpy_use}); this one must be plain Python: "
        "a loop (or sum over zip) of inputs times weights, plus the bias.",
    )


@pytest.mark.points(2)
@pytest.mark.function("neuron_output_np")
@pytest.mark.parametrize("size", [1, 4, 100])
def test_neuron_output_np_random(student, rng, size):
    """neuron_output_np matches the reference on random arrays."""
    case = random_case(rng, size)
    case["inputs"], case["weights"] = np.array(case["inputs"]), np.array(case["weights"])
    got = student.neuron_output_np(*case.values())
    expected = ref.neuron_output_np(*case.values())
    expect_close("neuron_output_np", got, expected, case, NEURON_HINTS, rtol=NP_RTOL, atol=NP_ATOL)
    expect_true(
        np.ndim(got) == 0,
        f"neuron_output_np returned an array of shape {np.shape(got)}; return one number.",
    )


@pytest.mark.function("neuron_output_np")
def test_neuron_output_np_lists(student):
    """neuron_output_np accepts Python lists."""
    case = {"inputs": [1.0, -2.0, 0.5], "weights": [0.25, 0.5, 4.0], "bias": -1.0}
    got = student.neuron_output_np(*case.values())
    expected = ref.neuron_output_np(*case.values())
    expect_close("neuron_output_np", got, expected, case, NEURON_HINTS, rtol=NP_RTOL, atol=NP_ATOL)


@pytest.mark.function("neuron_output_np")
def test_neuron_output_np_mismatch_raises(student):
    """neuron_output_np raises ValueError when the shapes differ."""
    with pytest.raises(ValueError):
        student.neuron_output_np(np.ones(3), np.ones(2), 0.0)
        raise Mismatch(
            "neuron_output_np(inputs of shape (3,), weights of shape (2,)) did not raise "
            "ValueError: check the shapes before computing."
        )
    expect_right_too(
        "neuron_output_np",
        lambda: expect_known_value(student, "neuron_output_np", rtol=NP_RTOL, atol=NP_ATOL),
    )
