"""The checks layer (``grader.suites.checks``): arguments printed with their types, the hint
kept as data, the float32 allowance (whatever dtype the result comes back in), a near miss
that says where it differs, and hints that blame the function where the mistake is
(``UPSTREAM``)."""

from pathlib import Path

import numpy as np
import pytest

from grader.api import grade
from grader.errors import Mismatch
from grader.suites.checks import (
    describe_inputs,
    expect_close,
    expect_near,
    float32_tolerance,
    mismatch,
    summarize,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "submissions"


def test_arguments_print_with_their_types():
    """An int reads as an int (``epochs=4``, not ``epochs=4.``), a float as a float, a bool
    as a bool, integer arrays and lists without decimal points."""
    text = describe_inputs({"epochs": 4, "learning_rate": 2.0, "seed": np.int64(7),
                            "shuffle": True, "sizes": [2, 3], "x": np.arange(3)})  # fmt: skip
    assert text == ("epochs=4, learning_rate=2.0, seed=7, shuffle=True, "
                    "sizes=[2, 3] (a list of 2), x=[0, 1, 2] (shape (3,))")  # fmt: skip
    assert summarize(np.float64(0.1)) == "0.1" and summarize(1 / 3) == "0.333333"
    assert summarize(["4.8"]).startswith("a list that is not numeric")  # text is not a number


def test_a_failure_carries_its_hint_as_data():
    """A failed check's hint ends its message and is also ``Mismatch.hint``; without one
    the hint is empty."""
    with pytest.raises(Mismatch) as failed:
        expect_close("relu", np.array([0.0, 5.0]), np.array([1.0, 2.0]), {"z": np.ones(2)})
    assert failed.value.hint == "" and "Hint:" not in str(failed.value)
    exc = mismatch("relu(z=[1.0]) returned 0", "np.maximum compares elementwise")
    assert exc.hint == "np.maximum compares elementwise"
    assert str(exc).endswith("\n  Hint: np.maximum compares elementwise")


def _network_gradient(X, W, y, dtype):
    """d mean((sigmoid(X @ W) - y)^2) / dW computed in ``dtype``: matmuls, exp and sums."""
    X, W, y = (np.asarray(a, dtype=dtype) for a in (X, W, y))
    a = 1 / (1 + np.exp(-(X @ W)))
    return X.T @ (2 * (a - y) / a.size * a * (1 - a))


@pytest.fixture
def float32_case():
    """A gradient through a matmul, a sigmoid and a mean, in float64 (the expected value)
    and in float32 arithmetic."""
    rng = np.random.default_rng(5)
    X, W, y = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.uniform(size=(6, 3))
    return {"X": X, "W": W, "y": y}, _network_gradient(X, W, y, np.float64), \
        _network_gradient(X, W, y, np.float32)


def test_float32_arithmetic_is_accepted_whatever_dtype_it_returns(float32_case):
    """float32 arithmetic passes expect_near returned as float32, cast back to float64,
    as a list of Python floats, or with float64 operations after float32 ones; the same
    values fail the contract's float64 tolerance (so the allowance is what accepts them)."""
    case, expected, single = float32_case
    mixed = single.astype(np.float64) / 3.0 * 3.0  # float32 intermediates, float64 after
    for got in (single, single.astype(np.float64), single.tolist(), mixed):
        expect_near("gradient", got, expected, case)
        assert float32_tolerance(case, got, expected) == float32_tolerance(case, single, expected)
    with pytest.raises(Mismatch):
        expect_close("gradient", single.astype(np.float64), expected, case)


def test_the_float32_allowance_still_catches_small_mistakes(float32_case):
    """Within the float32 allowance, a gradient off by a factor, by one term, or by 1e-4 of
    its values still fails, returned as float64 or as float32."""
    case, expected, _ = float32_case
    scale = np.max(np.abs(expected))
    off_by_one_entry = expected.copy()
    off_by_one_entry[1, 2] += 1e-4 * scale
    for wrong in (expected * 6, expected * (1 + 1e-4), off_by_one_entry, expected.T[:2].T):
        for got in (wrong, wrong.astype(np.float32)):
            with pytest.raises(Mismatch):
                expect_near("gradient", got, expected, case)


def test_a_near_miss_that_prints_alike_says_where_it_differs():
    """When expected and got print alike (5 digits), the message adds the entry that is
    furthest out, with every digit, and the tolerance; values that print apart do not
    need it."""
    with pytest.raises(Mismatch) as failed:
        expect_close("f", [1.0, 2.0], np.array([1.0, 2.000003]), {"x": 1})
    text = str(failed.value)
    assert "expected [1., 2.] (shape (2,))" in text and "got      [1., 2.]" in text
    assert "They differ at index (1,): expected 2.000003, got 2.0 (the tolerance is " in text
    with pytest.raises(Mismatch) as failed:
        expect_close("f", np.array([1.0, 2.5]), np.array([1.0, 2.0]), {"x": 1})
    assert "They differ" not in str(failed.value)


@pytest.fixture(scope="module")
def transpose_bug_in_dense_forward():
    """The batch stage graded on a submission whose only bug is the missing transpose
    inside dense_forward (two_layer_forward calls dense_forward twice, rightly)."""
    return grade("batch", FIXTURES / "batch" / "wrong_no_transpose.py")


def test_a_bug_inside_dense_forward_is_reported_on_dense_forward(transpose_bug_in_dense_forward):
    """Every failed two-layer test that computed says the mistake starts in dense_forward
    (with dense_forward's own hint); none blames a layer of two_layer_forward."""
    report = transpose_bug_in_dense_forward
    two_layer = [t for t in report.tests if t.hidden and t.function == "two_layer_forward"
                 and t.status == "failed" and "mismatch_raises" not in t.name]  # fmt: skip
    assert two_layer
    for test in two_layer:
        assert test.hint.startswith("two_layer_forward builds on dense_forward"), test.output
        assert "The mistake starts in dense_forward" in test.output
        assert "forgot the transpose" not in test.output and "neither layer" not in test.output


def test_a_bug_in_the_second_layer_is_still_blamed_there():
    """When dense_forward is right, the two-layer hint names the second layer's mistake."""
    report = grade("batch", FIXTURES / "batch" / "wrong_second_layer_no_transpose.py")
    hints = [t.hint for t in report.tests if t.function == "two_layer_forward" and t.hint]
    assert any("the second layer forgot the transpose" in hint for hint in hints)
    assert not any("builds on dense_forward" in hint for hint in hints)
