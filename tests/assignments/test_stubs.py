"""The stubs students start from: the reference's public names and signatures, and bodies that
only raise NotImplementedError naming the function."""

import ast
import importlib
import importlib.util
import inspect
import textwrap
from pathlib import Path

import pytest

from grader.course import STAGES, get_stage

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_NAMES = {
    "neuron": ["neuron_output", "neuron_output_np"],
    "layer": ["layer_output", "layer_output_np"],
    "batch": ["dense_forward", "two_layer_forward"],
    "activations": ["sigmoid", "relu", "softmax", "sigmoid_derivative", "relu_derivative"],
    "backprop": ["mse_loss", "mse_loss_grad", "dense_backward", "NeuralNetwork"],
    "classifier": ["softmax_cross_entropy", "softmax_cross_entropy_grad", "Classifier"],
}
CONTRACT_METHODS = {  # per class of the contract
    "NeuralNetwork": ["__init__", "forward", "gradients", "backward", "train"],
    "Classifier": ["__init__", "forward", "gradients", "step", "train", "predict"],
}


def contract_names(stage):
    """The contract's names (a stage the contract does not list yet: its manifest's)."""
    return CONTRACT_NAMES.get(stage) or list(get_stage(stage).names)


def _defined_names(path):
    """Public functions and classes defined (not imported) at the top of a module."""
    tree = ast.parse(Path(path).read_text("utf-8"))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    ]


def _load_stub(stage):
    path = ROOT / "assignments" / stage / f"{stage}.py"
    spec = importlib.util.spec_from_file_location(f"_neurograde_stub_{stage}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _methods(cls):
    """The class's own public methods, and __init__."""
    return {
        name: value
        for name, value in vars(cls).items()
        if inspect.isfunction(value) and (name == "__init__" or not name.startswith("_"))
    }


def _callables(stage):
    """(qualified name, callable, needs an instance) for every stub function and method."""
    module = _load_stub(stage)
    found = []
    for name in _defined_names(module.__file__):
        value = getattr(module, name)
        if inspect.isclass(value):
            for method_name, method in _methods(value).items():
                found.append((f"{name}.{method_name}", method, value))
        else:
            found.append((name, value, None))
    return found


CALLABLES = [(stage, *entry) for stage in STAGES for entry in _callables(stage)]


@pytest.mark.parametrize("stage", STAGES)
def test_stub_names_are_the_contracts(stage):
    """The stub defines exactly the contract's public names, in the contract's order."""
    assert _defined_names(ROOT / "assignments" / stage / f"{stage}.py") == contract_names(stage)


@pytest.mark.parametrize("stage", STAGES)
def test_reference_names_equal_stub_names(stage):
    """The reference module defines the same public names as the stub, and the names of
    other stages its manifest says it defines itself (backprop's sigmoid)."""
    own = [n for names in get_stage(stage).defines_own.values() for n in names]
    reference_names = _defined_names(get_stage(stage).reference)
    assert sorted(reference_names) == sorted(contract_names(stage) + own)


@pytest.mark.parametrize("stage", STAGES)
def test_signatures_equal_the_references(stage):
    """Every function, class and method of the stub has the reference's signature."""
    stub = _load_stub(stage)
    reference = get_stage(stage).load_reference()
    for name in contract_names(stage):
        stub_value, reference_value = getattr(stub, name), getattr(reference, name)
        assert inspect.signature(stub_value) == inspect.signature(reference_value), name
        if inspect.isclass(stub_value):
            stub_methods, reference_methods = _methods(stub_value), _methods(reference_value)
            expected = sorted(CONTRACT_METHODS[name])
            assert sorted(stub_methods) == sorted(reference_methods) == expected
            for method in stub_methods:
                assert inspect.signature(stub_methods[method]) == inspect.signature(
                    reference_methods[method]
                ), f"{name}.{method}"


@pytest.mark.parametrize(
    ("stage", "qualname", "function", "owner"),
    CALLABLES,
    ids=[f"{stage}::{qualname}" for stage, qualname, _, _ in CALLABLES],
)
def test_stub_raises_not_implemented_naming_itself(stage, qualname, function, owner):
    """Calling the stub raises NotImplementedError whose message starts with its name."""
    arguments = [None] * (len(inspect.signature(function).parameters) - (owner is not None))
    with pytest.raises(NotImplementedError) as info:
        if owner is None:
            function(*arguments)
        else:
            function(object.__new__(owner), *arguments)
    assert str(info.value).startswith(f"{qualname}:")


@pytest.mark.parametrize(
    ("stage", "qualname", "function", "owner"),
    CALLABLES,
    ids=[f"{stage}::{qualname}" for stage, qualname, _, _ in CALLABLES],
)
def test_stub_body_is_a_docstring_and_a_raise(stage, qualname, function, owner):
    """The stub's body holds no solution: a docstring, then only
    `raise NotImplementedError(...)`."""
    node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    body = node.body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    assert len(body) == 2 and isinstance(body[1], ast.Raise)
    raised = body[1].exc
    assert isinstance(raised, ast.Call) and raised.func.id == "NotImplementedError"
