"""The grader's view of the student's code: a module-like proxy over the sandbox.

Tests write ``student.softmax(x)`` or ``net = student.NeuralNetwork(2, 4, 1)``;
each access becomes one request to the student process, whose reply is decoded
as plain data. A crash or timeout ends only the test that caused it: the next
request starts a fresh student process (the submission is loaded again).
"""

import time

from grader.errors import (
    MissingName,
    StudentCrash,
    StudentError,
    StudentRaised,
    StudentTimeout,
    StudentUnavailable,
    student_raised,
)
from grader.sandbox import Limits, LoadRequest, StudentProcess
from grader.student import wire

# After this many timeouts, a function is not called again in the same grading: its
# remaining tests fail at once instead of each waiting for the deadline.
HANG_LIMIT = 2
ARRAY_ATTRIBUTES = frozenset({"shape", "ndim", "dtype", "size", "T", "real", "imag", "flat"})


class Session:
    """One submission's student side for a whole grading run."""

    def __init__(self, request: LoadRequest, limits: Limits, level=None):
        self.load_request, self.limits, self.level = request, limits, level
        self.process: StudentProcess | None = None
        self.generation = 0
        self.load_report: dict | None = None  # from the first successful start
        self.unavailable: str | None = None  # why the submission cannot run at all
        self.spare: StudentProcess | None = None  # started ahead of its first use
        self.stdout: list[str] = []
        self.spent = 0.0  # seconds spent in calls, against limits.total_seconds
        self.timeouts: dict[str, int] = {}  # function name -> calls that ran out of time
        self.stderr: list[str] = []

    # -- lifecycle

    def ensure_started(self):
        if self.unavailable:
            raise StudentUnavailable(self.unavailable)
        if self.process is not None:
            return
        process, self.spare = self.spare or StudentProcess(*self._process_args()), None
        # Loading is charged to the submission's total time too: a submission that sleeps at
        # import and crashes in every call would otherwise pay its load time on every restart.
        remaining = self.limits.total_seconds - self.spent
        if remaining <= 0:
            process.close()
            raise StudentTimeout(self.out_of_time())
        started = time.monotonic()
        try:
            report = process.start(min(self.limits.load_timeout, remaining))
        except StudentError as exc:
            self._collect_output(process)
            process.close()
            if self.load_report is not None and self.spent + time.monotonic() - started >= (
                self.limits.total_seconds
            ):  # it loaded before: only its time ran out
                raise StudentTimeout(self.out_of_time()) from None
            self.unavailable = f"the submission could not be loaded: {exc}"
            raise StudentUnavailable(self.unavailable) from None
        finally:
            self.spent += time.monotonic() - started
        if not isinstance(report, dict):
            process.close()
            self.unavailable = "the submission could not be loaded: invalid load report"
            raise StudentUnavailable(self.unavailable)
        if self.load_report is None:
            self.load_report = sanitize_load_report(report)
        self.process = process
        self.generation += 1

    def out_of_time(self) -> str:
        return f"not run: the submission used up its total time of {self.limits.total_seconds:g} s"

    def _process_args(self):
        return self.load_request, self.limits, self.level

    def prestart(self):
        """Start the first student process now, so that its start-up (interpreter, NumPy,
        namespaces) overlaps with the grader's own (pytest's collection)."""
        if not self.unavailable and self.process is None and self.spare is None:
            self.spare = StudentProcess(*self._process_args())
            self.spare.spawn()

    def _collect_output(self, process):
        out, err = process.output()
        if out:
            self.stdout.append(out)
        if err:
            self.stderr.append(err)

    def discard(self):
        """Forget the current process (after a crash or timeout)."""
        if self.process is not None:
            self._collect_output(self.process)
            self.process.close()
            self.process = None

    def close(self):
        self.discard()
        if self.spare is not None:
            self.spare.close()
            self.spare = None

    # -- requests

    def request(self, header: dict, blobs=(), what="a call"):
        """Send a request; returns the decoded reply dict of values."""
        self.ensure_started()
        generation = self.generation
        remaining = self.limits.total_seconds - self.spent
        if remaining <= 0:
            raise StudentTimeout(self.out_of_time())
        started = time.monotonic()
        try:
            timeout = min(self.limits.timeout, remaining)
            reply, reply_blobs = self.process.exchange(header, blobs, timeout, what)
        except StudentError:
            self.discard()
            raise
        finally:
            self.spent += time.monotonic() - started
        if reply.get("ok") is not True:
            error = reply.get("error")
            function = what.removeprefix("calling ")
            raise student_raised(error if isinstance(error, dict) else {}, function)

        def make_ref(ref_id, kind, type_name):
            if kind == "callable":
                return RemoteCallable(self, generation, ref_id, type_name)
            return RemoteObject(self, generation, ref_id, type_name)

        try:
            counter = [0]
            return {
                key: wire.decode_value(reply.get(key), reply_blobs, make_ref, counter)
                for key in ("value", "args_after", "warnings", "numpy_used", "numpy_what")
                if key in reply
            }
        except wire.WireError as exc:
            self.discard()
            raise StudentCrash(f"the student process sent an invalid reply ({exc})") from None

    def call(
        self, target: int, args, kwargs, return_args: bool, what: str, name=None, trace_numpy=False
    ):
        """Call object ``target`` of the child (0: the module, then ``name`` is looked up
        in it) with plain-data arguments; returns the decoded reply dict. With
        ``trace_numpy`` the child also says whether the call used NumPy (``numpy_used``,
        ``numpy_what``): a claim of the untrusted side, see checks.call_watching_numpy."""
        blobs: list = []
        header = {
            "op": "call",
            "target": target,
            "args": self.encode(list(args), blobs),
            "kwargs": self.encode(dict(kwargs or {}), blobs),
            "return_args": return_args,
        }
        if name is not None:
            header["name"] = name
        if trace_numpy:
            header["trace_numpy"] = True
        return self.request(header, blobs, what=what)

    def encode(self, value, blobs):
        def ref_of(obj):
            return obj._ref_for(self)

        return wire.encode_value(value, blobs, ref_of if _has_refs(value) else None)

    def check_generation(self, generation, what):
        if generation != self.generation or self.process is None:
            raise StudentCrash(
                f"{what} belongs to a student process that was restarted after an earlier failure"
            )


