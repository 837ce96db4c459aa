"""The wheel a teacher installs: built with the standard backend (``pip wheel .``, setuptools
from PyPI), it holds every file the grader opens at run time.

An editable install reads the checkout, so only a built wheel shows a data file left out of
the package data (``grader/suites/pytest.ini`` once was: every ``grade run`` exited 2).
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import api, cli
from grader.course import PROJECT_ROOT, REFERENCE_DIR, STAGES, get_stage
from grader.grading.runner import SUITES_DIR
from grader.sandbox.runtime_files import RUNTIME_FILES, STUDENT_DIR

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("grader", "reference", "assignments")  # the folders the wheel installs


def _source_copy(target: Path) -> Path:
    """The project's packaging inputs, copied without caches or old build output (a stale
    ``build/`` in the checkout could put files into the wheel that the sources no longer have)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory) -> Path:
    """A wheel built by ``pip wheel . --no-deps`` from the sources."""
    scratch = tmp_path_factory.mktemp("wheel")
    source = _source_copy(scratch / "src")
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
               "--quiet", "--progress-bar", "off", "-w", str(scratch / "dist")]  # fmt: skip
    built = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (scratch / "dist").glob("neurograde-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel_names(built_wheel) -> set[str]:
    return set(zipfile.ZipFile(built_wheel).namelist())


def runtime_files() -> list[str]:
    """Every file the grader opens at run time, named through the code that opens it, as a
    path inside the wheel."""
    files = [SUITES_DIR / "pytest.ini", SUITES_DIR / "checks.py"]
    for name in STAGES:
        stage = get_stage(name)
        # the stub (whose names `grade list` reads), the notebook and the public tests
        # (`grade release`, `grade check`) and the hidden suites (`grade run`)
        files += [stage.stub, stage.notebook, stage.public_tests, *api.suite_files(name)]
    files += [STUDENT_DIR / name for name in RUNTIME_FILES]  # the child's code
    files += [p for p in cli.DEMO_DIR.rglob("*") if p.is_file() and p.suffix in (".py", ".ipynb")]
    files += [get_stage(name).reference for name in STAGES]  # the suites' oracle
    files += [get_stage(name).manifest for name in STAGES]  # what the registry reads
    files += sorted(REFERENCE_DIR.glob("*.py"))
    return sorted({p.relative_to(PROJECT_ROOT).as_posix() for p in files})


def test_runtime_files_are_listed_from_the_sources():
    """The list is not empty or partial: it names the suites' pytest.ini, each stage's files,
    the student runtime, both kinds of demo submission and the reference, and they exist."""
    files = runtime_files()
    assert "grader/suites/pytest.ini" in files
    assert "grader/student/runtime.py" in files and "grader/demo/batch/ben/batch.ipynb" in files
    assert all(f"assignments/{s}/{s}.ipynb" in files for s in STAGES)
    assert all(f"assignments/{s}/hidden/test_{s}_hidden.py" in files for s in STAGES)
    assert all((PROJECT_ROOT / name).is_file() for name in files)


def test_wheel_holds_every_file_the_grader_opens(wheel_names):
    """Each file the grader opens at run time is in the built wheel."""
    missing = [name for name in runtime_files() if name not in wheel_names]
    assert not missing, f"left out of the wheel: {missing}"


def test_wheel_holds_every_source_file_of_its_packages(wheel_names):
    """No file of grader/, reference/ or assignments/ is left behind, whatever its suffix:
    a data file added later (a template, a config) fails here until pyproject ships it."""
    sources = [
        path.relative_to(ROOT).as_posix()
        for name in PACKAGES
        for path in (ROOT / name).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]
    missing = [name for name in sources if name not in wheel_names]
    assert not missing, f"left out of the wheel: {missing}"


def test_wheel_holds_no_project_tests_or_tools(wheel_names):
    """The project's own tests, fixtures (hostile submissions) and tools stay out."""
    assert not [n for n in wheel_names if n.split("/")[0] in ("tests", "tools", "benchmarks")]


def test_wheel_metadata_says_python_3_10_and_no_unused_dependency(built_wheel):
    """The wheel installs on Python 3.10 (Gradescope's Ubuntu 22.04 image), and pulls in
    only what the grader imports."""
    with zipfile.ZipFile(built_wheel) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = wheel.read(name).decode()
    assert "Requires-Python: >=3.10" in metadata.splitlines()
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines()
                if line.startswith("Requires-Dist:") and "extra ==" not in line]  # fmt: skip
    assert sorted(r.split(">")[0] for r in requires) == ["click", "nbformat", "numpy", "pytest"]
