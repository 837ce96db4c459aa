"""Batch grading (``grader.batch``): the cache, what lands in the output folder, and a
grader's failure kept apart from the student's. (Finding the submissions is
``grading/test_discovery.py``.)"""

import csv
import json
import shutil
from pathlib import Path

from grader import batch
from grader.batch import run_batch


def test_batch_outputs_and_cache(klass, tmp_path):
    """The gradebook has one row per student with the right totals, each student gets
    a JSON result and feedback, the summary has a histogram; a re-run uses the cache."""
    out = tmp_path / "out"
    result = run_batch("neuron", [klass], out, jobs=2, options={"public_only": True})
    assert len(result.graded) == 4 and not any(g.cached for g in result.graded)
    rows = list(csv.DictReader(open(out / "gradebook.csv")))
    by_student = {row["student"]: row for row in rows}
    assert by_student["alice"]["score"] == "5" and by_student["alice"]["max_score"] == "5"
    assert by_student["carol"]["score"] == "0"
    assert 0 < float(by_student["bob"]["score"]) < 5
    assert by_student["dave"]["status"] == "not_graded"
    test_columns = [c for c in rows[0] if c.startswith("test_")]
    assert len(test_columns) == 5
    for row in rows[:4]:
        assert sum(float(row[c]) for c in test_columns) == float(row["score"])
    data = json.loads((out / "results" / "bob.json").read_text())
    assert data["student"] == "bob" and data["score"] == float(by_student["bob"]["score"])
    feedback = (out / "feedback" / "bob.md").read_text()
    assert "Score:" in feedback and "test_neuron_output_known_value" in feedback
    assert "<svg" in (out / "summary.html").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == 5 and sum(summary["histogram"]) == 4  # dave: not graded
    assert summary["graded"] == 4 and summary["not_graded"] == 1

    again = run_batch("neuron", [klass], out, jobs=2, options={"public_only": True})
    assert all(g.cached for g in again.graded)
    assert [g.report.score for g in again.graded] == [g.report.score for g in result.graded]
    forced = run_batch("neuron", [klass], out, jobs=2, force=True, options={"public_only": True})
    assert not any(g.cached for g in forced.graded)


def test_feedback_follows_the_hidden_feedback_policy(tmp_path, wrong_neuron):
    """Feedback shows of a failed hidden test its hint but not its inputs by default
    (``hints``), its name and result only under ``none``, everything under ``full`` (or the
    former show_hidden_messages)."""
    root = tmp_path / "one"
    (root / "bob").mkdir(parents=True)
    shutil.copy(wrong_neuron, root / "bob" / "neuron.py")
    out = tmp_path / "out"
    run_batch("neuron", [root], out, jobs=1)
    feedback = (out / "feedback" / "bob.md").read_text()
    results = json.loads((out / "results" / "bob.json").read_text())  # the teacher's: all of it
    hidden = [t["output"].splitlines()[1] for t in results["tests"]
              if t["hidden"] and t["status"] != "passed"]  # the call, with its inputs
    assert hidden and "test_neuron_output_random" in feedback  # the hidden test is named
    assert "the bias was added once per input" in feedback  # its hint is shown
    assert not any(line in feedback for line in hidden)  # its inputs are not
    run_batch("neuron", [root], out, jobs=1, hidden_feedback="none")
    feedback = (out / "feedback" / "bob.md").read_text()
    assert "the bias was added once per input" not in feedback  # its message is not shown
    assert "hidden test(s) did not pass" in feedback
    run_batch("neuron", [root], out, jobs=1, show_hidden_messages=True)
    assert all(line in (out / "feedback" / "bob.md").read_text() for line in hidden)


