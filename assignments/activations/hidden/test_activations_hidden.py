"""Hidden suite for stage 4, ``activations``.

Every expected value comes from the reference at grading time, except the contract's
known values (sigmoid(0) = 0.5, sigmoid(-1000) = 0, sigmoid(1000) = 1).

The hints recognise the usual mistakes by recomputing, on the trusted side, what
the mistaken formula would have returned (axis-0 softmax, a global max, a missing
``keepdims``, z·(1 − z), ...). Student errors that come from a known mistake
(math.exp's OverflowError, a broadcast error from a missing ``keepdims``, axis 1 on a
vector, a list input used as an array) are turned into messages with a hint too.

Overflow warnings: the student process records the warnings each call emits; the
stability tests fail a right answer that NumPy had to warn about (the contract asks
for none).
"""

import numpy as np
import pytest

from grader.errors import StudentRaised
from grader.suites.checks import (
    Hint,
    RaiseHint,
    describe_inputs,
    describe_raised,
    float32_tolerance,
    load_reference,
    mismatch,
    same,
    summarize,
)

pytestmark = [pytest.mark.hidden]
REFERENCE = ref = load_reference(__file__)

NAMES = ("sigmoid", "relu", "softmax", "sigmoid_derivative", "relu_derivative")

# The contract accepts float32 arithmetic anywhere in the computation, whatever dtype the
# result is returned in: s * (1 - s) with s near 1 loses float32's digits in 1 - s (~4e-6
# relative at z = 4.8), and a result cast back to float64 carries the same error. So every
# result gets checks.float32_tolerance (rtol 1e-5, atol 1e-5 of the largest expected
# value): still far below every mistake the hints recognise (a flipped sign, z·(1 − z), a
# wrong axis, 1.0 at z == 0, ...).
TOLERANCE = dict.fromkeys(NAMES, float32_tolerance)


def _z(inputs):
    return np.asarray(inputs["z"], dtype=float)


def _quiet(function, *args):
    """Evaluate a (mistaken) formula on the trusted side, ignoring float warnings."""
    with np.errstate(all="ignore"):
        return np.asarray(function(*args), dtype=float)


def _same(got, candidate):
    """``got`` is what ``candidate`` (a mistaken formula's result, maybe with nan) gives."""
    return same(got, candidate, rtol=1e-6, atol=1e-9)


def _whole_numbers(got, expected, inputs):
    return (
        np.asarray(inputs["z"]).dtype.kind in "iub"
        and got.shape == expected.shape
        and bool(np.all(np.isfinite(got)))
        and bool(np.all(got == np.round(got)))
        and not np.allclose(expected, np.round(expected))
    )


WHOLE_NUMBERS = Hint(
    _whole_numbers,
    "for this integer input every value came back as a whole number: the result was stored "
    "in an integer array. "
    "An array made with np.empty_like(z) / np.zeros_like(z) for an integer z holds integers; "
    "convert first with `z = np.asarray(z, dtype=float)`.",
)


# ---------------------------------------------------------------- hints


def _sigmoid_of_minus_z(got, expected, inputs):
    return _same(got, ref.sigmoid(-_z(inputs)))


def _sigmoid_overflow(got, expected, inputs):
    return not np.all(np.isfinite(got)) and np.abs(_z(inputs)).max() > 700


SIGMOID_OVERFLOW_TEXT = (
    "e^-z overflows to inf for very negative z (and e^z for very positive z), and inf/inf "
    "is nan. Only ever take exp of a number <= 0: with e = np.exp(-np.abs(z)), sigmoid is "
    "np.where(z >= 0, 1 / (1 + e), e / (1 + e))."
)
SIGMOID_WARNING_TEXT = (
    "an exp overflowed to inf: e^-z for a very negative z, or e^z for a very positive "
    "one (np.where computes both of its branches for every element). 1 / (1 + inf) happens to "
    "give the right 0, but the overflow is still there and becomes nan in other formulas. "
    "Only ever take exp of a number <= 0: with e = np.exp(-np.abs(z)), sigmoid is "
    "np.where(z >= 0, 1 / (1 + e), e / (1 + e))."
)
SIGMOID_HINTS = [
    Hint(_sigmoid_of_minus_z, "you computed 1 / (1 + e^z), which is sigmoid(-z): the exponent "
                              "is -z."),
    Hint(_sigmoid_overflow, SIGMOID_OVERFLOW_TEXT),
    WHOLE_NUMBERS,
]  # fmt: skip


