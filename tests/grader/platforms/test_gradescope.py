"""The Gradescope autograder zip (``grader.platforms.gradescope``), tested for its content,
and run end to end as Gradescope runs it (setup.sh, then run_autograder), with this Python
as the image's python3 (.ci/smoke --gradescope runs it with Python 3.10 and 3.12)."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.errors import GraderError
from grader.platforms import gradescope

GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


# The `grade` script of the environment running the tests (never looked up on PATH).
GRADE = str(Path(sys.executable).parent / "grade")


def test_gradescope_zip_end_to_end(tmp_path, wrong_neuron):
    """run_autograder against a fake /autograder tree writes a valid results.json."""
    archive = gradescope.gradescope_zip("neuron", tmp_path / "autograder.zip")
    names = zipfile.ZipFile(archive).namelist()
    assert "setup.sh" in names and "run_autograder" in names
    assert any(n.endswith(".whl") for n in names)
    root = tmp_path / "autograder"
    zipfile.ZipFile(archive).extractall(root / "source")
    (root / "submission").mkdir()
    shutil.copy(wrong_neuron, root / "submission" / "my_neuron.py")
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), NEUROGRADE_GRADE=GRADE)
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True,
                   timeout=120)  # fmt: skip
    data = json.loads((root / "results" / "results.json").read_text())
    assert 0 < data["score"] < data["max_score"]
    assert isinstance(data["execution_time"], float)
    assert data["visibility"] in GRADESCOPE_VISIBILITY
    assert data["stdout_visibility"] in GRADESCOPE_VISIBILITY
    for test in data["tests"]:
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in GRADESCOPE_VISIBILITY
        assert isinstance(test["score"], float) and test["score"] <= test["max_score"]
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
    assert sum(t["score"] for t in data["tests"]) == data["score"]
    hidden = [t for t in data["tests"] if t["visibility"] == "after_due_date"
              and t["status"] == "failed"]  # fmt: skip
    assert hidden and any("Hint:" in t["output"] for t in hidden)  # the default: hints
    assert not any("neuron_output(" in t["output"] for t in hidden)  # never hidden inputs


def test_gradescope_zip_carries_the_hidden_feedback_policy(tmp_path):
    """The zip's run_autograder grades with the export's --hidden-feedback; a policy that
    does not exist is refused before anything is written."""
    archive = gradescope.gradescope_zip("neuron", tmp_path / "a.zip", hidden_feedback="none")
    script = zipfile.ZipFile(archive).read("run_autograder").decode()
    assert "--hidden-feedback none" in script
    with pytest.raises(GraderError):
        gradescope.gradescope_zip("neuron", tmp_path / "b.zip", hidden_feedback="all")
    assert not (tmp_path / "b.zip").exists()


def test_gradescope_zip_reports_unreadable_submission(tmp_path):
    """An empty submission folder still yields a results.json with score 0 and a message."""
    archive = gradescope.gradescope_zip("neuron", tmp_path / "autograder.zip")
    root = tmp_path / "autograder"
    zipfile.ZipFile(archive).extractall(root / "source")
    (root / "submission").mkdir()
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), NEUROGRADE_GRADE=GRADE)
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, timeout=120)
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["score"] == 0 and "neither" in data["output"]


# ---------------------------------------------------------------- on Gradescope's images


def fake_image(tmp_path: Path, stage: str, python: str | None) -> tuple[Path, dict]:
    """A fake /autograder tree with the exported zip unpacked in source/, and the environment
    of an image whose ``python3`` is ``python`` (first on PATH)."""
    archive = gradescope.gradescope_zip(stage, tmp_path / "autograder.zip")
    root = tmp_path / "autograder"
    zipfile.ZipFile(archive).extractall(root / "source")
    (root / "submission").mkdir()
    bin_dir = tmp_path / "image-bin"
    bin_dir.mkdir()
    if python:
        (bin_dir / "python3").symlink_to(python)
    env = {k: v for k, v in os.environ.items() if k not in ("NEUROGRADE_GRADE", "VIRTUAL_ENV")}
    env |= {"AUTOGRADER_ROOT": str(root), "PATH": f"{bin_dir}:/usr/bin:/bin"}
    return root, env


METADATA = {
    "id": 123456,
    "created_at": "2024-03-01T14:22:32.365935-07:00",
    "assignment": {"id": 25828, "title": "Stage 1: neuron"},
    "submission_method": "upload",
    "users": [{"email": "ada@example.com", "id": 1234, "name": "Ada\n Lovelace\u202e\x07"}],
    "previous_submissions": [],
}


def test_gradescope_setup_and_run_autograder_on_the_image_python(tmp_path, wrong_neuron):
    """setup.sh installs with the image's python3 and passes its self-test; run_autograder
    then grades a submission into results/results.json with the student's name, id and
    submission time from submission_metadata.json."""
    python3 = sys.executable
    root, env = fake_image(tmp_path, "neuron", python3)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                           capture_output=True, text=True, timeout=600)  # fmt: skip
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "self-test: Score 26/26" in setup.stdout and "isolation level:" in setup.stdout
    version = subprocess.run([python3, "--version"], capture_output=True, text=True).stdout
    assert version.split()[1] in setup.stdout  # the image's python3, no other
    shutil.copy(wrong_neuron, root / "submission" / "neuron.py")
    (root / "submission_metadata.json").write_text(json.dumps(METADATA))
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True,
                   timeout=300)  # fmt: skip
    data = json.loads((root / "results" / "results.json").read_text())
    assert 0 < data["score"] < data["max_score"]
    assert data["output"].startswith(
        "Submission 123456 by Ada Lovelace (id 1234) handed in 2024-03-01T14:22:32.365935-07:00."
    )
    assert data["extra_data"]["submission"]["students"] == [{"name": "Ada Lovelace", "id": "1234"}]
    assert all(t["status"] in ("passed", "failed") for t in data["tests"])


def test_gradescope_setup_stops_on_a_python_older_than_3_10(tmp_path):
    """An image whose python3 is too old stops the build with a message naming its version,
    before anything is installed (no failure hidden, no autograder that gives 0 to all)."""
    root, env = fake_image(tmp_path, "neuron", None)
    bin_dir = Path(env["PATH"].split(":")[0])
    old = bin_dir / "python3"  # a Python 3.8 as far as setup.sh can tell
    old.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Python 3.8.10" && exit 0\nexit 1\n')
    apt = bin_dir / "apt-get"  # installs nothing, successfully
    apt.write_text("#!/bin/sh\nexit 0\n")
    for script in (old, apt):
        script.chmod(0o755)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert setup.returncode != 0
    assert "neurograde setup.sh FAILED: neurograde needs Python 3.10 or newer" in setup.stderr
    assert "Python 3.8.10" in setup.stderr
    assert not (root / "venv").exists()


def test_gradescope_setup_stops_when_the_install_fails(tmp_path):
    """A wheel pip cannot install stops the build, saying which step failed."""
    root, env = fake_image(tmp_path, "neuron", sys.executable)
    (wheel,) = (root / "source").glob("*.whl")
    wheel.write_bytes(b"not a zip")
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert setup.returncode != 0
    assert f"neurograde setup.sh FAILED: pip install {wheel.name}" in setup.stderr
