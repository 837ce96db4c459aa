"""Default deny (issue 8, classes 1-4): the student process sees only what running it needs,
inputs are regular files read safely, classmates and outputs are invisible, and the
trusted side stays bounded whatever the submission holds.

Each test grades real hostile files from ``tests/fixtures/hostile/`` (or files made here);
SECURITY.md names the test that shows each threat stopped.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader import isolation
from grader.api import grade
from grader.batch import run_batch
from grader.course import PROJECT_ROOT, get_stage, standalone_reference
from grader.errors import StudentCrash, UnsafeFile
from grader.proxy import Session, StudentModule
from grader.sandbox import Limits
from grader.submission import read_submission

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
LEVEL = isolation.detect().name
needs_root = pytest.mark.skipif(
    LEVEL != "root", reason=f"needs the root isolation level; this machine gives {LEVEL}"
)


def write_fixture(name: str, folder: Path, **values) -> Path:
    """Fixture ``name`` as ``folder/<stage>.py``, the reference and placeholders filled in."""
    text = (HOSTILE / name).read_text()
    stage = re.search(r"stage: (\w+)", text).group(1)
    text = re.sub(r"^# @@REFERENCE@@.*$", lambda _: standalone_reference(stage), text, flags=re.M)
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", str(value))
    assert "@@" not in text, f"{name}: a placeholder was not filled in"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stage}.py"
    target.write_text(text)
    return target


def found_line(stdout: str, label: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith(label))


# ================================================================== 1. a readable machine


@pytest.fixture
def project_copies():
    """Copies of the reference where a course keeps them (/srv, /opt), world-readable, and a
    marker file in every package folder of the interpreter's standard library."""
    leak = f"LEAK-{uuid.uuid4().hex[:12]}"
    made, markers = [], []
    for base in (Path("/srv"), Path("/opt")):
        if base.is_dir() and os.access(base, os.W_OK):
            copy = base / f"neurograde-copy-{uuid.uuid4().hex[:8]}"
            shutil.copytree(PROJECT_ROOT / "reference", copy / "reference")
            (copy / leak).write_text("a course folder\n")
            for path in [copy, *copy.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            made.append(copy)
    stdlib = Path(isolation.sysconfig.get_paths()["stdlib"])
    for folder in stdlib.glob("*-packages"):
        if os.access(folder, os.W_OK):
            (folder / leak).write_text("a package folder\n")
            markers.append(folder / leak)
    yield leak, made, markers
    for copy in made:
        shutil.rmtree(copy, ignore_errors=True)
    for marker in markers:
        marker.unlink(missing_ok=True)


@needs_root
def test_no_copy_of_the_project_is_readable_anywhere(tmp_path, project_copies):
    """A submission that walks the whole file system for any copy of the project (course
    folders in /srv and /opt, package folders, this checkout) finds nothing and scores 0."""
    leak, made, markers = project_copies
    assert made, "the test could not place a project copy in /srv or /opt"
    path = write_fixture("find_project_copy.py", tmp_path / "sub", LEAK=leak)
    report = grade("neuron", path, isolation_level="root")
    assert found_line(report.stdout, "FOUND") == "FOUND []", report.stdout
    assert report.score == 0


# ================================================================== 2. links and special files


def test_a_link_to_the_reference_is_refused(tmp_path):
    """A submission that is a symbolic link (here to the reference) is refused unread."""
    link = tmp_path / "neuron.py"
    link.symlink_to(get_stage("neuron").reference)
    with pytest.raises(UnsafeFile, match="symbolic link"):
        grade("neuron", link)
    with pytest.raises(UnsafeFile, match="symbolic link"):
        grade("neuron", tmp_path)  # the folder's STAGE.py is the link


def test_devices_and_fifos_are_refused_without_blocking(tmp_path):
    """A FIFO is refused at once (opening it would wait for a writer); a link to /dev/zero
    is refused before a byte is read."""
    fifo = tmp_path / "fifo" / "neuron.py"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(UnsafeFile, match="FIFO"):
        read_submission("neuron", fifo)
    assert time.monotonic() - start < 2
    zero = tmp_path / "zero" / "neuron.py"
    zero.parent.mkdir()
    zero.symlink_to("/dev/zero")
    with pytest.raises(UnsafeFile):
        read_submission("neuron", zero.parent)


@pytest.fixture
def linked_class(tmp_path):
    """A class where only alice handed in a real file; the others are links and special
    files, and a zip holds a link too."""
    cls = tmp_path / "class"
    secret = tmp_path / "root-only.txt"
    secret.write_text("TOP-SECRET-LINE\n")
    secret.chmod(0o600)
    (cls / "alice").mkdir(parents=True)
    (cls / "alice" / "neuron.py").write_text(standalone_reference("neuron"))
    links = {"bob": "../alice/neuron.py", "carol": str(secret), "dave": "/dev/zero",
             "erin": str(PROJECT_ROOT / "reference" / "neuron.py")}  # fmt: skip
    for student, target in links.items():
        (cls / student).mkdir()
        (cls / student / "neuron.py").symlink_to(target)
    (cls / "frank").symlink_to(cls / "alice")  # a whole folder that is a link
    (cls / "gina").mkdir()
    os.mkfifo(cls / "gina" / "neuron.py")
    with zipfile.ZipFile(cls / "henry.zip", "w") as bundle:
        info = zipfile.ZipInfo("henry/neuron.py")
        info.external_attr = (0o120777 << 16)  # a symbolic link entry
        bundle.writestr(info, "../alice/neuron.py")
    return cls


def test_links_in_a_class_are_listed_not_graded(tmp_path, linked_class):
    """In a batch, links (to a classmate, a root-only file, /dev/zero, the reference), a
    linked folder, a FIFO and a link inside a zip are each listed as not graded with the
    reason; alice is graded, the gradebook is written, and nothing read through a link
    appears in any output."""
    out = tmp_path / "out"
    inputs = [linked_class, linked_class / "henry.zip"]
    result = run_batch("neuron", inputs, out, jobs=1)
    assert [g.student for g in result.graded] == ["alice"]
    problems = {p.entry: p.reason for p in result.problems}
    for student in ("bob", "carol", "dave", "erin", "frank"):
        assert any(student in entry and "symbolic link" in reason
                   for entry, reason in problems.items()), (student, problems)  # fmt: skip
    assert any("gina" in e and "FIFO" in r for e, r in problems.items()), problems
    assert any("henry" in e and "symbolic link" in r for e, r in problems.items()), problems
    assert (out / "gradebook.csv").is_file()
    for path in out.rglob("*"):
        if path.is_file():
            assert b"TOP-SECRET-LINE" not in path.read_bytes(), path


# ================================================================== 3. classmates and outputs


@needs_root
@pytest.mark.parametrize("given_as", ["folder", "files"])
def test_classmates_and_the_output_folder_are_invisible(tmp_path, given_as):
    """mallory, graded after alice and bob, cannot see their files, the class folder or the
    batch's output folder (cache and results), whether the class is given as a folder or as
    a list of files."""
    cls, out = tmp_path / "class", tmp_path / "out"
    for student in ("alice", "bob"):
        (cls / student).mkdir(parents=True)
        (cls / student / "neuron.py").write_text(standalone_reference("neuron"))
    paths = [cls / "alice" / "neuron.py", cls / "bob", cls, out, out / ".cache", out / "results",
             tmp_path]  # fmt: skip
    write_fixture("read_classmates.py", cls / "mallory", PATHS="|".join(map(str, paths)))
    inputs = [cls] if given_as == "folder" else sorted(cls.glob("*/neuron.py"))
    result = run_batch("neuron", inputs, out, jobs=1)
    reports = {g.student: g.report for g in result.graded}
    assert set(reports) == {"alice", "bob", "mallory"}
    assert found_line(reports["mallory"].stdout, "SEEN") == "SEEN []", reports["mallory"].stdout
    assert reports["mallory"].score == reports["mallory"].max_score


# ================================================================== 4. a bounded trusted side


def test_a_notebook_of_many_cells_is_refused_cheaply(tmp_path):
    """420 000 empty cells: refused as too many cells, in a fraction of what validating them
    would cost (14 s and 630 MB before), and the report says why."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [{"cell_type": "code", "source": ""}] * 420_000  # 14 MB, under the cap
    path = tmp_path / "neuron.ipynb"
    path.write_text(json.dumps(notebook, separators=(",", ":")))
    assert path.stat().st_size < 20 * 1024 * 1024
    start = time.monotonic()
    report = grade("neuron", path)
    assert time.monotonic() - start < 8
    assert report.status == "not_runnable" and "420000 cells" in report.problem
    assert report.score == 0


def test_millions_of_magic_lines_make_a_small_report(tmp_path):
    """4.5 million ``%magic`` lines are skipped, listed up to a cap: the report stays small."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(standalone_reference("neuron")),
                      nbformat.v4.new_code_cell("%a\n" * 4_500_000)]  # fmt: skip
    path = tmp_path / "neuron.ipynb"
    path.write_text(json.dumps(notebook))
    report = grade("neuron", path)
    assert len(report.to_json()) < 256 * 1024
    assert report.skipped[-1].startswith("... and ") and len(report.skipped) <= 51
    assert report.score == report.max_score


