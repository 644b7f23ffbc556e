"""Compare Python TypedDicts with the TypeScript interfaces that mirror them by hand.

Used by tests/unit/widgets/test_wire.py for the widgets' js/wire.ts; the REST
API's TypeScript types are generated instead (js/lab/api.generated.ts).

Both sides become sets of type atoms in TS spelling: `str | None` and
`string | null` are both {"string", "null"}; `list[float | None]` and
`(number | null)[]` are both {"(null | number)[]"}; `Cell` is expanded.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, is_typeddict

INTERFACE = re.compile(r"export interface (\w+) \{(.*?)\n\}", re.S)
FIELD = re.compile(r"^\s*(\w+)(\??):\s*(.+?);\s*$", re.M)
TS_ALIASES = {"Cell": "string | number | boolean | null"}


def ts_interfaces(path: Path) -> dict[str, dict[str, tuple[bool, frozenset[str]]]]:
    """Every `export interface` of a TS file: field -> (optional, type atoms)."""
    found = {}
    for name, body in INTERFACE.findall(path.read_text(encoding="utf-8")):
        found[name] = {
            field: (optional == "?", ts_type(kind)) for field, optional, kind in FIELD.findall(body)
        }
    return found


def ts_type(text: str) -> frozenset[str]:
    """A TS type as a set of atoms, with the Cell alias expanded."""
    atoms: set[str] = set()
    for part in _split_union(TS_ALIASES.get(text.strip(), text)):
        if part in TS_ALIASES:
            atoms |= ts_type(part)
        elif part.startswith("(") and part.endswith(")[]"):
            atoms.add(f"{_name(ts_type(part[1:-3]))}[]")
        elif part.startswith("Record<string, ") and part.endswith(">"):
            atoms.add(f"Record<string, {_name(ts_type(part[15:-1]))}>")
        else:
            atoms.add(part)
    return frozenset(atoms)


def py_type(annotation: Any) -> frozenset[str]:
    """A Python annotation as the same set of TS atoms."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return frozenset().union(*(py_type(arg) for arg in get_args(annotation)))
    if origin is Literal:
        return frozenset(f'"{value}"' for value in get_args(annotation))
    if origin is list:
        (item,) = get_args(annotation)
        return frozenset({f"{_name(py_type(item))}[]"})
    if origin is dict:
        _, value = get_args(annotation)
        return frozenset({f"Record<string, {_name(py_type(value))}>"})
    if annotation is type(None):
        return frozenset({"null"})
    if is_typeddict(annotation):
        return frozenset({annotation.__name__})
    return frozenset({{str: "string", int: "number", float: "number", bool: "boolean"}[annotation]})


def typed_dicts(module: types.ModuleType) -> list[type]:
    """The TypedDicts a module declares (not the ones it imports)."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and is_typeddict(value) and value.__module__ == module.__name__
    ]


def _name(atoms: frozenset[str]) -> str:
    """One atom naming a union: `Cell`, a single type, or `(a | b)` sorted."""
    if atoms == ts_type("Cell"):
        return "Cell"
    if len(atoms) == 1:
        return next(iter(atoms))
    return "(" + " | ".join(sorted(atoms)) + ")"


def _split_union(text: str) -> list[str]:
    """Split `a | (b | c)[] | Record<string, d | e>` at the top-level bars only."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "(<":
            depth += 1
        elif char in ")>":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def assert_mirrors(shape: type, interface: dict[str, tuple[bool, frozenset[str]]]) -> None:
    """The TypedDict `shape` and a parsed TypeScript interface have the same fields,
    each equally optional and of the same type."""
    hints = typing.get_type_hints(shape)
    assert set(interface) == set(hints), f"{shape.__name__}: fields differ"
    for field, annotation in hints.items():
        optional, kind = interface[field]
        assert optional == (field in shape.__optional_keys__), f"{shape.__name__}.{field}"
        assert kind == py_type(annotation), (
            f"{shape.__name__}.{field}: {kind} != {py_type(annotation)}"
        )
