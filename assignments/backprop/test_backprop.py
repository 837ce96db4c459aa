"""Public tests for stage 5. Run ``pytest`` in this folder."""

import numpy as np
import pytest

from backprop import NeuralNetwork, dense_backward, mse_loss, mse_loss_grad

# Looser than the course's 1e-6: a solution computing in float32, which the course
# accepts, is exact to about 1e-7 per operation and a few 1e-6 after a dot product.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-8}


def test_mse_loss():
    """mean of (y_pred - y_true)^2 over all elements."""
    assert float(mse_loss([[1.0, 2.0]], [[0.0, 4.0]])) == pytest.approx(2.5)


def test_mse_loss_grad():
    """2 * (y_pred - y_true) / size."""
    out = np.asarray(mse_loss_grad(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]])))
    assert out.shape == (1, 2)
    np.testing.assert_allclose(out, [[1.0, -2.0]], **TOLERANCE)


def test_dense_backward_shapes():
    """dinputs, dweights and dbiases have the shapes of inputs, weights and biases."""
    dinputs, dweights, dbiases = dense_backward(np.ones((5, 3)), np.ones((5, 2)), np.ones((2, 3)))
    assert np.shape(dinputs) == (5, 2)
    assert np.shape(dweights) == (2, 3)
    assert np.shape(dbiases) == (3,)
    np.testing.assert_allclose(dbiases, [5.0, 5.0, 5.0])


def test_neural_network_shapes():
    """The parameters and the output have the shapes of the handout; the weights are drawn
    at random and forward is sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2)."""
    net = NeuralNetwork(2, 4, 1, seed=0)
    assert np.shape(net.W1) == (2, 4)
    assert np.shape(net.b1) == (4,)
    assert np.shape(net.W2) == (4, 1)
    assert np.shape(net.b2) == (1,)
    assert np.ptp(net.W1) > 0 and np.ptp(net.W2) > 0, "the weights are all the same"
    X = np.array([[0.0, 1.0], [1.0, 0.5], [-1.0, 2.0]])
    out = np.asarray(net.forward(X))
    assert out.shape == (3, 1)
    hidden = 1 / (1 + np.exp(-(X @ np.asarray(net.W1) + np.asarray(net.b1))))
    expected = 1 / (1 + np.exp(-(hidden @ np.asarray(net.W2) + np.asarray(net.b2))))
    np.testing.assert_allclose(out, expected, **TOLERANCE)


def test_neural_network_learns_xor():
    """Trained with learning rate 1.0 for 5000 epochs, the network classifies XOR."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    net = NeuralNetwork(2, 4, 1, seed=0)
    losses = net.train(X, y, 1.0, 5000)
    assert len(losses) == 5000
    assert losses[-1] < losses[0]
    predictions = np.asarray(net.forward(X)) > 0.5
    assert (predictions == (y > 0.5)).all()
