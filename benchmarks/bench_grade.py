"""Benchmark: wall time of grading one submission, per stage, .py and notebook.

Reports medians over --repeat runs of:
- ``cli``: the whole ``grade run STAGE PATH --format json`` command, cold (a new process);
- ``api``: ``grader.api.grade`` in a warm process (what batch workers pay per submission);
- ``start``: starting the student process and loading the submission (the start-up share).

Usage: python benchmarks/bench_grade.py [--repeat 5] [--isolation root|userns|baseline]
Not a test: these machines are noisy, so compare medians run on the same machine.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import nbformat

from grader.api import grade
from grader.course import STAGES, standalone_reference
from grader.grading.session import Session
from grader.grading.submission import read_submission
from grader.sandbox import levels
from grader.sandbox.limits import Limits

ROOT = Path(__file__).resolve().parents[1]


def write_submissions(folder: Path) -> dict[tuple[str, str], Path]:
    paths = {}
    for stage in STAGES:
        source = standalone_reference(stage)
        py = folder / "py" / stage / f"{stage}.py"
        py.parent.mkdir(parents=True)
        py.write_text(source)
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_markdown_cell(f"# {stage}")]
        notebook.cells += [nbformat.v4.new_code_cell(part) for part in source.split("\n\n\n")]
        ipynb = folder / "ipynb" / stage / f"{stage}.ipynb"
        ipynb.parent.mkdir(parents=True)
        nbformat.write(notebook, ipynb)
        paths[stage, "py"], paths[stage, "ipynb"] = py, ipynb
    return paths


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def start_only(stage: str, path: Path, level) -> None:
    session = Session(read_submission(stage, path).load_request(), Limits(), level)
    session.ensure_started()
    session.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--isolation", choices=levels.LEVELS, default=None)
    args = parser.parse_args()
    level = levels.choose(requested=args.isolation)
    print(f"isolation: {level.name}; median of {args.repeat} runs; seconds")
    print(f"{'stage':<12}{'kind':<7}{'cli':>7}{'api':>7}{'start':>7}{'score':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        paths = write_submissions(Path(scratch))
        grade("neuron", paths["neuron", "py"], isolation_level=level.name)  # warm up
        for (stage, kind), path in paths.items():
            report = grade(stage, path, isolation_level=level.name)
            command = [sys.executable, "-m", "grader", "run", stage, str(path), "--format",
                       "json", "--isolation", level.name]  # fmt: skip
            cli = median_time(
                partial(subprocess.run, command, capture_output=True, check=True), args.repeat
            )
            api = median_time(partial(grade, stage, path, isolation_level=level.name), args.repeat)
            start = median_time(partial(start_only, stage, path, level), args.repeat)
            score = f"{report.score:g}/{report.max_score:g}"
            print(f"{stage:<12}{kind:<7}{cli:>7.2f}{api:>7.2f}{start:>7.2f}{score:>9}")


if __name__ == "__main__":
    main()