def test_one_budget_covers_loading_restarts_and_calls(tmp_path):
    """A submission that sleeps at import and crashes in every function: each crash
    restarts it, and every restart's load is charged to the same total budget."""
    path = write_fixture("slow_import_then_crash.py", tmp_path / "sub", SLEEP=1.5)
    limits = Limits(timeout=5, load_timeout=10, total_seconds=8)
    start = time.monotonic()
    report = grade("neuron", path, limits=limits)
    elapsed = time.monotonic() - start
    assert elapsed < 8 + 6, f"graded in {elapsed:.1f} s against a budget of 8 s"
    assert report.score == 0
    assert any("total time" in t.output for t in report.tests), [t.output for t in report.tests]


@needs_root
@pytest.mark.skipif(not isolation.control_groups().version,
                    reason=f"no control groups here: {isolation.control_groups().reason}")
def test_forked_children_share_one_memory_budget(tmp_path):
    """Four forked children of 200 MB each, against a 512 MiB budget: the slot's control
    group holds them together (at most two fit), where per-process limits let all four."""
    path = write_fixture("forked_memory.py", tmp_path / "sub")
    limits = Limits(timeout=30, memory_mb=512)
    session = Session(read_submission("neuron", path).load_request(), limits,
                      isolation.choose(requested="root"))  # fmt: skip
    try:
        try:
            held = StudentModule(session, "neuron").hold_memory()
        except StudentCrash:  # the OOM killer chose the parent: nothing was held either
            held = 0
    finally:
        session.close()
    assert held <= 2


