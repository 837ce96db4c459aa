"""The finite-difference checker the gradient tests rely on: it must itself be right."""

import numpy as np

from grader.suites.gradcheck import numerical_gradient, relative_error


def test_numerical_gradient_of_a_known_function():
    """The gradient of sum(x^3) is 3 x^2, to about 1e-8."""
    x = np.random.default_rng(0).standard_normal((3, 4))
    numeric = numerical_gradient(lambda v: float(np.sum(v**3)), x.copy())
    np.testing.assert_allclose(numeric, 3 * x**2, rtol=1e-6, atol=1e-8)


def test_numerical_gradient_restores_its_argument():
    """After the call the array holds exactly its original values."""
    x = np.random.default_rng(1).standard_normal(6)
    saved = x.copy()
    numerical_gradient(lambda v: float(np.sum(np.sin(v))), x)
    np.testing.assert_array_equal(x, saved)


def test_relative_error():
    """0 for equal arrays, 1 for opposite ones, and catches a wrong gradient (factor 2)."""
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == 1.0
    assert relative_error(a, 2 * a) > 0.3
