"""Every hint is data: a failing test's hint travels in ``TestResult.hint`` (from
``checks.mismatch``), never only as ``Hint:`` text inside its message.

Under the default hidden-feedback policy (``hints``) a student sees a hidden test's hint
field and not its message: a hint typed into the text of a hand-built ``Mismatch`` is
silently lost there. Two guards, for every stage of the course (a stage added later is
covered as it arrives):

- the misconception fixtures of ``tests/fixtures/submissions/<stage>/`` (``wrong_*``),
  graded once each through ``grade batch``'s API, two at a time: no failing test's
  output holds ``Hint:`` while its ``hint`` field is empty;
- the source of every hidden suite holds no string with ``Hint:`` (a site that no fixture
  reaches): ``mismatch(text, hint)`` writes it.
"""

from pathlib import Path

import pytest

from grader.batch import run_batch
from grader.course import STAGES
from grader.errors import Mismatch

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
HINT_MARK = "Hint:"


def misconception_fixtures(stage: str) -> list[Path]:
    """The stage's fixtures named after a mistake (the correct ones have no failure)."""
    return sorted(
        path for path in (FIXTURES / stage).glob("wrong_*") if path.suffix in (".py", ".ipynb")
    )


def hints_in_text_only(report) -> list[str]:
    """The failing tests of ``report`` whose message holds a hint that is not data."""
    return [
        f"{test.name}: {test.output[-300:]}"
        for test in report.tests
        if test.status != "passed" and HINT_MARK in test.output and not test.hint
    ]


@pytest.mark.parametrize("stage", [s for s in STAGES if misconception_fixtures(s)])
def test_every_fixture_hint_is_data(stage, tmp_path):
    """Graded, no misconception fixture of ``stage`` has a failing test whose message says
    "Hint:" while its hint field is empty (and every fixture was graded, and failed)."""
    paths = misconception_fixtures(stage)
    result = run_batch(stage, paths, tmp_path / "out", jobs=2, force=True)
    assert not result.problems, result.problems
    assert len(result.graded) == len(paths)
    lost = {}
    for graded in result.graded:
        report = graded.report
        assert report.score < report.max_score, f"{graded.student} lost no points"
        if found := hints_in_text_only(report):
            lost[graded.student] = found
    assert not lost, "hints written into the text, not kept as data:\n" + "\n".join(
        f"{student}: {line}" for student, lines in lost.items() for line in lines
    )


def test_a_hint_written_into_the_message_is_data_too():
    """A teacher's suite that writes "\\n  Hint: ..." into its Mismatch by hand still
    carries the hint as data, so the hints policy shows it."""
    exc = Mismatch("f(x=1) returned 3; expected 2.\n  Hint: add the bias once.")
    assert exc.hint == "add the bias once."
    assert Mismatch("f(x=1) returned 3; expected 2.").hint == ""


@pytest.mark.parametrize("stage", STAGES)
def test_no_hidden_suite_writes_a_hint_into_its_text(stage):
    """No string in the source of ``stage``'s hidden suite holds "Hint:": each hint goes
    through ``mismatch(text, hint)`` or ``expect_true(..., hint=...)``, where it is data
    (the guard for the sites no fixture reaches)."""
    import ast

    from grader.course import get_stage

    found = []
    for path in get_stage(stage).hidden_tests:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if HINT_MARK in node.value:
                    found.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
    assert not found, "\n".join(found)
