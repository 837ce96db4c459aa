"""The student side: runs inside the sandboxed child process, never in the grader.

Started as ``python -I -S`` with a private ``sys.path`` holding only NumPy and a
copy of this file and ``wire.py``, so the project's packages are not importable.
It limits itself, loads the submission's code (sent by the grader, already split
into cells), then answers requests (get an attribute, set one, call something)
one at a time over two dedicated pipes. Only plain data crosses (see wire.py).

Everything after loading is untrusted: the submission may have replaced any
function here. The grader therefore trusts nothing this process sends.
"""

import collections
import dis
import itertools
import json
import linecache
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

    ``iso`` comes from the grader (``grader.sandbox.process``), read from the level's
    capabilities: ``namespaces`` (without them only the uid changes), ``user_namespace``
    (entered through a user namespace: the grader is not root), ``uid``/``gid`` (a slot's
    uid to drop to, when the level has one), ``cgroups``: files to write this process's
    pid into, ``jail``: an empty folder that becomes the new root, ``steps``: the mounts
    that fill it (see ``grader.sandbox.allowlist.jail_steps``), ``workdir`` and
    ``filename``: the private work folder and the submission's file in it. Returns in the
    new PID namespace's first process; the process that called it stays outside, waits,
    and exits with the same status.
    """
    libc, check = _libc()
    for path in iso.get("cgroups", ()):  # before anything else: every descendant is counted
        _write(path, str(os.getpid()))
    if not iso["namespaces"]:  # root without namespaces: only the uid changes
        _drop_privileges(iso)
        check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
        check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl")
        os.chdir(iso["workdir"])
        return
    user_ns = iso["user_namespace"]
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
        if "uid" in self.iso:  # a slot's uid: it must own its work folder
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


class NotDefined(Exception):
    """The submission does not define the name a call asked for: replied as data
    (``{"ok": False, "missing": name}``), not as an error of the student's code."""

    def __init__(self, name):
        super().__init__(name)
        self.name = str(name)[:200]


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
                    raise NotDefined(header["name"]) from None
            args = self.resolve(header["args"])
            kwargs = self.resolve(header["kwargs"])
            watch = NumpyWatch() if header.get("trace_numpy") is True else None
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = (
                    target(*args, **kwargs) if watch is None else watch.call(target, args, kwargs)
                )
            reply = {"value": value}
            if watch is not None:  # a claim of this process, which the grader weighs as such
                reply["numpy_used"], reply["numpy_what"] = bool(watch.found), watch.found[:100]
            if caught:
                reply["warnings"] = [
                    f"{w.category.__name__}: {w.message}"[:200] for w in caught[:5]
                ]
            if header.get("return_args"):
                reply["args_after"] = list(args)
            return reply
        raise ValueError(f"unknown request {op!r}")


# ---------------------------------------------------------------- the plain-Python check
#
# "Plain Python, no NumPy" (neuron_output, layer_output) is decided here, while the
# function runs: a reading of its source misses NumPy reached through an alias, a
# `from numpy import`, getattr, importlib or __import__, and parsing a student's file in
# the grader costs the grader (a cell of millions of statements). A profile hook watches
# the call: a C function of NumPy, a frame of NumPy's code, a NumPy object among the
# globals the running code reads, its arguments, locals or return values. What the check
# relies on is captured now, at import, before any student code runs. The submission
# could still defeat it on purpose (it shares this process); the grader accepts the
# verdict only for the plain-Python points of a call whose value it found correct.

_SETPROFILE, _GETPROFILE = sys.setprofile, sys.getprofile
_TYPE_MODULE = type.__dict__["__module__"].__get__
_TYPE_NAME = type.__dict__["__name__"].__get__
_CLASS_DICT = type.__dict__["__dict__"].__get__
_NUMPY_TYPES = (wire.np.ndarray, wire.np.generic, wire.np.ufunc, wire.np.dtype)
_NUMPY_DIRS = tuple({os.path.dirname(wire.np.__file__) + os.sep,
                     os.path.dirname(os.path.realpath(wire.np.__file__)) + os.sep})  # fmt: skip
