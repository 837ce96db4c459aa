"""The reference for stage 3 (a batch through one and two layers) against the course contract."""

import numpy as np
import pytest

from grader.course import get_stage

_batch = get_stage("batch").load_reference()
dense_forward = _batch.dense_forward
two_layer_forward = _batch.two_layer_forward


INPUTS = [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]]
WEIGHTS1 = [[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]
BIASES1 = [2, 3, 0.5]
LAYER1 = [[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]]
WEIGHTS2 = [[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]]
BIASES2 = [-1, 2, -0.5]
TWO_LAYERS = [
    [0.5031, -1.04185, -2.03875],
    [0.2434, -2.7332, -5.7633],
    [-0.99314, 1.41254, -0.35655],
]
WRONG_TRANSPOSE_ROW0 = [-2.1744, 3.21425, 1.19065]


def test_layer1_known_value():
    """The contract's batch through layer 1 gives its known (3, 3) values."""
    out = dense_forward(INPUTS, WEIGHTS1, BIASES1)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, LAYER1, rtol=1e-6, atol=1e-9)


def test_two_layer_known_value():
    """The contract's batch through both layers gives its known (3, 3) values."""
    out = two_layer_forward(INPUTS, WEIGHTS1, BIASES1, WEIGHTS2, BIASES2)
    np.testing.assert_allclose(out, TWO_LAYERS, rtol=1e-6, atol=1e-9)


def test_wrong_transpose_gives_the_contracts_wrong_value_and_differs():
    """Multiplying by weights2 without the transpose (the classic bug) gives the contract's
    [[-2.1744, 3.21425, 1.19065], ...], which is not the reference's answer."""
    wrong = np.asarray(LAYER1) @ np.asarray(WEIGHTS2) + BIASES2
    np.testing.assert_allclose(wrong[0], WRONG_TRANSPOSE_ROW0, rtol=1e-6, atol=1e-9)
    right = two_layer_forward(INPUTS, WEIGHTS1, BIASES1, WEIGHTS2, BIASES2)
    assert not np.allclose(wrong, right, rtol=1e-3)


def test_non_square_shapes():
    """N=4 samples, D=3 inputs, H=5 hidden, M=2 outputs: shapes and values match the formula."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3))
    w1, b1 = rng.standard_normal((5, 3)), rng.standard_normal(5)
    w2, b2 = rng.standard_normal((2, 5)), rng.standard_normal(2)
    hidden = dense_forward(x, w1, b1)
    assert hidden.shape == (4, 5)
    expected_hidden = np.array([[x[n] @ w1[j] + b1[j] for j in range(5)] for n in range(4)])
    np.testing.assert_allclose(hidden, expected_hidden, rtol=1e-12)
    out = two_layer_forward(x, w1, b1, w2, b2)
    assert out.shape == (4, 2)
    np.testing.assert_allclose(out, expected_hidden @ w2.T + b2, rtol=1e-12)


def test_single_sample_batch():
    """A batch of one sample gives shape (1, n_neurons), equal to stage 2's layer."""
    out = dense_forward([INPUTS[0]], WEIGHTS1, BIASES1)
    assert out.shape == (1, 3)
    np.testing.assert_allclose(out[0], LAYER1[0], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("inputs_shape", "weights_shape", "biases_shape"),
    [
        ((3, 4), (3, 5), (3,)),  # inputs have 4 columns, weights 5
        ((3, 4), (4, 3), (4,)),  # weights in the (n_inputs, n_neurons) layout
        ((4,), (3, 4), (3,)),  # one sample not in a batch
        ((3, 4), (3, 4), (4,)),  # one bias per input instead of per neuron
    ],
)
def test_dense_forward_shape_errors(inputs_shape, weights_shape, biases_shape):
    """Mismatched shapes raise ValueError naming a shape involved."""
    with pytest.raises(ValueError) as info:
        dense_forward(np.ones(inputs_shape), np.ones(weights_shape), np.ones(biases_shape))
    message = str(info.value)
    assert str(weights_shape) in message or str(biases_shape) in message


def test_two_layer_second_layer_mismatch():
    """A second layer whose rows do not have the first layer's width raises ValueError."""
    with pytest.raises(ValueError):
        two_layer_forward(INPUTS, WEIGHTS1, BIASES1, np.ones((2, 4)), np.zeros(2))


def test_inputs_not_modified():
    """The arguments are unchanged after the call."""
    arrays = [np.array(a, dtype=float) for a in (INPUTS, WEIGHTS1, BIASES1, WEIGHTS2, BIASES2)]
    copies = [a.copy() for a in arrays]
    two_layer_forward(*arrays)
    for array, copy in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(array, copy)
