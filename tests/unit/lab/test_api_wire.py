"""The REST wire shapes (server/_wire.py) and the sidebar's TypeScript interfaces agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from _ts_interfaces import assert_mirrors, py_type, ts_interfaces, ts_type, typed_dicts

from runwatch.views import _rest_shapes as _wire

API_TS = Path(__file__).resolve().parents[3] / "js" / "lab" / "api.ts"
SHAPES = typed_dicts(_wire)


def test_every_shape_is_mirrored() -> None:
    assert {shape.__name__ for shape in SHAPES} <= set(ts_interfaces(API_TS))
    assert len(SHAPES) >= 10


@pytest.mark.parametrize("shape", SHAPES, ids=[s.__name__ for s in SHAPES])
def test_typed_dict_matches_the_typescript_interface(shape: type) -> None:
    interface = ts_interfaces(API_TS)[shape.__name__]
    assert_mirrors(shape, interface)


def test_the_cell_alias_is_the_python_one() -> None:
    text = API_TS.read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith("export type Cell =")]
    assert ts_type(line.split("=", 1)[1].rstrip(";")) == py_type(_wire.Cell)


@pytest.mark.parametrize(
    ("ts", "py"),
    [
        ("(number | null)[]", list[float | None]),
        ("Record<string, string> | null", dict[str, str] | None),
        ("Cell[]", list[_wire.Cell]),
    ],
)
def test_the_comparison_tells_nested_unions_apart(ts: str, py: object) -> None:
    assert ts_type(ts) == py_type(py)
    assert ts_type(ts) != py_type(list[float])
