"""The student side: runs inside the sandboxed child process, never in the grader.

Started as ``python -I -S`` with a private ``sys.path`` holding only NumPy and a
copy of this file and ``wire.py``, so the project's packages are not importable.
It limits itself, loads the submission's code (sent by the grader, already split
into cells), then answers requests (get an attribute, set one, call something)
one at a time over two dedicated pipes. Only plain data crosses (see wire.py).

Everything after loading is untrusted: the submission may have replaced any
function here. The grader therefore trusts nothing this process sends.
"""

import json
import os
import resource
import signal
import sys
import traceback
import types
import warnings

import wire

OUTPUT_CAP = 64 * 1024  # bytes of stdout/stderr kept per stream


class CappedStream:
    """A text stream that writes to a file descriptor until a byte budget is spent."""

    def __init__(self, fd, cap):
        self.fd, self.cap, self.written, self.dropped = fd, cap, 0, 0

    def write(self, text):
        data = str(text).encode("utf-8", "replace")
        room = self.cap - self.written
        if room > 0:
            chunk = data[:room]
            try:
                os.write(self.fd, chunk)
            except OSError:
                pass
            self.written += len(chunk)
        self.dropped += max(0, len(data) - max(room, 0))
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        return self.fd


def apply_limits(limits):
    """Resource limits for this process and whatever it starts."""
    mib = 1024 * 1024
    pairs = {
        resource.RLIMIT_AS: limits["memory_mb"] * mib,
        resource.RLIMIT_CPU: limits["cpu_seconds"],
        resource.RLIMIT_FSIZE: limits["file_size_mb"] * mib,
        resource.RLIMIT_NOFILE: limits["open_files"],
        resource.RLIMIT_CORE: 0,
    }
    if limits.get("processes"):
        pairs[resource.RLIMIT_NPROC] = limits["processes"]
    for which, value in pairs.items():
        soft = value
        hard = value + 5 if which == resource.RLIMIT_CPU else value
        resource.setrlimit(which, (soft, hard))
    # Writing past the file-size limit should raise OSError, not kill the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


# Cheap modules a submission may import, loaded up front so that a later import does
# not depend on the interpreter's files being readable by the sandbox user.
PRELOAD = (
    "math", "random", "itertools", "functools", "collections", "operator", "copy", "typing",
    "numbers", "time", "warnings", "re", "json", "string", "heapq", "bisect", "enum",
    "dataclasses", "statistics", "numpy.linalg", "numpy.random",
)  # fmt: skip


def preload():
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:
            pass


# ---------------------------------------------------------------- isolation

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38


def _libc():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def check(result, what):
        if result != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"{what}: {os.strerror(errno)}")

    return libc, check


