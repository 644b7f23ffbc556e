"""Packing metric points into columnar chunks (bytes) and back.

A chunk holds the steps (int64), times (float64) and values of consecutive
points of one metric. Values are packed as float64, int64 or bool arrays when
every value has that type, and as JSON otherwise (strings, None, rows,
tables, mixed ints and floats), so each value comes back with its own type.
`struct` packs and the `array` module unpacks: both are fast and keep numpy
out of `import runwatch`.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from typing import Any

F8 = "f8"
I8 = "i8"
B1 = "b1"
JSON = "json"

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_SWAP = sys.byteorder != "little"  # chunks are little-endian on every machine


def _pack(code: str, items: Any) -> bytes:
    """`items` as little-endian int64 (`code` "q") or float64 ("d"); `struct` with
    one format for the whole list is about twice as fast as filling an `array`."""
    try:
        return struct.pack(f"<{len(items)}{code}", *items)
    except struct.error as error:  # out of range or not a number: the store refuses it
        raise OverflowError(f"cannot pack metric points: {error}") from None


def _unpack(typecode: str, blob: bytes) -> list[Any]:
    unpacked = array(typecode)
    unpacked.frombytes(blob)
    if _SWAP:
        unpacked.byteswap()
    return unpacked.tolist()


def pack_steps(steps: list[int]) -> bytes:
    return _pack("q", steps)


def unpack_steps(blob: bytes) -> list[int]:
    return _unpack("q", blob)


def pack_times(times: list[float]) -> bytes:
    return _pack("d", times)


def unpack_times(blob: bytes) -> list[float]:
    return _unpack("d", blob)


def pack_values(values: list[Any]) -> tuple[str, bytes]:
    """Choose the tightest encoding that returns every value unchanged."""
    types = list(map(type, values))  # one C pass; counting in it is cheap
    n = len(values)
    if types.count(float) == n:
        return F8, _pack("d", values)
    if types.count(int) == n and min(values) >= _INT64_MIN and max(values) <= _INT64_MAX:
        return I8, _pack("q", values)
    if types.count(bool) == n:
        return B1, bytes(values)
    return JSON, json.dumps(values, allow_nan=True, separators=(",", ":")).encode()


def unpack_values(encoding: str, blob: bytes) -> list[Any]:
    if encoding == F8:
        return _unpack("d", blob)
    if encoding == I8:
        return _unpack("q", blob)
    if encoding == B1:
        return [b != 0 for b in blob]
    if encoding == JSON:
        result: list[Any] = json.loads(blob)
        return result
    raise ValueError(f"unknown chunk encoding {encoding!r}")


def dump_json(value: Any) -> str:
    return json.dumps(value, allow_nan=True, separators=(",", ":"))


def load_json(text: str | bytes | None) -> Any:
    return None if text is None else json.loads(text)


def load_value(text: str | None) -> Any:
    """`load_json` for one metric value: numbers (the common case) parsed directly."""
    if text is None:
        return None
    if text[:1] in ('"', "{", "[", "t", "f", "n"):  # strings, rows, tables, true, false, null
        return json.loads(text)
    if "." in text or "e" in text or "E" in text or "N" in text or "I" in text:
        return float(text)  # 0.5, 1e-3, NaN, Infinity, -Infinity
    return int(text)
