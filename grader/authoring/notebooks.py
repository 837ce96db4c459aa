"""A stage's notebook, generated from its lesson text and its stub, so that it never drifts
from the stub.

- ``lesson.md`` (the stage's lesson, in Markdown). Plain text becomes markdown cells; a
  fenced block opened with three backticks and ``python`` becomes a code cell; a block
  opened with ``python exercise`` becomes a code cell for the student to fill in. These
  lines, each alone on its line, are directives:
    ``<!-- imports -->``      a code cell with the stub's import statements
    ``<!-- stub: NAME -->``   a code cell with the stub's function or class NAME, verbatim
    ``<!-- tests -->``        a code cell that runs the public tests on the notebook's names
    ``<!-- split -->``        ends the current markdown cell (to start another one)
  Every public name of the stub must be placed exactly once.
- ``<stage>.py``: the stub, read with ``ast``.

Code cells carry one tag saying what they are: ``imports`` and ``exercise`` (the cells a
student fills in: together they are the submission), ``example`` or ``tests``. Cell ids are
``<stage>-<index>``; code cells have no outputs and no execution count, so the output is
deterministic and a check compares bytes.
"""

import ast
import re
from pathlib import Path

import nbformat
from nbformat import v4

_DIRECTIVE = re.compile(r"^<!--\s*(imports|tests|split|stub:\s*(\w+))\s*-->$")
_FENCE_OPEN = re.compile(r"^```python(?:\s+(exercise))?\s*$")

TESTS_CELL = """\
# Runs the public tests (test_{stage}.py, beside this notebook) on the names defined above.
# (The grader runs a notebook's cells as a module named "{stage}": it skips this block.)
if __name__ == "__main__":
    import sys
    import types

    import pytest

    submission = types.ModuleType("{stage}")
    for name in {names}:
        setattr(submission, name, globals()[name])
    sys.modules["{stage}"] = submission  # what `from {stage} import ...` will find
    sys.modules.pop("test_{stage}", None)  # re-import the tests on every run
    exit_code = pytest.main(["-q", "-p", "no:cacheprovider", "test_{stage}.py"])
    print("All public tests pass." if exit_code == 0 else "Some public tests fail: see above.")"""


def stub_parts(stub_path):
    """The stub's import statements and its public functions and classes, as source text.

    returns: (imports, {name: source}) with names in the stub's order
    """
    source = Path(stub_path).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imports = []
    definitions = {}
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(ast.get_source_segment(source, node))
        elif isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            definitions[node.name] = ast.get_source_segment(source, node)
    return "\n".join(imports), definitions


def _code_cell(source, tag):
    return v4.new_code_cell(source=source, metadata={"tags": [tag]})


def lesson_cells(stage, lesson_text, imports, definitions):
    """The notebook's cells, in order, from the lesson text and the stub's parts."""
    cells = []
    markdown = []
    placed = []

    def flush_markdown():
        text = "\n".join(markdown).strip("\n")
        if text:
            cells.append(v4.new_markdown_cell(source=text))
        markdown.clear()

    lines = lesson_text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line.strip())
        fence = _FENCE_OPEN.match(line)
        if fence:
            flush_markdown()
            end = i + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            if end == len(lines):
                raise ValueError(f"{stage}: unclosed ```python block at line {i + 1}")
            tag = fence.group(1) or "example"
            cells.append(_code_cell("\n".join(lines[i + 1 : end]), tag))
            i = end + 1
            continue
        if directive:
            flush_markdown()
            kind, name = directive.group(1), directive.group(2)
            if kind == "imports":
                cells.append(_code_cell(imports, "imports"))
            elif kind == "tests":
                names = "[" + ", ".join(f'"{name}"' for name in definitions) + "]"
                cells.append(_code_cell(TESTS_CELL.format(stage=stage, names=names), "tests"))
            elif name is not None:
                if name not in definitions:
                    raise ValueError(f"{stage}: the lesson places {name!r}, not in the stub")
                cells.append(_code_cell(definitions[name], "exercise"))
                placed.append(name)
        else:
            markdown.append(line)
        i += 1
    flush_markdown()
    if sorted(placed) != sorted(definitions):
        raise ValueError(
            f"{stage}: the lesson must place each stub name exactly once; "
            f"stub has {sorted(definitions)}, lesson places {sorted(placed)}"
        )
    return cells


def build_notebook(stage):
    """The notebook of ``stage`` (a grader.course.Stage) as a validated NotebookNode."""
    imports, definitions = stub_parts(stage.stub)
    lesson = stage.lesson.read_text(encoding="utf-8")
    nb = v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.cells = lesson_cells(stage.name, lesson, imports, definitions)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"{stage.name}-{index:02d}"
    nbformat.validate(nb)
    return nb


def render(stage) -> str:
    """The notebook file's exact text."""
    text = nbformat.writes(build_notebook(stage))
    return text if text.endswith("\n") else text + "\n"


def is_current(stage) -> bool:
    """Whether the stage's committed notebook is byte for byte what would be generated."""
    path = stage.notebook
    return path.is_file() and path.read_bytes() == render(stage).encode("utf-8")


def write(stage) -> Path:
    """(Re)write the stage's notebook; returns its path."""
    stage.notebook.write_bytes(render(stage).encode("utf-8"))
    return stage.notebook
