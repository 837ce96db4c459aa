"""The student release (``grader.platforms.release``): its content, its wheel running
`grade check`, nothing to copy in it, and a grader with only the student's commands."""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.api import grade
from grader.course import PROJECT_ROOT, STAGES, get_stage, standalone_reference
from grader.platforms import release


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The release of every stage, with its student wheel unpacked beside it."""
    root = tmp_path_factory.mktemp("release")
    outdir = release.release(list(STAGES), root / "bundle")
    wheel = next((outdir / "tools").glob("*.whl"))
    zipfile.ZipFile(wheel).extractall(root / "wheel")
    return outdir, root / "wheel"


def stages_defined_in(path: Path) -> list[str]:
    """The stages whose names the file defines: only those can give it a point."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return [
        stage
        for stage in STAGES
        if any(re.search(rf"\b(def|class)\s+{name}\b|\b{name}\s*=", text)
               for name in get_stage(stage).functions())  # fmt: skip
    ]


def test_nothing_in_the_release_scores_more_than_the_stub(released):
    """Every .py and .ipynb of the release and of its wheel, graded with the full grader for
    each stage whose names it defines, scores no more than the untouched stub (0): no demo
    answer, no reference, no hidden suite ships."""
    outdir, wheel = released
    files = sorted(p for folder in (outdir, wheel) for p in folder.rglob("*")
                   if p.suffix in (".py", ".ipynb"))  # fmt: skip
    assert any(p.name == "neuron.ipynb" for p in files) and any(p.parent.name == "grader"
                                                               for p in files)  # fmt: skip
    graded = 0
    for path in files:
        for stage in stages_defined_in(path):
            report = grade(stage, path)
            graded += 1
            assert report.score == 0, f"{path} scores {report.score:g} on {stage}"
    assert graded >= len(STAGES) * 2  # at least each stub and each lesson notebook
    assert not list(wheel.rglob("demo")) and not list(wheel.rglob("reference"))


def test_the_student_edition_has_only_the_students_commands(released, tmp_path):
    """The unpacked student wheel's `grade` lists no instructor command, and its `grade run`
    says that the hidden tests are not included."""
    _, wheel = released
    code = "import sys; from grader.cli import main; main(sys.argv[1:])"

    def grade_cli(*args):
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, cwd=tmp_path, timeout=120,
                              env={"PYTHONPATH": str(wheel), "PATH": "/usr/bin:/bin"})  # fmt: skip

    help_text = grade_cli("--help").stdout
    assert "check" in help_text and "run" in help_text
    for command in ("batch", "export", "release", "demo"):
        assert not re.search(rf"^\s+{command}\b", help_text, re.M), help_text
    stub = wheel / "assignments" / "neuron" / "neuron.py"
    result = grade_cli("run", "neuron", str(stub))
    assert "hidden tests are not included" in result.stderr, result.stderr


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "bundle"
    archive = release.release([], out, make_zip=True)
    return out, archive


def _names_in(path: Path) -> list[str]:
    names = [str(p.relative_to(path)) for p in path.rglob("*")]
    for wheel in path.rglob("*.whl"):
        names += [f"{wheel.name}!{n}" for n in zipfile.ZipFile(wheel).namelist()]
    return names


def test_release_has_no_hidden_suite_and_no_reference(bundle):
    """Nothing of the hidden suites or the reference is in the bundle, its wheel or its zip."""
    out, archive = bundle
    names = _names_in(out) + zipfile.ZipFile(archive).namelist()
    assert not [n for n in names if "reference" in n or "_hidden" in n or "checks.py" in n]
    suite_names = {p.name for p in Path(PROJECT_ROOT, "grader", "suites").rglob("test_*.py")}
    assert not [n for n in names if Path(n.split("!")[-1]).name in suite_names]
    texts = [p.read_text(errors="replace") for p in out.rglob("*") if p.suffix in (".py", ".md")]
    assert not any("from reference" in t or "import reference" in t for t in texts)


def test_release_contents(bundle):
    """Each stage has its manifest (as docs/authoring.md promises), stub, notebook and public
    tests; the README and workflow exist."""
    out, archive = bundle
    for stage in STAGES:
        for name in ("stage.json", f"{stage}.py", f"{stage}.ipynb", f"test_{stage}.py"):
            assert (out / stage / name).is_file()
        assert json.loads((out / stage / "stage.json").read_text())["name"] == stage
    workflow = (out / ".github" / "workflows" / "neurograde.yml").read_text()
    assert all(f"grade check {s} {s} --format github" in workflow for s in STAGES)
    assert "pytest" in (out / "README.md").read_text()
    assert archive.suffix == ".zip" and archive.is_file()


def test_student_wheel_runs_grade_check(bundle, tmp_path):
    """The student wheel alone (unpacked first on the path) runs `grade check` on a stub."""
    out, _ = bundle
    target = tmp_path / "site"
    wheel = next((out / "tools").glob("*.whl"))
    zipfile.ZipFile(wheel).extractall(target)
    env = dict(os.environ, PYTHONPATH=str(target))
    stub = out / "neuron" / "neuron.py"
    code = (
        "import grader, sys; assert grader.__file__.startswith(sys.argv[1]); "
        "from grader.cli import main; main(['check', 'neuron', sys.argv[2]])"
    )
    command = [sys.executable, "-c", code, str(target), str(stub)]
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr  # the stub fails the public tests
    assert "0/5 public tests pass" in result.stdout


def test_the_release_workflow_annotates_the_students_lines(released, tmp_path):
    """The release's workflow steps, run in a scratch git repository laid out as a student's
    (one stage edited with a bug): annotations carry the path from the repository's root
    and the line of the function, and the points notice GitHub Classroom reads."""
    outdir, _ = released
    repo = tmp_path / "student-repo"
    shutil.copytree(outdir, repo, ignore=shutil.ignore_patterns("tools"))
    source = standalone_reference("neuron").replace("+ bias", "- bias")  # the bug
    (repo / "neuron" / "neuron.py").write_text(source)
    for command in (["init", "-q"], ["add", "."],
                    ["-c", "user.name=s", "-c", "user.email=s@x", "commit", "-qm", "work"]):
        subprocess.run(["git", *command], cwd=repo, check=True, capture_output=True)
    workflow = (repo / ".github" / "workflows" / "neurograde.yml").read_text()
    step = re.search(r"run: (grade check neuron .*)", workflow).group(1).split()
    summary = tmp_path / "summary.md"
    result = subprocess.run([sys.executable, "-m", "grader", *step[1:]], cwd=repo,
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "GITHUB_WORKSPACE": str(repo),
                                 "GITHUB_STEP_SUMMARY": str(summary)})  # fmt: skip
    assert result.returncode == 1  # a public test fails
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    line_of = {m.group(1): n for n, text in enumerate(source.splitlines(), start=1)
               if (m := re.match(r"def (\w+)", text))}  # fmt: skip
    assert errors and all("file=neuron/neuron.py," in e for e in errors), errors
    for error in errors:  # each on the line defining the function its test checks
        title = re.search(r"title=(\w+)", error).group(1)
        function = max((name for name in line_of if name in title), key=len)
        assert f",line={line_of[function]}," in error, error
    assert "Points " in result.stdout and summary.read_text()
