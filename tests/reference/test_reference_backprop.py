"""The reference for stage 5 (backpropagation) against the course contract: losses, gradients
checked by finite differences, the training step, and the XOR claims in both directions."""

import copy

import numpy as np
import pytest

from grader.course import get_stage
from grader.suites.gradcheck import numerical_gradient, relative_error

_activations = get_stage("activations").load_reference()
sigmoid = _activations.sigmoid
sigmoid_derivative = _activations.sigmoid_derivative
_backprop = get_stage("backprop").load_reference()
NeuralNetwork = _backprop.NeuralNetwork
dense_backward = _backprop.dense_backward
mse_loss = _backprop.mse_loss
mse_loss_grad = _backprop.mse_loss_grad

# Sizes that are all different, so that a transposed matrix cannot go unnoticed.
N, D, H, M = 5, 3, 7, 2
PARAMETERS = ("W1", "b1", "W2", "b2")
X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y_XOR = np.array([[0], [1], [1], [0]], dtype=float)


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, D)), rng.random((N, M))


def test_mse_loss_known_value_and_type():
    """mean((y_pred - y_true)^2) over all elements, as a float: [[1, 2]] vs [[0, 4]] -> 2.5."""
    out = mse_loss([[1.0, 2.0]], [[0.0, 4.0]])
    assert isinstance(out, float)
    assert out == pytest.approx(2.5)


def test_mse_loss_grad_matches_finite_differences():
    """mse_loss_grad is 2 (y_pred - y_true) / size and the numerical gradient of mse_loss."""
    y_pred, y_true = _problem(1)[1], _problem(2)[1]
    grad = mse_loss_grad(y_pred, y_true)
    np.testing.assert_allclose(grad, 2 * (y_pred - y_true) / y_pred.size, rtol=1e-12)
    numeric = numerical_gradient(lambda p: mse_loss(p, y_true), y_pred.copy())
    assert relative_error(grad, numeric) < 1e-6


def test_dense_backward_matches_finite_differences():
    """dinputs, dweights and dbiases of outputs = inputs @ weights + biases equal the numerical
    gradients of the scalar sum(outputs * upstream) for a random upstream gradient."""
    rng = np.random.default_rng(3)
    inputs, weights = rng.standard_normal((N, D)), rng.standard_normal((D, M))
    biases, upstream = rng.standard_normal(M), rng.standard_normal((N, M))

    def loss(x, w, b):
        return float(np.sum((x @ w + b) * upstream))

    dinputs, dweights, dbiases = dense_backward(upstream, inputs, weights)
    assert (dinputs.shape, dweights.shape, dbiases.shape) == ((N, D), (D, M), (M,))
    numeric_inputs = numerical_gradient(lambda x: loss(x, weights, biases), inputs.copy())
    numeric_weights = numerical_gradient(lambda w: loss(inputs, w, biases), weights.copy())
    numeric_biases = numerical_gradient(lambda b: loss(inputs, weights, b), biases.copy())
    assert relative_error(dinputs, numeric_inputs) < 1e-6
    assert relative_error(dweights, numeric_weights) < 1e-6
    assert relative_error(dbiases, numeric_biases) < 1e-6


def test_dense_backward_sums_biases_over_samples():
    """Each bias gradient is the sum of dvalues over samples (5 samples of 1 -> 5), not the mean."""
    _, _, dbiases = dense_backward(np.ones((5, 3)), np.ones((5, 2)), np.ones((2, 3)))
    np.testing.assert_array_equal(dbiases, [5.0, 5.0, 5.0])


def test_network_shapes_and_seed():
    """Parameters have the contract's shapes; the same seed gives the same weights."""
    net = NeuralNetwork(D, H, M, seed=7)
    shapes = {name: getattr(net, name).shape for name in PARAMETERS}
    assert shapes == {"W1": (D, H), "b1": (H,), "W2": (H, M), "b2": (M,)}
    again = NeuralNetwork(D, H, M, seed=7)
    for name in PARAMETERS:
        np.testing.assert_array_equal(getattr(net, name), getattr(again, name))


def test_initial_weights_are_not_tiny():
    """Weights are drawn at a scale that lets the network learn: not 0.01 (std well above 0.1)."""
    net = NeuralNetwork(40, 50, 30, seed=0)
    assert net.W1.std() > 0.1 and net.W2.std() > 0.1


def test_forward_matches_the_equations():
    """forward(X) = sigmoid(sigmoid(X W1 + b1) W2 + b2), shape (N, M), computed independently."""
    X, _ = _problem()
    net = NeuralNetwork(D, H, M, seed=1)
    net.b1 = np.linspace(-1, 1, H)
    net.b2 = np.array([0.3, -0.2])
    hidden = 1 / (1 + np.exp(-(X @ net.W1 + net.b1)))
    expected = 1 / (1 + np.exp(-(hidden @ net.W2 + net.b2)))
    out = net.forward(X)
    assert out.shape == (N, M)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize("name", PARAMETERS)
