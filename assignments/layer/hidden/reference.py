"""Stage 2 — a layer of neurons.

A layer is several neurons reading the same inputs. Neuron j has its own row of
weights ``weights[j]`` and its own bias ``biases[j]``:

    output[j] = sum_i inputs[i] * weights[j][i] + biases[j]

Shapes: ``inputs: (D,)``, ``weights: (M, D)`` (one row per neuron), ``biases: (M,)``;
the output has shape ``(M,)``.
"""

import numpy as np


def layer_output(inputs, weights, biases):
    """The outputs of a layer of M neurons, in plain Python (no NumPy).

    inputs: (D,) sequence of numbers
    weights: (M, D) list of rows, one row of D weights per neuron
    biases: (M,) sequence, one bias per neuron
    returns: list of M floats
    raises: ValueError when a row's length differs from len(inputs), or when
        len(biases) differs from the number of rows
    """
    if len(weights) != len(biases):
        raise ValueError(f"layer_output: {len(weights)} weight rows but {len(biases)} biases")
    outputs = []
    for row, bias in zip(weights, biases, strict=True):
        if len(row) != len(inputs):
            raise ValueError(
                f"layer_output: a weight row has length {len(row)} but inputs has "
                f"length {len(inputs)}"
            )
        total = float(bias)
        for x, w in zip(inputs, row, strict=True):
            total += x * w
        outputs.append(float(total))
    return outputs


def layer_output_np(inputs, weights, biases):
    """The outputs of a layer with NumPy: a matrix-vector product plus the biases.

    inputs: (D,) array-like
    weights: (M, D) array-like, one row per neuron
    biases: (M,) array-like
    returns: (M,) float array, weights @ inputs + biases
    raises: ValueError on mismatched shapes
    """
    inputs = np.asarray(inputs, dtype=float)
    weights = np.asarray(weights, dtype=float)
    biases = np.asarray(biases, dtype=float)
    if inputs.ndim != 1 or weights.ndim != 2 or weights.shape[1] != inputs.shape[0]:
        raise ValueError(
            f"layer_output_np: weights {weights.shape} do not fit inputs {inputs.shape}; "
            "expected weights (n_neurons, n_inputs)"
        )
    if biases.shape != (weights.shape[0],):
        raise ValueError(
            f"layer_output_np: biases {biases.shape} do not fit weights {weights.shape}"
        )
    # Each row of `weights` meets the same inputs: a matrix-vector product.
    return weights @ inputs + biases
