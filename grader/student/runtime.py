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
MS_REMOUNT, MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
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
    """Join the slot's control groups, enter new namespaces, build a new root that holds
    only what the grader allowed, and drop privileges.

    ``iso`` comes from the grader: ``level`` ("root", "userns" or "uid": the last only
    changes the uid), ``uid``/``gid`` (root and uid levels), ``cgroups``: files to write
    this process's pid into, ``jail``: an empty folder that becomes the new root,
    ``steps``: the mounts that fill it (see ``isolation.jail_steps``), ``workdir`` and
    ``filename``: the private work folder and the submission's file in it. Returns in the
    new PID namespace's first process; the process that called it stays outside, waits,
    and exits with the same status.
    """
    libc, check = _libc()
    for path in iso.get("cgroups", ()):  # before anything else: every descendant is counted
        _write(path, str(os.getpid()))
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
    child = os.fork()
    if child:
        _wait_and_mirror(child, replies)
    # First process of the new PID namespace: when it dies, all it started die too. It builds
    # the root (with a /proc of this namespace, mounted while the old root is still there:
    # in a user namespace the kernel refuses a new /proc where none is visible).
    Jail(libc, check, iso).build()
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


MNT_DETACH = 2
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
# Flags of a bind's source that a remount must repeat (the kernel locks them in a user
# namespace): statvfs bit -> mount bit.
LOCKED = {8: MS_NOEXEC, 1024: 1024, 2048: 2048, 4096: 1 << 21}


class Jail:
    """Builds the new root from nothing: an empty tmpfs, filled only by ``iso["steps"]``,
    then made the root of this mount namespace; the old root is detached."""

    def __init__(self, libc, check, iso):
        self.libc, self.check, self.iso = libc, check, iso
        self.root = iso.get("jail", "")
        self.sealed = []  # empty package folders, made read-only once filled

    def mount(self, source, target, fstype, mflags, data=None):
        args = [x.encode() if x is not None else None for x in (source, target, fstype, data)]
        self.check(self.libc.mount(args[0], args[1], args[2], mflags, args[3]), f"mount {target}")

    def build(self):
        self.mount(None, "/", None, MS_REC | MS_PRIVATE)
        self.mount("tmpfs", self.root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=64k")
        for kind, path, *extra in self.iso["steps"]:
            getattr(self, f"add_{kind}")(path, self.root + path, *extra)
        os.makedirs(self.root + "/proc", exist_ok=True)
        self.mount("proc", self.root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        self.pivot()
        for path in self.sealed:
            self.readonly(path)
        self.readonly("/")

    def add_bind(self, path, target):
        _make_like(path, target)
        self.mount(path, target, None, MS_BIND)  # not recursive: mounts below stay out
        self.readonly(target, source=path)

    def readonly(self, target, source=None):
        locked = os.statvfs(source or target).f_flag
        extra = sum(bit for flag, bit in LOCKED.items() if locked & flag)
        self.mount(None, target, None,
                   MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | extra)  # fmt: skip

    def add_tmpfs(self, path, target, options):
        os.makedirs(target, exist_ok=True)
        self.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options)
        if not options.startswith("mode=1777"):
            self.sealed.append(path)

    def add_devices(self, path, target, names):
        os.makedirs(target, exist_ok=True)
        self.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=4k")
        for name in names:
            open(f"{target}/{name}", "a").close()
            self.mount(f"{path}/{name}", f"{target}/{name}", None, MS_BIND)
        links = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
                 "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"}  # fmt: skip
        for name, link in links.items():
            os.symlink(link, f"{target}/{name}")
        self.sealed.append(path)

    def add_work(self, path, target, options):
        """The private work folder, in memory: what the student writes never reaches the
        grader's disk, and it is gone with the namespace."""
        os.makedirs(target, exist_ok=True)
        self.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, options)
        name = self.iso["filename"]
        with open(f"{path}/{name}", "rb") as source, open(f"{target}/{name}", "wb") as copy:
            copy.write(source.read())
        if "uid" in self.iso and self.iso["level"] == "root":
            for item in (target, f"{target}/{name}"):
                os.chown(item, self.iso["uid"], self.iso["gid"])

    def pivot(self):
        """Make the jail the root and detach the old one: nothing outside is reachable."""
        os.chdir(self.root)
        number = SYS_PIVOT_ROOT.get(os.uname().machine)
        if number is not None:
            self.check(self.libc.syscall(number, b".", b"."), "pivot_root")
            self.check(self.libc.umount2(b".", MNT_DETACH), "umount old root")
        else:  # an architecture without a known number: move the jail over / instead
            self.mount(".", "/", None, MS_MOVE)
            os.chroot(".")
        os.chdir("/")


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