def isolate(iso, replies):
    """Enter new namespaces, hide the grader's files, and drop privileges.

    ``iso`` comes from the grader: ``level`` ("root", "userns" or "uid": the last only
    changes the uid), ``uid``/``gid``
    (root level), ``hide``: folders to cover with an empty tmpfs, ``keep``: paths
    under them to bring back read-only (the interpreter, NumPy, this runtime, the
    work directory). Returns in the new PID namespace's first process; the process
    that called it stays outside, waits, and exits with the same status.
    """
    libc, check = _libc()
    if iso["level"] == "uid":  # root without namespaces: only the uid changes
        _drop_privileges(iso)
        check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
        check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")
        os.chdir(iso["workdir"])
        return
    user_ns = iso["level"] == "userns"
    outer_uid, outer_gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    check(libc.unshare(flags | (CLONE_NEWUSER if user_ns else 0)), "unshare")
    if user_ns:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {outer_uid} 1")
        _write("/proc/self/gid_map", f"0 {outer_gid} 1")

    def mount(source, target, fstype, mflags, data=None):
        args = [x.encode() if x is not None else None for x in (source, target, fstype, data)]
        check(libc.mount(args[0], args[1], args[2], mflags, args[3]), f"mount {target}")

    mount(None, "/", None, MS_REC | MS_PRIVATE)
    # Handles on the kept paths, taken before anything covers them: a bind mount
    # from /proc/self/fd/N reaches a path that is hidden by then.
    handles = {path: os.open(path, os.O_PATH) for path in iso["keep"]}
    for step in iso["steps"]:
        if step[0] == "hide":
            mount("tmpfs", step[1], "tmpfs", MS_NOSUID | MS_NODEV, step[2])
        else:
            source = f"/proc/self/fd/{handles[step[1]]}"
            _make_like(source, step[1])
            mount(source, step[1], None, MS_BIND | MS_REC)
            if not step[2]:  # read-only, except the child's own folder
                mount(None, step[1], None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
    for fd in handles.values():
        os.close(fd)
    child = os.fork()
    if child:
        _wait_and_mirror(child, replies)
    # First process of the new PID namespace: when it dies, all it started die too.
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if not user_ns:
        _drop_privileges(iso)
    else:
        # Mounts made inside our own user namespace could be unmounted by the
        # submission; entering one more user + mount namespace locks them in place.
        check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare")
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", "0 0 1")
        _write("/proc/self/gid_map", "0 0 1")
    # Set after the uid change, which clears it: die with the process outside.
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")
    os.chdir(iso["workdir"])


def _drop_privileges(iso):
    os.setgroups([])
    os.setgid(iso["gid"])
    os.setuid(iso["uid"])


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def _make_like(source, target):
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()


def _wait_and_mirror(child, replies):
    """Outside the namespace: wait for the sandboxed process and exit as it did."""
    os.close(replies)
    for fd in range(3, 256):
        try:
            os.close(fd)
        except OSError:
            pass
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


class Host:
    """Holds the submission's namespace and the objects the grader refers to."""

    def __init__(self, stage, filename):
        self.filename = filename
        self.module = types.ModuleType(stage)
        self.module.__file__ = f"{stage}.py"
        sys.modules[stage] = self.module
        self.objects = {0: self.module}
        self.ids = {id(self.module): 0}
        self.next_id = 1

    def make_ref(self, obj):
        ref_id = self.ids.get(id(obj))  # the table keeps obj alive, so its id is stable
        if ref_id is None:
            ref_id, self.next_id = self.next_id, self.next_id + 1
            self.objects[ref_id] = obj
            self.ids[id(obj)] = ref_id
        return ref_id

    def resolve(self, node):
        return wire.decode_value(node, self.blobs, make_ref=self.lookup)

    def lookup(self, ref_id, kind, type_name):
        return self.objects[ref_id]

    # -- loading

    def load(self, cells, filename):
        """Run each cell in the module's namespace; an error stops only its own cell."""
        errors = []
        for number, source in enumerate(cells, start=1):
            label = filename if len(cells) == 1 else f"{filename} [cell {number}]"
            try:
                code = compile(source, label, "exec", dont_inherit=True)
                exec(code, self.module.__dict__)
            except BaseException as exc:  # SystemExit and KeyboardInterrupt included
                errors.append(describe_error(exc, label, cell=number if len(cells) > 1 else None))
        names = sorted(k for k in self.module.__dict__ if not k.startswith("__"))
        return {"errors": errors, "names": names[:500]}

    # -- requests

    def handle(self, header, blobs):
        self.blobs = blobs
        op = header.get("op")
        target = self.objects[header.get("target", 0)]
        if op == "getattr":
            return {"value": getattr(target, header["name"])}
        if op == "setattr":
            setattr(target, header["name"], self.resolve(header["value"]))
            return {"value": None}
        if op == "call":
            if "name" in header:
                try:
                    target = getattr(target, header["name"])
                except AttributeError:
                    raise AttributeError(f"lookup: no name {header['name']!r}") from None
            args = self.resolve(header["args"])
            kwargs = self.resolve(header["kwargs"])
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = target(*args, **kwargs)
            reply = {"value": value}
            if caught:
                reply["warnings"] = [
                    f"{w.category.__name__}: {w.message}"[:200] for w in caught[:5]
                ]
            if header.get("return_args"):
                reply["args_after"] = list(args)
            return reply
        raise ValueError(f"unknown request {op!r}")


def describe_error(exc, label=None, cell=None):
    """The error as plain data: type, message, and the submission's lines in its traceback."""
    try:
        message = str(exc)
    except BaseException:
        message = "<the exception's message could not be read>"
    frames = []
    if isinstance(exc, SyntaxError):
        code = (exc.text or "").rstrip()
        frames.append({"file": str(exc.filename), "line": exc.lineno, "code": code})
    for frame in traceback.extract_tb(exc.__traceback__):
        # Only the submission's own lines: the student knows them, and they locate the bug.
        if label and frame.filename.startswith(label.split(" [")[0]):
            frames.append({"file": frame.filename, "line": frame.lineno, "code": frame.line or ""})
    error = {
        "type": type(exc).__name__[:80],
        "message": message[:2000],
        "frames": frames[-5:],
    }
    if cell is not None:
        error["cell"] = cell
    if isinstance(exc, SystemExit):
        error["message"] = f"the code called exit({message})"
    return error


def frames(fd):
    """The grader's requests, one (header, blobs) at a time, until the pipe closes."""
    reader = wire.FrameReader()
    while True:
        frame = reader.next_frame()
        if frame is not None:
            yield frame
            continue
        data = os.read(fd, 1 << 20)
        if not data:
            return
        reader.feed(data)


def serve(host, requests, replies):
    for header, blobs in requests:
        if header.get("op") == "exit":
            return
        try:
            result = host.handle(header, blobs)
            reply_blobs = []
            reply = {"ok": True}
            for key, value in result.items():
                reply[key] = wire.encode_value(value, reply_blobs, host.make_ref)
        except BaseException as exc:
            reply, reply_blobs = {"ok": False, "error": describe_error(exc, host.filename)}, []
        if sum(len(b) for b in reply_blobs) > wire.MAX_FRAME_BYTES:
            reply = {"ok": False, "error": {"type": "ValueError", "frames": [],
                     "message": "the returned value is too large to send back"}}  # fmt: skip
            reply_blobs = []
        wire.write_frame(replies, reply, reply_blobs)


def main():
    requests, replies = int(sys.argv[1]), int(sys.argv[2])
    config = json.loads(sys.argv[3])
    preload()
    if config.get("isolation"):
        isolate(config["isolation"], replies)
    apply_limits(config["limits"])
    sys.stdin = open(os.devnull)
    sys.stdout = CappedStream(1, OUTPUT_CAP)
    sys.stderr = CappedStream(2, OUTPUT_CAP)
    requests = frames(requests)
    header, _ = next(requests, ({}, []))
    if "cells" not in header:
        return
    host = Host(config["stage"], header["filename"])
    report = host.load(header["cells"], header["filename"])
    wire.write_frame(replies, {"ok": True, "value": wire.encode_value(report, [])})
    serve(host, requests, replies)


if __name__ == "__main__":
    main()