def _relu_reduced(got, expected, inputs):
    return got.ndim < expected.ndim or got.size < expected.size


def _relu_minimum(got, expected, inputs):
    return _same(got, np.minimum(_z(inputs), 0.0))


def _relu_abs(got, expected, inputs):
    return _same(got, np.abs(_z(inputs)))


RELU_HINTS = [
    Hint(_relu_reduced, "np.max(z, 0) takes the largest value along an axis; "
                        "np.maximum(z, 0.0) compares each element with 0."),
    Hint(_relu_minimum, "you kept the negative values and zeroed the positive ones: relu is "
                        "max(0, z), np.maximum(z, 0.0)."),
    Hint(_relu_abs, "negative values must become 0, not their absolute value."),
]  # fmt: skip


def _softmax_columns(got, expected, inputs):
    z = _z(inputs)
    if z.ndim != 2 or got.shape != z.shape:
        return False
    return bool(np.allclose(got.sum(axis=0), 1.0)) and not np.allclose(got.sum(axis=-1), 1.0)


def _softmax_whole(got, expected, inputs):
    z = _z(inputs)
    if z.ndim != 2 or z.shape[0] < 2 or got.shape != z.shape:
        return False
    return bool(np.isclose(got.sum(), 1.0)) and not np.allclose(got.sum(axis=-1), 1.0)


def _global_max(got, expected, inputs):
    """nan in a row whose own max is far below the batch's: z - z.max() underflowed it."""
    z = _z(inputs)
    if z.ndim != 2 or got.shape != z.shape:
        return False
    bad_rows = ~np.all(np.isfinite(got), axis=-1)
    far_below = z.max(axis=-1) < z.max() - 700
    return bool(np.any(bad_rows)) and bool(np.all(far_below[bad_rows]))


def _no_max_subtracted(got, expected, inputs):
    return not np.all(np.isfinite(got)) and _z(inputs).max() > 700


def _softmax_keepdims(got, expected, inputs):
    """What softmax gives when the row max or the row sum loses its axis (no keepdims):
    a square batch, or one of shape (N, 1), broadcasts instead of raising."""
    z = _z(inputs)
    if z.ndim != 2:
        return False

    def variant(max_keep, sum_keep):
        e = np.exp(z - np.max(z, axis=-1, keepdims=max_keep))
        return e / np.sum(e, axis=-1, keepdims=sum_keep)

    for keep in [(False, False), (True, False), (False, True)]:
        try:
            if _same(got, _quiet(variant, *keep)):
                return True
        except ValueError:  # this variant does not broadcast for z's shape
            pass
    return False


def _softmax_no_exp(got, expected, inputs):
    z = _z(inputs)
    return _same(got, _quiet(lambda: z / np.sum(z, axis=-1, keepdims=True)))


SOFTMAX_GLOBAL_MAX_TEXT = (
    "subtract each row's own max, np.max(z, axis=-1, keepdims=True), not the maximum of the "
    "whole batch: when rows differ in scale, z - z.max() pushes every score of a smaller row "
    "below -745, each exp underflows to 0, and that row becomes 0/0 = nan."
)
SOFTMAX_HINTS = [
    Hint(_softmax_columns, "your columns sum to 1, not your rows: normalise each row: sum over "
                           "the last axis (axis=-1, keepdims=True), not over axis 0."),
    Hint(_softmax_whole, "your whole array sums to 1, but each row must: normalise each row: "
                         "sum over the last axis (axis=-1, keepdims=True), not over everything."),
    Hint(_global_max, SOFTMAX_GLOBAL_MAX_TEXT),
    Hint(_no_max_subtracted, "subtract each row's max before exp: e^z overflows to inf for "
                             "scores above about 709, and inf/inf is nan. A row's softmax does "
                             "not change when a constant is subtracted from the row, so "
                             "z - np.max(z, axis=-1, keepdims=True) gives the same answer with "
                             "every exponent <= 0."),
    Hint(_softmax_keepdims, "the row maxima (or the row sums) lost their last axis: without "
                            "keepdims=True, np.max(z, axis=-1) has shape (N,) and is applied "
                            "to the columns, not the rows (this shape broadcasts instead of "
                            "raising an error)."),
    Hint(_softmax_no_exp, "you divided the scores by their sum: softmax divides e^z by the "
                          "sum of e^z."),
    WHOLE_NUMBERS,
]  # fmt: skip


