"""The value a sweep's trial counts by, for every view.

A trial's primary metric is the best value it logged (the lowest for MINIMIZE,
the highest for MAXIMIZE), as `HyperDriveRun.get_best_run_by_primary_metric`
ranks trials (`core._ranking`). The sweep's tables, charts and summaries show
that value, labelled `BEST_LOGGED`, not a trial's latest value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runwatch.core import _ranking
from runwatch.core._records import RunInfo
from runwatch.tracking._workspace import Workspace

#: How a trial's value is named where it is shown.
BEST_LOGGED = "best logged value"


@dataclass(frozen=True)
class SweepMetric:
    """A sweep's primary metric and its goal."""

    name: str
    goal: _ranking.Goal

    @property
    def label(self) -> str:
        return f"{self.name} ({BEST_LOGGED})"


def sweep_metric(properties: Mapping[str, Any]) -> SweepMetric | None:
    """The primary metric of a run with a sweep's properties; None for any other run."""
    name = properties.get("primary_metric_name")
    goal = _ranking.goal_of(properties.get("primary_metric_goal"))
    if not isinstance(name, str) or not name or goal is None:
        return None
    return SweepMetric(name, goal)


def trial_index(info: RunInfo) -> int | None:
    """A sweep trial's index: the suffix of its id after `<sweep id>_` (as Azure's
    HyperDrive names child runs), else its `trial` property; None for neither."""
    if info.parent_id is not None and info.id.startswith(f"{info.parent_id}_"):
        tail = info.id[len(info.parent_id) + 1 :]
        if tail.isdigit():
            return int(tail)
    value = info.properties.get("trial")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def trial_label(info: RunInfo) -> str | None:
    """The one name of a sweep's trial in every view of the sweep ("Trial 7", its index,
    not its experiment-wide run number); None for a run without a trial index.

    Only for a run shown as a trial of its sweep (a child of a run with a primary metric,
    `sweep_metric`): elsewhere runs go by their run numbers."""
    index = trial_index(info)
    return None if index is None else f"Trial {index}"


def label_in_sweep(ws: Workspace, info: RunInfo) -> str | None:
    """`trial_label` of `info` if its parent is a sweep, else None; reads the parent."""
    if info.parent_id is None or of_parent(ws, info.parent_id) is None:
        return None
    return trial_label(info)


def of_parent(ws: Workspace, parent_id: str | None) -> SweepMetric | None:
    """The primary metric of the sweep `parent_id`; None without one."""
    if parent_id is None:
        return None
    return sweep_metric(ws.store.get_run(parent_id).properties)


def trial_values(
    ws: Workspace, run_ids: Sequence[str], metric: SweepMetric
) -> dict[str, float | None]:
    """Each trial's value (the best it logged of `metric`), by run id; one store read."""
    if not run_ids:
        return {}
    return {
        info.id: _ranking.trial_value(points.values, metric.goal)
        for info, _info, points in ws.store.read_metric_of_runs(list(run_ids), metric.name)
    }


def best_trial(
    infos: Sequence[RunInfo], values: Mapping[str, float | None], metric: SweepMetric
) -> str | None:
    """The id of the best trial by `values` (the lowest number wins a tie)."""
    return _ranking.best_run(((i.id, i.number, values.get(i.id)) for i in infos), metric.goal)
