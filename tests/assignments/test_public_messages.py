"""Public tests fail with teaching messages (function, input, expected vs got, hint), never a
raw assertion dump, both ways they run: with plain pytest in a released stage folder,
neurograde not installed, and under the grader, where the hint is a field of the result.

Their helpers are one block, the same in every stage's public tests (a released folder holds
only the stub, the notebook and the tests: nothing else to import)."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.api import grade
from grader.course import standalone_reference
from grader.platforms import release

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
BANNER = "# ---------------------------------------------------------------- how a failure reads"
TAUGHT_STAGES = ["neuron", "layer", "batch", "activations", "backprop", "classifier"]
RAW_DUMPS = ("Not equal to tolerance", "Mismatched elements", "Max absolute difference",
             "assert_allclose", "DID NOT RAISE", "assert ")  # fmt: skip

# (stage, fixture named after its mistake, the public test it fails, words of that test's hint)
CASES = [
    ("neuron", "wrong_bias_in_loop.py", "test_neuron_output_known_value",
     "add the bias once"),
    ("neuron", "wrong_no_length_check.py", "test_neuron_output_length_mismatch",
     "do not pair up"),
    ("layer", "wrong_forgot_biases.py", "test_layer_output_np_known_value",
     "one row per neuron"),
    ("batch", "wrong_no_transpose.py", "test_dense_forward_known_value",
     "inputs @ weights.T + biases"),
    ("activations", "wrong_softmax_no_max.py", "test_softmax_huge_logits",
     "subtract the largest logit"),
    ("backprop", "wrong_mse_grad_missing_two.py", "test_mse_loss_grad",
     "divided by y_pred.size"),
    ("classifier", "wrong_no_log_sum_exp.py", "test_softmax_cross_entropy_huge_logits",
     "log-sum-exp"),
]  # fmt: skip
IDS = [f"{stage}/{name}" for stage, name, _, _ in CASES]


def helper_block(stage: str) -> str:
    text = (ROOT / "assignments" / stage / f"test_{stage}.py").read_text(encoding="utf-8")
    assert BANNER in text, f"{stage}'s public tests lack the helper block"
    return text[text.index(BANNER) :]


def test_the_helper_block_is_the_same_in_every_stage():
    """The public tests' helpers are one block, copied unchanged into each stage's tests."""
    blocks = {stage: helper_block(stage) for stage in TAUGHT_STAGES}
    assert len(set(blocks.values())) == 1, "the helper blocks differ between stages"


@pytest.fixture(scope="module")
def released_runs(tmp_path_factory):
    """Each case's fixture as <stage>.py in a released stage folder, its public tests run
    by plain pytest with neurograde hidden (an import of `grader` fails): name -> output."""
    root = tmp_path_factory.mktemp("public")
    bundle = release.release(TAUGHT_STAGES, root / "bundle")
    blocker = root / "no-neurograde" / "grader"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('neurograde is not installed')\n")
    env = {**os.environ, "PYTHONPATH": str(blocker.parent), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    outputs = {}
    for stage, name, test, _ in CASES:
        folder = root / f"{stage}-{name}"
        shutil.copytree(bundle / stage, folder)
        shutil.copy(FIXTURES / stage / name, folder / f"{stage}.py")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(folder), f"test_{stage}.py::{test}"],
            cwd=folder, capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        outputs[(stage, name)] = done.stdout + done.stderr
    return outputs


@pytest.mark.parametrize(("stage", "name", "test", "hint"), CASES, ids=IDS)
def test_plain_pytest_in_a_released_folder_teaches(released_runs, stage, name, test, hint):
    """Without neurograde, the released public test fails with the call, its inputs,
    expected vs got (or what it raised) and the hint, not NumPy's assertion dump."""
    output = released_runs[(stage, name)]
    assert "1 failed" in output, output
    assert "No module named" not in output and "ImportError" not in output, output
    failure = output[output.index("FAILURES") :]
    assert hint in failure and "Hint:" in failure, failure
    function = test.removeprefix("test_").rsplit("_known_value", 1)[0].rsplit("_length", 1)[0]
    function = {"softmax_huge_logits": "softmax"}.get(function, function)
    assert f"{function}(" in failure, failure
    assert not any(dump in failure.split("Hint:")[0].split(f"{function}(", 1)[1]
                   for dump in RAW_DUMPS), failure  # fmt: skip


