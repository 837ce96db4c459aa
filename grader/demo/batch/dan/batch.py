"""Dan: the second layer multiplies by weights2 without the transpose."""

import numpy as np


def dense_forward(inputs, weights, biases):
    inputs = np.asarray(inputs, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if inputs.ndim != 2 or weights.ndim != 2 or inputs.shape[1] != weights.shape[1]:
        raise ValueError(f"inputs {inputs.shape} do not fit weights {weights.shape}")
    if np.shape(biases) != (weights.shape[0],):
        raise ValueError(f"biases {np.shape(biases)} do not fit weights {weights.shape}")
    return inputs @ weights.T + np.asarray(biases, dtype=float)


def two_layer_forward(inputs, weights1, biases1, weights2, biases2):
    hidden = dense_forward(inputs, weights1, biases1)
    return hidden @ np.asarray(weights2, dtype=float) + np.asarray(biases2, dtype=float)
