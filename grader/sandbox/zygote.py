"""The zygote: a process that has imported NumPy and the student runtime once, and forks
each student process from there (``runtime.zygote_main``), instead of a new interpreter
importing NumPy for every submission (about 0.1 s of CPU each, most of a warm grading).

What a forked student gets is what a started one gets: its own session, output files,
scrubbed environment and work folder, then, from the very start of ``runtime.run``, the
slot's control groups, new namespaces, the allowlist root, the slot's uid and the limits.
The zygote never runs a submission's code nor receives any (the code reaches the child over
its own pipe), and no child can reach it:

- a child closes the zygote's socket before anything else, so it cannot ask for children;
- the zygote is used only at levels where the student cannot signal, trace or read it: its
  own uid (the zygote is the grader's) or its own PID namespace (the zygote is outside).
  At the ``baseline`` level the student would share the zygote's uid and view: a
  submission could attach to it and plant code in every later student process, so that
  level keeps starting a new interpreter for each one (``usable``).

One zygote per grader process, started for its second student process (``for_next_process``:
a one-off grading keeps its student's start-up overlapping with pytest's), or as soon as the
process knows it will grade many (``start_early``: a batch worker, whose first student
process is then forked too); it dies with the grader (its parent death signal), and a dead
zygote is replaced once before falling back to a new interpreter.
"""

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

from grader.sandbox.runtime_files import runtime_dir

BOOT = "import sys; sys.path[:0] = [{path!r}]; import runtime; runtime.zygote_main()"
BASE_ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",  # read when NumPy is imported: in the zygote
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
DISABLE_ENV = "NEUROGRADE_NO_ZYGOTE"  # set (to anything) to start every student process anew
REPLY_SECONDS = 30.0  # a fork request unanswered this long: the zygote is stuck


class ZygoteError(OSError):
    """The zygote could not fork a child (it died, or does not answer)."""


def usable(level) -> bool:
    """Whether student processes at ``level`` may be forked from a zygote: only where the
    student cannot reach the zygote (another uid, or another PID namespace)."""
    return not level.shares_grader_view and not os.environ.get(DISABLE_ENV)


class ForkedChild:
    """A student process forked by the zygote, with what the sandbox uses of ``Popen``:
    ``pid``, ``poll()``, ``wait(timeout)`` and ``returncode`` (its exit status comes from
    the zygote, its parent)."""

    def __init__(self, zygote: "Zygote", pid: int):
        self.zygote, self.pid, self.returncode = zygote, pid, None

    def poll(self):
        if self.returncode is None:
            self.returncode = self.zygote.status(self.pid, 0.0)
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            self.returncode = self.zygote.status(self.pid, timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(f"student process {self.pid}", timeout)
        return self.returncode


class Zygote:
    """The grader's end of one zygote process."""

    def __init__(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", BOOT.format(path=str(runtime_dir())),
                 str(theirs.fileno())],  # fmt: skip
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd="/",
                env=BASE_ENV,
                pass_fds=(theirs.fileno(),),
                # In the grader's session: never taken for a student's orphan (reaper).
            )
        finally:
            theirs.close()
        self.socket, self.lock = ours, threading.RLock()
        self.exits: dict[int, int] = {}
        self.dead = False

    def fork(self, config: dict, env: dict, cwd: str, fds: tuple[int, int, int, int]):
        """A new student process: ``config`` as ``runtime.run`` reads it, ``fds`` its
        request pipe, reply pipe, stdout and stderr. Raises ZygoteError."""
        message = json.dumps({"config": config, "env": env, "cwd": cwd}).encode()
        with self.lock:
            if self.dead:
                raise ZygoteError("the zygote is gone")
            try:
                socket.send_fds(self.socket, [message], list(fds))
            except OSError as exc:
                self._gone()
                raise ZygoteError(f"the zygote did not take the request ({exc})") from None
            deadline = time.monotonic() + REPLY_SECONDS
            while True:
                reply = self._next(deadline - time.monotonic())
                if reply is None:
                    self._gone()
                    raise ZygoteError("the zygote did not answer")
                if "pid" in reply:
                    return ForkedChild(self, int(reply["pid"]))
                if "error" in reply:
                    raise ZygoteError(str(reply["error"]))

    def status(self, pid: int, timeout: float | None):
        """The exit status of child ``pid`` as ``Popen.returncode`` gives it, waiting at most
        ``timeout`` seconds (None: as long as it takes); None while it runs."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.lock:
            while pid not in self.exits:
                if self.dead:  # its children died with it (their parent death signal)
                    return -signal.SIGKILL
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._next(left)
            return os.waitstatus_to_exitcode(self.exits.pop(pid))

    def _next(self, timeout: float | None) -> dict | None:
        """One message from the zygote (exit reports are filed on the way); None on time
        out or when it is gone."""
        if timeout is not None and timeout < 0:
            timeout = 0
        ready, _, _ = select.select([self.socket], [], [], timeout)
        if not ready:
            return None
        try:
            data = self.socket.recv(1 << 16)
        except OSError:
            data = b""
        if not data:
            self._gone()
            return None
        message = json.loads(data)
        if "exit" in message:
            self.exits[int(message["exit"])] = int(message["status"])
        return message

    def _gone(self):
        self.dead = True
        self.close()

    def close(self):
        """Stop the zygote (its children die with it)."""
        with contextlib.suppress(OSError):
            self.socket.close()
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)


_ZYGOTE: dict[int, Zygote] = {}  # by the pid of the grader process that started it
_START = threading.Lock()


def zygote() -> Zygote:
    """This process's zygote, started on first use (and again if it died)."""
    with _START:
        current = _ZYGOTE.get(os.getpid())
        if current is None or current.dead:
            _ZYGOTE.clear()  # one inherited through fork() belongs to the parent
            current = _ZYGOTE[os.getpid()] = Zygote()
        return current


_SPAWNS: dict[int, int] = {}  # student processes started so far, by grader process


def for_next_process(level) -> "Zygote | None":
    """The zygote to fork the next student process at ``level`` from, or None to start a
    new interpreter. A zygote is started at a grader process's second student process: a
    one-off grading (``grade run`` of a submission that never crashes) would pay for
    starting it and gain nothing, while its start-up no longer overlaps with the grader's."""
    if not usable(level):
        return None
    pid = os.getpid()
    _SPAWNS[pid] = _SPAWNS.get(pid, 0) + 1
    current = _ZYGOTE.get(pid)
    if current is not None and not current.dead:
        return current
    return zygote() if _SPAWNS[pid] >= 2 else None


def start_early(level) -> None:
    """For a process that will grade many submissions at ``level`` (a batch worker): start
    its zygote now, to boot while the process collects its suites, and fork every student
    process from it, the first one too (instead of a new interpreter for the first and the
    zygote's start-up in the second's way)."""
    if not usable(level):
        return
    pid = os.getpid()
    _SPAWNS[pid] = max(_SPAWNS.get(pid, 0), 1)
    with contextlib.suppress(OSError):
        zygote()


def zygote_pids() -> frozenset[int]:
    """The zygote of this process, if any: a child that is never a student's orphan."""
    current = _ZYGOTE.get(os.getpid())
    if current is None or current.dead:
        return frozenset()
    return frozenset({current.proc.pid})
