"""Outputs that attack the teacher: student text in every output is inert.

Hostile submissions (``tests/fixtures/hostile/output_*``) are graded for real, then each
rendering is checked: the terminal text, JUnit XML, GitHub Actions output, Markdown and
HTML feedback, the gradebook, and the file names a batch writes.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import mistune
import pytest

from grader.api import grade
from grader.batch import BatchResult, Graded, Problem, run_batch
from grader.course import get_stage
from grader.outputs import class_folder, feedback, formats, gradebook, inert
from grader.outputs.formats import render
from grader.outputs.report import Report, render_text
from grader.outputs.report import TestResult as Outcome  # not "Test*": pytest would collect it
from grader.platforms import github

HOSTILE = Path(__file__).resolve().parents[2] / "fixtures" / "hostile"
PROJECT_ROOT = Path(__file__).resolve().parents[3]
ESCAPES = ("output_terminal_escapes.py", "output_terminal_escapes.ipynb")

# What a terminal acts on: C0 controls but newline and tab, DEL, and C1 controls.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TERMINAL_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What XML 1.0 does not allow in a document.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
EVERY_CONTROL = "".join(map(chr, range(0x00, 0xA0))) + "\ud800\udfff\ufffe\uffff\u202e\u2028"


def as_submission(name: str, folder: Path) -> Path:
    """Copy hostile fixture ``name`` into ``folder`` as the stage's file name."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"neuron{Path(name).suffix}"
    shutil.copy(HOSTILE / name, target)
    return target


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, Report]:
    """The public-test reports of the output_* fixtures, each graded once."""
    reports = {}
    for name in (*ESCAPES, "output_markdown_injection.py"):
        path = as_submission(name, tmp_path_factory.mktemp(Path(name).stem))
        reports[name] = grade("neuron", path, public_only=True)
    return reports


def hostile_report() -> Report:
    """A report whose every student-text field holds every control character and
    Markdown/HTML that tries to restructure a page."""
    payload = (
        "```\n</details>\n<script>alert(1)</script>\n# Score: 26 / 26\n"
        "[claim](javascript:alert(1))\n~~~\n" + EVERY_CONTROL
    )
    tests = [
        Outcome("test_one", 0.0, 1.0, "failed", output=payload),
        Outcome("test_two", 0.0, 1.0, "error", output=payload),
        Outcome("test_three", 1.0, 1.0, "passed"),
    ]
    report = Report("neuron", "neuron.py", status="not_runnable", problem=payload, tests=tests)
    report.load_errors = [{"type": "Bad\x1b[2J", "message": payload, "cell": 2,
                           "frames": [{"file": "x", "line": 1, "code": payload}]}]  # fmt: skip
    report.skipped = ["cell 1: %time " + payload]
    report.stdout = report.stderr = payload
    report.total()
    return report


# ------------------------------------------------------------------ the terminal


@pytest.mark.parametrize("name", ESCAPES)
def test_text_report_has_no_control_characters(graded, name):
    """Escapes printed, raised, named in an exception type and skipped as magics are
    shown as visible escapes; the grader's score line is the only line starting 'Score'."""
    report = graded[name]
    assert report.score == (5 if name.endswith(".ipynb") else 4)  # graded normally
    text = render_text(report)
    assert render(report, "text") == text
    assert not TERMINAL_CONTROLS.search(text) and "\x1b" not in text
    assert "\\x1b[2J" in text  # the teacher sees what was tried
    score_lines = [line for line in text.splitlines() if line.startswith("Score")]
    assert score_lines == [text.splitlines()[-1]]
    assert score_lines[0].startswith(f"Score {report.score:g}/5:")
    if name.endswith(".ipynb"):
        assert report.skipped and report.load_errors  # the magic lines and the raising cell
        assert "%time \\x9b2J\\x1b[2J" in text


