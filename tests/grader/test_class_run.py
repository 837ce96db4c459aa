"""A whole class graded through the command line, as a teacher would (issue 11).

`grade batch activations tests/fixtures/classes/activations_mixed/submissions` is run
once per module; its gradebook, summary, feedback (Markdown and HTML) and results JSON are
then checked field by field against what each student handed in, and `grade run`'s JUnit
and Gradescope documents for two of them. The class (see the fixture's files, each
student named after no one and covering one case):

ada       correct .py (loops)              ben   correct notebook (float32)
cleo      softmax over axis 0 (wrong)      dan   a wrong .py and a correct notebook
eve.zip   a zip in the class folder        finn  an empty file
gus       a syntax error                   hana  softmax and the derivatives missing
ivan      a .py renamed .ipynb (not JSON)  jack  imports SciPy (not allowed)
kimjo_LATE_12345_67890_activations.py      a Canvas download handed in late
lena      a folder with a note, no submission
roster.csv (beside the class) lists them all and zoe, who handed in nothing.

The class is graded with that roster and a late policy of 10% a day (no due date: Canvas's
_LATE_ mark is the only lateness known, counted as one day).
"""

import csv
import json
import shutil
import statistics
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader import api
from grader.batch import report_from_dict
from grader.course import get_stage
from grader.outputs.gradebook import COLUMNS

CLASS = Path(__file__).resolve().parents[1] / "fixtures" / "classes" / "activations_mixed"
SUBMISSIONS = CLASS / "submissions"
STAGE = "activations"
FIXED_COLUMNS = COLUMNS
FULL_MARKS = {"ada", "ben", "dan", "eve"}
PARTIAL = {"cleo", "hana", "kimjo_12345"}  # graded, some tests failed
NOT_RUNNABLE = {
    "finn": "the file is empty",
    "ivan": "not a valid Jupyter notebook",
    "gus": "activations.py, line 14: SyntaxError",
    "jack": "activations.py, line 2: ModuleNotFoundError: No module named 'scipy'",
}
GRADED = ("graded", "not_runnable")  # the statuses of a row with a report
LATE_POLICY = "10%/day"


