"""Stage 6, ``classifier``: its hidden suite grades right work fully and names each classic
mistake of the issue.

The fixtures are in ``tests/fixtures/submissions/classifier/`` (so that
tests/grader/test_suites.py grades them by their ``expect`` lines too); here each
misconception is tied to the hint text the suite defines for it (read from the hidden suite
itself, so that the two cannot drift apart) and to the test that must catch it.
"""

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.api import grade
from grader.course import get_stage, standalone_reference

STAGE = get_stage("classifier")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "submissions" / "classifier"


def _hint_texts():
    """The hidden suite's module-level string constants (its hint texts), read with ast:
    importing the suite outside the grader would only warn about its markers."""
    path = STAGE.folder / "hidden" / "test_classifier_hidden.py"
    texts = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    texts[target.id] = node.value.value
    return SimpleNamespace(**texts)


SUITE = _hint_texts()

# fixture -> (the tests that must fail, the hints their messages must hold)
MISCONCEPTIONS = {
    "wrong_no_log_sum_exp": (["test_softmax_cross_entropy_extreme_logits"],
                             [SUITE.NO_LOG_SUM_EXP]),
    "wrong_clipped_probabilities": (["test_softmax_cross_entropy_extreme_logits"],
                                    [SUITE.CLIPPED]),
    "wrong_grad_not_divided_by_n": (["test_softmax_cross_entropy_grad_random",
                                     "test_gradients_random"], [SUITE.NOT_BY_N]),
    "wrong_labels_as_values": (["test_softmax_cross_entropy_random",
                                "test_softmax_cross_entropy_grad_random"],
                               [SUITE.LABELS_AS_VALUES, SUITE.LABELS_COLUMNS]),
    "wrong_softmax_axis0": (["test_softmax_cross_entropy_random",
                             "test_softmax_cross_entropy_grad_random"], [SUITE.WRONG_AXIS]),
    "wrong_relu_derivative_is_output": (["test_gradients_random", "test_step_one_step"],
                                        [SUITE.RELU_OUTPUT_AS_DERIVATIVE]),
    "wrong_relu_mask_on_output_ge": (["test_gradients_random"], [SUITE.NO_RELU_MASK]),
    "wrong_linear_no_relu": (["test_forward_random", "test_train_learns_the_spirals"],
                             [SUITE.NO_RELU_FORWARD, SUITE.LINEAR_ACCURACY]),
    "wrong_bias_gradients_missing": (["test_gradients_random"], [SUITE.BIAS_MISSING]),
    "wrong_step_skips_biases": (["test_step_one_step"], ["step did not change b1"]),
    "wrong_update_after_partial_step": (["test_step_one_step"], [SUITE.PART_OF_THE_STEP]),
    "wrong_step_recomputes_gradients": (["test_step_one_step"], [SUITE.PART_OF_THE_STEP]),
}  # fmt: skip
ALTERNATIVES = ["correct_loops.py", "correct_einsum.py", "correct_float32.ipynb",
                "correct_float32_cast_back.py"]


def _failing(report):
    return [t for t in report.tests if t.status != "passed"]


def test_reference_gets_full_marks(tmp_path):
    """The reference, handed in as a student's file, passes every public and hidden test."""
    path = tmp_path / "classifier.py"
    path.write_text(standalone_reference("classifier"), encoding="utf-8")
    report = grade("classifier", path)
    assert not [(t.name, t.output) for t in _failing(report)]
    assert report.score == report.max_score > 0


def test_stub_gets_zero():
    """The handout's stub (every function raises NotImplementedError) scores 0."""
    report = grade("classifier", STAGE.stub)
    assert report.max_score > 0 and report.score == 0


@pytest.mark.parametrize("name", ALTERNATIVES)
def test_correct_alternative_gets_full_marks(name):
    """A correct submission written differently (loops, np.einsum, float32 in a notebook)
    gets full marks."""
    report = grade("classifier", FIXTURES / name)
    assert not [(t.name, t.output) for t in _failing(report)]
    assert report.score == report.max_score


@pytest.mark.parametrize("name", sorted(MISCONCEPTIONS))
def test_misconception_loses_points_with_its_hint(name):
    """Each classic mistake loses points, fails the tests that target it, and a failing test
    names it with the suite's hint for it."""
    tests, hints = MISCONCEPTIONS[name]
    report = grade("classifier", FIXTURES / f"{name}.py")
    assert report.score < report.max_score
    failing = _failing(report)
    for test in tests:
        assert any(t.name.startswith(test) for t in failing), f"{test} passed"
    hinted = "\n".join(t.output for t in failing if "Hint:" in t.output)
    for hint in hints:
        assert hint[:70] in hinted, f"no failing test's hint says {hint!r}:\n{hinted}"


def test_every_fixture_is_covered():
    """Every fixture of the stage is one of the misconceptions or alternatives above."""
    names = {p.name for p in FIXTURES.iterdir() if p.suffix in (".py", ".ipynb")}
    assert names == {f"{n}.py" for n in MISCONCEPTIONS} | set(ALTERNATIVES)
