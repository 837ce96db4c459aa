"""Points only for work: a submission that computes nothing scores 0 on every stage, the
plain-Python check catches NumPy however it is reached (and a plain function still gets
every point), and the grader never parses a student's code in its own process.

The submissions that compute nothing are written from each stage's stub (its names and
parameters), one file per stage and kind, and graded for real through ``grade``.
"""

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.api import grade
from grader.course import STAGES, get_stage, standalone_reference
from grader.grading.submission import MAX_SUBMISSION_BYTES
from grader.suites.checks import Mismatch, expect_close

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "submissions"

# A return value of a plausible shape for each name: the constant that comes closest to
# passing a shape test.
PLAUSIBLE = {
    "neuron_output": "0.0",
    "neuron_output_np": "np.float64(0.0)",
    "layer_output": "[0.0] * len(biases)",
    "layer_output_np": "np.zeros(len(biases))",
    "dense_forward": "np.zeros((len(inputs), len(biases)))",
    "two_layer_forward": "np.zeros((len(inputs), len(biases2)))",
    "sigmoid": "np.zeros(np.shape(z))",
    "relu": "np.zeros(np.shape(z))",
    "softmax": "np.zeros(np.shape(z))",
    "sigmoid_derivative": "np.zeros(np.shape(z))",
    "relu_derivative": "np.zeros(np.shape(z))",
    "mse_loss": "0.0",
    "mse_loss_grad": "np.zeros(np.shape(y_pred))",
    "dense_backward": (
        "np.zeros(np.shape(inputs)), np.zeros(np.shape(weights)), np.zeros(np.shape(weights)[1])"
    ),
    "NeuralNetwork.forward": "np.zeros((len(X), np.shape(self.W2)[1]))",
    "NeuralNetwork.gradients": "{k: np.zeros(np.shape(getattr(self, k))) for k in self.__dict__}",
    "NeuralNetwork.backward": "None",
    "NeuralNetwork.train": "[0.0] * epochs",
}
# Parameters of the right shapes, all zero: what a constructor that computes nothing sets.
ZERO_PARAMETERS = (
    "self.W1, self.b1 = np.zeros((input_size, hidden_size)), np.zeros(hidden_size)\n"
    "self.W2, self.b2 = np.zeros((hidden_size, output_size)), np.zeros(output_size)"
)
EMPTY_PARAMETERS = "self.W1 = self.b1 = self.W2 = self.b2 = np.array([])"


def body(kind: str, name: str, params: list[str]) -> str:
    """The body of function (or method) ``name`` in a submission of ``kind``."""
    if kind == "always_raises":
        return 'raise ValueError("the shapes do not fit")'
    if kind == "does_nothing":
        return "pass"
    if name.endswith(".__init__"):
        return EMPTY_PARAMETERS if kind == "returns_empty" else ZERO_PARAMETERS
    return {
        "returns_zero": "return 0.0",
        "returns_plausible_zeros": f"return {PLAUSIBLE.get(name, '0.0')}",
        "returns_empty": "return np.array([])",
        "returns_input": f"return {params[0]}",
    }[kind]


KINDS = (
    "always_raises",
    "does_nothing",
    "returns_zero",
    "returns_plausible_zeros",
    "returns_empty",
    "returns_input",
)


def parameters(stub: str) -> dict[str, list[str]]:
    """Each function's and method's parameters (``self`` left out), read from our own stub."""
    found = {}
    for node in ast.parse(stub).body:
        methods = node.body if isinstance(node, ast.ClassDef) else [node]
        for method in methods:
            if isinstance(method, ast.FunctionDef):
                qualified = f"{node.name}.{method.name}" if method is not node else node.name
                found[qualified] = [a.arg for a in method.args.args if a.arg != "self"]
    return found


def nothing_submission(stage: str, kind: str) -> str:
    """The stage's stub with every ``raise NotImplementedError`` replaced by ``kind``'s body."""
    stub = get_stage(stage).stub.read_text(encoding="utf-8")
    params = parameters(stub)

    def replace(match: re.Match) -> str:
        indent, name = match.group(1), match.group(2)
        return textwrap.indent(body(kind, name, params[name]), indent)

    source, count = re.subn(
        r'^( +)raise NotImplementedError\("([\w.]+): not implemented yet"\)$',
        replace,
        stub,
        flags=re.M,
    )
    assert count == len(params), f"{stage}: {count} bodies replaced, {len(params)} expected"
    return source


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stage", STAGES)
def test_computing_nothing_scores_zero(stage, kind, tmp_path):
    """A submission that computes nothing (always raises ValueError, does nothing, returns
    0.0, zeros of a plausible shape, an empty array, or its input) earns no point, public
    or hidden, on any stage."""
    path = tmp_path / f"{stage}.py"
    path.write_text(nothing_submission(stage, kind))
    report = grade(stage, path)
    passed = [t.name for t in report.tests if t.status == "passed"]
    assert report.max_score > 0
    assert not passed, f"{stage}/{kind} passed {passed}"
    assert report.score == 0


