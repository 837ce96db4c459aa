"""Gradescope's autograder zip for a stage (``gradescope_zip``): ``setup.sh`` and
``run_autograder`` at the root (Gradescope's autograder specification) and neurograde as a
wheel, so that grading needs no index or network (setup.sh installs it when Gradescope builds
the image). What runs after ``grade run`` in the image is ``gradescope_results``.
"""

import tempfile
import zipfile
from pathlib import Path

from grader.course import PROJECT_ROOT, get_stage
from grader.errors import GraderError
from grader.outputs.report import DEFAULT_HIDDEN_FEEDBACK, HIDDEN_FEEDBACK
from grader.platforms.wheel import package_files, runtime_requires, write_wheel

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (network available).
# It installs neurograde with the image's own python3 into $root/venv, then grades the
# reference of stage {stage} there as a self-test. Any failure stops the build with a message
# saying what failed: a build that fails loudly beats an autograder giving every student 0.
# AUTOGRADER_ROOT lets a test run it against a fake /autograder tree.
set -euo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
fail() {{
    echo "neurograde setup.sh FAILED: $*" >&2
    exit 1
}}
trap 'fail "line $LINENO exited with status $? (see the messages above)"' ERR
cd "$root/source"

# Gradescope's Ubuntu images have a python3 (3.10 on 22.04) but not always its venv module.
if ! python3 -c "import venv, ensurepip" 2> /dev/null; then
    command -v apt-get > /dev/null \\
        || fail "python3 or its venv module is missing, and there is no apt-get to install them"
    echo "installing python3 and python3-venv with apt-get"
    apt-get update -qq || fail "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip \\
        || fail "apt-get install python3 python3-venv python3-pip"
fi
python3 -c "import sys; sys.exit(sys.version_info < (3, 10))" \\
    || fail "neurograde needs Python 3.10 or newer; this image's python3 is" \\
        "$(python3 --version 2>&1). Choose a base image with Python 3.10+ (Ubuntu 22.04 or later)."
echo "python3: $(command -v python3), $(python3 --version 2>&1)"
python3 -m venv --clear "$root/venv" || fail "python3 -m venv $root/venv"
"$root/venv/bin/python" -m pip install --quiet --progress-bar off --disable-pip-version-check \\
    ./{wheel} || fail "pip install {wheel} (its dependencies come from PyPI: is the network up?)"
# If the container refuses namespaces, the student's code runs as another uid without them
# (the `uid` level): make the hidden suites, the reference and this folder unreadable to it.
chmod -R go-rwx "$root/source" "$root"/venv/lib/python3*/site-packages/grader \\
    "$root"/venv/lib/python3*/site-packages/reference \\
    "$root"/venv/lib/python3*/site-packages/assignments
"$root/venv/bin/grade" doctor

# Self-test: the reference must score 100% in this image's sandbox.
selftest=$(mktemp -d)
"$root/venv/bin/python" -c "import sys; from grader.course import standalone_reference as s
open(sys.argv[1], 'w').write(s('{stage}'))" "$selftest/{stage}.py"
if ! "$root/venv/bin/grade" run {stage} "$selftest/{stage}.py" --fail-under 100 \\
        > "$selftest/report.txt" 2>&1; then
    cat "$selftest/report.txt" >&2
    fail "self-test: the reference of {stage} does not score 100% in this image (report above)"
fi
echo "self-test: $(tail -n 1 "$selftest/report.txt")"
rm -rf "$selftest"
echo "neurograde is ready to grade {stage}"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade it, write results/results.json.
# AUTOGRADER_ROOT lets a test run it against a fake /autograder tree (and NEUROGRADE_GRADE
# against another installed `grade`).
set -u
root="${{AUTOGRADER_ROOT:-/autograder}}"
grade="${{NEUROGRADE_GRADE:-$root/venv/bin/grade}}"
python="$(dirname "$grade")/python"
results="$root/results/results.json"
mkdir -p "$root/results"
rm -f "$results"
"$grade" run {stage} "$root/submission" --format gradescope --timeout {timeout} \\
    --hidden-feedback {hidden_feedback} --output "$results" \\
    > /dev/null 2> "$root/results/grader.err"
# A results.json in every case: the grader's message when it could not grade, and who
# handed the submission in, and when (submission_metadata.json).
"$python" -m grader.platforms.gradescope_results finish "$root" || [ -s "$results" ] \\
    || printf '{{"score": 0, "output": "%s", "tests": []}}\\n' \\
        "neurograde could not start: see the autograder's build log (setup.sh)" > "$results"
"""


def gradescope_zip(stage: str, output: Path, timeout: float = 10.0,
                   hidden_feedback: str = DEFAULT_HIDDEN_FEEDBACK) -> Path:  # fmt: skip
    """The autograder zip for one stage. ``hidden_feedback`` (none, hints, full) is what the
    results show of a failed hidden test; each test keeps the Gradescope ``visibility`` of
    its suite (hidden tests: after the due date), so the policy decides what is shown and
    the visibility when."""
    if hidden_feedback not in HIDDEN_FEEDBACK:
        raise GraderError(f"--hidden-feedback is one of {', '.join(HIDDEN_FEEDBACK)}")
    found = get_stage(stage)
    with tempfile.TemporaryDirectory(prefix="neurograde-export-") as scratch:
        files = {}
        for package in ("grader", "reference", "assignments"):
            files |= package_files(PROJECT_ROOT, package)
        files |= found.package_files()  # the stage as the registry has it (a teacher's too)
        wheel = write_wheel(Path(scratch), "neurograde", files, runtime_requires(),
                            "neurograde's grader, hidden suites and reference")  # fmt: skip
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
            _add(bundle, "setup.sh", SETUP_SH.format(wheel=wheel.name, stage=stage),
                 executable=True)  # fmt: skip
            run = RUN_AUTOGRADER.format(stage=stage, timeout=timeout,
                                        hidden_feedback=hidden_feedback)  # fmt: skip
            _add(bundle, "run_autograder", run, executable=True)
            bundle.write(wheel, wheel.name)
    return output


def _add(bundle: zipfile.ZipFile, name: str, text: str, executable: bool = False):
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)
