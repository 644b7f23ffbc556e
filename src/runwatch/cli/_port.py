"""`runwatch port`: rewrite Azure ML SDK v1 imports to runwatch, through the syntax tree.

One rule maps module names (`azureml.core.run` -> `runwatch.run`, see `map_module`); an
import whose module the rule cannot map stays as written and is reported. Attribute chains
such as `azureml.core.Workspace(...)` after `import azureml.core` follow the same rule, so
the rewritten script still runs. libcst keeps comments, formatting and aliases as they were.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

# Packages with a runwatch counterpart, and which of their modules have one too.
_PACKAGES: dict[str, tuple[str, frozenset[str]]] = {
    "azureml.core": (
        "runwatch",
        frozenset(
            {
                "run",
                "experiment",
                "workspace",
                "environment",
                "script_run_config",
                "conda_dependencies",
                "runconfig",
                "model",
                "dataset",
            }
        ),
    ),
    "azureml.widgets": ("runwatch.widgets", frozenset()),
    "azureml.train.hyperdrive": (
        "runwatch.hyperdrive",
        frozenset({"runconfig", "sampling", "run", "parameter_expressions", "policy"}),
    ),
    "azureml.train.automl": ("runwatch.automl", frozenset()),
    "azureml.tensorboard": ("runwatch.tensorboard", frozenset({"export"})),
    "azureml.telemetry": ("runwatch.telemetry", frozenset()),
}

# Why a module has no counterpart, by prefix; the longest prefix that matches says it.
_REASONS: dict[str, str] = {
    "azureml": "no runwatch counterpart",
    "azureml.core.compute": "compute clusters are cloud-only",
    "azureml.core.compute_target": "compute targets other than local and Dask are cloud-only",
    "azureml.core.authentication": "runwatch is local: there is nothing to sign in to",
    "azureml.core.datastore": "datastores are cloud-only",
    "azureml.core.webservice": "model deployment is cloud-only",
    "azureml.data": "data references and datastores are cloud-only",
    "azureml.pipeline": "pipelines are not part of runwatch",
}


@dataclass(frozen=True)
class Unmapped:
    """A line that stays as written: its `module` has no runwatch counterpart."""

    line: int
    module: str
    reason: str

    def __str__(self) -> str:
        return f"{self.module}: {self.reason}"


@dataclass
class Rewrite:
    """A rewritten source text, how many imports and references changed, what did not."""

    code: str
    imports: int = 0
    references: int = 0
    unmapped: list[Unmapped] = field(default_factory=list)


def map_module(name: str) -> str | None:
    """The runwatch module for an Azure ML module name, or None when the rule has none.

    >>> map_module("azureml.core.run"), map_module("azureml.core.compute")
    ('runwatch.run', None)
    """
    for package, (target, modules) in _PACKAGES.items():
        if name == package:
            return target
        head, _, module = name.rpartition(".")
        if head == package and module in modules:
            return f"{target}.{module}"
    return None


def _map_reference(name: str) -> tuple[str, str] | None:
    """The mapped head of `azureml.core.Workspace`, `azureml.core.run.Run` and the like.

    Returns the longest head that is a mapped module and its runwatch name. A lowercase name
    right after a package is one of its modules, so `azureml.core.compute.X` maps to nothing.
    """
    parts = name.split(".")
    for end in range(len(parts), 1, -1):
        head = ".".join(parts[:end])
        target = map_module(head)
        if target is None:
            continue
        rest = parts[end:]
        if rest and head in _PACKAGES and rest[0][:1].islower():
            return None
        return head, target
    return None


def _module_of(name: str) -> str:
    """`azureml.core.compute` for `azureml.core.compute.AmlCompute`: classes end a module."""
    parts = name.split(".")
    while len(parts) > 2 and parts[-1][:1].isupper():
        parts.pop()
    return ".".join(parts)


def _reason(name: str) -> str:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        reason = _REASONS.get(".".join(parts[:end]))
        if reason is not None:
            return reason
    return _REASONS["azureml"]


def _dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a chain of names, None for anything else (calls, subscripts...)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def _is_azureml(name: str | None) -> bool:
    return name is not None and (name == "azureml" or name.startswith("azureml."))


def _replace_prefix(node: cst.BaseExpression, old: str, new: str) -> cst.BaseExpression:
    """Swap the `old` head of a name chain for `new`, keeping the rest of the chain as is."""
    if _dotted(node) == old:
        return cst.parse_expression(new)
    assert isinstance(node, cst.Attribute)  # a chain longer than `old`
    return node.with_changes(value=_replace_prefix(node.value, old, new))


def _exists(module: str) -> bool:
    """Whether this runwatch has `module` (the rule also names modules still to come)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _missing_names(
    target: str, names: Sequence[cst.ImportAlias] | cst.ImportStar
) -> list[tuple[str, str]]:
    """(name, why) for each imported name that runwatch's `target` module lacks."""
    if not _exists(target):
        return [("*", f"{target} does not exist in this runwatch version")]
    if isinstance(names, cst.ImportStar):
        return []
    module = importlib.import_module(target)
    missing = []
    for alias in names:
        name = _dotted(alias.name) or ""
        if not hasattr(module, name):
            missing.append((name, f"{target} has no {name} (an Azure ML API runwatch lacks)"))
    return missing


