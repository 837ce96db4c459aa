"""The authoring commands of ``grade``, added to the CLI by ``register(main)``:

- ``grade --course DIR <command> ...``: every command sees the stages of the teacher's
  course DIR besides the built-in ones (the environment variable NEUROGRADE_COURSE does
  the same);
- ``grade new-stage NAME --course DIR``: scaffold a working stage;
- ``grade validate [STAGE...] [--course DIR] [--mutants [--sample N]]``: the author's checks,
  and the suite's strength against mutants of the reference.

Exit codes: 0 when every check passes, 1 when one fails, 2 for usage errors.
"""

import sys
from pathlib import Path

import click

from grader import course

course_path = click.Path(exists=True, file_okay=False, path_type=Path)


class StageChoice(click.Choice):
    """A stage name, checked against the registry when the command runs (so that the stages
    of a course given with --course, after the CLI was built, are accepted)."""

    name = "stage"

    def __init__(self):
        super().__init__(())

    @property
    def choices(self):
        return course.stage_names()

    @choices.setter
    def choices(self, value):  # click.Choice.__init__ assigns it; the registry decides
        pass


def _use_course(ctx, param, value):
    if value is not None:
        try:
            course.use_course(value)
        except course.CourseError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    return value


def _stage_params(command):
    """Every parameter of ``command`` and its subcommands."""
    yield from command.params
    for sub in getattr(command, "commands", {}).values():
        yield from _stage_params(sub)


def register(main: click.Group) -> None:
    """Add --course to ``main`` and the new-stage and validate commands; stage arguments
    of the existing commands accept the course's stages too."""
    builtin = set(course.stage_names())
    for param in _stage_params(main):
        if isinstance(param.type, click.Choice) and set(param.type.choices) == builtin:
            param.type = StageChoice()
    main.params.append(
        click.Option(
            ["--course"],
            type=course_path,
            callback=_use_course,
            is_eager=True,
            expose_value=False,
            envvar=course.COURSE_ENV,
            help="A teacher's course folder: its stages add to (or replace) the built-in ones.",
        )  # fmt: skip
    )
    main.add_command(new_stage_command)
    main.add_command(validate_command)


@click.command(name="new-stage")
@click.argument("name")
@click.option("--course", "course_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="The course folder for the stage (created if new).")  # fmt: skip
def new_stage_command(name, course_dir):
    """Scaffold stage NAME in a course folder: a toy reference, stub, lesson and notebook,
    a public test and a hidden suite with a hint, ready for `grade validate`."""
    from grader.authoring.scaffold import new_stage

    course_dir.mkdir(parents=True, exist_ok=True)
    try:
        folder = new_stage(name, course_dir)
    except course.CourseError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {folder}")
    click.echo(f"next: grade validate {name} --course {course_dir} --mutants")


@click.command(name="validate")
@click.argument("stages", nargs=-1, type=StageChoice())
@click.option("--course", "course_dir", type=course_path, callback=_use_course,
              is_eager=True, help="Validate this course's stages (default: the built-in "
                                  "course, or the stages named).")  # fmt: skip
@click.option("--mutants", is_flag=True, help="Also grade mutants of each reference and "
              "report the suite's mutation score and hint coverage.")  # fmt: skip
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    default=None,
    help="Grade at most this many mutants per stage (a seeded sample: for CI).",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Mutants graded at once.")  # fmt: skip
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=None,
    help="With --mutants: fail below this mutation score (%).",
)
@click.option(
    "--min-hints",
    type=click.FloatRange(0, 100),
    default=None,
    help="With --mutants: fail below this hint coverage (%).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="With --mutants: seconds each call of a mutant's code may take while it is graded "
    "(a test's call_timeout marker still allows more); its probes may take twice that.",
)
@click.option(
    "--write-notebooks",
    is_flag=True,
    help="First regenerate each stage's notebook from its lesson and stub.",
)
def validate_command(
    stages, course_dir, mutants, sample, jobs, min_score, min_hints, timeout, write_notebooks
):
    """Check STAGES as their author (default: the course's, or the built-in ones):
    reference full marks, stub 0, notebook current, every test has a function and valid
    points, unique names, registered markers, hints that never raise; with --mutants, how
    many wrong versions of the reference the suite catches and whether it says why.
    Exit 1 when a check fails."""
    from grader.authoring import validate

    if stages:
        chosen = [course.get_stage(name) for name in stages]
    elif course_dir is not None:
        chosen = course.read_course(course_dir)
        chosen = [course.get_stage(stage.name) for stage in chosen]
    else:
        chosen = [stage for stage in course.stages() if stage.builtin]
    failed = False
    for stage in chosen:
        click.echo(f"{stage.name} ({stage.folder})")
        if write_notebooks:
            from grader.authoring import notebooks

            click.echo(f"  wrote {notebooks.write(stage)}")
        findings = validate.validate(stage)
        for finding in findings:
            click.echo(finding.line())
        failed |= not all(f.ok for f in findings)
        if mutants:
            failed |= not _mutation_report(stage, sample, jobs, min_score, min_hints, timeout)
    sys.exit(1 if failed else 0)


def _mutation_report(stage, sample, jobs, min_score, min_hints, timeout) -> bool:
    from grader.authoring import mutants

    result = mutants.run(stage, sample=sample, jobs=jobs, timeout=timeout)
    for line in result.lines():
        click.echo(f"  {line}")
    ok = True
    if min_score is not None and result.score < min_score:
        click.echo(f"  FAIL  mutation score {result.score:.1f}% < {min_score:g}%")
        ok = False
    if min_hints is not None and result.hint_coverage < min_hints:
        click.echo(f"  FAIL  hint coverage {result.hint_coverage:.1f}% < {min_hints:g}%")
        ok = False
    return ok