def test_gradients_match_finite_differences(name):
    """NeuralNetwork.gradients equals the numerical gradient of mse_loss(forward(X), y) for each
    parameter, on random non-square shapes (N=5, D=3, H=7, M=2) and non-zero biases."""
    X, y = _problem()
    net = NeuralNetwork(D, H, M, seed=2)
    net.b1 = np.random.default_rng(8).standard_normal(H)
    net.b2 = np.random.default_rng(9).standard_normal(M)
    analytic = net.gradients(X, y)
    assert analytic[name].shape == getattr(net, name).shape
    # numerical_gradient perturbs the parameter array in place and restores it.
    numeric = numerical_gradient(lambda _: mse_loss(net.forward(X), y), getattr(net, name))
    assert relative_error(analytic[name], numeric) < 1e-6


def test_gradients_change_no_parameter():
    """gradients() leaves every parameter as it was, and returns exactly the four keys."""
    X, y = _problem()
    net = NeuralNetwork(D, H, M, seed=3)
    before = {name: getattr(net, name).copy() for name in PARAMETERS}
    grads = net.gradients(X, y)
    assert set(grads) == set(PARAMETERS)
    for name in PARAMETERS:
        np.testing.assert_array_equal(getattr(net, name), before[name])


def test_backward_is_one_gradient_descent_step():
    """backward() sets every parameter to its old value - learning_rate * its gradient, all
    gradients taken before the step."""
    X, y = _problem()
    net = NeuralNetwork(D, H, M, seed=4)
    before = {name: getattr(net, name).copy() for name in PARAMETERS}
    grads = net.gradients(X, y)
    net.backward(X, y, net.forward(X), 0.7)
    for name in PARAMETERS:
        np.testing.assert_allclose(getattr(net, name), before[name] - 0.7 * grads[name], rtol=1e-12)


def test_train_records_the_loss_before_each_update():
    """train returns one loss per epoch: losses[0] is the untrained network's loss, losses[1] the
    loss after exactly one backward step."""
    X, y = _problem()
    net = NeuralNetwork(D, H, M, seed=5)
    stepped = copy.deepcopy(net)
    initial = mse_loss(net.forward(X), y)
    stepped.backward(X, y, stepped.forward(X), 0.5)
    losses = net.train(X, y, 0.5, 3)
    assert len(losses) == 3 and all(isinstance(loss, float) for loss in losses)
    assert losses[0] == pytest.approx(initial, rel=1e-12)
    assert losses[1] == pytest.approx(mse_loss(stepped.forward(X), y), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learns_xor(seed):
    """NeuralNetwork(2, 4, 1, seed).train(X, y, 1.0, 5000) classifies all four XOR points."""
    net = NeuralNetwork(2, 4, 1, seed=seed)
    losses = net.train(X_XOR, Y_XOR, 1.0, 5000)
    assert len(losses) == 5000
    np.testing.assert_array_equal(net.forward(X_XOR) > 0.5, Y_XOR > 0.5)


def _seed_notebook_training(seed, scale=0.01, biases=False, learning_rate=0.1, epochs=1000):
    """The seed notebook's network: by default no biases, weights * 0.01, lr 0.1, 1000 epochs and
    the error summed (not averaged) over samples. Returns (per-epoch mse losses, final outputs)."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((2, 4)) * scale
    W2 = rng.standard_normal((4, 1)) * scale
    b1, b2 = np.zeros(4), np.zeros(1)
    losses = []
    for _ in range(epochs):
        z1 = X_XOR @ W1 + b1
        a1 = sigmoid(z1)
        z2 = a1 @ W2 + b2
        output = sigmoid(z2)
        losses.append(float(np.mean((output - Y_XOR) ** 2)))
        d2 = (output - Y_XOR) * sigmoid_derivative(z2)  # summed error: no division by N
        d1 = (d2 @ W2.T) * sigmoid_derivative(z1)
        W2 = W2 - learning_rate * a1.T @ d2
        W1 = W1 - learning_rate * X_XOR.T @ d1
        if biases:
            b2 = b2 - learning_rate * d2.sum(axis=0)
            b1 = b1 - learning_rate * d1.sum(axis=0)
    output = sigmoid(sigmoid(X_XOR @ W1 + b1) @ W2 + b2)
    return losses, output


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seed_notebook_network_does_not_learn(seed):
    """The seed notebook's network (no biases, weights * 0.01, lr 0.1, 1000 epochs, summed error)
    stays at loss 0.25 with every output within 0.001 of 0.5, so XOR is not learnt."""
    losses, output = _seed_notebook_training(seed)
    assert max(abs(loss - 0.25) for loss in losses) < 1e-3
    assert np.abs(output - 0.5).max() < 1e-3
    assert not np.array_equal(output > 0.5, Y_XOR > 0.5)


def test_seed_network_is_stuck_because_of_the_weight_scale():
    """What the stage 5 notebook explains: with weights * 0.01 even biases, lr 1.0 and 5000 epochs
    stay at 0.25, while the seed network with weights at scale 1 (no biases, summed error) learns
    XOR with lr 1.0 and 5000 epochs."""
    stuck, _ = _seed_notebook_training(0, biases=True, learning_rate=1.0, epochs=5000)
    assert abs(stuck[-1] - 0.25) < 1e-3
    _, output = _seed_notebook_training(0, scale=1.0, learning_rate=1.0, epochs=5000)
    np.testing.assert_array_equal(output > 0.5, Y_XOR > 0.5)
