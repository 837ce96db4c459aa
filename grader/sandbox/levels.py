"""How strongly the student process is isolated on this machine: the levels, described by
what they do, and the probe that finds the strongest one available.

Levels, weakest first:

- ``baseline``: a separate process with resource limits, a new session, a private
  work directory, a scrubbed environment and a private import path; the grader is
  a child subreaper and kills every process the submission left behind.
- ``uid`` (root, but namespaces refused, e.g. a container's seccomp profile): the
  baseline, and the child drops to an unprivileged uid, a distinct one per concurrent
  slot, with a process-count limit; no namespaces, so nothing is hidden beyond file
  permissions and the network stays reachable.
- ``userns`` (not root, user namespaces allowed): the baseline plus new user, mount,
  PID, network, IPC and UTS namespaces, and a root file system built from an allowlist;
  no network at all.
- ``root``: the ``userns`` protections, and the child drops to an unprivileged uid,
  a distinct one per concurrent slot, with a process-count limit.

Everything else (the sandbox, the student runtime's settings, ``grade doctor``) reads a
level's capabilities (``namespaces``, ``own_uid``, ``allowlist_fs``, ...), never its name:
a new level is one more ``Level`` here, and its tests.
"""

import contextlib
import ctypes
import os
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from grader.errors import IsolationError
from grader.sandbox.allowlist import world_traversable

_FLAGS = 0x00020000 | 0x40000000 | 0x20000000 | 0x08000000 | 0x04000000  # NS NET PID IPC UTS
_CLONE_NEWUSER = 0x10000000

_READABLE_WITHOUT_ALLOWLIST = (
    "every file and folder that the student's uid may read: world-readable files "
    "anywhere on the machine (other checkouts of this project, course folders, "
    "site-packages) and, at the baseline level, everything the grader's own user can read"
)


@dataclass(frozen=True)
class Level:
    """One isolation level: what it does, and (once detected or chosen) why it is the one.

    ``grader_root`` is True when the grader must run as root to use the level, False when
    it must not (root inside a user namespace is root on every host file it can see), and
    None when either will do; ``wrong_user`` says why a request for the level is refused
    otherwise (without it, the level is simply not available).
    """

    name: str
    namespaces: bool = False  # new mount, PID, network, IPC and UTS namespaces
    user_namespace: bool = False  # entered through a user namespace (the grader is not root)
    own_uid: bool = False  # an unprivileged uid per slot, with a process-count limit
    allowlist_fs: bool = False  # a root file system holding only what running the student needs
    cgroups: bool = False  # the slot's control groups (where the machine has them)
    grader_root: bool | None = None
    guarantees: str = ""  # what the level promises, for `grade doctor`
    wrong_user: str = ""
    reason: str = ""  # why this level and not a stronger one
    upgrade: str = ""  # what would raise it ("" at the strongest)

    @property
    def shares_grader_view(self) -> bool:
        """Whether the student runs as the grader's own uid, in the grader's namespaces: it
        could then open /proc/<grader>/fd/* or ptrace the grader unless that is refused."""
        return not self.namespaces and not self.own_uid

    @property
    def readable_outside(self) -> str:
        """What the student can read beyond what it needs ("" with an allowlist root)."""
        return "" if self.allowlist_fs else _READABLE_WITHOUT_ALLOWLIST

    def because(self, reason: str, upgrade: str = "") -> "Level":
        """This level, with why it was chosen and what would raise it."""
        return replace(self, reason=reason, upgrade=upgrade)


BASELINE = Level(
    "baseline",
    guarantees="separate process, resource limits, private work directory and import "
    "path, leftover processes killed; the submission can still read world-readable "
    "files and use the network",
)
UID = Level(
    "uid", own_uid=True, cgroups=True, grader_root=True,
    guarantees="the baseline, plus an unprivileged uid per concurrent slot with a "
    "process-count limit; files readable by everyone and the network stay reachable",
    wrong_user="the uid level needs root (to switch to another uid)",
)  # fmt: skip
USERNS = Level(
    "userns", namespaces=True, user_namespace=True, allowlist_fs=True, grader_root=False,
    guarantees="the baseline, plus no network, its own PID namespace, and a new root "
    "file system holding only what running the student needs (listed below)",
    wrong_user="the userns level is for graders that are not root; as root, use 'root' "
    "(the default) or, for trusted code only, 'baseline'",
)  # fmt: skip
ROOT = Level(
    "root", namespaces=True, own_uid=True, allowlist_fs=True, cgroups=True, grader_root=True,
    guarantees="the userns level, plus an unprivileged uid per concurrent slot with a "
    "process-count limit",
)  # fmt: skip
BY_NAME = {level.name: level for level in (BASELINE, UID, USERNS, ROOT)}  # weakest first
LEVELS = tuple(BY_NAME)


