"""Public tests for stage 2. Run ``pytest`` in this folder."""

import numpy as np
import pytest

from layer import layer_output, layer_output_np

# Looser than the course's 1e-6: a solution computing in float32, which the course
# accepts, is exact to about 1e-7 per operation and a few 1e-6 after a dot product.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-8}

INPUTS = [1, 2, 3, 2.5]
WEIGHTS = [[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, 0.27, 0.17, 0.87]]
BIASES = [2, 3, 0.5]
EXPECTED = [4.8, 1.21, 3.465]


def test_layer_output_known_value():
    """The handout's example gives [4.8, 1.21, 3.465]."""
    out = layer_output(INPUTS, WEIGHTS, BIASES)
    assert isinstance(out, list)
    np.testing.assert_allclose(out, EXPECTED, **TOLERANCE)


def test_layer_output_one_neuron():
    """A layer of one neuron is stage 1's neuron."""
    assert layer_output([1, 2], [[3, 4]], [0.5]) == pytest.approx([11.5])


def test_layer_output_mismatch():
    """A weight row of the wrong length raises ValueError (and rows that fit still work)."""
    with pytest.raises(ValueError):
        layer_output([1, 2, 3], [[1, 2]], [0])
    assert layer_output([1, 2], [[1, 2]], [0]) == pytest.approx([5.0])


def test_layer_output_np_known_value():
    """The NumPy version gives the same values, shape (3,)."""
    out = np.asarray(layer_output_np(INPUTS, WEIGHTS, BIASES))
    assert out.shape == (3,)
    np.testing.assert_allclose(out, EXPECTED, **TOLERANCE)
