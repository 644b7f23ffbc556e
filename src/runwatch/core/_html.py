"""Compact HTML tables for `_repr_html_`; every user string is escaped."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime, timezone
from html import escape

from runwatch.core._records import RunInfo

_STYLE = "border-collapse:collapse;font-family:sans-serif;font-size:13px"


def timestamp(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _row(cells: Iterable[object], tag: str = "td") -> str:
    inner = "".join(
        f"<{tag} style='padding:2px 8px;text-align:left'>{escape(str(cell))}</{tag}>"
        for cell in cells
    )
    return f"<tr>{inner}</tr>"


_RUN_HEADER = ("Experiment", "Id", "Number", "Type", "Status", "Started", "Ended", "Duration")


def _run_cells(info: RunInfo, now: float) -> tuple[object, ...]:
    return (
        info.experiment,
        info.id,
        info.number,
        info.run_type,
        info.status,
        timestamp(info.start_time),
        timestamp(info.end_time),
        duration(info.duration(now)),
    )


def run_table(info: RunInfo) -> str:
    now = time.time()
    return f"<table style='{_STYLE}'>{_row(_RUN_HEADER, 'th')}{_row(_run_cells(info, now))}</table>"


def experiment_table(name: str, workspace: str, summary: str, runs: list[RunInfo]) -> str:
    now = time.time()
    head = (
        f"<div style='font-family:sans-serif;font-size:13px'><b>Experiment</b> "
        f"{escape(name)} &middot; workspace {escape(workspace)} &middot; {escape(summary)}</div>"
    )
    rows = "".join(_row(_run_cells(info, now)) for info in runs)
    return f"{head}<table style='{_STYLE}'>{_row(_RUN_HEADER, 'th')}{rows}</table>"