def test_interrupt_keeps_what_was_graded(klass, tmp_path):
    """Ctrl-C during a batch keeps the submissions already graded (in the gradebook and the
    cache); the next run grades only the rest."""
    out = tmp_path / "out"

    def interrupt_after_first(done, total, item):
        if item is not None:
            raise KeyboardInterrupt

    result = run_batch("neuron", [klass], out, jobs=1, options={"public_only": True},
                       progress=interrupt_after_first)  # fmt: skip
    assert result.interrupted
    assert len(result.graded) == 1
    rows = [r for r in csv.DictReader(open(out / "gradebook.csv")) if r["status"] != "not_graded"]
    assert len(rows) == 1
    again = run_batch("neuron", [klass], out, jobs=2, options={"public_only": True})
    assert not again.interrupted and len(again.graded) == 4
    # The cache is by content: the one graded file (and any identical copy) is reused.
    assert 1 <= sum(g.cached for g in again.graded) < 4


def test_a_grader_fault_is_not_the_students_not_runnable(monkeypatch, tmp_path):
    """When grading itself fails (not the submission), the worker says so as a fault: the
    entry is listed as a problem, not graded and not cached. A submission that cannot be
    read is the student's: a not_runnable report."""

    def broken_grader(stage, path, **options):
        raise RuntimeError("the suites are broken")

    monkeypatch.setattr(batch, "grade", broken_grader)
    outcome = batch._grade_one("neuron", "alice/neuron.py", {})
    assert outcome == {"fault": "RuntimeError: the suites are broken"}

    class Done:
        def result(self):
            return outcome

    problems, cached = [], tmp_path / "cache.json"
    entry = batch.Entry("alice", Path("alice/neuron.py"))
    assert batch._collect(Done(), entry, cached, problems) is None
    assert [p.entry for p in problems] == ["alice"] and "grader failed" in problems[0].reason
    assert not cached.exists()

    def unreadable(stage, path, **options):
        raise batch.SubmissionError("cannot read alice/neuron.py: Permission denied")

    monkeypatch.setattr(batch, "grade", unreadable)
    report = batch._grade_one("neuron", "alice/neuron.py", {})["report"]
    assert report["status"] == "not_runnable" and "Permission denied" in report["problem"]



def test_workers_are_forked_only_from_a_process_without_other_threads():
    """Workers are forked from the grading process (its imports reused) unless another
    thread runs there: a fork could copy a lock that thread holds, never to be released, so
    a forkserver starts them instead."""
    import subprocess
    import sys
    import threading

    alone = "from grader import batch; print(batch._start_method())"
    result = subprocess.run([sys.executable, "-c", alone], capture_output=True, text=True)
    assert result.stdout.strip() == "fork", result.stderr
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert batch._start_method() == "forkserver"
    finally:
        stop.set()
        other.join()


def test_an_unchanged_rerun_leaves_each_students_files_alone(klass, tmp_path):
    """A re-run that changes nothing for a student does not write their results and
    feedback again (half of an unchanged re-run's time); a change of feedback policy, of
    their submission, or a missing file does."""
    import os

    out = tmp_path / "out"
    options = {"public_only": True}
    run_batch("neuron", [klass], out, jobs=2, options=options)
    files = sorted((out / "results").glob("*.json")) + sorted((out / "feedback").glob("*.*"))
    assert len(files) == 12  # alice, bob, carol, smith_john_12345: results, .md, .html
    for path in files:
        os.utime(path, ns=(1, 1))  # marked: a file written again gets a new time
    run_batch("neuron", [klass], out, jobs=2, options=options)
    assert all(path.stat().st_mtime_ns == 1 for path in files)
    assert (out / "gradebook.csv").stat().st_mtime_ns > 1

    (out / "feedback" / "bob.html").unlink()
    shutil.copy(klass / "alice" / "neuron.py", klass / "bob" / "neuron.py")  # bob fixes it
    run_batch("neuron", [klass], out, jobs=2, options=options)
    rewritten = {p.name for p in files if not p.exists() or p.stat().st_mtime_ns != 1}
    assert rewritten == {"bob.json", "bob.md", "bob.html"}
    assert json.loads((out / "results" / "bob.json").read_text())["score"] == 5

    run_batch("neuron", [klass], out, jobs=2, options=options, hidden_feedback="none")
    assert all(p.stat().st_mtime_ns != 1 for p in files)