@pytest.mark.parametrize(("stage", "name", "test", "hint"), CASES, ids=IDS)
def test_the_grader_shows_the_same_teaching_message(stage, name, test, hint):
    """Graded, the public test's message is the teaching message (what the test checks,
    the call, expected vs got or what it raised, the hint), with the hint as a field."""
    report = grade(stage, FIXTURES / stage / name)
    result = next(t for t in report.tests if t.name == test)
    assert result.status == "failed" and not result.hidden
    assert hint in result.hint and result.output.endswith(f"  Hint: {result.hint}")
    assert not any(dump in result.output for dump in RAW_DUMPS), result.output
    assert "test_" not in result.output.split("\n")[1]  # no "test_x.py:12: assert ..." line


# ---------------------------------------------------------------- messages that fit the mistake
#
# Submissions made from the reference by one edit (old text -> new text), each run by plain
# pytest in a released folder: (stage, edits or a fixture's name, the public test, words the
# failure must hold, words it must not hold).
SLIP = [("    return float(total)\n", "    return float(total) + 0.028\n")]
PREDICT = "return np.argmax(self.forward(X), axis=1)"
MESSAGE_CASES = {
    "neuron-value-as-number": (
        "neuron", SLIP, "test_neuron_output_known_value",
        ["expected 4.8\n", "inputs=[1, 2, 3, 2.5] (a list of 4)", "weights=[0.2, 0.8, -0.5, 1.0]"],
        ["array(", "[1. ,"]),
    "neuron-returns-float-wrong-value-hint": (
        "neuron", SLIP, "test_neuron_output_returns_float",
        ["expected 4.8\n", "add the bias once"], ["float(total)"]),
    "backprop-loss-as-number": (
        "backprop", [("    return float(np.mean((y_pred - y_true) ** 2))\n",
                      "    return float(np.mean((y_pred - y_true) ** 2)) * 1.5\n")],
        "test_mse_loss", ["expected 2.5\n", "got      3.75"], ["array("]),
    "classifier-predict-axis-0": (
        "classifier", [(PREDICT, PREDICT.replace("axis=1", "axis=0"))],
        "test_classifier_learns_the_spirals",
        [".predict(X)", "(shape (3,))", "shape (300,)", "axis=1"],
        ["broadcast", "ValueError", "gradient tests"]),
    "classifier-predict-column": (
        "classifier", [(PREDICT, PREDICT + "[:, None]")], "test_classifier_learns_the_spirals",
        [".predict(X)", "(shape (300, 1))", "shape (300,)", "axis=1"], ["33.3%", "gradient"]),
    "backprop-misnamed-W1": (
        "backprop", [("self.W1", "self.w1")], "test_neural_network_shapes",
        ["NeuralNetwork(2, 4, 1, seed=0).W1 is not there", "W1, b1, W2, b2", "Hint:"],
        ["AttributeError: 'NeuralNetwork' object has no attribute 'W1'\n"]),
    "activations-sigmoid-overflow-warning": (
        "activations", "wrong_sigmoid_overflow_warning.py", "test_sigmoid_extremes",
        ["sigmoid(z=[-1000.0, 1000.0]", "NumPy warned", "overflow", "np.exp(-np.abs(z))"], []),
}  # fmt: skip


def edited_reference(stage, edits):
    """The reference as a student's file, with each (old, new) edit made once or more."""
    text = standalone_reference(stage)
    for old, new in edits:
        assert old in text, f"{stage}'s reference no longer holds {old!r}"
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def message_runs(tmp_path_factory):
    """Each MESSAGE_CASES submission's one public test, run by plain pytest in a released
    folder, neurograde hidden: case name -> output."""
    root = tmp_path_factory.mktemp("messages")
    bundle = release.release(TAUGHT_STAGES, root / "bundle")
    blocker = root / "no-neurograde" / "grader"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('neurograde is not installed')\n")
    env = {**os.environ, "PYTHONPATH": str(blocker.parent), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    outputs = {}
    for name, (stage, edits, test, _, _) in MESSAGE_CASES.items():
        folder = root / name
        shutil.copytree(bundle / stage, folder)
        if isinstance(edits, str):
            shutil.copy(FIXTURES / stage / edits, folder / f"{stage}.py")
        else:
            (folder / f"{stage}.py").write_text(edited_reference(stage, edits))
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
             str(folder), f"test_{stage}.py::{test}"],
            cwd=folder, capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
        outputs[name] = done.stdout + done.stderr
    return outputs