def grade(*args, cwd=None) -> subprocess.CompletedProcess:
    """The `grade` command, run as a teacher runs it (a subprocess)."""
    return subprocess.run(
        [sys.executable, "-c", "from grader.cli import main; main()", *map(str, args)],
        capture_output=True, text=True, timeout=600, cwd=cwd,
    )  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The class graded once: (the finished process, the output folder)."""
    out = tmp_path_factory.mktemp("class") / "graded"
    args = ["--roster", CLASS / "roster.csv", "--late-policy", LATE_POLICY]
    return grade("batch", STAGE, SUBMISSIONS, "-d", out, "-j", "2", *args), out


@pytest.fixture(scope="module")
def gradebook(run) -> dict[str, dict[str, str]]:
    """gradebook.csv as {student: row}, with the header under the key ``None``."""
    with open(run[1] / "gradebook.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    book = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    book[None] = header
    return book


@pytest.fixture(scope="module")
def results(run, gradebook) -> dict[str, dict]:
    """Each graded student's results JSON, by id (the gradebook's file column names it)."""
    graded = {s: r for s, r in gradebook.items() if s and r["status"] in GRADED}
    return {
        student: json.loads((run[1] / "results" / f"{row['file']}.json").read_text())
        for student, row in graded.items()
    }


def stage_total() -> float:
    points = api.stage_points(STAGE)
    return points["public"] + points["hidden"]


def about(test: dict, functions: set[str]) -> bool:
    """Whether a test checks one of ``functions`` (hidden tests say so in their function
    field; the public tests, which have none, in their name)."""
    if test["function"]:
        return test["function"] in functions
    return any(name in test["name"] for name in functions)


def test_the_batch_exits_0_and_lists_what_it_did_not_grade(run, gradebook):
    """The class is graded (exit 0, though some students could not run); the summary line
    counts the graded students; the folder with no submission is listed on stderr."""
    process, out = run
    assert process.returncode == 0, process.stderr
    graded = [s for s, r in gradebook.items() if s and r["status"] in GRADED]
    assert process.stdout.startswith(f"{len(graded)} graded (0 from the cache)"), process.stdout
    assert f"gradebook: {out / 'gradebook.csv'}" in process.stdout
    assert "not graded: lena: " in process.stderr
    assert "Traceback" not in process.stderr


def test_students_canvas_import_cannot_hold_are_named_on_the_terminal(run, gradebook):
    """The class's roster (id, name, email) has no Canvas or SIS ids: canvas_import.csv
    holds only the student whose Canvas download name carries one (kimjo), and the terminal
    says who is left out (a teacher importing into Canvas would otherwise miss them)."""
    process, out = run
    rows = [r for r in csv.reader(open(out / "canvas_import.csv", encoding="utf-8"))]
    assert [r[1] for r in rows[2:]] == ["12345"]  # after the header and Points Possible
    students = [s for s in gradebook if s]
    said = f"canvas_import.csv leaves out {len(students) - 1} of {len(students)} students"
    assert said in process.stderr, process.stderr
    assert "ada" in process.stderr.split(said, 1)[1].splitlines()[0]


def test_gradebook_has_one_column_per_test_and_they_add_up(gradebook, results):
    """The header is the fixed columns, then one column per test, unique (the public and
    hidden suites share no name); a student's test columns add up to their score before
    any late penalty (raw_score)."""
    header = gradebook[None]
    assert header[: len(FIXED_COLUMNS)] == FIXED_COLUMNS
    tests = header[len(FIXED_COLUMNS) :]
    assert len(tests) == len(set(tests)) == len(results["ada"]["tests"])
    for student in FULL_MARKS | PARTIAL | set(NOT_RUNNABLE):
        row = gradebook[student]
        assert sum(float(row[t]) for t in tests) == float(row["raw_score"]), student


def test_gradebook_rows_say_what_each_student_handed_in(gradebook):
    """Every roster student has a row, in the roster's order, with the roster's name and
    email. Full marks for the correct .py, the notebook, the zip in the class folder and
    the folder holding both; a score strictly between 0 and the total for each wrong
    answer; 0 and not_runnable with the reason (file, line and source line for a syntax
    error or a forbidden import) for the four that could not run; not_graded with an
    empty score for the folder without a submission; 0 and missing for zoe. Percent and
    max_score agree with the score."""
    total = stage_total()
    with open(CLASS / "roster.csv", newline="", encoding="utf-8") as handle:
        roster = list(csv.DictReader(handle))
    assert [s for s in gradebook if s] == [r["id"] for r in roster]
    for person in roster:
        row = gradebook[person["id"]]
        assert (row["name"], row["email"]) == (person["name"], person["email"])
    for student, row in gradebook.items():
        if student is None or row["status"] not in GRADED:
            continue
        assert float(row["max_score"]) == total, student
        assert float(row["percent"]) == round(100 * float(row["score"]) / total, 1), student
    for student in FULL_MARKS:
        assert (gradebook[student]["status"], float(gradebook[student]["score"])) == (
            "graded", total,
        ), student  # fmt: skip
    for student in PARTIAL:
        row = gradebook[student]
        assert row["status"] == "graded" and 0 < float(row["score"]) < total, row
    for student, reason in NOT_RUNNABLE.items():
        row = gradebook[student]
        assert (row["status"], float(row["score"])) == ("not_runnable", 0.0), row
        assert row["error"].startswith(reason), row
    assert "(the line: def sigmoid(z))" in gradebook["gus"]["error"]
    lena = gradebook["lena"]
    assert lena["status"] == "not_graded" and lena["score"] == "" and lena["file"] == ""
    assert lena["error"].endswith("lena: no activations.py or activations.ipynb, nor a single "
                                  ".py or .ipynb file")  # fmt: skip
    zoe = gradebook["zoe"]
    assert (zoe["status"], zoe["score"], zoe["error"]) == ("missing", "0", "no submission")


def test_a_canvas_late_file_is_marked_late_and_loses_its_penalty(gradebook):
    """Canvas's _LATE_ mark is kept: kimjo's row is late by one day, says where that comes
    from, and loses 10% of the points possible; nobody else is late or loses points."""
    total = stage_total()
    kimjo = gradebook["kimjo_12345"]
    assert (kimjo["late"], kimjo["days_late"], kimjo["time_source"]) == (
        "yes", "1", "Canvas _LATE_ file name",
    )  # fmt: skip
    assert float(kimjo["penalty"]) == pytest.approx(0.1 * total)
    assert float(kimjo["score"]) == pytest.approx(float(kimjo["raw_score"]) - 0.1 * total)
    for student, row in gradebook.items():
        if student not in (None, "kimjo_12345"):
            assert row["late"] != "yes" and row["penalty"] in ("", "0"), row


def test_results_json_matches_the_gradebook(gradebook, results):
    """Each student's results JSON: their id, the gradebook's score before any penalty,
    max and status, the gradebook's error as the report's own one-line reason, one entry
    per test with unique names, and every hidden test naming one of the stage's
    functions."""
    functions = set(get_stage(STAGE).functions())
    for student, data in results.items():
        row = gradebook[student]
        assert data["student"] == student and data["assignment"] == STAGE
        assert (f"{data['score']:g}", f"{data['max_score']:g}", data["status"]) == (
            row["raw_score"], row["max_score"], row["status"],
        )  # fmt: skip
        assert report_from_dict(data).reason() == row["error"], student
        names = [t["name"] for t in data["tests"]]
        assert len(names) == len(set(names)) == len(gradebook[None]) - len(FIXED_COLUMNS)
        assert all(t["function"] in functions for t in data["tests"] if t["hidden"])
        assert data["isolation"] in api.LEVELS


@pytest.mark.parametrize(
    "student, wrong",
    [
        ("cleo", {"softmax"}),
        ("hana", {"softmax", "sigmoid_derivative", "relu_derivative"}),
        ("kimjo_12345", {"sigmoid_derivative"}),
    ],
)
def test_one_bad_function_costs_only_its_own_tests(results, student, wrong):
    """Every failed test of a wrong answer is about the functions it got wrong, and every
    test of those functions' neighbours passes (cleo: softmax over axis 0; hana: three
    names missing; kimjo: sigmoid applied twice in sigmoid_derivative)."""
    for test in results[student]["tests"]:
        if test["status"] != "passed":
            assert about(test, wrong), (student, test["name"], test["output"][:200])
    failed_functions = {t["function"] for t in results[student]["tests"]
                        if t["status"] != "passed" and t["function"]}  # fmt: skip
    assert failed_functions == wrong, failed_functions


def test_a_folder_with_both_files_keeps_the_better_and_says_so(results):
    """dan handed in a wrong .py and a correct notebook: both were graded, the notebook
    kept, and the results' notes say so."""
    (note,) = results["dan"]["notes"]
    assert note.startswith("graded both activations.py (") and "kept activations.ipynb" in note
    assert results["dan"]["submission"].endswith("activations.ipynb")


