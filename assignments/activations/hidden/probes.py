"""Inputs that tell a mutant of the reference from the reference (grade validate --mutants)."""

import numpy as np

from grader.authoring.mutants import watch

NAMES = ("sigmoid", "relu", "softmax", "sigmoid_derivative", "relu_derivative")


def probes(m):
    rng = np.random.default_rng(0)
    values = [
        rng.normal(scale=3.0, size=(3, 5)),
        rng.normal(scale=3.0, size=(6,)),
        np.array([[-2.0, 0.0, -0.0, 1e-300, 3.0], [1000.0, -1000.0, 1e4, -1e4, 0.5]]),
        np.array([[1000.0, 1001.0, 1002.0], [1e-3, 2e-3, 0.0]]),
        np.array([[1.0, 2.0], [3.0, 4.0], [-1.0, 5.0]]),
        np.array([2.5]),
        np.array([[-3, 0, 2, 5], [1, -1, 0, 4]]),
        np.array([[0.5, -1.5]], dtype=np.float32),
    ]
    for name in NAMES:
        f = getattr(m, name)
        for index, z in enumerate(values):
            yield f"{name} {index}", watch(f, z)
        yield f"{name} list", watch(f, values[0].tolist())
        yield f"{name} flat list", watch(f, [-1.0, 0.0, 2.0])
        yield f"{name} int list", watch(f, [-7, 0, 2])
        if name != "softmax":
            yield f"{name} 3-D", watch(f, rng.normal(size=(2, 3, 4)))
            yield f"{name} scalar", watch(f, 0.7)
            yield f"{name} zero", watch(f, 0.0)
    yield "softmax empty", watch(m.softmax, np.zeros(0))
