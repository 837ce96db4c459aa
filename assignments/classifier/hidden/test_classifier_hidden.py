"""Hidden suite for stage 6, ``classifier``.

Expected values come from the reference (``hidden/reference.py``) on the very inputs and
parameters given to the student, except the contract's known values. The network tests
set the student's parameters (``net.W1 = ...``) to values chosen here, so that any
initialisation earns full marks; only the initialisation tests and the learning test use
the student's own weights, and they check behaviour (shapes, zero biases, seeds,
learning), never the values.

The classic mistakes are recognised by recomputing the mistaken formula with the
reference's maths on this (trusted) side and comparing it with what came back: a log of
a softmax that overflowed or was clipped (no log-sum-exp), a gradient not divided by N,
labels used as values instead of indices, softmax over the wrong axis, the ReLU's output
used as its derivative, no ReLU (a linear model), biases left out of the gradient or of
the step, and a step whose later gradients are taken after part of the update.
"""

import numpy as np
import pytest

from grader.suites.checks import (
    float32_tolerance,
    matches,
    root_mean_square,
    ATOL,
    Hint,
    RaiseHint,
    as_bias_vector,
    as_sequence,
    expect_close,
    expect_near,
    expect_right_too,
    expect_true,
    expect_unchanged,
    kind_of,
    load_reference,
    mismatch,
    numerical_gradient,
    scaled,
    shape_of,
    summarize,
)

pytestmark = [pytest.mark.hidden]
REFERENCE = ref = load_reference(__file__)

PARAMS = ("W1", "b1", "W2", "b2")
DICT_KEYS = 'return a dict with the keys "W1", "b1", "W2" and "b2".'
KNOWN_LOGITS = [[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]
KNOWN_LABELS = [0, 1]
KNOWN = {"logits": np.array(KNOWN_LOGITS), "labels": np.array(KNOWN_LABELS)}
KNOWN_GRAD = [[-0.170499, 0.121216, 0.049283], [0.054302, -0.09876, 0.044459]]


def spirals(points_per_class, n_classes, seed):
    """The lesson's three spirals (the contract's section 6): X (n*k, 2), y (n*k,) ints.
    Drawing the noise as one (k, n) array gives the same numbers as k draws of n."""
    noise = np.random.default_rng(seed).normal(size=(n_classes, points_per_class))
    radius = np.linspace(0.0, 1.0, points_per_class)[None, :]
    start = 4.0 * np.arange(n_classes)[:, None]
    angle = start + np.linspace(0.0, 4.0, points_per_class)[None, :] + 0.2 * noise
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=-1).reshape(-1, 2)
    return X, np.repeat(np.arange(n_classes), points_per_class)


# ------------------------------------------------------------------ comparing


def _quiet(function, *args):
    with np.errstate(all="ignore"):
        return np.asarray(function(*args), dtype=float)


def sample(rng, *shape, scale=1.0):
    return (scale * rng.normal(size=shape)).round(3)


def labels_for(rng, n, c):
    """n labels in [0, c), each class at least once when n >= c (so no column is unused)."""
    labels = rng.integers(0, c, size=n)
    labels[: min(n, c)] = rng.permutation(c)[: min(n, c)]
    return labels


# ------------------------------------------------------------------ the loss's maths


def _rows(z):
    return np.arange(len(z))


def _softmax(z, axis=1):
    shifted = z - z.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def _one_hot(labels, c):
    out = np.zeros((len(labels), c))
    out[np.arange(len(labels)), labels] = 1.0
    return out


def _case(inputs):
    z = np.asarray(inputs["logits"], dtype=float)
    y = np.asarray(inputs["labels"]).astype(int)
    return z, y


NO_LOG_SUM_EXP = (
    "the log of a softmax that overflowed or underflowed: for logits like [1000, 0, -1000], "
    "exp(1000) is inf (nan after the division) and softmax's small entries round to 0, whose "
    "log is -inf. Never take the log of a probability: compute log softmax directly by "
    "log-sum-exp, log p = (z - m) - log(sum(exp(z - m))) with m = z.max(axis=1, "
    "keepdims=True)."
)
CLIPPED = (
    "the probabilities were clipped (np.clip(p, 1e-7, 1 - 1e-7), or log(p + eps)) before the "
    "log: that caps the loss at -log(eps) and moves every value a little. Compute log "
    "softmax directly by log-sum-exp, log p = (z - m) - log(sum(exp(z - m))), m the row's max."
)
NOT_BY_N = (
    "the loss is a mean over the N samples, so its gradient is divided by N: "
    "(softmax(logits) - one_hot(labels)) / N."
)
WRONG_AXIS = (
    "softmax was taken over axis 0 (down each column, across samples): each ROW is one "
    "sample's distribution over the classes, so take the max and the sum with axis=1, "
    "keepdims=True."
)
LABELS_AS_VALUES = (
    "the labels were used as values, not as indices: labels[i] is the NUMBER of sample i's "
    "class. Pick log p[i, labels[i]] with log_p[np.arange(N), labels], or build the one-hot "
    "matrix (one_hot[np.arange(N), labels] = 1) and use one_hot, never labels itself, in the "
    "arithmetic."
)
LABELS_COLUMNS = (
    "log_p[:, labels] (or p[:, labels]) picks the columns labels for EVERY sample: an "
    "(N, N) block. Pair each row with its own label: log_p[np.arange(N), labels]."
)


MEAN_IN_LSE = (
    "log-sum-exp needs the SUM of exp(z - m) over the classes, not their mean: "
    "log p = (z - m) - log(np.sum(np.exp(z - m), axis=1, keepdims=True))."
)
COLUMN_MAX = (
    "the maximum subtracted was not each row's own: softmax is unchanged only when every "
    "entry of a row loses the same number, so subtract z.max(axis=1, keepdims=True)."
)
LOSS_FALLBACK = Hint(
    lambda got, exp, inp: np.all(np.isfinite(got)),
    "the loss is -(1/N) sum_i log p[i, labels[i]], with log p = (z - m) - log(sum_j "
    "exp(z_j - m)) and m each row's max: check each term (and that it is one number).",
)
GRAD_FALLBACK = Hint(
    lambda got, exp, inp: np.all(np.isfinite(got)),
    "the gradient is (softmax(logits) - one_hot(labels)) / N: probabilities per row, minus 1 "
    "at each sample's own class, divided by the number of samples.",
)


def _column_max_log_softmax(z):
    shifted = z - z.max(axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))


def _clipped_variants(z, y):
    p = _softmax(z)
    for eps in (1e-7, 1e-8, 1e-10, 1e-12, 1e-15):
        for q in (np.clip(p, eps, 1 - eps), np.clip(p, eps, None), p + eps):
            yield -np.mean(np.log(q[_rows(z), y]))


