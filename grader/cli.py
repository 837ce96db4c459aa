"""The ``grade`` command line: parses options, calls ``grader.api``, renders the result.

Exit codes (README's table, checked by tests/grader/test_cli_exit_codes.py): 0 when
the command did its work (a submission or a class graded, whatever the scores); 1 when
``--fail-under`` is not met, ``grade check`` finds a failing test or ``grade validate`` a
failing check; 2 for usage errors, paths that do not exist, a submission that cannot be
graded (``run``, ``check``), a batch with nothing to grade, an isolation level not
available; 130 when a batch is interrupted (what was graded is kept).

Options mean the same on every command: ``-o/--output FILE`` is a file, ``-d/--out-dir
DIR`` a folder (``-o`` and ``--outdir`` for a folder still work, hidden; ``-o`` with a
note), ``--isolation``/``--require-isolation``/``--timeout`` wherever a submission is
graded.
"""

import functools
import sys
from pathlib import Path

import click

from grader import __version__, api, batch
from grader.authoring.commands import register as register_authoring
from grader.course import STAGES
from grader.errors import GraderError
from grader.outputs.formats import FORMATS, render
from grader.outputs.inert import one_line
from grader.outputs.summary import class_table
from grader.platforms import github, gradescope, prairielearn, release

DEMO_DIR = Path(__file__).resolve().parent / "demo"


class UsageProblem(click.ClickException):
    """A one-line error with exit code 2 (bad path, bad stage, a level not available)."""

    exit_code = 2


def grader_errors_exit_2(command):
    """The one place a ``GraderError`` (a problem the user of the grader must fix) becomes
    a one-line message and exit code 2, for every command."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except GraderError as exc:
            raise UsageProblem(str(exc)) from None

    return wrapper


stage_argument = click.argument("stage", type=click.Choice(STAGES))
public_only_option = click.option("--public-only", is_flag=True, help="Run only the public tests.")
timeout_option = click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=api.Limits.timeout, show_default=True,
    help="Seconds one call into a student's code may take.",
)  # fmt: skip
jobs_option = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None,
    help="Submissions graded at once (default: the number of cores).",
)  # fmt: skip
hidden_feedback_option = click.option(
    "--hidden-feedback", type=click.Choice(api.HIDDEN_FEEDBACK),
    default=api.DEFAULT_HIDDEN_FEEDBACK, show_default=True,
    help="What students see of a failed hidden test: none (name, points, result), hints "
    "(also what it checks, the function and the hint; never its inputs or expected values) "
    "or full (the whole message).",
)  # fmt: skip
levels_choice = click.Choice(api.LEVELS)


def isolation_options(command):
    """--isolation and --require-isolation, for every command that grades."""
    command = click.option(
        "--require-isolation", type=levels_choice, default=None,
        help="Refuse to grade below this sandbox level (exit 2).",
    )(command)  # fmt: skip
    return click.option(
        "--isolation", "isolation_level", type=levels_choice, default=None,
        help="Sandbox level to use (default: the strongest available; see `grade doctor`).",
    )(command)  # fmt: skip


def out_dir_option(help_text: str, default: Path | None = None):
    """``-d/--out-dir DIR``: the folder a command writes (required when ``default`` is
    None). The older spellings keep working, hidden from --help: ``--outdir`` silently,
    ``-o`` with a note, since ``-o`` is a file (``--output``) on the other commands."""
    folder = click.Path(file_okay=False, path_type=Path)
    shown = f"  [default: {default}]" if default else "  [required]"

    def decorate(command):
        @functools.wraps(command)
        def with_out_dir(*args, out_dir, outdir_spelling, o_spelling, **kwargs):
            given = [v for v in (out_dir, outdir_spelling, o_spelling) if v is not None]
            if len(given) > 1:
                raise click.UsageError("give the output folder once, with -d/--out-dir")
            if o_spelling is not None:
                click.echo("Note: -o for a folder is deprecated: use -d/--out-dir "
                           "(-o/--output names a file).", err=True)  # fmt: skip
            if not given and default is None:
                raise click.MissingParameter(param_hint="'-d' / '--out-dir'",
                                             param_type="option")  # fmt: skip
            return command(*args, out_dir=given[0] if given else default, **kwargs)

        for names, help_line, hidden in (
            (("-o", "o_spelling"), "Deprecated: the same as -d/--out-dir.", True),
            (("--outdir", "outdir_spelling"), "The old spelling of --out-dir.", True),
            (("-d", "--out-dir", "out_dir"), help_text + shown, False),
        ):
            with_out_dir = click.option(*names, type=folder, default=None, hidden=hidden,
                                        metavar="DIR", help=help_line)(with_out_dir)  # fmt: skip
        return with_out_dir

    return decorate


def write_output(path: Path, text: str | None = None) -> None:
    """Make ``-o FILE``'s folder if needed, and write ``text`` there (when given); a file
    that cannot be written is a one-line error (exit 2), not a traceback."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is not None:
            path.write_text(text, "utf-8")
    except OSError as exc:
        raise UsageProblem(f"cannot write {one_line(str(path))}: {exc.strerror}") from None


