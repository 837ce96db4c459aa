"""Stage 5 — backpropagation: a two-layer network that learns XOR.

Here a layer is ``outputs = inputs @ weights + biases`` with weights shaped
``(n_inputs, n_neurons)``, the transpose-free layout. Notation for the network:

    X: (N, D)   W1: (D, H)  b1: (H,)   W2: (H, M)  b2: (M,)
    z1 = X @ W1 + b1        a1 = sigmoid(z1)       (N, H)
    z2 = a1 @ W2 + b2       y_pred = sigmoid(z2)   (N, M)
    loss = mean((y_pred - y)^2)

Backpropagation applies the chain rule from the loss back to each parameter,
reusing the forward pass's intermediate values.
"""

import numpy as np


# A submission stands alone (it cannot import stage 4), so this stage defines its own
# sigmoid and derivative: the manifest says so ("defines_own"), and `grade validate`
# checks that they agree with the activations stage's.
def sigmoid(z):
    """The logistic function, computed stably (see stage 4)."""
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))


def sigmoid_derivative(z):
    """sigmoid(z) * (1 - sigmoid(z)), elementwise."""
    s = sigmoid(z)
    return s * (1.0 - s)


def mse_loss(y_pred, y_true):
    """Mean squared error over all elements.

    y_pred, y_true: the same shape, e.g. (N, M)
    returns: float, mean((y_pred - y_true)^2)
    """
    y_pred = np.asarray(y_pred, dtype=float)
    y_true = np.asarray(y_true, dtype=float)
    return float(np.mean((y_pred - y_true) ** 2))


def mse_loss_grad(y_pred, y_true):
    """Gradient of ``mse_loss`` with respect to y_pred.

    returns: array of y_pred's shape, 2 * (y_pred - y_true) / y_pred.size
    (the mean divides by the number of elements, so its gradient does too)
    """
    y_pred = np.asarray(y_pred, dtype=float)
    y_true = np.asarray(y_true, dtype=float)
    return 2.0 * (y_pred - y_true) / y_pred.size


def dense_backward(dvalues, inputs, weights):
    """Backward pass of ``outputs = inputs @ weights + biases``.

    dvalues: (N, M) gradient of the loss w.r.t. the layer's outputs
    inputs: (N, D) what the layer read in the forward pass
    weights: (D, M)
    returns: (dinputs (N, D), dweights (D, M), dbiases (M,))

    Each bias is added to every sample's output, so its gradient is the sum of
    dvalues over samples (not the mean: the loss already did the averaging).
    """
    dvalues = np.asarray(dvalues, dtype=float)
    inputs = np.asarray(inputs, dtype=float)
    weights = np.asarray(weights, dtype=float)
    dinputs = dvalues @ weights.T
    dweights = inputs.T @ dvalues
    dbiases = dvalues.sum(axis=0)
    return dinputs, dweights, dbiases


class NeuralNetwork:
    """A network with one sigmoid hidden layer and a sigmoid output layer.

    Attributes: W1 (D, H), b1 (H,), W2 (H, M), b2 (M,).
    """

    def __init__(self, input_size, hidden_size, output_size, seed=None):
        rng = np.random.default_rng(seed)
        # Unit-variance weights put sigmoid's inputs in its steep region, where
        # gradients are large enough to learn; 0.01 would leave every hidden unit
        # near 0.5 and the gradients near zero.
        self.W1 = rng.standard_normal((input_size, hidden_size))
        self.b1 = np.zeros(hidden_size)
        self.W2 = rng.standard_normal((hidden_size, output_size))
        self.b2 = np.zeros(output_size)

    def _forward_cache(self, X):
        """The forward pass, keeping what backpropagation needs."""
        X = np.asarray(X, dtype=float)
        z1 = X @ self.W1 + self.b1  # (N, H)
        a1 = sigmoid(z1)
        z2 = a1 @ self.W2 + self.b2  # (N, M)
        return X, z1, a1, z2, sigmoid(z2)

    def forward(self, X):
        """X: (N, D) -> y_pred: (N, M)."""
        return self._forward_cache(X)[-1]

    def gradients(self, X, y):
        """Gradients of mse_loss(forward(X), y) w.r.t. W1, b1, W2, b2.

        X: (N, D), y: (N, M)
        returns: dict with keys "W1", "b1", "W2", "b2", each of its parameter's shape
        """
        X, z1, a1, z2, y_pred = self._forward_cache(X)
        dz2 = mse_loss_grad(y_pred, y) * sigmoid_derivative(z2)  # (N, M)
        da1, dW2, db2 = dense_backward(dz2, a1, self.W2)
        # The error reaches layer 1 through W2 as it was in the forward pass.
        dz1 = da1 * sigmoid_derivative(z1)  # (N, H)
        _, dW1, db1 = dense_backward(dz1, X, self.W1)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    def backward(self, X, y, y_pred, learning_rate):
        """One gradient-descent step on every parameter.

        All gradients are taken at the current parameters before any is changed.
        ``y_pred`` is forward(X), accepted for the contract's signature; the
        gradients recompute the forward pass they need.
        """
        grads = self.gradients(X, y)
        self.W1 = self.W1 - learning_rate * grads["W1"]
        self.b1 = self.b1 - learning_rate * grads["b1"]
        self.W2 = self.W2 - learning_rate * grads["W2"]
        self.b2 = self.b2 - learning_rate * grads["b2"]

    def train(self, X, y, learning_rate, epochs):
        """Run ``epochs`` gradient-descent steps on (X, y).

        returns: list of ``epochs`` floats, the loss before each epoch's update
        """
        losses = []
        for _ in range(epochs):
            y_pred = self.forward(X)
            losses.append(mse_loss(y_pred, y))
            self.backward(X, y, y_pred, learning_rate)
        return losses
