"""Starting, limiting, talking to and killing the student process (the grader's side).

The student's code runs in a child interpreter started with ``-I -S`` and a
private ``sys.path`` (NumPy plus the two files of ``grader/student``), in a new
session, in a private temporary working directory, with a scrubbed environment,
stdin closed and stdout/stderr sent to capped files. Requests and replies use two
dedicated pipes, never the child's standard streams. Every exchange has a deadline;
on a hang, crash or broken pipe the child and everything it started are killed.
"""

import contextlib
import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

from grader.errors import StudentCrash, StudentTimeout
from grader.sandbox import zygote
from grader.sandbox.allowlist import jail_steps
from grader.sandbox.levels import BASELINE, Level
from grader.sandbox.limits import Limits, LoadRequest
from grader.sandbox.reaper import children, kill_orphans
from grader.sandbox.runtime_files import runtime_dir
from grader.sandbox.slots import claim_slot, control_groups
from grader.student import wire

# Student processes started by this grader and not yet killed: never taken for orphans.
LIVE_PIDS: set[int] = set()

BOOT = "import sys; sys.path[:0] = [{path!r}]; import runtime; runtime.main()"


class StudentProcess:
    """One live child process running one submission."""

    def __init__(self, request: LoadRequest, limits: Limits, level: Level | None = None):
        self.request, self.limits = request, limits
        self.level = level or BASELINE
        self.root = Path(tempfile.mkdtemp(prefix="neurograde-"))
        self.workdir = self.root / "work"
        self.workdir.mkdir()
        (self.workdir / request.filename).write_bytes(request.source_bytes)
        if self.level.allowlist_fs:
            (self.root / "jail").mkdir()  # becomes the student's root (runtime.isolate)
        self.slot = None
        self.cgroup_files: list[str] = []
        self.foreign: frozenset[int] = frozenset()
        self.stdout_path = self.root / "stdout"
        self.stderr_path = self.root / "stderr"
        self.proc = None
        self.reader = wire.FrameReader(max_bytes=limits.reply_mb * 1024 * 1024)

    def start(self, timeout: float | None = None) -> dict:
        """Start the child and run the submission's top level (within ``timeout`` seconds,
        by default the load deadline); returns the load report."""
        if self.proc is None:
            self.spawn()
        load = {"cells": self.request.cells, "filename": self.request.filename}
        timeout = self.limits.load_timeout if timeout is None else timeout
        header, blobs = self.exchange(load, (), timeout, "loading the submission")
        return wire.decode_value(header.get("value"), blobs)

    def spawn(self) -> None:
        """Start the child process; it imports NumPy and isolates itself while the grader
        gets on with other work, then waits for the submission's code (``start``)."""
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        if self.level.own_uid:
            self._claim_slot()  # may tighten the limits: before they are written below
        config = {
            "stage": self.request.stage,
            "limits": asdict(self.limits),
            "isolation": self._isolation_settings(),
        }
        env = {**zygote.BASE_ENV, "HOME": str(self.workdir)}
        forked = False
        with contextlib.suppress(zygote.ZygoteError, OSError):
            # started (if it is) before the caller's children are listed
            forked = zygote.for_next_process(self.level) is not None
        # The caller's own children, there before this one: never taken for its orphans.
        self.foreign = frozenset(children())
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            fds = (req_r, resp_w, out.fileno(), err.fileno())
            if forked:
                self.proc = self._fork(config, env, fds)
            if self.proc is None:  # a new interpreter, as at the baseline level
                command = [
                    sys.executable, "-I", "-S", "-c", BOOT.format(path=str(runtime_dir())),
                    str(req_r), str(resp_w), json.dumps(config),
                ]  # fmt: skip
                self.proc = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    cwd=self.workdir,
                    env=env,
                    pass_fds=(req_r, resp_w),
                    start_new_session=True,
                )
        LIVE_PIDS.add(self.proc.pid)
        os.close(req_r)
        os.close(resp_w)
        os.set_blocking(req_w, False)
        self.requests, self.replies = req_w, resp_r

    def _fork(self, config: dict, env: dict, fds: tuple):
        """The student process forked from this grader's zygote (see grader.sandbox.zygote),
        or None when no zygote can fork it (then a new interpreter is started)."""
        for _ in range(2):  # a zygote that died is replaced once
            try:
                return zygote.zygote().fork(config, env, str(self.workdir), fds)
            except (zygote.ZygoteError, OSError):
                continue
        return None

    def _claim_slot(self) -> None:
        """Side effects of a level with ``own_uid``: claim a slot (an exclusive uid, shared
        with every grader on the machine) for this process, cap its processes (64 unless set),
        prepare the slot's control groups, and hand the work folder to the slot's uid."""
        self.slot = claim_slot()
        if not self.limits.processes:
            self.limits = replace(self.limits, processes=64)
        if self.level.cgroups:
            memory = self.limits.memory_mb * 1024 * 1024
            self.cgroup_files = control_groups().prepare(
                self.slot.index, memory, self.limits.processes
            )
        self.root.chmod(0o711)  # the sandbox user may pass through, not list
        os.chown(self.workdir, self.slot.uid, self.slot.uid)
        os.chown(self.workdir / self.request.filename, self.slot.uid, self.slot.uid)

    def _isolation_settings(self) -> dict | None:
        """What runtime.isolate() is to do, as data read from the level's capabilities and
        the slot claimed; None when there is nothing to do (the baseline). Changes nothing."""
        level = self.level
        if not (level.namespaces or level.own_uid):
            return None
        settings = {
            "namespaces": level.namespaces,
            "user_namespace": level.user_namespace,
            "workdir": str(self.workdir),
            "filename": self.request.filename,
        }
        if level.allowlist_fs:  # a new root holding only what the student needs
            steps = jail_steps(runtime_dir(), self.workdir, len(self.request.source_bytes))
            settings |= {"jail": str(self.root / "jail"), "steps": steps}
        if self.slot is not None:
            settings |= {"uid": self.slot.uid, "gid": self.slot.uid, "cgroups": self.cgroup_files}
        return settings

    def exchange(self, header, blobs, timeout, what):
        """Send one request and wait, at most ``timeout`` seconds, for its reply.

        Both directions honour the deadline: a child that stops reading cannot block
        the grader on a full pipe either.
        """
        deadline = time.monotonic() + timeout
        try:
            self._send(wire.encode_frame(header, blobs), deadline)
            return self._receive(deadline)
        except TimeoutError:
            self.kill()
            raise StudentTimeout(f"{what} took longer than {timeout:g} s and was stopped") from None
        except (BrokenPipeError, EOFError):
            # The child is dying on its own: let it finish, so that its exit status (which
            # the namespace's outer process passes on) says how, then make sure.
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=2)
            reason = self.death_reason(what)
            self.kill()
            raise StudentCrash(reason) from None
        except wire.WireError as exc:
            self.kill()
            raise StudentCrash(f"the student process sent an invalid reply ({exc})") from None

    def _wait(self, fd, event, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        poller = select.poll()  # a poll object costs no system call (an epoll, three)
        poller.register(fd, event)
        if not poller.poll(math.ceil(remaining * 1000)):
            raise TimeoutError

    def _send(self, data, deadline):
        view = memoryview(data)
        while view:
            try:  # a request usually fits in the pipe at once: no wait before writing
                view = view[os.write(self.requests, view) :]
            except BlockingIOError:
                self._wait(self.requests, select.POLLOUT, deadline)

    def _receive(self, deadline):
        while (frame := self.reader.next_frame()) is None:
            self._wait(self.replies, select.POLLIN, deadline)
            data = os.read(self.replies, 1 << 20)
            if not data:
                raise EOFError
            self.reader.feed(data)
        return frame

    def death_reason(self, what) -> str:
        code = self.proc.poll() if self.proc else None
        if code is None:
            return f"the student process ended while {what}"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else ""
            meaning = {
                "SIGSEGV": "a segmentation fault",
                "SIGABRT": "an abort",
                "SIGKILL": "being killed (memory or CPU limit?)",
                "SIGXCPU": f"using more than {self.limits.cpu_seconds} s of CPU",
                "SIGBUS": "a bus error",
            }.get(name, name or f"signal {-code}")
            return f"the student process crashed while {what}: {meaning}"
        return f"the student process exited (code {code}) while {what}"

    def kill(self):
        """Kill the child's whole process group and reap it."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        LIVE_PIDS.discard(self.proc.pid)
        if self.slot is not None:  # whatever is left in the slot's control groups
            control_groups().kill(self.slot.index)
        # Whatever escaped the process group (a double-forked daemon) was adopted by
        # this process, a child subreaper: kill it too.
        kill_orphans(keep=frozenset(LIVE_PIDS) | self.foreign | zygote.zygote_pids())

    def output(self) -> tuple[str, str]:
        """What the child printed, truncated to the limit."""
        return tuple(
            _read_capped(p, self.limits.output_bytes) for p in (self.stdout_path, self.stderr_path)
        )

    def close(self):
        """Ask the child to exit, make sure it did, and remove its directory."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.write(self.requests, wire.encode_frame({"op": "exit"}))
        self.kill()
        for fd in (getattr(self, "requests", None), getattr(self, "replies", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.requests = self.replies = None
        if self.slot is not None:
            self.slot.release()
            self.slot = None
        remove_tree(self.root)


def remove_tree(path: Path) -> None:
    """Remove a folder the student may have filled (at the levels without a private work
    folder in memory); never raises, whatever tree it holds: a chain of folders thousands
    deep defeats ``shutil.rmtree`` (RecursionError), so ``rm`` finishes the job."""
    try:
        shutil.rmtree(path, ignore_errors=True)
    except (RecursionError, OSError):
        pass
    if os.path.lexists(path):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)  # fmt: skip


def _read_capped(path: Path, cap: int) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(cap + 1)
    except OSError:
        return ""
    text = data[:cap].decode("utf-8", "replace")
    if len(data) > cap:
        text += f"\n[... output truncated at {cap} bytes]"
    return text
