"""Grading results as plain dataclasses, and their renderings (JSON, text).

Three outcomes are kept apart: the submission could not run at all
(``Report.status == "not_runnable"``, with ``problem``), a test failed or errored
(``TestResult.status`` of ``failed``, ``error`` or ``timeout``), a test passed.
"""

import json
from dataclasses import asdict, dataclass, field

from grader.outputs import inert

STATUSES = ("passed", "failed", "error", "timeout")


@dataclass
class TestResult:
    """One test's outcome. ``output`` is what the student may read (message and hint)."""

    name: str
    score: float
    max_score: float
    status: str  # passed | failed | error | timeout
    output: str = ""
    visibility: str = "visible"  # Gradescope: visible | after_due_date | after_published | hidden
    function: str = ""  # the student function the test is about
    hidden: bool = False  # from a hidden suite (its source is never shown)
    duration: float = 0.0


@dataclass
class Report:
    """The grade of one submission for one stage: a superset of Gradescope's results.json."""

    assignment: str
    submission: str
    score: float = 0.0
    max_score: float = 0.0
    execution_time: float = 0.0
    status: str = "graded"  # graded | not_runnable
    problem: str = ""  # why the submission could not run, when it could not
    tests: list[TestResult] = field(default_factory=list)
    load_errors: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # notebook magics / shell lines not run
    stdout: str = ""
    stderr: str = ""
    grader_version: str = ""
    isolation: str = ""  # the sandbox level it ran at (see grader.sandbox.levels)
    notes: list[str] = field(default_factory=list)  # which file was graded, when there were two

    def total(self):
        self.score = round(sum(t.score for t in self.tests), 4)
        self.max_score = round(sum(t.max_score for t in self.tests), 4)

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    def summary(self, clean=str) -> str:
        """A short overall message for the student (Gradescope's top-level ``output``).

        ``clean`` is applied to each piece of student text (the problem, load errors,
        skipped lines): a renderer passes its sanitiser, JSON keeps the text as it came.
        """
        lines = []
        if self.problem:
            lines.append(f"The submission could not run: {clean(self.problem)}")
        for error in self.load_errors:
            lines.append("While loading: " + format_error(error, clean))
        if self.skipped:
            lines.append(
                "Not run (IPython magics / shell commands): "
                + "; ".join(clean(line) for line in self.skipped[:10])
            )
        counts = {s: sum(t.status == s for t in self.tests) for s in STATUSES}
        lines.append(
            f"Score {self.score:g}/{self.max_score:g}: "
            + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        )
        return "\n".join(lines)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["output"] = self.summary()
        data["output_format"] = "text"
        data["visibility"] = "visible"
        data["stdout_visibility"] = "hidden"
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_gradescope(self) -> dict:
        """Strictly Gradescope's results.json: test status is only passed or failed (our
        error and timeout become failed, and stay readable in ``extra_data``)."""
        data = self.to_dict()
        if self.notes:  # which of two files was graded: the student must see it
            data["output"] = "\n".join([*self.notes, data.get("output", "")]).strip()
        for test in data["tests"]:
            test["extra_data"] = {"status": test["status"], "function": test["function"]}
            test["status"] = "passed" if test["status"] == "passed" else "failed"
        return data


def format_error(error: dict, clean=str) -> str:
    """An error reported by the student process, as one or two readable lines; ``clean``
    is applied to each piece of student text in it (type, message, code line)."""
    where = ""
    frames = error.get("frames") or []
    if frames:
        last = frames[-1]
        code = clean(str(last.get("code", "")).strip()[:120])
        where = f" (line {last.get('line')}: {code})"
    cell = f"cell {error['cell']}: " if error.get("cell") else ""
    kind = clean(error.get("type", "Error"))
    return f"{cell}{kind}: {clean(str(error.get('message', ''))[:300])}{where}"


def render_text(report: Report, verbose: bool = True) -> str:
    """The report for a terminal.

    Student text reaches a teacher's terminal here, so every piece of it goes through
    ``grader.inert``: no control character (no escape sequence, bell or carriage return)
    survives, and one-line fields cannot start a line of their own. What the submission
    printed and test messages are indented under a heading, so a printed "Score 26/26"
    never stands where the grader's score line does.
    """
    lines = [f"{report.assignment}: {inert.one_line(report.submission)}"]
    lines += [f"  note: {inert.one_line(note)}" for note in report.notes]
    names = [inert.one_line(t.name) for t in report.tests]
    width = max([len(name) for name in names] + [10])
    # A submission that could not run fails every test for one reason, said once (below).
    verbose = verbose and report.status != "not_runnable"
    for test, name in zip(report.tests, names, strict=True):
        mark = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT"}[
            test.status
        ]
        lines.append(f"  {mark:<7} {name:<{width}} {test.score:g}/{test.max_score:g}")
        if verbose and test.status != "passed" and test.output:
            lines += ["          " + line for line in inert.for_terminal(test.output).splitlines()]
    if report.stdout.strip():
        printed = inert.for_terminal(report.stdout.rstrip()[:2000])
        lines += ["", "The submission printed (truncated):"]
        lines += ["  | " + line for line in printed.splitlines()]
    lines.append("")
    lines.append(report.summary(clean=inert.one_line))
    return "\n".join(lines)
