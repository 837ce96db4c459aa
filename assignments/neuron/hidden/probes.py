"""Inputs that tell a mutant of the reference from the reference (grade validate --mutants):
the contract's known value, lists, integers, arrays, float32 and mismatched lengths."""

import numpy as np

from grader.authoring.mutants import watch


def probes(m):
    rng = np.random.default_rng(0)
    known = ([1.0, 2.0, 3.0, 2.5], [0.2, 0.8, -0.5, 1.0], 2.0)
    for name in ("neuron_output", "neuron_output_np"):
        f = getattr(m, name)
        yield f"{name} known", watch(f, *known)
        yield f"{name} ints", watch(f, [1, 2], [3, 4], 5)
        yield f"{name} one", watch(f, [1.5], [-2.0], 0.25)
        for size in (1, 3, 7):
            x, w = rng.normal(size=size).round(3), rng.normal(size=size).round(3)
            b = round(float(rng.normal()), 3)
            yield f"{name} lists {size}", watch(f, x.tolist(), w.tolist(), b)
            yield f"{name} arrays {size}", watch(f, x, w, b)
            yield f"{name} float32 {size}", watch(f, x.astype(np.float32), w.astype(np.float32), b)
        for x, w in (([1.0, 2.0, 3.0], [1.0, 2.0]), ([1.0], [1.0, 2.0]), ([], [1.0])):
            yield f"{name} mismatch {len(x)} {len(w)}", watch(f, x, w, 0.0)
        yield f"{name} mismatch arrays", watch(f, np.ones(3), np.ones(2), 0.0)
