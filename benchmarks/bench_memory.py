"""Benchmark: the resident memory of one warm batch worker over many submissions.

Grades ``--count`` submissions one after another in this process, the way a batch worker
does (``grader.batch._grade_one``: warm suites, forked student processes), cycling through
the right and wrong files of a stage, and prints the peak RSS (``ru_maxrss``) and the
current RSS every ``--every`` submissions. A flat curve: nothing accumulates per
submission.

Usage: python benchmarks/bench_memory.py [--count 500] [--every 50] [--stage activations]
Not a test.
"""

import argparse
import itertools
import resource
import tempfile
import time
from pathlib import Path

from grader.batch import _grade_one
from grader.course import standalone_reference

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "submissions"


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--stage", default="activations")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        reference = Path(scratch) / args.stage / f"{args.stage}.py"
        reference.parent.mkdir()
        reference.write_text(standalone_reference(args.stage))
        files = [reference, *sorted((FIXTURES / args.stage).glob("*.py"))]
        print(f"{'graded':>7}{'peak MiB':>10}{'now MiB':>9}{'s/sub':>8}")
        started = time.perf_counter()
        for count, path in zip(range(1, args.count + 1), itertools.cycle(files), strict=False):
            result = _grade_one(args.stage, str(path), {})
            assert "report" in result, result
            if count == 1 or count % args.every == 0:
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                rate = (time.perf_counter() - started) / count
                print(f"{count:>7}{peak:>10.1f}{current_rss_mb():>9.1f}{rate:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
