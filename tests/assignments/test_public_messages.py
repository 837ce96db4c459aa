"""Public tests fail with teaching messages (function, input, expected vs got, hint), never a
raw assertion dump, both ways they run: with plain pytest in a released stage folder,
neurograde not installed, and under the grader, where the hint is a field of the result.

Their helpers are one block, the same in every stage's public tests (a released folder holds
only the stub, the notebook and the tests: nothing else to import)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.api import grade
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
