"""Mutation testing of a stage's hidden suite: how many small wrong versions of the
reference does it catch, and does it say why (a ``Hint:``)?

1. ``mutants(source)`` makes one-change variants of the reference with AST operators:
   dropped transposes, axis swaps, sum/mean and max/min swaps, sign and operator changes,
   constant changes, dropped validation (``if ...: raise`` never taken), dropped
   statements, dropped conversions (``np.asarray(x, dtype=float)`` -> ``x``, ``float(x)``
   -> ``x``, ``dtype=float`` dropped) and wrong return containers (``.tolist()``).
2. ``equivalence`` runs each beside the reference on the stage's probes
   (``hidden/probes.py``: the contract's inputs, valid and invalid) in a child process: a
   mutant that returns the same values, types and errors, and leaves its arguments alike,
   is equivalent and is not graded.
3. The others are graded like submissions (``grader.api.grade``): a mutant is *caught*
   when it loses points, and *hinted* when some failing test gives a hint (the check's
   ``Mismatch.hint``, carried as data in ``TestResult.hint``).

A probes module defines ``probes(module)``, a generator of ``(label, outcome)`` where
``outcome`` is plain data; ``watch(function, *args)`` makes one from a call (its value or
the type of error it raised, and its arguments as they were after the call).
"""

import ast
import concurrent.futures
import copy
import json
import multiprocessing
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# ---------------------------------------------------------------- probes' helpers


def watch(function, *args, **kwargs) -> dict:
    """What calling ``function`` gives, as data to compare: its value (or the type of
    error it raised and the numbers its message names: the contract asks for the sizes)
    and its arguments as they were after the call."""
    before = copy.deepcopy(args)
    try:
        value = function(*args, **kwargs)
    except Exception as exc:  # the error's type, and the sizes its message names
        numbers = sorted(set(re.findall(r"(?<![\w.])\d+(?![\w.])", str(exc))))
        return {"raised": type(exc).__name__, "names": numbers, "args_after": args,
                "args_before": before}  # fmt: skip
    return {"value": value, "args_after": args, "args_before": before}


def same_outcome(a, b) -> bool:
    """Whether outcome ``b`` (a mutant's) agrees with ``a`` (the reference's): same
    container kinds, dtypes' kinds, shapes and values (to 1e-9), same error types, and an
    error message that names (at least) the numbers the reference's names."""
    if isinstance(a, dict) and isinstance(b, dict) and "raised" in a and "raised" in b:
        return (a["raised"] == b["raised"] and set(a["names"]) <= set(b["names"])
                and same_outcome(a["args_after"], b["args_after"]))  # fmt: skip
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_outcome(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same_outcome(x, y) for x, y in zip(a, b, strict=True)))  # fmt: skip
    kinds = (_kind(a), _kind(b))
    if kinds[0] != kinds[1]:
        return False
    if kinds[0] in ("array", "number"):
        x, y = np.asarray(a), np.asarray(b)
        if x.shape != y.shape or x.dtype.kind != y.dtype.kind:
            return False
        if x.dtype.kind not in "biufc":
            return bool(np.array_equal(x, y))
        # float32 arithmetic is accepted by the contract: within float32's rounding is alike
        single = np.float32 in (x.dtype.type, y.dtype.type)
        rtol, atol = (1e-5, 1e-7) if single else (1e-9, 1e-12)
        return bool(np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True))
    try:
        return bool(a == b)
    except Exception:
        return False


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "number-int"
    if isinstance(value, float | np.floating):  # a NumPy float is a float (the contract)
        return "number"
    return type(value).__name__


# ---------------------------------------------------------------- making mutants


@dataclass
class Mutant:
    """One small change of the reference."""

    operator: str
    line: int
    before: str  # the changed line, as it was
    after: str  # and as it is in the mutant
    source: str = field(repr=False)

    def diff(self) -> str:
        """The change as one line: ``line 12: a @ w.T  ->  a @ w``."""
        return f"line {self.line}: {self.before.strip()}  ->  {self.after.strip()}"


SWAPS = {"sum": "mean", "mean": "sum", "max": "min", "min": "max", "maximum": "minimum",
         "minimum": "maximum", "argmax": "argmin", "argmin": "argmax"}  # fmt: skip
