"""The widgets' Python wire shapes (_widget_shapes.py) and the TypeScript interfaces
(js/wire.ts) agree, compared by the small TS reader in tests/unit/_ts_interfaces.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from _ts_interfaces import assert_mirrors, py_type, ts_interfaces, ts_type, typed_dicts

from runwatch.views import _widget_shapes as _wire

WIRE_TS = Path(__file__).resolve().parents[3] / "js" / "wire.ts"
SHAPES = typed_dicts(_wire)


def test_every_shape_is_mirrored() -> None:
    assert {shape.__name__ for shape in SHAPES} <= set(ts_interfaces(WIRE_TS))
    assert len(SHAPES) >= 10


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


@pytest.mark.parametrize("shape", SHAPES, ids=[s.__name__ for s in SHAPES])
def test_typed_dict_matches_the_typescript_interface(shape: type) -> None:
    interface = ts_interfaces(WIRE_TS)[shape.__name__]
    assert_mirrors(shape, interface)


def test_trait_names_match() -> None:
    interfaces = ts_interfaces(WIRE_TS)
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


def test_experiment_details_traits_match() -> None:
    from runwatch.widgets._experiment_details import RunsPart

    interfaces = ts_interfaces(WIRE_TS)
    assert set(interfaces["RunsTraits"]) == set(_wire.RUNS_TRAITS)
    synced = {
        name
        for name in RunsPart.class_traits(sync=True)
        if not name.startswith("_") and name not in ("layout", "tabbable", "tooltip")
    }
    assert synced == set(_wire.RUNS_TRAITS)
