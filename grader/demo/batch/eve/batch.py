"""Eve: forgets the transpose, so only square layers work, and checks no shapes."""

import numpy as np


def dense_forward(inputs, weights, biases):
    return np.dot(inputs, weights) + biases


def two_layer_forward(inputs, weights1, biases1, weights2, biases2):
    return dense_forward(dense_forward(inputs, weights1, biases1), weights2, biases2)
