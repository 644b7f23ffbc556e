"""The Python wire shapes (_wire.py) and the TypeScript interfaces (js/wire.ts) agree."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, is_typeddict

import pytest

from runwatch.widgets import _wire

WIRE_TS = Path(__file__).resolve().parents[3] / "js" / "wire.ts"
INTERFACE = re.compile(r"export interface (\w+) \{(.*?)\n\}", re.S)
FIELD = re.compile(r"^\s*(\w+)(\??):\s*(.+?);\s*$", re.M)
TS_ALIASES = {"Cell": "string | number | boolean | null"}


def ts_interfaces() -> dict[str, dict[str, tuple[bool, frozenset[str]]]]:
    text = WIRE_TS.read_text(encoding="utf-8")
    found = {}
    for name, body in INTERFACE.findall(text):
        found[name] = {
            field: (optional == "?", ts_type(kind)) for field, optional, kind in FIELD.findall(body)
        }
    return found


def ts_type(text: str) -> frozenset[str]:
    """A TS type as a set of atoms, with the Cell alias expanded."""
    atoms: set[str] = set()
    for part in (p.strip() for p in TS_ALIASES.get(text.strip(), text).split("|")):
        if part in TS_ALIASES:
            atoms |= ts_type(part)
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
        inner = py_type(item)
        name = "Cell" if inner == ts_type("Cell") else " | ".join(sorted(inner))
        return frozenset({f"{name}[]"})
    if origin is dict:
        _, value = get_args(annotation)
        inner = py_type(value)
        name = "Cell" if inner == ts_type("Cell") else " | ".join(sorted(inner))
        return frozenset({f"Record<string, {name}>"})
    if annotation is type(None):
        return frozenset({"null"})
    if is_typeddict(annotation):
        return frozenset({annotation.__name__})
    return frozenset({{str: "string", int: "number", float: "number", bool: "boolean"}[annotation]})


SHAPES = [
    value
    for value in vars(_wire).values()
    if isinstance(value, type) and is_typeddict(value) and value.__module__ == _wire.__name__
]


@pytest.mark.parametrize("shape", SHAPES, ids=[s.__name__ for s in SHAPES])
def test_typed_dict_matches_the_typescript_interface(shape: type) -> None:
    interface = ts_interfaces()[shape.__name__]
    hints = typing.get_type_hints(shape)
    assert set(interface) == set(hints), f"{shape.__name__}: fields differ"
    for field, annotation in hints.items():
        optional, kind = interface[field]
        assert optional == (field in shape.__optional_keys__), f"{shape.__name__}.{field}"
        assert kind == py_type(annotation), (
            f"{shape.__name__}.{field}: {kind} != {py_type(annotation)}"
        )


def test_trait_names_match() -> None:
    interfaces = ts_interfaces()
    assert set(interfaces["HeaderTraits"]) - {"_part"} == set(_wire.HEADER_TRAITS)
    assert set(interfaces["BodyTraits"]) - {"_part"} == set(_wire.BODY_TRAITS)


def test_python_widget_declares_the_same_traits() -> None:
    from runwatch.widgets._details import RunBody, RunHeader

    def synced(cls: type) -> set[str]:
        return {
            name
            for name, trait in cls.class_traits(sync=True).items()  # type: ignore[attr-defined]
            if not name.startswith("_") and name not in ("layout", "tabbable", "tooltip")
        }

    assert synced(RunHeader) == set(_wire.HEADER_TRAITS)
    assert synced(RunBody) == set(_wire.BODY_TRAITS)
