"""The isolation levels (``grader.sandbox.levels``): described by their capabilities,
detected, chosen, never silently lowered; and the `uid` level (root without namespaces)."""

import os

import pytest

from grader.api import grade
from grader.course import PROJECT_ROOT, standalone_reference
from grader.errors import IsolationError
from grader.grading.proxy import StudentModule
from grader.grading.session import Session
from grader.grading.submission import read_submission
from grader.sandbox import levels as isolation
from grader.sandbox.limits import Limits
from grader.sandbox.slots import UID_BASE

LEVEL = isolation.detect()

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
    assert uid >= UID_BASE and nproc == 64
    assert not written and not target.exists()


def test_uid_level_needs_root(monkeypatch):
    """Asking for the uid level without root is refused with a reason."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(IsolationError, match="needs root"):
        isolation.choose(requested="uid")


def test_isolation_levels_are_never_silently_lowered():
    """Asking for, or requiring, a level above what the machine allows is refused."""
    available = isolation.LEVELS.index(LEVEL.name)
    for index, name in enumerate(isolation.LEVELS):
        if index > available:
            with pytest.raises(IsolationError):
                isolation.choose(requested=name)
            with pytest.raises(IsolationError):
                isolation.choose(required=name)
        else:
            assert isolation.choose(required=name).name == LEVEL.name
            if name == "userns" and os.geteuid() == 0:
                continue  # refused to root on purpose: test_userns_level_is_refused_to_root
            assert isolation.choose(requested=name).name == name


def test_levels_are_described_by_their_capabilities():
    """Each level says what it does: the namespace levels have an allowlist root and
    nothing readable outside it; the levels with their own uid have control groups; only
    the userns level goes through a user namespace; the baseline alone shares the grader's
    uid and view (so only it makes the grader non-dumpable); every level has guarantees."""
    by_name = {level.name: level for level in (isolation.BASELINE, isolation.UID,
                                               isolation.USERNS, isolation.ROOT)}  # fmt: skip
    assert tuple(by_name) == isolation.LEVELS
    for level in by_name.values():
        assert level.allowlist_fs == level.namespaces
        assert (level.readable_outside == "") == level.allowlist_fs
        assert level.cgroups == level.own_uid
        assert level.guarantees
    assert [n for n, lv in by_name.items() if lv.user_namespace] == ["userns"]
    assert [n for n, lv in by_name.items() if lv.shares_grader_view] == ["baseline"]


def test_a_level_chosen_keeps_its_capabilities_and_says_why():
    """Choosing a level returns the same capabilities with the reason it was chosen."""
    chosen = isolation.choose(requested="baseline")
    assert chosen.namespaces is False and chosen.own_uid is False
    assert chosen.reason and chosen.guarantees == isolation.BASELINE.guarantees