def _z_one_minus_z(got, expected, inputs):
    z = _z(inputs)
    return _same(got, z * (1.0 - z))


def _sigmoid_twice(got, expected, inputs):
    return _same(got, ref.sigmoid_derivative(ref.sigmoid(_z(inputs))))


def _returns_sigmoid(got, expected, inputs):
    return _same(got, ref.sigmoid(_z(inputs)))


def _flipped_sign(got, expected, inputs):
    return _same(got, -expected) and bool(np.any(expected))


def _derivative_overflow(got, expected, inputs):
    return not np.all(np.isfinite(got)) and np.abs(_z(inputs)).max() > 700


SIGMOID_DERIVATIVE_HINTS = [
    Hint(_z_one_minus_z, "you computed z·(1 − z): that formula is for a value that is already "
                         "sigmoid(z). This function receives z itself: s = sigmoid(z), then "
                         "s * (1 - s)."),
    Hint(_sigmoid_twice, "sigmoid was applied twice: with s = sigmoid(z), the derivative is "
                         "s * (1 - s), not sigmoid(s) * (1 - sigmoid(s))."),
    Hint(_returns_sigmoid, "you returned sigmoid(z) itself; the derivative is "
                           "sigmoid(z) * (1 - sigmoid(z))."),
    Hint(_flipped_sign, "the sign is flipped: s * (1 - s), not s * (s - 1)."),
    Hint(_derivative_overflow, "e^-z overflows for very negative z (inf/inf is nan): compute "
                               "the derivative from your stable sigmoid, s = sigmoid(z); "
                               "s * (1 - s)."),
    WHOLE_NUMBERS,
]  # fmt: skip


def _one_at_zero(got, expected, inputs):
    z = _z(inputs)
    return bool(np.any(z == 0)) and _same(got, (z >= 0).astype(float))


def _returns_relu(got, expected, inputs):
    return _same(got, ref.relu(_z(inputs)))


def _returns_sign(got, expected, inputs):
    return _same(got, np.sign(_z(inputs)))


RELU_DERIVATIVE_HINTS = [
    Hint(_one_at_zero, "relu_derivative must be 0.0 at z == 0 (the course's choice): use "
                       "z > 0, not z >= 0."),
    Hint(_returns_relu, "you returned relu(z); its derivative is 1.0 where z > 0, else 0.0."),
    Hint(_returns_sign, "the derivative is 0.0 for negative z, not -1: (z > 0) as floats."),
]  # fmt: skip

SIGMOID_HINTS.append(
    Hint(
        lambda got, exp, inp: got.shape == exp.shape and bool(np.all(np.isfinite(got))),
        "sigmoid is 1 / (1 + e^-z): its values lie in (0, 1), it is 0.5 at z = 0 and "
        "sigmoid(-z) = 1 - sigmoid(z). Retrace the formula (np.exp(-np.logaddexp(0, -z)) is "
        "a stable way to write it).",
    )
)
SIGMOID_DERIVATIVE_HINTS.append(
    Hint(
        lambda got, exp, inp: (
            got.shape == exp.shape and bool(np.any(got < 0) or np.any(got > 0.25 + 1e-12))
        ),
        "some values leave [0, 0.25]: with s = sigmoid(z) in (0, 1), s * (1 - s) is never "
        "negative and at most 0.25 (at z = 0). Check the factor (1 - s).",
    )
)
HINTS = {
    "sigmoid": SIGMOID_HINTS,
    "relu": RELU_HINTS,
    "softmax": SOFTMAX_HINTS,
    "sigmoid_derivative": SIGMOID_DERIVATIVE_HINTS,
    "relu_derivative": RELU_DERIVATIVE_HINTS,
}