def test_summary_json_agrees_with_the_gradebook(run, gradebook, results):
    """summary.json: the stage, the counts of students (every row), graded, could not run,
    missing and late; the students needing attention first (not graded, missing, could
    not run) with the gradebook's reasons; mean and median of the graded percents, a
    histogram that counts every graded student, one pass rate per test (the share of
    graded students passing it), and the slowest."""
    summary = json.loads((run[1] / "summary.json").read_text())
    rows = {s: r for s, r in gradebook.items() if s}
    graded = [r for r in rows.values() if r["status"] in GRADED]
    percents = [float(r["percent"]) for r in graded]
    assert summary["stage"] == STAGE and summary["interrupted"] is False
    assert (summary["students"], summary["graded"]) == (len(rows), len(graded))
    for status in ("not_runnable", "missing"):
        assert summary[status] == sum(r["status"] == status for r in rows.values()), status
    assert summary["late"] == sum(r["late"] == "yes" for r in rows.values())
    attention = [(a["student"], a["status"], a["reason"]) for a in summary["attention"]]
    order = {"not_graded": 0, "missing": 1, "not_runnable": 2}
    expected = sorted(((s, r["status"], r["error"]) for s, r in rows.items()
                       if r["status"] in order), key=lambda a: order[a[1]])  # fmt: skip
    assert attention == expected
    assert [(p["entry"], p["reason"]) for p in summary["problems"]] == [
        ("lena", rows["lena"]["error"])
    ]
    assert summary["mean_percent"] == pytest.approx(statistics.fmean(percents), abs=0.1)
    assert summary["median_percent"] == pytest.approx(statistics.median(percents), abs=0.1)
    assert len(summary["histogram"]) == 10 and sum(summary["histogram"]) == len(graded)
    assert summary["histogram"][9] == sum(p >= 90 for p in percents)
    assert list(summary["pass_rate"]) == gradebook[None][len(FIXED_COLUMNS) :]
    for name, rate in summary["pass_rate"].items():
        passed = [any(t["name"] == name and t["status"] == "passed" for t in r["tests"])
                  for r in results.values()]  # fmt: skip
        assert rate == round(100 * sum(passed) / len(passed), 1), name
    assert {s["student"] for s in summary["slowest"]} <= set(results)