def exit_if_not_gradable(report) -> None:
    """Exit 2 with one line when the submission could not run at all (empty, too large,
    not a notebook, a syntax error...): the report, already printed, says why once."""
    if report.status == "not_runnable":
        raise UsageProblem(f"the submission could not be graded: {one_line(report.problem)}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main():
    """neurograde: grade NumPy neural-network assignments in a sandbox.

    Students: `grade check STAGE` runs the public tests on your work.
    Instructors: `grade run STAGE PATH` grades one submission with the hidden suites.

    Exit codes: 0 done (whatever the scores), 1 a score under --fail-under or a failing
    check, 2 a usage error or a submission that cannot be graded, 130 interrupted.
    """


@main.command(name="list")
@grader_errors_exit_2
def list_stages():
    """List the stages, the functions each asks for, and the points of each function's
    tests (public and hidden; a class's methods under it)."""
    for name in STAGES:
        points = api.stage_points(name)
        click.echo(f"{name} ({points['public']:g} public + {points['hidden']:g} hidden points)")
        click.echo(f"  {'function':<26} {'public':>6} {'hidden':>6}")
        for function, split in api.function_points(name).items():
            label = function or "(public tests)"  # they check several functions at once
            if "." in function:  # a method: under its class
                label = "  ." + function.split(".", 1)[1]
            click.echo(f"  {label:<26} {split['public']:>6g} {split['hidden']:>6g}")


@main.command()
@stage_argument
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True,
    help="; ".join(f"{name}: {f.description}" for name, f in FORMATS.items()) + ".",
)  # fmt: skip
@public_only_option
@timeout_option
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="PCT",
              help="Exit 1 when the score is below this percentage.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Also write the results to this file (e.g. results.json), "
              "in --format's format (JSON when --format is text).")  # fmt: skip
@isolation_options
@hidden_feedback_option
@grader_errors_exit_2
def run(
    stage, path, fmt, public_only, timeout, fail_under, output, isolation_level, require_isolation,
    hidden_feedback,
):  # fmt: skip
    """Grade the submission at PATH for STAGE.

    PATH is STAGE.py, STAGE.ipynb, or a folder holding one of them. Student code
    runs in a sandboxed process; what it prints never reaches this command's output
    except, truncated, inside the report. Exit 0 when it was graded, whatever its score;
    2 when it cannot be graded at all (empty, too large, not a notebook, ...).
    """
    api.prepare_isolation(isolation_level, require_isolation)
    report = api.grade(
        stage,
        path,
        public_only=public_only,
        limits=api.Limits(timeout=timeout),
        isolation_level=isolation_level,
        require_isolation=require_isolation,
    )
    if not public_only and not api.has_hidden_tests(stage):
        report.notes.append("the hidden tests are not included in this edition: this score "
                            "counts the public tests only")  # fmt: skip
        click.echo(f"Note: {report.notes[-1]}.", err=True)
    report = report.for_students(hidden_feedback)
    click.echo(render(report, fmt))  # first: a file that cannot be written loses nothing
    if output:
        write_output(output, render(report, fmt if fmt != "text" else "json") + "\n")
    exit_if_not_gradable(report)
    if fail_under is not None and report.percent < fail_under:
        click.echo(f"Score {report.percent:.1f}% is under {fail_under:g}%.", err=True)
        sys.exit(1)


