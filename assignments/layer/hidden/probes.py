"""Inputs that tell a mutant of the reference from the reference (grade validate --mutants)."""

import numpy as np

from grader.authoring.mutants import watch


def probes(m):
    rng = np.random.default_rng(0)
    known = (
        [1.0, 2.0, 3.0, 2.5],
        [[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, 0.27, 0.17, 0.87]],
        [2.0, 3.0, 0.5],
    )
    for name in ("layer_output", "layer_output_np"):
        f = getattr(m, name)
        yield f"{name} known", watch(f, *known)
        yield f"{name} ints", watch(f, [1, 2, 3], [[1, 0, -1], [2, 1, 0]], [1, -2])
        for d, n in ((3, 5), (5, 2), (1, 4), (6, 1), (3, 3)):
            x, w, b = rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=n)
            yield f"{name} lists {d}x{n}", watch(f, x.tolist(), w.tolist(), b.tolist())
            yield f"{name} arrays {d}x{n}", watch(f, x, w, b)
        bad = [
            ([1.0, 2.0, 3.0], [[1.0, 2.0, 3.0], [4.0, 5.0]], [0.0, 0.0]),
            ([1.0, 2.0], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [0.0, 0.0]),
            ([1.0, -1.0], [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0.5, 0.5]),
            ([1.0, -1.0], [[1.0, 2.0], [3.0, 4.0]], [0.5, 0.5, 0.5]),
            (np.ones(3), np.ones((2, 4)), np.zeros(2)),
            (np.ones(4), np.ones((3, 4)), np.zeros(2)),
            (np.ones(4), np.ones((3, 4)), np.array([0.5])),
        ]
        for index, case in enumerate(bad if name.endswith("_np") else bad[:4]):
            yield f"{name} invalid {index}", watch(f, *case)
