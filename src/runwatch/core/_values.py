"""Validation of names and metric values, shared by every logging call.

Each check raises `ValidationError` with the offending value and what was
expected, before anything is buffered, so a rejected call changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from runwatch.errors import ValidationError

MAX_NAME_LENGTH = 255
#: Per run, at least Azure ML's limits (50 tags, 50 properties, keys of 100 and values of
#: 1,000 characters), so code written for Azure ML always fits; bounded so that one run
#: cannot make its experiment's listings and tables unusable.
MAX_TAGS = 200
MAX_PROPERTIES = 200
MAX_VALUE_LENGTH = 4096  # characters of a tag value or a str property value
#: The int range the store holds (steps, and int values, are packed as int64).
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Value classes of a metric series: ints and floats mix freely, the others do not.
NUMBER = "number"
BOOL = "bool"
STR = "str"

VALUE_CLASSES = {NUMBER: NUMBER, BOOL: BOOL, STR: STR}

_CLASS_OF_TYPE: dict[type, str] = {int: NUMBER, float: NUMBER, bool: BOOL, str: STR}


def short_repr(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_text(text: str, what: str) -> str:
    """`text` if it encodes to UTF-8 (the store's encoding): no lone surrogates."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValidationError(
            f"{what} {short_repr(text)} has the lone surrogate {text[error.start]!r} at "
            f"position {error.start}, which cannot be encoded as UTF-8; expected text that "
            "encodes to UTF-8 (e.g. decoded with errors='replace')"
        ) from None
    return text


def check_int(value: int, what: str) -> int:
    """`value` if the store can hold it: within the int64 range."""
    if INT64_MIN <= value <= INT64_MAX:
        return value
    raise ValidationError(
        f"{what} {value} is outside the 64-bit integer range the store holds "
        f"({INT64_MIN} to {INT64_MAX}); log float(value) for an approximate number or "
        "str(value) for the exact digits"
    )


def check_name(name: object, what: str = "metric name") -> str:
    """A metric, tag or column name: a non-empty UTF-8 string of at most 255 characters."""
    if not isinstance(name, str):
        raise ValidationError(f"{what} must be a str, got {type(name).__name__} {short_repr(name)}")
    if not name or not name.strip():
        raise ValidationError(f"{what} must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"{what} {short_repr(name)} is {len(name)} characters long; "
            f"the limit is {MAX_NAME_LENGTH}"
        )
    if "\x00" in name:
        raise ValidationError(f"{what} {short_repr(name)} contains a NUL character")
    return check_text(name, what)


def check_description(description: object, name: str) -> str:
    """A metric's description: a UTF-8 str without NUL (None counts as empty)."""
    if description is None:
        return ""
    what = f"description of metric {name!r}"
    if not isinstance(description, str):
        raise ValidationError(f"{what} must be a str, got {type(description).__name__}")
    if "\x00" in description:
        raise ValidationError(f"{what} {short_repr(description)} contains a NUL character")
    return check_text(description, what)


def _from_numpy(value: Any) -> Any:
    """A numpy scalar as the matching Python scalar, without importing numpy."""
    if (
        type(value).__module__ == "numpy"
        and hasattr(value, "item")
        and getattr(value, "ndim", None) == 0
    ):
        return value.item()
    return value


def _storable(value: Any, where: str) -> Any:
    """A scalar the store can hold: ints within int64, strs that encode to UTF-8."""
    if isinstance(value, str):
        check_text(value, f"{where}: value")
    elif isinstance(value, int) and not isinstance(value, bool):
        check_int(value, f"{where}: int value")
    return value


def scalar(value: Any, where: str) -> tuple[Any, str | None]:
    """Check one metric value; return it as a Python scalar and its value class.

    `where` describes the call for the error message, e.g. "run.log('loss', ...)".
    """
    cls = _CLASS_OF_TYPE.get(type(value))
    if cls is not None:
        return _storable(value, where), cls
    if value is None:
        return None, None
    converted = _from_numpy(value)
    if converted is not value:
        if isinstance(converted, bytes):
            raise ValidationError(f"{where}: value {short_repr(value)} is bytes; expected a str")
        return scalar(converted, where)
    for base, cls in ((bool, BOOL), (int, NUMBER), (float, NUMBER), (str, STR)):
        if isinstance(value, base):
            return _storable(base(value), where), cls
    hint = ""
    if isinstance(value, Mapping):
        hint = "; to log a row use run.log_row(name, **columns), a table run.log_table(name, {...})"
    elif isinstance(value, (list, tuple, set, frozenset)) or hasattr(value, "__iter__"):
        hint = "; to log a list use run.log_list(name, values)"
    raise ValidationError(
        f"{where}: value {short_repr(value)} of type {type(value).__name__} is not a scalar; "
        f"expected int, float, bool, str or None{hint}"
    )


def merge_class(current: str | None, new: str | None, where: str, value: Any) -> str | None:
    """The value class of a series after adding a value of class `new`."""
    if new is None or new == current:
        return current
    if current is None:
        return new
    raise ValidationError(
        f"{where}: value {short_repr(value)} is a {new}, but this metric is a series of "
        f"{current} values; log it under another name"
    )