def sanitize_load_report(report: dict) -> dict:
    """The child's load report, cut down to what a report may hold: it comes from the
    untrusted side and could otherwise be megabytes of forged 'errors'."""

    def text(value, limit):
        return str(value)[:limit] if isinstance(value, str | int | float) else ""

    errors = []
    for error in list(report.get("errors") or [])[:20]:
        if not isinstance(error, dict):
            continue
        frames = [
            {
                "file": text(f.get("file"), 200),
                "line": f["line"] if type(f.get("line")) is int else None,
                "code": text(f.get("code"), 200),
            }
            for f in list(error.get("frames") or [])[:5]
            if isinstance(f, dict)
        ]
        clean = {"type": text(error.get("type"), 80), "message": text(error.get("message"), 2000),
                 "frames": frames}  # fmt: skip
        if type(error.get("cell")) is int:
            clean["cell"] = error["cell"]
        errors.append(clean)
    names = [text(n, 100) for n in list(report.get("names") or [])[:500] if isinstance(n, str)]
    return {"errors": errors, "names": names}


def _has_refs(value):
    if isinstance(value, _Remote):
        return True
    if type(value) in (list, tuple):
        return any(_has_refs(v) for v in value)
    if type(value) is dict:
        return any(_has_refs(v) for v in value.values())
    return False


