"""Stage 4 — activation functions and their derivatives.

Fill in the five functions below. Run the public tests with ``pytest`` in this
folder (or ``grade check activations``). Do not change the names or the parameters.
Every function takes a list or an array of any shape and must not modify it.
"""

import numpy as np


def sigmoid(z):
    """The logistic function 1 / (1 + e^-z), elementwise.

    z: any shape
    returns: a float array of z's shape, values between 0 and 1
    It must stay finite, with no overflow warning, for z between -1e4 and 1e4.

    Hint: e^-z overflows when z is very negative; for z < 0 the same value is
    e^z / (1 + e^z), whose exponent never gets large. np.where computes both of its
    branches for every element, so take exp only of -|z|.
    """
    raise NotImplementedError("sigmoid: not implemented yet")


def relu(z):
    """max(0, z), elementwise.

    z: any shape (do not modify it)
    returns: a float array of z's shape

    Hint: ``np.maximum`` compares elementwise; ``np.max`` does something else.
    """
    raise NotImplementedError("relu: not implemented yet")


def softmax(z):
    """Turn scores into probabilities.

    z: shape (K,) for one vector of scores, or (N, K) for one row per sample
    returns: z's shape; every vector (1-D) or every row (2-D) is non-negative and sums to 1
    raises: ValueError for an empty z (no scores: no distribution; np.max raises it)
    It must never return nan for finite input, even for scores like 1000.

    Hint: subtracting a row's maximum from the row does not change its softmax but
    keeps exp from overflowing. Sum over the last axis, keeping dimensions.
    """
    raise NotImplementedError("softmax: not implemented yet")


def sigmoid_derivative(z):
    """The derivative of the sigmoid: sigmoid(z) * (1 - sigmoid(z)), elementwise.

    z: any shape
    returns: a float array of z's shape
    """
    raise NotImplementedError("sigmoid_derivative: not implemented yet")


def relu_derivative(z):
    """The derivative of relu: 1.0 where z > 0, else 0.0 (also 0.0 at z == 0).

    z: any shape
    returns: a float array of z's shape
    """
    raise NotImplementedError("relu_derivative: not implemented yet")
