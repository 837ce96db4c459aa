"""The checks layer (``grader.suites.checks``): arguments printed with their types, the hint
kept as data, and hints that blame the function where the mistake is (``UPSTREAM``)."""

from pathlib import Path

import numpy as np
import pytest

from grader.api import grade
from grader.errors import Mismatch
from grader.suites.checks import describe_inputs, expect_close, mismatch, summarize

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
