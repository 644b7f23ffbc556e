"""Packing metric points into chunks: the encoding chosen and exact round trips."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import pytest
from _canon import canon

from runwatch.core import _codec
from runwatch.core._codec import B1, F8, I8, JSON

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


CASES: dict[str, tuple[list[Any], str]] = {
    "empty": ([], F8),
    "floats": ([0.0, -0.0, 1.5, -2.25, 1e308, -1e308, 5e-324, 2.2250738585072014e-308], F8),
    "nan and inf": ([math.nan, math.inf, -math.inf, -0.0], F8),
    "ints": ([0, 1, -1, 42], I8),
    "int64 extremes": ([INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1], I8),
    "above int64": ([INT64_MAX + 1], JSON),
    "below int64": ([INT64_MIN - 1, 0], JSON),
    "huge ints": ([10**100, -(10**100)], JSON),
    "bools": ([True, False, True, True], B1),
    "strings": (["", "a", "ünïcødé ✓", '"quoted"\n', "NaN", "x" * 10_000], JSON),
    "none": ([None, None], JSON),
    "none mixed": ([None, 1.5, 2, "s", True], JSON),
    "ints and floats": ([1, 2.0, 3], JSON),
    "bool and int": ([True, 1, 0, False], JSON),
    "bool and float": ([1.0, False], JSON),
    "nan in json": ([math.nan, "x", -0.0, math.inf, -math.inf], JSON),
    "rows": ([{"a": 1, "b": "x"}, {"a": 2.5, "b": None, "c": math.nan}], JSON),
    "tables": ([{"col": [1, 2.5, None], "name": ["a", "b", "c"]}], JSON),
    "nested lists": ([[1, 2], [], [[True]]], JSON),
}


@pytest.mark.parametrize("case", list(CASES))
def test_values_round_trip(case: str) -> None:
    values, encoding = CASES[case]
    chosen, blob = _codec.pack_values(values)
    assert chosen == encoding
    assert isinstance(blob, bytes)
    back = _codec.unpack_values(chosen, blob)
    assert canon(back) == canon(values)


def test_float_bits_are_kept() -> None:
    values = [math.nan, -0.0, 0.1 + 0.2, 1 / 3]
    _, blob = _codec.pack_values(values)
    assert blob == struct.pack("<4d", *values)  # little-endian float64
    back = _codec.unpack_values(F8, blob)
    assert math.isnan(back[0])
    assert math.copysign(1.0, back[1]) == -1.0
    assert back[2:] == [0.1 + 0.2, 1 / 3]


def test_blob_layouts() -> None:
    assert _codec.pack_values([1, -2]) == (I8, struct.pack("<2q", 1, -2))
    assert _codec.pack_values([True, False, True]) == (B1, b"\x01\x00\x01")
    assert _codec.pack_values([1.5]) == (F8, struct.pack("<d", 1.5))
    assert _codec.pack_values([1, "a", None, math.nan]) == (JSON, b'[1,"a",null,NaN]')
    assert _codec.pack_values([{"a": 1}]) == (JSON, b'[{"a":1}]')


def test_ints_outside_int64_and_mixed_types_go_to_json() -> None:
    assert _codec.pack_values([1, 2**63]) == (JSON, b"[1,9223372036854775808]")
    assert _codec.pack_values([INT64_MIN - 1]) == (JSON, b"[-9223372036854775809]")
    assert _codec.pack_values([1.0, 2]) == (JSON, b"[1.0,2]")
    assert _codec.pack_values([True, 1]) == (JSON, b"[true,1]")
    assert _codec.pack_values([]) == (F8, b"")


def test_non_numbers_in_a_packed_column_are_refused() -> None:
    with pytest.raises(OverflowError, match="cannot pack metric points"):
        _codec.pack_times([1.0, "x"])  # type: ignore[list-item]


def test_b1_reads_any_nonzero_byte_as_true() -> None:
    assert _codec.unpack_values(B1, b"\x00\x01\x02\xff") == [False, True, True, True]
    assert _codec.unpack_values(B1, b"") == []


def test_unknown_encoding() -> None:
    with pytest.raises(ValueError, match="unknown chunk encoding 'zz'"):
        _codec.unpack_values("zz", b"")


@pytest.mark.parametrize(
    "steps", [[], [0], [0, 1, 2], [INT64_MIN, -1, 0, INT64_MAX], list(range(10_000))]
)
def test_steps_round_trip(steps: list[int]) -> None:
    blob = _codec.pack_steps(steps)
    assert blob == struct.pack(f"<{len(steps)}q", *steps)
    assert _codec.unpack_steps(blob) == steps


def test_steps_outside_int64_are_refused() -> None:
    with pytest.raises(OverflowError):
        _codec.pack_steps([INT64_MAX + 1])


@pytest.mark.parametrize(
    "times", [[], [0.0], [1_700_000_000.123456, 1_700_000_000.123457], [-0.0, 1e-300]]
)
def test_times_round_trip(times: list[float]) -> None:
    blob = _codec.pack_times(times)
    assert blob == struct.pack(f"<{len(times)}d", *times)
    assert canon(_codec.unpack_times(blob)) == canon(times)


def test_json_helpers() -> None:
    assert _codec.dump_json({"a": [1, 2.5, None]}) == '{"a":[1,2.5,null]}'
    assert _codec.dump_json(math.nan) == "NaN"
    assert _codec.dump_json(-math.inf) == "-Infinity"
    assert _codec.load_json(None) is None
    assert _codec.load_json("null") is None
    assert _codec.load_json(b'{"k":"v"}') == {"k": "v"}
    assert math.isnan(_codec.load_json("NaN"))
    assert canon(_codec.load_json(_codec.dump_json(-0.0))) == canon(-0.0)
    big = 2**100
    assert _codec.load_json(_codec.dump_json(big)) == big
    assert json.loads(_codec.dump_json("ünï")) == "ünï"
