"""What students get (``release``): manifests, stubs, notebooks, public tests, a README, a
GitHub Actions workflow, and a *student edition* wheel of the grader that can run ``grade
check``, built without the hidden suites, the reference or the demo class.
"""

import shutil
from pathlib import Path

from grader.course import PROJECT_ROOT, STAGES, get_stage
from grader.errors import GraderError
from grader.platforms.wheel import package_files, runtime_requires, write_wheel

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
        run: grade check {stage} {stage} --format github
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

    def hidden(rel: str) -> bool:
        """Nothing to copy: no hidden suite (but suites/pytest.ini and suites/__init__.py),
        and no demo class (it holds a complete, correct answer)."""
        parts = rel.split("/")
        if parts[1] == "demo":
            return True
        return (
            parts[1] == "suites"
            and parts[-1] not in ("pytest.ini", "__init__.py")
            or (len(parts) > 3 and parts[1] == "suites")
        )

    files = package_files(PROJECT_ROOT, "grader", exclude=hidden)
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
        for path in (source.manifest, source.stub, source.notebook, source.public_tests):
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