BINOPS = {ast.Add: "-", ast.Sub: "+", ast.Mult: "/", ast.Div: "*", ast.MatMult: "*",
          ast.Pow: "*", ast.FloorDiv: "/"}  # fmt: skip
COMPARES = {ast.Gt: ">=", ast.GtE: ">", ast.Lt: "<=", ast.LtE: "<", ast.Eq: "!=",
            ast.NotEq: "=="}  # fmt: skip
CONVERSIONS = {"asarray", "array", "float", "list", "asanyarray"}


class _Finder(ast.NodeVisitor):
    """Collects (operator, node, replacement text) for every applicable change."""

    def __init__(self, source: str):
        self.source = source
        self.found: list[tuple[str, ast.AST, str]] = []
        self.skip: set[int] = set()  # ids of nodes not to mutate (docstrings, f-strings)

    def text(self, node) -> str:
        return ast.get_source_segment(self.source, node)

    def add(self, operator, node, replacement):
        if replacement is not None and replacement != self.text(node):
            self.found.append((operator, node, replacement))

    def generic_visit(self, node):
        if id(node) in self.skip:
            return
        super().generic_visit(node)

    def visit_FunctionDef(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            self.skip.add(id(body[0]))  # the docstring
        self.generic_visit(node)

    visit_ClassDef = visit_FunctionDef

    def visit_Module(self, node):
        self.visit_FunctionDef(node)

    def visit_JoinedStr(self, node):
        return  # messages: changing them is not a change of behaviour the suite grades

    def visit_Raise(self, node):
        return  # the error raised is decided by the `if` around it (see visit_If)

    def visit_Attribute(self, node):
        if node.attr == "T":
            self.add("transpose dropped", node, self.text(node.value))
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in SWAPS and isinstance(func, ast.Attribute):
            new_func = f"{self.text(func.value)}.{SWAPS[name]}"
            rest = self.text(node)[len(self.text(func)) :]
            self.add(f"{name} -> {SWAPS[name]}", node, new_func + rest)
        if name in CONVERSIONS and node.args and not isinstance(node.args[0], ast.Starred):
            self.add(f"{name}(...) dropped", node, f"({self.text(node.args[0])})")
        for keyword in node.keywords:
            self.keyword(keyword)
        self.generic_visit(node)

    def keyword(self, keyword):
        value = keyword.value
        if keyword.arg == "axis" and isinstance(value, ast.Constant | ast.UnaryOp):
            current = self.text(value)
            for other in ("0", "1", "-1", "None"):
                if other != current:
                    self.add("axis changed", keyword, f"axis={other}")
        elif keyword.arg == "keepdims" and isinstance(value, ast.Constant):
            self.add("keepdims flipped", keyword, f"keepdims={not value.value}")
        elif keyword.arg == "dtype":
            self.add("dtype dropped", keyword, "dtype=None")

    def visit_BinOp(self, node):
        op = BINOPS.get(type(node.op))
        if op:
            left, right = self.text(node.left), self.text(node.right)
            self.add(f"{type(node.op).__name__} -> {op}", node, f"({left} {op} {right})")
            if isinstance(node.op, ast.Add | ast.Sub):  # a term dropped
                self.add("term dropped", node, f"({left})")
        self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if isinstance(node.op, ast.USub):
            self.add("minus dropped", node, f"({self.text(node.operand)})")
        self.generic_visit(node)

    def visit_Compare(self, node):
        if len(node.ops) == 1 and type(node.ops[0]) in COMPARES:
            left, right = self.text(node.left), self.text(node.comparators[0])
            op = COMPARES[type(node.ops[0])]
            self.add("comparison changed", node, f"({left} {op} {right})")
        self.generic_visit(node)

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        for other in _other_numbers(value):
            self.add("constant changed", node, repr(other))

    def visit_If(self, node):
        if any(isinstance(stmt, ast.Raise) for stmt in node.body):
            self.add("validation dropped", node.test, "False")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self.add("statement dropped", node, "pass")
        op = BINOPS.get(type(node.op))
        if op and op in "+-*/":
            target, value = self.text(node.target), self.text(node.value)
            self.add("operator changed", node, f"{target} {op}= {value}")
        self.generic_visit(node)

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Call):
            self.add("statement dropped", node, "pass")
        self.generic_visit(node)

    def visit_Assign(self, node):
        if any(isinstance(t, ast.Attribute) for t in node.targets):
            self.add("statement dropped", node, "pass")  # an attribute never set/updated
        self.generic_visit(node)

    def visit_Return(self, node):
        value = node.value
        if value is not None and not isinstance(value, ast.Tuple | ast.Dict | ast.List):
            self.add("returns a list", value, f"np.asarray({self.text(value)}).tolist()")
        self.generic_visit(node)


