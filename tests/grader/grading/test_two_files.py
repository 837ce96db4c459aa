"""One rule for a folder holding both STAGE.py and STAGE.ipynb (students are handed both):
a file whose code is still the handout's is ignored; when both were edited, both are graded
and the better kept, saying which. ``run``, ``check``, ``batch`` and Gradescope agree."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.api import grade
from grader.batch import run_batch
from grader.course import get_stage, standalone_reference
from grader.platforms import gradescope

GRADE = str(Path(sys.executable).parent / "grade")


def notebook_of(code: str) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code)]
    return nbformat.writes(notebook)


@pytest.fixture
def handed_out(tmp_path):
    """A folder as handed out: the stub and the lesson notebook, untouched."""
    folder = tmp_path / "neuron"
    folder.mkdir()
    shutil.copy(get_stage("neuron").stub, folder / "neuron.py")
    shutil.copy(get_stage("neuron").notebook, folder / "neuron.ipynb")
    return folder


def test_the_edited_notebook_is_graded_beside_the_untouched_stub(handed_out):
    """The student worked in the notebook; the .py is still the stub: full marks, and the
    report says the stub was ignored (before: refused, or 0 on Gradescope)."""
    (handed_out / "neuron.ipynb").write_text(notebook_of(standalone_reference("neuron")))
    os.utime(handed_out / "neuron.ipynb", (1, 1))  # older: the age of a file never decides
    report = grade("neuron", handed_out)
    assert report.submission.endswith("neuron.ipynb")
    assert report.score == report.max_score
    assert report.notes == ["neuron.py ignored: its code is still the handout's"]


def test_a_handout_notebook_saved_with_outputs_still_counts_as_untouched(handed_out):
    """Opening and saving the handout notebook (metadata, outputs) is not an edit."""
    notebook = nbformat.read(handed_out / "neuron.ipynb", as_version=4)
    notebook.metadata["saved_by"] = "jupyter"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="printed\n")]
    nbformat.write(notebook, handed_out / "neuron.ipynb")
    (handed_out / "neuron.py").write_text(standalone_reference("neuron"))
    report = grade("neuron", handed_out)
    assert report.submission.endswith("neuron.py") and report.score == report.max_score
    assert report.notes == ["neuron.ipynb ignored: its code is still the handout's"]


def test_both_edited_both_graded_and_the_better_kept(handed_out):
    """Both files edited: both graded, the better kept, and the note gives both scores."""
    half = standalone_reference("neuron").replace(
        "def neuron_output_np", "def _unused_neuron_output_np"
    )
    (handed_out / "neuron.py").write_text(half)
    (handed_out / "neuron.ipynb").write_text(notebook_of(standalone_reference("neuron")))
    report = grade("neuron", handed_out)
    assert report.submission.endswith("neuron.ipynb") and report.score == report.max_score
    (note,) = report.notes
    assert note.startswith("graded both neuron.py (") and "kept neuron.ipynb" in note


def test_batch_and_gradescope_apply_the_same_rule(tmp_path, handed_out):
    """A class folder and a Gradescope submission holding both files (the .py untouched)
    are graded from the notebook, with full marks."""
    (handed_out / "neuron.ipynb").write_text(notebook_of(standalone_reference("neuron")))
    cls = tmp_path / "class"
    shutil.copytree(handed_out, cls / "alice")
    result = run_batch("neuron", [cls], tmp_path / "out", jobs=1)
    (graded,) = result.graded
    assert graded.student == "alice" and graded.report.score == graded.report.max_score
    assert not result.problems

    archive = gradescope.gradescope_zip("neuron", tmp_path / "autograder.zip")
    root = tmp_path / "autograder"
    zipfile.ZipFile(archive).extractall(root / "source")
    shutil.copytree(handed_out, root / "submission")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), NEUROGRADE_GRADE=GRADE)
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True,
                   timeout=180)  # fmt: skip
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == data["max_score"] > 0
    assert "neuron.py ignored" in data["output"]
