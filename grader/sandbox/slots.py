"""A slot: an exclusive unprivileged uid, and its control groups, for one running student
process (the levels with ``own_uid``).

Claiming a slot is a side effect shared by every grader process on the machine (a
``flock``ed file); preparing its control groups writes to ``/sys/fs/cgroup``.
"""

import contextlib
import fcntl
import os
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader.errors import IsolationError

UID_BASE = 61000  # slot n runs as uid/gid UID_BASE + n
MAX_SLOTS = 64


@dataclass(frozen=True)
class Slot:
    """An exclusive uid for one concurrently running student process (the levels with
    ``own_uid``), held while ``fd`` (its lock file) is open: see ``claim_slot``."""

    fd: int
    index: int

    @property
    def uid(self) -> int:
        return UID_BASE + self.index

    def release(self) -> None:
        os.close(self.fd)


def claim_slot() -> Slot:
    """Take the first free slot. Slots are flock()ed files shared by every grader process on
    the machine, in a folder only root can write (``/run``), or else in the temporary folder
    once its owner and mode are checked; lock files are opened without following links."""
    lock_dir = _slot_dir()
    for index in range(MAX_SLOTS):
        fd = os.open(lock_dir / f"{index}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return Slot(fd, index)
    raise IsolationError(f"all {MAX_SLOTS} sandbox slots are busy")


def _slot_dir() -> Path:
    for base in (Path("/run"), Path(tempfile.gettempdir())):
        folder = base / "neurograde-slots"
        with contextlib.suppress(OSError):
            folder.mkdir(mode=0o700, exist_ok=True)
            info = folder.lstat()
            if folder.is_dir() and info.st_uid == os.getuid() and not info.st_mode & 0o077:
                return folder
    raise IsolationError("no safe folder for the sandbox slots' lock files")


CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class ControlGroups:
    """One memory and process budget per slot, shared by every process the student starts
    (rlimits are per process: five forked children would each get the whole limit).

    ``version`` is "v2" (unified hierarchy with the memory and pids controllers), "v1"
    (the separate ``memory`` and ``pids`` hierarchies) or "" when neither is usable here;
    ``reason`` says which, or why none.
    """

    version: str
    reason: str

    def folders(self, index: int) -> list[Path]:
        name = f"neurograde/slot-{index}"
        if self.version == "v1":
            return [CGROUP_ROOT / "memory" / name, CGROUP_ROOT / "pids" / name]
        return [CGROUP_ROOT / name] if self.version == "v2" else []

    def prepare(self, index: int, memory_bytes: int, processes: int) -> list[str]:
        """Make (or reuse) the slot's groups with these limits, empty; returns the
        ``cgroup.procs`` files the student process joins."""
        self.kill(index)
        settings = {
            "v1": {"memory.limit_in_bytes": memory_bytes, "memory.memsw.limit_in_bytes":
                   memory_bytes, "memory.max_usage_in_bytes": 0, "memory.failcnt": 0,
                   "pids.max": processes},
            "v2": {"memory.max": memory_bytes, "memory.swap.max": 0, "pids.max": processes},
        }.get(self.version, {})  # fmt: skip
        joins = []
        for folder in self.folders(index):
            folder.mkdir(parents=True, exist_ok=True)
            # Twice: v1 refuses a memory limit above the old memory+swap one, and the reverse.
            # Only the controller files this folder has (v1: memory.* or pids.*; no
            # memory.memsw.* without swap accounting).
            present = [(n, v) for n, v in settings.items() if (folder / n).exists()]
            for name, value in [*present, *present]:
                with contextlib.suppress(OSError):  # the first of the two writes may be refused
                    (folder / name).write_text(str(value))
            joins.append(str(folder / "cgroup.procs"))
        return joins

    def oom_kills(self, index: int) -> int:
        """How many times the slot's memory limit was hit (v1) or killed a process (v2)."""
        for folder in self.folders(index)[:1]:
            name = "memory.failcnt" if self.version == "v1" else "memory.events"
            with contextlib.suppress(OSError, ValueError):
                text = (folder / name).read_text()
                if self.version == "v1":
                    return int(text)
                fields = dict(line.split() for line in text.splitlines() if line.strip())
                return int(fields.get("oom_kill", 0))
        return 0

    def kill(self, index: int, rounds: int = 30) -> None:
        """Kill every process left in the slot's groups, wherever it went (a daemon that
        left the process group, or the PID namespace's reach)."""
        for round_ in range(rounds):
            pids = set()
            for folder in self.folders(index):
                with contextlib.suppress(OSError, ValueError):
                    pids |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            # A killed process usually leaves its group within a millisecond (the PID
            # namespace's processes follow their init): look again soon, then less often.
            time.sleep(min(0.0005 * 2**round_, 0.005))


_CGROUPS: list[ControlGroups] = []


def control_groups() -> ControlGroups:
    """Which control groups this machine lets the grader make (probed once per process)."""
    if not _CGROUPS:
        _CGROUPS.append(_probe_cgroups())
    return _CGROUPS[0]


def _probe_cgroups() -> ControlGroups:
    if os.geteuid() != 0:
        return ControlGroups("", "not root: no control groups of our own (limits are per process)")
    try:
        controllers = (CGROUP_ROOT / "cgroup.controllers").read_text().split()
    except OSError:
        controllers = []
    if {"memory", "pids"} <= set(controllers):
        try:
            for folder in (CGROUP_ROOT, CGROUP_ROOT / "neurograde"):
                folder.mkdir(exist_ok=True)
                (folder / "cgroup.subtree_control").write_text("+memory +pids")
            return ControlGroups("v2", f"cgroup v2 at {CGROUP_ROOT} (memory, pids)")
        except OSError as exc:
            return ControlGroups("", f"cgroup v2 is here but not delegated to us ({exc.strerror})")
    v1 = [CGROUP_ROOT / "memory", CGROUP_ROOT / "pids"]
    if all((folder / "cgroup.procs").is_file() for folder in v1):
        try:
            for folder in v1:
                (folder / "neurograde").mkdir(exist_ok=True)
            return ControlGroups("v1", f"cgroup v1 at {v1[0]} and {v1[1]}")
        except OSError as exc:
            return ControlGroups("", f"cgroup v1 is mounted read-only here ({exc.strerror})")
    return ControlGroups("", "no cgroup v2 with memory and pids, nor cgroup v1 memory and pids")


