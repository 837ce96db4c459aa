"""Snapshot: the report of the reference and of the stub of each stage (.py and notebook),
as JSON without timings, to compare the grader's output before and after a change.

Usage: python benchmarks/snapshot_reports.py OUT.json [--compare BEFORE.json]
           [--stages neuron,layer] [--warm]
With ``--warm`` the submissions are graded through the batch's warm worker (one process,
one after another) instead of ``grader.api.grade``. Not a test.
"""

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from grader.course import STAGES, get_stage, standalone_reference

TIMINGS = {"execution_time", "duration"}


def without_timings(value):
    """``value`` with every timing field dropped, and the submission's path made relative."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def submissions(folder: Path, stages: list[str]) -> dict[str, Path]:
    """The reference and the stub of each stage, as a .py and as the stage's notebook."""
    found = {}
    for stage in stages:
        info = get_stage(stage)
        for label, source in (("reference", standalone_reference(stage)),
                              ("stub", info.stub.read_text(encoding="utf-8"))):  # fmt: skip
            path = folder / f"{stage}-{label}" / f"{stage}.py"
            path.parent.mkdir(parents=True)
            path.write_text(source, encoding="utf-8")
            found[f"{stage}/{label}.py"] = path
        found[f"{stage}/notebook.ipynb"] = info.notebook
    return found


def grade_all(paths: dict[str, Path], warm: bool) -> dict[str, dict]:
    if warm:
        from grader.grading.warm import WarmGrader

        grader = WarmGrader()
        grade = grader.grade
    else:
        from grader.api import grade
    reports = {}
    for key, path in paths.items():
        report = asdict(grade(key.split("/")[0], path))
        report["submission"] = Path(report["submission"]).name
        reports[key] = without_timings(report)
    return reports


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--compare")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--warm", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        reports = grade_all(submissions(Path(scratch), args.stages.split(",")), args.warm)
    Path(args.out).write_text(json.dumps(reports, indent=1, sort_keys=True))
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        differ = [k for k in reports if before.get(k) != reports[k]]
        for key in differ:
            print(f"DIFFERENT: {key}")
        print(f"{len(reports) - len(differ)}/{len(reports)} reports identical")
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
