"""Course authoring: the registry and a teacher's course, `grade new-stage`, `grade validate`
(strict markers, names, points, notebooks), mutation testing, and docs/authoring.md
followed literally.

Commands run in subprocesses: `--course` sets the registry's course for the whole process.
"""

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader import course
from grader.authoring import mutants, scaffold
from grader.authoring.validate import validate

ROOT = Path(__file__).resolve().parents[2]
ENV = {k: v for k, v in os.environ.items() if k != course.COURSE_ENV}


def grade_cli(*args, cwd=None, timeout=300) -> subprocess.CompletedProcess:
    """Run `grade ARGS` in a fresh process."""
    command = [sys.executable, "-m", "grader", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=ENV, cwd=cwd,
                          timeout=timeout)  # fmt: skip


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> Path:
    """A course folder holding one stage made by `grade new-stage scaling`."""
    folder = tmp_path_factory.mktemp("course")
    done = grade_cli("new-stage", "scaling", "--course", folder)
    assert done.returncode == 0, done.stderr
    return folder


def read_in(folder: Path):
    """The stage `scaling` of ``folder``, as the registry reads it."""
    return course.read_stage(folder / "scaling")


# ---------------------------------------------------------------- the registry


def test_builtin_stages_come_from_their_folders():
    """The six built-in stages are read from assignments/*/stage.json, in order; STAGES is
    a live view of the registry, not a copy."""
    assert course.stage_names() == (
        "neuron", "layer", "batch", "activations", "backprop", "classifier",
    )  # fmt: skip
    assert tuple(course.STAGES) == course.stage_names() and "layer" in course.STAGES
    stage = course.get_stage("backprop")
    assert stage.folder == ROOT / "assignments" / "backprop"
    assert stage.reference == stage.folder / "hidden" / "reference.py"
    assert stage.defines_own == {"activations": ["sigmoid", "sigmoid_derivative"]}
    assert not re.search(r"^STAGES = \(", (ROOT / "reference" / "__init__.py").read_text(), re.M)


def test_a_course_adds_and_overrides_stages(tmp_path, monkeypatch):
    """A teacher's course adds its stages (the new one after the last, `"order": 7` in its
    manifest, not 7.0); one named like a built-in replaces it."""
    scaffold.new_stage("scaling", tmp_path)
    written = (tmp_path / "scaling" / "stage.json").read_text()
    assert json.loads(written)["order"] == 7 and '"order": 7,' in written
    (tmp_path / "neuron").mkdir()
    manifest = {"name": "neuron", "order": 1, "names": ["neuron_output"]}
    (tmp_path / "neuron" / "stage.json").write_text(json.dumps(manifest))
    monkeypatch.setenv(course.COURSE_ENV, str(tmp_path))
    names = course.stage_names()
    assert names[-1] == "scaling" and names.count("neuron") == 1
    assert course.get_stage("neuron").folder == (tmp_path / "neuron").resolve()
    assert not course.get_stage("neuron").builtin


@pytest.mark.parametrize("name", ["Bad", "2fast", "with-dash", "json", "numpy"])
def test_stage_names_are_checked(name, tmp_path):
    """A stage name is a lower-case identifier that shadows no module the grader imports."""
    with pytest.raises(course.CourseError):
        scaffold.new_stage(name, tmp_path)


def test_student_files_never_hold_hidden_ones():
    """What a student bundle gets of a stage: manifest, stub, notebook, public tests only."""
    for name in course.STAGES:
        shipped = course.get_stage(name).student_files()
        assert sorted(Path(p).name for p in shipped) == sorted(
            ["stage.json", f"{name}.py", f"{name}.ipynb", f"test_{name}.py"]
        )


# ---------------------------------------------------------------- validate


def test_new_stage_passes_validate_as_generated(scaffolded):
    """Every check of `grade validate` passes on the scaffold, the mutants included: its
    hidden suite catches every mutant of its reference, each with a hint."""
    done = grade_cli("validate", "--course", scaffolded, "--mutants", "--min-score", "100",
                     "--min-hints", "100")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    assert "mutation score 100.0%" in done.stdout


def test_a_misspelt_marker_is_an_error_not_one_point(scaffolded, tmp_path):
    """`@pytest.mark.point(2)` (for points) stops the suite: grading and validate say so."""
    folder = tmp_path / "course"
    scaffold.new_stage("typo", folder)
    suite = folder / "typo" / "hidden" / "test_typo_hidden.py"
    suite.write_text(suite.read_text().replace("@pytest.mark.points(2)", "@pytest.mark.point(2)"))
    findings = {f.check: f for f in validate(course.read_stage(folder / "typo"))}
    collected = findings["tests are collected with --strict-markers"]
    assert not collected.ok and "point" in collected.detail
    submission = tmp_path / "typo.py"
    submission.write_text((folder / "typo" / "hidden" / "reference.py").read_text())
    done = grade_cli("--course", folder, "run", "typo", submission)
    assert done.returncode == 2 and "did not run" in done.stderr


