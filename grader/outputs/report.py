"""Grading results as plain dataclasses, and their renderings (JSON, text).

Three outcomes are kept apart, and named the same way in every output:

- the submission **could not run** (``Report.status == "not_runnable"``): nothing of it
  could be loaded. ``problem_kind`` says why as data (one of ``PROBLEM_KINDS``: empty,
  too large, not text, not a notebook, a syntax error or failed import that left none of
  the stage's names defined, ...) and ``problem`` in words, with file, cell and line;
- a test **failed** (``TestResult.status`` of ``failed``, ``error`` or ``timeout``);
- a test **passed**.

A submission that loaded in part is ``graded``: its ``load_errors`` (each a dict with
``kind``, ``type``, ``message``, ``file``, ``cell``, ``line``, ``code``) and the names it
does not define (``missing``) are listed, and each test of a missing name fails on its own.
``Report.reason()`` is the one-line account of all this (the gradebook's error column).

What a student may read of a hidden test is a policy (``HIDDEN_FEEDBACK``), applied once by
``Report.for_students``, so that every output shows the same.
"""

import copy
import json
from dataclasses import dataclass, field, fields

from grader.outputs import inert

STATUSES = ("passed", "failed", "error", "timeout")

# Why a submission could not run, as data (``Report.problem_kind``).
PROBLEM_KINDS = {
    "empty": "the file is empty",
    "too_large": "the file is too large",
    "not_text": "the file is not UTF-8 text",
    "not_notebook": "not a usable Jupyter notebook",
    "syntax_error": "a syntax error",
    "import_error": "an import that failed",
    "load_error": "an error while loading",
    "load_failed": "the code crashed or ran out of time while loading",
    "nothing_defined": "none of the stage's names is defined",
}
LOAD_ERROR_KINDS = {"SyntaxError": "syntax_error", "IndentationError": "syntax_error",
                    "TabError": "syntax_error", "ModuleNotFoundError": "import_error",
                    "ImportError": "import_error"}  # fmt: skip

# How much of a hidden test a student reads: ``none`` (name, points and result), ``hints``
# (also what the test checks, the function and the misconception's hint; never the hidden
# inputs or expected values), ``full`` (the whole message).
HIDDEN_FEEDBACK = ("none", "hints", "full")
DEFAULT_HIDDEN_FEEDBACK = "hints"


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
    hint: str = ""  # the misconception's hint, as data (also at the end of ``output``)
    description: str = ""  # what the test checks (its docstring's first line)

    def shown(self, policy: str = "full") -> str:
        """What a student reads of this test's failure under the hidden-feedback ``policy``
        (a public test's message is always shown whole)."""
        if self.status == "passed" or not self.hidden or policy == "full":
            return "" if self.status == "passed" else self.output
        if policy == "none":
            return ""
        if policy != "hints":
            raise ValueError(f"unknown hidden-feedback policy {policy!r}: {HIDDEN_FEEDBACK}")
        lines = [self.description] if self.description else []
        if self.function:
            lines.append(f"Function: {self.function}")
        if self.status == "timeout":
            lines.append("It ran out of time.")
        lines.append(f"Hint: {self.hint}" if self.hint else
                     "(the inputs and expected values of hidden tests are not shown)")  # fmt: skip
        return "\n".join(lines)


def _plain(value):
    """A copy of JSON-like data (lists, dicts, tuples of plain values), as asdict makes it."""
    kind = type(value)
    if kind is list or kind is tuple:
        return kind(_plain(item) for item in value)
    if kind is dict:
        return {key: _plain(item) for key, item in value.items()}
    return value


