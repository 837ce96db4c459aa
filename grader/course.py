"""The course registry: which stages exist, where each one's files are, what it asks for.

A stage is one folder holding a manifest, ``stage.json``::

    {"name": "neuron", "title": "One neuron", "order": 1,
     "names": ["neuron_output", "neuron_output_np"],
     "points": {"public": 4, "hidden": 27},                  (optional, checked by validate)
     "defines_own": {"activations": ["sigmoid"]}}            (optional)

and, by convention (a manifest's ``"files"`` may rename any of them):

    <name>.py               the stub students fill in
    <name>.ipynb            the notebook, generated from lesson.md and the stub
    lesson.md               the lesson
    test_<name>.py          the public tests
    hidden/reference.py     the reference solution (the oracle), never shipped to students
    hidden/test_*.py        the hidden suite
    hidden/probes.py        inputs that tell a mutant from the reference (grade validate)

A course is a folder of stage folders. The built-in course is ``assignments/`` of this
package; ``use_course(DIR)`` (or the environment variable ``NEUROGRADE_COURSE``) adds a
teacher's course, whose stages add to the built-in ones or replace those of the same name.
This module is the only list of stages: everything else asks it.
"""

import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS_DIR = PROJECT_ROOT / "assignments"  # the built-in course
REFERENCE_DIR = PROJECT_ROOT / "reference"  # helpers shared by the suites (gradcheck)
COURSE_ENV = "NEUROGRADE_COURSE"
MANIFEST = "stage.json"
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class CourseError(ValueError):
    """A stage folder or manifest that cannot be used (the message says what to fix)."""


@dataclass(frozen=True)
class Stage:
    """One declared stage: its manifest and the paths of its files."""

    name: str
    folder: Path
    title: str = ""
    order: float = 0
    names: tuple = ()
    points: dict | None = None
    defines_own: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    builtin: bool = True

    def _file(self, key: str, default: str) -> Path:
        return self.folder / self.files.get(key, default)

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    @property
    def stub(self) -> Path:
        return self._file("stub", f"{self.name}.py")

    @property
    def notebook(self) -> Path:
        return self._file("notebook", f"{self.name}.ipynb")

    @property
    def lesson(self) -> Path:
        return self._file("lesson", "lesson.md")

    @property
    def public_tests(self) -> Path:
        return self._file("public_tests", f"test_{self.name}.py")

    @property
    def reference(self) -> Path:
        return self._file("reference", "hidden/reference.py")

    @property
    def probes(self) -> Path:
        return self._file("probes", "hidden/probes.py")

    @property
    def hidden_tests(self) -> list[Path]:
        """The hidden suite's files (``files.hidden_tests`` or ``hidden/test_*.py``)."""
        if "hidden_tests" in self.files:
            return [self.folder / rel for rel in self.files["hidden_tests"]]
        return sorted((self.folder / "hidden").glob("test_*.py"))

    def functions(self) -> list[str]:
        """The public names the stage asks for (functions and classes)."""
        return list(self.names)

    def student_files(self) -> dict[str, Path]:
        """What students get, by its path in a student bundle's wheel: the manifest, the
        stub, the notebook and the public tests. Never the reference or a hidden test."""
        files = (self.manifest, self.stub, self.notebook, self.public_tests)
        return {f"assignments/{self.name}/{p.relative_to(self.folder).as_posix()}": p
                for p in files if p.is_file()}  # fmt: skip

    def package_files(self) -> dict[str, Path]:
        """Every file of the stage folder (caches left out), by its path in the grader's
        wheel: what a platform export ships so that the installed grader has the stage."""
        found = {}
        for path in sorted(self.folder.rglob("*")):
            rel = path.relative_to(self.folder).as_posix()
            if path.is_file() and "__pycache__" not in rel and not rel.endswith(".pyc"):
                found[f"assignments/{self.name}/{rel}"] = path
        return found

    def grading_files(self) -> list[Path]:
        """The files that decide a grade besides the submission (a cache key)."""
        return [self.manifest, self.public_tests, *self.hidden_tests, self.reference]

    def load_reference(self):
        """The reference solution as a module (trusted code: the course's own)."""
        return _load_module(self.reference, f"neurograde_reference_{self.name}")


def _load_module(path: Path, name: str):
    """Import ``path`` as a module named ``name`` (cached by path and modification time)."""
    key = (str(path), path.stat().st_mtime_ns)
    cached = _MODULES.get(key)
    if cached is not None:
        return cached
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # while it runs: dataclasses and pickling look modules up
    spec.loader.exec_module(module)
    _MODULES[key] = module
    return module


_MODULES: dict = {}


# ---------------------------------------------------------------- reading manifests


_READ: dict[tuple, Stage] = {}  # manifests read, by path, modification time and size


