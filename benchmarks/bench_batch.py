"""Benchmark: grade a generated class of 200 submissions, then again from the cache.

The class mixes the five stages (40 students each), correct and wrong work (the
reference and the test fixtures, cycled), .py files and notebooks. Prints the
throughput, the per-submission median and the time of the unchanged re-run.

Usage: python benchmarks/bench_batch.py [--students 200] [-j 2] [--stages neuron,layer]
Targets on a 2-core machine: the class in under 60 s with -j 2; the re-run under 5 s.
"""

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from grader.batch import run_batch
from grader.course import STAGES, standalone_reference

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"


def as_notebook(source: str) -> str:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(part) for part in source.split("\n\n\n")]
    return nbformat.writes(notebook)


def make_class(folder: Path, per_stage: int, stages: list[str]) -> None:
    for stage in stages:
        sources = [standalone_reference(stage)]
        sources += [p.read_text() for p in sorted((FIXTURES / stage).glob("*.py"))]
        for index, source in zip(range(per_stage), itertools.cycle(sources), strict=False):
            student = folder / stage / f"student{index:03d}"
            student.mkdir(parents=True)
            if index % 2:
                (student / f"{stage}.ipynb").write_text(as_notebook(source))
            else:
                (student / f"{stage}.py").write_text(source)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--stages", default=",".join(STAGES))
    args = parser.parse_args()
    stages = args.stages.split(",")
    per_stage = args.students // len(stages)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        make_class(scratch / "class", per_stage, stages)
        times, first, again = [], 0.0, 0.0
        for stage in stages:
            start = time.perf_counter()
            result = run_batch(
                stage, [scratch / "class" / stage], scratch / "out" / stage, jobs=args.jobs
            )
            elapsed = time.perf_counter() - start
            first += elapsed
            times += [g.report.execution_time for g in result.graded]
            print(f"  {stage:<12} {len(result.graded)} graded in {elapsed:.1f} s")
            start = time.perf_counter()
            cached = run_batch(
                stage, [scratch / "class" / stage], scratch / "out" / stage, jobs=args.jobs
            )
            again += time.perf_counter() - start
            assert all(g.cached for g in cached.graded)
    total = per_stage * len(stages)
    print(f"{total} submissions, -j {args.jobs}: {first:.1f} s ({total / first:.1f}/s); "
          f"{first / total:.3f} s/submission; "
          f"per-submission median {statistics.median(times):.2f} s; "
          f"unchanged re-run {again:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