@pytest.mark.parametrize("suffix", ["md", "html"])
def test_feedback_names_the_student_the_score_and_every_test(run, gradebook, results, suffix):
    """Each graded student has a Markdown and an HTML feedback page with their id, their
    score out of the total, and every test by name; the reason a submission could not
    run, and the load error of a syntax error, are on both pages."""
    for student, data in results.items():
        page = (run[1] / "feedback" / f"{gradebook[student]['file']}.{suffix}").read_text()
        assert f"{STAGE}: feedback for {student}" in page, student
        score = f"{data['score']:g} / {data['max_score']:g}"
        assert score in page.replace("<strong>", "").replace("</strong>", ""), student
        for test in data["tests"]:
            name = test["name"]
            shown = name.replace("[", "\\[").replace("]", "\\]") if suffix == "md" else name
            assert shown in page, (student, name)
    folder = run[1] / "feedback"
    assert "the file is empty" in (folder / f"finn.{suffix}").read_text()
    assert "not a valid Jupyter notebook" in (folder / f"ivan.{suffix}").read_text()
    assert "SyntaxError" in (folder / f"gus.{suffix}").read_text()
    assert "does not define &#x27;softmax&#x27;" in (folder / f"hana.{suffix}").read_text() or (
        "does not define 'softmax'" in (folder / f"hana.{suffix}").read_text()
    )


def test_no_output_shows_a_temporary_path(run):
    """No gradebook cell, results file or feedback page names the batch's scratch folder
    (where zips are unpacked)."""
    for path in run[1].rglob("*"):
        if path.is_file() and ".cache" not in path.parts:
            assert "neurograde-batch-" not in path.read_text(errors="replace"), path


@pytest.fixture(scope="module")
def cleo_junit():
    return grade("run", STAGE, SUBMISSIONS / "cleo", "--format", "junit")


def test_junit_has_one_testcase_per_test_and_the_failures(cleo_junit, results):
    """`grade run --format junit` on cleo: a testsuite counting her tests and failures, the
    score as a property, one testcase per test (the results' names, in order), a
    <failure> on each failed one."""
    assert cleo_junit.returncode == 0, cleo_junit.stderr
    suite = ET.fromstring(cleo_junit.stdout.split("?>", 1)[1])
    tests = results["cleo"]["tests"]
    failed = {t["name"] for t in tests if t["status"] == "failed"}
    assert suite.get("name") == f"neurograde.{STAGE}" and suite.get("tests") == str(len(tests))
    assert suite.get("failures") == str(len(failed)) and suite.get("errors") == "0"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {"score": f"{results['cleo']['score']:g}",
                          "max_score": f"{results['cleo']['max_score']:g}"}  # fmt: skip
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [t["name"] for t in tests]
    for case in cases:
        assert (case.find("failure") is not None) == (case.get("name") in failed)


