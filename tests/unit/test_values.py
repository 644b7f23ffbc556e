"""Validation helpers: names, scalars, rows, tables, steps, tags."""

from __future__ import annotations

import numpy as np
import pytest

from runwatch import ValidationError
from runwatch.core._values import (
    check_name,
    merge_class,
    row,
    scalar,
    scalar_list,
    step,
    table,
    tag_value,
)


def test_scalar_classes() -> None:
    assert scalar(1, "w") == (1, "number")
    assert scalar(1.5, "w") == (1.5, "number")
    assert scalar(True, "w") == (True, "bool")
    assert scalar("s", "w") == ("s", "str")
    assert scalar(None, "w") == (None, None)
    assert scalar(np.int64(-(2**63)), "w") == (-(2**63), "number")
    assert scalar(np.float16(0.5), "w") == (0.5, "number")


def test_scalar_refuses_bytes_and_arrays() -> None:
    with pytest.raises(ValidationError, match="bytes"):
        scalar(np.bytes_(b"x"), "w")
    with pytest.raises(ValidationError, match="log_list"):
        scalar(np.array([1, 2]), "w")
    with pytest.raises(ValidationError, match="log_list"):
        scalar((1, 2), "w")


def test_merge_class() -> None:
    assert merge_class(None, "number", "w", 1) == "number"
    assert merge_class("number", None, "w", None) == "number"
    with pytest.raises(ValidationError, match="series of number"):
        merge_class("number", "str", "w", "x")


def test_scalar_list() -> None:
    assert scalar_list(range(3), "w", None) == ([0, 1, 2], "number")
    assert scalar_list([], "w", None) == ([], None)
    assert scalar_list([None, "a"], "w", None) == ([None, "a"], "str")
    with pytest.raises(ValidationError, match="element 1"):
        scalar_list([1, "a"], "w", None)
    with pytest.raises(ValidationError, match="not a list"):
        scalar_list({"a": 1}, "w", None)


def test_check_name() -> None:
    assert check_name("ok") == "ok"
    for bad in ("", "   ", "a\x00b", "x" * 256, None, 1.5):
        with pytest.raises(ValidationError):
            check_name(bad)


def test_row_and_table() -> None:
    assert row({"a": np.int32(1)}, "w") == {"a": 1}
    with pytest.raises(ValidationError, match="no columns"):
        row({}, "w")
    assert table({"a": (1, 2)}, "w") == {"a": [1, 2]}
    with pytest.raises(ValidationError, match="no columns"):
        table({}, "w")
    with pytest.raises(ValidationError, match="column 'a' row 1"):
        table({"a": [1, {}]}, "w")


def test_step_and_tags() -> None:
    assert step(np.int64(4), "w") == 4
    for bad in (1.5, True, "3"):
        with pytest.raises(ValidationError, match="step"):
            step(bad, "w")
    assert tag_value("k", None) is None  # a tag without a value, as Azure keeps it
    assert tag_value("k", 3) == "3"
    with pytest.raises(ValidationError, match="tag 'k'"):
        tag_value("k", [1])
