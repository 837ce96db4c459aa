"""The ``grade`` command line: parses options, calls ``grader.api``, renders the result.

Exit codes: 0 when a submission was graded (whatever its score), 1 when
``--fail-under`` is not met or ``grade check`` finds a failing test, 2 for usage
errors and paths that do not exist or cannot be graded.
"""

import json
import sys
from pathlib import Path

import click

from grader import __version__, api, batch, export, formats, inert, isolation, prairielearn
from grader.course import STAGES, get_stage
from grader.errors import GraderError
from grader.report import render_text
from grader.sandbox import Limits, runtime_dir


class UsageProblem(click.ClickException):
    """A one-line error with exit code 2 (bad path, bad stage)."""

    exit_code = 2


def _grade(stage, path, **options):
    try:
        return api.grade(stage, path, **options)
    except GraderError as exc:
        raise UsageProblem(str(exc)) from None


stage_argument = click.argument("stage", type=click.Choice(STAGES))
public_only_option = click.option("--public-only", is_flag=True, help="Run only the public tests.")
timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=Limits.timeout,
    show_default=True,
    help="Seconds one call into a student's code may take.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main():
    """neurograde: grade NumPy neural-network assignments in a sandbox.

    Students: `grade check STAGE` runs the public tests on your work.
    Instructors: `grade run STAGE PATH` grades one submission with the hidden suites.
    """


@main.command(name="list")
def list_stages():
    """List the stages, the functions each asks for, and their points."""
    for name in STAGES:
        stage = get_stage(name)
        points = api.stage_points(name)
        click.echo(f"{name} ({points['public']:g} public + {points['hidden']:g} hidden points)")
        for function in stage.functions():
            click.echo(f"  {function}")


@main.command()
@stage_argument
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "gradescope", "junit", "prairielearn"]),
    default="text",
    show_default=True,
    help="text for people; json: one results document (a superset of Gradescope's); "
    "gradescope: strictly Gradescope's results.json; junit: JUnit "
    "XML for CI; prairielearn: PrairieLearn's results.json (score as a fraction).",
)
@public_only_option
@timeout_option
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    help="Exit 1 when the score is below this percentage.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the results to this file (e.g. results.json), in --format's format "
    "(JSON when --format is text).",
)
@click.option(
    "--isolation",
    type=click.Choice(isolation.LEVELS),
    default=None,
    help="Sandbox level to use (default: the strongest available; see `grade doctor`).",
)
@click.option(
    "--require-isolation",
    type=click.Choice(isolation.LEVELS),
    default=None,
    help="Refuse to grade below this sandbox level.",
)
def run(stage, path, fmt, public_only, timeout, fail_under, output, isolation, require_isolation):
    """Grade the submission at PATH for STAGE.

    PATH is STAGE.py, STAGE.ipynb, or a folder holding one of them. Student code
    runs in a sandboxed process; what it prints never reaches this command's output
    except, truncated, inside the report.
    """
    report = _grade(
        stage,
        path,
        public_only=public_only,
        limits=Limits(timeout=timeout),
        isolation_level=isolation,
        require_isolation=require_isolation,
    )
    if output:
        output.write_text(render(report, fmt if fmt != "text" else "json") + "\n", "utf-8")
    click.echo(render(report, fmt))
    if fail_under is not None and report.percent < fail_under:
        click.echo(f"Score {report.percent:.1f}% is under {fail_under:g}%.", err=True)
        sys.exit(1)


def render(report, fmt: str) -> str:
    if fmt == "json":
        return report.to_json()
    if fmt == "gradescope":
        return json.dumps(report.to_gradescope(), indent=2)
    if fmt == "junit":
        return formats.to_junit(report)
    if fmt == "prairielearn":
        return json.dumps(formats.to_prairielearn(report), indent=2)
    return render_text(report)


