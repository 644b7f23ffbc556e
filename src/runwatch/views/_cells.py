"""What every view shows for a value, decided once: table cells, and the not-found error.

JSON has no NaN or infinity, and a run whose loss became NaN must not look like a
run that logged nothing, so a non-finite float is shown by name: "NaN",
"Infinity", "-Infinity" (the names JavaScript prints). Lists, dicts and other
non-scalars are shown as their JSON text.

>>> [cell(float("nan")), cell(-float("inf")), cell(1.5), cell(None), cell([1, 2])]
['NaN', '-Infinity', 1.5, None, '[1,2]']
"""

from __future__ import annotations

import math
from typing import Any

from runwatch.core import _codec
from runwatch.errors import RunwatchError

Cell = str | float | int | bool | None


class NotFoundError(RunwatchError, LookupError):
    """The experiment, run or file a request names does not exist."""


def cell(value: Any) -> Cell:
    """`value` as a JSON-safe table cell (see the module's docstring)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return _codec.dump_json(value)
