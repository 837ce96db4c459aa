"""The library's public face (``grader.api``): what other code imports from it, the
process-wide settings made once, and what `grade doctor` reports."""

from grader import api
from grader.sandbox import reaper


def test_the_public_names_are_exported():
    """Other code imports these from grader.api: they stay there."""
    for name in ("grade", "suite_files", "stage_points", "Report", "TestResult", "Limits"):
        assert name in api.__all__ and hasattr(api, name)
    assert api.suite_files("neuron", public_only=True) == [api.suite_files("neuron")[0]]


def test_prepare_isolation_returns_the_level_and_is_made_once(monkeypatch):
    """prepare_isolation() chooses the level and makes the process-wide settings once;
    grade() calling it again is a no-op."""
    calls = []
    monkeypatch.setattr(reaper, "_PREPARED", {})
    monkeypatch.setattr(reaper, "become_subreaper", lambda: calls.append("subreaper"))
    monkeypatch.setattr(reaper, "protect_grader", lambda: calls.append("non-dumpable"))
    level = api.prepare_isolation()
    assert level.name == api.choose_isolation().name
    api.prepare_isolation()
    assert calls.count("subreaper") == 1


def test_describe_isolation_says_level_guarantees_and_what_is_visible():
    """The doctor's lines name the level, why, what it guarantees, the control groups,
    and either what the student can see (allowlist) or what it can read."""
    lines = api.describe_isolation()
    level = api.choose_isolation()
    assert lines[0] == f"isolation level: {level.name}"
    assert f"  guarantees: {level.guarantees}" in lines
    assert any(line.startswith("control groups:") for line in lines)
    seen = "the student process can see only:" in lines
    assert seen == level.allowlist_fs