@main.command()
@stage_argument
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "github", "json", "junit"]), default="text",
    show_default=True,
    help="github: annotations, a job summary and the points line GitHub Classroom reads.",
)  # fmt: skip
@timeout_option
@isolation_options
@grader_errors_exit_2
def check(stage, path, fmt, timeout, isolation_level, require_isolation):
    """Run the public tests of STAGE on your work at PATH (default: the current folder).

    Exits 1 if any test fails, so it can gate a commit or a CI job, and 2 if the file
    cannot run at all. In a folder holding both STAGE.py and STAGE.ipynb (as handed out),
    the same rule as the grader's: a file still the handout's is ignored; if both were
    edited, both are checked and the better result is shown (it says which).
    """
    path = path or Path.cwd()
    api.prepare_isolation(isolation_level, require_isolation)
    report = api.grade(stage, path, public_only=True, limits=api.Limits(timeout=timeout),
                       isolation_level=isolation_level,
                       require_isolation=require_isolation)  # fmt: skip
    for note in report.notes:
        click.echo(f"Note: {one_line(note)}", err=True)
    passed = sum(t.status == "passed" for t in report.tests)
    all_pass = passed == len(report.tests) and report.tests
    if fmt == "github":
        github.check_annotations(report, click.echo)
    elif fmt != "text":
        click.echo(render(report, fmt))
    elif all_pass:
        click.echo(render(report, "text"))
        click.secho(f"All {passed} public tests pass. Hidden tests will check more.", fg="green")
    else:
        click.echo(render(report, "text"))
        click.secho(f"{passed}/{len(report.tests)} public tests pass.", fg="red")
    exit_if_not_gradable(report)
    if not all_pass:
        sys.exit(1)


@main.command()
def doctor():
    """Show which sandbox level is active here, why, and what would raise it."""
    click.echo("\n".join(api.describe_isolation()))


@main.command(name="batch")
@stage_argument
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@out_dir_option("Folder for the gradebook, results, feedback and summary.", Path("graded"))
@jobs_option
@click.option("--force", is_flag=True, help="Regrade everything, ignoring the cache.")
@public_only_option
@timeout_option
@hidden_feedback_option
@click.option(
    "--fail-under", type=click.FloatRange(0, 100), default=None, metavar="PCT",
    help="Exit 1 when any student's score in the gradebook is below this percentage (they "
    "are listed): after any late penalty; a submission that could not run, or a roster's "
    "student who handed in nothing, scores 0. The gradebook is written either way.",
)  # fmt: skip
@isolation_options
@click.option(
    "--show-hidden-messages", is_flag=True,
    help="The former name of --hidden-feedback full.",
)  # fmt: skip
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The class list (CSV: Canvas's gradebook export, Gradescope's roster, or "
              "columns id, name, email): every student gets a row, 0 and 'missing' without "
              "a submission.")  # fmt: skip
@click.option("--due", default=None, metavar="WHEN",
              help="The due date, ISO 8601 (2025-03-01T23:59, local time, or with an offset). "
              "The time handed in comes from Gradescope's metadata, else the file's time (a "
              "student's own zip: the zip's, never the times of the files in it); the "
              "gradebook's time_source column says which.")  # fmt: skip
