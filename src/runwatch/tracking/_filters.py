"""Filters over runs' tags and properties, as `get_runs` and `get_children` take them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runwatch.core._values import short_repr
from runwatch.errors import ValidationError


def tag_filter(tags: str | Sequence[str] | Mapping[str, Any] | None) -> Mapping[str, Any]:
    """`{key: value or None}` from a key, a list of keys or a dict (None: any value)."""
    if tags is None:
        return {}
    if isinstance(tags, str):
        return {tags: None}
    if isinstance(tags, Mapping):
        return tags
    if isinstance(tags, Sequence):
        return dict.fromkeys(tags)
    raise ValidationError(
        f"tags filter {short_repr(tags)} is a {type(tags).__name__}; expected a key, "
        "a list of keys or a dict"
    )


def matches(values: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether `values` has every key of `wanted`, with its value where one is given."""
    for key, value in wanted.items():
        if key not in values:
            return False
        if value is not None and values[key] != value and str(values[key]) != str(value):
            return False
    return True
