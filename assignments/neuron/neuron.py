"""Stage 1 — one neuron.

Fill in the two functions below. Run the public tests with ``pytest`` in this
folder (or ``grade check neuron``). Do not change the names or the parameters.
"""

import numpy as np


def neuron_output(inputs, weights, bias):
    """The output of one neuron, in plain Python: no NumPy in this function.

    inputs: a list of D numbers (D >= 1)
    weights: a list of D numbers, one per input
    bias: a number
    returns: a float, inputs[0]*weights[0] + ... + inputs[D-1]*weights[D-1] + bias
    raises: ValueError, with both lengths in the message, when len(inputs) != len(weights)

    Hint: ``zip(inputs, weights)`` walks both lists side by side.
    """
    raise NotImplementedError("neuron_output: not implemented yet")


def neuron_output_np(inputs, weights, bias):
    """The same neuron with NumPy.

    inputs, weights: array-likes of shape (D,)
    bias: a number
    returns: a float (a NumPy float is fine)
    raises: ValueError, with both shapes in the message, when the shapes differ

    Hint: ``np.dot`` of two vectors is the sum of their elementwise products.
    """
    raise NotImplementedError("neuron_output_np: not implemented yet")