@click.option("--late-policy", default=None, metavar="POLICY", help=batch.LATE_POLICY_HELP)
@grader_errors_exit_2
def batch_command(
    stage,
    submissions,
    out_dir,
    jobs,
    force,
    public_only,
    timeout,
    fail_under,
    isolation_level,
    require_isolation,
    hidden_feedback,
    show_hidden_messages,
    roster,
    due,
    late_policy,
):
    """Grade a whole class for STAGE.

    SUBMISSIONS are files, folders (one folder or file per student, Canvas or
    Gradescope downloads) or zips (a student's, or a whole class's). Results are cached
    by content: re-running skips unchanged submissions, and Ctrl-C keeps what was graded
    (exit 130). OUT_DIR is updated, not replaced: grading some students again (`grade
    batch STAGE class/alice -d OUT_DIR`) updates their rows; roster, due date and policy
    are kept. Exit 0 when the class was graded, whatever the scores, even with students
    whose file could not run (their rows say why).
    """
    # An isolation level that cannot be had fails once, here, not once per student.
    api.choose_isolation(isolation_level, require_isolation)
    if late_policy and not due:
        click.echo("Note: --late-policy without --due applies to Canvas's _LATE_ files only "
                   "(as one day late).", err=True)  # fmt: skip
    settings = batch.class_settings(stage, roster, due, late_policy)
    options = {
        "public_only": public_only,
        "limits": api.Limits(timeout=timeout),
        "isolation_level": isolation_level,
        "require_isolation": require_isolation,
    }
    result = batch.run_batch(
        stage, list(submissions), out_dir, jobs=jobs, force=force, options=options,
        progress=batch.terminal_progress(),
        hidden_feedback="full" if show_hidden_messages else hidden_feedback,
        settings=settings,
    )  # fmt: skip
    cached = sum(g.cached for g in result.graded)
    click.echo(
        f"{len(result.graded)} graded ({cached} from the cache) in {result.elapsed:.1f} s; "
        f"gradebook: {out_dir / 'gradebook.csv'} (Canvas: {out_dir / 'canvas_import.csv'}); "
        f"summary: {out_dir / 'summary.html'}"
    )
    if result.canvas_left_out and (roster or result.canvas_rows):
        # A teacher importing into Canvas would otherwise find these students' scores missing
        # from canvas_import.csv (or an empty file, with an id,name,email roster).
        click.echo(f"canvas_import.csv leaves out {len(result.canvas_left_out)} of "
                   f"{len(result.canvas_left_out) + result.canvas_rows} students, who have no "
                   "Canvas or SIS id (a roster exported from Canvas's gradebook gives them): "
                   f"{one_line(', '.join(result.canvas_left_out))}", err=True)  # fmt: skip
    late = [g.student for g in result.graded if g.entry is not None and g.entry.late_marker]
    if late:  # Canvas's word, never dropped: the gradebook's late column has it too
        click.echo(f"{len(late)} marked late by Canvas (_LATE_): {one_line(', '.join(late))}",
                   err=True)  # fmt: skip
    for problem in result.problems:
        # Folder and file names are the students': no control character reaches the terminal.
        click.echo(f"not graded: {one_line(problem.entry)}: {one_line(problem.reason)}", err=True)
    if result.interrupted:
        click.echo("Interrupted: what was graded is saved; run again to continue.", err=True)
        sys.exit(130)
    # The gradebook's percents: after any late penalty, a roster's missing students at 0.
    under = [row for row in result.rows if fail_under is not None
             and row.percent is not None and row.percent < fail_under]  # fmt: skip
    if under:
        names = ", ".join(f"{one_line(row.student)} ({row.percent:.0f}%)" for row in under)
        click.echo(f"{len(under)} under {fail_under:g}%: {names}", err=True)
        sys.exit(1)


@main.group(name="export")
def export_group():
    """Package the grader for a platform."""


@export_group.command(name="gradescope")
@stage_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("autograder.zip"), show_default=True, metavar="FILE",
              help="The zip to write.")  # fmt: skip
