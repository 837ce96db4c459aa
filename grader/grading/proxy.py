"""The grader's view of the student's code: a module-like proxy over the sandbox.

Tests write ``student.softmax(x)`` or ``net = student.NeuralNetwork(2, 4, 1)``;
each access becomes one request to the student process (through the ``Session``, see
``session.py``), whose reply is decoded as plain data.
"""

from typing import TYPE_CHECKING

from grader.errors import StudentTimeout

if TYPE_CHECKING:
    from grader.grading.session import Session

# After this many timeouts, a function is not called again in the same grading: its
# remaining tests fail at once instead of each waiting for the deadline.
HANG_LIMIT = 2
ARRAY_ATTRIBUTES = frozenset({"shape", "ndim", "dtype", "size", "T", "real", "imag", "flat"})


def has_refs(value) -> bool:
    """Whether ``value`` holds a remote object (then it is sent by reference)."""
    if isinstance(value, _Remote):
        return True
    if type(value) in (list, tuple):
        return any(has_refs(v) for v in value)
    if type(value) is dict:
        return any(has_refs(v) for v in value.values())
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
        what = f"calling {self._type}"
        return self._session.call(self._id, args, kwargs, return_args, what, function=self._type)

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

    def __init__(self, session: "Session", name: str):
        self._session, self.__name__ = session, name

    def __call__(self, *args, **kwargs):
        return self.call_with_args(args, kwargs)["value"]

    def call_with_args(self, args, kwargs=None, return_args=False, trace_numpy=False):
        """Call it; with ``return_args`` also get the arguments as they were after the call,
        with ``trace_numpy`` the child's account of whether the call used NumPy."""
        session = self._session
        # Counted per time limit: a test that allows more (call_timeout) still gets its try.
        key = (self.__name__, session.call_timeout)
        if session.timeouts.get(key, 0) >= HANG_LIMIT:
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
            session.timeouts[key] = session.timeouts.get(key, 0) + 1
            raise

    def __repr__(self):
        return f"<student function {self.__name__}>"


class StudentModule:
    """The submission as a module: ``student.name`` stands for ``name`` in the child."""

    def __init__(self, session: "Session", stage: str):
        self._session, self._stage = session, stage
        self.__name__ = stage

    def __getattr__(self, name):
        if name.startswith("_"):  # introspection by tools, never a name of the course
            raise AttributeError(name)
        return StudentFunction(self._session, name)

    def __repr__(self):
        return f"<student module {self._stage}>"
