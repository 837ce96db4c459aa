"""Stage 6 — classification: softmax, cross-entropy, and a network that sorts three spirals.

The layout is stage 5's, ``outputs = inputs @ weights + biases`` with weights shaped
``(n_inputs, n_neurons)``. Labels are integer class indices. Notation:

    X: (N, D)   y: (N,) ints in [0, C)
    W1: (D, H)  b1: (H,)   W2: (H, C)  b2: (C,)
    z1 = X @ W1 + b1        a1 = relu(z1)                    (N, H)
    logits = a1 @ W2 + b2                                    (N, C)
    p = softmax(logits)     (one distribution per row)
    loss = -(1/N) sum_i log p[i, y_i]

and the gradient of the loss with respect to the logits is (p - one_hot(y)) / N.
"""

import numpy as np


def _checked(logits, labels):
    """``logits`` as a float (N, C) array and ``labels`` as an int (N,) array in [0, C).

    raises: ValueError naming the shapes (or the label and C) when they do not fit
    """
    logits = np.asarray(logits, dtype=float)
    labels = np.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"logits must be 2-D (n_samples, n_classes), got shape {logits.shape}")
    if labels.shape != logits.shape[:1]:
        raise ValueError(
            f"labels of shape {labels.shape} do not fit logits of shape {logits.shape}: "
            f"one label per sample, shape ({logits.shape[0]},)"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(
            f"a label is out of range for logits of shape {logits.shape}: labels are class "
            f"indices in [0, {logits.shape[1]})"
        )
    return logits, labels.astype(int)


def _log_softmax(logits):
    """log softmax(logits) per row, by log-sum-exp: with m the row's max,
    log p[i, k] = (z[i, k] - m) - log sum_j exp(z[i, j] - m). Every exp is of a number <= 0,
    so nothing overflows, and a tiny probability keeps its log (no log of 0)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels.

    logits: (N, C); labels: (N,) ints in [0, C)
    returns: float, -(1/N) sum_i log softmax(logits)[i, labels[i]]
    raises: ValueError naming the shapes when they do not fit, or a label out of range
    """
    logits, labels = _checked(logits, labels)
    log_p = _log_softmax(logits)
    rows = np.arange(len(labels))
    return float(-np.mean(log_p[rows, labels]))


def softmax_cross_entropy_grad(logits, labels):
    """Gradient of ``softmax_cross_entropy`` with respect to the logits.

    logits: (N, C); labels: (N,) ints in [0, C)
    returns: (N, C) array, (softmax(logits) - one_hot(labels)) / N
    (the loss is a mean over the N samples, so every row is divided by N)
    """
    logits, labels = _checked(logits, labels)
    p = np.exp(_log_softmax(logits))
    one_hot = np.zeros_like(p)
    one_hot[np.arange(len(labels)), labels] = 1.0
    return (p - one_hot) / len(labels)


class Classifier:
    """A ReLU hidden layer and a softmax output layer, trained on the mean cross-entropy.

    Attributes: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    """

    def __init__(self, input_size, hidden_size, n_classes, seed=None):
        rng = np.random.default_rng(seed)
        # He initialisation: a ReLU zeroes about half of its inputs, so weights of standard
        # deviation sqrt(2 / fan_in) keep the signal's scale from layer to layer.
        self.W1 = rng.standard_normal((input_size, hidden_size)) * np.sqrt(2.0 / input_size)
        self.b1 = np.zeros(hidden_size)
        self.W2 = rng.standard_normal((hidden_size, n_classes)) * np.sqrt(2.0 / hidden_size)
        self.b2 = np.zeros(n_classes)

    def _forward_cache(self, X):
        """The forward pass, keeping what backpropagation needs: X, z1, a1, logits."""
        X = np.asarray(X, dtype=float)
        z1 = X @ self.W1 + self.b1  # (N, H)
        a1 = np.maximum(z1, 0.0)
        return X, z1, a1, a1 @ self.W2 + self.b2  # logits (N, C)

    def forward(self, X):
        """X: (N, D) -> logits: (N, C)."""
        return self._forward_cache(X)[-1]

    def gradients(self, X, y):
        """Gradients of softmax_cross_entropy(forward(X), y) w.r.t. W1, b1, W2, b2.

        X: (N, D), y: (N,) ints
        returns: dict with keys "W1", "b1", "W2", "b2", each of its parameter's shape
        """
        X, z1, a1, logits = self._forward_cache(X)
        dlogits = softmax_cross_entropy_grad(logits, y)  # (N, C), already divided by N
        dW2 = a1.T @ dlogits
        db2 = dlogits.sum(axis=0)  # each bias touches every sample: a sum, not a mean
        da1 = dlogits @ self.W2.T  # through W2 as it was in the forward pass
        dz1 = da1 * (z1 > 0)  # ReLU passes the gradient where its INPUT was positive
        dW1 = X.T @ dz1
        db1 = dz1.sum(axis=0)
        return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}

    def step(self, X, y, learning_rate):
        """One gradient-descent step on every parameter, all gradients taken first."""
        grads = self.gradients(X, y)
        self.W1 = self.W1 - learning_rate * grads["W1"]
        self.b1 = self.b1 - learning_rate * grads["b1"]
        self.W2 = self.W2 - learning_rate * grads["W2"]
        self.b2 = self.b2 - learning_rate * grads["b2"]

    def train(self, X, y, learning_rate, epochs):
        """``epochs`` gradient-descent steps on (X, y).

        returns: list of ``epochs`` floats, the loss before each epoch's update
        """
        losses = []
        for _ in range(epochs):
            losses.append(softmax_cross_entropy(self.forward(X), y))
            self.step(X, y, learning_rate)
        return losses

    def predict(self, X):
        """X: (N, D) -> (N,) ints, the class of the largest logit of each row."""
        return np.argmax(self.forward(X), axis=1)
