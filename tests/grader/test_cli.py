"""The `grade` command line: exit codes, output formats, help."""

import json
import os
import shutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course import get_stage


def command_paths(group=main, prefix=()) -> list[tuple[str, ...]]:
    """Every command of the CLI as the words that invoke it, found by walking the groups
    (``("export", "gradescope")``): a new command is tested without being listed here."""
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
    return paths


def grade_cli(*args):
    """Run the real console entry point in a subprocess: stdout, stderr and exit code."""
    result = subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return result


def test_the_walk_finds_every_command():
    """The walk sees the top-level commands and the export group's subcommands."""
    paths = command_paths()
    assert {("run",), ("check",), ("doctor",), ("export", "gradescope")} <= set(paths)


@pytest.mark.parametrize("command", command_paths(), ids=" ".join)
def test_every_command_has_help(command):
    """Every command explains itself with --help."""
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 3


def test_json_is_the_only_thing_on_stdout(wrong_neuron):
    """--format json prints exactly one JSON document with the results.json keys."""
    result = grade_cli("run", "neuron", str(wrong_neuron), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("score", "max_score", "execution_time", "assignment", "submission", "tests"):
        assert key in data
    assert 0 < data["score"] < data["max_score"]
    for test in data["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed", "error", "timeout")
        assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published")


def test_missing_path_exits_2_with_one_line(tmp_path):
    """A path that does not exist is a usage error: exit 2, one line, no traceback."""
    result = grade_cli("run", "neuron", str(tmp_path / "nope.py"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no such file" in result.stderr


def test_unknown_stage_exits_2(correct_neuron):
    """An unknown stage is a usage error."""
    assert grade_cli("run", "convolution", str(correct_neuron)).returncode == 2


def test_graded_submission_exits_0_whatever_its_score(wrong_neuron):
    """A low score is not an error: exit 0."""
    assert grade_cli("run", "neuron", str(wrong_neuron), "--public-only").returncode == 0


def test_fail_under(wrong_neuron, correct_neuron):
    """--fail-under exits 1 below the percentage and 0 at or above it."""
    low = grade_cli("run", "neuron", str(wrong_neuron), "--public-only", "--fail-under", "90")
    assert low.returncode == 1
    high = grade_cli("run", "neuron", str(correct_neuron), "--public-only", "--fail-under", "90")
    assert high.returncode == 0


def test_check_exit_codes(wrong_neuron, correct_neuron):
    """grade check exits 1 when a public test fails and 0 when all pass."""
    runner = CliRunner()
    assert runner.invoke(main, ["check", "neuron", str(wrong_neuron)]).exit_code == 1
    passing = runner.invoke(main, ["check", "neuron", str(correct_neuron)])
    assert passing.exit_code == 0
    assert "All 5 public tests pass" in passing.output


def test_list_shows_stages_functions_and_points():
    """grade list names every stage, its functions and its points."""
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0
    for word in ("neuron", "layer", "batch", "activations", "backprop", "softmax", "points"):
        assert word in result.output


def test_doctor_reports_a_level():
    """grade doctor says which isolation level is active and why."""
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 0
    assert "isolation level:" in result.output and "why:" in result.output


def test_output_file_written(wrong_neuron, tmp_path):
    """--output writes the results file as well as printing the report."""
    target = tmp_path / "results.json"
    result = CliRunner().invoke(
        main, ["run", "neuron", str(wrong_neuron), "--public-only", "-o", str(target)]
    )
    assert result.exit_code == 0
    assert json.loads(target.read_text())["max_score"] == 5


def test_check_in_a_folder_with_both_files_ignores_the_untouched_handout(tmp_path, correct_neuron):
    """grade check in a stage folder as handed out (neuron.py and neuron.ipynb) checks the
    edited file and says that the untouched handout notebook was ignored."""
    folder = tmp_path / "neuron"
    folder.mkdir()
    shutil.copy(get_stage("neuron").notebook, folder / "neuron.ipynb")  # the untouched stub
    shutil.copy(correct_neuron, folder / "neuron.py")
    os.utime(folder / "neuron.py", (1, 1))  # older than the notebook: age does not matter
    result = CliRunner().invoke(main, ["check", "neuron", str(folder)])
    assert result.exit_code == 0, result.output
    assert "neuron.ipynb ignored" in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["release", "neuron", "-o", "{non_empty}"],
        ["export", "prairielearn", "neuron", "-o", "{non_empty}"],
        ["run", "neuron", "{missing}"],
    ],
    ids=["release", "prairielearn", "run"],
)
def test_grader_errors_exit_2_with_one_line(command, tmp_path):
    """A problem the user must fix (a folder that is not empty, a missing file) exits 2
    with one `Error:` line, whichever command meets it."""
    non_empty = tmp_path / "full"
    non_empty.mkdir()
    (non_empty / "x").write_text("x")
    args = [a.format(non_empty=non_empty, missing=tmp_path / "nope.py") for a in command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1].startswith("Error:")


def test_cli_imports_only_the_public_api():
    """The CLI reaches the library through its public modules: the API, batch, course,
    errors, the outputs registry and the platforms' entry points (not the sandbox or the
    grading internals)."""
    import ast

    import grader.cli

    tree = ast.parse(open(grader.cli.__file__, encoding="utf-8").read())
    modules = {node.module for node in tree.body if isinstance(node, ast.ImportFrom)}
    allowed = {"grader", "grader.authoring.commands", "grader.course", "grader.errors",
               "grader.outputs.formats", "grader.outputs.inert", "grader.outputs.summary",
               "grader.platforms", "pathlib"}  # fmt: skip
    assert modules <= allowed, modules - allowed


def test_run_hidden_feedback_policy(wrong_neuron):
    """`grade run --hidden-feedback` decides what the report shows of failed hidden tests:
    hints by default (no hidden inputs), nothing under none, the whole message under full."""
    outputs = {}
    for policy in ("hints", "none", "full"):
        result = grade_cli("run", "neuron", str(wrong_neuron), "--format", "json",
                           "--hidden-feedback", policy)  # fmt: skip
        data = json.loads(result.stdout)
        outputs[policy] = [t for t in data["tests"] if t["hidden"] and t["status"] != "passed"]
    assert any(t["hint"] for t in outputs["hints"])
    assert not any("neuron_output(" in t["output"] for t in outputs["hints"])
    assert all(t["output"] == "" and t["hint"] == "" for t in outputs["none"])
    assert any("neuron_output(" in t["output"] for t in outputs["full"])

