"""Public tests for stage 3. Run ``pytest`` in this folder."""

import numpy as np

from batch import dense_forward, two_layer_forward

# Looser than the course's 1e-6: a solution computing in float32, which the course
# accepts, is exact to about 1e-7 per operation and a few 1e-6 after a dot product.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-8}

INPUTS = [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]]
WEIGHTS1 = [[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
BIASES1 = [2, 3, 0.5]
WEIGHTS2 = [[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]]
BIASES2 = [-1, 2, -0.5]


def test_dense_forward_known_value():
    """The handout's batch through layer 1."""
    out = np.asarray(dense_forward(INPUTS, WEIGHTS1, BIASES1))
    expected = [[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]]
    assert out.shape == (3, 3)
    np.testing.assert_allclose(out, expected, **TOLERANCE)


def test_dense_forward_shape():
    """2 samples of 4 inputs through 3 neurons give shape (2, 3) (each output 4 * 1 + 0.5)."""
    out = np.asarray(dense_forward(np.ones((2, 4)), np.ones((3, 4)), np.full(3, 0.5)))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, np.full((2, 3), 4.5), **TOLERANCE)


def test_two_layer_forward_known_value():
    """The handout's batch through both layers."""
    out = np.asarray(two_layer_forward(INPUTS, WEIGHTS1, BIASES1, WEIGHTS2, BIASES2))
    expected = [
        [0.5031, -1.04185, -2.03875],
        [0.2434, -2.7332, -5.7633],
        [-0.99314, 1.41254, -0.35655],
    ]
    assert out.shape == (3, 3)
    np.testing.assert_allclose(out, expected, **TOLERANCE)