_STDLIB_DIR = os.path.dirname(os.__file__) + os.sep
_CTYPES_DIR = _STDLIB_DIR + "ctypes" + os.sep
_THREADING_FILE = _STDLIB_DIR + "threading.py"
_PARTIAL = sys.modules["functools"].partial if "functools" in sys.modules else None
_DIS = dis  # imported before any student code runs (NumPy loads it too, on 3.11+)
# C functions that could switch the hook off, read it, or run code where it cannot see.
_SWITCHES = frozenset({
    ("sys", "setprofile"), ("sys", "settrace"), ("sys", "getprofile"), ("sys", "gettrace"),
    ("sys", "_current_frames"), ("_thread", "start_new_thread"), ("_thread", "start_new"),
    ("_thread", "start_joinable_thread"), ("posix", "fork"), ("posix", "forkpty"),
    ("posix", "posix_spawn"), ("_posixsubprocess", "fork_exec"),
})  # fmt: skip
# Reaching into frames or the heap, where the hook's state lives: from student code only
# (the standard library reads frames for its own reasons, e.g. namedtuple).
_INTROSPECTION = frozenset({
    ("sys", "_getframe"), ("gc", "get_referrers"), ("gc", "get_referents"), ("gc", "get_objects"),
})  # fmt: skip
_TAMPER_NAMES = frozenset({
    "setprofile", "settrace", "getprofile", "gettrace", "setprofile_all_threads",
    "settrace_all_threads", "_getframe", "_current_frames", "currentframe", "f_back", "f_locals",
    "f_globals", "tb_frame", "gi_frame", "cr_frame", "ag_frame", "get_referrers",
    "get_referents", "get_objects", "ctypes", "pythonapi", "monitoring",
})  # fmt: skip
_SCAN_ITEMS = 64  # items of a container looked at: enough for an alias, bounded for data
# What frame.f_locals is in a function: a dict up to 3.12, a proxy of the frame from 3.13.
_FRAME_LOCALS = type((lambda: sys._getframe().f_locals)())


def _numpy_name(name) -> bool:
    """Whether ``name`` is the name of NumPy or one of its modules ("numpy", "numpy.linalg")."""
    if type(name) is not str or not name.startswith("numpy"):
        return False
    return name == "numpy" or (name[5:6] == "." and "".join(name[6:].split(".")).isidentifier())


def _in_numpy(filename) -> bool:
    return type(filename) is str and filename.startswith(_NUMPY_DIRS)


def numpy_object(obj, depth=1) -> str:
    """What NumPy thing ``obj`` is ("dot", "a float64"), or "" when it is none.

    Reads only attributes that no student class can redefine (exact builtin types, the
    type's own slots), so that looking never runs student code inside the hook.
    """
    kind = type(obj)
    if kind is str:
        return f"the name {obj!r}" if _numpy_name(obj) else ""
    if kind is types.ModuleType:
        name = obj.__dict__.get("__name__")
        return f"the module {name}" if _numpy_name(name) else ""
    if issubclass(kind, _NUMPY_TYPES) or _numpy_name(_TYPE_MODULE(kind)):
        return f"a {_TYPE_NAME(kind)}"
    if kind is types.BuiltinFunctionType:
        if _numpy_name(obj.__module__):
            return obj.__name__
        return numpy_object(obj.__self__, 0) if depth else ""
    if kind is types.FunctionType:
        found = _numpy_name(obj.__module__) or _in_numpy(obj.__code__.co_filename)
        return obj.__name__ if found else ""
    if not depth:
        return ""
    if kind is types.MethodType:
        items = (obj.__func__, obj.__self__)
    elif kind in (list, tuple, set, frozenset):
        items = obj
    elif kind is dict:
        items = obj.values()
    elif _PARTIAL is not None and kind is _PARTIAL:
        items = (obj.func, *obj.args)
    elif issubclass(kind, type):  # a class: its attributes (a method may hold np.dot)
        items = _CLASS_DICT(obj).values()
    else:
        return ""
    for count, item in enumerate(items):
        if count >= _SCAN_ITEMS:
            break
        found = numpy_object(item, depth - 1)
        if found:
            return found
    return ""


def _code_facts(code):
    """(globals it reads, NumPy modules it imports, suspicious names, NumPy names among
    its constants) of one code object."""
    read, imports = [], []
    for instruction in _DIS.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            read.append(instruction.argval)
        elif instruction.opname == "IMPORT_NAME" and _numpy_name(instruction.argval):
            imports.append(instruction.argval)
    tamper = sorted(_TAMPER_NAMES.intersection(code.co_names))
    strings = [c for c in code.co_consts if _numpy_name(c)]
    return tuple(dict.fromkeys(read)), imports, tamper, strings


