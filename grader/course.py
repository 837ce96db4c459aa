"""The course's stages, where their files live, and the names each one asks for."""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS_DIR = PROJECT_ROOT / "assignments"
REFERENCE_DIR = PROJECT_ROOT / "reference"
STAGES = ("neuron", "layer", "batch", "activations", "backprop")


@dataclass(frozen=True)
class Stage:
    name: str

    @property
    def folder(self) -> Path:
        return ASSIGNMENTS_DIR / self.name

    @property
    def stub(self) -> Path:
        return self.folder / f"{self.name}.py"

    @property
    def notebook(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    @property
    def public_tests(self) -> Path:
        return self.folder / f"test_{self.name}.py"

    def functions(self) -> list[str]:
        """The public names the stage asks for (functions and classes), read from its stub."""
        tree = ast.parse(self.stub.read_text(encoding="utf-8"))
        return [
            node.name
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
        ]


def get_stage(name: str) -> Stage:
    """The stage called ``name``; KeyError lists the valid ones."""
    if name not in STAGES:
        raise KeyError(f"unknown stage {name!r}; choose one of: {', '.join(STAGES)}")
    return Stage(name)


def standalone_reference(stage: str) -> str:
    """The reference module of ``stage`` as one self-contained file, the way a student
    hands it in: each ``from reference.<module> import ...`` line is replaced by that
    module's code (backprop's use of the activations stage)."""

    def inline(match: re.Match) -> str:
        module = (REFERENCE_DIR / f"{match.group(1)}.py").read_text(encoding="utf-8")
        return module.split("import numpy as np\n", 1)[1]

    source = (REFERENCE_DIR / f"{get_stage(stage).name}.py").read_text(encoding="utf-8")
    return re.sub(r"^from reference\.(\w+) import [^\n]+\n", inline, source, flags=re.M)


def reference_for(path: Path):
    """The reference module of the stage whose suite is at ``path``."""
    import importlib

    return importlib.import_module(f"reference.{Path(path).resolve().parent.name}")
