"""PrairieLearn's external grading: the files a course needs to grade a stage with neurograde
on PrairieLearn's grader fleet, and the grading job that runs there.

``export(stage, outdir)`` writes, to be copied into the course repository:

- ``questions/neurograde-<stage>/info.json``: the question, its ``externalGradingOptions``
  (``enabled``, ``image``, ``entrypoint``, ``serverFilesCourse``, ``timeout``);
- ``questions/neurograde-<stage>/question.html``: a file upload and the results element;
- ``questions/neurograde-<stage>/tests/neurograde.json``: which stage to grade and how
  (PrairieLearn copies the question's ``tests/`` to ``/grade/tests``);
- ``serverFilesCourse/neurograde/run.sh``: the entry point, shared by every stage;
- ``image/Dockerfile`` and neurograde's wheel: the grading image. Grading containers have
  no network, so neurograde and NumPy are installed in the image, once, when it is built.

PrairieLearn then runs ``run.sh`` for each submission, which runs ``python3 -m
grader.platforms.prairielearn /grade``: the files in ``/grade/student`` are graded and the
results written to ``/grade/results/results.json``, which PrairieLearn shows to the student
as it is: of a failed hidden test, what the export's hidden-feedback policy allows (``hints``
by default: what it checks, the function and the hint, never its inputs or expected values).
``GRADE_ROOT`` lets a test run the entry point against a fake ``/grade`` tree.
"""

import contextlib
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

from grader.course import PROJECT_ROOT, get_stage
from grader.errors import GraderError
from grader.outputs.formats import to_prairielearn
from grader.outputs.report import DEFAULT_HIDDEN_FEEDBACK, HIDDEN_FEEDBACK
from grader.platforms.wheel import package_files, runtime_requires, write_wheel

DEFAULT_IMAGE = "YOUR-DOCKERHUB-USER/neurograde"  # the instructor pushes the image here
CONFIG_NAME = "neurograde.json"
MAX_RESULTS_BYTES = 900_000  # PrairieLearn accepts results.json up to 1 MB

RUN_SH = """#!/usr/bin/env bash
# PrairieLearn's external grader runs this for each submission, in the image built from
# image/Dockerfile: grade /grade/student, write /grade/results/results.json.
# GRADE_ROOT lets a test run it against a fake /grade tree (NEUROGRADE_PYTHON with another
# Python that has neurograde installed).
set -u
root="${GRADE_ROOT:-/grade}"
python="${NEUROGRADE_PYTHON:-python3}"
mkdir -p "$root/results"
"$python" -m grader.platforms.prairielearn "$root" || [ -s "$root/results/results.json" ] \\
    || printf '{"gradable": false, "score": 0, "tests": [], "format_errors": ["%s"]}\\n' \\
        "neurograde could not start in the grading image: see the job's log" \\
        > "$root/results/results.json"
"""

DOCKERFILE = """# The grading image for neurograde questions. Build and push it once:
#   docker build -t {image} . && docker push {image}
# Grading containers have no network: everything is installed here.
FROM python:3.12-slim
COPY {wheel} /tmp/
RUN python3 -m pip install --no-cache-dir /tmp/{wheel} && rm /tmp/{wheel} \\
    && grade list > /dev/null
# If the container refuses namespaces, the student's code runs as another uid without them
# (the `uid` level): make the hidden suites and the reference unreadable to it.
RUN chmod -R go-rwx "$(python3 -c 'import grader, os; print(os.path.dirname(grader.__file__))')" \\
    "$(python3 -c 'import reference, os; print(os.path.dirname(reference.__file__))')" \\
    "$(python3 -c 'import grader.course as c; print(c.ASSIGNMENTS_DIR)')"
"""

QUESTION_HTML = """<pl-question-panel>
  <p>Upload <code>{stage}.py</code>, your work on stage <strong>{stage}</strong>.
  (To accept the notebook instead, change <code>file-names</code> to {stage}.ipynb:
  neurograde grades either.)</p>
  <pl-file-upload file-names="{stage}.py"></pl-file-upload>
</pl-question-panel>

<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""

README = """# neurograde on PrairieLearn: stage {stage}