OVERFLOW_ERROR = RaiseHint.on(
    ["OverflowError"],
    "math.exp(x) raises OverflowError once x is above about 709 (e^-z for a very "
    "negative z, or e^z for a very positive one). Never take exp of a large positive "
    "number: with e = exp(-|z|), which is at most 1, sigmoid is 1 / (1 + e) for z >= 0 "
    "and e / (1 + e) for z < 0.",
)
LIST_INPUT = RaiseHint.on(
    ["TypeError", "AttributeError"],
    "the input may be a Python list, which has no elementwise arithmetic, .shape or "
    "boolean indexing: convert it first with `z = np.asarray(z, dtype=float)`.",
    when=lambda case: isinstance(case["z"], list),
)
RAISE_HINTS = {name: [OVERFLOW_ERROR, LIST_INPUT] for name in NAMES}
RAISE_HINTS["softmax"] += [
    RaiseHint.on(
        ["ValueError"],
        "the row maxima (or the row sums) lost their last axis: np.max(z, axis=-1) has "
        "shape (N,), which lines up with the columns of an (N, K) array, not its rows. "
        "Pass keepdims=True so that they have shape (N, 1) and apply to each row.",
        contains=["broadcast"],
    ),
    RaiseHint.on(
        ["AxisError", "IndexError"],
        "a 1-D vector has only axis 0, so axis=1 (or [:, None] on its max) fails: use "
        "axis=-1 (the last axis) with keepdims=True, and the same code handles (K,) and "
        "(N, K).",
        when=lambda case: np.ndim(case["z"]) == 1,
    ),
]


def by_function(names=NAMES):
    """Parameters over function names, each marked with its function."""
    return [pytest.param(name, marks=pytest.mark.function(name), id=name) for name in names]


def normal(rng, shape, scale=3.0):
    return rng.normal(scale=scale, size=shape).round(3)


