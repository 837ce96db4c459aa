"""The sanitisers (``grader.outputs.inert``): every control character made visible, fences
a student cannot close, formulas neutralised, file stems distinct and stable. (Each
rendering is checked against graded hostile submissions in ``test_inert_outputs.py``.)"""

import re

import mistune

from grader.outputs import inert

EVERY_CONTROL = "".join(map(chr, range(0x00, 0xA0))) + "\ud800\udfff\ufffe\uffff\u202e\u2028"
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_visible_leaves_no_control_and_shows_each():
    """``for_terminal`` keeps newline and tab, turns every other C0/C1 control, bidi
    override, separator and lone surrogate into a visible escape or U+FFFD."""
    shown = inert.for_terminal(EVERY_CONTROL)
    assert not TERMINAL_CONTROLS.search(shown)
    assert "\u202e" not in shown and "\u2028" not in shown
    assert "\\x1b" in shown and "\\x9b" in shown and "\\r" in shown and "\\u202e" in shown
    assert "\n" in shown and "\t" in shown
    shown.encode("utf-8")  # no lone surrogate is left
    assert "\n" not in inert.one_line("a\nb") and inert.one_line("a\nb") == "a\\nb"
    assert inert.for_terminal("plain text, é ✅") == "plain text, é ✅"


def test_markdown_block_cannot_be_closed():
    """A fenced block is longer than any backtick run inside it, so it stays one block."""
    text = "a\n```\nb\n`````\n~~~\nc"
    tokens = mistune.create_markdown(renderer=None)(inert.for_markdown_block(text))
    blocks = [t for t in tokens if t["type"] != "blank_line"]
    assert len(blocks) == 1 and blocks[0]["type"] == "block_code"
    assert blocks[0]["raw"] == text + "\n"


def test_csv_cell_neutralises_formulas():
    """Cells that start like a formula get a leading quote; others are unchanged."""
    for cell in ("=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\uff1d1"):
        assert inert.for_csv_cell(cell) == "'" + cell
    assert inert.for_csv_cell("\r=1") == "\\r=1"  # CR made visible: no longer a formula
    assert inert.for_csv_cell("alice") == "alice" and inert.for_csv_cell("a-1") == "a-1"
    assert "\n" not in inert.for_csv_cell("a\nb")


def test_file_stems_are_distinct_and_stable():
    """Ids that slug alike, differ in case, or are reserved on Windows get different
    stems; plain ids are their own stem; the mapping is a fixed function of the id."""
    ids = ["alice", "alice!", "alice?", "Alice", "ALICE", "alice_", "con", "", ".", "..",
           "a" * 200, "a" * 200 + "!", "alice~80bc9a5af1a6"]  # fmt: skip
    stems = [inert.file_stem(i) for i in ids]
    assert len({s.lower() for s in stems}) == len(ids)
    assert inert.file_stem("alice") == "alice" and inert.file_stem("bob_2") == "bob_2"
    assert inert.file_stem("alice!") == "alice~80bc9a5af1a6"  # sha256, same on every run
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._~-]*", s) and len(s) <= 93 for s in stems)