def _other_numbers(value) -> list:
    if value == 0:
        return [1] if isinstance(value, int) else [1.0]
    if value == 1:
        return [0, 2] if isinstance(value, int) else [0.0, 2.0]
    return [value + 1, -value] if isinstance(value, int) else [0.0, value * 2]


def _offsets(source: str):
    """Character offset of (line, byte column): ast gives UTF-8 byte columns."""
    lines = source.splitlines(keepends=True)
    starts, total = [], 0
    for line in lines:
        starts.append(total)
        total += len(line)

    def offset(lineno, col):
        line = lines[lineno - 1]
        return starts[lineno - 1] + len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))

    return offset


def mutants(source: str) -> list[Mutant]:
    """Every one-change mutant of ``source`` that still compiles, in source order."""
    finder = _Finder(source)
    finder.visit(ast.parse(source))
    offset = _offsets(source)
    lines = source.splitlines()
    made, seen = [], set()
    for operator, node, replacement in finder.found:
        start = offset(node.lineno, node.col_offset)
        end = offset(node.end_lineno, node.end_col_offset)
        text = source[:start] + replacement + source[end:]
        if text in seen:
            continue
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        seen.add(text)
        new_lines = text.splitlines()
        line = node.lineno
        after = new_lines[line - 1] if line - 1 < len(new_lines) else ""
        made.append(Mutant(operator, line, lines[line - 1], after, text))
    return made


# ---------------------------------------------------------------- equivalence

EQUIVALENCE_RUNNER = r"""
import importlib.util, json, signal, sys, types, warnings
sys.path[:0] = [p for p in json.loads(sys.argv[1]) if p not in sys.path]
from grader.authoring.mutants import same_outcome

warnings.simplefilter("ignore")
import numpy as np
np.seterr(all="ignore")

def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

def from_source(source, name):
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(source, name, "exec"), module.__dict__)
    return module

class Slow(Exception):
    pass

def alarm(*_):
    raise Slow()

signal.signal(signal.SIGALRM, alarm)
probes = load(sys.argv[2], "_probes").probes
reference = load(sys.argv[3], "_reference")
expected = list(probes(reference))
sources = json.load(sys.stdin)
for index, source in enumerate(sources):
    verdict = "equivalent"
    signal.setitimer(signal.ITIMER_REAL, float(sys.argv[4]))
    try:
        module = from_source(source, f"_mutant{index}")
        got = probes(module)
        for (label, want), (_, have) in zip(expected, got):
            if not same_outcome(want, have):
                verdict = "differs: " + label
                break
    except Slow:
        verdict = "differs: too slow"
    except BaseException as exc:
        verdict = "differs: " + type(exc).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps(verdict), flush=True)
"""


def equivalence(stage, found: list[Mutant], seconds: float = 10.0) -> list[str]:
    """For each mutant, "equivalent" or "differs: <probe>" (run in a child process); a
    mutant whose probes take longer than ``seconds`` differs ("too slow")."""
    if not found:
        return []
    if not stage.probes.is_file():
        return ["differs: no probes"] * len(found)
    root = str(Path(__file__).resolve().parents[2])
    command = [sys.executable, "-c", EQUIVALENCE_RUNNER, json.dumps([root]),
               str(stage.probes), str(stage.reference), repr(float(seconds))]  # fmt: skip
    done = subprocess.run(command, input=json.dumps([m.source for m in found]),
                          capture_output=True, text=True,
                          timeout=60 + (seconds + 2) * len(found))  # fmt: skip
    verdicts = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or len(verdicts) != len(found):
        raise RuntimeError(f"the probes of {stage.name} did not run:\n{done.stderr[-2000:]}")
    return verdicts


# ---------------------------------------------------------------- grading


