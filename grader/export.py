"""Packaging for platforms: the Gradescope autograder zip, and the student release.

- ``gradescope_zip``: ``setup.sh`` and ``run_autograder`` at the root (Gradescope's
  autograder specification) and neurograde as a wheel, so that grading needs no index
  or network (setup.sh installs it when Gradescope builds the image).
- ``release``: what students get: stubs, notebooks, public tests, a README, a GitHub
  Actions workflow, and a *student edition* wheel of the grader that can run
  ``grade check`` — built without the hidden suites and without the reference.
"""

import shutil
import tempfile
import zipfile
from pathlib import Path

from grader import __version__
from grader.course import PROJECT_ROOT, STAGES, get_stage
from grader.errors import GraderError

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
    --output "$results" > /dev/null 2> "$root/results/grader.err"
# A results.json in every case: the grader's message when it could not grade, and who
# handed the submission in, and when (submission_metadata.json).
"$python" -m grader.gradescope finish "$root" || [ -s "$results" ] \\
    || printf '{{"score": 0, "output": "%s", "tests": []}}\\n' \\
        "neurograde could not start: see the autograder's build log (setup.sh)" > "$results"
"""


def write_wheel(
    outdir: Path, name: str, files: dict[str, Path], requires: list[str], summary: str
) -> Path:
    """Write a pure-Python wheel directly (a zip with a .dist-info): no build tools needed.

    ``files`` maps a path inside the wheel (``grader/api.py``) to the file to put there.
    """
    import base64
    import hashlib

    dist = f"{name.replace('-', '_')}-{__version__}"
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"{dist}-py3-none-any.whl"
    metadata = [
        "Metadata-Version: 2.1", f"Name: {name}", f"Version: {__version__}",
        f"Summary: {summary}", "Requires-Python: >=3.10",
        *(f"Requires-Dist: {r}" for r in requires),
    ]  # fmt: skip
    generated = {
        f"{dist}.dist-info/METADATA": "\n".join(metadata) + "\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: neurograde\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist}.dist-info/entry_points.txt": "[console_scripts]\ngrade = grader.cli:main\n",
    }
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        items = [(arc, src.read_bytes()) for arc, src in sorted(files.items())]
        items += [(arc, text.encode()) for arc, text in generated.items()]
        for arc, data in items:
            wheel.writestr(arc, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{arc},sha256={digest.decode()},{len(data)}")
        record.append(f"{dist}.dist-info/RECORD,,")
        wheel.writestr(f"{dist}.dist-info/RECORD", "\n".join(record) + "\n")
    return path


def _package_files(root: Path, package: str, exclude=lambda rel: False) -> dict[str, Path]:
    """Every file of a package folder, by its path in a wheel (caches left out)."""
    files = {}
    for path in sorted((root / package).rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and "__pycache__" not in rel and not rel.endswith(".pyc"):
            if not exclude(rel):
                files[rel] = path
    return files


def runtime_requires() -> list[str]:
    """neurograde's own dependencies (pyproject's, from the installed metadata), extras left out."""
    from importlib.metadata import requires

    return [r for r in requires("neurograde") or [] if "extra ==" not in r]


def gradescope_zip(stage: str, output: Path, timeout: float = 10.0) -> Path:
    """The autograder zip for one stage."""
    found = get_stage(stage)
    with tempfile.TemporaryDirectory(prefix="neurograde-export-") as scratch:
        files = {}
        for package in ("grader", "reference", "assignments"):
            files |= _package_files(PROJECT_ROOT, package)
        files |= found.package_files()  # the stage as the registry has it (a teacher's too)
        wheel = write_wheel(Path(scratch), "neurograde", files, runtime_requires(),
                            "neurograde's grader, hidden suites and reference")  # fmt: skip
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as bundle:
            _add(bundle, "setup.sh", SETUP_SH.format(wheel=wheel.name, stage=stage),
                 executable=True)  # fmt: skip
            _add(bundle, "run_autograder",
                 RUN_AUTOGRADER.format(stage=stage, timeout=timeout), executable=True)  # fmt: skip
            bundle.write(wheel, wheel.name)
    return output


def _add(bundle: zipfile.ZipFile, name: str, text: str, executable: bool = False):
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, text)


# ---------------------------------------------------------------- student release

WORKFLOW = """name: neurograde checks
on: [push, workflow_dispatch]
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install the checker
        run: pip install tools/*.whl
{steps}"""

STEP = """      - name: Check {stage}
        if: always()
        run: grade check {stage} {stage}/{stage}.py --format github
"""

STUDENT_README = """# Neural networks from scratch: your assignments

Each folder is one stage: `{first}` first, then {rest}.

In each folder:
- `<stage>.ipynb` teaches the stage; `<stage>.py` holds the same functions to fill in.
  Hand in **one** of them (the notebook or the .py).
- `test_<stage>.py` holds the public tests. Run them from the folder with `pytest`, or
  with the checker: `pip install tools/*.whl`, then `grade check <stage> <stage>/<stage>.py`
  (or `<stage>/<stage>.ipynb` if you work in the notebook).

The public tests check the examples of the handout. When you hand in, hidden tests check
more (other shapes, edge cases, numerical stability): passing the public tests is a good
start, not the whole grade.

Every push runs the public checks of the `.py` files on GitHub
(`.github/workflows/neurograde.yml`; point it at the notebooks if you hand those in).
"""


def student_wheel(outdir: Path, stages: list[str]) -> Path:
    """The grader without its hidden suites (and with no reference), plus the public
    assignments: enough for ``grade check``."""

    def hidden(rel: str) -> bool:  # keep suites/pytest.ini and suites/__init__.py only
        parts = rel.split("/")
        return (
            parts[1] == "suites"
            and parts[-1] not in ("pytest.ini", "__init__.py")
            or (len(parts) > 3 and parts[1] == "suites")
        )

    files = _package_files(PROJECT_ROOT, "grader", exclude=hidden)
    for stage in stages:
        files |= get_stage(stage).student_files()  # never a hidden test or the reference
    return write_wheel(outdir, "neurograde-student", files, runtime_requires(),
                       "neurograde's public checks: grade check STAGE")  # fmt: skip


def release(stages: list[str], outdir: Path, make_zip: bool = False) -> Path:
    """Write the student bundle for ``stages`` into ``outdir`` (and a zip next to it)."""
    stages = list(stages or STAGES)
    for stage in stages:
        get_stage(stage)
    if outdir.exists() and any(outdir.iterdir()):
        raise GraderError(f"{outdir} is not empty: choose a new folder")
    outdir.mkdir(parents=True, exist_ok=True)
    for stage in stages:
        source = get_stage(stage)
        (outdir / stage).mkdir()
        for path in (source.stub, source.notebook, source.public_tests):
            shutil.copy2(path, outdir / stage / path.name)
    rest = ", ".join(f"`{s}`" for s in stages[1:]) or "nothing else"
    (outdir / "README.md").write_text(STUDENT_README.format(first=stages[0], rest=rest))
    workflow = outdir / ".github" / "workflows" / "neurograde.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(WORKFLOW.format(steps="".join(STEP.format(stage=s) for s in stages)))
    student_wheel(outdir / "tools", stages)
    if make_zip:
        archive = shutil.make_archive(str(outdir), "zip", root_dir=outdir)
        return Path(archive)
    return outdir