def plain_fixture(stage: str, name: str) -> Path:
    return FIXTURES / stage / f"{name}.py"


NUMPY_ROUTES = [
    ("neuron", "wrong_plain_np_alias_dot", "_dot"),
    ("neuron", "wrong_plain_from_numpy_import", "multiply"),
    ("neuron", "wrong_plain_numpy_via_getattr", "NumPy"),
    ("neuron", "wrong_plain_dunder_import", "NumPy"),
    ("neuron", "wrong_plain_unsets_profile", "setprofile"),
    ("layer", "wrong_plain_numpy_via_importlib", "numpy"),
    ("layer", "wrong_plain_uses_numpy", "np"),
]


@pytest.mark.parametrize(
    "stage, name, named", NUMPY_ROUTES, ids=[f"{s}/{n}" for s, n, _ in NUMPY_ROUTES]
)
def test_numpy_reached_any_way_loses_only_the_plain_points(stage, name, named):
    """A correct function that reaches NumPy (an alias, `from numpy import`, getattr,
    importlib, __import__, or after switching the check off with sys.setprofile(None))
    loses the plain-Python test, with its hint and what was seen, and nothing else."""
    report = grade(stage, plain_fixture(stage, name))
    failing = {t.name: t.output for t in report.tests if t.status != "passed"}
    assert list(failing) == [f"test_{stage}_output_is_plain_python"], failing
    message = next(iter(failing.values()))
    assert "uses NumPy" in message and "this one must be plain Python" in message
    assert named in message
    assert report.score == report.max_score - 2


@pytest.mark.parametrize(
    "stage, name", [("neuron", "correct_plain_fsum"), ("layer", "correct_plain_attribute_dot")]
)
def test_plain_function_keeps_full_marks(stage, name):
    """A plain function (math.fsum, sum, zip, loops, a method named `dot`) in a module that
    also imports NumPy and `from numpy import dot` for the _np variant gets full marks."""
    report = grade(stage, plain_fixture(stage, name))
    failing = [(t.name, t.output) for t in report.tests if t.status != "passed"]
    assert not failing
    assert report.score == report.max_score


HUGE_CELL_RUN = """
import json, resource, sys, time
from grader.api import grade
start = time.perf_counter()
report = grade("neuron", sys.argv[1])
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "graded": len(report.tests), "max_score": report.max_score,
}))
"""


def test_huge_cell_is_not_parsed_by_the_grader(tmp_path):
    """A notebook with a correct solution and a code cell of 2 million statements
    (`x = 1`) is graded without the grader parsing the cell: the grading process stays
    small and quick. (Parsing it took the grader 10 GB and minutes; the child may fail to
    load that cell or time out: its limits are its own.)"""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(standalone_reference("neuron")),
        nbformat.v4.new_code_cell("x = 1\n" * 2_000_000),
    ]
    path = tmp_path / "neuron.ipynb"
    # One string per cell (nbformat.write would split it into 2 million list items and
    # make the file larger than the 20 MiB a submission may have: never read at all).
    path.write_text(json.dumps(notebook))
    assert path.stat().st_size < MAX_SUBMISSION_BYTES
    done = subprocess.run(
        [sys.executable, "-c", HUGE_CELL_RUN, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["max_score"] > 0 and result["graded"] > 0
    # The grader's own process (its children not counted): reading the notebook and
    # sending the text takes about 250 MB; parsing the cell took over 2 GB within a
    # 2.5 GB cap (10 GB without one).
    assert result["peak_mb"] < 700, result
    assert result["seconds"] < 120, result


@pytest.mark.parametrize(
    "got, expected, says",
    [
        (np.array([]), 4.8, "The shape is wrong: expected (), got (0,)"),
        (0.0, [4.8, 1.21, 3.465], "The shape is wrong: expected (3,), got ()"),
        (np.zeros((0, 3)), np.ones((2, 3)), "The shape is wrong"),
        ("4.8", 4.8, "which holds a str: not a number"),
        (["4.8", "1.21"], [4.8, 1.21], "which holds a str: not a number"),
        (None, 4.8, "returned None, which is not a number"),
        ({"value": 4.8}, 4.8, "which holds a dict: not a number"),
        (np.array(["4.8"]), [4.8], "which holds an array of dtype <U3"),
    ],
    ids=str.split("empty_array scalar_for_array empty_rows string strings none dict string_array"),
)
def test_comparisons_check_type_and_shape_before_value(got, expected, says):
    """expect_close fails, with a message saying why, on an empty array, a scalar where an
    array is asked, a string (which NumPy would read as a number), None or a dict."""
    with pytest.raises(Mismatch) as caught:
        expect_close("f", got, expected, {"x": [1.0, 2.0]})
    assert says in str(caught.value)
    assert str(caught.value).startswith("f(x=")
