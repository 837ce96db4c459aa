"""Shared fixtures for the grader's tests: small submissions written on the fly."""

import shutil
from pathlib import Path

import pytest

from grader.course import get_stage

WRONG_NEURON = """import numpy as np


def neuron_output(inputs, weights, bias):
    total = 0
    for x, w in zip(inputs, weights):
        total += x * w + bias  # the bias once per input
    return total


def neuron_output_np(inputs, weights, bias):
    return np.dot(inputs, weights)  # forgets the bias
"""


@pytest.fixture
def correct_neuron(tmp_path) -> Path:
    """The reference neuron module, as a student would hand it in."""
    path = tmp_path / "correct" / "neuron.py"
    path.parent.mkdir()
    path.write_text(get_stage("neuron").reference.read_text())
    return path


@pytest.fixture
def wrong_neuron(tmp_path) -> Path:
    """A neuron submission with two classic mistakes."""
    path = tmp_path / "wrong" / "neuron.py"
    path.parent.mkdir()
    path.write_text(WRONG_NEURON)
    return path


@pytest.fixture(scope="session")
def wrong_neuron_report(tmp_path_factory):
    """The public-test report of the wrong neuron submission, graded once per session."""
    from grader.api import grade

    path = tmp_path_factory.mktemp("wrong") / "neuron.py"
    path.write_text(WRONG_NEURON)
    return grade("neuron", path, public_only=True)


@pytest.fixture
def klass(tmp_path, correct_neuron, wrong_neuron) -> Path:
    """A class folder: one folder per student, a file named after a student, a Canvas
    download, a folder with no submission and a stray text file."""
    root = tmp_path / "class"
    for student, source in (("alice", correct_neuron), ("bob", wrong_neuron)):
        (root / student).mkdir(parents=True)
        shutil.copy(source, root / student / "neuron.py")
    (root / "carol").mkdir()
    shutil.copy(get_stage("neuron").stub, root / "carol" / "neuron.py")
    shutil.copy(correct_neuron, root / "smith_john_12345_67890_neuron.py")
    (root / "dave").mkdir()
    (root / "notes.txt").write_text("not a submission")
    return root