def loss_hints(case):
    z, y = _case(case)
    n, c = z.shape if z.ndim == 2 else (0, 0)
    log_p = _quiet(lambda: np.log(_softmax(z)))

    def finite_when_expected(got, exp, inp):
        return not np.all(np.isfinite(got)) and np.all(np.isfinite(exp))

    def clipped(got, exp, inp):
        return any(matches(got, v) for v in _clipped_variants(z, y))

    return [
        Hint(finite_when_expected, NO_LOG_SUM_EXP),
        Hint(clipped, CLIPPED),
        Hint.same_as(lambda z, y: -np.mean(np.log(_softmax(z, axis=0))[_rows(z), y.astype(int)]),
                     WRONG_AXIS),
        Hint(lambda got, exp, inp: n > 1 and matches(got, -np.mean(log_p[:, y])), LABELS_COLUMNS),
        Hint(lambda got, exp, inp: matches(got, -np.mean(log_p * y[:, None])), LABELS_AS_VALUES),
        Hint(lambda got, exp, inp: scaled(got, exp, n),
             "the loss was summed over the samples: it is their MEAN (divide by N, or np.mean)."),
        Hint(lambda got, exp, inp: c > 1 and scaled(got, exp, 1 / c),
             "the mean was taken over all N * C entries of one_hot * log_p: the loss is the "
             "mean over the N samples only, -(1/N) sum_i log p[i, labels[i]]."),
        Hint(lambda got, exp, inp: scaled(got, exp, -1.0),
             "the loss has the wrong sign: cross-entropy is MINUS the mean log-probability of "
             "the right class (a positive number)."),
        Hint(lambda got, exp, inp: got.ndim == 1 and got.shape == (n,),
             "you returned one loss per sample: the loss is one number, their mean."),
        Hint(lambda got, exp, inp: c > 1 and matches(got, exp - np.log(c)), MEAN_IN_LSE),
        Hint.same_as(lambda z, y: -np.mean(_column_max_log_softmax(z)[_rows(z), y.astype(int)]),
                     COLUMN_MAX),
        LOSS_FALLBACK,
    ]


def grad_hints(case):
    z, y = _case(case)
    n, c = z.shape if z.ndim == 2 else (0, 0)
    p = _softmax(z)
    one_hot = _one_hot(y, c)

    def minus_one_at_columns():
        q = p.copy()
        q[:, y] -= 1.0
        return q / n

    variants = [
        (p - one_hot, "the gradient was not divided by N: " + NOT_BY_N),
        ((p - one_hot) / (n * c), "the gradient was divided by N * C: the loss is a mean over "
                                  "the N samples only, so divide by N."),
        ((one_hot - p) / n, "the gradient has the wrong sign: it is (softmax(logits) - "
                            "one_hot(labels)) / N."),
        ((_softmax(z, axis=0) - one_hot) / n, WRONG_AXIS),
        ((p - y[:, None]) / n, LABELS_AS_VALUES),
        (minus_one_at_columns(), LABELS_COLUMNS.replace("log_p", "p")),
        ((z - one_hot) / n, "softmax was not applied: the gradient is (softmax(logits) - "
                            "one_hot(labels)) / N, with the probabilities, not the logits."),
        (p / n, "the one-hot term is missing: subtract 1 at each sample's own class, "
                "(softmax(logits) - one_hot(labels)) / N."),
        ((c * p - one_hot) / n, MEAN_IN_LSE),
        ((np.exp(_column_max_log_softmax(z)) - one_hot) / n, COLUMN_MAX),
    ]
    hints = [Hint(lambda got, exp, inp, v=v: matches(got, v), text) for v, text in variants]
    return [*hints, GRAD_FALLBACK]


LISTS = RaiseHint.on(
    ["AttributeError", "TypeError", "IndexError"],
    "the arguments may be Python lists, which have no .shape, .max(axis=...) or fancy "
    "indexing: convert them first, np.asarray(logits, dtype=float) and np.asarray(labels).",
    when=lambda case: any(type(v) is list for v in case.values()),
)
FLOAT_INDEX = RaiseHint.on(
    ["IndexError"],
    "an array of labels used as indices must hold integers: np.asarray(labels).astype(int) "
    "(a label that arrived as 1.0 cannot index an array).",
)
BROADCAST = RaiseHint.on(
    ["ValueError"],
    "an (N,) array does not broadcast against an (N, C) one: a per-row max or sum needs "
    "keepdims=True (or [:, None]); and labels are indices, not values to subtract.",
    contains=["broadcast"],
)
AXIS = RaiseHint.on(
    ["AxisError"],
    "that axis does not exist: logits are 2-D, axis 0 runs over the samples and axis 1 over "
    "the classes (a per-row max, sum or argmax is axis=1).",
)
LOSS_RAISE_HINTS = [LISTS, FLOAT_INDEX, BROADCAST, AXIS]


# ------------------------------------------------------------------ softmax_cross_entropy


@pytest.mark.points(2)
@pytest.mark.function("softmax_cross_entropy")
def test_softmax_cross_entropy_known_value(check):
    """logits [[2, 1, 0.1], [0.5, 2.5, 0.3]], labels [0, 1] give 0.3185398 (the handout's)."""
    check.close(KNOWN, expected=0.3185398, atol=5e-8)


LOSS_SHAPES = [
    pytest.param((5, 3), marks=pytest.mark.points(2), id="5x3"),
    pytest.param((4, 6), id="4x6"),
    pytest.param((1, 4), id="one_sample"),
    pytest.param((6, 2), id="two_classes"),
]


@pytest.mark.function("softmax_cross_entropy")
@pytest.mark.parametrize("shape", LOSS_SHAPES)
def test_softmax_cross_entropy_random(check, rng, shape):
    """The mean over samples of -log softmax(logits)[i, labels[i]], one float."""
    n, c = shape
    check.close({"logits": sample(rng, n, c, scale=2.0), "labels": labels_for(rng, n, c)})