def test_gradescope_results_for_a_graded_and_an_ungradable_student(results):
    """`grade run --format gradescope`: cleo's score, max and tests with Gradescope's two
    statuses (ours in extra_data); finn's empty file still gets a results document, score
    0 with the reason in its output, and exit 2."""
    cleo = grade("run", STAGE, SUBMISSIONS / "cleo", "--format", "gradescope")
    data = json.loads(cleo.stdout)
    assert (data["score"], data["max_score"]) == (results["cleo"]["score"], stage_total())
    for test, ours in zip(data["tests"], results["cleo"]["tests"], strict=True):
        assert test["name"] == ours["name"] and test["status"] in ("passed", "failed")
        assert test["extra_data"] == {"status": ours["status"], "function": ours["function"]}
        assert test["visibility"] == ours["visibility"]
    finn = grade("run", STAGE, SUBMISSIONS / "finn", "--format", "gradescope")
    assert finn.returncode == 2
    data = json.loads(finn.stdout)
    assert data["score"] == 0 and "the file is empty" in data["output"]


# -- zips given directly, regrades, the hidden-feedback policy, public failures -------


def test_a_zip_given_directly_has_the_same_id_on_every_run(tmp_path):
    """`grade batch STAGE eve.zip` names the student after the file, the same on every
    run, and leaves no earlier output behind."""
    for _ in range(2):
        assert grade("batch", STAGE, SUBMISSIONS / "eve.zip", "-d", tmp_path).returncode == 0
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["eve.json"]


def test_regrading_one_student_keeps_the_rest_of_the_class(run, tmp_path):
    """`grade batch STAGE class/cleo` into the class's folder updates cleo's row and keeps
    every other row of the gradebook and the summary's count."""
    out = tmp_path / "graded"
    shutil.copytree(run[1], out)
    before = (out / "gradebook.csv").read_text().splitlines()
    assert grade("batch", STAGE, SUBMISSIONS / "cleo", "-d", out).returncode == 0
    after = (out / "gradebook.csv").read_text().splitlines()
    assert sorted(after) == sorted(before)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == json.loads((run[1] / "summary.json").read_text())["students"]


def test_hidden_feedback_hints_show_the_hint_not_the_values(tmp_path):
    """With --hidden-feedback hints, cleo's feedback carries the hidden tests' hint for
    softmax over the wrong axis, but none of their expected values (the lines of the
    hidden messages that no public message shares: the results JSON, the teacher's,
    keeps them all)."""
    out = tmp_path / "graded"
    args = ["batch", STAGE, SUBMISSIONS / "cleo", "-d", out, "--hidden-feedback", "hints"]
    assert grade(*args).returncode == 0
    page = (out / "feedback" / "cleo.md").read_text()
    assert "normalise each row" in page
    tests = json.loads((out / "results" / "cleo.json").read_text())["tests"]
    public = "".join(t["output"] for t in tests if not t["hidden"])
    values = {line.strip() for t in tests if t["hidden"] for line in t["output"].splitlines()
              if "expected" in line and line.strip() not in public}  # fmt: skip
    assert values and not [line for line in values if line in page]


def test_a_public_failure_teaches_instead_of_dumping_the_assertion(run):
    """cleo's failed public softmax test reads as a teaching message (function, input,
    expected vs got), not numpy's assert_allclose dump."""
    page = (run[1] / "feedback" / "cleo.md").read_text()
    assert "Mismatched elements" not in page and "(ACTUAL)" not in page
    assert "softmax(" in page and "expected" in page
