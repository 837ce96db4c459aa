"""Choosing the isolation level, and the `uid` level (root without namespaces)."""

import os

import pytest

from grader import isolation
from grader.api import grade
from grader.course import PROJECT_ROOT, standalone_reference
from grader.errors import IsolationError
from grader.proxy import Session, StudentModule
from grader.sandbox import Limits
from grader.submission import read_submission

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the uid level needs root")

PROBE = """
import os
import resource


def probe():
    written = True
    try:
        with open({target!r}, "w") as handle:
            handle.write("x")
    except OSError:
        written = False
    return [os.getuid(), resource.getrlimit(resource.RLIMIT_NPROC)[0], written]
"""


@pytest.fixture
def fresh_detection(monkeypatch):
    monkeypatch.setattr(isolation, "_DETECTED", None)


@needs_root
def test_root_without_namespaces_still_drops_the_uid(monkeypatch, fresh_detection):
    """As root in a container that refuses namespaces, the level is `uid`, never the
    baseline (which would run the student's code as root), and says why."""
    monkeypatch.setattr(isolation, "_probe", lambda flags, user_ns: "Operation not permitted")
    level = isolation.detect()
    assert level.name == "uid"
    assert "namespaces are refused" in level.reason and level.upgrade


@needs_root
def test_uid_level_runs_the_student_as_another_user(tmp_path):
    """At the uid level the student's code runs as an unprivileged uid with a process limit
    and cannot write into the grader's folder; correct work still gets full marks."""
    target = PROJECT_ROOT / "grader" / "uid-level-probe.txt"
    path = tmp_path / "neuron.py"
    path.write_text(standalone_reference("neuron") + PROBE.format(target=str(target)))
    report = grade("neuron", path, isolation_level="uid")
    assert report.isolation == "uid"
    assert report.score == report.max_score
    session = Session(read_submission("neuron", path).load_request(), Limits(),
                      isolation.choose(requested="uid"))  # fmt: skip
    try:
        uid, nproc, written = StudentModule(session, "neuron").probe()
    finally:
        session.close()
    assert uid >= isolation.UID_BASE and nproc == 64
    assert not written and not target.exists()


def test_uid_level_needs_root(monkeypatch):
    """Asking for the uid level without root is refused with a reason."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(IsolationError, match="needs root"):
        isolation.choose(requested="uid")
