"""Stage 6 — classification: softmax, cross-entropy, and a network that sorts three spirals.

The layout is stage 5's: a layer computes ``inputs @ weights + biases`` with weights
shaped (n_inputs, n_neurons). Labels are integer class indices. Fill in the functions and
the methods below. Run the public tests with ``pytest`` in this folder (or
``grade check classifier``). Do not change the names or the parameters.

This file must stand alone: it cannot import your earlier stages, so define any helper
you need here (e.g. ``_relu(z)``).
"""

import numpy as np


def softmax_cross_entropy(logits, labels):
    """The mean cross-entropy of softmax(logits) against integer labels.

    logits: shape (n_samples, n_classes)
    labels: shape (n_samples,), integers in [0, n_classes)
    returns: a float, the mean over samples of -log softmax(logits)[i, labels[i]]
    raises: ValueError naming the shapes when logits is not 2-D, when logits and labels
        have different numbers of samples, or when a label is out of range

    Hint: never take the log of a probability; compute log softmax directly with the
    log-sum-exp trick, so that logits like [1000, 0, -1000] give finite losses.
    """
    raise NotImplementedError("softmax_cross_entropy: not implemented yet")


def softmax_cross_entropy_grad(logits, labels):
    """The gradient of softmax_cross_entropy with respect to the logits.

    returns: an array of shape (n_samples, n_classes),
        (softmax(logits) - one_hot(labels)) / n_samples
    raises: ValueError, as softmax_cross_entropy does
    """
    raise NotImplementedError("softmax_cross_entropy_grad: not implemented yet")


class Classifier:
    """A ReLU hidden layer and an output layer of one logit per class.

    Attributes: W1 (input_size, hidden_size), b1 (hidden_size,),
    W2 (hidden_size, n_classes), b2 (n_classes,).
    """

    def __init__(self, input_size, hidden_size, n_classes, seed=None):
        """Create the parameters with ``rng = np.random.default_rng(seed)``.

        Hint: draw the weights at He's scale, rng.standard_normal(shape) *
        np.sqrt(2 / fan_in) (fan_in: the number of inputs of the layer); biases start at zero.
        """
        raise NotImplementedError("Classifier.__init__: not implemented yet")

    def forward(self, X):
        """X: shape (n_samples, input_size) -> the logits, shape (n_samples, n_classes)."""
        raise NotImplementedError("Classifier.forward: not implemented yet")

    def gradients(self, X, y):
        """The gradient of softmax_cross_entropy(self.forward(X), y) w.r.t. each parameter.

        y: shape (n_samples,), integer labels
        returns: a dict with keys "W1", "b1", "W2", "b2", each of its parameter's shape.
        It must not change any parameter.
        """
        raise NotImplementedError("Classifier.gradients: not implemented yet")

    def step(self, X, y, learning_rate):
        """One gradient-descent step: every parameter -= learning_rate * its gradient.

        Hint: compute all the gradients first, then update.
        """
        raise NotImplementedError("Classifier.step: not implemented yet")

    def train(self, X, y, learning_rate, epochs):
        """Run ``epochs`` steps of gradient descent on (X, y).

        returns: the list of per-epoch losses, each measured before that epoch's step
        """
        raise NotImplementedError("Classifier.train: not implemented yet")

    def predict(self, X):
        """X: shape (n_samples, input_size) -> shape (n_samples,), integers: the class
        of the largest logit of each row."""
        raise NotImplementedError("Classifier.predict: not implemented yet")
