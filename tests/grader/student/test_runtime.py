"""The student runtime (``grader/student/runtime.py``), loaded here from its file as the
child loads it: a name the submission lacks is replied as data, never as an error text."""

import importlib.util
import sys

import pytest

from grader.sandbox.runtime_files import STUDENT_DIR
from grader.student import wire


@pytest.fixture
def runtime(monkeypatch):
    """runtime.py as a module, with ``import wire`` resolving to the grader's copy."""
    monkeypatch.setitem(sys.modules, "wire", wire)
    spec = importlib.util.spec_from_file_location("student_runtime", STUDENT_DIR / "runtime.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def replies(runtime, host, *requests) -> list[dict]:
    """Run ``serve`` on ``requests`` and decode what it writes."""
    written = []
    runtime.wire.write_frame = lambda fd, header, blobs=(): written.append(header)
    runtime.serve(host, iter([(r, []) for r in requests]), replies=-1)
    return written


def test_a_missing_name_is_replied_as_data(runtime, monkeypatch):
    """Calling a name the submission does not define replies ``{"ok": False, "missing":
    name}``; an error the student's code raises is an ``error`` with its type."""
    monkeypatch.setattr(wire, "write_frame", wire.write_frame)  # restored after the test
    host = runtime.Host("neuron", "neuron.py")
    host.load(["def boom():\n    raise AttributeError('lookup: no name')\n"], "neuron.py")
    call = {"op": "call", "target": 0, "args": {"t": "list", "v": []},
            "kwargs": {"t": "dict", "v": []}}  # fmt: skip
    missing, raised = replies(runtime, host, {**call, "name": "softmax"}, {**call, "name": "boom"})
    assert missing == {"ok": False, "missing": "softmax"}
    assert raised["ok"] is False and raised["error"]["type"] == "AttributeError"
    assert "missing" not in raised


def test_a_load_error_keeps_the_top_level_line_and_where_it_was_raised(runtime):
    """A load error raised in a function keeps both of the submission's frames, each with
    its function and (3.11+) the last line of its statement: a multi-line ``raise``."""
    host = runtime.Host("neuron", "neuron.py")
    source = "def f(x):\n    raise ValueError(\n        'no'\n    )\n\n\nr = f(1)\n"
    (error,) = host.load([source], "neuron.py")["errors"]
    top, raised = error["frames"]
    assert (top["line"], top["function"], raised["line"], raised["function"]) == (
        7, "<module>", 2, "f")  # fmt: skip
    if sys.version_info >= (3, 11):  # code positions: the statement's extent
        assert (top["end_line"], raised["end_line"]) == (7, 4)
    assert "frames_left_out" not in error


def test_a_deep_recursion_keeps_the_first_frame_and_the_last_ones(runtime):
    """A recursion error at load is 5 frames (the top-level line first, then the 4 deepest)
    and a count of those left out, not a thousand frames."""
    host = runtime.Host("neuron", "neuron.py")
    (error,) = host.load(["def f(n):\n    return f(n + 1)\n\nf(0)\n"], "neuron.py")["errors"]
    assert error["type"] == "RecursionError" and len(error["frames"]) == 5
    assert [f["line"] for f in error["frames"]] == [4, 2, 2, 2, 2]
    assert error["frames_left_out"] > 100
