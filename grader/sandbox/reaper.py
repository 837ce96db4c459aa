"""Process-wide settings the sandbox relies on, and the processes a submission leaves behind.

``prepare_isolation(level)`` makes the grader a child subreaper (orphans of the student are
adopted by it, so they can be killed) and, at a level whose student shares the grader's uid
and view, non-dumpable. Both are process-wide and permanent: the commands that grade call it
once; ``grader.api.grade`` calls it too (a no-op when already done) so that a library caller
is safe.
"""

import contextlib
import ctypes
import os
import signal

PR_SET_CHILD_SUBREAPER = 36
PR_SET_DUMPABLE = 4



# What prepare_isolation() has made, and in which process: a forked child inherits this
# module's state but not the subreaper setting (prctl's is not inherited by fork()).
_PREPARED: dict[str, int] = {}


def prepare_isolation(level) -> None:
    """Make the process-wide settings grading at ``level`` needs (an isolation ``Level``),
    once per process: a child subreaper always, non-dumpable when the student would share
    the grader's uid and view. Idempotent; the settings last as long as the process."""
    pid = os.getpid()
    if _PREPARED.get("subreaper") != pid:
        become_subreaper()
        _PREPARED["subreaper"] = pid
    if level.shares_grader_view and _PREPARED.get("non-dumpable") != pid:
        protect_grader()  # the student shares our uid: keep it out of our /proc
        _PREPARED["non-dumpable"] = pid


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
