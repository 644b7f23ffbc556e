"""Comparing logged values exactly in tests: type, NaN and the sign of zero included."""

from __future__ import annotations

from typing import Any


def canon(value: Any) -> Any:
    """A comparable form that keeps the exact type, NaN and the sign of zero."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", repr(value))  # 'nan', '-0.0', 'inf' compare as text
    if isinstance(value, str):
        return ("str", value)
    if value is None:
        return ("none",)
    if isinstance(value, list):
        return ("list", [canon(v) for v in value])
    if isinstance(value, dict):
        return ("dict", sorted((k, canon(v)) for k, v in value.items()))
    raise AssertionError(f"unexpected value type {type(value).__name__}: {value!r}")
