"""How strongly the student process is isolated on this machine, and the settings for it.

Levels, weakest first:

- ``baseline``: a separate process with resource limits, a new session, a private
  work directory, a scrubbed environment and a private import path; the grader is
  a child subreaper and kills every process the submission left behind.
- ``userns`` (not root, user namespaces allowed): the baseline plus new user, mount,
  PID, network, IPC and UTS namespaces; the grader's files are hidden under empty
  tmpfs mounts; no network at all.
- ``uid`` (root, but namespaces refused, e.g. a container's seccomp profile): the
  baseline, and the child drops to an unprivileged uid, a distinct one per concurrent
  slot, with a process-count limit; no namespaces, so nothing is hidden beyond file
  permissions and the network stays reachable.
- ``root``: the ``userns`` protections, and the child drops to an unprivileged uid,
  a distinct one per concurrent slot, with a process-count limit.

``detect()`` probes (by forking and trying) which level this machine allows.
"""

import contextlib
import ctypes
import fcntl
import os
import signal
import site
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.course import PROJECT_ROOT
from grader.errors import IsolationError

LEVELS = ("baseline", "uid", "userns", "root")
UID_BASE = 61000  # slot n runs as uid/gid UID_BASE + n
MAX_SLOTS = 64
PR_SET_CHILD_SUBREAPER = 36
PR_SET_DUMPABLE = 4
WORLD_WRITABLE = frozenset({Path("/var/tmp"), Path("/dev/shm"), Path("/run/lock")})
_FLAGS = 0x00020000 | 0x40000000 | 0x20000000 | 0x08000000 | 0x04000000  # NS NET PID IPC UTS
_CLONE_NEWUSER = 0x10000000


@dataclass(frozen=True)
class Level:
    name: str
    reason: str  # why this level and not a stronger one
    upgrade: str  # what would raise it ("" at the strongest)


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
    if _DETECTED is not None:
        return _DETECTED
    if os.geteuid() == 0:
        error = _probe(_FLAGS, user_ns=False)
        if error is None:
            _DETECTED = Level("root", "running as root with namespaces available", "")
        else:
            # Namespaces refused (a container's default seccomp profile): still never run
            # the student's code as root.
            private = [str(p) for p in _unreadable_runtime_paths()]
            caveat = (
                f"; {', '.join(private)} cannot be read by that uid, so only the modules "
                "loaded before the switch (NumPy and common standard modules) can be imported"
                if private
                else ""
            )
            _DETECTED = Level(
                "uid",
                f"running as root but namespaces are refused ({error}): the student's code "
                f"runs as a separate unprivileged uid, without namespaces{caveat}",
                "allow unshare/mount in this container (CAP_SYS_ADMIN, or a seccomp profile "
                "that permits unshare) to get the root level (hidden files, no network)",
            )
    else:
        error = _probe(_FLAGS, user_ns=True)
        if error is None:
            _DETECTED = Level(
                "userns",
                "not root; unprivileged user namespaces are available",
                "run as root (e.g. in a CI container) to also drop to a separate uid per slot",
            )
        else:
            _DETECTED = Level(
                "baseline",
                f"not root, and user namespaces are refused ({error})",
                "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 "
                "or user.max_user_namespaces > 0), or run as root",
            )
    return _DETECTED


def _unreadable_runtime_paths() -> list[Path]:
    """Folders on the way to the interpreter or NumPy that another uid cannot enter."""
    targets = [Path(sys.base_prefix).resolve(), Path(np.__file__).resolve().parent]
    return sorted(
        {a for t in targets for a in t.parents if a != Path("/") and not _world_traversable(a)}
    )


def choose(required: str | None = None, requested: str | None = None) -> Level:
    """The level to grade at: ``requested`` (or the strongest available), never below
    ``required``. Raises IsolationError when the machine cannot provide it."""
    available = detect()
    level = available
    if requested == "userns" and os.geteuid() == 0:
        # Root inside a user namespace is root on every host file it can see.
        raise IsolationError(
            "the userns level is for graders that are not root; as root, use 'root' "
            "(the default) or, for trusted code only, 'baseline'"
        )
    if requested == "uid" and os.geteuid() != 0:
        raise IsolationError("the uid level needs root (to switch to another uid)")
    if requested and requested != available.name:
        if LEVELS.index(requested) > LEVELS.index(available.name):
            raise IsolationError(
                f"isolation level {requested!r} is not available here: {available.reason}"
            )
        level = Level(requested, f"requested (the machine allows {available.name})", "")
    if required and LEVELS.index(level.name) < LEVELS.index(required):
        raise IsolationError(
            f"isolation level {required!r} is required but only {level.name!r} is available: "
            f"{level.reason}. {available.upgrade}"
        )
    return level


# ---------------------------------------------------------------- slots (root level)


