"""Stage 3 — a batch of samples through one and two layers.

Stacking N samples as the rows of ``inputs`` turns N matrix-vector products into
one matrix product. The weights keep stage 2's layout, one row per neuron, so
they must be transposed:

    output = inputs @ weights.T + biases

Shapes: ``inputs: (N, D)``, ``weights: (M, D)``, ``biases: (M,)``, output ``(N, M)``.
"""

import numpy as np


def dense_forward(inputs, weights, biases):
    """One dense layer applied to every sample of a batch.

    inputs: (N, D) array-like, one sample per row
    weights: (M, D) array-like, one row per neuron
    biases: (M,) array-like
    returns: (N, M) float array, inputs @ weights.T + biases
    raises: ValueError on mismatched shapes
    """
    inputs = np.asarray(inputs, dtype=float)
    weights = np.asarray(weights, dtype=float)
    biases = np.asarray(biases, dtype=float)
    if inputs.ndim != 2 or weights.ndim != 2 or inputs.shape[1] != weights.shape[1]:
        raise ValueError(
            f"dense_forward: inputs {inputs.shape} and weights {weights.shape} do not fit; "
            "expected inputs (n_samples, n_inputs) and weights (n_neurons, n_inputs)"
        )
    if biases.shape != (weights.shape[0],):
        raise ValueError(f"dense_forward: biases {biases.shape} do not fit weights {weights.shape}")
    # Row n of the result is sample n seen by every neuron: (N, D) @ (D, M).
    return inputs @ weights.T + biases


def two_layer_forward(inputs, weights1, biases1, weights2, biases2):
    """Two dense layers in a row, with no activation in between.

    inputs: (N, D)
    weights1: (H, D), biases1: (H,)
    weights2: (M, H), biases2: (M,) — the same one-row-per-neuron layout
    returns: (N, M), the second layer's output
    """
    hidden = dense_forward(inputs, weights1, biases1)  # (N, H)
    return dense_forward(hidden, weights2, biases2)  # (N, M)
