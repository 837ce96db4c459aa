"""Finite-difference gradient checking: see ``grader.suites.gradcheck`` (kept importable
here for the suites and notes that use ``reference.gradcheck``)."""

from grader.suites.gradcheck import numerical_gradient, relative_error

__all__ = ["numerical_gradient", "relative_error"]