class _Remote:
    """Something that lives in the student process."""

    __slots__ = ("_session", "_generation", "_id", "_type")

    def __init__(self, session, generation, ref_id, type_name):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_generation", generation)
        object.__setattr__(self, "_id", ref_id)
        object.__setattr__(self, "_type", type_name)

    def _ref_for(self, session):
        session.check_generation(self._generation, f"a {self._type} object")
        return self._id

    def __eq__(self, other):  # a remote object is never equal to a value
        return other is self

    __hash__ = object.__hash__


class RemoteCallable(_Remote):
    """A function, class or bound method of the submission."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        return self.call_with_args(args, kwargs)["value"]

    def call_with_args(self, args, kwargs=None, return_args=False):
        """Call it; with ``return_args`` also get the arguments as they were after the call."""
        self._session.check_generation(self._generation, self._type)
        return self._session.call(self._id, args, kwargs, return_args, f"calling {self._type}")

    def __repr__(self):
        return f"<student {self._type}>"


class RemoteObject(_Remote):
    """An instance of one of the submission's classes (e.g. a NeuralNetwork)."""

    __slots__ = ()

    def __getattr__(self, name):
        # NumPy reads .shape, .ndim, ... from any object (np.shape(x)): a remote object
        # must never answer for an array.
        if name.startswith("__") or name in ARRAY_ATTRIBUTES:
            raise AttributeError(name)
        session = self._session
        session.check_generation(self._generation, self._type)
        header = {"op": "getattr", "target": self._id, "name": name}
        try:
            return session.request(header, what=f"reading {self._type}.{name}")["value"]
        except AttributeError as exc:
            raise AttributeError(f"{self._type} object has no attribute {name!r}") from exc

    def __setattr__(self, name, value):
        session = self._session
        session.check_generation(self._generation, self._type)
        blobs: list = []
        header = {
            "op": "setattr",
            "target": self._id,
            "name": name,
            "value": session.encode(value, blobs),
        }
        session.request(header, blobs, what=f"setting {self._type}.{name}")

    def __repr__(self):
        return f"<student {self._type} object>"


class StudentFunction:
    """A module-level name of the submission, looked up in the child at each call.

    Looking the name up lazily means a test module can import every name of the
    stage even when the submission lacks some: only the tests that call a missing
    one fail. It also survives restarts of the student process.
    """

    def __init__(self, session: Session, name: str):
        self._session, self.__name__ = session, name

    def __call__(self, *args, **kwargs):
        return self.call_with_args(args, kwargs)["value"]

    def call_with_args(self, args, kwargs=None, return_args=False, trace_numpy=False):
        """Call it; with ``return_args`` also get the arguments as they were after the call,
        with ``trace_numpy`` the child's account of whether the call used NumPy."""
        session = self._session
        if session.timeouts.get(self.__name__, 0) >= HANG_LIMIT:
            raise StudentTimeout(
                f"{self.__name__} was not called again: it already ran out of time "
                f"{HANG_LIMIT} times in this grading"
            )
        try:
            what = f"calling {self.__name__}"
            return session.call(
                0, args, kwargs, return_args, what, name=self.__name__, trace_numpy=trace_numpy
            )
        except StudentTimeout:
            session.timeouts[self.__name__] = session.timeouts.get(self.__name__, 0) + 1
            raise
        except StudentRaised as exc:
            if exc.student_type == "AttributeError" and exc.args and "lookup:" in exc.args[0]:
                raise MissingName(
                    f"the submission does not define {self.__name__!r}: check its spelling, "
                    "and that the cell or line defining it ran without error"
                ) from None
            raise

    def __repr__(self):
        return f"<student function {self.__name__}>"


class StudentModule:
    """The submission as a module: ``student.name`` stands for ``name`` in the child."""

    def __init__(self, session: Session, stage: str):
        self._session, self._stage = session, stage
        self.__name__ = stage

    def __getattr__(self, name):
        if name.startswith("_"):  # introspection by tools, never a name of the course
            raise AttributeError(name)
        return StudentFunction(self._session, name)

    def __repr__(self):
        return f"<student module {self._stage}>"
