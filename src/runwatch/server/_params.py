"""Query parameters of the REST API, parsed into the service's typed arguments.

Every problem raises `ValidationError` naming the parameter, the value and
what was expected; the handlers turn it into a 400 answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._entities import RunQuery, TableQuery, check_column_key
from ..errors import ValidationError

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
        self.raw = raw

    def many(self, name: str) -> list[str]:
        return list(self.raw.get(name, ()))

    def one(self, name: str) -> str | None:
        values = self.many(name)
        if len(values) > 1:
            raise ValidationError(
                f"query parameter {name!r} is given {len(values)} times ({values!r}); "
                "expected it once"
            )
        return values[0] if values else None

    def integer(self, name: str, default: int, low: int, high: int | None = None) -> int:
        text = self.one(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f">= {low}"
            raise ValidationError(f"{name}={text!r} is not an integer {bounds}")
        return value

    def since(self) -> int | None:
        return self.integer("since", -1, 0) if self.one("since") is not None else None


def _filters(args: QueryArgs) -> tuple[tuple[str, ...], tuple[tuple[str, str | None], ...]]:
    """(statuses, tags) of the listing parameters `status` and `tag`."""
    statuses = tuple(s.strip() for value in args.many("status") for s in value.split(",") if s)
    tags: list[tuple[str, str | None]] = []
    for tag in args.many("tag"):
        key, sep, value = tag.partition("=")
        if not key:
            raise ValidationError(f"tag={tag!r} names no tag; expected 'key' or 'key=value'")
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
        text=args.one("q") or "",
        sort=args.one("sort") or "active",
        descending=_descending(args),
        offset=args.integer("offset", 0, 0),
        limit=args.integer("limit", 50, 1, RunQuery.MAX_LIMIT),
        metric=args.one("metric") or None,
    )


def table_query(args: QueryArgs, experiment: str, *, paged: bool = True) -> TableQuery:
    """The `TableQuery` of a dashboard route's parameters (see `_wire.RunsTable`);
    without `paged`, every row (the CSV export)."""
    statuses, tags = _filters(args)
    sort = args.one("sort") or "number"
    check_column_key(sort, "sort")
    return TableQuery(
        experiment=experiment,
        parent_id=args.one("parent") or None,
        statuses=statuses,
        tags=tags,
        text=args.one("q") or "",
        sort=sort,
        descending=_descending(args),
        offset=args.integer("offset", 0, 0) if paged else 0,
        limit=(
            args.integer("limit", DEFAULT_TABLE_LIMIT, 1, TableQuery.MAX_LIMIT) if paged else None
        ),
    )


def axis(args: QueryArgs, name: str) -> str:
    """The column key of the scatter parameter `x` or `y` (required)."""
    key = args.one(name)
    if not key:
        raise ValidationError(f"query parameter {name!r} is missing; expected a column key")
    return check_column_key(key, name)


def overlay_runs(args: QueryArgs) -> list[str]:
    runs = [run for value in args.many("run") for run in value.split(",") if run]
    if not 1 <= len(runs) <= MAX_OVERLAY_RUNS:
        raise ValidationError(
            f"run is given {len(runs)} times; an overlay shows 1 to {MAX_OVERLAY_RUNS} runs "
            "(repeat run=<id>, or separate ids with commas)"
        )
    return runs
