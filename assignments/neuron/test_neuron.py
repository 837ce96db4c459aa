"""Public tests for stage 1. Run ``pytest`` in this folder."""

import pytest

from neuron import neuron_output, neuron_output_np

INPUTS = [1, 2, 3, 2.5]
WEIGHTS = [0.2, 0.8, -0.5, 1.0]
BIAS = 2


def test_neuron_output_known_value():
    """The handout's example gives 4.8."""
    assert neuron_output(INPUTS, WEIGHTS, BIAS) == pytest.approx(4.8)


def test_neuron_output_returns_float():
    """neuron_output returns a float."""
    assert isinstance(neuron_output(INPUTS, WEIGHTS, BIAS), float)


def test_neuron_output_single_input():
    """One input: 3 * 2 + 1 = 7."""
    assert neuron_output([3], [2], 1) == pytest.approx(7.0)


def test_neuron_output_length_mismatch():
    """Different lengths raise ValueError."""
    with pytest.raises(ValueError):
        neuron_output([1, 2, 3], [0.5, 0.5], 0)


def test_neuron_output_np_known_value():
    """The NumPy version gives the same 4.8."""
    assert float(neuron_output_np(INPUTS, WEIGHTS, BIAS)) == pytest.approx(4.8)