@timeout_option
@hidden_feedback_option
@grader_errors_exit_2
def export_gradescope(stage, output, timeout, hidden_feedback):
    """Build Gradescope's autograder zip for STAGE (setup.sh, run_autograder, a wheel)."""
    write_output(output)  # its folder: the zip is written next
    path = gradescope.gradescope_zip(stage, output, timeout, hidden_feedback)
    click.echo(f"wrote {path}: upload it as the assignment's autograder (zip file).")


@export_group.command(name="prairielearn")
@stage_argument
@out_dir_option("A new folder for the question, the entry point and the image.")
@click.option("--image", default=prairielearn.DEFAULT_IMAGE, show_default=True,
              help="The Docker image PrairieLearn pulls (you build and push it).")  # fmt: skip
@timeout_option
@click.option("--job-timeout", type=click.IntRange(1, 600), default=120, show_default=True,
              help="Seconds PrairieLearn gives a whole grading job.")  # fmt: skip
@hidden_feedback_option
@click.option("--show-hidden-messages", is_flag=True,
              help="The former name of --hidden-feedback full.")  # fmt: skip
@grader_errors_exit_2
def export_prairielearn(stage, out_dir, image, timeout, job_timeout, hidden_feedback,
                        show_hidden_messages):  # fmt: skip
    """Write PrairieLearn's external-grading files for STAGE: a question (info.json with
    externalGradingOptions), the entry point run.sh, and the grading image's Dockerfile."""
    policy = "full" if show_hidden_messages else hidden_feedback
    path = prairielearn.export(stage, out_dir, image, timeout, job_timeout, hidden_feedback=policy)
    click.echo(f"wrote {path}: see {path / 'README.md'} for the three steps.")


@main.command(name="release")
@click.argument("stages", nargs=-1, type=click.Choice(STAGES))
@out_dir_option("A new folder for the bundle.")
@click.option("--zip", "make_zip", is_flag=True, help="Also write DIR.zip for an LMS upload.")
@grader_errors_exit_2
def release_command(stages, out_dir, make_zip):
    """Write the student bundle for STAGES (default: all): stubs, notebooks, public tests,
    a README and a GitHub Actions workflow. It holds no hidden test and no reference."""
    path = release.release(list(stages), out_dir, make_zip)
    click.echo(f"wrote {path}")


@main.command()
@out_dir_option("Where the demo's gradebook, feedback and summary go.", Path("neurograde-demo"))
@jobs_option
@grader_errors_exit_2
def demo(out_dir, jobs):
    """Grade a small bundled class (stage `batch`) and print its gradebook.

    The class: a correct solution, a correct notebook written with loops, the
    untouched starter stub, two typical mistakes, and a hostile submission that
    forges a score, snoops for the answers and hangs in one function.
    """
    level = api.prepare_isolation()
    click.echo(f"Grading the demo class in {DEMO_DIR / 'batch'} (isolation: {level.name}) ...")
    result = batch.run_batch(
        "batch", [DEMO_DIR / "batch"], out_dir, jobs=jobs, force=True,
        options={"limits": api.Limits(timeout=3.0)},
        progress=batch.terminal_progress(),
    )  # fmt: skip
    click.echo("")
    click.echo("\n".join(class_table(result)))
    click.echo("")
    click.echo(f"Gradebook: {out_dir / 'gradebook.csv'}   Feedback: {out_dir / 'feedback'}/   "
               f"Summary: {out_dir / 'summary.html'}")  # fmt: skip


register_authoring(main)  # new-stage, validate, and the group's --course option

# The student edition (no hidden suite, no demo) keeps only the student's commands: an
# instructor command there would quietly build an autograder without hidden tests.
INSTRUCTOR_COMMANDS = ("batch", "export", "release", "demo", "new-stage", "validate")
if api.edition() == "student":
    for _name in INSTRUCTOR_COMMANDS:
        main.commands.pop(_name, None)