def test_validate_finds_what_an_author_gets_wrong(tmp_path):
    """A stale notebook, a test without a function, invalid points, a name used by a public
    and a hidden test, and a manifest whose points or names disagree all fail validate."""
    scaffold.new_stage("oops", tmp_path)
    folder = tmp_path / "oops"
    (folder / "lesson.md").write_text((folder / "lesson.md").read_text() + "\nOne more line.\n")
    suite = folder / "hidden" / "test_oops_hidden.py"
    suite.write_text(
        suite.read_text()
        + '''

def test_something(check):
    """No function marker, and a name no function starts."""


@pytest.mark.points(0)
@pytest.mark.function("scale")
def test_scale_known_value(check):
    """Worth nothing, and named like a public test."""
'''
    )
    manifest = json.loads((folder / "stage.json").read_text())
    manifest.update(points={"public": 2, "hidden": 99}, names=["scale", "extra"])
    (folder / "stage.json").write_text(json.dumps(manifest))
    failed = {f.check for f in validate(course.read_stage(folder)) if not f.ok}
    assert failed == {
        "notebook is current",
        "every test names its function",
        "every test has valid points",
        "test names are unique across public and hidden tests",
        "points are the manifest's",
        "manifest, stub and reference define the same names",
    }


def test_builtin_course_validates():
    """Every built-in stage passes `grade validate` (without mutants)."""
    for name in course.STAGES:
        failed = [f.line() for f in validate(course.get_stage(name)) if not f.ok]
        assert not failed, f"{name}: {failed}"


# ---------------------------------------------------------------- mutants


SOURCE = '''import numpy as np


def f(x, w):
    """Docstring: 1 + 2 never mutated."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"x has shape {x.shape}, not 2-D")
    return np.sum(x @ w.T, axis=0, keepdims=True) - 1
'''


def test_mutant_operators():
    """The operators of the issue each make their mutant; docstrings and messages stay."""
    made = {m.operator: m for m in mutants.mutants(SOURCE)}
    for operator in ("transpose dropped", "axis changed", "keepdims flipped", "sum -> mean",
                     "Sub -> +", "constant changed", "validation dropped", "dtype dropped",
                     "asarray(...) dropped", "returns a list", "MatMult -> *"):  # fmt: skip
        assert operator in made, operator
    assert made["transpose dropped"].diff().endswith("np.sum(x @ w, axis=0, keepdims=True) - 1")
    assert all("Docstring" not in m.after and "not 2-D" in m.source for m in made.values())


def test_equivalence_compares_types_values_errors_and_messages():
    """A probe outcome agrees only with the same container, dtype kind, values, error type,
    and a message naming at least the reference's numbers."""
    same = mutants.same_outcome
    assert same({"value": [1.0, 2.0]}, {"value": [1.0, 2.0]})
    assert not same({"value": np.array([1.0, 2.0])}, {"value": [1.0, 2.0]})
    assert not same({"value": np.array([1.0])}, {"value": np.array([1])})
    assert same({"value": 2.0}, {"value": np.float64(2.0)})
    raised = {"raised": "ValueError", "names": ["2", "3"], "args_after": ()}
    assert same(raised, {**raised, "names": ["0", "2", "3"]})
    assert not same(raised, {**raised, "names": ["2"]})
    assert not same(raised, {**raised, "raised": "TypeError"})


def test_a_weak_suite_shows_its_survivors(tmp_path, monkeypatch):
    """Remove the scaffold's tests of the error: the dropped-validation mutant survives, and
    the report shows it as a one-line diff."""
    scaffold.new_stage("weak", tmp_path)
    suite = tmp_path / "weak" / "hidden" / "test_weak_hidden.py"
    text = suite.read_text()
    suite.write_text(text[: text.index('@pytest.mark.function("scale")\ndef test_scale_matrix')])
    public = tmp_path / "weak" / "test_weak.py"
    text = public.read_text()
    public.write_text(text[: text.index("def test_scale_rejects_a_matrix")])
    monkeypatch.setenv(course.COURSE_ENV, str(tmp_path))  # graded like any stage
    result = mutants.run(course.get_stage("weak"), jobs=2)
    assert result.score < 100
    lines = "\n".join(result.lines())
    assert "survived    line 15: if values.ndim != 1:  ->  if False:" in lines


