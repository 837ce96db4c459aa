"""The reference for stage 2 (a layer of neurons) against the course contract."""

import numpy as np
import pytest

from grader.course import get_stage

_layer = get_stage("layer").load_reference()
layer_output = _layer.layer_output
layer_output_np = _layer.layer_output_np


INPUTS = [1, 2, 3, 2.5]
WEIGHTS = [[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, 0.27, 0.17, 0.87]]
BIASES = [2, 3, 0.5]
EXPECTED = [4.8, 1.21, 3.465]


def test_plain_known_value():
    """The contract's example gives [4.8, 1.21, 3.465] as a list of floats."""
    out = layer_output(INPUTS, WEIGHTS, BIASES)
    assert isinstance(out, list)
    assert all(type(value) is float for value in out)
    np.testing.assert_allclose(out, EXPECTED, rtol=1e-6, atol=1e-9)


def test_np_known_value():
    """The NumPy version gives the same values as a float array of shape (3,)."""
    out = layer_output_np(INPUTS, WEIGHTS, BIASES)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert out.shape == (3,)
    np.testing.assert_allclose(out, EXPECTED, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("function", [layer_output, layer_output_np])
def test_non_square_random_layer(function):
    """A random 5-neuron layer over 3 inputs equals weights @ inputs + biases, lists or arrays."""
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal(3), rng.standard_normal((5, 3)), rng.standard_normal(5)
    expected = [sum(w[j, i] * x[i] for i in range(3)) + b[j] for j in range(5)]
    np.testing.assert_allclose(function(x.tolist(), w.tolist(), b.tolist()), expected, rtol=1e-12)
    np.testing.assert_allclose(function(x, w, b), expected, rtol=1e-12)


@pytest.mark.parametrize("function", [layer_output, layer_output_np])
def test_row_length_mismatch(function):
    """A weight row whose length differs from len(inputs) raises ValueError."""
    with pytest.raises(ValueError):
        function([1, 2, 3], [[1, 2]], [0])


@pytest.mark.parametrize("function", [layer_output, layer_output_np])
def test_bias_count_mismatch(function):
    """As many biases as rows are required: 2 rows with 3 biases raises ValueError."""
    with pytest.raises(ValueError):
        function([1, 2], [[1, 2], [3, 4]], [0, 0, 0])


def test_np_error_names_the_shapes():
    """layer_output_np's shape error names the shapes involved."""
    with pytest.raises(ValueError) as info:
        layer_output_np([1, 2, 3], [[1, 2], [3, 4]], [0, 0])
    assert "(2, 2)" in str(info.value) and "(3,)" in str(info.value)


@pytest.mark.parametrize("function", [layer_output, layer_output_np])
def test_inputs_not_modified(function):
    """The arguments are unchanged after the call."""
    x, w, b = np.array(INPUTS), np.array(WEIGHTS), np.array(BIASES, dtype=float)
    function(x, w, b)
    np.testing.assert_array_equal(x, INPUTS)
    np.testing.assert_array_equal(w, WEIGHTS)
    np.testing.assert_array_equal(b, BIASES)
