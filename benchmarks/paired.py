"""Benchmark: one command timed before and after a change, paired and alternating.

Installs the grader at two git revisions (``--before``, default ``HEAD~1``; ``--after``,
default the working tree) into their own virtual environments under ``--venvs`` (built once
per revision, from ``git archive`` and ``pip install``, so that both run from installed
wheels with their byte code compiled, as users run them), then runs the command given after
``--`` alternately with each (before, after, before, after, ...) and prints each side's
median wall time and the ratio.

In the command, ``{python}`` and ``{grade}`` stand for the environment's interpreter and
``grade`` script; it runs in this folder, without ``PYTHONDONTWRITEBYTECODE``.

Usage:
  python benchmarks/paired.py --repeat 9 -- {grade} run activations REF.py --format json
  python benchmarks/paired.py --before e1600a4 -- {python} benchmarks/bench_batch.py -j 2
Not a test: these machines are noisy; only paired, alternating medians mean anything.
"""

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def revision_id(revision: str | None) -> str:
    """The commit of ``revision``, or a digest of the working tree's tracked changes."""
    if revision:
        return subprocess.run(["git", "rev-parse", revision], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()  # fmt: skip
    diff = subprocess.run(["git", "diff", "HEAD"], cwd=ROOT, capture_output=True).stdout
    head = revision_id("HEAD")
    return f"{head[:12]}-{hashlib.sha256(diff).hexdigest()[:12]}" if diff else head


def environment(revision: str | None, venvs: Path) -> Path:
    """A virtual environment with the grader of ``revision`` (None: the working tree)."""
    folder = venvs / revision_id(revision)
    if (folder / "bin" / "grade").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "src"
        if revision:
            source.mkdir()
            archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True,
                                     capture_output=True).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
        else:
            skip = shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__")
            shutil.copytree(ROOT, source, ignore=skip)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", str(source)]
        subprocess.run(pip, check=True, env=clean_env())
    return folder


def clean_env() -> dict:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="HEAD~1", help="git revision (default HEAD~1)")
    parser.add_argument("--after", default=None, help="git revision (default: the working tree)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each side")
    parser.add_argument("--venvs", type=Path,
                        default=Path(tempfile.gettempdir()) / "neurograde-paired")  # fmt: skip
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to time after --")
    sides = {"before": environment(args.before, args.venvs),
             "after": environment(args.after, args.venvs)}  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.repeat):
        for name, folder in sides.items():
            bin_dir = folder / "bin"
            filled = [part.format(python=bin_dir / "python", grade=bin_dir / "grade")
                      for part in command]  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run(filled, env=clean_env(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)  # fmt: skip
            times[name].append(time.perf_counter() - started)
            if done.returncode not in (0, 1):
                sys.exit(f"{name}: exit {done.returncode}\n{done.stderr[-2000:]}")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:6s} median {medians[name]:.3f} s   " + " ".join(f"{v:.2f}" for v in values))
    print(f"after/before {medians['after'] / medians['before']:.2f}")


if __name__ == "__main__":
    main()
