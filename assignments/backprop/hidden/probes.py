"""Inputs that tell a mutant of the reference from the reference (grade validate --mutants):
every function on valid and invalid shapes, and the network's methods with parameters set
by the probe (so that the initialisation is probed on its own)."""

import numpy as np

from grader.authoring.mutants import watch


def network(m, rng, d, h, o):
    net = m.NeuralNetwork(d, h, o, seed=0)
    net.W1, net.b1 = rng.normal(size=(d, h)), rng.normal(size=h) * 0.5
    net.W2, net.b2 = rng.normal(size=(h, o)), rng.normal(size=o) * 0.5
    return net


def params(net):
    return {key: np.array(getattr(net, key)) for key in ("W1", "b1", "W2", "b2")}


def probes(m):
    rng = np.random.default_rng(0)
    for shape in ((5, 3), (1, 4), (6, 1)):
        p, t = rng.uniform(size=shape), rng.uniform(size=shape)
        yield f"mse {shape}", watch(m.mse_loss, p, t)
        yield f"grad {shape}", watch(m.mse_loss_grad, p, t)
    lists = ([[1, 2], [3, 4], [0, 0]], [[0, 4], [3, 1], [1, 0]])
    yield "mse lists", watch(m.mse_loss, *lists)
    yield "grad lists", watch(m.mse_loss_grad, *lists)
    yield "mse mismatch", watch(m.mse_loss, np.ones((3, 2)), np.ones((4, 2)))
    yield "grad mismatch", watch(m.mse_loss_grad, np.ones((3, 2)), np.ones((4, 2)))
    for n, d, k in ((5, 3, 4), (3, 3, 3), (1, 2, 3), (4, 1, 2), (3, 4, 1)):
        case = (rng.normal(size=(n, k)), rng.normal(size=(n, d)), rng.normal(size=(d, k)))
        yield f"dense_backward {n}x{d}x{k}", watch(m.dense_backward, *case)
    yield (
        "dense_backward lists",
        watch(
            m.dense_backward,
            [[1.0, -2.0], [0.5, 0.0]],
            [[1, 2, 3], [0, -1, 2]],
            [[0.5, -1], [2, 0.25], [-0.5, 1]],
        ),
    )
    for shapes in (((5, 3), (4, 2), (2, 3)), ((5, 3), (5, 2), (2, 4))):
        yield f"dense_backward invalid {shapes}", watch(m.dense_backward, *map(np.ones, shapes))
    for sizes in ((3, 5, 2), (2, 4, 1), (1, 1, 1)):
        nets = [m.NeuralNetwork(*sizes, seed=seed) for seed in (7, 7, 8)]
        yield f"init {sizes}", [params(net) for net in nets]
    for n, d, h, o in ((4, 3, 5, 2), (1, 2, 3, 1), (5, 1, 3, 3)):
        X, y = rng.normal(size=(n, d)), rng.uniform(size=(n, o))
        net = network(m, rng, d, h, o)
        yield f"forward {n}x{d}x{h}x{o}", watch(net.forward, X)
        yield f"forward list {n}", watch(net.forward, X.tolist())
        yield f"gradients {n}x{d}x{h}x{o}", (watch(net.gradients, X, y), params(net))
        y_pred = net.forward(X)
        yield f"backward {n}x{d}x{h}x{o}", (watch(net.backward, X, y, y_pred, 0.3), params(net))
        yield f"train {n}x{d}x{h}x{o}", (watch(net.train, X, y, 1.5, 3), params(net))
    net = network(m, rng, 3, 4, 2)
    yield "forward wrong width", watch(net.forward, np.ones((2, 4)))
