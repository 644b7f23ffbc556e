"""A run's descendants at any depth, in one statement and without recursion in Python."""

from __future__ import annotations

from runwatch.core._records import RunInfo
from runwatch.store._sql_common import RUN_COLUMNS, RUN_FROM, Connection, run_info

# The tree is walked by the database (a recursive query over the parent index), not by
# one query per run: a sweep of a thousand trials, or a chain thousands of levels deep,
# is one statement.
_DESCENDANTS = (
    "WITH RECURSIVE tree (id) AS ("
    " SELECT id FROM runs WHERE parent_id = ?"
    " UNION ALL SELECT c.id FROM runs c JOIN tree t ON c.parent_id = t.id"
    f") SELECT {RUN_COLUMNS} FROM {RUN_FROM} WHERE r.id IN (SELECT id FROM tree)"
)


def descendants(db: Connection, run_id: str) -> list[RunInfo]:
    """Every run below `run_id`, depth first: each child (in creation order) followed
    by its own descendants."""
    below: dict[str, list[RunInfo]] = {}
    for row in db.execute(_DESCENDANTS, (run_id,)).fetchall():
        info = run_info(row)
        below.setdefault(info.parent_id or "", []).append(info)
    for children in below.values():
        children.sort(key=lambda info: info.number)
    ordered: list[RunInfo] = []
    stack = list(reversed(below.get(run_id, [])))
    while stack:
        info = stack.pop()
        ordered.append(info)
        stack.extend(reversed(below.get(info.id, [])))
    return ordered