def test_cli_output_bytes_have_no_control_characters(tmp_path):
    """`grade run` and `grade check` print no control byte from a hostile submission."""
    path = as_submission("output_terminal_escapes.py", tmp_path / "sub")
    for args in (["run", "neuron", str(path), "--public-only"], ["check", "neuron", str(path)]):
        result = subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True,
                                cwd=PROJECT_ROOT, timeout=120)  # fmt: skip
        assert b"Score 4/5" in result.stdout, result.stderr
        assert not TERMINAL_CONTROL_BYTES.search(result.stdout)
        assert not TERMINAL_CONTROL_BYTES.search(result.stderr)


def test_github_output_has_no_control_characters(graded, tmp_path, monkeypatch):
    """`grade check --format github`: annotations are one line each with no control
    character, and the job summary keeps each message inside one code block."""
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    lines = []
    for report in (graded["output_terminal_escapes.py"], hostile_report()):
        github.write_github(report, "neuron\x1b[2J.py", lines.append)
    for line in lines:
        assert not TERMINAL_CONTROLS.search(line) and "\n" not in line
    text = summary.read_text()
    assert not TERMINAL_CONTROLS.search(text.replace("\n", ""))
    _, blocks = markdown_structure(text)
    messages = [inert.for_terminal(t.output) + "\n" for t in hostile_report().tests if t.output]
    assert blocks[-len(messages) :] == messages  # each message is one code block
    check_html(mistune.html(text), extra={"details", "summary"})


# ------------------------------------------------------------------ JUnit XML


def test_junit_parses_with_every_control_character(graded):
    """Every control character, lone surrogate and non-character in messages, stdout and
    stderr: the JUnit document is valid XML 1.0 and shows them as escapes."""
    for report in (hostile_report(), graded["output_terminal_escapes.py"]):
        document = formats.to_junit(report)
        assert not NOT_XML.search(document)
        suite = ET.fromstring(document)
        assert "\\x1b" in suite.find("system-out").text
        for node in suite.iter():
            for value in [node.text or "", *node.attrib.values()]:
                assert not TERMINAL_CONTROLS.search(value.replace("\n", "").replace("\t", ""))
    assert len(ET.fromstring(formats.to_junit(hostile_report())).findall("testcase/error")) == 1


# ------------------------------------------------------------------ Markdown and HTML


