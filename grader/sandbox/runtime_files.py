"""The student's private import path: a folder holding copies of ``grader/student/runtime.py``
and ``wire.py`` and a link to NumPy, and nothing else (``runtime_dir``)."""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

STUDENT_DIR = Path(__file__).resolve().parent.parent / "student"
RUNTIME_FILES = ("runtime.py", "wire.py")
_RUNTIME: list[Path] = []  # the folder runtime_dir() settled on in this process


def runtime_dir() -> Path:
    """A world-readable directory holding the child's private import path.

    Holds copies of runtime.py and wire.py and a link to NumPy, and nothing else,
    so that ``import grader`` or ``import reference`` fails in the child. Made once
    per grader version and reused (content-addressed); checked once per process.
    """
    if _RUNTIME and _RUNTIME[0].is_dir():
        return _RUNTIME[0]
    _RUNTIME[:] = [_make_runtime_dir()]
    return _RUNTIME[0]


def _make_runtime_dir() -> Path:
    digest = hashlib.sha256()
    for name in RUNTIME_FILES:
        digest.update((STUDENT_DIR / name).read_bytes())
    numpy_dir = Path(np.__file__).resolve().parent
    digest.update(str(numpy_dir).encode())
    target = Path(tempfile.gettempdir()) / f"neurograde-rt-{os.getuid()}-{digest.hexdigest()[:16]}"
    if _trusted_runtime(target):
        return target
    staging = Path(tempfile.mkdtemp(prefix="neurograde-rt-"))
    for name in RUNTIME_FILES:
        shutil.copyfile(STUDENT_DIR / name, staging / name)
    os.symlink(numpy_dir, staging / "numpy")
    libs = numpy_dir.parent / "numpy.libs"
    if libs.is_dir():
        os.symlink(libs, staging / "numpy.libs")
    staging.chmod(0o755)
    try:
        staging.rename(target)
    except OSError:  # another grader made it first, or someone else squats the name
        if _trusted_runtime(target):
            shutil.rmtree(staging, ignore_errors=True)
            return target
        return staging  # a private copy, used by this process only
    return target


def _trusted_runtime(folder: Path) -> bool:
    """Whether ``folder`` is a runtime this user made: in a shared temporary folder,
    anyone could have created it first, with their own code in it."""
    try:
        info = folder.lstat()
        if not folder.is_dir() or info.st_uid != os.getuid() or info.st_mode & 0o022:
            return False
        numpy_dir = Path(np.__file__).resolve().parent
        return os.readlink(folder / "numpy") == str(numpy_dir) and all(
            (folder / name).read_bytes() == (STUDENT_DIR / name).read_bytes()
            and (folder / name).lstat().st_uid == os.getuid()
            for name in RUNTIME_FILES
        )
    except OSError:
        return False