@dataclass
class Outcome:
    mutant: Mutant
    verdict: str  # "equivalent", "caught", "survived", "error"
    hinted: bool = False
    failing: list = field(default_factory=list)


def _grade_source(stage_name: str, source: str, timeout: float) -> dict:
    """Grade one mutant like a submission; never raises (runs in a worker process)."""
    from grader.api import Limits, grade

    with tempfile.TemporaryDirectory(prefix="neurograde-mutant-") as scratch:
        path = Path(scratch) / f"{stage_name}.py"
        path.write_text(source, encoding="utf-8")
        try:
            report = grade(stage_name, path, limits=Limits(timeout=timeout))
        except Exception as exc:
            return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    failing = [t for t in report.tests if t.status != "passed"]
    return {
        "caught": report.score < report.max_score,
        "hinted": any(t.hint for t in failing),  # the hint as the failing check gave it
        "failing": [t.name for t in failing],
    }


@dataclass
class StageResult:
    stage: str
    total: int
    outcomes: list
    seconds: float

    @property
    def graded(self):
        return [o for o in self.outcomes if o.verdict in ("caught", "survived")]

    @property
    def caught(self):
        return [o for o in self.outcomes if o.verdict == "caught"]

    @property
    def survived(self):
        return [o for o in self.outcomes if o.verdict == "survived"]

    @property
    def score(self) -> float:
        return 100.0 * len(self.caught) / max(1, len(self.graded))

    @property
    def hint_coverage(self) -> float:
        return 100.0 * sum(o.hinted for o in self.caught) / max(1, len(self.caught))

    def lines(self) -> list[str]:
        """The report: the scores, each survivor and each caught mutant without a hint."""
        equivalent = sum(o.verdict == "equivalent" for o in self.outcomes)
        errors = [o for o in self.outcomes if o.verdict == "error"]
        lines = [
            f"{self.stage}: {len(self.outcomes)} of {self.total} mutants, {equivalent} "
            f"equivalent; mutation score {self.score:.1f}% ({len(self.caught)}/"
            f"{len(self.graded)} caught), hint coverage {self.hint_coverage:.1f}% "
            f"({sum(o.hinted for o in self.caught)}/{len(self.caught)}), {self.seconds:.0f} s"
        ]
        lines += [f"  survived    {o.mutant.diff()}  [{o.mutant.operator}]" for o in self.survived]
        lines += [f"  no hint     {o.mutant.diff()}  [{o.mutant.operator}] fails "
                  f"{', '.join(o.failing[:3])}" for o in self.caught if not o.hinted]  # fmt: skip
        lines += [f"  not graded  {o.mutant.diff()}: {o.failing[0]}" for o in errors]
        return lines


def run(stage, sample: int | None = None, jobs: int = 2, timeout: float = 5.0,
        seed: int = 0, progress=None) -> StageResult:  # fmt: skip
    """Mutation-test ``stage`` (a grader.course.Stage): all its mutants, or a ``sample``.
    ``timeout``: each call of a mutant's code while it is graded (seconds); its probes may
    take twice that in all."""
    started = time.perf_counter()
    found = mutants(stage.reference.read_text(encoding="utf-8"))
    total = len(found)
    if sample is not None and sample < total:
        found = sorted(random.Random(seed).sample(found, sample), key=lambda m: m.line)
    verdicts = equivalence(stage, found, 2 * timeout)
    outcomes = [Outcome(m, "equivalent") for m, v in zip(found, verdicts, strict=True)
                if v == "equivalent"]  # fmt: skip
    todo = [m for m, v in zip(found, verdicts, strict=True) if v != "equivalent"]
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(_grade_source, stage.name, m.source, timeout): m for m in todo}
        for future in concurrent.futures.as_completed(futures):
            mutant, result = futures[future], future.result()
            if "error" in result:
                outcomes.append(Outcome(mutant, "error", failing=[result["error"]]))
            else:
                verdict = "caught" if result["caught"] else "survived"
                outcomes.append(Outcome(mutant, verdict, result["hinted"], result["failing"]))
            if progress:
                progress(len(outcomes), len(found))
    outcomes.sort(key=lambda o: (o.mutant.line, o.mutant.operator))
    return StageResult(stage.name, total, outcomes, time.perf_counter() - started)
