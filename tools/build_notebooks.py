"""Generate each stage's notebook from its lesson text and its stub.

    python tools/build_notebooks.py            # (re)write assignments/<stage>/<stage>.ipynb
    python tools/build_notebooks.py --check    # exit 1 if a committed notebook is stale

A notebook is built from two sources, so that it never drifts from the stub:

- ``tools/lessons/<stage>.md``: the lesson, in Markdown. Plain text becomes markdown
  cells; a fenced block opened with three backticks and ``python`` becomes a code cell;
  a block opened with ``python exercise`` becomes a code cell for the student to fill in. These
  lines, each alone on its line, are directives:
    ``<!-- imports -->``      a code cell with the stub's import statements
    ``<!-- stub: NAME -->``   a code cell with the stub's function or class NAME, verbatim
    ``<!-- tests -->``        a code cell that runs the public tests on the notebook's names
    ``<!-- split -->``        ends the current markdown cell (to start another one)
  Every public name of the stub must be placed exactly once.
- ``assignments/<stage>/<stage>.py``: the stub, read with ``ast``.

Code cells carry one tag saying what they are: ``imports`` and ``exercise`` (the cells a
student fills in: together they are the submission), ``example`` or ``tests``. Cell ids are
``<stage>-<index>``; code cells have no outputs and no execution count, so the output is
deterministic and ``--check`` compares bytes.
"""

import argparse
import ast
import re
import sys
from pathlib import Path

import nbformat
from nbformat import v4

STAGES = ("neuron", "layer", "batch", "activations", "backprop")
ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS_DIR = ROOT / "assignments"
LESSONS_DIR = Path(__file__).resolve().parent / "lessons"

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


def build_notebook(stage, assignments_dir=ASSIGNMENTS_DIR, lessons_dir=LESSONS_DIR):
    """The stage's notebook as a validated NotebookNode."""
    imports, definitions = stub_parts(Path(assignments_dir) / stage / f"{stage}.py")
    lesson = (Path(lessons_dir) / f"{stage}.md").read_text(encoding="utf-8")
    nb = v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.cells = lesson_cells(stage, lesson, imports, definitions)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"{stage}-{index:02d}"
    nbformat.validate(nb)
    return nb


def render(stage, assignments_dir=ASSIGNMENTS_DIR, lessons_dir=LESSONS_DIR):
    """The notebook file's exact text."""
    text = nbformat.writes(build_notebook(stage, assignments_dir, lessons_dir))
    return text if text.endswith("\n") else text + "\n"


def stale_notebooks(assignments_dir=ASSIGNMENTS_DIR, lessons_dir=LESSONS_DIR):
    """The notebook paths whose committed bytes differ from what would be generated."""
    stale = []
    for stage in STAGES:
        path = Path(assignments_dir) / stage / f"{stage}.ipynb"
        expected = render(stage, assignments_dir, lessons_dir).encode("utf-8")
        if not path.is_file() or path.read_bytes() != expected:
            stale.append(path)
    return stale


def write_notebooks(assignments_dir=ASSIGNMENTS_DIR, lessons_dir=LESSONS_DIR):
    """Write every stage's notebook; returns the paths written."""
    paths = []
    for stage in STAGES:
        path = Path(assignments_dir) / stage / f"{stage}.ipynb"
        path.write_bytes(render(stage, assignments_dir, lessons_dir).encode("utf-8"))
        paths.append(path)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a notebook differs from its sources"
    )
    parser.add_argument(
        "--assignments-dir",
        type=Path,
        default=ASSIGNMENTS_DIR,
        help="the folder holding <stage>/<stage>.py (default: the repo's assignments/)",
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_notebooks(args.assignments_dir)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print("run: python tools/build_notebooks.py", file=sys.stderr)
            return 1
        print(f"{len(STAGES)} notebooks up to date")
        return 0
    for path in write_notebooks(args.assignments_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