def with_zeros(rng, shape):
    """Random values with exact zeros and both signs (relu and its derivative)."""
    z = np.array(rng.normal(scale=2.0, size=shape).round(2))
    z.flat[:: max(1, z.size // 3)] = 0.0
    z.flat[1::4] = -np.abs(z.flat[1::4])
    return z


def sample(rng, function, shape):
    return with_zeros(rng, shape) if function.startswith("relu") else normal(rng, shape)


# ---------------------------------------------------------------- every function


@pytest.mark.parametrize("function", by_function())
def test_any_shape(check, rng, function):
    """Works elementwise / per row for a single number, one sample, one feature and 3-D input."""
    shapes = [(1,), (1, 1), (1, 5), (5, 1)]
    if function != "softmax":  # the contract's softmax is 1-D or 2-D
        shapes += [(2, 3, 4), ()]
    for shape in shapes:
        z = sample(rng, function, shape)
        z = float(z) if shape == () else z
        check.close({"z": z}, what=f"an input of shape {shape}")


@pytest.mark.parametrize("function", by_function())
def test_input_kinds(check, rng, function):
    """Accepts flat and nested lists, integer arrays and float32 arrays."""
    base = sample(rng, function, (2, 4))
    check.close({"z": base[0].tolist()}, what="a flat Python list")
    check.close({"z": base.tolist()}, what="a nested Python list")
    integers = {"z": np.array([[-3, 0, 2, 5], [1, -1, 0, 4]])}
    got = check.close(integers, what="an integer array")
    if not function.startswith("relu"):  # relu's float results have tests of their own
        check.returns(got, "floats", integers, "convert the input with "
                      "`np.asarray(z, dtype=float)` before computing.")  # fmt: skip
    check.close({"z": base.astype(np.float32)}, what="a float32 array")


@pytest.mark.parametrize("function", by_function())
def test_returns_an_array(check, function):
    """Returns a NumPy array of floats, for a list input too (a list costs only this test)."""
    for z in ([[-1.5, 0.0, 2.0], [3.0, -4.0, 0.5]], np.array([0.25, -2.0, 1.5, 4.0])):
        got = check.close({"z": z})
        check.returns(got, "float array", {"z": z}, "build the result with NumPy "
                      "(np.asarray(z, dtype=float) first), not as a Python list.")  # fmt: skip


@pytest.mark.parametrize("function", by_function(n for n in NAMES if n != "relu"))
def test_leaves_input(check, function):
    """Does not modify its argument (a float array or a list)."""
    advice = {
        "softmax": "`z -= z.max(...)` changes the caller's array: write "
        "`shifted = z - np.max(z, axis=-1, keepdims=True)`.",
    }.get(function, "")
    z = np.array([[-2.5, 0.0, 3.0, 7.0], [1.5, -8.0, 0.25, -1.0]])
    for value in (z, z.tolist()):
        check.unchanged({"z": value}, advice=advice)


# ---------------------------------------------------------------- sigmoid


@pytest.mark.points(3)
@pytest.mark.function("sigmoid")
def test_sigmoid_random(check, rng):
    """sigmoid matches the reference on random arrays of several shapes."""
    for shape in [(6,), (3, 5), (4, 1)]:
        check.close({"z": normal(rng, shape)})


@pytest.mark.points(2)
@pytest.mark.function("sigmoid")
def test_sigmoid_known_values(check):
    """sigmoid(0) = 0.5, sigmoid(-1000) = 0 and sigmoid(1000) = 1, without overflow warning."""
    check.close_quietly({"z": np.array([0.0, -1000.0, 1000.0])}, SIGMOID_WARNING_TEXT,
                        expected=[0.5, 0.0, 1.0])  # fmt: skip


@pytest.mark.points(2)
@pytest.mark.function("sigmoid")
def test_sigmoid_extreme_range(check):
    """sigmoid is finite and right on all of [-1e4, 1e4], without overflow warning."""
    edges = [-745.2, -709.8, -40.0, 40.0, 709.8, 745.2, -1000.0, 1000.0, -1e4]
    z = np.concatenate([np.linspace(-1e4, 1e4, 391), edges]).reshape(4, 100)
    check.close_quietly({"z": z}, SIGMOID_WARNING_TEXT)


# ---------------------------------------------------------------- relu


@pytest.mark.points(3)
@pytest.mark.function("relu")
def test_relu_random(check, rng):
    """relu matches the reference on random arrays of several shapes (with zeros)."""
    for shape in [(7,), (3, 5), (2, 3, 2)]:
        check.close({"z": with_zeros(rng, shape)})


@pytest.mark.points(2)
@pytest.mark.function("relu")
def test_relu_integer_input(check):
    """relu returns floats for integer input (an array or a list)."""
    for z in (np.array([[-2, 0, 3], [4, -5, 1]]), [-7, 0, 2]):
        got = check.close({"z": z})
        check.returns(got, "floats", {"z": z}, "np.maximum(z, 0) keeps an integer input's "
                      "dtype: use np.maximum(z, 0.0) or convert with "
                      "`np.asarray(z, dtype=float)` first.")  # fmt: skip


@pytest.mark.points(2)
@pytest.mark.function("relu")
def test_relu_leaves_input(check, rng):
    """relu leaves its argument untouched (float array, integer array, list)."""
    z = normal(rng, (3, 4))
    z.flat[::2] = -np.abs(z.flat[::2]) - 0.5
    for value in (z, np.array([[-2, 0, 3], [4, -5, 1]]), z.tolist()):
        check.unchanged({"z": value}, advice="`z = np.asarray(z)` does not copy an array, so "
                        "`z[z < 0] = 0` writes into the caller's array: build a new one with "
                        "np.maximum(z, 0.0).")  # fmt: skip


# ---------------------------------------------------------------- softmax


@pytest.mark.points(3)
@pytest.mark.function("softmax")
def test_softmax_rows(check, rng):
    """softmax of a batch gives one distribution per row (non-square, square, one sample)."""
    for shape in [(3, 5), (4, 4), (1, 6), (6, 2)]:
        check.close({"z": normal(rng, shape)}, what=f"a batch of shape {shape}")


@pytest.mark.points(2)
@pytest.mark.function("softmax")
def test_softmax_vector(check, rng):
    """softmax of a 1-D vector is one probability vector of the same shape."""
    for z in (normal(rng, (5,)), np.array([2.5])):
        check.close({"z": z}, what="a 1-D vector")


@pytest.mark.points(2)
@pytest.mark.function("softmax")
def test_softmax_huge_logits_quietly(check):
    """softmax of huge logits (1000, 1e4) is right and never nan, without warning."""
    cases = [
        np.array([1000.0, 1001.0, 999.0]),
        np.array([1e4, 0.0, -1e4]),
        np.array([[1000.0, 1000.0, 998.0], [1e4, 1e4 - 1.0, 9990.0]]),
    ]
    for z in cases:
        check.close_quietly({"z": z}, "subtract each row's max before exp.")


@pytest.mark.points(2)
@pytest.mark.function("softmax")
def test_softmax_rows_of_different_scale(check):
    """softmax is right for a batch whose rows differ in scale (each row's own max)."""
    cases = [
        np.array([[1000.0, 1001.0, 1002.0], [1e-3, 2e-3, 0.0]]),
        np.array([[1e-3, -2e-3, 0.0], [-1000.0, -999.0, -1001.0]]),
        np.array([[0.0, 1.0], [1000.0, 1001.0], [-1e4, 1e4]]),
    ]
    for z in cases:
        check.close({"z": z})


SOFTMAX_EMPTY_TEXT = (
    "for an empty vector the contract accepts either of two answers: raise ValueError "
    "(there is no distribution over zero classes; np.max of an empty array raises it by "
    "itself), or return an empty float array of shape (0,)."
)


@pytest.mark.function("softmax")
def test_softmax_empty_vector(check):
    """softmax of an empty vector, which the contract leaves open: raising ValueError or
    returning an empty array of shape (0,) both count; another error, or a value with a
    shape other than (0,) (nan, a number), does not."""
    # Points only for work; and an error on every vector is that mistake (its own tests
    # and hints), not one of empty input.
    check.also_right({"z": np.array([1.0, 2.0, 3.0])})
    check.also_right({"z": np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -1.0]])})
    case = {"z": np.zeros(0)}
    expected = "expected an empty array of shape (0,), or ValueError."
    try:
        got = check.student.softmax(*case.values())
    except ValueError:
        return  # no distribution over zero classes: one of the two answers
    except StudentRaised as exc:
        raise mismatch(
            f"softmax({describe_inputs(case)}) raised {describe_raised(exc)}; {expected}",
            SOFTMAX_EMPTY_TEXT,
        ) from None
    try:
        shape = np.asarray(got, dtype=float).shape
    except (TypeError, ValueError):
        shape = None
    if shape != (0,):
        raise mismatch(
            f"softmax({describe_inputs(case)}) returned {summarize(got)}; {expected}",
            SOFTMAX_EMPTY_TEXT,
        )


