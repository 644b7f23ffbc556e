"""Tags and properties: their limits per run, checked before anything is stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from runwatch import Run, ValidationError
from runwatch.core._values import MAX_PROPERTIES, MAX_TAGS, MAX_VALUE_LENGTH


class _Watched(dict[str, str]):
    """A dict that records every look at its keys or values."""

    looked: ClassVar[list[str]] = []

    def __iter__(self) -> Iterator[str]:
        self.looked.append("iter")
        return super().__iter__()

    def items(self) -> Any:
        self.looked.append("items")
        return super().items()

    def keys(self) -> Any:
        self.looked.append("keys")
        return super().keys()

    def values(self) -> Any:
        self.looked.append("values")
        return super().values()

    def __getitem__(self, key: str) -> str:
        self.looked.append("getitem")
        return super().__getitem__(key)


def test_a_million_tags_are_refused_at_once(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    # Refused on their number alone: no key is looked at, nothing reaches the store.
    tags = _Watched({f"k{i}": "v" for i in range(10**6)})
    _Watched.looked.clear()
    monkeypatch.setattr(run.workspace.store, "update_tags", _no_store_call)
    with pytest.raises(ValidationError, match=rf"1000000 tags.*at most {MAX_TAGS}"):
        run.set_tags(tags)
    assert _Watched.looked == []
    monkeypatch.undo()
    assert run.get_tags() == {}


def _no_store_call(*args: object, **kwargs: object) -> None:
    raise AssertionError("a refused call reached the store")


def test_tags_add_up_to_the_limit(run: Run) -> None:
    run.set_tags({f"k{i}": str(i) for i in range(MAX_TAGS)})
    with pytest.raises(ValidationError, match=rf"'extra'.*{MAX_TAGS + 1} tags.*{MAX_TAGS}"):
        run.tag("extra", "x")
    run.tag("k0", "changed")  # changing a tag adds none
    run.remove_tags("k1")
    run.tag("extra", "x")
    tags = run.get_tags()
    assert len(tags) == MAX_TAGS and tags["k0"] == "changed" and tags["extra"] == "x"


def test_a_tag_value_over_the_limit(run: Run) -> None:
    run.tag("fits", "v" * MAX_VALUE_LENGTH)
    with pytest.raises(ValidationError, match=rf"tag 'long'.*{MAX_VALUE_LENGTH + 1}.*limit"):
        run.tag("long", "v" * (MAX_VALUE_LENGTH + 1))
    assert list(run.get_tags()) == ["fits"]


def test_properties_add_up_to_the_limit(run: Run) -> None:
    with pytest.raises(ValidationError, match=rf"{MAX_PROPERTIES + 1} properties"):
        run.add_properties({f"p{i}": i for i in range(MAX_PROPERTIES + 1)})
    run.add_properties({f"p{i}": i for i in range(MAX_PROPERTIES)})
    run.add_properties({"p0": 0})  # the same value again adds none
    with pytest.raises(ValidationError, match=rf"'extra'.*at most {MAX_PROPERTIES}"):
        run.add_properties({"extra": 1})
    assert len(run.get_properties()) == MAX_PROPERTIES


def test_a_property_value_over_the_limit(run: Run) -> None:
    with pytest.raises(ValidationError, match=rf"property 'p'.*{MAX_VALUE_LENGTH + 1}"):
        run.add_properties({"p": "x" * (MAX_VALUE_LENGTH + 1)})
    assert run.get_properties() == {}
