"""Inputs that tell a mutant of the reference from the reference (grade validate --mutants)."""

import numpy as np

from grader.authoring.mutants import watch


def probes(m):
    rng = np.random.default_rng(0)

    def dense(n, d, k):
        return rng.normal(size=(n, d)), rng.normal(size=(k, d)), rng.normal(size=k)

    for n, d, k in ((2, 5, 3), (6, 3, 4), (4, 4, 4), (1, 5, 3), (4, 1, 3), (5, 3, 1)):
        x, w, b = dense(n, d, k)
        yield f"dense {n}x{d}x{k}", watch(m.dense_forward, x, w, b)
        yield f"dense lists {n}x{d}x{k}", watch(m.dense_forward, x.tolist(), w.tolist(), b.tolist())
    ints = (np.array([[1, 2], [3, 4]]), np.array([[1, 0], [2, -1], [0, 3]]), np.array([3, -1, 2]))
    yield "dense ints", watch(m.dense_forward, *ints)
    for shapes in (
        ((2, 4), (3, 5), 3),
        ((3, 4), (3, 4), 2),
        ((4, 3), (3, 4), 4),
        ((2, 4), (3, 4), 1),
        ((4,), (3, 4), 3),
        ((2, 4), (4,), 3),
        ((2, 4), (3, 4), (3, 1)),
    ):
        x, w, b = (np.ones(s) for s in shapes)
        yield f"dense invalid {shapes}", watch(m.dense_forward, x, w, b)
    for n, d, h, o in ((4, 5, 5, 2), (3, 2, 4, 4), (3, 3, 3, 3), (6, 3, 5, 2), (1, 3, 4, 2)):
        x, w1, b1 = dense(n, d, h)
        _, w2, b2 = dense(1, h, o)
        yield f"two {n}x{d}x{h}x{o}", watch(m.two_layer_forward, x, w1, b1, w2, b2)
        lists = [v.tolist() for v in (x, w1, b1, w2, b2)]
        yield f"two lists {n}x{d}x{h}x{o}", watch(m.two_layer_forward, *lists)
    for shapes in (
        ((2, 4), (3, 5), 3, (2, 3), 2),
        ((2, 4), (3, 4), 3, (3, 5), 5),
        ((2, 4), (3, 4), 3, (2, 3), 3),
    ):
        values = [np.ones(s) for s in shapes]
        yield f"two invalid {shapes}", watch(m.two_layer_forward, *values)