@pytest.mark.parametrize("level", sorted({"uid", LEVEL} if LEVEL == "root" else {LEVEL}))
def test_clean_up_survives_a_deep_folder_chain(tmp_path, monkeypatch, request, level):
    """3000 nested folders in the work folder: grading ends with a report and clean-up
    leaves nothing behind (on disk at the uid level; in memory at the namespace levels)."""
    # A temporary folder of its own (the sandbox uid must be able to pass through it).
    scratch = Path(tempfile.mkdtemp(prefix="neurograde-test-deep-"))
    scratch.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    request.addfinalizer(lambda: shutil.rmtree(scratch, ignore_errors=True))
    path = write_fixture("deep_folder_chain.py", tmp_path / "sub")
    report = grade("neuron", path, isolation_level=level)
    assert report.score == report.max_score
    leftovers = [p.name for p in scratch.iterdir() if not p.name.startswith("neurograde-rt-")]
    assert leftovers == []


def test_doctor_lists_what_the_student_can_see():
    """``grade doctor`` names the level, the control groups, and what the student process
    can read (the allowlist at the namespace levels)."""
    result = subprocess.run([sys.executable, "-m", "grader", "doctor"], capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"isolation level: {LEVEL}" in result.stdout
    assert "control groups:" in result.stdout
    if LEVEL in ("root", "userns"):
        assert "the student process can see only:" in result.stdout
        assert str(Path(isolation.np.__file__).resolve().parent) in result.stdout
        for private in ("reference", "grader", "tests", "assignments"):
            assert f"{PROJECT_ROOT / private}" not in result.stdout
    else:
        assert "the student process can read:" in result.stdout


def test_root_is_required_when_asked(monkeypatch):
    """``--require-isolation root`` refuses to grade at the uid level (no allowlist root)."""
    monkeypatch.setattr(isolation, "_DETECTED", isolation.Level("uid", "namespaces refused", ""))
    with pytest.raises(isolation.IsolationError, match="required"):
        isolation.choose(required="root")

