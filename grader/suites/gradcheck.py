"""Finite-difference gradient checking.

The derivative of f at x along coordinate i is approximated by the centred
difference (f(x + h e_i) - f(x - h e_i)) / 2h, whose error shrinks like h^2.
"""

import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """Centred-difference gradient of a scalar function.

    f: callable taking an array of x's shape and returning a float
    x: float array of any shape (restored to its values before returning)
    returns: array of x's shape, d f / d x
    """
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        f_plus = f(x)
        x[index] = saved - h
        f_minus = f(x)
        x[index] = saved
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b, eps=1e-12):
    """||a - b|| / (||a|| + ||b||): 0 for equal arrays, about 1e-7 or less for a correct
    analytic gradient against a centred difference. Norms, not elements, so that
    entries near zero do not turn rounding noise into a large ratio."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), eps))