def test_a_mutant_slower_than_the_probe_limit_differs(tmp_path):
    """A mutant whose probes outlast the limit `--timeout` sets (twice the per-call
    limit) is not equivalent; within the limit it is compared as usual."""
    scaffold.new_stage("nap", tmp_path)
    stage = course.read_stage(tmp_path / "nap")
    source = stage.reference.read_text()
    napping = "import time\n" + source.replace('"""\n', '"""\n    time.sleep(0.2)\n', 2)
    napping = napping.replace("    time.sleep(0.2)\n", "", 1)  # the module's docstring
    assert napping.count("time.sleep(0.2)") == 1
    mutant = mutants.Mutant("sleep added", 1, "", "time.sleep(0.2)", napping)
    assert mutants.equivalence(stage, [mutant], seconds=5) == ["equivalent"]
    # stopped in its first probe, whose outcome is then the interruption
    assert mutants.equivalence(stage, [mutant], seconds=0.1)[0].startswith("differs: ")


def test_builtin_stage_mutation_sample():
    """A sample of neuron's mutants: all caught, all with a hint (the full run is in the
    note; `grade validate --mutants` reproduces it)."""
    result = mutants.run(course.get_stage("neuron"), sample=12, jobs=2)
    assert result.graded and result.score == 100.0 and result.hint_coverage == 100.0


# ---------------------------------------------------------------- every command


def test_new_stage_works_with_every_command(scaffolded, tmp_path):
    """A stage made with `grade new-stage` in a course folder is listed, graded by `run` and
    `batch`, released (without its hidden files) and exported for Gradescope (with them),
    with no change to the grader."""
    stage = read_in(scaffolded)
    listed = grade_cli("--course", scaffolded, "list")
    assert "scaling (2 public + 6 hidden points)" in listed.stdout, listed.stderr
    right = tmp_path / "scaling.py"
    right.write_text(stage.reference.read_text())
    ran = grade_cli("--course", scaffolded, "run", "scaling", right, "--format", "json")
    report = json.loads(ran.stdout)
    assert report["score"] == report["max_score"] > 0
    wrong = tmp_path / "class" / "ada" / "scaling.py"
    wrong.parent.mkdir(parents=True)
    wrong.write_text(stage.reference.read_text().replace("values * factor", "values + factor"))
    batch = grade_cli("--course", scaffolded, "batch", "scaling", tmp_path / "class",
                      "-o", tmp_path / "graded", "--show-hidden-messages")  # fmt: skip
    assert batch.returncode == 0, batch.stderr
    gradebook = (tmp_path / "graded" / "gradebook.csv").read_text()
    assert "ada" in gradebook
    feedback = "".join(p.read_text() for p in (tmp_path / "graded").rglob("*") if p.is_file()
                       and p.suffix in (".md", ".txt", ".html"))  # fmt: skip
    assert "you added the factor" in feedback
    released = grade_cli("--course", scaffolded, "release", "scaling", "-o", tmp_path / "bundle")
    assert released.returncode == 0, released.stderr
    bundle = [str(p.relative_to(tmp_path / "bundle")) for p in (tmp_path / "bundle").rglob("*")]
    assert "scaling/scaling.py" in bundle and "scaling/scaling.ipynb" in bundle
    wheel = next((tmp_path / "bundle" / "tools").glob("*.whl"))
    inside = zipfile.ZipFile(wheel).namelist()
    assert "assignments/scaling/test_scaling.py" in inside
    assert not [n for n in bundle + inside if "hidden" in n or "reference" in n]
    exported = grade_cli("--course", scaffolded, "export", "gradescope", "scaling",
                         "-o", tmp_path / "autograder.zip")  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(tmp_path / "autograder.zip") as bundle_zip:
        wheel_name = next(n for n in bundle_zip.namelist() if n.endswith(".whl"))
        bundle_zip.extract(wheel_name, tmp_path)
    inside = zipfile.ZipFile(tmp_path / wheel_name).namelist()
    assert "assignments/scaling/hidden/test_scaling_hidden.py" in inside
    assert "assignments/scaling/stage.json" in inside


# ---------------------------------------------------------------- the guide


def test_authoring_guide_followed_literally_builds_a_valid_stage(tmp_path):
    """docs/authoring.md, followed as written: its first commands make the stage, each
    `File ...:` block is written where it says, and `grade validate` passes."""
    guide = (ROOT / "docs" / "authoring.md").read_text()
    first_commands = re.search(r"```bash\n(.*?)```", guide, re.S).group(1).splitlines()
    files = re.findall(r"File\s+`([^`]+)`:\s*\n\s*```\w+\n(.*?)```", guide, re.S)
    assert {path for path, _ in files} >= {
        "my-course/scaling/stage.json",
        "my-course/scaling/hidden/test_scaling_hidden.py",
        "my-course/scaling/hidden/probes.py",
    }
    new_stage = [c for c in first_commands if c.startswith("grade new-stage")]
    assert new_stage == ["grade new-stage scaling --course my-course"]
    assert grade_cli(*new_stage[0].split()[1:], cwd=tmp_path).returncode == 0
    for path, text in files:
        (tmp_path / path).write_text(text, encoding="utf-8")
    validate_command = next(c for c in first_commands if c.startswith("grade validate"))
    done = grade_cli(*validate_command.split()[1:], cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout and "points are the manifest's" in done.stdout
