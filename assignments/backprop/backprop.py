"""Stage 5 — backpropagation: a two-layer network that learns XOR.

Here a layer computes ``inputs @ weights + biases`` with weights shaped
(n_inputs, n_neurons). Fill in the functions and the methods below. Run the
public tests with ``pytest`` in this folder (or ``grade check backprop``).
Do not change the names or the parameters.

This file must stand alone: it cannot import your stage 4 work, so define the
sigmoid (and its derivative) you need here, e.g. as ``_sigmoid(z)``.
"""

import numpy as np


def mse_loss(y_pred, y_true):
    """Mean squared error: the mean over all elements of (y_pred - y_true)².

    y_pred, y_true: arrays of the same shape
    returns: a float
    raises: ValueError, naming the shapes, when y_pred and y_true do not fit together
        (e.g. (3, 2) and (4, 2)): NumPy's subtraction raises it for arrays; a loop over
        zip() hides it, so check the shapes yourself there
    """
    raise NotImplementedError("mse_loss: not implemented yet")


def mse_loss_grad(y_pred, y_true):
    """The gradient of mse_loss with respect to y_pred.

    returns: an array of y_pred's shape, 2 * (y_pred - y_true) / y_pred.size
    raises: ValueError, naming the shapes, when y_pred and y_true do not fit together,
        as mse_loss does

    Hint: the loss is a mean, so every element's gradient is divided by the count.
    """
    raise NotImplementedError("mse_loss_grad: not implemented yet")


def dense_backward(dvalues, inputs, weights):
    """The backward pass of ``outputs = inputs @ weights + biases``.

    dvalues: shape (n_samples, n_neurons), d loss / d outputs
    inputs: shape (n_samples, n_inputs), what the layer read in the forward pass
    weights: shape (n_inputs, n_neurons)
    returns: the tuple (dinputs, dweights, dbiases) with shapes
        (n_samples, n_inputs), (n_inputs, n_neurons), (n_neurons,)
    raises: ValueError, naming the shapes, when they do not fit together: dvalues and
        inputs with different numbers of samples, or dvalues with not as many columns
        (neurons) as weights (NumPy's @ raises it for you)

    Hint: every bias is added to every sample, so its gradient is a sum over samples.
    """
    raise NotImplementedError("dense_backward: not implemented yet")


class NeuralNetwork:
    """A network with a sigmoid hidden layer and a sigmoid output layer.

    Attributes: W1 (input_size, hidden_size), b1 (hidden_size,),
    W2 (hidden_size, output_size), b2 (output_size,).
    """

    def __init__(self, input_size, hidden_size, output_size, seed=None):
        """Create the parameters with ``rng = np.random.default_rng(seed)``.

        Hint: weights scaled by 0.01 leave every sigmoid near 0.5 and the network
        cannot learn; draw them at a scale around 1, and start the biases at zero.
        """
        raise NotImplementedError("NeuralNetwork.__init__: not implemented yet")

    def forward(self, X):
        """X: shape (n_samples, input_size) -> y_pred: shape (n_samples, output_size).

        raises: ValueError, naming the shapes, when X has not input_size columns
        """
        raise NotImplementedError("NeuralNetwork.forward: not implemented yet")

    def gradients(self, X, y):
        """The gradient of mse_loss(self.forward(X), y) with respect to each parameter.

        returns: a dict with keys "W1", "b1", "W2", "b2", each of its parameter's shape.
        It must not change any parameter.
        """
        raise NotImplementedError("NeuralNetwork.gradients: not implemented yet")

    def backward(self, X, y, y_pred, learning_rate):
        """One gradient-descent step: every parameter -= learning_rate * its gradient.

        Hint: compute all the gradients first, then update; the error must flow back
        through W2 as it was before the step.
        """
        raise NotImplementedError("NeuralNetwork.backward: not implemented yet")

    def train(self, X, y, learning_rate, epochs):
        """Run ``epochs`` steps of gradient descent on (X, y).

        returns: the list of per-epoch losses, each measured before that epoch's update
        """
        raise NotImplementedError("NeuralNetwork.train: not implemented yet")
