"""Ada: a correct solution with NumPy."""

import numpy as np


def dense_forward(inputs, weights, biases):
    inputs = np.asarray(inputs, dtype=float)
    weights = np.asarray(weights, dtype=float)
    biases = np.asarray(biases, dtype=float)
    if inputs.ndim != 2 or weights.ndim != 2 or inputs.shape[1] != weights.shape[1]:
        raise ValueError(f"inputs {inputs.shape} do not fit weights {weights.shape}")
    if biases.shape != (weights.shape[0],):
        raise ValueError(f"biases {biases.shape} do not fit weights {weights.shape}")
    return inputs @ weights.T + biases


def two_layer_forward(inputs, weights1, biases1, weights2, biases2):
    return dense_forward(dense_forward(inputs, weights1, biases1), weights2, biases2)