class TagCollector(HTMLParser):
    """Every start tag and attribute of an HTML document."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [f"{k}={v}" for k, v in attrs]


def markdown_structure(text: str) -> tuple[list, list[str]]:
    """The (level, text) of each heading and the body of each code block."""
    tokens = mistune.create_markdown(renderer=None)(text)
    headings = [
        (t["attrs"]["level"], "".join(c.get("raw", "") for c in t["children"]))
        for t in tokens
        if t["type"] == "heading"
    ]
    return headings, [t["raw"] for t in tokens if t["type"] == "block_code"]


def check_html(page: str, extra: set = frozenset()):
    """No tag or attribute the grader did not write: no script, image, link or handler
    (the summary's links are its own: to a sorted table, or to a feedback page by stem)."""
    collector = TagCollector()
    collector.feed(page)
    allowed = {
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "strong",
        "div", "pre", "code", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "svg",
        "rect", "text", "a", *extra,
    }  # fmt: skip
    assert set(collector.tags) <= allowed, set(collector.tags) - allowed
    own_links = re.compile(r"href=(#by-[a-z]+|feedback/[A-Za-z0-9._~%-]+\.html)")
    links = [a for a in collector.attributes if a.startswith("href")]
    assert all(own_links.fullmatch(a) for a in links), links
    assert not any(a.startswith(("on", "src")) for a in collector.attributes)
    assert "<script" not in page.lower()


STUDENT_ID = "[me](javascript:alert(1)) <script>x</script> # `x` | *y*"


@pytest.mark.parametrize("source", ["graded", "constructed"])
def test_feedback_markdown_structure_is_the_graders(graded, source):
    """Fences, </details>, <script>, javascript: links and headings in student text
    (messages, problem, load error, id) leave the Markdown feedback's structure as the
    grader wrote it: its own headings only, every message inside one code block, and
    rendered to HTML it holds no tag from the student."""
    report = graded["output_markdown_injection.py"] if source == "graded" else hostile_report()
    text = feedback.feedback_markdown(STUDENT_ID, report, show_hidden=True)
    headings, blocks = markdown_structure(text)
    assert [level for level, _ in headings] == [1, 2] + [3] * len(
        [t for t in report.tests if t.status != "passed"]
    )
    assert headings[0][1].startswith("neuron: feedback for ")
    assert all(title.startswith("test_") for level, title in headings if level == 3)
    messages = [t.output for t in report.tests if t.status != "passed"]
    expected = [inert.for_terminal(m) + "\n" for m in messages]
    assert all(message in blocks for message in expected)  # each message is one block
    if source == "constructed":
        assert len(blocks) == 3 + len(messages)  # plus the problem, load error, skipped lines
    assert not TERMINAL_CONTROLS.search(text.replace("\n", "").replace("\t", ""))
    check_html(mistune.html(text))  # mistune keeps raw HTML: none may come from students


@pytest.mark.parametrize("source", ["graded", "constructed"])
def test_feedback_html_holds_no_student_tag(graded, source):
    """The HTML feedback escapes every piece of student text (messages, problem, load
    error, id) and shows its control characters as escapes."""
    report = graded["output_markdown_injection.py"] if source == "graded" else hostile_report()
    page = feedback.feedback_html(STUDENT_ID, report, show_hidden=True)
    check_html(page)
    if source == "constructed":
        assert "&lt;script&gt;" in page and "\\x1b" in page  # shown, escaped
    assert not TERMINAL_CONTROLS.search(page.replace("\n", "").replace("\t", ""))


# ------------------------------------------------------------------ batch outputs


FORMULA_IDS = ['=HYPERLINK("http:x")', "@SUM(A1)", "\t=1+1"]  # folder names: no "/"
PROBLEM_IDS = ["+1", "-2"]  # folders without a submission: rows of the problem kind


def test_gradebook_neutralises_formula_ids(tmp_path, correct_neuron):
    """Students whose ids are formulas (graded, and listed as problems): every such
    cell reads back from the CSV with a leading quote; scores stay plain numbers; the
    summary page escapes them."""
    root = tmp_path / "class"
    for student in FORMULA_IDS:
        (root / student).mkdir(parents=True)
        shutil.copy(correct_neuron, root / student / "neuron.py")
    for student in PROBLEM_IDS:
        (root / student).mkdir()
    out = tmp_path / "out"
    result = run_batch("neuron", [root], out, jobs=2, options={"public_only": True})
    assert len(result.graded) == 3
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {row["student"]: row for row in rows}
    assert set(by_id) == {"'" + s for s in FORMULA_IDS + PROBLEM_IDS}
    for student in FORMULA_IDS:
        row = by_id["'" + student]
        assert row["score"] == "5" and row["percent"] == "100.0"
        assert (out / "feedback" / f"{row['file']}.md").is_file()
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(inert.FORMULA_STARTS), row
    check_html((out / "summary.html").read_text())


def test_gradebook_cells_from_students_are_neutralised():
    """Every text cell a student decides (id, error, problem entry and reason) is
    neutralised, including an id no folder can carry (a Gradescope sid with '/')."""
    hostile = [
        '=HYPERLINK("http://x")',
        "@SUM(A1)",
        "+1",
        "-2",
        "\t=1",
        "\r=1",
        "=cmd|' /C calc'!A0",
    ]
    report = Report("neuron", "x.py", score=-1.5, max_score=5.0, problem="=1+1\n@x")
    result = BatchResult(
        "neuron", [Graded(s, report, False) for s in hostile],
        [Problem(s + " (folder)", "-" + s) for s in hostile],  # not graded: rows of their own
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gradebook.csv"
        gradebook.write_gradebook(result, path)
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    assert len(rows) == 2 * len(hostile)
    for row in rows:
        for column in ("student", "error", "file"):
            assert not row[column].startswith(inert.FORMULA_STARTS), row
        assert row["student"].startswith(("'", "\\r"))
    assert rows[0]["score"] == "-1.5"  # the grader's own numbers are left as numbers


def test_colliding_ids_get_distinct_files(tmp_path, correct_neuron, wrong_neuron):
    """alice, alice! and alice? in one batch: three results and feedback files, each
    the right student's, and the same names on a second run."""
    root = tmp_path / "class"
    root.mkdir()
    sources = {"alice": correct_neuron, "alice!": wrong_neuron,
               "alice?": get_stage("neuron").stub}  # fmt: skip
    for student, source in sources.items():
        shutil.copy(source, root / f"{student}.py")
    out = tmp_path / "out"

    def files_by_student() -> dict[str, str]:
        found = {}
        for path in sorted((out / "results").glob("*.json")):
            found[json.loads(path.read_text())["student"]] = path.stem
        return found

    result = run_batch("neuron", [root], out, jobs=2, options={"public_only": True})
    first = files_by_student()
    assert set(first) == set(sources) and len(set(first.values())) == 3
    scores = {g.student: g.report.score for g in result.graded}
    assert scores["alice"] == 5 and 0 < scores["alice!"] < 5 and scores["alice?"] == 0
    for student, stem in first.items():
        feedback = (out / "feedback" / f"{stem}.md").read_text()
        assert f"**Score: {scores[student]:g} / 5**" in feedback
        assert (out / "feedback" / f"{stem}.html").is_file()
    assert len(list((out / "feedback").iterdir())) == 6
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        assert {r["student"]: r["file"] for r in csv.DictReader(handle)} == first

    again = run_batch("neuron", [root], out, jobs=1, options={"public_only": True})
    assert all(g.cached for g in again.graded)
    assert files_by_student() == first and len(list((out / "feedback").iterdir())) == 6


def test_batch_files_from_hostile_ids_are_inert(tmp_path):
    """Ids with escape sequences, bidi overrides and undecodable bytes (a file name read
    with surrogateescape): write_all writes valid UTF-8 files with no control character,
    one name per id, and the summary escapes them."""
    ids = ["\x1b[2Jalice", "alice\u202e", os.fsdecode(b"alice\xff"), "alice"]
    tests = [Outcome("test_one", 0.0, 1.0, "failed", output="\x1b]8;;x\x1b\\")]
    graded = [Graded(s, Report("neuron", "x.py", tests=tests), False) for s in ids]
    result = BatchResult("neuron", graded, [Problem(os.fsdecode(b"\x1b\xfe"), "\x07")])
    class_folder.write_all(result, tmp_path)
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(list((tmp_path / "feedback").iterdir())) == 2 * len(ids)
    for path in files:
        text = path.read_bytes().decode("utf-8")  # never a lone surrogate
        text = text.replace("\r\n", "") if path.suffix == ".csv" else text  # csv's own
        assert not TERMINAL_CONTROLS.search(text.replace("\n", "").replace("\t", "")), path
        assert not TERMINAL_CONTROLS.search(path.name)
    check_html((tmp_path / "summary.html").read_text())


def test_batch_command_lists_problems_inertly(tmp_path):
    """`grade batch` names entries it could not grade on the teacher's terminal: folder
    and file names with escape sequences and bells reach it as visible escapes."""
    root = tmp_path / "class"
    (root / "\x1b[2J\x1b[HScore 26 of 26").mkdir(parents=True)  # a folder with no submission
    (root / "notes\x07\x9b.txt").write_text("not a submission")
    result = subprocess.run(
        [sys.executable, "-m", "grader", "batch", "neuron", str(root), "-o", str(tmp_path / "o")],
        capture_output=True, cwd=PROJECT_ROOT, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr  # nothing to grade: said once, with why
    assert b"not graded: \\x1b[2J\\x1b[HScore 26 of 26" in result.stderr
    assert b"notes\\x07\\x9b.txt" in result.stderr
    assert not TERMINAL_CONTROL_BYTES.search(result.stdout + result.stderr)
