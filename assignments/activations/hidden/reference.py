"""Stage 4 — activation functions and their derivatives.

Without a non-linearity between them, two layers collapse into one linear map.
These functions are applied elementwise (softmax: per row) and must stay finite
for very large inputs.
"""

import numpy as np


def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), elementwise.

    z: any shape, array-like
    returns: float array of z's shape, values in [0, 1]

    exp(-z) overflows for z << 0. Writing 1 + e^-z as e^log(1 + e^-z) and
    computing that logarithm with logaddexp(0, -z) keeps every step finite.
    """
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    """The rectified linear unit max(0, z), elementwise.

    z: any shape, array-like (left untouched)
    returns: float array of z's shape
    """
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def softmax(z):
    """Turn scores into probabilities.

    z: (K,) one vector of logits, or (N, K) one row of logits per sample
    returns: float array of z's shape; each vector / row is non-negative and sums to 1

    softmax is unchanged by subtracting a constant from a row, so subtracting the
    row's maximum keeps exp() from overflowing without changing the answer.
    """
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    exp_z = np.exp(shifted)
    return exp_z / np.sum(exp_z, axis=-1, keepdims=True)


def sigmoid_derivative(z):
    """d sigmoid / dz = sigmoid(z) * (1 - sigmoid(z)), elementwise.

    z: any shape; returns: float array of z's shape
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def relu_derivative(z):
    """d relu / dz: 1.0 where z > 0, else 0.0 (we choose 0.0 at z == 0).

    z: any shape; returns: float array of z's shape
    """
    return (np.asarray(z, dtype=float) > 0).astype(float)