@main.command()
@stage_argument
@click.argument("path", type=click.Path(path_type=Path), required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json", "junit"]),
    default="text",
    show_default=True,
    help="github: annotations, a job summary and the points line GitHub Classroom reads.",
)
def check(stage, path, fmt):
    """Run the public tests of STAGE on your work (default: the current folder).

    Exits 1 if any test fails, so it can gate a commit or a CI job. In a folder
    holding both STAGE.py and STAGE.ipynb (as handed out), the one saved last is checked.
    """
    path = path or Path.cwd()
    both = [path / f"{stage}.{ext}" for ext in ("py", "ipynb")] if path.is_dir() else []
    if both and all(p.is_file() for p in both):
        path = max(both, key=lambda p: p.stat().st_mtime)
        click.echo(f"Checking {path.name}, the one of {stage}.py and {stage}.ipynb saved last.",
                   err=True)  # fmt: skip
    report = _grade(stage, path, public_only=True)
    passed = sum(t.status == "passed" for t in report.tests)
    all_pass = passed == len(report.tests) and report.tests
    if fmt == "github":
        formats.write_github(report, Path(report.submission).name, click.echo)
    elif fmt != "text":
        click.echo(render(report, fmt))
    else:
        click.echo(render_text(report))
        if all_pass:
            click.secho(
                f"All {passed} public tests pass. Hidden tests will check more.", fg="green"
            )
        else:
            click.secho(f"{passed}/{len(report.tests)} public tests pass.", fg="red")
    if not all_pass:
        sys.exit(1)


@main.command()
def doctor():
    """Show which sandbox level is active here, why, and what would raise it."""
    level = isolation.detect()
    click.echo(f"isolation level: {level.name}")
    click.echo(f"  why: {level.reason}")
    guarantees = {
        "baseline": "separate process, resource limits, private work directory and import "
        "path, leftover processes killed; the submission can still read world-readable "
        "files and use the network",
        "userns": "the baseline, plus no network, its own PID namespace, and a new root "
        "file system holding only what running the student needs (listed below)",
        "uid": "the baseline, plus an unprivileged uid per concurrent slot with a "
        "process-count limit; files readable by everyone and the network stay reachable",
        "root": "the userns level, plus an unprivileged uid per concurrent slot with a "
        "process-count limit",
    }
    click.echo(f"  guarantees: {guarantees[level.name]}")
    if level.upgrade:
        click.echo(f"  to raise it: {level.upgrade}")
    groups = isolation.control_groups()
    click.echo(f"control groups: {groups.version or 'none'}")
    click.echo(f"  why: {groups.reason}")
    if groups.version:
        click.echo("  each slot's processes share one memory limit and one process limit")
    else:
        click.echo("  memory and process limits hold per process only (rlimits); a submission "
                   "that forks can use a multiple of them")  # fmt: skip
    if level.name in ("root", "userns"):
        click.echo("the student process can see only:")
        for line in isolation.allowlist(runtime_dir()).lines():
            click.echo(f"  {line}")
    else:
        click.echo(f"the student process can read: {isolation.readable_outside(level.name)}")
        click.echo("  use --require-isolation root (or userns) to refuse grading here")
    click.echo(f"python: {sys.executable}")
    click.echo(f"runtime: {runtime_dir()}")


@main.command(name="batch")
@stage_argument
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("graded"),
    show_default=True,
    help="Folder for the gradebook, results, feedback and summary.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once (default: the number of cores).")  # fmt: skip
@click.option("--force", is_flag=True, help="Regrade everything, ignoring the cache.")
@public_only_option
@timeout_option
@click.option(
    "--show-hidden-messages",
    is_flag=True,
    help="Include hidden tests' messages in the feedback (default: name and result).",
)
def batch_command(
    stage, submissions, outdir, jobs, force, public_only, timeout, show_hidden_messages
):
    """Grade a whole class for STAGE.

    SUBMISSIONS are files, folders (one folder or file per student, Canvas or
    Gradescope downloads) or zips. Results are cached by content: re-running skips
    unchanged submissions, and Ctrl-C keeps what was graded.
    """
    try:
        result = batch.run_batch(
            stage, list(submissions), outdir, jobs=jobs, force=force,
            options={"public_only": public_only, "limits": Limits(timeout=timeout)},
            progress=batch.terminal_progress(),
            show_hidden_messages=show_hidden_messages,
        )  # fmt: skip
    except GraderError as exc:
        raise UsageProblem(str(exc)) from None
    cached = sum(g.cached for g in result.graded)
    click.echo(
        f"{len(result.graded)} graded ({cached} from the cache) in {result.elapsed:.1f} s; "
        f"gradebook: {outdir / 'gradebook.csv'}; summary: {outdir / 'summary.html'}"
    )
    for problem in result.problems:
        # Folder and file names are the students': no control character reaches the terminal.
        click.echo(f"not graded: {inert.one_line(problem.entry)}: {inert.one_line(problem.reason)}",
                   err=True)  # fmt: skip
    if result.interrupted:
        click.echo("Interrupted: what was graded is saved; run again to continue.", err=True)
        sys.exit(130)


