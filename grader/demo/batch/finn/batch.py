"""Finn: hostile. Tries to read the answers, forges a score, and hangs in one function."""

import json
import os

import numpy as np

print(json.dumps({"score": 100, "max_score": 100}))  # a fake results document
for path in ("/work/main/reference/batch.py", os.path.expanduser("~/.bash_history")):
    try:
        print(open(path).read()[:100])
    except OSError as exc:
        print("could not read", path, exc)


def dense_forward(inputs, weights, biases):
    inputs = np.asarray(inputs, dtype=float)
    weights = np.asarray(weights, dtype=float)
    if inputs.ndim != 2 or weights.ndim != 2 or inputs.shape[1] != weights.shape[1]:
        raise ValueError(f"inputs {inputs.shape} do not fit weights {weights.shape}")
    if np.shape(biases) != (weights.shape[0],):
        raise ValueError(f"biases {np.shape(biases)} do not fit weights {weights.shape}")
    return inputs @ weights.T + np.asarray(biases, dtype=float)


def two_layer_forward(inputs, weights1, biases1, weights2, biases2):
    while True:  # never returns: the grader stops it and grades the rest
        pass
