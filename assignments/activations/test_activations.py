"""Public tests for stage 4. Run ``pytest`` in this folder."""

import numpy as np

from activations import relu, relu_derivative, sigmoid, sigmoid_derivative, softmax

# Looser than the course's 1e-6: a solution computing in float32, which the course
# accepts, is exact to about 1e-7 per operation and a few 1e-6 after a dot product.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-8}


def test_sigmoid_values():
    """sigmoid(0) is 0.5; sigmoid is 1/(1+e^-z)."""
    out = np.asarray(sigmoid([-1.0, 0.0, 2.0]))
    assert out.shape == (3,)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-np.array([-1.0, 0.0, 2.0]))), **TOLERANCE)


def test_sigmoid_extremes():
    """sigmoid(-1000) is 0 and sigmoid(1000) is 1, and both are finite."""
    out = np.asarray(sigmoid([-1000.0, 1000.0]))
    assert out.shape == (2,)
    np.testing.assert_allclose(out, [0.0, 1.0], atol=1e-9)


def test_relu_values():
    """relu keeps positives and zeroes the rest."""
    out = np.asarray(relu([[-2.0, 0.0, 3.5]]))
    assert out.shape == (1, 3)
    np.testing.assert_allclose(out, [[0.0, 0.0, 3.5]])


def test_softmax_rows_sum_to_one():
    """Each row of a 2-D softmax is a probability distribution."""
    out = np.asarray(softmax([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.sum(axis=1), [1.0, 1.0], **TOLERANCE)
    np.testing.assert_allclose(out[1], [1 / 3, 1 / 3, 1 / 3], **TOLERANCE)


def test_softmax_huge_logits():
    """softmax([1000, 1000]) is [0.5, 0.5], not nan."""
    out = np.asarray(softmax([1000.0, 1000.0]))
    assert out.shape == (2,)
    np.testing.assert_allclose(out, [0.5, 0.5], **TOLERANCE)


def test_sigmoid_derivative_values():
    """sigmoid'(0) = 0.25, sigmoid'(2) = 0.105."""
    out = np.asarray(sigmoid_derivative([0.0, 2.0]))
    assert out.shape == (2,)
    np.testing.assert_allclose(out, [0.25, 0.10499358540350662], **TOLERANCE)


def test_relu_derivative_values():
    """relu' is 1 for z > 0, else 0 (0 at z == 0)."""
    out = np.asarray(relu_derivative([-1.0, 0.0, 2.0]))
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [0.0, 0.0, 1.0])
