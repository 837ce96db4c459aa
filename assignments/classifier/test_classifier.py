"""Public tests for stage 6. Run ``pytest`` in this folder."""

import numpy as np
import pytest

from classifier import Classifier, softmax_cross_entropy, softmax_cross_entropy_grad

# Looser than the course's 1e-6: a solution computing in float32, which the course
# accepts, is exact to about 1e-7 per operation and a few 1e-6 after a dot product.
TOLERANCE = {"rtol": 1e-5, "atol": 1e-8}
LOGITS = [[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]
LABELS = [0, 1]


def spiral_data(points_per_class, n_classes, seed):
    """Three interleaved spirals, the lesson's data: X (n * k, 2), y (n * k,) ints."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, points_per_class)
        noise = 0.2 * rng.normal(size=points_per_class)
        t = np.linspace(4 * k, 4 * (k + 1), points_per_class) + noise
        X.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        y.append(np.full(points_per_class, k))
    return np.concatenate(X), np.concatenate(y)


def test_softmax_cross_entropy_handout():
    """The handout's logits and labels [0, 1] give a loss of 0.3185398."""
    assert float(softmax_cross_entropy(LOGITS, LABELS)) == pytest.approx(0.3185398, abs=1e-6)


def test_softmax_cross_entropy_huge_logits():
    """Logits [[1000, 0, -1000]] give 0.0 for label 0 and 2000.0 for label 2 (log-sum-exp)."""
    assert float(softmax_cross_entropy([[1000.0, 0.0, -1000.0]], [0])) == pytest.approx(0.0)
    assert float(softmax_cross_entropy([[1000.0, 0.0, -1000.0]], [2])) == pytest.approx(2000.0)


def test_softmax_cross_entropy_grad_handout():
    """The gradient is (softmax(logits) - one_hot(labels)) / N."""
    out = np.asarray(softmax_cross_entropy_grad(LOGITS, LABELS))
    assert out.shape == (2, 3)
    expected = [[-0.170499, 0.121216, 0.049283], [0.054302, -0.09876, 0.044459]]
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_classifier_shapes():
    """The parameters and the logits have the handout's shapes; forward is
    relu(X @ W1 + b1) @ W2 + b2."""
    net = Classifier(2, 5, 3, seed=0)
    assert [np.shape(getattr(net, k)) for k in ("W1", "b1", "W2", "b2")] == [
        (2, 5), (5,), (5, 3), (3,),
    ]  # fmt: skip
    X = np.array([[0.0, 1.0], [1.0, 0.5], [-1.0, 2.0], [0.3, -0.7]])
    out = np.asarray(net.forward(X))
    assert out.shape == (4, 3)
    hidden = np.maximum(X @ np.asarray(net.W1) + np.asarray(net.b1), 0.0)
    np.testing.assert_allclose(out, hidden @ np.asarray(net.W2) + np.asarray(net.b2), **TOLERANCE)


def test_classifier_learns_the_spirals():
    """Classifier(2, 100, 3, seed=0), trained with learning rate 1.0 for 1000 epochs,
    classifies at least 95% of the three spirals' points."""
    X, y = spiral_data(100, 3, 0)
    net = Classifier(2, 100, 3, seed=0)
    # Ten calls of 100 epochs are the same 1000 steps of full-batch gradient descent; they
    # keep each call short for the grader's time limit per call.
    losses = []
    for _ in range(10):
        losses += list(net.train(X, y, 1.0, 100))
    assert len(losses) == 1000
    assert losses[-1] < losses[0]
    accuracy = np.mean(np.asarray(net.predict(X)) == y)
    assert accuracy >= 0.95, f"{accuracy:.1%} of the points classified correctly"