@dataclass
class Report:
    """The grade of one submission for one stage: a superset of Gradescope's results.json."""

    assignment: str
    submission: str
    score: float = 0.0
    max_score: float = 0.0
    execution_time: float = 0.0
    status: str = "graded"  # graded | not_runnable
    problem: str = ""  # why the submission could not run, when it could not (in words)
    problem_kind: str = ""  # the same as data: a key of PROBLEM_KINDS
    tests: list[TestResult] = field(default_factory=list)
    # kind, type, message, file, cell, line, code; function, top_level, calls_between when
    # raised in a function the top-level line called (see submission.locate_error)
    load_errors: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # the stage's names it does not define
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

    def reason(self) -> str:
        """One line saying what kept the submission from full grading, or "": why it could
        not run, else its load errors and the names it does not define. What the gradebook's
        error column, a summary table or a log line shows."""
        runnable = self.status != "not_runnable"
        parts = [] if runnable else [self.problem or PROBLEM_KINDS.get(self.problem_kind, "")]
        listed = self.listed_load_errors()
        parts += [format_error(error) for error in listed[:3]]
        if len(listed) > 3:
            parts.append(f"and {len(listed) - 3} more load errors")
        if self.missing and runnable:
            parts.append("does not define " + ", ".join(self.missing))
        return "; ".join(part for part in parts if part)

    def listed_load_errors(self) -> list[dict]:
        """The load errors to list besides ``problem``: all of them, except the first when
        it is what ``problem`` tells (the cause of a submission that could not run)."""
        caused = self.problem_kind in (*LOAD_ERROR_KINDS.values(), "load_error")
        if self.status == "not_runnable" and caused:
            return self.load_errors[1:]
        return self.load_errors

    def for_students(self, policy: str = DEFAULT_HIDDEN_FEEDBACK) -> "Report":
        """A copy of the report holding only what students may read of the hidden tests
        under ``policy`` (see HIDDEN_FEEDBACK): every output for students renders this."""
        if policy not in HIDDEN_FEEDBACK:
            raise ValueError(f"unknown hidden-feedback policy {policy!r}: {HIDDEN_FEEDBACK}")
        shown = copy.copy(self)
        shown.tests = []
        for test in self.tests:
            test = copy.copy(test)
            if test.hidden and policy != "full":
                test.output = test.shown(policy)
                test.hint = test.hint if policy == "hints" else ""
            shown.tests.append(test)
        return shown

    def summary(self, clean=str) -> str:
        """A short overall message for the student (Gradescope's top-level ``output``).

        ``clean`` is applied to each piece of student text (the problem, load errors,
        skipped lines): a renderer passes its sanitiser, JSON keeps the text as it came.
        """
        lines = []
        if self.status == "not_runnable":
            problem = self.problem or PROBLEM_KINDS.get(self.problem_kind, "")
            lines.append(f"The submission could not run: {clean(problem)}")
        for error in self.listed_load_errors():
            lines.append("While loading: " + format_error(error, clean))
        if self.missing and self.status != "not_runnable":
            lines.append("Not defined (their tests fail): " + ", ".join(map(clean, self.missing)))
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
        """The report as plain JSON data (a copy: changing it changes nothing here). What
        ``dataclasses.asdict`` gives, at a tenth of its cost (it deep-copies every value:
        a third of an unchanged class re-run of 200 students)."""
        data = {name: None if name == "tests" else _plain(getattr(self, name))
                for name in _REPORT_FIELDS}  # fmt: skip
        data["tests"] = [{name: getattr(t, name) for name in _TEST_FIELDS} for t in self.tests]
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


_REPORT_FIELDS = tuple(f.name for f in fields(Report))
_TEST_FIELDS = tuple(f.name for f in fields(TestResult))


def error_place(error: dict, clean=str) -> str:
    """Where a load error happened: ``neuron.ipynb, cell 4, line 2`` (what is known of it)."""
    parts = [clean(str(error["file"])[:100])] if error.get("file") else []
    if error.get("cell"):
        parts.append(f"cell {error['cell']}")
    if error.get("line"):
        parts.append(f"line {error['line']}")
    return ", ".join(parts)


MAX_QUOTED = 160  # characters of a quoted source statement in a message


def quoted_code(code, clean=str) -> str:
    """A source statement for a one-line message: cleaned, at most ``MAX_QUOTED`` long."""
    code = clean(str(code or "").strip())
    return code if len(code) <= MAX_QUOTED else code[: MAX_QUOTED - 1] + "\u2026"


def format_error(error: dict, clean=str) -> str:
    """An error reported by the student process, as one readable line; ``clean`` is applied
    to each piece of student text in it. A load error (see
    ``grader.grading.submission.locate_error``) reads ``neuron.ipynb, cell 4, line 2:
    NameError: ... (the line: ...)``, or, raised in a function the top-level line called,
    ``neuron.py, line 31: r = neuron_output([1, 2], [3], 0) -> line 23 in neuron_output:
    ValueError: ... (the line: raise ValueError(...))`` (`` -> ... ->`` when calls sit
    between); an error raised in a call, located by the last of its ``frames``,
    ``ValueError: ... (line 14: ...)``."""
    kind = clean(error.get("type", "Error"))
    text = f"{kind}: {clean(str(error.get('message', ''))[:300])}"
    if "kind" in error:  # located (file, cell, line, code; top_level, function)
        code = quoted_code(error.get("code"), clean)
        top = error.get("top_level")
        if isinstance(top, dict):
            place = error_place({"file": error.get("file"), **top}, clean)
            start = quoted_code(top.get("code"), clean)
            start = f"{place}: {start}" if start and place else place or start
            cell = error.get("cell")
            deeper = [f"cell {cell}"] if cell and cell != top.get("cell") else []
            deeper += [f"line {error['line']}"] if error.get("line") else []
            where = ", ".join(deeper)
            if error.get("function"):
                where += f" in {clean(str(error['function'])[:80])}"
            hops = " -> ..." if error.get("calls_between") else ""
            text = f"{start}{hops} -> {where}: {text}" if where else f"{start}: {text}"
        else:
            place = error_place(error, clean)
            text = f"{place}: {text}" if place else text
        return f"{text} (the line: {code})" if code else text
    if error.get("cell"):
        text = f"cell {error['cell']}: {text}"
    frames = error.get("frames") or []
    if frames:
        code = clean(str(frames[-1].get("code", "")).strip()[:120])
        text += f" (line {frames[-1].get('line')}: {code})"
    return text


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
