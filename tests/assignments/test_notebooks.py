"""The generated notebooks: valid, up to date with their stubs and lessons, and working.

A notebook's code cells are tagged ``imports``, ``exercise`` (what the student fills in),
``example`` or ``tests`` by grader.authoring.notebooks (tools/build_notebooks.py).
"""

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.course import STAGES, get_stage

ROOT = Path(__file__).resolve().parents[2]
# Third-party pytest plugins of the surrounding environment (hypothesis, benchmark, ...) cost
# seconds per run and play no part in the public tests.
SUBPROCESS_ENV = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
BUILD_SCRIPT = ROOT / "tools" / "build_notebooks.py"
# Text each notebook must show: the contract's known values and the seed notebook's bugs.
MUST_MENTION = {
    "neuron": ["4.8", "ValueError"],
    "layer": ["[4.8, 1.21, 3.465]"],
    "batch": ["[0.5031, -1.04185, -2.03875]", "[-2.1744, 3.21425, 1.19065]", "transpose"],
    "activations": ["axis 0", "each row", "1000", "0.25"],
    "backprop": ["0.25", "0.01", "no biases", "5000", "np.random.default_rng(seed)"],
}


def _read(stage):
    return nbformat.read(ROOT / "assignments" / stage / f"{stage}.ipynb", as_version=4)


def _code_cells(notebook, tag=None):
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and (tag is None or tag in cell.metadata.get("tags", []))
    ]


def _load_build_script():
    spec = importlib.util.spec_from_file_location("_neurograde_build_notebooks", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stub_definitions(stage):
    """{name: source} of the stub's public functions and classes, read independently."""
    path = ROOT / "assignments" / stage / f"{stage}.py"
    source = path.read_text("utf-8")
    return {
        node.name: ast.get_source_segment(source, node)
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    }


@pytest.mark.parametrize("stage", STAGES)
def test_notebook_is_valid_nbformat_4(stage):
    """The notebook exists, is nbformat 4 and passes nbformat.validate."""
    notebook = _read(stage)
    assert notebook.nbformat == 4
    nbformat.validate(notebook)


@pytest.mark.parametrize("stage", STAGES)
def test_every_code_cell_compiles(stage):
    """Every code cell is valid Python (lines starting with ! or % skipped)."""
    cells = _code_cells(_read(stage))
    assert cells, "the notebook has no code cells"
    for cell in cells:
        lines = [
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("!", "%"))
        ]
        compile("\n".join(lines), f"{stage}.ipynb:{cell.id}", "exec")


@pytest.mark.parametrize("stage", STAGES)
def test_cells_are_deterministic(stage):
    """Cell ids are <stage>-<index>, and no code cell has outputs or an execution count."""
    notebook = _read(stage)
    assert [cell.id for cell in notebook.cells] == [
        f"{stage}-{index:02d}" for index in range(len(notebook.cells))
    ]
    for cell in _code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("stage", STAGES)
def test_exercise_cells_are_the_stub_verbatim(stage):
    """Each stub function or class is exactly one exercise cell, copied verbatim; any other
    exercise cell defines nothing; the imports cell is the stub's `import numpy as np`."""
    definitions = _stub_definitions(stage)
    sources = [cell.source for cell in _code_cells(_read(stage), "exercise")]
    for name, source in definitions.items():
        assert sources.count(source) == 1, f"{name} is not exactly one cell of {stage}.ipynb"
    for source in sources:
        if source not in definitions.values():
            assert ast.parse(source).body == [], f"an extra exercise cell defines code:\n{source}"
    assert [cell.source for cell in _code_cells(_read(stage), "imports")] == ["import numpy as np"]


@pytest.mark.parametrize("stage", STAGES)
def test_notebook_teaches_the_known_values(stage):
    """The notebook shows the contract's known values and the bug this stage is about."""
    text = "\n".join(cell.source for cell in _read(stage).cells)
    for expected in MUST_MENTION.get(stage, []):
        assert expected in text, f"{stage}.ipynb does not mention {expected!r}"


def test_committed_notebooks_are_up_to_date():
    """`python tools/build_notebooks.py --check` passes: no notebook is stale."""
    completed = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--check"], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr


def test_check_detects_a_stale_notebook(tmp_path):
    """--check exits 1 and names the notebook when a committed notebook differs by one byte."""
    copy = tmp_path / "assignments"
    shutil.copytree(ROOT / "assignments", copy, ignore=shutil.ignore_patterns("__pycache__"))
    stale = copy / "layer" / "layer.ipynb"
    stale.write_bytes(stale.read_bytes().replace(b"3.465", b"3.466", 1))
    completed = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--check", "--assignments-dir", str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert str(stale) in completed.stderr
    assert _load_build_script().stale_notebooks(copy) == [stale]


def test_a_stub_function_missing_from_the_lesson_is_an_error(tmp_path):
    """A function added to a stub but not placed in the lesson stops generation: no silent
    drift."""
    copy = tmp_path / "assignments"
    shutil.copytree(ROOT / "assignments", copy, ignore=shutil.ignore_patterns("__pycache__"))
    stub = copy / "neuron" / "neuron.py"
    stub.write_text(stub.read_text("utf-8") + "\n\ndef extra(x):\n    return x\n", "utf-8")
    with pytest.raises(ValueError, match="extra"):
        _load_build_script().build_notebook("neuron", assignments_dir=copy)


def _run_notebook(stage, folder, cells, module_on_disk):
    """Run the given cells as one script in folder, beside the public tests and a <stage>.py
    taken from module_on_disk; returns the completed process."""
    shutil.copy(ROOT / "assignments" / stage / f"test_{stage}.py", folder)
    shutil.copy(module_on_disk, folder / f"{stage}.py")
    (folder / "notebook_as_script.py").write_text("\n\n".join(cells), "utf-8")
    return subprocess.run(
        [sys.executable, "notebook_as_script.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env=SUBPROCESS_ENV,
    )


@pytest.mark.parametrize("stage", STAGES)
def test_notebook_runs_with_a_correct_solution(stage, tmp_path):
    """With each exercise cell replaced by the reference's definition, every cell of the notebook
    runs top to bottom and the last cell reports that the public tests pass. The stub sits on
    disk as <stage>.py, so the pass comes from the notebook's names, not from the file."""
    cells = []
    for cell in _code_cells(_read(stage)):
        if "exercise" in cell.metadata.get("tags", []):
            names = [node.name for node in ast.parse(cell.source).body if hasattr(node, "name")]
            cells.append("\n".join(f"from _solution import {name}" for name in names))
        else:
            cells.append(cell.source)
    stub = ROOT / "assignments" / stage / f"{stage}.py"
    shutil.copy(get_stage(stage).reference, tmp_path / "_solution.py")
    completed = _run_notebook(stage, tmp_path, cells, stub)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "All public tests pass." in completed.stdout, completed.stdout


@pytest.mark.parametrize("stage", STAGES)
def test_tests_cell_reports_failures_of_the_unfilled_notebook(stage, tmp_path):
    """The tests cell run after the untouched exercise cells reports failing tests, even with
    a correct <stage>.py (the reference) on disk beside it."""
    notebook = _read(stage)
    cells = [cell.source for cell in _code_cells(notebook, "imports")]
    cells += [cell.source for cell in _code_cells(notebook, "exercise")]
    cells += [cell.source for cell in _code_cells(notebook, "tests")]
    completed = _run_notebook(stage, tmp_path, cells, get_stage(stage).reference)
    assert completed.returncode == 0, completed.stderr
    assert "Some public tests fail" in completed.stdout, completed.stdout
    assert "All public tests pass." not in completed.stdout
