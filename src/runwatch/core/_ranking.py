"""Which value is best: decided here once, for the sweep, the REST API and the widgets.

A goal says whether the lowest or the highest value is best. It comes from a
sweep's `primary_metric_goal` for its primary metric, or from whoever asks
(a `goal=` query parameter, a picker in a view); it is never guessed from a
metric's name (`mape`, `brier_score` and `heatmap_loss` say nothing about
their direction).

>>> best_run([("a", 1, 0.5), ("b", 2, 0.25), ("c", 3, 0.25)], "min")
'b'
>>> trial_value([3.0, 1.0, 2.0], "min")
1.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from runwatch.core import _automl

Goal = Literal["min", "max"]

#: A sweep's `primary_metric_goal` property (Azure ML's names) as a goal.
SWEEP_GOALS: dict[str, Goal] = {"MINIMIZE": "min", "MAXIMIZE": "max"}


def goal_of(text: object) -> Goal | None:
    """ "min"/"max" or Azure's "MINIMIZE"/"MAXIMIZE" as a goal; None for anything else."""
    if text in ("min", "max"):
        return text
    return SWEEP_GOALS.get(text) if isinstance(text, str) else None


def sweep_goal(properties: Mapping[str, Any], metric: str) -> Goal | None:
    """The goal for `metric` of a sweep or an AutoML search (its run's properties): a
    sweep's for its primary metric; a search's for each metric of its task, whose
    direction Azure defines."""
    if properties.get("primary_metric_name") == metric:
        return goal_of(properties.get("primary_metric_goal"))
    task = str(properties.get(_automl.TASK_PROPERTY))
    if properties.get(_automl.PRIMARY_PROPERTY) and metric in _automl.METRICS.get(task, ()):
        return "max" if _automl.maximize(metric) else "min"
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def better(value: float, than: float | None, goal: Goal) -> bool:
    """Whether `value` beats `than` (None: nothing yet) by `goal`."""
    return than is None or (value < than if goal == "min" else value > than)


def trial_value(values: Sequence[Any], goal: Goal) -> float | None:
    """The value a trial is ranked by: the best of what it logged for the metric.

    As Azure ML's HyperDrive ranks children by their best primary metric.
    Values that are not finite numbers are left out; None if none is left.
    """
    best: float | None = None
    for value in values:
        number = _number(value)
        if number is not None and better(number, best, goal):
            best = number
    return best


def best_run(candidates: Iterable[tuple[str, int, Any]], goal: Goal | None) -> str | None:
    """The id of the best of `(run id, run number, value)`; the lowest number wins a tie.

    None without a goal or without a finite number among the values.
    """
    if goal is None:
        return None
    best_id: str | None = None
    best_value: float | None = None
    for run_id, _number_of_run, value in sorted(candidates, key=lambda c: c[1]):
        number = _number(value)
        if number is not None and better(number, best_value, goal):
            best_id, best_value = run_id, number
    return best_id
