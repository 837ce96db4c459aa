"""Slots (``grader.sandbox.slots``): an exclusive uid per running student process, and the
control groups of a slot."""

from pathlib import Path

import pytest

from grader.sandbox import slots
from grader.sandbox.slots import CGROUP_ROOT, UID_BASE, ControlGroups, claim_slot


@pytest.fixture
def private_slots(tmp_path, monkeypatch):
    """Slots whose lock files live in a folder of this test (no other grader competes)."""
    folder = tmp_path / "slots"
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(slots, "_slot_dir", lambda: folder)
    return folder


def test_slots_are_exclusive_until_released(private_slots):
    """Two claims get two different slots (uids); a released slot is claimed again."""
    first, second = claim_slot(), claim_slot()
    try:
        assert (first.index, second.index) == (0, 1)
        assert (first.uid, second.uid) == (UID_BASE, UID_BASE + 1)
        first.release()
        again = claim_slot()
        assert again.index == 0
        again.release()
    finally:
        second.release()


def test_no_free_slot_is_an_isolation_error(private_slots, monkeypatch):
    """When every slot is held, claiming one says so instead of sharing a uid."""
    monkeypatch.setattr(slots, "MAX_SLOTS", 1)
    held = claim_slot()
    try:
        with pytest.raises(slots.IsolationError, match="busy"):
            claim_slot()
    finally:
        held.release()


def test_control_group_folders_per_version():
    """A slot's groups: one folder with cgroup v2, the memory and pids folders with v1,
    none without control groups (then limits are per process only)."""
    assert ControlGroups("v2", "").folders(3) == [CGROUP_ROOT / "neurograde/slot-3"]
    assert ControlGroups("v1", "").folders(3) == [
        CGROUP_ROOT / "memory/neurograde/slot-3", CGROUP_ROOT / "pids/neurograde/slot-3",
    ]  # fmt: skip
    none = ControlGroups("", "no cgroups")
    assert none.folders(3) == [] and none.oom_kills(3) == 0
    assert none.prepare(3, 1 << 20, 64) == []
    assert all(isinstance(p, Path) for p in ControlGroups("v2", "").folders(0))
