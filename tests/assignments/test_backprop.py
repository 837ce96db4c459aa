"""Stage 5, ``backprop``: a failure of ``backward`` or ``train`` is blamed on the code where
the mistake starts (issue 11).

backward builds on gradients, and train on backward. The hidden suite compares a failing
backward or train with the student's own gradients and backward; these tests grade one
submission with a mistake in gradients only (the fixture ``wrong_gradients_sign.py``) and
one with a mistake in backward only (the reference with its update's sign flipped), and
read every message.
"""

from pathlib import Path

import pytest

from grader.api import grade
from grader.course import standalone_reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions" / "backprop"
STARTS_IN_GRADIENTS = "builds on NeuralNetwork.gradients, which is already wrong on this data"
STARTS_IN_BACKWARD = "builds on NeuralNetwork.backward, which is already wrong on this data"
SIGN_HINT = "has the wrong sign: it is 2 * (y_pred - y_true) / size"
# What the suite says of an update that goes the wrong way: right for a backward that adds,
# wrong for a backward that subtracts the (wrong) gradients it is given.
UPDATE_BLAMED = ("moved uphill", "the update must go downhill")


def _failing(report) -> dict:
    return {t.name: t.output for t in report.tests if t.status != "passed"}


@pytest.fixture(scope="module")
def gradients_sign_report():
    return grade("backprop", FIXTURES / "wrong_gradients_sign.py")


@pytest.fixture(scope="module")
def backward_uphill_report(tmp_path_factory):
    """The reference with backward adding learning_rate * gradient: gradients are right."""
    source = standalone_reference("backprop")
    wrong = source.replace("- learning_rate * grads", "+ learning_rate * grads")
    assert wrong.count("+ learning_rate * grads") == 4
    path = tmp_path_factory.mktemp("uphill") / "backprop.py"
    path.write_text(wrong, encoding="utf-8")
    return grade("backprop", path)


def test_gradients_sign_fails_its_gradients_tests(gradients_sign_report):
    """The sign error in gradients() fails the gradients tests, with the sign hint."""
    failing = _failing(gradients_sign_report)
    gradient_tests = [name for name in failing if name.startswith("test_gradients_random")]
    assert len(gradient_tests) == 3
    assert all(SIGN_HINT in failing[name] for name in gradient_tests)


@pytest.mark.parametrize(
    "test",
    [
        "test_backward_one_step[4x3x5x2]",
        "test_backward_one_step[one_sample]",
        "test_train_losses",
        "test_train_updates_parameters",
        "test_train_xor_exact",
        "test_train_returns_a_list_of_floats",
        "test_train_learns_xor",
    ],
)
def test_gradients_sign_blamed_on_gradients(gradients_sign_report, test):
    """With the sign wrong in gradients() only, each failing backward and train test says
    that the mistake starts in gradients (with the sign hint), never that the update went
    uphill: backward and train are right and must not be where the student looks."""
    output = _failing(gradients_sign_report)[test]
    assert STARTS_IN_GRADIENTS in output
    assert "The mistake starts in gradients" in output
    assert SIGN_HINT in output
    assert not any(text in output for text in UPDATE_BLAMED), output


def test_public_xor_test_does_not_blame_backward_alone(gradients_sign_report):
    """The public XOR test cannot tell a wrong sign in gradients() from one in backward():
    its hint names both, in the order to check them (it used to say only that backward
    must step downhill, sending the student to the function that was right)."""
    output = _failing(gradients_sign_report)["test_neural_network_learns_xor"]
    assert "gradients() returns" in output and "the gradients tests, then the backward" in output
    assert "backward must step downhill" not in output


def test_gradients_sign_costs_no_other_function(gradients_sign_report):
    """Only the tests of gradients, backward and train fail (and the public XOR test):
    mse_loss, mse_loss_grad, dense_backward, forward and the initialisation keep theirs."""
    allowed = ("test_gradients_", "test_backward_", "test_train_", "test_neural_network_learns")
    others = [name for name in _failing(gradients_sign_report) if not name.startswith(allowed)]
    assert others == []


@pytest.mark.parametrize(
    "test", ["test_backward_one_step[4x3x5x2]", "test_backward_one_step[one_sample]"]
)
def test_backward_uphill_blamed_on_backward(backward_uphill_report, test):
    """A backward that adds the (right) gradients is told it moved uphill, and gradients,
    which is right, is not blamed."""
    output = _failing(backward_uphill_report)[test]
    assert "moved uphill" in output
    assert "NeuralNetwork.gradients" not in output


@pytest.mark.parametrize("test", ["test_train_losses", "test_train_updates_parameters"])
def test_backward_uphill_train_blamed_on_backward(backward_uphill_report, test):
    """train, right itself, builds on that backward: its failure says the mistake starts in
    backward, with backward's own hint."""
    output = _failing(backward_uphill_report)[test]
    assert STARTS_IN_BACKWARD in output
    assert "The mistake starts in backward" in output
    assert "moved uphill" in output
    assert STARTS_IN_GRADIENTS not in output


def test_backward_uphill_gradients_tests_pass(backward_uphill_report):
    """The mistake in backward costs no gradients test."""
    assert not [name for name in _failing(backward_uphill_report) if "gradients" in name]
