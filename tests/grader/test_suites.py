"""The hidden suites are themselves tested: correct work earns full marks, wrong work
loses points with its targeted hint, the reference earns everything, the stub nothing.

Fixture submissions live in ``tests/fixtures/submissions/<stage>/`` and declare what
they must get in lines of their own text:

    expect: full                 every test passes
    expect-hint: <text>          loses points, and some failing test's message has <text>
    expect-fail: <test name>     that test (name prefix) does not pass
    expect-only-fail: <name>     that test (name prefix) fails, and no test other than the
                                 ones named on such lines does
"""

import re
from pathlib import Path

import pytest

from grader.api import grade
from grader.course import STAGES, get_stage, standalone_reference

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "submissions"


def fixture_files():
    return sorted(
        p for stage in STAGES for p in (FIXTURES / stage).glob("*") if p.suffix in (".py", ".ipynb")
    )


def expectations(path: Path) -> dict:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = {"full": False, "hints": [], "fails": [], "only": []}
    for key, value in re.findall(r"expect(|-hint|-fail|-only-fail): ([^\"\\\n]*)", text):
        value = value.strip()
        if key == "" and value == "full":
            found["full"] = True
        elif key == "-hint":
            found["hints"].append(value)
        elif key == "-fail":
            found["fails"].append(value)
        elif key == "-only-fail":
            found["fails"].append(value)
            found["only"].append(value)
    return found


def reference_submission(stage: str, tmp_path: Path) -> Path:
    """The reference implementation written out as a student's submission."""
    path = tmp_path / f"{stage}.py"
    path.write_text(standalone_reference(stage))
    return path


@pytest.mark.parametrize("stage", STAGES)
def test_reference_gets_full_marks(stage, tmp_path):
    """The reference implementation passes every public and hidden test of its stage."""
    report = grade(stage, reference_submission(stage, tmp_path))
    failing = [(t.name, t.output) for t in report.tests if t.status != "passed"]
    assert not failing
    assert report.score == report.max_score > 0


@pytest.mark.parametrize("stage", STAGES)
def test_stub_gets_zero(stage):
    """The starter stub (every function raises NotImplementedError) scores 0."""
    report = grade(stage, get_stage(stage).stub)
    assert report.max_score > 0
    assert report.score == 0
    assert all(t.status == "failed" for t in report.tests)


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_submission(path):
    """Each fixture submission gets what its `expect` lines say."""
    expected = expectations(path)
    assert expected["full"] or expected["hints"] or expected["fails"], (
        f"{path.name} declares nothing"
    )
    report = grade(path.parent.name, path)
    if expected["full"]:
        failing = [(t.name, t.output) for t in report.tests if t.status != "passed"]
        assert not failing
        assert report.score == report.max_score
        return
    assert report.score < report.max_score
    outputs = "\n".join(t.output for t in report.tests if t.status != "passed")
    for hint in expected["hints"]:
        assert hint in outputs, f"no failing test says {hint!r}; messages were:\n{outputs}"
    for name in expected["fails"]:
        assert any(t.name.startswith(name) and t.status != "passed" for t in report.tests), name
    if expected["only"]:
        listed = tuple(expected["only"])
        others = [
            t.name for t in report.tests if t.status != "passed" and not t.name.startswith(listed)
        ]
        assert not others, f"only {expected['only']} may fail; {others} failed too"
