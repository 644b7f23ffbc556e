"""The tag and property half of `Run`: mutable tags, immutable properties.

Limits per run (`_values.MAX_TAGS`, `MAX_PROPERTIES`, `MAX_VALUE_LENGTH`) are
checked before anything is stored: the size of one call here, the run's total
in the store, under its write lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from runwatch.core import _values
from runwatch.core._records import RunInfo

if TYPE_CHECKING:
    from runwatch.tracking._workspace import Workspace


class TagsMixin:
    id: str
    _ws: Workspace
    _info: RunInfo

    def _refresh(self) -> RunInfo:
        raise NotImplementedError  # provided by Run

    def tag(self, key: str, value: Any = None) -> None:
        """Set a tag; a tag may have no value (it reads back as None, as in Azure)."""
        self.set_tags({key: value})

    def set_tags(self, tags: Mapping[str, Any] | str | Iterable[str]) -> None:
        """Set several tags at once (str values; numbers are stored as their text). A key
        or a list of keys sets tags without a value, as Azure's `set_tags` accepts."""
        if isinstance(tags, str):
            tags = {tags: None}
        elif not isinstance(tags, Mapping) and isinstance(tags, Iterable):
            tags = dict.fromkeys(tags)
        self._info = self._ws.store.update_tags(self.id, _values.tags(tags))

    def get_tags(self) -> dict[str, str | None]:
        """The run's tags; a tag set without a value is None."""
        return dict(self._refresh().tag_values)

    def remove_tags(self, tags: str | Iterable[str]) -> None:
        keys = [tags] if isinstance(tags, str) else list(tags)
        for key in keys:
            _values.check_name(key, "tag name")
        self._info = self._ws.store.update_tags(self.id, {}, keys)

    def add_properties(self, properties: Mapping[str, Any]) -> None:
        """Add properties; they are immutable, so changing an existing one raises."""
        self._info = self._ws.store.add_properties(self.id, _values.properties(properties))

    def get_properties(self) -> dict[str, Any]:
        return dict(self._refresh().properties)
