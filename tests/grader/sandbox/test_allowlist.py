"""The student's root file system at the levels with ``allowlist_fs``
(``grader.sandbox.allowlist``)."""

import sysconfig
from pathlib import Path

import numpy as np

from grader.course import PROJECT_ROOT
from grader.sandbox.allowlist import allowlist, jail_steps
from grader.sandbox.runtime_files import runtime_dir


def test_allowlist_keeps_numpy_and_nothing_of_the_project():
    """The student's root is made of the standard library (its package folders emptied),
    NumPy, the runtime and the system library folder: no project file, no package folder
    but NumPy's own, nothing of /etc but the loader's cache."""
    plan = allowlist(runtime_dir())
    kept = [Path(p) for p in (*plan.folders, *plan.files)]
    numpy_dir = Path(np.__file__).resolve().parent
    assert numpy_dir in kept
    project = PROJECT_ROOT.resolve()
    # (NumPy itself may sit in a virtualenv inside the project, as in CI.)
    numpy_folders = {numpy_dir, numpy_dir.parent / "numpy.libs"}
    inside = [k for k in kept if k == project or project in k.parents]
    assert set(inside) <= numpy_folders, inside
    assert not [k for k in kept if k.name in ("site-packages", "dist-packages")]
    assert [k for k in kept if Path("/etc") in k.parents] == [Path("/etc/ld.so.cache")]
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    packages = [p for p in stdlib.glob("*-packages") if p.is_dir()]
    assert all(str(p) in plan.empty for p in packages)


def test_jail_steps_mount_parents_before_children(tmp_path):
    """The mounts that build the student's root come parents first, end with the private
    work folder (sized for the submission too), and bind only allowlisted paths."""
    workdir = tmp_path / "work"
    steps = jail_steps(runtime_dir(), workdir, submission_bytes=5 * 1024 * 1024)
    depths = [len(Path(step[1]).parts) for step in steps]
    assert depths == sorted(depths)
    kinds = {step[0] for step in steps}
    assert kinds == {"tmpfs", "devices", "bind", "work"}
    work = [step for step in steps if step[0] == "work"]
    assert work == [["work", str(workdir), work[0][2]]] and "size=" in work[0][2]
    plan = allowlist(runtime_dir())
    binds = {step[1] for step in steps if step[0] == "bind"}
    assert binds == set(plan.folders) | set(plan.files)

