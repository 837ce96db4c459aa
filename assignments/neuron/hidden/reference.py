"""Stage 1 — one neuron.

A neuron weighs each of its inputs, adds them up and adds a bias:

    output = sum_i inputs[i] * weights[i] + bias

Shapes: ``inputs: (D,)``, ``weights: (D,)``, ``bias``: a number; the output is a number.
"""

import numpy as np


def neuron_output(inputs, weights, bias):
    """The output of one neuron, in plain Python (no NumPy).

    inputs: (D,) sequence of numbers, D >= 1
    weights: (D,) sequence of numbers, one per input
    bias: a number
    returns: float, sum(inputs[i] * weights[i]) + bias
    raises: ValueError when len(inputs) != len(weights)
    """
    if len(inputs) != len(weights):
        raise ValueError(
            f"neuron_output: inputs has length {len(inputs)} but weights has length {len(weights)}"
        )
    total = float(bias)
    for x, w in zip(inputs, weights, strict=True):
        total += x * w
    return float(total)


def neuron_output_np(inputs, weights, bias):
    """The output of one neuron with NumPy: a dot product plus the bias.

    inputs: (D,) array-like
    weights: (D,) array-like
    bias: a number
    returns: float
    raises: ValueError when the shapes differ
    """
    inputs = np.asarray(inputs, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if inputs.shape != weights.shape:
        raise ValueError(
            f"neuron_output_np: inputs has shape {inputs.shape} but weights has shape "
            f"{weights.shape}"
        )
    return float(np.dot(inputs, weights) + bias)
