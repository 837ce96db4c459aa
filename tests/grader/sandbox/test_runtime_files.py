"""The student's private import path (``grader.sandbox.runtime_files``)."""

import shutil
import tempfile

from grader.sandbox import runtime_files
from grader.sandbox.runtime_files import runtime_dir


def test_a_squatted_runtime_folder_is_not_used(tmp_path, monkeypatch):
    """Someone else's folder under the runtime's name (the temporary folder is shared) is
    never used: the grader makes a private copy instead of running code it did not write."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(runtime_files, "_RUNTIME", [])  # forget this process's choice
    honest = runtime_dir()
    assert honest.parent == tmp_path
    shutil.rmtree(honest)
    honest.mkdir()
    (honest / "runtime.py").write_text("raise SystemExit('squatter')\n")
    (honest / "wire.py").write_text("")
    runtime_files._RUNTIME.clear()
    chosen = runtime_dir()
    assert chosen != honest
    assert (chosen / "runtime.py").read_bytes() != b"raise SystemExit('squatter')\n"