class NumpyWatch:
    """Watches one call of a student function for any use of NumPy; ``found`` says what
    it saw first ("" while nothing)."""

    def __init__(self):
        self.active, self.found, self.facts = True, "", {}

    def call(self, target, args, kwargs):
        """``target(*args, **kwargs)`` under the hook. Switching the hook off (or losing
        it) during the call counts as using NumPy: nothing could be seen after that."""
        _SETPROFILE(self)
        try:
            value = target(*args, **kwargs)
        finally:
            self.active = False
            kept = _GETPROFILE() is self
            _SETPROFILE(None)
        if not kept:
            self.found = self.found or "the NumPy check was switched off"
        self.found = self.found or numpy_object(value)
        return value

    def __call__(self, frame, event, arg):
        if not self.active or self.found:
            return
        try:
            if event == "c_call":
                found = self._c_function(frame, arg)
            elif event == "call":
                found = self._frame_starts(frame)
            elif event == "return":
                found = numpy_object(arg) or self._frame_ends(frame)
            else:
                found = ""
        except Exception as exc:  # fail closed: what cannot be checked does not count
            found = f"something the check could not read ({type(exc).__name__})"
        self.found = found

    def _c_function(self, frame, function):
        found = numpy_object(function)
        if found:
            return found
        key = (getattr(function, "__module__", None), getattr(function, "__name__", None))
        if key in _SWITCHES or (key in _INTROSPECTION and self._student(frame.f_code)):
            return f"{key[0]}.{key[1]}(), which can switch the NumPy check off"
        return ""

    def _frame_starts(self, frame):
        code = frame.f_code
        filename = code.co_filename
        if _in_numpy(filename):
            return f"numpy ({code.co_name})"
        if filename.startswith(_CTYPES_DIR):
            return "ctypes, which can switch the NumPy check off"
        if filename == _THREADING_FILE and code.co_name.startswith(("setprofile", "settrace")):
            return f"threading.{code.co_name}(), which can switch the NumPy check off"
        # Every frame, the standard library's too: a code object can claim any file name,
        # so a file name decides only which names are suspicious (below), never whether
        # the globals, arguments (importlib.import_module("numpy")) and locals are read.
        found = self._reads(code, frame.f_globals, frame.f_builtins, self._student(code))
        found = found or self._values(frame.f_locals)
        return f"{found}, in {code.co_name}()" if found else ""

    def _frame_ends(self, frame):
        found = self._values(frame.f_locals)
        return f"{found}, in {frame.f_code.co_name}()" if found else ""

    @staticmethod
    def _student(code):
        """Code of the submission (or code it built at run time), by its file name: not
        NumPy's, not the standard library's."""
        filename = code.co_filename
        return not (_in_numpy(filename) or filename.startswith(_STDLIB_DIR))

    def _reads(self, code, globals_, builtins, student):
        facts = self.facts.get(code)
        if facts is None:
            if _DIS is None:
                return "code the check could not read"
            facts = self.facts[code] = _code_facts(code)
        read, imports, tamper, strings = facts
        if imports:
            return f"import {imports[0]}"
        if tamper and student:  # the standard library reads frames for its own reasons
            return f"{tamper[0]}, which can switch the NumPy check off"
        if strings:
            return f"the name {strings[0]!r}"
        missing = object()
        for name in read:  # resolved now, against the globals the code runs with
            value = dict.get(globals_, name, missing)
            if value is missing and type(builtins) is dict:
                value = dict.get(builtins, name, missing)
            found = "" if value is missing else numpy_object(value)
            if found:
                return name if found == name else f"{name} is {found}"
        return ""

    @staticmethod
    def _values(namespace):
        if type(namespace) is _FRAME_LOCALS and _FRAME_LOCALS is not dict:
            namespace = dict(namespace)
        if type(namespace) is not dict:  # exec() with a mapping of the submission's own
            return ""
        for count, value in enumerate(namespace.values()):
            if count >= _SCAN_ITEMS:
                break
            found = numpy_object(value)
            if found:
                return found
        return ""


KEPT_FRAMES = 5  # the first of the submission's lines in a traceback and its last 4


