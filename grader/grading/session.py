"""One submission's student side for a whole grading run: the student process, restarted
after a crash or timeout, the time budget, and requests as plain data.

A crash or timeout ends only the test that caused it: the next request starts a fresh
student process (the submission is loaded again). Why a submission cannot run at all is
kept as data (``Unavailable``), never parsed back out of a message.
"""

import contextlib
import time
from dataclasses import dataclass

from grader.errors import (
    MissingName,
    StudentCrash,
    StudentError,
    StudentTimeout,
    StudentUnavailable,
    student_raised,
)
from grader.grading.proxy import RemoteCallable, RemoteObject, has_refs
from grader.sandbox.levels import Level
from grader.sandbox.limits import Limits, LoadRequest
from grader.sandbox.process import StudentProcess
from grader.student import wire


@dataclass(frozen=True)
class Unavailable:
    """Why the submission cannot run at all: it could not be ``run`` (empty, not UTF-8,
    not a notebook...) or could not be ``loaded`` (its top level crashed the process or
    ran out of time), and the reason, as the report's ``problem`` shows it."""

    when: str  # "run" | "loaded"
    reason: str

    def __str__(self) -> str:
        return f"the submission could not be {self.when}: {self.reason}"


class Session:
    """One submission's student side for a whole grading run."""

    def __init__(self, request: LoadRequest, limits: Limits, level: Level | None = None):
        self.load_request, self.limits, self.level = request, limits, level
        self.process: StudentProcess | None = None
        self.generation = 0
        self.load_report: dict | None = None  # from the first successful start
        self.unavailable: Unavailable | None = None  # why the submission cannot run at all
        self.spare: StudentProcess | None = None  # started ahead of its first use
        self.stdout: list[str] = []
        self.spent = 0.0  # seconds spent in calls, against limits.total_seconds
        self.call_timeout = limits.timeout  # of each call; a test may allow more (below)
        # (function name, per-call limit) -> calls that ran out of time
        self.timeouts: dict[tuple[str, float], int] = {}
        self.stderr: list[str] = []

    # -- lifecycle

    def ensure_started(self):
        if self.unavailable:
            raise StudentUnavailable(str(self.unavailable))
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
            self.unavailable = Unavailable("loaded", str(exc))
            raise StudentUnavailable(str(self.unavailable)) from None
        finally:
            self.spent += time.monotonic() - started
        if not isinstance(report, dict):
            process.close()
            self.unavailable = Unavailable("loaded", "invalid load report")
            raise StudentUnavailable(str(self.unavailable))
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

    @contextlib.contextmanager
    def calls_may_take(self, seconds: float):
        """Within: each call may take ``seconds`` of wall time (never less than the limits'
        per-call timeout; the submission's total time still applies). A test's
        ``call_timeout`` marker (``grader.grading.plugin``)."""
        saved, self.call_timeout = self.call_timeout, max(seconds, self.limits.timeout)
        try:
            yield
        finally:
            self.call_timeout = saved

    # -- requests

    def request(self, header: dict, blobs=(), what="a call", function: str | None = None):
        """Send a request; returns the decoded reply dict of values. ``what`` describes the
        request in messages ("calling softmax"), ``function`` names what the student's
        error is attributed to (default: ``what``)."""
        self.ensure_started()
        generation = self.generation
        remaining = self.limits.total_seconds - self.spent
        if remaining <= 0:
            raise StudentTimeout(self.out_of_time())
        started = time.monotonic()
        try:
            timeout = min(self.call_timeout, remaining)
            reply, reply_blobs = self.process.exchange(header, blobs, timeout, what)
        except StudentError:
            self.discard()
            raise
        finally:
            self.spent += time.monotonic() - started
        if reply.get("ok") is not True:
            if "missing" in reply and header.get("name"):  # the runtime's lookup failed
                raise MissingName(header["name"])
            error = reply.get("error")
            raise student_raised(error if isinstance(error, dict) else {}, function or what)

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

    def call(self, target: int, args, kwargs, return_args: bool, what: str, *,
             name=None, trace_numpy=False, function: str | None = None):  # fmt: skip
        """Call object ``target`` of the child (0: the module, then ``name`` is looked up
        in it) with plain-data arguments; returns the decoded reply dict. With
        ``trace_numpy`` the child also says whether the call used NumPy (``numpy_used``,
        ``numpy_what``): a claim of the untrusted side, see checks.call_watching_numpy.
        Student errors are attributed to ``function`` (default: ``name``)."""
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
        return self.request(header, blobs, what=what, function=function or name)

    def encode(self, value, blobs):
        def ref_of(obj):
            return obj._ref_for(self)

        return wire.encode_value(value, blobs, ref_of if has_refs(value) else None)

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
        frames = []
        for f in list(error.get("frames") or [])[:5]:
            if not isinstance(f, dict):
                continue
            frame = {
                "file": text(f.get("file"), 200),
                "line": f["line"] if type(f.get("line")) is int else None,
                "code": text(f.get("code"), 200),
            }
            if "function" in f:  # a frame of a runtime that says it (see describe_error)
                frame["function"] = text(f.get("function"), 80)
            if type(f.get("end_line")) is int:
                frame["end_line"] = f["end_line"]
            frames.append(frame)
        clean = {"type": text(error.get("type"), 80), "message": text(error.get("message"), 2000),
                 "frames": frames}  # fmt: skip
        left_out = error.get("frames_left_out")
        if type(left_out) is int and 0 < left_out < 10**9:
            clean["frames_left_out"] = left_out
        if type(error.get("cell")) is int:
            clean["cell"] = error["cell"]
        errors.append(clean)
    names = [text(n, 100) for n in list(report.get("names") or [])[:500] if isinstance(n, str)]
    return {"errors": errors, "names": names}
