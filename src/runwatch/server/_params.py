"""Query parameters of the REST API, parsed into the service's typed arguments.

Every problem raises `ValidationError` naming the parameter, the value and
what was expected; the handlers turn it into a 400 answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from runwatch.core._queries import RunQuery, TableQuery, check_column_key
from runwatch.core._values import INT64_MAX, MAX_NAME_LENGTH, MAX_VALUE_LENGTH, short_repr
from runwatch.errors import ValidationError

#: Parameters any route accepts: the server's own token parameter.
ALWAYS_ALLOWED = frozenset({"token"})
RUN_LISTING = ("since", "status", "tag", "q", "sort", "order", "offset", "limit", "metric")
METRICS = ("since", "budget", "name")
TABLE_FILTERS = ("parent", "status", "tag", "q")
TABLE = ("since", *TABLE_FILTERS, "sort", "order", "offset", "limit")
TABLE_CSV = (*TABLE_FILTERS, "sort", "order")
SCATTER = ("since", *TABLE_FILTERS, "x", "y")
OVERLAY = ("since", "metric", "run", "budget")
DEFAULT_TABLE_LIMIT, DEFAULT_OVERLAY_BUDGET, MAX_OVERLAY_RUNS = 100, 500, 50
LOG = ("name", "offset", "max_bytes")
MIN_BUDGET, MAX_BUDGET, DEFAULT_BUDGET = 16, 10_000, 2000
MAX_LOG_BYTES, DEFAULT_LOG_BYTES = 4 << 20, 65536
_ORDERS = {"asc": False, "desc": True}
# Bounds of every parameter (documented in openapi.json), so that no request reaches the
# store with what it cannot answer (an int64 overflow, a LIKE pattern or an SQL expression
# too large) and none costs the server more than a page of work.
MAX_REPEATS = 100  # times any parameter may be given
MAX_LENGTH = 16_384  # characters of any value (a deep child's run id grows with its depth)
MAX_OFFSET = 1_000_000_000  # rows into a listing
MAX_TEXT = 500  # characters of `q`
MAX_TAG_FILTERS = 20
MAX_NAMES = 100  # `name` of the metrics route
MAX_METRIC_NAME = MAX_NAME_LENGTH
MAX_COLUMN_KEY = len("property:") + MAX_NAME_LENGTH


class QueryArgs:
    """The query parameters of one request, checked against the names a route takes."""

    def __init__(self, raw: Mapping[str, Sequence[str]], allowed: Sequence[str]) -> None:
        # JupyterLab's request helper appends a bare timestamp (`?1764290000000`) to defeat
        # caches; such a key with no value is not a parameter.
        raw = {k: v for k, v in raw.items() if not (k.isdigit() and all(x == "" for x in v))}
        unknown = sorted(set(raw) - set(allowed) - ALWAYS_ALLOWED)
        if unknown:
            expected = f"one of {sorted(allowed)}" if allowed else "none"
            raise ValidationError(
                f"unknown query parameter {unknown[0]!r}; this route takes {expected}"
            )
        for name, values in raw.items():
            self._bound(name, values, MAX_REPEATS)
            for value in values:
                _length(name, value, MAX_LENGTH)
        self.raw = raw

    @staticmethod
    def _bound(name: str, values: Sequence[str], most: int) -> None:
        if len(values) > most:
            raise ValidationError(
                f"query parameter {name!r} is given {len(values)} times; expected at most {most}"
            )

    def many(self, name: str, most: int = MAX_REPEATS) -> list[str]:
        values = list(self.raw.get(name, ()))
        self._bound(name, values, most)
        return values

    def text(self, name: str, most: int) -> str | None:
        """The parameter given once, of at most `most` characters."""
        value = self.one(name)
        return value if value is None else _length(name, value, most)

    def one(self, name: str) -> str | None:
        values = self.many(name)
        if len(values) > 1:
            raise ValidationError(
                f"query parameter {name!r} is given {len(values)} times ({values!r}); "
                "expected it once"
            )
        return values[0] if values else None

    def integer(self, name: str, default: int, low: int, high: int = INT64_MAX) -> int:
        text = self.one(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:  # not digits, or more than Python converts
            value = None
        if value is None or not low <= value <= high:
            raise ValidationError(
                f"{name}={short_repr(text)} is not an integer from {low} to {high}"
            )
        return value

    def since(self) -> int | None:
        return self.integer("since", -1, 0) if self.one("since") is not None else None


def _length(name: str, value: str, most: int) -> str:
    if len(value) > most:
        raise ValidationError(
            f"{name}={short_repr(value)} is {len(value)} characters long; expected at most {most}"
        )
    return value


def _filters(args: QueryArgs) -> tuple[tuple[str, ...], tuple[tuple[str, str | None], ...]]:
    """(statuses, tags) of the listing parameters `status` and `tag`."""
    statuses = tuple(
        dict.fromkeys(s.strip() for value in args.many("status") for s in value.split(",") if s)
    )
    tags: list[tuple[str, str | None]] = []
    for tag in args.many("tag", MAX_TAG_FILTERS):
        key, sep, value = tag.partition("=")
        if not key:
            raise ValidationError(f"tag={tag!r} names no tag; expected 'key' or 'key=value'")
        if len(key) > MAX_NAME_LENGTH or len(value) > MAX_VALUE_LENGTH:
            raise ValidationError(
                f"tag={short_repr(tag)} is too long; a tag name has at most {MAX_NAME_LENGTH} "
                f"characters and a value at most {MAX_VALUE_LENGTH}"
            )
        tags.append((key, value if sep else None))
    return statuses, tuple(tags)


def _descending(args: QueryArgs) -> bool:
    order = args.one("order") or "desc"
    if order not in _ORDERS:
        raise ValidationError(f"order={order!r} is not one of {list(_ORDERS)}")
    return _ORDERS[order]


def run_query(
    args: QueryArgs, *, experiment: str | None = None, parent_id: str | None = None
) -> RunQuery:
    """The `RunQuery` of a run listing's parameters (see `_wire.RunPage`)."""
    statuses, tags = _filters(args)
    return RunQuery(
        experiment=experiment,
        parent_id=parent_id,
        statuses=statuses,
        tags=tags,
        text=args.text("q", MAX_TEXT) or "",
        sort=args.one("sort") or "active",
        descending=_descending(args),
        offset=args.integer("offset", 0, 0, MAX_OFFSET),
        limit=args.integer("limit", 50, 1, RunQuery.MAX_LIMIT),
        metric=args.text("metric", MAX_METRIC_NAME) or None,
    )


