"""Every public test of every stage passes on the reference and fails on the stub.

Each side runs once, in a pytest subprocess over a temporary folder that holds, per stage, a
copy of ``assignments/<stage>/test_<stage>.py`` beside ``<stage>.py`` (the reference module or
the stub). The JUnit XML report gives each test's outcome.
"""

import ast
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.course import STAGES, get_stage

ROOT = Path(__file__).resolve().parents[2]
# Third-party pytest plugins of the surrounding environment (hypothesis, benchmark, ...) cost
# seconds per run and play no part in the public tests.
SUBPROCESS_ENV = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _public_test_names(stage):
    tree = ast.parse((ROOT / "assignments" / stage / f"test_{stage}.py").read_text("utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]


CASES = [(stage, name) for stage in STAGES for name in _public_test_names(stage)]


def _run_public_tests(folder, source_of):
    """Copy each stage's public tests and source_of(stage) into folder; run pytest once.

    returns: {(stage, test name): (outcome, message)}, outcome "passed", "failed" or "skipped"
    """
    for stage in STAGES:
        stage_dir = folder / stage
        stage_dir.mkdir()
        shutil.copy(ROOT / "assignments" / stage / f"test_{stage}.py", stage_dir)
        shutil.copy(source_of(stage), stage_dir / f"{stage}.py")
    report = folder / "report.xml"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(folder),
            f"--junitxml={report}",
            *STAGES,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env=SUBPROCESS_ENV,
    )
    assert report.is_file(), completed.stdout + completed.stderr
    results = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        stage = case.get("classname").split(".")[-1].removeprefix("test_")
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error"):
                outcome, message = "failed", f"{child.get('message')}\n{child.text}"
            elif child.tag == "skipped":
                outcome = "skipped"
        results[(stage, case.get("name"))] = (outcome, message)
    return results


@pytest.fixture(scope="module")
def reference_results(tmp_path_factory):
    return _run_public_tests(
        tmp_path_factory.mktemp("reference"), lambda stage: get_stage(stage).reference
    )


@pytest.fixture(scope="module")
def stub_results(tmp_path_factory):
    return _run_public_tests(
        tmp_path_factory.mktemp("stubs"),
        lambda stage: ROOT / "assignments" / stage / f"{stage}.py",
    )


def test_every_public_test_was_found():
    """Each stage has public tests, and the list read from their source is not empty."""
    for stage in STAGES:
        assert _public_test_names(stage), f"no public tests found for {stage}"


def test_both_runs_report_exactly_the_public_tests(reference_results, stub_results):
    """Both subprocess runs report every public test, and nothing else (no collection error)."""
    assert set(reference_results) == set(CASES)
    assert set(stub_results) == set(CASES)


@pytest.mark.parametrize(("stage", "name"), CASES, ids=[f"{s}::{n}" for s, n in CASES])
def test_reference_passes(reference_results, stage, name):
    """The reference module, saved as <stage>.py, passes this public test."""
    outcome, message = reference_results.get((stage, name), ("missing", "not run"))
    assert outcome == "passed", message


@pytest.mark.parametrize(("stage", "name"), CASES, ids=[f"{s}::{n}" for s, n in CASES])
def test_stub_fails(stub_results, stage, name):
    """The untouched stub fails this public test, because of its NotImplementedError."""
    outcome, message = stub_results.get((stage, name), ("missing", "not run"))
    assert outcome == "failed", message
    assert "NotImplementedError" in message
