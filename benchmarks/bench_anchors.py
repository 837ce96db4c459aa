"""Benchmark: neurograde beside nbgrader and otter-grader on the same student code.

The student code is an activations solution (sigmoid, ReLU, softmax). Each grader checks it
with its own tests: neurograde its whole activations suite (public and hidden), nbgrader
three autograded test cells, otter three doctest-style tests. nbgrader and otter-grader are
installed from PyPI into their own virtual environments under ``--anchors`` (made on first
use, with pip). Runs are paired and alternate between the graders (A B C A B C ...); the
medians and the ratios are printed.

- one submission, whole command: ``grade run`` / ``nbgrader autograde --student`` /
  ``otter run`` (local, no Docker);
- a class of ``--class-size``, best mode of each: ``grade batch -j 2`` (cache cleared
  each run) / ``nbgrader autograde`` of every student.

Usage: python benchmarks/bench_anchors.py [--repeat 5] [--class-size 20] [--anchors DIR]
Not a test; a quiet machine gives comparable medians.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STUDENT = '''import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0, -z))


def relu(z):
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def softmax(z):
    z = np.asarray(z, dtype=float)
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
'''
FULL = STUDENT + '''

def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def relu_derivative(z):
    return (np.asarray(z, dtype=float) > 0).astype(float)
'''
TESTS = {
    "sigmoid": "assert np.isclose(sigmoid(0), 0.5) and np.allclose(sigmoid(np.array([-1000., "
               "1000.])), [0, 1])",
    "relu": "assert np.array_equal(relu(np.array([-2., 0., 3.])), [0, 0, 3])",
    "softmax": "assert np.allclose(softmax(np.array([[1., 2.], [3., 3.]])).sum(axis=1), 1)",
}  # fmt: skip
PACKAGES = {"nbgrader": ["nbgrader", "numpy"], "otter": ["otter-grader", "numpy", "ipykernel"]}


def venv(anchors: Path, name: str) -> Path:
    """The virtual environment of ``name`` (made and filled from PyPI if missing)."""
    folder = anchors / name
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PACKAGES[name]], check=True)
    return folder / "bin"


def cell(source: str, **nbgrader) -> dict:
    metadata = {"nbgrader": {"schema_version": 3, **nbgrader}} if nbgrader else {}
    return {"cell_type": "code", "execution_count": None, "metadata": metadata,
            "outputs": [], "source": source}  # fmt: skip


def notebook(cells: list[dict]) -> str:
    return json.dumps({"cells": cells, "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5})  # fmt: skip


def nbgrader_course(bin_dir: Path, root: Path, students: int) -> Path:
    """An nbgrader course with assignment ``act``, its source generated, ``students``
    submissions of the same code."""
    course = root / "nbgrader"
    (course / "source" / "act").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
        "c.CourseDirectory.db_assignments = [dict(name='act')]\n"
        f"c.CourseDirectory.db_students = {[dict(id=f's{i:02d}') for i in range(students)]}\n"
    )
    cells = [cell("import numpy as np", grade=False, solution=False, locked=True,
                  grade_id="setup"),  # fmt: skip
             cell("### BEGIN SOLUTION\n" + STUDENT + "### END SOLUTION", grade=False,
                  solution=True, locked=False, grade_id="answer")]  # fmt: skip
    cells += [cell(code, grade=True, solution=False, locked=True, points=1, grade_id=f"t_{name}")
              for name, code in TESTS.items()]  # fmt: skip
    (course / "source" / "act" / "act.ipynb").write_text(notebook(cells))
    run = {"cwd": course, "check": True, "capture_output": True}
    subprocess.run([str(bin_dir / "nbgrader"), "db", "assignment", "add", "act"], **run)
    for i in range(students):
        subprocess.run([str(bin_dir / "nbgrader"), "db", "student", "add", f"s{i:02d}"], **run)
    subprocess.run([str(bin_dir / "nbgrader"), "generate_assignment", "act", "--force"], **run)
    for i in range(students):
        target = course / "submitted" / f"s{i:02d}" / "act"
        target.mkdir(parents=True)
        released = json.loads((course / "release" / "act" / "act.ipynb").read_text())
        for item in released["cells"]:
            if item["metadata"].get("nbgrader", {}).get("solution"):
                item["source"] = STUDENT
        (target / "act.ipynb").write_text(json.dumps(released))
    return course


def otter_autograder(bin_dir: Path, root: Path) -> tuple[Path, Path]:
    """otter's autograder.zip for three OK-format tests, and the submission as a .py."""
    folder = root / "otter"
    (folder / "tests").mkdir(parents=True)
    for name, code in TESTS.items():
        case = ">>> " + code.replace("assert ", "bool(") + ")\nTrue"
        test = {"name": name, "points": 1, "suites": [{"cases": [
            {"code": ">>> import numpy as np\n" + case, "hidden": False, "locked": False}],
            "scored": True, "setup": "", "teardown": "", "type": "doctest"}]}  # fmt: skip
        (folder / "tests" / f"{name}.py").write_text(f"OK_FORMAT = True\ntest = {test!r}\n")
    (folder / "requirements.txt").write_text("")
    subprocess.run([str(bin_dir / "otter"), "generate", "-t", "tests", "-o", "autograder.zip"],
                   cwd=folder, check=True, capture_output=True)  # fmt: skip
    submission = folder / "act.py"
    submission.write_text(STUDENT)
    return folder / "autograder.zip", submission


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr.decode()[-2000:]}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--class-size", type=int, default=20)
    parser.add_argument("--anchors", type=Path, default=Path("/tmp/anchors"))
    args = parser.parse_args()
    grade = str(Path(sys.executable).parent / "grade")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        ours = root / "ours" / "activations.py"
        ours.parent.mkdir()
        ours.write_text(FULL)
        klass = root / "class"
        for i in range(args.class_size):
            (klass / f"s{i:02d}").mkdir(parents=True)
            (klass / f"s{i:02d}" / "activations.py").write_text(FULL)
        one = {"neurograde": [grade, "run", "activations", str(ours), "--format", "json"]}
        many = {"neurograde": [grade, "batch", "activations", str(klass), "-o",
                               str(root / "out"), "-j", "2", "--force"]}  # fmt: skip
        cwd = {}
        for name in ("nbgrader", "otter"):
            try:
                bin_dir = venv(args.anchors, name)
                # nbgrader runs its own tools (alembic) by name
                os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
                if name == "nbgrader":
                    course = nbgrader_course(bin_dir, root, args.class_size)
                    one[name] = [str(bin_dir / "nbgrader"), "autograde", "act", "--student",
                                 "s00", "--force"]  # fmt: skip
                    many[name] = [str(bin_dir / "nbgrader"), "autograde", "act", "--force"]
                    cwd[name] = course
                else:
                    zipped, submission = otter_autograder(bin_dir, root)
                    (root / "otter-out").mkdir()
                    one[name] = [str(bin_dir / "otter"), "run", "-a", str(zipped), "-o",
                                 str(root / "otter-out"), str(submission)]  # fmt: skip
            except (subprocess.CalledProcessError, OSError) as exc:
                detail = getattr(exc, "stderr", b"") or b""
                print(f"{name}: not measured ({exc}) {detail.decode()[-500:]}")
        for label, commands in (("one submission, whole command", one),
                                (f"class of {args.class_size}, best mode", many)):  # fmt: skip
            times: dict[str, list[float]] = {name: [] for name in commands}
            for name, command in commands.items():  # warm-up (file caches)
                timed(command, cwd.get(name))
            for _ in range(args.repeat):
                for name, command in commands.items():  # alternating, paired by round
                    if name == "neurograde" and "batch" in command:
                        shutil.rmtree(root / "out", ignore_errors=True)
                    times[name].append(timed(command, cwd.get(name)))
            medians = {name: statistics.median(t) for name, t in times.items()}
            line = ", ".join(f"{name} {m:.2f} s" for name, m in medians.items())
            ratios = ", ".join(f"{name}/neurograde {m / medians['neurograde']:.1f}x"
                               for name, m in medians.items() if name != "neurograde")  # fmt: skip
            print(f"{label}: {line}; {ratios}")


if __name__ == "__main__":
    main()
