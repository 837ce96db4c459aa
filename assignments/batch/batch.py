"""Stage 3 — a batch of samples through one and two layers.

Fill in the two functions below. Run the public tests with ``pytest`` in this
folder (or ``grade check batch``). Do not change the names or the parameters.
"""

import numpy as np


def dense_forward(inputs, weights, biases):
    """One dense layer applied to every sample of a batch.

    inputs: shape (n_samples, n_inputs), one sample per row
    weights: shape (n_neurons, n_inputs), one row per neuron (stage 2's layout)
    biases: shape (n_neurons,)
    returns: shape (n_samples, n_neurons), inputs · weightsᵀ + biases
    raises: ValueError, naming the shapes, when they do not fit: a row of weights not
        as long as a sample, or not one bias per neuron (one bias for 3 neurons too:
        NumPy would broadcast it silently)

    Hint: inputs has one row per sample and weights one row per neuron, so one of
    them must be transposed before multiplying. Check the shape of your result.
    """
    raise NotImplementedError("dense_forward: not implemented yet")


def two_layer_forward(inputs, weights1, biases1, weights2, biases2):
    """Two dense layers in a row, with no activation in between.

    inputs: shape (n_samples, n_inputs)
    weights1: shape (n_hidden, n_inputs), biases1: shape (n_hidden,)
    weights2: shape (n_outputs, n_hidden), biases2: shape (n_outputs,)
    returns: shape (n_samples, n_outputs), the second layer's output
    raises: ValueError, naming the shapes, when a layer's shapes do not fit

    Hint: the second layer is a dense layer too, with the same weight layout.
    """
    raise NotImplementedError("two_layer_forward: not implemented yet")