@pytest.mark.points(2)
@pytest.mark.function("softmax_cross_entropy")
@pytest.mark.parametrize("label", [0, 2])
def test_softmax_cross_entropy_extreme_logits(check, label):
    """Logits [[1000, 0, -1000]] give 0.0 (label 0) and 2000.0 (label 2), with no warning."""
    case = {"logits": np.array([[1000.0, 0.0, -1000.0]]), "labels": np.array([label])}
    check.close_quietly(case, NO_LOG_SUM_EXP, expected=[0.0, 2000.0][label // 2])
    check.also_right(KNOWN)  # a loss of 0.0 is also what a function that computes nothing gives


@pytest.mark.function("softmax_cross_entropy")
def test_softmax_cross_entropy_mixed_scales(check):
    """A batch mixing huge and ordinary logits: each row is stabilised by its own max."""
    case = {
        "logits": np.array([[1000.0, 0.0, -1000.0], [0.5, -0.5, 2.0], [-800.0, -790.0, -805.0]]),
        "labels": np.array([2, 0, 1]),
    }
    check.close_quietly(case, NO_LOG_SUM_EXP)


@pytest.mark.function("softmax_cross_entropy")
def test_softmax_cross_entropy_lists(check):
    """Nested lists of ints for logits and a list of labels are accepted; a float comes back."""
    case = {"logits": [[2, 1, 0], [0, 3, 1], [1, 1, 1]], "labels": [0, 1, 2]}
    got = check.close(case)
    check.returns(got, "float", case, "the loss is one number: return float(...).")


@pytest.mark.function("softmax_cross_entropy")
def test_softmax_cross_entropy_leaves_inputs(check, rng):
    """softmax_cross_entropy does not modify its arguments."""
    check.unchanged({"logits": sample(rng, 4, 3), "labels": labels_for(rng, 4, 3)})


@pytest.mark.function("softmax_cross_entropy")
def test_softmax_cross_entropy_mismatch_raises(check):
    """ValueError naming the sizes when logits and labels have different numbers of samples."""
    check.raises({"logits": np.ones((3, 4)), "labels": np.array([0, 1])}, sizes=(3, 2),
                 why="logits has 3 samples but labels has 2: one label per sample")  # fmt: skip
    check.also_right(KNOWN)


@pytest.mark.function("softmax_cross_entropy")
@pytest.mark.parametrize("shape", [(4,), (2, 3, 4)], ids=["1d", "3d"])
def test_softmax_cross_entropy_not_2d_raises(check, shape):
    """ValueError naming the shape when logits is not 2-D (labels of the right length)."""
    case = {"logits": np.ones(shape), "labels": np.zeros(shape[0], dtype=int)}
    check.raises(case, sizes=shape,
                 why="logits must be 2-D, (n_samples, n_classes): check logits.ndim")  # fmt: skip
    check.also_right(KNOWN)


@pytest.mark.function("softmax_cross_entropy")
@pytest.mark.parametrize("label", [3, -1])
def test_softmax_cross_entropy_label_out_of_range_raises(check, label):
    """ValueError naming the number of classes for a label outside [0, C) (a -1 would
    silently pick the last class)."""
    check.raises({"logits": np.ones((2, 3)), "labels": np.array([0, label])}, sizes=(3,),
                 why=f"label {label} is not a class of 3: labels are indices in [0, 3), and "
                 "NumPy does not check them for you (-1 picks the last column)")  # fmt: skip
    check.also_right(KNOWN)


# ------------------------------------------------------------------ softmax_cross_entropy_grad


@pytest.mark.points(2)
@pytest.mark.function("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_known_value(check):
    """The handout's gradient: (softmax(logits) - one_hot(labels)) / 2."""
    check.close(KNOWN, expected=KNOWN_GRAD, atol=5e-7)


@pytest.mark.function("softmax_cross_entropy_grad")
@pytest.mark.parametrize("shape", LOSS_SHAPES)
def test_softmax_cross_entropy_grad_random(check, rng, shape):
    """(softmax(logits) - one_hot(labels)) / N, shape (N, C)."""
    n, c = shape
    check.close({"logits": sample(rng, n, c, scale=2.0), "labels": labels_for(rng, n, c)})


@pytest.mark.points(2)
@pytest.mark.function("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_matches_finite_differences(check, rng):
    """The gradient agrees with a centred finite-difference slope of the loss."""
    z, y = sample(rng, 5, 4), labels_for(rng, 5, 4)
    case = {"logits": z, "labels": y}
    numeric = numerical_gradient(lambda v: ref.softmax_cross_entropy(v, y), z.copy())
    # h = 1e-6: the centred difference is exact to ~1e-10 here; the tolerance allows for it.
    what = "compared with the finite-difference estimate (L(z + h) - L(z - h)) / 2h"
    check.close(case, expected=numeric, rtol=1e-5, atol=1e-8, what=what)


@pytest.mark.points(2)
@pytest.mark.function("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_extreme_logits(check):
    """For logits [[1000, 0, -1000]] and label 2 the gradient is [[1, 0, -1]], finite and
    with no warning."""
    case = {"logits": np.array([[1000.0, 0.0, -1000.0]]), "labels": np.array([2])}
    check.close_quietly(
        case,
        "exp(1000) overflowed: subtract each row's max before exp (softmax is unchanged by it).",
    )


@pytest.mark.function("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_lists(check):
    """Nested lists of ints for logits and a list of labels are accepted."""
    check.close({"logits": [[2, 1, 0], [0, 3, 1], [1, 1, 1]], "labels": [0, 1, 2]})


@pytest.mark.function("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_returns_an_array(check):
    """The gradient is a NumPy array of floats (a list costs only this test)."""
    case = {"logits": [[2, 1, 0], [0, 3, 1]], "labels": [0, 1]}
    got = check.close(case)
    check.returns(got, "float array", case, "return the NumPy array (p - one_hot) / N.")


@pytest.mark.function("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_leaves_inputs(check, rng):
    """The gradient does not modify its arguments (p[rows, labels] -= 1 on a copy only)."""
    check.unchanged({"logits": sample(rng, 4, 3), "labels": labels_for(rng, 4, 3)})


@pytest.mark.function("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_mismatch_raises(check):
    """ValueError naming the sizes when logits and labels have different numbers of samples."""
    check.raises({"logits": np.ones((3, 4)), "labels": np.array([0, 1])}, sizes=(3, 2),
                 why="logits has 3 samples but labels has 2: one label per sample")  # fmt: skip
    check.also_right(KNOWN)


@pytest.mark.function("softmax_cross_entropy_grad")
def test_softmax_cross_entropy_grad_label_out_of_range_raises(check):
    """ValueError naming the number of classes for a label outside [0, C)."""
    check.raises({"logits": np.ones((2, 3)), "labels": np.array([3, 0])}, sizes=(3,),
                 why="label 3 is not a class of 3: labels are indices in [0, 3)")  # fmt: skip
    check.also_right(KNOWN)


# ------------------------------------------------------------------ the network's maths


def relu(z):
    return np.maximum(z, 0.0)


def forward_parts(p, X, hidden=relu, output=lambda z: z, biases=True):
    X = np.asarray(X, float)
    z1 = X @ p["W1"] + (p["b1"] if biases else 0.0)
    a1 = hidden(z1)
    return z1, a1, output(a1 @ p["W2"] + (p["b2"] if biases else 0.0))


RELU_DERIVATIVES = {
    "z": lambda z1, a1: (z1 > 0).astype(float),  # right: where the input was positive
    "none": lambda z1, a1: 1.0,  # no mask, or (a1 >= 0), always true on a ReLU's output
    "a": lambda z1, a1: a1,  # the output's values used as the derivative
    "sigmoid": lambda z1, a1: a1 * (1.0 - a1),  # stage 5's a * (1 - a), on a ReLU's output
}


def variant_gradients(p, X, y, *, mask="z", dlogits=None, bias="sum", hidden=relu):
    """The gradients as a student might compute them: another ReLU derivative (``mask``),
    another loss gradient, the bias gradients averaged or left at zero, or no ReLU."""
    X = np.asarray(X, float)
    z1, a1, logits = forward_parts(p, X, hidden=hidden)
    d2 = ref.softmax_cross_entropy_grad(logits, y) if dlogits is None else dlogits(logits, y)
    d1 = (d2 @ p["W2"].T) * RELU_DERIVATIVES[mask](z1, a1)
    reduce = {"sum": lambda d: d.sum(axis=0), "mean": lambda d: d.mean(axis=0),
              "zero": lambda d: np.zeros(d.shape[1])}[bias]  # fmt: skip
    return {"W1": X.T @ d1, "b1": reduce(d1), "W2": a1.T @ d2, "b2": reduce(d2)}


def _loss_grad_variants(z, y):
    """The softmax_cross_entropy_grad mistakes, as functions of (logits, labels)."""
    n, c = z.shape
    return [
        (lambda z, y: _softmax(z) - _one_hot(y, c),
         "the loss's gradient (softmax - one_hot) was not divided by N: " + NOT_BY_N),
        (lambda z, y: (_softmax(z, axis=0) - _one_hot(y, c)) / n, WRONG_AXIS),
        (lambda z, y: (_softmax(z) - y[:, None]) / n, LABELS_AS_VALUES),
        (lambda z, y: (_one_hot(y, c) - _softmax(z)) / n,
         "the loss's gradient has the wrong sign: (softmax(logits) - one_hot(labels)) / N."),
    ]  # fmt: skip


RELU_OUTPUT_AS_DERIVATIVE = (
    "the ReLU's output a1 = relu(z1) was used as its derivative (d1 = da1 * a1): the "
    "derivative of relu is 1 where its input z1 > 0 and 0 elsewhere, so d1 = da1 * (z1 > 0). "
    "(Testing the output, a1 > 0, gives the same mask; multiplying by its values does not.)"
)
NO_RELU_MASK = (
    "the gradient reached every hidden unit, as if there were no ReLU: a ReLU passes the "
    "gradient only where its input was positive, d1 = da1 * (z1 > 0). (Note that a1 >= 0 is "
    "always true for a ReLU's output: test z1 > 0, or a1 > 0.)"
)
BIAS_AVERAGED = (
    "bias gradient averaged over the samples: each bias is added to every sample, so its "
    "gradient is the SUM of the error over the samples (axis=0); the loss's gradient was "
    "already divided by N."
)
BIAS_MISSING = (
    "the bias gradient is zero: the biases were left out of the backward pass. "
    "db2 = dlogits.sum(axis=0) and db1 = d1.sum(axis=0)."
)


def gradient_hints(key, p, X, y):
    """Hints for one gradient (key in W1 b1 W2 b2) from simulated wrong variants."""
    z = forward_parts(p, X)[2]
    n = len(np.asarray(X))
    variants = [
        (variant_gradients(p, X, y, mask="a"), RELU_OUTPUT_AS_DERIVATIVE),
        (variant_gradients(p, X, y, mask="none"), NO_RELU_MASK),
        (variant_gradients(p, X, y, mask="sigmoid"),
         "a1 * (1 - a1) is the sigmoid's derivative (stage 5): this hidden layer is a ReLU, "
         "whose derivative is 1 where z1 > 0 and 0 elsewhere: d1 = da1 * (z1 > 0)."),
        (variant_gradients(p, X, y, hidden=lambda v: v, mask="none"),
         "these are the gradients of a network without its ReLU (a linear model): the forward "
         "pass must use a1 = relu(X @ W1 + b1), and the backward pass its mask (z1 > 0)."),
    ]  # fmt: skip
    if key.startswith("b"):
        if n > 1:
            variants.insert(0, (variant_gradients(p, X, y, bias="mean"), BIAS_AVERAGED))
        variants.insert(0, (variant_gradients(p, X, y, bias="zero"), BIAS_MISSING))
    for function, text in _loss_grad_variants(z, y):
        variants.append((variant_gradients(p, X, y, dlogits=function), text))
    return [Hint(lambda got, exp, inp, v=v[key]: matches(got, v), text) for v, text in variants]


CHAIN_RULE = (
    "retrace the chain rule: dlogits = softmax_cross_entropy_grad(logits, y); dW2 = a1.T @ "
    "dlogits; db2 = dlogits.sum(axis=0); d1 = (dlogits @ W2.T) * (z1 > 0); dW1 = X.T @ d1; "
    "db1 = d1.sum(axis=0) (and check that forward passes its tests)."
)
FALLBACK = Hint(lambda got, exp, inp: np.all(np.isfinite(got)), CHAIN_RULE)


def network_params(rng, D, H, C):
    return {
        "W1": sample(rng, D, H),
        "b1": sample(rng, H, scale=0.5),
        "W2": sample(rng, H, C),
        "b2": sample(rng, C, scale=0.5),
    }


def network_case(rng, N, D, H, C):
    """Parameters, X and labels; about half of the hidden units' inputs are negative."""
    return network_params(rng, D, H, C), sample(rng, N, D), labels_for(rng, N, C)


def reference_net(p):
    net = ref.Classifier(1, 1, 1, seed=0)
    for name in PARAMS:
        setattr(net, name, np.array(p[name], dtype=float))
    return net


def student_net(student, p):
    """A student network whose parameters are set to ``p`` (its own init is irrelevant)."""
    D, H = p["W1"].shape
    net = student.Classifier(D, H, p["W2"].shape[1], seed=0)
    for name in PARAMS:
        setattr(net, name, p[name].copy())
    return net


def params_text(p):
    shapes = ", ".join(str(shape_of(v)) for v in p.values())
    return f"with W1, b1, W2, b2 set by the test to random arrays of shapes {shapes}"


NET_CASES = [
    pytest.param((6, 3, 5, 4), marks=pytest.mark.points(3), id="6x3x5x4"),
    pytest.param((1, 2, 3, 3), id="one_sample"),
    pytest.param((5, 1, 4, 2), id="one_input"),
]


# ------------------------------------------------------------------ Classifier: the parameters


@pytest.mark.points(2)
@pytest.mark.function("Classifier")
def test_classifier_parameter_shapes(student):
    """Classifier(D, H, C) has W1 (D, H), b1 (H,), W2 (H, C), b2 (C,), the biases zero."""
    for sizes in ((3, 5, 2), (2, 100, 3), (1, 1, 1)):
        net = student.Classifier(*sizes, seed=0)
        D, H, C = sizes
        expected = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
        for name, shape in expected.items():
            try:
                got = shape_of(getattr(net, name))
            except AttributeError:
                raise mismatch(
                    f"Classifier{sizes} has no attribute {name}.",
                    "__init__ must set self.W1, self.b1, self.W2 and self.b2 (weights drawn "
                    "with np.random.default_rng(seed), biases zero).",
                ) from None
            if got == shape:
                continue
            if len(shape) == 2 and got == shape[::-1]:
                hint = ("that is the (n_neurons, n_inputs) layout of stage 3; here each "
                        "weight matrix is (n_inputs, n_neurons): a layer is inputs @ weights "
                        "+ biases.")  # fmt: skip
            elif len(shape) == 1 and got in ((1, shape[0]), (shape[0], 1)):
                hint = f"a bias vector is one-dimensional: np.zeros({shape[0]})."
            elif name == "W1" and got == (D, C):
                hint = ("W1 maps the inputs to the classes directly: that is a linear model, with "
                        "no hidden layer. W1 is (input_size, hidden_size), W2 (hidden_size, "
                        "n_classes).")  # fmt: skip
            else:
                hint = "W1 is (input_size, hidden_size), W2 (hidden_size, n_classes)."
            raise mismatch(f"Classifier{sizes}.{name} has shape {got}; expected {shape}.", hint)
        for name in ("b1", "b2"):
            bias = np.asarray(getattr(net, name), dtype=float)
            expect_true(not np.any(bias), f"Classifier{sizes}.{name} is {summarize(bias)}; the "
                        "contract starts the biases at zero.", hint="np.zeros(size).")  # fmt: skip
    expect_right_too("Classifier", lambda: expect_drawn_weights(student, (3, 5, 2)))


def expect_drawn_weights(student, sizes):
    """The constructor draws its weights at random: not all equal, not zero."""
    net = student.Classifier(*sizes, seed=0)
    for name in ("W1", "W2"):
        values = np.asarray(getattr(net, name), dtype=float)
        expect_true(
            values.size > 1 and bool(np.ptp(values) > 0),
            f"Classifier{sizes}.{name} is {summarize(values)}: every weight is the same, so "
            "every hidden unit computes the same thing and gets the same gradient.",
            hint="draw them with rng = np.random.default_rng(seed), e.g. "
            "rng.standard_normal(shape) * np.sqrt(2 / fan_in).",
        )


@pytest.mark.function("Classifier")
def test_classifier_seed_reproducible(student):
    """The same seed gives the same weights; another seed other weights."""
    nets = [student.Classifier(3, 4, 2, seed=seed) for seed in (7, 7, 8)]
    w1 = [np.asarray(n.W1, dtype=float) for n in nets]
    w2 = [np.asarray(n.W2, dtype=float) for n in nets]
    hint = ("draw the weights from rng = np.random.default_rng(seed), created in __init__ from "
            "the `seed` argument.")  # fmt: skip
    expect_true(
        np.array_equal(w1[0], w1[1]) and np.array_equal(w2[0], w2[1]),
        f"two Classifier(3, 4, 2, seed=7) got different weights (W1 {summarize(w1[0])} and "
        f"{summarize(w1[1])}).",
        hint=hint,
    )
    expect_true(
        not (np.array_equal(w1[0], w1[2]) and np.array_equal(w2[0], w2[2])),
        "Classifier(3, 4, 2, seed=7) and seed=8 got the same weights.",
        hint=hint,
    )
    expect_right_too("Classifier", lambda: expect_drawn_weights(student, (3, 4, 2)))


# ------------------------------------------------------------------ Classifier.forward


NO_RELU_FORWARD = (
    "there is no ReLU between the layers: without it the two layers are one linear map, "
    "X @ (W1 @ W2) + ..., a linear model that cannot sort the spirals. a1 = relu(X @ W1 + b1), "
    "logits = a1 @ W2 + b2."
)


def forward_hints(p, X):
    variants = [
        (forward_parts(p, X, hidden=lambda z: z)[2], NO_RELU_FORWARD),
        (forward_parts(p, X, output=relu)[2],
         "a ReLU was applied to the output too: forward returns the raw logits, "
         "a1 @ W2 + b2 (softmax is the loss's business, ReLU only the hidden layer's)."),
        (forward_parts(p, X, output=_softmax)[2],
         "these are probabilities (softmax of the logits): forward returns the logits "
         "themselves, a1 @ W2 + b2; softmax_cross_entropy applies the softmax."),
        (forward_parts(p, X, hidden=ref_sigmoid)[2],
         "the hidden layer uses a sigmoid: this network's hidden layer is a ReLU, "
         "np.maximum(z1, 0)."),
        (forward_parts(p, X, biases=False)[2],
         "the biases were not added: z = inputs @ W + b (use self.b1 and self.b2)."),
    ]  # fmt: skip
    hints = [Hint(lambda got, exp, inp, v=v: matches(got, v), text) for v, text in variants]
    return [*hints, FORWARD_FALLBACK]


FORWARD_FALLBACK = Hint(
    lambda got, exp, inp: np.all(np.isfinite(got)),
    "forward returns the logits, relu(X @ W1 + b1) @ W2 + b2, shape (N, n_classes), with "
    "relu(z) = np.maximum(z, 0.0).",
)


def ref_sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid, without overflow


def check_forward(check, p, X):
    """forward(X) of a student network whose parameters are ``p`` is the reference's."""
    got = check.call({"X": X}, on=student_net(check.student, p))
    check.close({"X": X}, got=got, expected=reference_net(p).forward(X),
                hints=forward_hints(p, X), what=params_text(p))  # fmt: skip
    return got


@pytest.mark.function("Classifier.forward")
@pytest.mark.parametrize("sizes", NET_CASES)
def test_forward_random(check, rng, sizes):
    """forward(X) = relu(X @ W1 + b1) @ W2 + b2, the logits, shape (N, C)."""
    p, X, _ = network_case(rng, *sizes)
    check_forward(check, p, X)


@pytest.mark.function("Classifier.forward")
def test_forward_lists_and_returns_an_array(check, rng):
    """forward accepts X as a nested list and returns a NumPy array of floats."""
    X = [[0, 1], [1, -1], [2, 0]]
    got = check_forward(check, network_params(rng, 2, 4, 3), X)
    check.returns(got, "float array", {"X": X}, "return the NumPy logits of the last layer.")


# ------------------------------------------------------------------ Classifier.gradients


def check_gradients(got, expected, p, X, y, what=""):
    inputs = {"X": X, "y": y}
    expect_true(
        isinstance(got, dict) and set(PARAMS) <= set(got),
        f"Classifier.gradients(X, y) returned {summarize(got)}"
        + (f" with keys {sorted(got)}" if isinstance(got, dict) else "") + f"; {DICT_KEYS}",
    )
    for key in ("W2", "b2", "W1", "b1"):
        value = as_bias_vector(got[key], expected[key]) if key.startswith("b") else got[key]
        expect_near(
            "Classifier.gradients",
            value,
            expected[key],
            inputs,
            [*gradient_hints(key, p, X, y), FALLBACK],
            what=f'the gradient "{key}"{what}, {params_text(p)}',
        )


@pytest.mark.function("Classifier.gradients")
@pytest.mark.parametrize("sizes", NET_CASES)
def test_gradients_random(check, rng, sizes):
    """gradients(X, y): backpropagation of the mean cross-entropy to every parameter."""
    p, X, y = network_case(rng, *sizes)
    got = check.call({"X": X, "y": y}, on=student_net(check.student, p))
    check_gradients(got, reference_net(p).gradients(X, y), p, X, y)


@pytest.mark.function("Classifier.gradients")
def test_gradients_lists(check, rng):
    """gradients accepts X as a nested list and y as a list of ints."""
    p = network_params(rng, 2, 4, 3)
    X, y = [[0, 1], [1, -1], [2, 0], [-1, -2]], [0, 2, 1, 2]
    got = check.call({"X": X, "y": y}, on=student_net(check.student, p))
    check_gradients(got, reference_net(p).gradients(X, y), p, X, np.array(y))


@pytest.mark.points(2)
@pytest.mark.function("Classifier.gradients")
def test_gradients_match_finite_differences(check, rng):
    """gradients agree with a centred finite-difference estimate of the loss's slope."""
    p, X, y = network_case(rng, 6, 2, 4, 3)
    got = check.call({"X": X, "y": y}, on=student_net(check.student, p))
    trusted = reference_net(p)
    numeric = {}
    for key in PARAMS:

        def loss(v, key=key):
            setattr(trusted, key, v)
            return ref.softmax_cross_entropy(trusted.forward(X), y)

        numeric[key] = numerical_gradient(loss, np.array(p[key], dtype=float))
        setattr(trusted, key, np.array(p[key], dtype=float))
    # A centred difference with h = 1e-6 is exact to ~1e-9 here (no hidden input lies within
    # h of ReLU's kink for these inputs): atol 1e-8 allows for it, not for a bug; the float32
    # allowance (expect_near) for float32 arithmetic, which rtol 1e-5, atol 1e-8 alone
    # refuse on small entries of about 3 random cases in 100.
    inputs = {"X": X, "y": y}
    expect_true(isinstance(got, dict) and set(PARAMS) <= set(got),
                f"Classifier.gradients(X, y) returned {summarize(got)}; {DICT_KEYS}")  # fmt: skip
    for key in PARAMS:
        value = as_bias_vector(got[key], numeric[key]) if key.startswith("b") else got[key]
        expect_near(
            "Classifier.gradients", value, numeric[key], inputs,
            [*gradient_hints(key, p, X, y), FALLBACK], atol=1e-8,
            what=f'the gradient "{key}" compared with the finite-difference estimate '
            f"(L(p + h) - L(p - h)) / 2h, {params_text(p)}",
        )  # fmt: skip


@pytest.mark.function("Classifier.gradients")
def test_gradients_keys_and_shapes(check, rng):
    """gradients returns a dict with keys W1 b1 W2 b2, each of its parameter's shape."""
    p, X, y = network_case(rng, 4, 3, 5, 2)
    got = check.call({"X": X, "y": y}, on=student_net(check.student, p))
    expect_true(isinstance(got, dict) and set(got) >= set(PARAMS),
                f"Classifier.gradients(X, y) returned {summarize(got)}; {DICT_KEYS}")  # fmt: skip
    for key in PARAMS:
        shape, expected = shape_of(got[key]), np.shape(p[key])
        hint = ""
        if len(expected) == 1 and shape == (1, expected[0]):
            hint = ("sum without keepdims=True: a (1, n) gradient makes b - lr * db a "
                    "(1, n) array and the bias silently changes shape.")  # fmt: skip
        expect_true(shape == expected, f'Classifier.gradients(X, y)["{key}"] has shape {shape}; '
                    f"expected {expected}, the shape of {key}.", hint=hint)  # fmt: skip
    check_gradients(got, reference_net(p).gradients(X, y), p, X, y)


@pytest.mark.points(2)
@pytest.mark.function("Classifier.gradients")
def test_gradients_change_no_parameter(check, rng):
    """gradients(X, y) leaves W1, b1, W2, b2 (and X, y) unchanged."""
    p, X, y = network_case(rng, 4, 2, 3, 3)
    net = student_net(check.student, p)
    reply = check.reply({"X": X, "y": y}, on=net, keep_args=True)
    for key in PARAMS:
        now = np.asarray(getattr(net, key), dtype=float)
        expect_true(
            now.shape == p[key].shape and np.allclose(now, p[key], rtol=1e-12, atol=1e-15),
            f"Classifier.gradients(X, y) changed {key}: it was {summarize(p[key])} and became "
            f"{summarize(now)}.",
            hint="gradients only computes and returns the gradients; step() is the one that "
            "updates the parameters.",
        )
    expect_unchanged("Classifier.gradients", {"X": X, "y": y}, reply.args_after, ["X", "y"])
    expect_right_too("Classifier.gradients", lambda: check_gradients(
        reply.value, reference_net(p).gradients(X, y), p, X, y))  # fmt: skip


# ------------------------------------------------------------------ Classifier.step


def _step_from(p, grads, lr, keys=PARAMS):
    return {k: p[k] - lr * grads[k] if k in keys else np.array(p[k]) for k in PARAMS}


def update_order_variant(p, X, y, lr):
    """W2 and b2 updated first, then the hidden layer's error taken through the NEW W2."""
    X = np.asarray(X, float)
    z1, a1, logits = forward_parts(p, X)
    d2 = ref.softmax_cross_entropy_grad(logits, y)
    W2 = p["W2"] - lr * a1.T @ d2
    b2 = p["b2"] - lr * d2.sum(axis=0)
    d1 = (d2 @ W2.T) * (z1 > 0)
    return {"W1": p["W1"] - lr * X.T @ d1, "b1": p["b1"] - lr * d1.sum(axis=0), "W2": W2, "b2": b2}


def recomputed_variant(p, X, y, lr, order):
    """Each parameter updated with gradients recomputed after the previous updates."""
    q = {k: np.array(v, dtype=float) for k, v in p.items()}
    for key in order:
        q[key] = q[key] - lr * reference_net(q).gradients(X, y)[key]
    return q


PART_OF_THE_STEP = (
    "some gradients were taken after part of the step: a parameter changed before the "
    "gradient of another was computed (W2 updated, then the hidden error taken through the "
    "new W2; or the gradients recomputed between updates). Take all the gradients first, "
    "grads = self.gradients(X, y), then update the four parameters."
)


def step_hints(key, p, X, y, lr):
    grads = ref.Classifier.gradients(reference_net(p), X, y)
    before = np.asarray(p[key], dtype=float)
    parts = [update_order_variant(p, X, y, lr)[key]]
    parts += [recomputed_variant(p, X, y, lr, order)[key]
              for order in (PARAMS, ("W2", "b2", "W1", "b1"))]  # fmt: skip
    hints = [
        Hint(lambda got, exp, inp: any(matches(got, v) for v in parts), PART_OF_THE_STEP),
        Hint(
            lambda got, exp, inp: matches(got, before),
            f"step did not change {key}: assign the updated array to the attribute (self.{key} "
            f"= self.{key} - learning_rate * grads[\"{key}\"])"
            + (", the biases too." if key.startswith("b") else "."),
        ),
        Hint(lambda got, exp, inp: matches(got, before + lr * grads[key]),
             f"{key} moved uphill: gradient DEScent subtracts, {key} -= learning_rate * gradient."),
        Hint(lambda got, exp, inp: matches(got, before - grads[key]),
             "the step ignored the learning rate: parameter -= learning_rate * gradient."),
    ]  # fmt: skip
    # A step along one of the wrong gradients gets that gradient's hint.
    for hint in gradient_hints(key, p, X, y):

        def applies(got, exp, inp, hint=hint):
            return hint.applies((before - got) / lr, (before - exp) / lr, inp)

        hints.append(Hint(applies, hint.text))
    hints.append(Hint(
        lambda got, exp, inp: np.all(np.isfinite(got)),
        "this is not one gradient-descent step from the parameters the test set: every "
        "parameter -= learning_rate * its gradient, all gradients computed before any update "
        "(the gradients tests check those).",
    ))  # fmt: skip
    return hints


def expect_params(function, net, expected, p, inputs, hints_for):
    """The student's parameters after an update equal ``expected``; the absolute tolerance
    is 1e-6 of the largest change (the change's rounding scales with it, not with the
    parameter)."""
    for key in PARAMS:
        got = getattr(net, key)
        if key.startswith("b"):
            got = as_bias_vector(got, expected[key])
        change = float(np.max(np.abs(np.asarray(expected[key]) - p[key]), initial=0.0))
        expect_near(function, got, expected[key], inputs, hints_for(key),
                    what=f"{key} after the update, {params_text(p)}",
                    atol=max(ATOL, 1e-6 * change))  # fmt: skip


STEP_CASES = [
    pytest.param((6, 3, 5, 4), marks=pytest.mark.points(3), id="6x3x5x4"),
    pytest.param((1, 2, 3, 2), id="one_sample"),
]


@pytest.mark.function("Classifier.step")
@pytest.mark.parametrize("sizes", STEP_CASES)
def test_step_one_step(check, rng, sizes):
    """step(X, y, lr) takes one gradient-descent step on every parameter, gradients first."""
    p, X, y = network_case(rng, *sizes)
    lr = 0.3  # not 1/2 or 1/N: a gradient off by such a factor must not look right
    net = student_net(check.student, p)
    check.call({"X": X, "y": y, "learning_rate": lr}, on=net)
    trusted = reference_net(p)
    trusted.step(X, y, lr)
    expected = {key: getattr(trusted, key) for key in PARAMS}
    inputs = {"X": X, "y": y, "learning_rate": lr}
    expect_params("Classifier.step", net, expected, p, inputs,
                  lambda key: step_hints(key, p, X, y, lr))  # fmt: skip


# ------------------------------------------------------------------ Classifier.train


def reference_losses_after(p, X, y, lr, epochs):
    trusted = reference_net(p)
    losses = []
    for _ in range(epochs):
        trusted.step(X, y, lr)
        losses.append(ref.softmax_cross_entropy(trusted.forward(X), y))
    return losses


@pytest.mark.points(2)
@pytest.mark.function("Classifier.train")
def test_train_losses(check, rng):
    """train returns one loss per epoch, each measured before that epoch's update."""
    p, X, y = network_case(rng, 5, 2, 4, 3)
    lr, epochs = 0.7, 4
    inputs = {"X": X, "y": y, "learning_rate": lr, "epochs": epochs}
    got = check.call(inputs, on=student_net(check.student, p))
    expected = reference_net(p).train(X, y, lr, epochs)
    losses = as_sequence("Classifier.train", got, inputs,
                         f"return the list of the {epochs} per-epoch losses.")  # fmt: skip
    after = reference_losses_after(p, X, y, lr, epochs)
    hints = [
        Hint(lambda got, exp, inp: matches(got, after),
             "the losses were measured after each epoch's update: record "
             "softmax_cross_entropy(forward(X), y) BEFORE calling step, so losses[0] is the loss "
             "of the initial network."),
        Hint(lambda got, exp, inp: np.isclose(got[0], exp[0], rtol=1e-5, atol=1e-9),
             "losses[0], the initial network's loss, is right but the later ones are not: the "
             "training step differs from one gradient-descent step (see the step and gradients "
             "tests)."),
        Hint(lambda got, exp, inp: True,
             "losses[0] must be softmax_cross_entropy(forward(X), y) of the network as it was "
             "before training."),
    ]  # fmt: skip
    if len(losses) != epochs:
        raise mismatch(
            f"Classifier.train(X, y, {lr}, {epochs}) returned {len(losses)} losses; expected "
            f"{epochs}, one per epoch (each measured before that epoch's update).",
            "append each epoch's loss, taken before step, to the list that train returns.",
        )
    expect_near("Classifier.train", losses, expected, inputs, hints,
                what=f"the returned losses, {params_text(p)}")  # fmt: skip


@pytest.mark.points(2)
@pytest.mark.function("Classifier.train")
def test_train_updates_parameters(check, rng):
    """After train(X, y, lr, epochs) the parameters are those of `epochs` steps."""
    p, X, y = network_case(rng, 6, 3, 4, 3)
    lr, epochs = 1.5, 3
    net = student_net(check.student, p)
    check.call({"X": X, "y": y, "learning_rate": lr, "epochs": epochs}, on=net)
    runs = {}
    for count in (epochs - 1, epochs, epochs + 1):
        runs[count] = reference_net(p)
        runs[count].train(X, y, lr, count)
    expected = {key: getattr(runs[epochs], key) for key in PARAMS}
    inputs = {"X": X, "y": y, "learning_rate": lr, "epochs": epochs}

    def hints(key):
        return [
            Hint(lambda got, exp, inp: matches(got, getattr(runs[epochs + 1], key)),
                 f"that is {epochs + 1} steps: train runs exactly `epochs` steps."),
            Hint(lambda got, exp, inp: matches(got, getattr(runs[epochs - 1], key)),
                 f"that is {epochs - 1} steps: train runs exactly `epochs` steps."),
            Hint(lambda got, exp, inp: matches(got, p[key]),
                 "train did not change the parameters: call step once per epoch."),
            Hint(lambda got, exp, inp: np.all(np.isfinite(got)),
                 "these are not the parameters after `epochs` gradient-descent steps: train "
                 "calls step(X, y, learning_rate) once per epoch (see the step test)."),
        ]  # fmt: skip

    expect_params("Classifier.train", net, expected, p, inputs, hints)


@pytest.mark.function("Classifier.train")
def test_train_returns_a_list_of_floats(check, rng):
    """train returns a list of floats, one loss per epoch."""
    p, X, y = network_case(rng, 3, 2, 3, 2)
    inputs = {"X": X, "y": y, "learning_rate": 0.5, "epochs": 2}
    got = check.call(inputs, on=student_net(check.student, p))
    expected = reference_net(p).train(X, y, 0.5, 2)
    expect_right_too("Classifier.train", lambda: expect_near(
        "Classifier.train", as_sequence("Classifier.train", got, inputs, "return the list of "
        "losses."), expected, inputs))  # fmt: skip
    check.returns(got, "list of floats", inputs, "append float(loss) to a list, once per epoch.")


@pytest.mark.function("Classifier")
def test_methods_leave_inputs(check, rng):
    """forward, train and predict do not modify X and y."""
    p, X, y = network_case(rng, 4, 2, 3, 3)
    net = student_net(check.student, p)
    train_case = {"X": X, "y": y, "learning_rate": 0.5, "epochs": 2}
    for method, case in (("forward", {"X": X}), ("predict", {"X": X}), ("train", train_case)):
        reply = check.reply(case, on=net, name=f"Classifier.{method}", keep_args=True)
        expect_unchanged(f"Classifier.{method}", case, reply.args_after, ["X", "y"][: len(case)])
    net = student_net(check.student, p)
    expected = reference_net(p).forward(X)
    expect_right_too("Classifier.forward", lambda: expect_near(
        "Classifier.forward", check.call({"X": X}, on=net, name="Classifier.forward"),
        expected, {"X": X}))  # fmt: skip


# ------------------------------------------------------------------ Classifier.predict


def predict_hints(p, X):
    logits = reference_net(p).forward(X)
    n, c = logits.shape
    return [
        Hint(lambda got, exp, inp: got.shape == (c,) and c != n, "np.argmax(logits, axis=0) "
             "picks a sample per class: predict gives one class per sample, axis=1."),
        Hint(lambda got, exp, inp: n == c and matches(got, logits.argmax(axis=0)),
             "np.argmax(logits, axis=0) picks a sample per class: predict gives one class per "
             "sample, np.argmax(logits, axis=1)."),
        Hint(lambda got, exp, inp: got.shape == (n, c), "predict returns one class INDEX per "
             "sample, np.argmax(logits, axis=1), not the logits or probabilities."),
        Hint(lambda got, exp, inp: matches(got, logits.argmin(axis=1)), "that is the class of "
             "the SMALLEST logit: predict is the arg-max."),
        Hint(lambda got, exp, inp: got.ndim == 0, "predict returns one class per sample, an "
             "(N,) array: np.argmax(logits, axis=1) (without axis, argmax flattens)."),
    ]  # fmt: skip


@pytest.mark.points(2)
@pytest.mark.function("Classifier.predict")
@pytest.mark.parametrize("sizes", [(6, 3, 5, 4), (4, 2, 3, 4)], ids=["6x3x5x4", "square"])
def test_predict_random(check, rng, sizes):
    """predict(X) is the arg-max class of each row of the logits, shape (N,)."""
    p, X, _ = network_case(rng, *sizes)
    got = check.call({"X": X}, on=student_net(check.student, p))
    check.close({"X": X}, got=got, expected=reference_net(p).predict(X),
                hints=predict_hints(p, X), what=params_text(p))  # fmt: skip


@pytest.mark.function("Classifier.predict")
def test_predict_returns_ints(check, rng):
    """predict returns a NumPy array of integers (class indices): a list, or floats, cost
    only this test."""
    p, X, _ = network_case(rng, 5, 2, 3, 3)
    got = check.call({"X": X}, on=student_net(check.student, p))
    check.close({"X": X}, got=got, expected=reference_net(p).predict(X), hints=predict_hints(p, X))
    expect_true(
        isinstance(got, np.ndarray) and got.dtype.kind in "iu",
        f"Classifier.predict(X) returned {kind_of(got)}; return a NumPy array of integers, the "
        "class indices.",
        hint="np.argmax(logits, axis=1) gives exactly that: return it as it is (no .tolist(), "
        "no conversion to float).",
    )


# ------------------------------------------------------------------ it learns the spirals


LINEAR_ACCURACY = (
    "about 50% is what a linear model reaches on the spirals: check that the hidden layer's "
    "ReLU is there, in forward and in the gradients"
)


def spiral_hint(net, initial, first, last, accuracy):
    """Why a network did not sort the spirals, from what can be seen of it."""
    if first is None:  # train returned no losses (its own tests say so)
        pass
    elif not (np.isfinite(first) and np.isfinite(last)):
        return ("the losses are nan/inf: look for an overflow (exp of huge logits: use "
                "log-sum-exp) or a step that diverged.")  # fmt: skip
    elif last > first + 1e-9:
        return ("the loss increased: the update must go downhill, parameter -= learning_rate * "
                "gradient, with the gradient of (softmax - one_hot) / N.")  # fmt: skip
    causes = []
    try:
        frozen = all(
            np.array_equal(np.asarray(getattr(net, k), float), np.asarray(initial[k], float))
            for k in ("b1", "b2")
        )
    except Exception:
        frozen = False
    if frozen:
        causes.append("b1 and b2 never changed during training: the biases must be learned too "
                      "(their gradients, and their update in step)")  # fmt: skip
    rms = root_mean_square(initial["W1"])
    if rms < 0.1:
        causes.append(f"W1 starts tiny (root mean square {rms:.2g}): draw it at He's scale, "
                      "rng.standard_normal(shape) * np.sqrt(2 / input_size)")  # fmt: skip
    if 0.40 <= accuracy <= 0.60:
        causes.append(LINEAR_ACCURACY)
    if causes:
        return "Likely causes: " + "; ".join(causes) + "."
    return ("check that the gradients and step tests pass (a gradient off by a factor slows "
            "learning) and that the weights start at He's scale, sqrt(2 / fan_in).")  # fmt: skip


@pytest.mark.points(4)
@pytest.mark.function("Classifier.train")
def test_train_learns_the_spirals(check):
    """Classifier(2, 100, 3, seed=1).train(X, y, 1.0, 1000) on spiral_data(100, 3, 0)
    classifies at least 95% of the points."""
    # Seed 0 is trained by the public test_classifier_learns_the_spirals, which runs in every
    # grading; one more seed here keeps a correct submission's grading cheap.
    X, y = spirals(100, 3, seed=0)
    seed = 1
    call = f"Classifier(2, 100, 3, seed={seed}).train(X, y, 1.0, 1000)"
    net = check.student.Classifier(2, 100, 3, seed=seed)
    initial = {key: getattr(net, key) for key in PARAMS}
    # Ten calls of 100 epochs are the same 1000 full-batch steps (each step depends only on
    # the parameters), and keep every call far below the grader's per-call time limit on a
    # slow or busy machine.
    losses = []
    for _ in range(10):
        chunk = check.call({"X": X, "y": y, "learning_rate": 1.0, "epochs": 100}, on=net)
        try:  # only the hint reads them: the train tests judge the losses
            losses += [float(v) for v in chunk]
        except Exception:
            pass
    # Judged from forward's logits (arg-max taken here), so that a wrong predict costs
    # only predict's tests.
    logits = np.asarray(check.call({"X": X}, on=net, name="Classifier.forward"), dtype=float)
    expect_true(logits.shape == (300, 3), f"after {call}, forward(X) returned "
                f"{summarize(logits)}; expected shape (300, 3).")  # fmt: skip
    accuracy = float(np.mean(logits.argmax(axis=1) == y))
    if accuracy >= 0.95:
        return
    first, last = (losses[0], losses[-1]) if losses else (None, None)
    raise mismatch("\n".join([
        f"{call} on spiral_data(100, 3, 0): the network classifies {accuracy:.1%} of the "
        "300 training points; at least 95% expected.",
        f"  loss went from {first:.4g} to {last:.4g}" if losses else "  (train returned no "
        "list of losses)",
    ]), spiral_hint(net, initial, first, last, accuracy))  # fmt: skip


# ------------------------------------------------------------------ hints by function


SHAPE_RAISE_HINT = RaiseHint.on(
    ["ValueError"],
    "a shape does not fit: W1 is (input_size, hidden_size), W2 (hidden_size, n_classes), and "
    "a layer is inputs @ W + b (no transpose); labels are (N,) indices.",
)
ELEMENTWISE = RaiseHint.on(
    ["ValueError"],
    "`*` multiplies elementwise and broadcasts; a layer's product, and the products of its "
    "gradients, are matrix products: use @ (X @ W1, dlogits @ W2.T, a1.T @ dlogits).",
    contains=["broadcast"],
)
NET_LISTS = RaiseHint.on(
    ["AttributeError", "TypeError"],
    "X may be a Python list, which has no .T, .shape or @: convert it first with "
    "np.asarray(X, dtype=float).",
    when=lambda case: type(case.get("X")) is list,
)
METHODS = ("forward", "gradients", "step", "train", "predict")
HINTS = {
    "softmax_cross_entropy": loss_hints,
    "softmax_cross_entropy_grad": grad_hints,
}
RAISE_HINTS = {
    "softmax_cross_entropy": LOSS_RAISE_HINTS,
    "softmax_cross_entropy_grad": LOSS_RAISE_HINTS,
    **{f"Classifier.{m}": [NET_LISTS, FLOAT_INDEX, ELEMENTWISE, AXIS, SHAPE_RAISE_HINT]
       for m in METHODS},
}
TOLERANCE = {
    name: float32_tolerance
    for name in ("softmax_cross_entropy", "softmax_cross_entropy_grad", "Classifier.forward",
                 "Classifier.gradients", "Classifier.step", "Classifier.train")
}  # fmt: skip