def test_what_was_not_graded_is_said_anew_of_an_input_looked_at_again(klass, tmp_path):
    """A stray file or an empty folder removed from the class folder is no longer listed
    as not graded by the next run over that folder; a run over one student's folder alone
    keeps what the whole class's run found elsewhere."""
    out = tmp_path / "out"
    options = {"public_only": True}

    def not_graded():
        record = json.loads((out / "class.json").read_text())
        summary = json.loads((out / "summary.json").read_text())
        entries = [p["entry"] for p in record["problems"]]
        assert [p["entry"] for p in summary["problems"]] == entries
        with open(out / "gradebook.csv", newline="") as handle:
            rows = {row["student"]: row["status"] for row in csv.DictReader(handle)}
        return sorted(Path(entry).name for entry in entries), rows

    run_batch("neuron", [klass], out, jobs=2, options=options)
    graded = dict.fromkeys(["alice", "bob", "carol", "smith_john_12345"], "graded")
    assert not_graded() == (["dave", "notes.txt"], {**graded, "dave": "not_graded"})
    run_batch("neuron", [klass / "alice"], out, jobs=2, options=options)  # one student again
    assert not_graded()[0] == ["dave", "notes.txt"]

    (klass / "notes.txt").unlink()
    (klass / "dave").rmdir()
    run_batch("neuron", [klass], out, jobs=2, options=options)
    problems, rows = not_graded()
    assert problems == [] and "dave" not in rows and rows["alice"] == "graded"


def test_a_stray_file_removed_is_gone_after_a_run_over_each_entry(klass, tmp_path):
    """`grade batch STAGE class/*` (each entry an input): a stray file removed since the
    last run is no longer listed, nor is what was wrong in a folder removed since (a FIFO
    in it)."""
    import os

    out = tmp_path / "out"
    (klass / "erin").mkdir()
    shutil.copy(klass / "alice" / "neuron.py", klass / "erin" / "neuron.py")
    os.mkfifo(klass / "erin" / "pipe.py")
    run_batch("neuron", sorted(klass.iterdir()), out, jobs=2, options={"public_only": True})
    record = json.loads((out / "class.json").read_text())
    assert {Path(p["entry"]).name for p in record["problems"]} == {"notes.txt", "pipe.py"}
    (klass / "notes.txt").unlink()
    shutil.rmtree(klass / "erin")
    run_batch("neuron", sorted(klass.iterdir()), out, jobs=2, options={"public_only": True})
    assert json.loads((out / "class.json").read_text())["problems"] == []


def test_a_canvas_pair_of_files_is_graded_both_and_keeps_the_better(tmp_path, correct_neuron,
                                                                     wrong_neuron):  # fmt: skip
    """Canvas downloads a student's .py and .ipynb as two files (kim_..._neuron.py and
    kim_..._neuron.ipynb): both are graded and the better score is kept, as for a folder
    holding both (README: two files, one rule), even when the worse one is newer; the
    report names the file kept as handed in."""
    import os

    import nbformat

    klass = tmp_path / "class"
    klass.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(correct_neuron.read_text())]
    older = klass / "kim_45678_90123_neuron.ipynb"
    older.write_text(nbformat.writes(notebook))
    newer = klass / "kim_45678_90124_neuron.py"
    shutil.copy(wrong_neuron, newer)
    os.utime(older, (1_700_000_000, 1_700_000_000))
    result = run_batch("neuron", [klass], tmp_path / "out", jobs=1, options={"public_only": True})
    assert not result.problems, result.problems
    [graded] = result.graded
    assert graded.student == "kim_45678" and graded.report.score == graded.report.max_score
    assert graded.report.submission == str(older)
    assert any("graded both" in note for note in graded.report.notes)
