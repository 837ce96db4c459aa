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


def test_output_file_in_a_new_folder_or_unwritable(wrong_neuron, tmp_path):
    """-o into a folder that does not exist yet makes it; -o where nothing can be written
    is one line and exit 2, after the report was printed (nothing lost); the same for
    export gradescope's zip."""
    target = tmp_path / "new" / "folder" / "results.json"
    done = grade_cli("run", "neuron", str(wrong_neuron), "--public-only", "-o", str(target))
    assert done.returncode == 0 and json.loads(target.read_text())["max_score"] == 5
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    done = grade_cli("run", "neuron", str(wrong_neuron), "--public-only", "--format", "json",
                     "-o", str(blocked / "results.json"))  # fmt: skip
    assert done.returncode == 2 and json.loads(done.stdout)["max_score"] == 5
    assert done.stderr.count("\n") == 1 and "cannot write" in done.stderr, done.stderr
    done = grade_cli("export", "gradescope", "neuron", "-o", str(blocked / "a.zip"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr


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


def all_params(group=main, prefix=()):
    """Every (command path, command, parameter) of the CLI, the groups' own included."""
    found = [(prefix or ("grade",), group, param) for param in group.params]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += all_params(command, (*prefix, name))
        else:
            found += [((*prefix, name), command, param) for param in command.params]
    return found


@pytest.mark.parametrize(
    "path, command, param",
    [pytest.param(*found, id=f"{' '.join(found[0])} {found[2].name}") for found in all_params()],
)
def test_every_option_and_argument_is_explained(path, command, param):
    """Every option has help text (hidden ones too: they show in error messages), and
    every argument is named in its command's help (click arguments carry no help)."""
    if isinstance(param, click.Argument):
        assert param.name.upper() in (command.help or ""), (
            f"{' '.join(path)}: {param.name.upper()} is not in the command's help"
        )
    else:
        assert (param.help or "").strip(), f"{' '.join(path)} {'/'.join(param.opts)} has no help"


def test_file_and_folder_options_are_spelled_the_same_on_every_command():
    """`-o/--output` is always a file and `-d/--out-dir` always a folder; no command shows
    another spelling for what it writes (the old ones are hidden aliases)."""
    seen = {"file": 0, "folder": 0}
    for path, _, param in all_params():
        if not isinstance(param, click.Option) or param.hidden:
            continue
        names = set(param.opts)
        if names & {"-o", "--output"}:
            assert names == {"-o", "--output"}, (path, names)
            assert not param.type.dir_okay, f"{' '.join(path)}: -o is a file"
            seen["file"] += 1
        if names & {"-d", "--out-dir", "--outdir", "--output-dir", "--dir"}:
            assert names == {"-d", "--out-dir"}, (path, names)
            assert not param.type.file_okay, f"{' '.join(path)}: -d is a folder"
            seen["folder"] += 1
    assert seen == {"file": 2, "folder": 4}, seen  # run, export gradescope; batch, demo, ...


def test_old_folder_spellings_still_work(correct_neuron, tmp_path):
    """A teacher's script from before: `batch -o DIR` still writes DIR (with a note on
    stderr that -o is now a file), `--outdir DIR` silently; two spellings at once is a
    usage error."""
    args = ["batch", "neuron", str(correct_neuron.parent), "--public-only"]
    old = grade_cli(*args, "-o", str(tmp_path / "short"))
    assert old.returncode == 0, old.stderr
    assert (tmp_path / "short" / "gradebook.csv").is_file()
    assert "-o for a folder is deprecated: use -d/--out-dir" in old.stderr
    spelled = grade_cli(*args, "--outdir", str(tmp_path / "long"))
    assert spelled.returncode == 0 and "deprecated" not in spelled.stderr, spelled.stderr
    assert (tmp_path / "long" / "gradebook.csv").is_file()
    both = grade_cli(*args, "-o", str(tmp_path / "a"), "-d", str(tmp_path / "b"))
    assert both.returncode == 2 and "give the output folder once" in both.stderr


def test_a_required_folder_is_asked_for_by_its_new_name():
    """`grade release` without a folder names the option to use: -d/--out-dir."""
    result = CliRunner().invoke(main, ["release", "neuron"])
    assert result.exit_code == 2
    assert "Missing option '-d' / '--out-dir'" in result.output


def test_a_submission_that_cannot_be_graded_exits_2_with_one_line(tmp_path):
    """An empty file: exit 2; stderr is one `Error:` line with the reason; the report on
    stdout states the reason once, not once per test; --format json still prints the
    results document (with the reason) on stdout."""
    empty = tmp_path / "activations.py"
    empty.write_text("")
    text = grade_cli("run", "activations", str(empty))
    assert text.returncode == 2
    assert text.stderr.strip().splitlines() == [
        "Error: the submission could not be graded: the file is empty"
    ]
    assert text.stdout.count("the file is empty") == 1, text.stdout
    data = grade_cli("run", "activations", str(empty), "--format", "json")
    assert data.returncode == 2
    assert json.loads(data.stdout)["problem"] == "the file is empty"


def test_check_on_a_submission_that_cannot_be_graded_exits_2(tmp_path):
    """grade check on an empty file exits 2 (it could not run), not 1 (a test failed)."""
    empty = tmp_path / "neuron.py"
    empty.write_text("")
    result = grade_cli("check", "neuron", str(empty))
    assert result.returncode == 2
    assert result.stderr.strip().endswith("could not be graded: the file is empty")


@pytest.mark.parametrize("command", ["run", "batch"])
def test_isolation_below_the_required_level_is_explained_the_right_way_round(
    command, correct_neuron, tmp_path
):
    """--isolation baseline --require-isolation root: the message says baseline was asked
    for and root is required (not that only baseline is available); exit 2, one line, and
    a batch stops before writing anything."""
    args = [command, "neuron", str(correct_neuron)]
    if command == "batch":
        args += ["-d", str(tmp_path / "out")]
    result = grade_cli(*args, "--isolation", "baseline", "--require-isolation", "root")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: isolation level 'baseline' was requested but 'root' is required: ask for "
        "'root' or a stronger level, or leave the level to the grader"
    ]
    assert not (tmp_path / "out").exists()


def test_batch_grades_at_the_isolation_level_asked_for(correct_neuron, tmp_path):
    """batch --isolation baseline reaches the workers: each result says which level it
    ran at."""
    out = tmp_path / "out"
    args = ["batch", "neuron", str(correct_neuron.parent), "--public-only", "-d", str(out)]
    result = grade_cli(*args, "--isolation", "baseline")
    assert result.returncode == 0, result.stderr
    (results,) = (out / "results").glob("*.json")
    assert json.loads(results.read_text())["isolation"] == "baseline"


def test_batch_fail_under_names_every_student_under_it(klass, tmp_path):
    """batch --fail-under exits 1 when any student is under it, names those students on
    stderr (not the others), and writes the gradebook all the same; at a lower bar, 0."""
    out = tmp_path / "out"
    args = ["batch", "neuron", str(klass), "--public-only", "-d", str(out)]
    strict = grade_cli(*args, "--fail-under", "90")
    assert strict.returncode == 1, strict.stderr
    under = strict.stderr.strip().splitlines()[-1]
    assert under.startswith("2 under 90%: ") and "bob (" in under and "carol (0%)" in under
    assert "alice" not in under and "smith_john" not in under
    assert (out / "gradebook.csv").is_file()
    assert grade_cli(*args, "--fail-under", "0").returncode == 0


def test_batch_fail_under_counts_late_penalties_and_missing_students(klass, tmp_path):
    """batch --fail-under reads the gradebook: a correct file Canvas marked _LATE_ under a
    20%/day policy is at 80%, and a roster's student who handed nothing in at 0%: both
    are under 90%; the students at 100% are not."""
    import shutil

    shutil.copy(klass / "alice" / "neuron.py", klass / "jones_LATE_23456_78901_neuron.py")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nalice,Alice\njones_23456,Jo Jones\nzed,Zed\n")
    out = tmp_path / "out"
    done = grade_cli("batch", "neuron", str(klass), "--public-only", "-d", str(out),
                     "--roster", str(roster), "--late-policy", "20%/day",
                     "--fail-under", "90")  # fmt: skip
    assert done.returncode == 1, done.stderr
    under = done.stderr.strip().splitlines()[-1]
    assert "jones_23456 (80%)" in under and "zed (0%)" in under, under
    assert "alice" not in under


SLOW_NEURON = """import time


def neuron_output(inputs, weights, bias):
    time.sleep(2)
    return sum(x * w for x, w in zip(inputs, weights)) + bias


def neuron_output_np(inputs, weights, bias):
    time.sleep(2)
    return float(sum(x * w for x, w in zip(inputs, weights)) + bias)
"""


def test_check_timeout_is_the_time_one_call_may_take(tmp_path):
    """check --timeout 0.5: a function taking 2 s times out (the default, 10 s, lets it
    finish), so the option reaches the grading."""
    path = tmp_path / "neuron.py"
    path.write_text(SLOW_NEURON)
    result = grade_cli("check", "neuron", str(path), "--timeout", "0.5", "--format", "json")
    statuses = {t["status"] for t in json.loads(result.stdout)["tests"]}
    assert result.returncode == 1 and statuses == {"timeout"}, result.stdout


def test_list_shows_the_points_of_each_function():
    """grade list prints each stage's points and, per function, its public and hidden
    points; the rows add up to the stage's points, and they are the library's
    (api.function_points)."""
    from grader import api
    from grader.course import STAGES

    output = CliRunner().invoke(main, ["list"]).output
    blocks = output.split("\n")
    for stage in STAGES:
        totals = api.stage_points(stage)
        header = f"{stage} ({totals['public']:g} public + {totals['hidden']:g} hidden points)"
        start = next(i for i, line in enumerate(blocks) if line.startswith(header))
        per_function = api.function_points(stage)
        rows = blocks[start + 2 : start + 2 + len(per_function)]
        for row, (function, split) in zip(rows, per_function.items(), strict=True):
            label = "." + function.split(".")[1] if "." in function else function
            assert row.split()[:-2] == (label or "(public tests)").split(), row
            assert row.split()[-2:] == [f"{split['public']:g}", f"{split['hidden']:g}"], row
        assert sum(s["public"] for s in per_function.values()) == totals["public"]
        assert sum(s["hidden"] for s in per_function.values()) == totals["hidden"]
        named = [f for f in per_function if f and "." not in f]
        assert named == list(get_stage(stage).functions()), named


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