# ---------------------------------------------------------------- sigmoid_derivative


@pytest.mark.points(3)
@pytest.mark.function("sigmoid_derivative")
def test_sigmoid_derivative_random(check, rng):
    """sigmoid_derivative matches the reference on random arrays."""
    for shape in [(7,), (3, 4)]:
        check.close({"z": normal(rng, shape)})


@pytest.mark.points(2)
@pytest.mark.function("sigmoid_derivative")
def test_sigmoid_derivative_extremes(check):
    """sigmoid_derivative is finite and right for z from -1e4 to 1e4 (0.25 at 0)."""
    check.close({"z": np.array([-1e4, -1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0, 1e4])})


# ---------------------------------------------------------------- relu_derivative


@pytest.mark.points(2)
@pytest.mark.function("relu_derivative")
def test_relu_derivative_random(check, rng):
    """relu_derivative matches the reference on random arrays (with zeros)."""
    for shape in [(7,), (3, 5), (2, 2, 3)]:
        check.close({"z": with_zeros(rng, shape)})


@pytest.mark.points(2)
@pytest.mark.function("relu_derivative")
def test_relu_derivative_at_zero(check):
    """relu_derivative is 0.0 at z == 0 (and -0.0), 1.0 for a tiny positive z (the smallest
    normal float32, ~1.2e-38: float32 arithmetic holds it too, where 1e-300 would be 0)."""
    tiny = float(np.finfo(np.float32).tiny)
    check.close({"z": np.array([-2.0, -tiny, -0.0, 0.0, tiny, 3.0])})


@pytest.mark.function("relu_derivative")
def test_relu_derivative_float_result(check, rng):
    """relu_derivative returns floats (1.0 / 0.0), not booleans or integers."""
    for z in (with_zeros(rng, (2, 5)), np.array([[-2, 0, 3], [4, -5, 1]])):
        got = check.close({"z": z})
        check.returns(got, "floats", {"z": z}, "`z > 0` gives booleans and "
                      "np.where(z > 0, 1, 0) integers: use `(z > 0).astype(float)` or "
                      "np.where(z > 0, 1.0, 0.0).")  # fmt: skip
