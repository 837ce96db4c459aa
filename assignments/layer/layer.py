"""Stage 2 — a layer of neurons.

Fill in the two functions below. Run the public tests with ``pytest`` in this
folder (or ``grade check layer``). Do not change the names or the parameters.
"""

import numpy as np


def layer_output(inputs, weights, biases):
    """The outputs of a layer of M neurons, in plain Python: no NumPy in this function.

    inputs: a list of D numbers
    weights: a list of M rows, one per neuron, each a list of D weights
    biases: a list of M numbers, one per neuron
    returns: a list of M floats; element j is neuron j's output
    raises: ValueError when a row's length is not len(inputs) or when there are not
        as many biases as rows (say which sizes differ)

    Hint: each neuron is stage 1's neuron with its own row of weights and its own bias.
    """
    raise NotImplementedError("layer_output: not implemented yet")


def layer_output_np(inputs, weights, biases):
    """The same layer with NumPy.

    inputs: shape (D,)
    weights: shape (M, D), one row per neuron
    biases: shape (M,)
    returns: an array of shape (M,)
    raises: ValueError, naming the shapes, when a row of weights is not len(inputs) long
        or biases is not one per neuron (a single bias for M neurons too)

    Hint: one matrix-vector product computes every neuron's weighted sum at once.
    """
    raise NotImplementedError("layer_output_np: not implemented yet")
