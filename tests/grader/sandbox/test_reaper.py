"""Process-wide settings and leftovers (``grader.sandbox.reaper``)."""

import os
import subprocess
import sys

from grader.sandbox import reaper
from grader.sandbox.levels import BASELINE, ROOT, UID, USERNS


def test_prepare_isolation_is_made_once(monkeypatch):
    """The subreaper is set once per process whatever the level; the grader is made
    non-dumpable only for a level whose student shares its uid and view (the baseline),
    and only once."""
    calls = []
    monkeypatch.setattr(reaper, "_PREPARED", {})
    monkeypatch.setattr(reaper, "become_subreaper", lambda: calls.append("subreaper"))
    monkeypatch.setattr(reaper, "protect_grader", lambda: calls.append("non-dumpable"))
    for level in (ROOT, USERNS, UID, ROOT):
        reaper.prepare_isolation(level)
    assert calls == ["subreaper"]
    reaper.prepare_isolation(BASELINE)
    reaper.prepare_isolation(BASELINE)
    assert calls == ["subreaper", "non-dumpable"]


def test_a_forked_child_prepares_again(monkeypatch):
    """A child made by fork() inherits the bookkeeping but not the subreaper setting: in
    another process, prepare_isolation() makes the settings again."""
    calls = []
    monkeypatch.setattr(reaper, "_PREPARED", {})
    monkeypatch.setattr(reaper, "become_subreaper", lambda: calls.append("subreaper"))
    reaper.prepare_isolation(ROOT)
    monkeypatch.setattr(reaper.os, "getpid", lambda: -1)  # as seen from a forked child
    reaper.prepare_isolation(ROOT)
    assert calls == ["subreaper", "subreaper"]


def test_children_lists_this_process_children():
    """children() finds a child of this process by its pid."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in reaper.children()
        assert child.pid in reaper.children(str(os.getpid()))
    finally:
        child.kill()
        child.wait()