1. Build the grading image and push it where PrairieLearn can pull it:
   `cd image && docker build -t {image} . && docker push {image}`
   (the image's name is in `questions/neurograde-{stage}/info.json`: change both together).
2. Copy `serverFilesCourse/neurograde/` and `questions/neurograde-{stage}/` into the course
   repository (same paths), and add the question to an assessment.
3. PrairieLearn runs `/grade/serverFilesCourse/neurograde/run.sh` for each submission; the
   student sees the score and each test by name. {hidden}
"""

HIDDEN_WORDS = {
    "none": "Failing hidden tests show no details: no inputs, expected values or hints "
            "(this export: --hidden-feedback none).",
    "hints": "Failing hidden tests show what they check, the function and the hint, never "
             "their inputs or expected values (this export: --hidden-feedback hints).",
    "full": "Failing hidden tests show their whole message, inputs and expected values "
            "included (this export: --hidden-feedback full).",
}


def _info(stage: str, image: str, timeout: int) -> dict:
    return {
        "uuid": _uuid(stage),
        "title": f"neurograde: stage {stage}",
        "topic": "Neural networks from scratch",
        "tags": ["neurograde", stage],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "serverFilesCourse": ["neurograde/"],
            "entrypoint": "/grade/serverFilesCourse/neurograde/run.sh",
            "timeout": timeout,
        },
    }


def _uuid(stage: str) -> str:
    """A stable UUID per stage: re-exporting updates the same PrairieLearn question."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"neurograde:prairielearn:{stage}"))


def export(
    stage: str,
    outdir: Path,
    image: str = DEFAULT_IMAGE,
    timeout: float = 10.0,
    job_timeout: int = 120,
    show_hidden_messages: bool | None = None,
    hidden_feedback: str = DEFAULT_HIDDEN_FEEDBACK,
) -> Path:
    """Write the PrairieLearn files for ``stage`` into ``outdir`` (a new or empty folder).

    ``timeout`` bounds one call into the student's code; ``job_timeout`` the whole grading
    job (PrairieLearn allows at most 600 s). ``hidden_feedback``: what students see of a
    failed hidden test (none, hints, full); ``show_hidden_messages`` is its former flag."""
    if show_hidden_messages is not None:
        hidden_feedback = "full" if show_hidden_messages else "none"
    if hidden_feedback not in HIDDEN_FEEDBACK:
        raise GraderError(f"--hidden-feedback is one of {', '.join(HIDDEN_FEEDBACK)}")
    get_stage(stage)
    if outdir.exists() and any(outdir.iterdir()):
        raise GraderError(f"{outdir} is not empty: choose a new folder")
    if not 1 <= job_timeout <= 600:
        raise GraderError("PrairieLearn's job timeout is between 1 and 600 seconds")
    question = outdir / "questions" / f"neurograde-{stage}"
    (question / "tests").mkdir(parents=True)
    (question / "info.json").write_text(json.dumps(_info(stage, image, job_timeout), indent=2))
    (question / "question.html").write_text(QUESTION_HTML.format(stage=stage))
    config = {"stage": stage, "timeout": timeout, "hidden_feedback": hidden_feedback}
    (question / "tests" / CONFIG_NAME).write_text(json.dumps(config, indent=2) + "\n")
    server = outdir / "serverFilesCourse" / "neurograde"
    server.mkdir(parents=True)
    (server / "run.sh").write_text(RUN_SH)
    (server / "run.sh").chmod(0o755)
    files = {}
    for package in ("grader", "reference", "assignments"):
        files |= package_files(PROJECT_ROOT, package)
    files |= get_stage(stage).package_files()  # the stage as the registry has it
    wheel = write_wheel(outdir / "image", "neurograde", files, runtime_requires(),
                        "neurograde's grader, hidden suites and reference")  # fmt: skip
    (outdir / "image" / "Dockerfile").write_text(DOCKERFILE.format(image=image, wheel=wheel.name))
    hidden = HIDDEN_WORDS[hidden_feedback]
    (outdir / "README.md").write_text(README.format(stage=stage, image=image, hidden=hidden))
    return outdir


# ---------------------------------------------------------------- the grading job


def config_policy(config: dict) -> str:
    """The hidden-feedback policy of a job's config (an export before the policy wrote
    ``show_hidden_messages``: true meant ``full``, false ``none``)."""
    policy = config.get("hidden_feedback")
    if policy in HIDDEN_FEEDBACK:
        return policy
    if "show_hidden_messages" in config:
        return "full" if config["show_hidden_messages"] else "none"
    return DEFAULT_HIDDEN_FEEDBACK


def not_gradable(message: str) -> dict:
    """Results for a job that could not grade: PrairieLearn then neither awards nor takes
    points, and does not count the attempt."""
    return {"gradable": False, "score": 0.0, "tests": [], "format_errors": [message[:2000]],
            "output": message[:2000]}  # fmt: skip


def _protect(root: Path) -> None:
    """Make the job's own files (tests, shared course files, question data) unreadable to
    the student's uid, for the levels that rely on file permissions rather than namespaces.

    Best effort: a read-only mount stays as it is (these files hold the stage's name and
    the entry point; the hidden suites and the reference are protected in the image)."""
    for name in ("tests", "serverFilesCourse", "data"):
        folder = root / name
        if folder.is_dir():
            for path in [folder, *folder.rglob("*")]:
                with contextlib.suppress(OSError):
                    if not path.is_symlink():
                        path.chmod(path.stat().st_mode & ~0o077)


def _bounded(results: dict) -> dict:
    """PrairieLearn rejects a results.json over 1 MB: drop test outputs first if needed."""
    if len(json.dumps(results)) > MAX_RESULTS_BYTES:
        for test in results.get("tests", []):
            test["output"] = (test.get("output") or "")[:500]
    if len(json.dumps(results)) > MAX_RESULTS_BYTES:
        results["output"] = str(results.get("output", ""))[:2000]
        results["tests"] = results.get("tests", [])[:200]
    return results


def grade_job(root: Path) -> dict:
    """Grade ``root/student`` as ``root/tests/neurograde.json`` says, and write
    ``root/results/results.json``. Never raises: a broken job is reported as not gradable."""
    from grader.api import Limits, grade

    try:
        config = json.loads((root / "tests" / CONFIG_NAME).read_text(encoding="utf-8"))
        stage = config["stage"]
        _protect(root)
        # /grade (tests, results) does not exist for the student process: it sees only what
        # running it needs (the sandbox's allowlist).
        report = grade(stage, root / "student", limits=Limits(timeout=float(config["timeout"])))
        results = to_prairielearn(report, config_policy(config))
    except GraderError as exc:  # no submission, or not one the grader can read
        results = not_gradable(f"Not graded: {exc}")
    except Exception:  # an infrastructure failure: the student is not penalised for it
        traceback.print_exc()
        results = not_gradable("The grader failed (not your submission); try again later.")
    results = _bounded(results)
    _write(root / "results" / "results.json", json.dumps(results, indent=2) + "\n")
    return results


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m grader.platforms.prairielearn GRADE_ROOT", file=sys.stderr)
        return 2
    grade_job(Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
