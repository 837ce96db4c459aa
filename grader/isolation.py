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
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.errors import IsolationError

LEVELS = ("baseline", "uid", "userns", "root")
UID_BASE = 61000  # slot n runs as uid/gid UID_BASE + n
MAX_SLOTS = 64
PR_SET_CHILD_SUBREAPER = 36
PR_SET_DUMPABLE = 4
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
            self.fd, self.index, self.uid = fd, index, UID_BASE + index
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


# ---------------------------------------------------------------- control groups

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
            for name, value in [*settings.items(), *settings.items()]:
                with contextlib.suppress(OSError):  # absent here (no swap accounting)
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

    def kill(self, index: int, rounds: int = 20) -> None:
        """Kill every process left in the slot's groups, wherever it went (a daemon that
        left the process group, or the PID namespace's reach)."""
        for _ in range(rounds):
            pids = set()
            for folder in self.folders(index):
                with contextlib.suppress(OSError, ValueError):
                    pids |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)


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


# ---------------------------------------------------------------- what the student sees

# Device nodes a Python program may open; everything else of /dev stays out.
DEVICES = ("null", "zero", "full", "random", "urandom")
WORK_MB = 16  # size of the student's private work folder and /tmp (both in memory)


@dataclass(frozen=True)
class Allowlist:
    """The student's whole file system at the namespace levels, built from nothing.

    ``folders`` and ``files`` come back read-only at their own paths (so that the
    interpreter, NumPy and the runtime find themselves where they were); ``empty`` are
    folders inside those that are covered by an empty, read-only tmpfs (package folders
    inside the standard library). Besides these the new root holds only a private work
    folder, a private ``/tmp``, a minimal ``/dev`` and a new ``/proc``.
    """

    folders: tuple[str, ...]
    files: tuple[str, ...]
    empty: tuple[str, ...]

    def lines(self) -> list[str]:
        """What the student process can read, one line each (for ``grade doctor``)."""
        return [
            *(f"{f}/ (read-only)" for f in self.folders),
            *(f"{f} (read-only)" for f in self.files),
            *(f"{f}/ (empty)" for f in self.empty),
            "/dev: " + ", ".join(DEVICES),
            "/proc: its own processes only (new PID namespace)",
            f"/tmp and its work folder: private, empty, {WORK_MB} MiB in memory",
        ]


_ALLOWLIST: dict[str, Allowlist] = {}


def allowlist(runtime: Path) -> Allowlist:
    """What running the student needs, and nothing else (computed once per process):
    the interpreter's standard library (its own package folders emptied), NumPy's
    folder and its bundled libraries, the student runtime, and the system library
    folder the interpreter loads its C libraries from."""
    if str(runtime) in _ALLOWLIST:
        return _ALLOWLIST[str(runtime)]
    numpy_dir = Path(np.__file__).resolve().parent
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    dynload = Path(sysconfig.get_config_var("DESTSHARED") or stdlib / "lib-dynload").resolve()
    folders = {stdlib, dynload, numpy_dir, numpy_dir.parent / "numpy.libs", runtime.resolve()}
    files = {Path("/etc/ld.so.cache")}
    for library in _mapped_libraries():
        if library.name.startswith(("libc.so", "ld-linux", "libm.so")):
            folders.add(library.parent)  # the system's library folder: lazy imports need it
        elif library.name.startswith("libpython"):
            files.add(library)
    # Nested folders stay listed: NumPy may live inside a package folder that is emptied.
    folders = {f for f in folders if f.is_dir() and f != Path("/")}
    files = {f for f in files if f.is_file()}
    empty = {
        package
        for folder in folders
        for package in (
            *folder.glob("site-packages"),
            *folder.glob("dist-packages"),
            *folder.glob("python3*/site-packages"),
        )  # fmt: skip
        if package.is_dir() and package != numpy_dir
    }
    result = Allowlist(
        tuple(sorted(map(str, folders))), tuple(sorted(map(str, files))),
        tuple(sorted(map(str, empty))),
    )  # fmt: skip
    _ALLOWLIST[str(runtime)] = result
    return result


def _world_traversable(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & 0o001)
    except OSError:
        return False


def _mapped_libraries() -> set[Path]:
    """The shared libraries mapped into this process (which has NumPy loaded)."""
    try:
        with open("/proc/self/maps") as handle:
            names = {line.split(None, 5)[-1].strip() for line in handle if ".so" in line}
    except OSError:
        return set()
    return {Path(n).resolve() for n in names if n.startswith("/") and Path(n).is_file()}


def jail_steps(runtime: Path, workdir: Path, submission_bytes: int = 0) -> list[list]:
    """The mounts that build the student's root, in order (parents before children):
    ``["tmpfs", path, options]``, ``["bind", path]`` (read-only), ``["devices", path,
    names]``, ``["work", path, options]`` (the private work folder)."""
    plan = allowlist(runtime)
    tmp = Path(tempfile.gettempdir()).resolve()
    steps = [(1, "tmpfs", "/tmp", f"mode=1777,size={WORK_MB}m"),
             (1, "devices", "/dev", list(DEVICES))]  # fmt: skip
    if tmp != Path("/tmp"):
        steps.append((len(tmp.parts), "tmpfs", str(tmp), f"mode=1777,size={WORK_MB}m"))
    steps += [(len(Path(p).parts), "bind", p) for p in (*plan.folders, *plan.files)]
    steps += [(len(Path(p).parts), "tmpfs", p, "mode=755,size=4k") for p in plan.empty]
    # Room for the submission's own file (up to 20 MiB) on top of what the student may write.
    work_kb = WORK_MB * 1024 + submission_bytes // 1024 + 1
    steps.append((len(workdir.parts), "work", str(workdir), f"mode=700,size={work_kb}k"))
    return [list(step[1:]) for step in sorted(steps, key=lambda s: s[0])]


def readable_outside(level: str) -> str:
    """What the student process can still read at a level without an allowlist root."""
    if level in ("root", "userns"):
        return ""
    return (
        "every file and folder that the student's uid may read: world-readable files "
        "anywhere on the machine (other checkouts of this project, course folders, "
        "site-packages) and, at the baseline level, everything the grader's own user can read"
    )


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