def _frame_facts(tb):
    """One traceback entry as data: file label, line, the statement's last line when the
    code knows it (3.11+ positions), the function's name and the line's text if cached."""
    code = tb.tb_frame.f_code
    line, end_line = tb.tb_lineno, None
    positions = getattr(code, "co_positions", None)  # 3.11+
    if positions is not None and tb.tb_lasti >= 0:
        try:
            start, end, *_ = next(itertools.islice(positions(), tb.tb_lasti // 2, None))
        except (StopIteration, ValueError):
            start = end = None
        if type(start) is int and start > 0:
            line = start
        if type(end) is int and end >= line:
            end_line = end
    facts = {
        "file": str(code.co_filename)[:200],
        "line": line,
        "code": linecache.getline(code.co_filename, line).strip()[:500],
        "function": str(code.co_name)[:80],
    }
    if end_line is not None:
        facts["end_line"] = end_line
    return facts


def describe_error(exc, label=None, cell=None):
    """The error as plain data: type, message, and the submission's lines in its traceback.

    ``frames`` holds at most ``KEPT_FRAMES`` of them: the first (the top-level line that
    ran, when loading) and the last ones (where the error was raised); ``frames_left_out``
    counts those between (a deep recursion). Each has ``file``, ``line``, ``code``,
    ``function`` and, where Python knows it, ``end_line`` (the last line of the statement)."""
    try:
        # A SyntaxError's str() repeats the file label and line, which the grader says itself.
        message = exc.msg if isinstance(exc, SyntaxError) and type(exc.msg) is str else str(exc)
    except BaseException:
        message = "<the exception's message could not be read>"
    first, last, seen = [], collections.deque(maxlen=KEPT_FRAMES - 1), 0
    if isinstance(exc, SyntaxError):
        code = (exc.text or "").rstrip()
        first.append({"file": str(exc.filename), "line": exc.lineno, "code": code})
        seen = 1
    prefix = label.split(" [")[0] if label else None
    tb = exc.__traceback__
    while tb is not None:
        # Only the submission's own lines: the student knows them, and they locate the bug.
        if prefix and str(tb.tb_frame.f_code.co_filename).startswith(prefix):
            (last if first else first).append(_frame_facts(tb))
            seen += 1
        tb = tb.tb_next
    error = {
        "type": type(exc).__name__[:80],
        "message": message[:2000],
        "frames": first + list(last),
    }
    if seen > KEPT_FRAMES:
        error["frames_left_out"] = seen - KEPT_FRAMES
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
        except NotDefined as exc:
            reply, reply_blobs = {"ok": False, "missing": exc.name}, []
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
    run(requests, replies, config)


# glibc's malloc options (mallopt): M_TRIM_THRESHOLD, M_MMAP_THRESHOLD.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def tune_malloc():
    """Keep NumPy's arrays of up to 4 MiB on the heap, and up to 16 MiB of freed heap.

    Left to itself, glibc's malloc in a small new process gives each freed array of a few
    hundred KiB back to the kernel and faults it in again at the next epoch: a classifier's
    training loop (300 x 100 arrays) ran 3x slower here than in a process whose heap had
    grown. Fixed thresholds keep that memory (at most 16 MiB more, under the same limits)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, 4 << 20)
        libc.mallopt(M_TRIM_THRESHOLD, 16 << 20)
    except (OSError, AttributeError):  # not glibc: its own malloc, untouched
        pass


def run(requests, replies, config):
    """Isolate and limit this process, then load the submission and answer requests."""
    tune_malloc()
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


# ---------------------------------------------------------------- the zygote
#
# A process that has imported NumPy and this runtime, and then only forks: each child becomes
# one submission's student process (``run`` above, from the very start: its own session,
# output files, environment, work folder, then ``isolate``: the slot's control groups, new
# namespaces, the allowlist root, the slot's uid, limits). The zygote itself never runs a
# submission's code and never receives any: a request holds the settings ``run`` gets and
# four file descriptors (the two pipes and the two output files); the code comes later, over
# the child's own pipe. Its only peer is the grader that started it (a socketpair).


def zygote_main():
    """Serve fork requests on the socket ``sys.argv[1]`` until it closes; report each
    child's exit status (``{"exit": pid, "status": raw}``) as it comes."""
    import select
    import socket

    control = socket.socket(fileno=int(sys.argv[1]))
    preload()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the grader's to handle
    libc, check = _libc()
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        ready, _, _ = select.select([control, wake_r], [], [])
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 512):
                        break
                except BlockingIOError:
                    break
            _report_exits(control)
        if control not in ready:
            continue
        message, fds, _, _ = socket.recv_fds(control, 1 << 16, 4)
        if not message:
            return
        if len(fds) != 4:
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"error": "expected four file descriptors"}).encode())
            continue
        pid = os.fork()
        if pid == 0:
            _forked(json.loads(message), fds, (control.fileno(), wake_r, wake_w))
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"pid": pid}).encode())


def _report_exits(control):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        control.send(json.dumps({"exit": pid, "status": status}).encode())


def _forked(request, fds, zygote_fds):
    """In a child of the zygote: drop everything of the zygote (its socket first: no child
    may ask for more children), take the request's descriptors and environment, and become
    a student process as ``main`` would. Never returns."""
    code = 1
    try:
        for fd in zygote_fds:
            os.close(fd)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()
        requests, replies, out, err = fds
        null = os.open(os.devnull, os.O_RDONLY)
        for source, target in ((null, 0), (out, 1), (err, 2)):
            os.dup2(source, target)
        low = 3  # every other descriptor closed, whatever the zygote held
        for fd in sorted({requests, replies}):
            os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, 1 << 16)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        import random

        random.seed()  # not the zygote's state, shared by every child
        wire.np.random.seed()
        # What a started student process sees in its arguments, the same here.
        sys.argv[:] = ["-c", str(requests), str(replies), json.dumps(request["config"])]
        run(requests, replies, request["config"])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()  # as an interpreter's exit would
            sys.stderr.flush()
            sys.stdout.flush()
        except BaseException:
            pass
        os._exit(code)


if __name__ == "__main__":
    main()
