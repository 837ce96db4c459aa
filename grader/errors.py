"""Errors of the grader, kept apart from the outcomes of the student's code.

``GraderError`` and its subclasses are problems the user of the grader must fix
(a missing file, an unknown stage); the CLI turns them into one-line messages.
``StudentError`` and its subclasses describe what the student's code did; they
become a test's ``error`` or ``timeout`` status, never a grader failure. ``Mismatch`` is a
wrong answer, explained to the student.
"""

import builtins


class GraderError(Exception):
    """A problem with how the grader was called or configured."""


class SubmissionError(GraderError):
    """The submission cannot be read (missing, unreadable, not a notebook, ...)."""


class UnsafeFile(SubmissionError):
    """The submission is not a regular file (a symbolic link, a device, a FIFO, a socket):
    refused unread, since following it as root could read anything on the machine."""

    def __init__(self, path, kind: str):
        super().__init__(f"{path}: {kind}, not a regular file: refused unread")
        self.path, self.kind = path, kind


class AmbiguousSubmission(SubmissionError):
    """A folder holds both STAGE.py and STAGE.ipynb (``paths``): the caller decides which to
    grade (``submission.read_submissions`` applies the one rule)."""

    def __init__(self, folder, paths):
        super().__init__(f"{folder} holds both {paths[0].name} and {paths[1].name}")
        self.folder, self.paths = folder, list(paths)


class IsolationError(GraderError):
    """The requested isolation level is not available on this machine."""


class StudentError(Exception):
    """Something the student's code did that ended a test: base class."""


class StudentTimeout(StudentError):
    """A call into the student's code did not finish in time."""


class StudentCrash(StudentError):
    """The student process died, or sent something that is not a valid reply."""


class StudentUnavailable(StudentError):
    """The submission could not be loaded at all, so nothing of it can be called."""


class MissingName(StudentError):
    """The submission does not define ``name``, which the test needs (the student runtime
    says so as data: ``{"ok": False, "missing": name}``)."""

    def __init__(self, name: str):
        super().__init__(
            f"the submission does not define {name!r}: check its spelling, "
            "and that the cell or line defining it ran without error"
        )
        self.name = name


class Mismatch(AssertionError):
    """A check of the student's answer failed (``grader.suites.checks``); the message is
    written for the student (function, input, expected, got, hint) and is shown as it is."""

    hint = ""  # the misconception's hint as data (``checks.mismatch`` sets it; also in the text)
    HINT_MARK = "\n  Hint: "

    def __init__(self, *args):
        super().__init__(*args)
        # A suite that writes its hint into the message (``"...\n  Hint: ..."``, the style
        # the checks layer has always shown) still gets it carried as data: the hint is the
        # suite's own words, so the hidden-feedback policy can show it without the values.
        text = args[0] if args and isinstance(args[0], str) else ""
        if self.HINT_MARK in text:
            self.hint = text.split(self.HINT_MARK, 1)[1].strip()


class StudentRaised(StudentError):
    """Mixed into the exception re-raised when the student's code raised one.

    The concrete class also derives from the builtin the student raised (when it is
    one), so ``pytest.raises(ValueError)`` works against the student's ValueError.
    """

    function = ""
    student_type = ""
    frames = ()


_BUILTIN_EXCEPTIONS = {
    name: obj
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, Exception) and obj is not Exception
}
_RAISED_CLASSES: dict[str, type] = {}


def student_raised(error: dict, function: str) -> StudentRaised:
    """The exception to raise on the grader's side for an error reported by the child.

    ``error`` comes from the untrusted side: only its type *name* is used, looked up
    among Python's builtin exceptions; nothing is evaluated.
    """
    type_name = str(error.get("type", "Exception"))[:80]
    base = _BUILTIN_EXCEPTIONS.get(type_name)
    if base is None:
        cls = StudentRaised
    elif base.__name__ in _RAISED_CLASSES:
        cls = _RAISED_CLASSES[base.__name__]
    else:
        cls = _RAISED_CLASSES[base.__name__] = type(
            f"Student{base.__name__}", (base, StudentRaised), {}
        )
    message = str(error.get("message", ""))[:2000]
    exc = cls(message)
    exc.function = function
    exc.student_type = type_name
    exc.frames = tuple(error.get("frames") or ())[:5]
    return exc
