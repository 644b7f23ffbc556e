"""The asset registry (models, environments) on every backend."""

from __future__ import annotations

import pytest

from runwatch.errors import AssetNotFoundError
from runwatch.store import RunStore


def test_versions_count_up_per_kind_and_name(store: RunStore) -> None:
    first = store.register_asset("model", "ridge", {"files": ["a.pkl"]}, tags={"k": "v"})
    second = store.register_asset("model", "ridge", {"files": ["b.pkl"]}, run_id="r1")
    other = store.register_asset("environment", "ridge", {"python": {}})
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert store.get_asset("model", "ridge").document == {"files": ["b.pkl"]}
    assert store.get_asset("model", "ridge", 1).tags == {"k": "v"}
    assert store.get_asset("model", "ridge", 2).run_id == "r1"
    assert [(a.name, a.version) for a in store.list_assets("model")] == [("ridge", 1), ("ridge", 2)]
    assert [a.kind for a in store.list_assets("environment", "ridge")] == ["environment"]


def test_update_changes_tags_and_description_and_adds_properties(store: RunStore) -> None:
    store.register_asset("model", "m", {}, tags={"a": "1", "b": "2"}, properties={"p": 1})
    updated = store.update_asset(
        "model",
        "m",
        1,
        description="d",
        set_tags={"c": "3"},
        remove_tags=["a"],
        add_properties={"q": 2},
    )
    assert (updated.description, updated.tags, updated.properties) == (
        "d",
        {"b": "2", "c": "3"},
        {"p": 1, "q": 2},
    )


def test_unknown_names_and_versions_are_named_in_the_error(store: RunStore) -> None:
    with pytest.raises(AssetNotFoundError, match="no model named 'nope'"):
        store.get_asset("model", "nope")
    store.register_asset("model", "m", {})
    with pytest.raises(AssetNotFoundError, match="'m' with version 7"):
        store.get_asset("model", "m", 7)
    store.delete_asset("model", "m", 1)
    assert store.list_assets("model") == []
    # A deleted version's number is not given out again.
    assert store.register_asset("model", "m", {}).version == 2
    store.register_asset("model", "m", {})
    store.delete_asset("model", "m", 3)
    assert store.register_asset("model", "m", {}).version == 4
