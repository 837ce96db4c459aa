"""Public tests for stage 1. Run ``pytest`` in this folder."""

import pytest

from neuron import neuron_output, neuron_output_np

INPUTS = [1, 2, 3, 2.5]
WEIGHTS = [0.2, 0.8, -0.5, 1.0]
BIAS = 2


def assert_number(value, expected):
    """``value`` is one number (not an array, a string or None) equal to ``expected``."""
    assert isinstance(value, int | float) and not isinstance(value, bool), (
        f"expected one number, got {value!r}"
    )
    assert value == pytest.approx(expected)


def test_neuron_output_known_value():
    """The handout's example gives 4.8."""
    assert_number(neuron_output(INPUTS, WEIGHTS, BIAS), 4.8)


def test_neuron_output_returns_float():
    """neuron_output returns a float (the right one)."""
    out = neuron_output(INPUTS, WEIGHTS, BIAS)
    assert isinstance(out, float)
    assert out == pytest.approx(4.8)


def test_neuron_output_single_input():
    """One input: 3 * 2 + 1 = 7."""
    assert_number(neuron_output([3], [2], 1), 7.0)


def test_neuron_output_length_mismatch():
    """Different lengths raise ValueError (and equal lengths still give the sum)."""
    with pytest.raises(ValueError):
        neuron_output([1, 2, 3], [0.5, 0.5], 0)
    assert_number(neuron_output([1, 2], [0.5, 0.5], 0), 1.5)


def test_neuron_output_np_known_value():
    """The NumPy version gives the same 4.8."""
    assert float(neuron_output_np(INPUTS, WEIGHTS, BIAS)) == pytest.approx(4.8)