@main.group(name="export")
def export_group():
    """Package the grader for a platform."""


@export_group.command(name="gradescope")
@stage_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("autograder.zip"), show_default=True)  # fmt: skip
@timeout_option
def export_gradescope(stage, output, timeout):
    """Build Gradescope's autograder zip for STAGE (setup.sh, run_autograder, a wheel)."""
    try:
        path = export.gradescope_zip(stage, output, timeout)
    except GraderError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {path}: upload it as the assignment's autograder (zip file).")


@export_group.command(name="prairielearn")
@stage_argument
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A new folder for the question, the entry point and the image.")  # fmt: skip
@click.option("--image", default=prairielearn.DEFAULT_IMAGE, show_default=True,
              help="The Docker image PrairieLearn pulls (you build and push it).")  # fmt: skip
@timeout_option
@click.option("--job-timeout", type=click.IntRange(1, 600), default=120, show_default=True,
              help="Seconds PrairieLearn gives a whole grading job.")  # fmt: skip
@click.option("--show-hidden-messages", is_flag=True,
              help="Show students hidden tests' messages (default: name and result).")  # fmt: skip
def export_prairielearn(stage, outdir, image, timeout, job_timeout, show_hidden_messages):
    """Write PrairieLearn's external-grading files for STAGE: a question (info.json with
    externalGradingOptions), the entry point run.sh, and the grading image's Dockerfile."""
    try:
        path = prairielearn.export(stage, outdir, image, timeout, job_timeout,
                                   show_hidden_messages)  # fmt: skip
    except GraderError as exc:
        raise UsageProblem(str(exc)) from None
    click.echo(f"wrote {path}: see {path / 'README.md'} for the three steps.")


@main.command()
@click.argument("stages", nargs=-1, type=click.Choice(STAGES))
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A new folder for the bundle.")  # fmt: skip
@click.option("--zip", "make_zip", is_flag=True, help="Also write OUTDIR.zip for an LMS upload.")
def release(stages, outdir, make_zip):
    """Write the student bundle for STAGES (default: all): stubs, notebooks, public tests,
    a README and a GitHub Actions workflow. It holds no hidden test and no reference."""
    try:
        path = export.release(list(stages), outdir, make_zip)
    except GraderError as exc:
        raise UsageProblem(str(exc)) from None
    click.echo(f"wrote {path}")


DEMO_DIR = Path(__file__).resolve().parent / "demo"


@main.command()
@click.option(
    "-o",
    "--outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("neurograde-demo"),
    show_default=True,
    help="Where the demo's gradebook, feedback and summary go.",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once (default: the number of cores).")  # fmt: skip
def demo(outdir, jobs):
    """Grade a small bundled class (stage `batch`) and print its gradebook.

    The class: a correct solution, a correct notebook written with loops, the
    untouched starter stub, two typical mistakes, and a hostile submission that
    forges a score, snoops for the answers and hangs in one function.
    """
    click.echo(f"Grading the demo class in {DEMO_DIR / 'batch'} (isolation: "
               f"{isolation.detect().name}) ...")  # fmt: skip
    result = batch.run_batch(
        "batch", [DEMO_DIR / "batch"], outdir, jobs=jobs, force=True,
        options={"limits": Limits(timeout=3.0)},
        progress=batch.terminal_progress(),
    )  # fmt: skip
    click.echo("")
    click.echo(f"{'student':<8} {'score':>9} {'%':>5}  first problem")
    for item in result.graded:
        report = item.report
        failing = [t for t in report.tests if t.status != "passed"]
        # The most telling failure: the first with a hint, else the first.
        first = next((t for t in failing if "Hint:" in t.output), failing[0] if failing else None)
        problem = "" if first is None else f"{first.status}: {first.name}"
        if first is not None and first.output:
            lines = first.output.strip().splitlines()
            hint = next((line for line in lines if "Hint:" in line), lines[-1])
            problem += " - " + hint.strip()[:90]
        score = f"{report.score:g}/{report.max_score:g}"
        click.echo(f"{item.student:<8} {score:>9} {report.percent:>4.0f}%  {problem}")
    click.echo("")
    click.echo(f"Gradebook: {outdir / 'gradebook.csv'}   Feedback: {outdir / 'feedback'}/   "
               f"Summary: {outdir / 'summary.html'}")  # fmt: skip


from grader.authoring.commands import register  # noqa: E402 (authoring commands, --course)

register(main)
