"""The reference for stage 4 (activations and their derivatives) against the course contract."""

import warnings

import numpy as np
import pytest

from grader.course import get_stage
from grader.suites.gradcheck import numerical_gradient

_activations = get_stage("activations").load_reference()
relu = _activations.relu
relu_derivative = _activations.relu_derivative
sigmoid = _activations.sigmoid
sigmoid_derivative = _activations.sigmoid_derivative
softmax = _activations.softmax

ALL = [sigmoid, relu, softmax, sigmoid_derivative, relu_derivative]


def _silently(function, *args):
    """Call function with every NumPy floating-point warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            return function(*args)


def test_sigmoid_values():
    """sigmoid equals 1 / (1 + e^-z) where that formula is safe, and sigmoid(0) is 0.5."""
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    assert sigmoid(0.0) == 0.5


def test_sigmoid_extremes_without_warning():
    """sigmoid(-1000) is 0 and sigmoid(1000) is 1, with no overflow warning."""
    out = _silently(sigmoid, [-1000.0, 1000.0])
    np.testing.assert_allclose(out, [0.0, 1.0], rtol=0, atol=1e-12)


def test_sigmoid_finite_on_the_contract_range():
    """Every z in [-1e4, 1e4] gives a finite value in [0, 1], silently, and sigmoid is monotone."""
    z = np.linspace(-1e4, 1e4, 20001)
    out = _silently(sigmoid, z)
    assert np.isfinite(out).all()
    assert ((out >= 0) & (out <= 1)).all()
    assert (np.diff(out) >= 0).all()


def test_sigmoid_symmetry():
    """sigmoid(z) + sigmoid(-z) == 1."""
    z = np.random.default_rng(4).standard_normal((3, 4)) * 10
    np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0, rtol=1e-12)


def test_relu_values_and_float_dtype():
    """relu keeps positives, zeroes the rest, and returns floats for integer input."""
    out = relu([[-2, 0, 3]])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[0.0, 0.0, 3.0]])


def test_softmax_one_dimensional():
    """A 1-D softmax is a probability vector equal to e^z / sum(e^z)."""
    z = np.array([1.0, 2.0, 3.0, -1.0])
    out = softmax(z)
    assert out.shape == (4,)
    np.testing.assert_allclose(out, np.exp(z) / np.exp(z).sum(), rtol=1e-12)
    assert out.sum() == pytest.approx(1.0)


def test_softmax_normalises_each_row():
    """On a (2, 3) batch each row sums to 1 and equals the row's own softmax; normalising over
    axis 0 or over the whole array (the seed notebook's bugs) would give something else."""
    z = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 5.0]])
    out = softmax(z)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.sum(axis=1), [1.0, 1.0], rtol=1e-12)
    for row in range(2):
        np.testing.assert_allclose(out[row], softmax(z[row]), rtol=1e-12)
    axis0 = np.exp(z) / np.exp(z).sum(axis=0)
    whole = np.exp(z) / np.exp(z).sum()
    assert not np.allclose(out, axis0) and not np.allclose(out, whole)


def test_softmax_huge_logits():
    """Huge logits give no nan and no warning: [1000, 1000] -> [0.5, 0.5], and rows whose scales
    differ by 1000 (where one global maximum would underflow a row to 0/0) are both right."""
    np.testing.assert_allclose(_silently(softmax, [1000.0, 1000.0]), [0.5, 0.5], rtol=1e-12)
    out = _silently(softmax, [[0.0, 1.0], [1000.0, 1001.0], [-1e4, 1e4]])
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[0], out[1], rtol=1e-12)
    np.testing.assert_allclose(out[2], [0.0, 1.0], atol=1e-12)


def test_softmax_shift_invariance_per_row():
    """Adding a different constant to each row leaves every row's softmax unchanged."""
    z = np.random.default_rng(5).standard_normal((4, 6))
    shifted = z + np.array([[100.0], [-50.0], [0.0], [700.0]])
    np.testing.assert_allclose(softmax(shifted), softmax(z), rtol=1e-9)


def test_sigmoid_derivative_matches_finite_differences():
    """sigmoid_derivative equals sigmoid(z) * (1 - sigmoid(z)) and a numerical derivative, and is
    0.25 at 0."""
    z = np.linspace(-6, 6, 25)
    np.testing.assert_allclose(sigmoid_derivative(z), sigmoid(z) * (1 - sigmoid(z)), rtol=1e-12)
    # sigmoid is elementwise, so the gradient of sum(sigmoid(z)) is its derivative at each z.
    numeric = numerical_gradient(lambda v: float(np.sum(sigmoid(v))), z.copy())
    np.testing.assert_allclose(sigmoid_derivative(z), numeric, rtol=1e-6, atol=1e-9)
    assert sigmoid_derivative(0.0) == pytest.approx(0.25)


def test_relu_derivative_is_zero_at_zero():
    """relu_derivative is 1.0 where z > 0 and 0.0 elsewhere, including z == 0."""
    out = relu_derivative([[-1.0, 0.0, 1e-300, 2.0]])
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[0.0, 0.0, 1.0, 1.0]])


@pytest.mark.parametrize("function", ALL, ids=lambda f: f.__name__)
def test_shape_kept_for_three_dimensions(function):
    """Every activation returns a float array of its input's shape, also in 3-D."""
    z = np.random.default_rng(6).standard_normal((2, 3, 4))
    out = function(z)
    assert out.shape == (2, 3, 4)
    assert out.dtype == np.float64


@pytest.mark.parametrize("function", ALL, ids=lambda f: f.__name__)
def test_list_input(function):
    """A nested list gives the same result as the equivalent array."""
    z = [[-1.5, 0.0, 2.0], [3.0, -4.0, 0.5]]
    np.testing.assert_allclose(function(z), function(np.array(z)), rtol=0, atol=0)


@pytest.mark.parametrize("function", ALL, ids=lambda f: f.__name__)
def test_input_not_modified(function):
    """No activation modifies its argument (list or array)."""
    z = np.array([[-2.0, 0.0, 3.5], [1000.0, -1000.0, 1.0]])
    saved = z.copy()
    z_list = z.tolist()
    function(z)
    function(z_list)
    np.testing.assert_array_equal(z, saved)
    assert z_list == saved.tolist()
