"""Benchmark: where the time of grading one submission goes, phase by phase.

Grades the standalone reference of each stage (``.py`` and a notebook) in a warm process and
reports, per stage, the median over ``--repeat`` runs of the wall time spent in:

- ``read``: finding and reading the submission (notebook parsing included);
- ``spawn``: starting the student process (a fork of the zygote, or ``Popen`` at the
  baseline level or with ``--no-zygote``; its start-up then overlaps the rest);
- ``load``: waiting for the student process to be ready and to run the submission's top level;
- ``collect``: pytest's collection of the public tests and the hidden suite;
- ``calls``: requests to the student process (the student's computing and the wire);
- ``other``: the rest (pytest's run loop, the plugin's checks, the report);
- ``total``: ``grader.api.grade`` as a library call.

Times are exclusive (a phase inside another counts only for the inner one), so the phases
add up to the total. They are measured by wrapping the functions of those names
(``read_submissions``, ``StudentProcess.spawn`` / ``.start``, pytest's ``perform_collect``,
the proxy's ``Session.request``), wherever they live in the ``grader`` package.

With a warm suite (``grader.grading.warm``) ``collect`` is paid once per process: it shows
as 0 here, after the warm-up run.

Usage: python benchmarks/bench_phases.py [--repeat 5] [--stages neuron,layer] [--no-zygote]
Not a test: compare medians from the same quiet machine.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat
from _pytest.main import Session as PytestSession

from grader.api import grade
from grader.course import STAGES, standalone_reference


class Phases:
    """Exclusive wall time per phase, from wrapped functions."""

    def __init__(self):
        self.totals: dict[str, float] = defaultdict(float)
        self.stack: list[str] = []
        self.mark = time.perf_counter()

    def _switch(self):
        now = time.perf_counter()
        if self.stack:
            self.totals[self.stack[-1]] += now - self.mark
        self.mark = now

    def wrap(self, owner, name: str, phase: str):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            self._switch()
            self.stack.append(phase)
            try:
                return original(*args, **kwargs)
            finally:
                self._switch()
                self.stack.pop()

        setattr(owner, name, timed)


def instrument(phases: Phases):
    """Wrap the phase functions wherever the grader's modules hold them."""
    modules = [m for n, m in list(sys.modules.items()) if n.startswith("grader") and m]
    for module in modules:
        if hasattr(module, "read_submissions"):
            phases.wrap(module, "read_submissions", "read")
        process = getattr(module, "StudentProcess", None)
        if process is not None and "spawn" in vars(process):
            phases.wrap(process, "spawn", "spawn")
            phases.wrap(process, "start", "load")
        session = getattr(module, "Session", None)
        if session is not None and "request" in vars(session):
            phases.wrap(session, "request", "calls")
    phases.wrap(PytestSession, "perform_collect", "collect")


def write_submission(folder: Path, stage: str, kind: str) -> Path:
    source = standalone_reference(stage)
    path = folder / kind / stage / f"{stage}.{kind}"
    path.parent.mkdir(parents=True)
    if kind == "py":
        path.write_text(source)
    else:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(part) for part in source.split("\n\n\n")]
        nbformat.write(notebook, path)
    return path


def measure(phases: Phases, stage: str, path: Path) -> dict[str, float]:
    phases.totals.clear()
    start = time.perf_counter()
    grade(stage, path)
    total = time.perf_counter() - start
    result = dict(phases.totals)
    result["other"] = max(0.0, total - sum(result.values()))
    result["total"] = total
    return result


COLUMNS = ("read", "spawn", "load", "collect", "calls", "other", "total")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--no-zygote", action="store_true",
                        help="start each student process as a new interpreter (as before)")
    args = parser.parse_args()
    if args.no_zygote:
        os.environ["NEUROGRADE_NO_ZYGOTE"] = "1"
    print(f"median of {args.repeat} runs; milliseconds of wall time")
    print(f"{'stage':<12}{'kind':<7}" + "".join(f"{c:>9}" for c in COLUMNS))
    with tempfile.TemporaryDirectory() as scratch:
        phases = None
        for stage in args.stages.split(","):
            for kind in ("py", "ipynb"):
                path = write_submission(Path(scratch), stage, kind)
                grade(stage, path)  # warm: imports, the runtime folder, the first collection
                if phases is None:
                    phases = Phases()
                    instrument(phases)
                runs = [measure(phases, stage, path) for _ in range(args.repeat)]
                medians = {c: statistics.median(r.get(c, 0.0) for r in runs) * 1000
                           for c in COLUMNS}  # fmt: skip
                print(f"{stage:<12}{kind:<7}" + "".join(f"{medians[c]:>9.0f}" for c in COLUMNS))


if __name__ == "__main__":
    main()
