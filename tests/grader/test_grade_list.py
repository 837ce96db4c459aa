"""`grade list`: the course's stages and the names each one asks for."""

import re

from click.testing import CliRunner

from grader.cli import main

CONTRACT = {
    "neuron": ["neuron_output", "neuron_output_np"],
    "layer": ["layer_output", "layer_output_np"],
    "batch": ["dense_forward", "two_layer_forward"],
    "activations": ["sigmoid", "relu", "softmax", "sigmoid_derivative", "relu_derivative"],
    "backprop": ["mse_loss", "mse_loss_grad", "dense_backward", "NeuralNetwork"],
    "classifier": ["softmax_cross_entropy", "softmax_cross_entropy_grad", "Classifier"],
}


def test_grade_list_shows_every_stage_and_its_functions():
    """`grade list` exits 0 and names the five stages in course order, each followed (before the
    next stage) by exactly the contract's functions and classes for it, in order. The layout
    around the names (headers, points, indentation) is free."""
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0, result.output
    words = re.findall(r"\w+", result.output)
    stages = list(CONTRACT)
    assert all(stage in words for stage in stages), result.output
    starts = [words.index(stage) for stage in stages]
    assert starts == sorted(starts), f"stages out of order:\n{result.output}"
    all_names = {name for names in CONTRACT.values() for name in names}
    for stage, start, end in zip(stages, starts, [*starts[1:], len(words)], strict=True):
        listed = [word for word in words[start + 1 : end] if word in all_names]
        assert listed == CONTRACT[stage], f"{stage}: {listed}\n{result.output}"