def table_query(args: QueryArgs, experiment: str, *, paged: bool = True) -> TableQuery:
    """The `TableQuery` of a dashboard route's parameters (see `_wire.RunsTable`);
    without `paged`, every row (the CSV export)."""
    statuses, tags = _filters(args)
    sort = args.text("sort", MAX_COLUMN_KEY) or "number"
    check_column_key(sort, "sort")
    return TableQuery(
        experiment=experiment,
        parent_id=args.one("parent") or None,
        statuses=statuses,
        tags=tags,
        text=args.text("q", MAX_TEXT) or "",
        sort=sort,
        descending=_descending(args),
        offset=args.integer("offset", 0, 0, MAX_OFFSET) if paged else 0,
        limit=(
            args.integer("limit", DEFAULT_TABLE_LIMIT, 1, TableQuery.MAX_LIMIT) if paged else None
        ),
    )


def axis(args: QueryArgs, name: str) -> str:
    """The column key of the scatter parameter `x` or `y` (required)."""
    key = args.text(name, MAX_COLUMN_KEY)
    if not key:
        raise ValidationError(f"query parameter {name!r} is missing; expected a column key")
    return check_column_key(key, name)


def overlay_runs(args: QueryArgs) -> list[str]:
    runs = [run for value in args.many("run", MAX_OVERLAY_RUNS) for run in value.split(",") if run]
    if not 1 <= len(runs) <= MAX_OVERLAY_RUNS:
        raise ValidationError(
            f"run is given {len(runs)} times; an overlay shows 1 to {MAX_OVERLAY_RUNS} runs "
            "(repeat run=<id>, or separate ids with commas)"
        )
    return runs


def metric_names(args: QueryArgs) -> list[str]:
    """The `name` parameters of the metrics route (at most MAX_NAMES)."""
    return [_length("name", name, MAX_METRIC_NAME) for name in args.many("name", MAX_NAMES)]
