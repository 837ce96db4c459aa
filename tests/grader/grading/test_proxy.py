"""The module-like proxy over the student process (``grader.grading.proxy``)."""

from grader.grading.proxy import RemoteObject


def test_remote_objects_equal_only_themselves():
    """A stand-in for an object of the student process equals nothing but itself."""
    remote = RemoteObject(None, 0, 1, "Cheat")
    assert remote == remote
    assert not remote == 4.8 and not 4.8 == remote and not remote == RemoteObject(None, 0, 1, "X")