def scalar_list(
    values: Iterable[Any], where: str, current: str | None
) -> tuple[list[Any], str | None]:
    """Check every element of a list metric; return the list and the resulting class."""
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
        raise ValidationError(
            f"{where}: value {short_repr(values)} of type {type(values).__name__} is not a "
            "list; expected a list, tuple or other iterable of scalars"
        )
    items = values.tolist() if hasattr(values, "tolist") else list(values)
    if not isinstance(items, list):
        items = [items]
    if all(type(v) is float for v in items):
        return items, merge_class(current, NUMBER if items else None, where, None)
    out = []
    cls = current
    for position, item in enumerate(items):
        converted, item_cls = scalar(item, f"{where} element {position}")
        cls = merge_class(cls, item_cls, f"{where} element {position}", converted)
        out.append(converted)
    return out, cls


def row(columns: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Check the cells of one `log_row` call."""
    if not columns:
        raise ValidationError(f"{where}: no columns given; expected at least one column=value")
    out = {}
    for key, cell in columns.items():
        check_name(key, "column name")
        out[key] = scalar(cell, f"{where} column {key!r}")[0]
    return out


def table(value: Any, where: str) -> dict[str, list[Any]]:
    """Check the columns of one `log_table` call: a dict of equal-length lists."""
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{where}: value {short_repr(value)} of type {type(value).__name__} is not a dict; "
            "expected a dict of equal-length column lists, e.g. {'x': [1, 2], 'y': [3, 4]}"
        )
    if not value:
        raise ValidationError(f"{where}: the dict has no columns; expected at least one")
    out: dict[str, list[Any]] = {}
    lengths: dict[str, int] = {}
    for key, column in value.items():
        check_name(key, "column name")
        if hasattr(column, "tolist") and not isinstance(column, (str, bytes)):
            column = column.tolist()
        if not isinstance(column, (list, tuple)):
            raise ValidationError(
                f"{where}: column {key!r} is {short_repr(column)} of type "
                f"{type(column).__name__}; expected a list of scalars"
            )
        out[key] = [
            scalar(cell, f"{where} column {key!r} row {i}")[0] for i, cell in enumerate(column)
        ]
        lengths[key] = len(column)
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{k!r}: {n}" for k, n in lengths.items())
        raise ValidationError(
            f"{where}: columns have different lengths ({described}); expected equal lengths"
        )
    return out


def step(value: Any, where: str) -> int:
    if type(value) is int:
        return check_int(value, f"{where}: step")
    converted = _from_numpy(value)
    if isinstance(converted, int) and not isinstance(converted, bool):
        return check_int(int(converted), f"{where}: step")
    raise ValidationError(
        f"{where}: step {short_repr(value)} of type {type(value).__name__} is not an int; "
        "expected a whole number (or None for the next index)"
    )


def check_count(count: int, limit: int, what: str, doing: str) -> None:
    """`ValidationError` if a run would have more than `limit` tags or properties."""
    if count > limit:
        raise ValidationError(f"{doing} {count} {what}; a run has at most {limit} {what}")


def _check_length(text: str, what: str) -> str:
    if len(text) > MAX_VALUE_LENGTH:
        raise ValidationError(
            f"{what} {short_repr(text)} is {len(text)} characters long; the limit is "
            f"{MAX_VALUE_LENGTH} (upload longer text as a file with run.upload_file)"
        )
    return text


def tag_value(key: str, value: Any) -> str | None:
    """A tag's value as stored: text, or None for a tag set without a value (as Azure)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _check_length(check_text(value, f"tag {key!r}: value"), f"tag {key!r}: value")
    converted = _from_numpy(value)
    if isinstance(converted, (bool, int, float)):
        return str(converted)
    raise ValidationError(
        f"tag {key!r}: value {short_repr(value)} of type {type(value).__name__} is not a "
        "string; expected a str (or a number, stored as its text)"
    )


def tags(given: Any) -> dict[str, str | None]:
    """Check the tags of one `set_tags` call (the count first: it is the cheap check)."""
    if not isinstance(given, Mapping):
        raise ValidationError(f"set_tags expects a dict of tags, got {short_repr(given)}")
    check_count(len(given), MAX_TAGS, "tags", "set_tags got")
    return {check_name(key, "tag name"): tag_value(key, value) for key, value in given.items()}


def properties(given: Any) -> dict[str, Any]:
    """Check the properties of one `add_properties` call."""
    if not isinstance(given, Mapping):
        raise ValidationError(f"add_properties expects a dict, got {short_repr(given)}")
    check_count(len(given), MAX_PROPERTIES, "properties", "add_properties got")
    return {
        check_name(key, "property name"): property_value(key, value) for key, value in given.items()
    }


def property_value(key: str, value: Any) -> Any:
    converted, _ = scalar(value, f"property {key!r}")
    if isinstance(converted, str):
        _check_length(converted, f"property {key!r}: value")
    return converted
