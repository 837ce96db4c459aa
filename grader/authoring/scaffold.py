"""``grade new-stage NAME --course DIR``: a working stage to start from.

The scaffold is a toy stage (``scale(values, factor)``) with every part a stage has: a
manifest, a reference, a stub, a lesson and its generated notebook, a public test, a hidden
suite with a hint and a test of its error, and the probes ``grade validate --mutants``
uses. It passes ``grade validate`` as generated; the author then replaces the toy.
"""

import json
import sys
from pathlib import Path

from grader.course import NAME_CHARS, CourseError, read_stage, stages

REFERENCE = '''"""The reference solution of stage {name}: the oracle of its tests."""

import numpy as np


def scale(values, factor):
    """Every value multiplied by ``factor``.

    values: shape (n,), array-like
    factor: a number
    returns: float array of shape (n,)
    raises: ValueError, naming the shape, when values is not 1-D
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {{values.shape}}")
    return values * factor
'''

STUB = '''"""Stage {name}.

Fill in the function below. Run the public tests with ``pytest`` in this folder (or
``grade check {name}``). Do not change the names or the parameters.
"""

import numpy as np


def scale(values, factor):
    """Every value multiplied by ``factor``.

    values: shape (n,), a list or an array of numbers
    factor: a number
    returns: a NumPy array of floats, shape (n,)
    raises: ValueError, naming the shape, when values is not 1-D
    """
    raise NotImplementedError("scale: not implemented yet")
'''

LESSON = """# Stage {name}: scaling a vector

Multiplying every value of a vector by the same number is NumPy's broadcasting at its
simplest: `np.asarray(values, dtype=float) * factor`.

<!-- imports -->

Write `scale` below.

<!-- stub: scale -->

Run the public tests:

<!-- tests -->
"""

PUBLIC_TESTS = '''"""Public tests for stage {name}. Run ``pytest`` in this folder."""

import numpy as np
import pytest

from {name} import scale


def test_scale_known_value():
    """scale([1, 2, 3], 2) is [2, 4, 6]."""
    np.testing.assert_allclose(scale([1, 2, 3], 2), [2.0, 4.0, 6.0])


def test_scale_rejects_a_matrix():
    """A 2-D input raises ValueError."""
    with pytest.raises(ValueError):
        scale([[1, 2], [3, 4]], 2)
'''

HIDDEN_TESTS = '''"""Hidden suite for stage {name} (see docs/authoring.md: the checks layer)."""

import numpy as np
import pytest

from grader.suites.checks import Hint, RaiseHint, load_reference

pytestmark = [pytest.mark.hidden]
REFERENCE = load_reference(__file__)  # hidden/reference.py of this stage

HINTS = {{
    "scale": [
        Hint.same_as(lambda values, factor: values + factor,
                     "you added the factor to each value: multiply by it instead."),
        Hint.same_as(lambda values, factor: values / factor,
                     "you divided by the factor: multiply by it instead."),
        Hint.same_as(lambda values, factor: values,
                     "the values came back unchanged: multiply them by the factor."),
    ]
}}
RAISE_HINTS = {{  # errors raised on valid inputs
    "scale": [
        RaiseHint.on(["AttributeError", "TypeError"],
                     "values may be a Python list: convert it first with "
                     "np.asarray(values, dtype=float).",
                     when=lambda case: isinstance(case["values"], list)),
        RaiseHint.on(["ValueError"], "these values are valid (one vector): check what your "
                     "shape check compares."),
    ]
}}


@pytest.mark.points(2)
@pytest.mark.function("scale")
@pytest.mark.parametrize("size", [1, 5])
def test_scale_random(check, rng, size):
    """scale matches the reference on random vectors."""
    check.close({{"values": rng.normal(size=size).round(3), "factor": 1.5}})


@pytest.mark.function("scale")
def test_scale_returns_an_array(check):
    """scale returns a NumPy array of floats, also for a list of integers."""
    case = {{"values": [1, 2, 3], "factor": 3}}
    got = check.close(case)
    check.returns(got, "float array", case, "convert with np.asarray(values, dtype=float).")


@pytest.mark.function("scale")
def test_scale_matrix_raises(check):
    """scale raises ValueError naming the shape of a 2-D input."""
    check.raises({{"values": np.ones((2, 3)), "factor": 2.0}},
                 why="values must be one vector: check values.ndim first", sizes=(2, 3))
    check.also_right({{"values": [1.0, -2.0], "factor": 0.5}})
'''

PROBES = '''"""Inputs that tell a mutant from the reference (grade validate --mutants)."""

import numpy as np

from grader.authoring.mutants import watch


def probes(m):
    rng = np.random.default_rng(0)
    for size in (1, 4):
        values = rng.normal(size=size)
        yield f"array {{size}}", watch(m.scale, values, 1.5)
        yield f"list {{size}}", watch(m.scale, values.tolist(), -2.0)
    yield "ints", watch(m.scale, [1, 2, 3], 3)
    yield "matrix", watch(m.scale, np.ones((2, 3)), 2.0)
'''


def check_name(name: str) -> None:
    """A stage name is a lower-case identifier that shadows no module students import."""
    if not name or set(name) - NAME_CHARS or name[0].isdigit():
        raise CourseError(f"{name!r}: a stage name is a lower-case Python identifier")
    if name in getattr(sys, "stdlib_module_names", ()) or name in ("numpy", "pytest"):
        raise CourseError(f"{name!r} is the name of a module the grader imports: choose another")


def new_stage(name: str, course: Path) -> Path:
    """Write a working stage called ``name`` in the course folder ``course``."""
    from grader.authoring import notebooks

    check_name(name)
    folder = Path(course) / name
    if folder.exists():
        raise CourseError(f"{folder} exists: choose another name or remove it")
    last = max((stage.order for stage in stages()), default=0)
    order = int(last) + 1 if float(last).is_integer() else last + 1  # 7, not 7.0
    manifest = {"name": name, "title": f"Stage {name}", "order": order, "names": ["scale"]}
    (folder / "hidden").mkdir(parents=True)
    (folder / "stage.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    files = {
        f"{name}.py": STUB,
        "lesson.md": LESSON,
        f"test_{name}.py": PUBLIC_TESTS,
        "hidden/reference.py": REFERENCE,
        f"hidden/test_{name}_hidden.py": HIDDEN_TESTS,
        "hidden/probes.py": PROBES,
    }
    for rel, text in files.items():
        (folder / rel).write_text(text.format(name=name), encoding="utf-8")
    notebooks.write(read_stage(folder))
    return folder