class Slot:
    """An exclusive uid for one concurrently running student process (root and uid levels).

    Slots are flock()ed files shared by every grader process on the machine, in a folder
    only root can write (``/run``), or else in the temporary folder once its owner and mode
    are checked; lock files are opened without following links.
    """

    def __init__(self):
        lock_dir = _slot_dir()
        for index in range(MAX_SLOTS):
            fd = os.open(lock_dir / f"{index}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.fd, self.uid = fd, UID_BASE + index
            return
        raise IsolationError(f"all {MAX_SLOTS} sandbox slots are busy")

    def release(self):
        os.close(self.fd)


def _slot_dir() -> Path:
    for base in (Path("/run"), Path(tempfile.gettempdir())):
        folder = base / "neurograde-slots"
        with contextlib.suppress(OSError):
            folder.mkdir(mode=0o700, exist_ok=True)
            info = folder.lstat()
            if folder.is_dir() and info.st_uid == os.getuid() and not info.st_mode & 0o077:
                return folder
    raise IsolationError("no safe folder for the sandbox slots' lock files")


# ---------------------------------------------------------------- what to hide


def _world_traversable(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & 0o001)
    except OSError:
        return False


def hidden_paths(runtime: Path, child_root: Path, extra: tuple[Path, ...] = ()) -> dict:
    """The folders to cover with tmpfs, and the paths under them to bring back.

    Hidden: the project (reference, hidden suites, grader), every site-packages
    folder (an installed copy of them), the temporary folder (other submissions),
    home folders, and any extra folder (the class's submissions). Kept: the
    interpreter's standard library, NumPy, the child's runtime and its own folder.
    """
    numpy_dir = Path(np.__file__).resolve().parent
    keep = [
        Path(sys.base_prefix).resolve(), numpy_dir, numpy_dir.parent / "numpy.libs",
        runtime, child_root,
    ]  # fmt: skip
    hide = {PROJECT_ROOT, Path(tempfile.gettempdir()).resolve(), Path("/home"), Path("/root")}
    # World-writable folders besides the temporary one: covered, so that nothing written
    # there outlives the grading or reaches the next submission.
    hide |= WORLD_WRITABLE
    for folder in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]}:
        hide.add(Path(folder).resolve())
    hide |= {Path(p).resolve() for p in extra}
    # A kept path under a folder that other uids cannot enter (e.g. /root) needs that
    # folder hidden too, so that the kept path can be mounted back in a readable tree.
    for path in keep:
        for ancestor in reversed(path.parents):
            if ancestor != Path("/") and not _world_traversable(ancestor):
                hide.add(ancestor)
                break
    hide = {h for h in hide if h.is_dir() and h != Path("/")}
    keep = [k for k in keep if k.exists()]
    # A step matters only where its nearest enclosing step is of the other kind: a
    # folder inside a hidden one is hidden already, one inside a kept one is visible.
    marks = {**{h: "hide" for h in hide}, **{k: "keep" for k in keep}}

    def enclosing(path):
        return next((marks[a] for a in path.parents if a in marks), "keep")

    hide = {h for h in hide if enclosing(h) == "keep"}
    keep = [k for k in keep if enclosing(k) == "hide"]
    # Mount in order of depth, so that a kept folder can hold a hidden one (the
    # interpreter's prefix holds site-packages) which holds a kept one (NumPy).
    tmp = Path(tempfile.gettempdir()).resolve()
    writable = {tmp, *WORLD_WRITABLE}

    def tmpfs_options(path):  # writable for all where the real folder is, else read-only
        return "mode=1777,size=16m" if path in writable else "mode=755,size=1m"

    steps = [(len(h.parts), 0, ["hide", str(h), tmpfs_options(h)]) for h in hide]
    # Kept paths come back read-only, but for the child's own folder (its work directory).
    steps += [(len(k.parts), 1, ["keep", str(k), k == child_root]) for k in keep]
    return {"steps": [step for _, _, step in sorted(steps)], "keep": [str(k) for k in keep]}


# ---------------------------------------------------------------- leftovers


def become_subreaper() -> None:
    """Adopt orphaned descendants (a double-forked daemon) so they can be killed."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def protect_grader() -> None:
    """Make this process non-dumpable: a same-uid student process (baseline level) can then
    no longer open /proc/<grader>/fd/* (writing into the grader's stdout) or ptrace it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def kill_orphans(keep: frozenset[int] = frozenset(), rounds: int = 20) -> int:
    """Kill and reap the orphans this process adopted as a subreaper.

    They are the children in a session other than ours (the student process starts
    its own session, and so does a daemon that escaped it), except those in ``keep``
    (student processes still in use). Workers of a process pool share our session
    and are left alone.
    """
    killed = 0
    own_session = os.getsid(0)
    for _ in range(rounds):  # bounded: zombies and races must not spin forever
        candidates = [pid for pid in children() if pid not in keep]
        orphans = []
        for pid in candidates:
            try:
                if os.getsid(pid) != own_session:
                    orphans.append(pid)
            except ProcessLookupError:
                continue
        if not orphans:
            break
        for pid in orphans:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    return killed


def children(ppid: str | None = None) -> list[int]:
    """The pids of the children of process ``ppid`` (default: this one)."""
    ppid = ppid or str(os.getpid())
    try:
        with open(f"/proc/{ppid}/task/{ppid}/children") as handle:
            return [int(x) for x in handle.read().split()]
    except OSError:
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as handle:
                        fields = handle.read().rsplit(")", 1)[1].split()
                    if fields[1] == ppid:
                        pids.append(int(entry))
                except (OSError, IndexError):
                    continue
        return pids
