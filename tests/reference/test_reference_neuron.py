"""The reference for stage 1 (one neuron) against the course contract."""

import numpy as np
import pytest

from grader.course import get_stage

_neuron = get_stage("neuron").load_reference()
neuron_output = _neuron.neuron_output
neuron_output_np = _neuron.neuron_output_np


INPUTS = [1, 2, 3, 2.5]
WEIGHTS = [0.2, 0.8, -0.5, 1.0]
BIAS = 2


@pytest.mark.parametrize("function", [neuron_output, neuron_output_np])
def test_known_value(function):
    """The contract's example: inputs [1, 2, 3, 2.5], weights [0.2, 0.8, -0.5, 1.0] and bias 2
    give 4.8."""
    assert function(INPUTS, WEIGHTS, BIAS) == pytest.approx(4.8, rel=1e-6, abs=1e-9)


def test_plain_returns_python_float():
    """neuron_output returns a built-in float, also for integer-only arguments."""
    out = neuron_output([1, 2], [3, 4], 5)
    assert type(out) is float
    assert out == 16.0


def test_np_returns_float():
    """neuron_output_np returns a float (a NumPy floating scalar is allowed)."""
    out = neuron_output_np(np.array([1, 2]), np.array([3, 4]), 5)
    assert isinstance(out, float | np.floating)
    assert out == pytest.approx(16.0)


@pytest.mark.parametrize("function", [neuron_output, neuron_output_np])
def test_single_input(function):
    """Length 1 is allowed: 3 * 2 + 1 = 7."""
    assert function([3], [2], 1) == pytest.approx(7.0)


@pytest.mark.parametrize("function", [neuron_output, neuron_output_np])
def test_array_and_list_inputs_agree(function):
    """Lists and float arrays give the same result, equal to an independent dot product."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(9), rng.standard_normal(9)
    expected = sum(a * b for a, b in zip(x.tolist(), w.tolist(), strict=True)) - 0.3
    assert function(x.tolist(), w.tolist(), -0.3) == pytest.approx(expected, rel=1e-12)
    assert function(x, w, -0.3) == pytest.approx(expected, rel=1e-12)


def test_plain_length_mismatch_names_both_lengths():
    """Different lengths raise ValueError whose message gives both lengths."""
    with pytest.raises(ValueError) as info:
        neuron_output([1, 2, 3], [0.5, 0.5, 0.5, 0.5, 0.5], 0)
    assert "3" in str(info.value) and "5" in str(info.value)


def test_np_shape_mismatch_names_both_shapes():
    """Different shapes raise ValueError whose message gives both shapes."""
    with pytest.raises(ValueError) as info:
        neuron_output_np([1, 2, 3], [0.5, 0.5], 0)
    assert "(3,)" in str(info.value) and "(2,)" in str(info.value)


@pytest.mark.parametrize("function", [neuron_output, neuron_output_np])
def test_inputs_not_modified(function):
    """The arguments, list or array, are unchanged after the call."""
    x_list, w_list = list(INPUTS), list(WEIGHTS)
    x_arr, w_arr = np.array(INPUTS), np.array(WEIGHTS)
    function(x_list, w_list, BIAS)
    function(x_arr, w_arr, BIAS)
    assert x_list == INPUTS and w_list == WEIGHTS
    np.testing.assert_array_equal(x_arr, INPUTS)
    np.testing.assert_array_equal(w_arr, WEIGHTS)
