"""Reading a class list (``grader.outputs.roster``) as Canvas and Gradescope export it, or
as a plain CSV; matching a submission's ids to a student."""

import pytest

from grader.outputs.roster import RosterError, read_roster

CANVAS_EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Neuron (4242),Backprop (4243)\n"
    ",,,,,Manual Posting,\n"
    "    Points Possible,,,,,5,10\n"
    '"Lovelace, Ada",101,s001,ada@uni.edu,Sec A,,\n'
    '"Student, Test",999,,,Sec A,,\n'
)
GRADESCOPE_ROSTER = (
    "First Name,Last Name,SID,Email,Role,Sections\n"
    "Ada,Lovelace,s001,ada@uni.edu,Student,A\n"
    "Tim,Teacher,,tim@uni.edu,Instructor,\n"
    "Bo,,,bo@uni.edu,Student,A\n"
)


def test_canvas_gradebook_export(tmp_path):
    """Canvas's export: its placeholder rows and test student are skipped; the id is the
    SIS User ID; Canvas's user id, login and section are kept; the assignment's column is
    found by the stage's name."""
    path = tmp_path / "export.csv"
    path.write_text(CANVAS_EXPORT, encoding="utf-8")
    roster = read_roster(path, "neuron")
    assert roster.kind == "canvas" and roster.canvas_column == "Neuron (4242)"
    [ada] = roster.students
    assert (ada.id, ada.name, ada.email, ada.canvas_id, ada.sis_user_id, ada.sis_login_id,
            ada.section) == ("s001", "Lovelace, Ada", "ada@uni.edu", "101", "s001",
                             "ada@uni.edu", "Sec A")  # fmt: skip
    assert roster.match(["lovelace_ada_101", "101"]) is ada  # a Canvas file's user id
    assert roster.match(["someone"]) is None


def test_gradescope_roster(tmp_path):
    """Gradescope's roster: students only; the id is the SID, else the email."""
    path = tmp_path / "roster.csv"
    path.write_text(GRADESCOPE_ROSTER)
    roster = read_roster(path)
    assert roster.kind == "gradescope"
    assert [(s.id, s.name, s.email) for s in roster.students] == [
        ("s001", "Ada Lovelace", "ada@uni.edu"), ("bo@uni.edu", "Bo", "bo@uni.edu")]  # fmt: skip
    assert roster.match(["BO@uni.edu"]).id == "bo@uni.edu"


def test_plain_csv_and_unreadable_rosters(tmp_path):
    """A hand-made CSV of id, name, email reads; one with no id or email column, an empty
    one and a missing one are errors that say what is expected."""
    path = tmp_path / "class.csv"
    path.write_text("id,name,email\nalice,Alice A,alice@x.edu\n\nbob,,\n")
    roster = read_roster(path)
    assert [(s.id, s.name, s.email) for s in roster.students] == [
        ("alice", "Alice A", "alice@x.edu"), ("bob", "", "")]  # fmt: skip
    path.write_text("first,last\nA,B\n")
    with pytest.raises(RosterError, match="no id or email column .*first, last"):
        read_roster(path)
    path.write_text("")
    with pytest.raises(RosterError, match="empty"):
        read_roster(path)
    with pytest.raises(RosterError, match="cannot be read"):
        read_roster(tmp_path / "nope.csv")