def _probe(flags: int, user_ns: bool) -> str | None:
    """Fork, try to enter the namespaces and mount a tmpfs; None on success, else the error."""
    read_fd, write_fd = os.pipe()
    target = tempfile.mkdtemp(prefix="neurograde-probe-")
    pid = os.fork()
    if pid == 0:  # the probe child: never returns
        code = 0
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            uid, gid = os.getuid(), os.getgid()
            if libc.unshare(flags | (_CLONE_NEWUSER if user_ns else 0)) != 0:
                raise OSError(ctypes.get_errno(), "unshare")
            if user_ns:
                for path, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"),
                                   ("gid_map", f"0 {gid} 1")):  # fmt: skip
                    with open(f"/proc/self/{path}", "w") as handle:
                        handle.write(text)
            if libc.mount(b"tmpfs", target.encode(), b"tmpfs", 0, b"size=1m") != 0:
                raise OSError(ctypes.get_errno(), "mount")
        except OSError as exc:
            os.write(
                write_fd,
                f"{exc.strerror or os.strerror(exc.errno)} ({exc.filename or ''})".encode(),
            )
            code = 1
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as reader:
        message = reader.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(OSError):
        os.rmdir(target)
    return None if os.waitstatus_to_exitcode(status) == 0 else (message or "failed")


_DETECTED: Level | None = None


def detect() -> Level:
    """The strongest level this machine allows (probed once per process)."""
    global _DETECTED
    if _DETECTED is None:
        _DETECTED = _detect_as_root() if os.geteuid() == 0 else _detect_as_user()
    return _DETECTED


def _detect_as_root() -> Level:
    error = _probe(_FLAGS, user_ns=False)
    if error is None:
        return ROOT.because("running as root with namespaces available")
    # Namespaces refused (a container's default seccomp profile): still never run the
    # student's code as root.
    private = [str(p) for p in _unreadable_runtime_paths()]
    caveat = (
        f"; {', '.join(private)} cannot be read by that uid, so only the modules "
        "loaded before the switch (NumPy and common standard modules) can be imported"
        if private
        else ""
    )
    return UID.because(
        f"running as root but namespaces are refused ({error}): the student's code "
        f"runs as a separate unprivileged uid, without namespaces{caveat}",
        "allow unshare/mount in this container (CAP_SYS_ADMIN, or a seccomp profile "
        "that permits unshare) to get the root level (hidden files, no network)",
    )


def _detect_as_user() -> Level:
    error = _probe(_FLAGS, user_ns=True)
    if error is None:
        return USERNS.because(
            "not root; unprivileged user namespaces are available",
            "run as root (e.g. in a CI container) to also drop to a separate uid per slot",
        )
    return BASELINE.because(
        f"not root, and user namespaces are refused ({error})",
        "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 "
        "or user.max_user_namespaces > 0), or run as root",
    )


def _unreadable_runtime_paths() -> list[Path]:
    """Folders on the way to the interpreter or NumPy that another uid cannot enter."""
    targets = [Path(sys.base_prefix).resolve(), Path(np.__file__).resolve().parent]
    return sorted(
        {a for t in targets for a in t.parents if a != Path("/") and not world_traversable(a)}
    )


def choose(required: str | None = None, requested: str | None = None) -> Level:
    """The level to grade at: ``requested`` (or the strongest available), never below
    ``required``. Raises IsolationError when the machine cannot provide it."""
    if required and requested and LEVELS.index(requested) < LEVELS.index(required):
        raise IsolationError(  # the two options contradict each other, on any machine
            f"isolation level {requested!r} was requested but {required!r} is required: "
            f"ask for {required!r} or a stronger level, or leave the level to the grader"
        )
    available = detect()
    level = available
    if requested:
        wanted = BY_NAME[requested]
        if wanted.wrong_user and wanted.grader_root != (os.geteuid() == 0):
            raise IsolationError(wanted.wrong_user)
        if wanted.name != available.name:
            if LEVELS.index(wanted.name) > LEVELS.index(available.name):
                raise IsolationError(
                    f"isolation level {requested!r} is not available here: {available.reason}"
                )
            level = wanted.because(f"requested (the machine allows {available.name})")
    if required and LEVELS.index(level.name) < LEVELS.index(required):
        raise IsolationError(
            f"isolation level {required!r} is required but only {level.name!r} is available: "
            f"{level.reason}. {available.upgrade}"
        )
    return level
