"""Student text made inert for each place it is shown: a terminal, Markdown, HTML, a
spreadsheet, XML, a file name.

Student text is anything the submission decides: what it printed, exception types and
messages, code lines in tracebacks, skipped notebook lines, values repr'd in failure
messages, file and folder names (student ids). It reaches the teacher's terminal,
browser and spreadsheet, so every renderer passes it through one of these functions at
the output edge; the Report itself keeps the text as it came (JSON escapes it itself).

The common step is ``visible``: control characters become printable escapes (``\\x1b``,
``\\r``, ``\\u202e``) instead of being removed, so no escape sequence can act (no ESC
byte is left to start one) and the teacher still sees that the submission tried.
"""

import hashlib
import html
import re

# C0 and C1 controls and DEL; bidirectional overrides and isolates (they reorder what a
# terminal or browser shows: "Trojan Source"); Unicode line and paragraph separators.
_CONTROLS = "\x00-\x1f\x7f-\x9f"
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_SEPARATORS = "\u2028\u2029"
# Text that cannot be encoded (lone surrogates, from JSON or a decoder) or is not a
# character (U+FFFE, U+FFFF): writing it to a UTF-8 file or a terminal would fail.
_BROKEN = "\ud800-\udfff\ufffe\uffff"
_UNSAFE = re.compile(f"[{_CONTROLS}{_BIDI}{_SEPARATORS}{_BROKEN}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(char: str) -> str:
    if "\ud800" <= char <= "\udfff" or char in "\ufffe\uffff":
        return "\ufffd"
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text, keep: str = "\n\t") -> str:
    """``text`` with every control character except those in ``keep`` shown as an escape.

    The result holds no character in U+0000-U+001F, U+007F-U+009F (other than ``keep``),
    no bidi control, no line separator and no lone surrogate.
    """
    text = "" if text is None else str(text)
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


def for_terminal(text) -> str:
    """Text for a terminal: lines and tabs stay, every other control is made visible."""
    return visible(text)


def one_line(text) -> str:
    """Text for a single line of a terminal or table: newlines are made visible too, so
    student text cannot start a line of its own (a fake "Score 26/26" line)."""
    return visible(text, keep="")


# ---------------------------------------------------------------- Markdown


def for_markdown_block(text, info: str = "text") -> str:
    """Student text as a fenced code block that the text cannot close or leave.

    The fence is longer than any run of backticks in the text (a closing fence must be
    at least as long as the opening one), and nothing inside a code block is Markdown or
    HTML. Controls are made visible: the file may also be read in a terminal.
    """
    body = visible(text)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


# What can start an inline construct mid-line: emphasis, code span, link or image, HTML
# tag or autolink, entity, table cell, strikethrough, and the escape character itself.
# ``_`` between letters or digits cannot open emphasis (CommonMark), so test names and
# ids such as ``test_neuron_output`` stay readable.
_MARKDOWN_INLINE = re.compile(r"[\\`*\[\]<>&|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def for_markdown_inline(text) -> str:
    """Student text inside a Markdown line (a heading, a table cell): one line (so no
    block construct can start), and every character that could open an inline
    construct backslash-escaped (CommonMark allows escaping any ASCII punctuation)."""
    return _MARKDOWN_INLINE.sub(lambda m: "\\" + m.group(), one_line(text))


# ---------------------------------------------------------------- HTML, XML, CSV


def for_html(text) -> str:
    """Student text for an HTML element or attribute: escaped, controls made visible."""
    return html.escape(visible(text), quote=True)


def for_xml(text) -> str:
    """Student text for XML 1.0 (ElementTree escapes ``& < >`` and quotes itself).

    XML 1.0 allows only tab, newline, CR and U+0020 up; ``visible`` leaves no other
    control, no surrogate and no U+FFFE/U+FFFF, so the document always parses. CR is made
    visible as well: a parser would turn it into a newline, and a CI log into a
    carriage return.
    """
    return visible(text)


# Spreadsheets read a cell starting with one of these as a formula (OWASP "CSV
# injection"); a tab or CR first hides one. Full-width forms are read as formulas by
# some spreadsheet locales.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def for_csv_cell(text) -> str:
    """Student text for a CSV cell: one line, and a leading ``'`` when the spreadsheet
    would otherwise read it as a formula. Only for text from a student: numbers the
    grader writes itself (scores) are left as numbers."""
    text = visible(text, keep="\t")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# ---------------------------------------------------------------- file names

_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)
SLUG_LENGTH = 80


def file_stem(student: str) -> str:
    """A file name stem for a student id, different for every id and the same on every run.

    An id made only of lower-case letters, digits, ``.``, ``_`` and ``-`` (not at its
    ends) is its own stem: ``alice``. Any other id gets a readable slug, ``~`` and a hash
    of the whole id: ``alice~1b7c...``. ``~`` never appears in a stem of the first kind,
    and the hash separates ids of the second kind (``alice!`` and ``alice?``; ``Alice``
    and ``ALICE``, which a case-insensitive file system would otherwise merge).
    """
    # The hash is of the id exactly as it came: two ids that only look alike (or that
    # ``visible`` would show alike) still get different stems.
    slug = _SLUG_UNSAFE.sub("_", student).strip("._-")[:SLUG_LENGTH].strip("._-") or "student"
    plain = slug == student and slug == slug.lower() and not _WINDOWS_RESERVED.match(slug)
    if plain:
        return slug
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{slug}~{digest}"