def read_stage(folder: Path, builtin: bool = False) -> Stage:
    """The stage declared by ``folder/stage.json``; CourseError says what is wrong.

    A manifest is read again only when it changed (the registry is consulted many times per
    command: a course of six stages read each time cost 20 ms of a one-off grading)."""
    folder = Path(folder).resolve()
    try:
        info = (folder / MANIFEST).stat()
    except OSError as exc:
        raise CourseError(f"{folder / MANIFEST}: cannot read the manifest ({exc})") from None
    key = (str(folder), info.st_mtime_ns, info.st_size, builtin)
    if key not in _READ:
        _READ[key] = _read_stage(folder, builtin)
    return _READ[key]


def _read_stage(folder: Path, builtin: bool) -> Stage:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CourseError(f"{folder / MANIFEST}: cannot read the manifest ({exc})") from None
    if not isinstance(data, dict):
        raise CourseError(f"{folder / MANIFEST}: the manifest must be a JSON object")
    name = data.get("name", folder.name)
    if not isinstance(name, str) or not name or set(name) - NAME_CHARS or name[0].isdigit():
        raise CourseError(
            f"{folder / MANIFEST}: name {name!r} must be a Python identifier in lower case "
            "(it is the module name students hand in)"
        )
    names = data.get("names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise CourseError(f"{folder / MANIFEST}: names must be a list of function/class names")
    return Stage(
        name=name,
        folder=folder,
        title=str(data.get("title", "")),
        order=float(data.get("order", 0)),
        names=tuple(names),
        points=data.get("points"),
        defines_own=dict(data.get("defines_own") or {}),
        files=dict(data.get("files") or {}),
        builtin=builtin,
    )


def read_course(folder: Path, builtin: bool = False) -> list[Stage]:
    """The stages of a course folder (each subfolder with a manifest)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseError(f"{folder}: no such course folder")
    if (folder / MANIFEST).is_file():  # a single stage's folder given as the course
        return [read_stage(folder, builtin)]
    return [read_stage(sub, builtin) for sub in sorted(folder.iterdir())
            if (sub / MANIFEST).is_file()]  # fmt: skip


# ---------------------------------------------------------------- the registry

_course: list = [None]  # the teacher's course folder set by use_course (None: the env's)


def use_course(path) -> None:
    """Add the course at ``path`` to the built-in one (None: only the environment's).

    Also sets NEUROGRADE_COURSE, so that worker processes started from here see it."""
    if path is None:
        _course[0] = None
        return
    path = Path(path).resolve()
    read_course(path)  # fails early, with a message, on a bad folder
    _course[0] = path
    os.environ[COURSE_ENV] = str(path)


def course_folder() -> Path | None:
    """The teacher's course in use, if any."""
    if _course[0] is not None:
        return _course[0]
    env = os.environ.get(COURSE_ENV)
    return Path(env) if env else None


def stages() -> list[Stage]:
    """Every stage, built-in and the teacher's (which replace built-ins of the same name),
    in their manifests' order."""
    found = {stage.name: stage for stage in read_course(ASSIGNMENTS_DIR, builtin=True)}
    extra = course_folder()
    if extra is not None:
        for stage in read_course(extra):
            found[stage.name] = stage
    return sorted(found.values(), key=lambda stage: (stage.order, stage.name))


def stage_names() -> tuple[str, ...]:
    return tuple(stage.name for stage in stages())


class _StageNames(Sequence):
    """The names of the stages, read from the registry each time it is used (so that a
    course added after import counts): ``for name in STAGES``, ``name in STAGES``."""

    def __getitem__(self, index):
        return stage_names()[index]

    def __len__(self):
        return len(stage_names())

    def __iter__(self):  # the registry read once per loop, not once per item
        return iter(stage_names())

    def __contains__(self, name):
        return name in stage_names()

    def __repr__(self):
        return repr(stage_names())


STAGES = _StageNames()


def get_stage(name: str) -> Stage:
    """The stage called ``name``; KeyError lists the valid ones."""
    for stage in stages():
        if stage.name == name:
            return stage
    raise KeyError(f"unknown stage {name!r}; choose one of: {', '.join(stage_names())}")


def stage_of(path: Path) -> Stage:
    """The registered stage whose folder holds ``path`` (a hidden suite's file)."""
    path = Path(path).resolve()
    for stage in stages():
        if stage.folder in path.parents:
            return stage
    # A stage folder not (yet) registered, e.g. one being validated: read its manifest.
    for parent in path.parents:
        if (parent / MANIFEST).is_file():
            return read_stage(parent)
    raise KeyError(f"{path} is in no stage folder")


def reference_for(path: Path):
    """The reference module of the stage whose folder holds ``path``."""
    return stage_of(path).load_reference()


def standalone_reference(stage: str) -> str:
    """The reference of ``stage`` as the student would hand it in: one self-contained file
    (a stage that needs another stage's functions defines its own, see ``defines_own``)."""
    return get_stage(stage).reference.read_text(encoding="utf-8")