@pytest.mark.parametrize("name", list(MESSAGE_CASES))
def test_the_message_fits_the_mistake(message_runs, name):
    """The public test fails with a message about what went wrong: numbers shown as
    typed (4.8, [1, 2, 3, 2.5], not array(4.8) or NumPy's padding), the hint of the
    mistake made (a wrong value is not told to return a float), predict's shape before
    the accuracy, a missing parameter by name, an overflow warning on the extremes."""
    _, _, _, present, absent = MESSAGE_CASES[name]
    output = message_runs[name]
    assert "1 failed" in output, output
    failure = output[output.index("FAILURES") :].split("short test summary")[0]
    # pytest's "E" lines: the message, not the test's source that pytest shows above it
    failure = "".join(line[1:] + "\n" for line in failure.splitlines() if line.startswith("E"))
    for words in present:
        assert words in failure, (words, failure)
    for words in absent:
        assert words not in failure, (words, failure)


@pytest.mark.parametrize(
    ("stage", "path", "test", "words"),
    [
        ("activations", FIXTURES / "activations" / "wrong_sigmoid_overflow_warning.py",
         "test_sigmoid_extremes", "NumPy warned 'RuntimeWarning: overflow"),
        ("backprop", None, "test_neural_network_shapes", ".W1 is not there"),
    ],
    ids=["warning-relayed-from-the-student-process", "missing-attribute"],
)  # fmt: skip
def test_the_grader_tells_the_same(tmp_path, stage, path, test, words):
    """Graded, where the student's code runs in its own process, the public test still
    hears NumPy's warnings and names a missing attribute, with the hint as a field."""
    if path is None:
        path = tmp_path / f"{stage}.py"
        path.write_text(edited_reference(stage, [("self.W1", "self.w1")]))
    report = grade(stage, path)
    result = next(t for t in report.tests if t.name == test)
    assert result.status == "failed" and result.hint, result.output
    assert words in result.output, result.output


def hidden_raise_tests(stage):
    """(function, test name) of each hidden test that asks for a ValueError."""
    tree = ast.parse((ROOT / "assignments" / stage / "hidden" / f"test_{stage}_hidden.py")
                     .read_text(encoding="utf-8"))  # fmt: skip
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and "raise" in node.name:
            for mark in node.decorator_list:
                if (isinstance(mark, ast.Call) and getattr(mark.func, "attr", "") == "function"
                        and mark.args and isinstance(mark.args[0], ast.Constant)):  # fmt: skip
                    found.append((mark.args[0].value, node.name))
    return found


def stub_docstring(stage, dotted):
    """The docstring of a function, or a method ("Class.method"), of the stage's stub."""
    tree = ast.parse((ROOT / "assignments" / stage / f"{stage}.py").read_text(encoding="utf-8"))
    nodes = tree.body
    for part in dotted.split("."):
        node = next(n for n in nodes if getattr(n, "name", None) == part)
        nodes = getattr(node, "body", [])
    return ast.get_docstring(node) or ""


RAISE_CASES = [(stage, function, test) for stage in TAUGHT_STAGES
               for function, test in hidden_raise_tests(stage)]  # fmt: skip


def test_the_hidden_suites_ask_for_errors():
    """The stub check below has cases: backprop's hidden suite asks for ValueError."""
    assert {f for s, f, _ in RAISE_CASES if s == "backprop"} >= {
        "mse_loss",
        "mse_loss_grad",
        "dense_backward",
    }


@pytest.mark.parametrize(("stage", "function", "test"), RAISE_CASES,
                         ids=[f"{s}:{f}:{t}" for s, f, t in RAISE_CASES])  # fmt: skip
def test_the_stub_says_what_raises(stage, function, test):
    """Where a hidden test takes points for a missing ValueError, the stub's docstring of
    that function says when it raises (and the notebook, built from the stub, too)."""
    assert "ValueError" in stub_docstring(stage, function), f"{stage}.{function} ({test})"