def _import_of_modules(node: cst.ImportFrom, package: str) -> cst.ImportFrom | None:
    """`from azureml.train import hyperdrive` as `from runwatch import hyperdrive`: each
    imported name is a mapped module, and all of them land in one runwatch package."""
    if isinstance(node.names, cst.ImportStar):
        return None
    parents = set()
    for alias in node.names:
        leaf = _dotted(alias.name)
        target = map_module(f"{package}.{leaf}") if leaf else None
        if target is None or target.rpartition(".")[2] != leaf:
            return None
        parents.add(target.rpartition(".")[0])
    if len(parents) != 1:
        return None
    module = cst.parse_expression(parents.pop())
    assert isinstance(module, (cst.Name, cst.Attribute))
    return node.with_changes(module=module)


class _Porter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.imports = 0
        self.references = 0
        self.unmapped: list[Unmapped] = []
        self._new: dict[cst.CSTNode, cst.CSTNode] = {}

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def _report(self, node: cst.CSTNode, modules: Sequence[str]) -> None:
        for module in modules:
            self.unmapped.append(Unmapped(self._line(node), module, _reason(module)))

    def visit_Import(self, node: cst.Import) -> bool:
        names = [_dotted(alias.name) or "" for alias in node.names]
        azureml = [name for name in names if _is_azureml(name)]
        mapped = {name: map_module(name) for name in azureml}
        missing = [
            name for name in azureml if mapped[name] is None or not _exists(str(mapped[name]))
        ]
        if missing:
            for name in missing:
                target = mapped[name]
                why = f"{target} does not exist in this runwatch version" if target else None
                self.unmapped.append(Unmapped(self._line(node), name, why or _reason(name)))
        elif mapped:
            aliases = [
                alias.with_changes(name=cst.parse_expression(target))
                if (target := mapped.get(name))
                else alias
                for alias, name in zip(node.names, names, strict=True)
            ]
            self._new[node] = node.with_changes(names=aliases)
            self.imports += 1
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        name = None if node.module is None or node.relative else _dotted(node.module)
        if name is None or not _is_azureml(name):
            return False
        target = map_module(name)
        if target is None:
            rewritten = _import_of_modules(node, name)
            if rewritten is None:
                self._report(node, [name])
            else:
                self._new[node] = rewritten
                self.imports += 1
        else:
            missing = _missing_names(target, node.names)
            if missing:
                line = self._line(node)
                self.unmapped += [Unmapped(line, f"{name}.{n}", why) for n, why in missing]
                return False
            module = cst.parse_expression(target)
            assert isinstance(module, (cst.Name, cst.Attribute))
            self._new[node] = node.with_changes(module=module)
            self.imports += 1
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        name = _dotted(node)
        if not _is_azureml(name):
            return True  # `azureml.core.Workspace(...).name`: the chain is further in
        assert name is not None
        mapped = _map_reference(name)
        if mapped is None:
            self._report(node, [_module_of(name)])
        else:
            self._new[node] = _replace_prefix(node, *mapped)
            self.references += 1
        return False

    def on_leave(
        self, original_node: cst.CSTNodeT, updated_node: cst.CSTNodeT
    ) -> cst.CSTNodeT | cst.RemovalSentinel:
        new = self._new.get(original_node)
        return updated_node if new is None else new  # type: ignore[return-value]  # same kind


def port_source(code: str) -> Rewrite:
    """Rewrite one script's text; raises `libcst.ParserSyntaxError` when it is not Python.

    >>> port_source("from azureml.core import Run  # logs\\n").code
    'from runwatch import Run  # logs\\n'
    """
    porter = _Porter()
    tree = MetadataWrapper(cst.parse_module(code)).visit(porter)
    return Rewrite(tree.code, porter.imports, porter.references, porter.unmapped)
