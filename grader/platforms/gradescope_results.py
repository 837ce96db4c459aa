"""Gradescope's side of a grading, after ``grade run``: a results.json that always exists,
carrying who handed the submission in and when.

``run_autograder`` (written by ``grader.platforms.gradescope``) runs ``python -m
grader.platforms.gradescope_results finish ROOT`` once ``grade run`` has written (or failed
to write) ``ROOT/results/results.json``:

- when grading failed (no readable submission, a broken install), the student gets a score
  of 0 with the grader's message rather than Gradescope's "no results" error;
- the submission's metadata (``ROOT/submission_metadata.json``, written by Gradescope) adds
  the students' names and ids and the submission time to the results' ``extra_data`` and to
  the first line of the ``output``, so a downloaded results.json says whose it is.

Gradescope writes the metadata, but a name is whatever the student typed: each value is
bounded and stripped of control characters before it goes anywhere.
"""

import json
import sys
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

MAX_TEXT = 200  # characters kept of one name, id or date from the metadata
MAX_STUDENTS = 20  # group submissions list every member
MAX_ERROR = 2000  # characters of the grader's error message shown to the student


@dataclass
class Student:
    name: str
    id: str


@dataclass
class SubmissionInfo:
    """What Gradescope says about a submission (its documented submission_metadata.json)."""

    submission_id: str = ""
    submitted_at: str = ""
    students: list[Student] = field(default_factory=list)

    def line(self) -> str:
        """One line for the top of the output: whose submission, and when."""
        who = ", ".join(f"{s.name} (id {s.id})" if s.id else s.name for s in self.students)
        parts = [f"Submission {self.submission_id}" if self.submission_id else "Submission"]
        if who:
            parts.append(f"by {who}")
        if self.submitted_at:
            parts.append(f"handed in {self.submitted_at}")
        return " ".join(parts) + "."


def inert(value, limit: int = MAX_TEXT) -> str:
    """A metadata value as bounded, printable text (no control or format characters)."""
    if value is None or isinstance(value, dict | list):
        return ""
    text = "".join(c for c in str(value)[: limit * 2] if unicodedata.category(c)[0] != "C")
    return text.strip()[:limit]


def read_metadata(path: Path) -> SubmissionInfo | None:
    """The submission's metadata, or None when the file is absent or not what Gradescope
    documents (a grading never fails because of it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    users = data.get("users") if isinstance(data.get("users"), list) else []
    students = [
        Student(name=inert(user.get("name")), id=inert(user.get("id")))
        for user in users[:MAX_STUDENTS]
        if isinstance(user, dict)
    ]
    return SubmissionInfo(
        submission_id=inert(data.get("id")),
        submitted_at=inert(data.get("created_at")),
        students=students,
    )


def failed_results(error_text: str) -> dict:
    """Gradescope's results.json for a submission that could not be graded at all."""
    message = error_text.strip()[:MAX_ERROR] or "the grader stopped without a message"
    return {"score": 0.0, "output": f"Not graded: {message}", "tests": []}


def add_metadata(results: dict, info: SubmissionInfo) -> dict:
    """``results`` with the submission's metadata in ``extra_data`` and atop ``output``."""
    extra = results.get("extra_data") if isinstance(results.get("extra_data"), dict) else {}
    results["extra_data"] = {**extra, "submission": asdict(info)}
    results["output"] = info.line() + "\n" + str(results.get("output") or "")
    return results


def finish(root: Path) -> dict:
    """Complete ``root/results/results.json`` after ``grade run`` (see the module docstring)."""
    results_path = root / "results" / "results.json"
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
        if not isinstance(results, dict) or "score" not in results:
            raise ValueError("not a results document")
    except (OSError, ValueError):
        error = root / "results" / "grader.err"
        text = error.read_text(encoding="utf-8", errors="replace") if error.is_file() else ""
        results = failed_results(text[: MAX_ERROR * 2])
    info = read_metadata(root / "submission_metadata.json")
    if info is not None:
        results = add_metadata(results, info)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return results


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "finish":
        print("usage: python -m grader.platforms.gradescope_results finish AUTOGRADER_ROOT",
              file=sys.stderr)  # fmt: skip
        return 2
    finish(Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
