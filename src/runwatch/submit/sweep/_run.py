"""The parent run of a sweep (`HyperDriveRun`), its goal, and submitting a sweep.

As in azureml.train.hyperdrive.run: `PrimaryMetricGoal` and the run whose
children are the trials, ranked by the primary metric. The trials are run by
the local agent's sweep controller (`runwatch.agent`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwatch.artifacts import _snapshots as _snapshot
from runwatch.core import _ranking
from runwatch.core._records import RunStatus, RunType
from runwatch.submit import _launcher
from runwatch.submit._script import queue_run
from runwatch.tracking._run import Run, register_run_class

if TYPE_CHECKING:
    from runwatch.submit.sweep._config import HyperDriveConfig
    from runwatch.tracking._experiment import Experiment


class PrimaryMetricGoal:
    MINIMIZE = "MINIMIZE"
    MAXIMIZE = "MAXIMIZE"


def submit_sweep(
    experiment: Experiment, config: HyperDriveConfig, tags: Mapping[str, Any] | None = None
) -> HyperDriveRun:
    trial = config.run_config.to_definition()
    trial["arguments"] = _without_swept(trial["arguments"], config.hyperparameter_sampling)
    trial["snapshot"] = _snapshot.take(
        Path(trial["source_directory"]), experiment.workspace.artifacts
    )
    definition = {**config.to_definition(), "trial": trial}
    run = queue_run(
        experiment,
        definition,
        run_type=RunType.SWEEP,
        tags=tags,
        properties={
            "primary_metric_name": config.primary_metric_name,
            "primary_metric_goal": config.primary_metric_goal,
            "max_total_runs": config.max_total_runs,
            "max_concurrent_runs": config.max_concurrent_runs,
            "snapshotId": trial["snapshot"],
        },
    )
    _launcher.ensure_running(experiment.workspace)
    return HyperDriveRun(run.experiment, run.id)


def _without_swept(arguments: list[str], sampling: Any) -> list[str]:
    """The script's arguments less those the sweep sets: the sampled value wins, as
    in Azure, with a warning naming the arguments it replaces."""
    swept = {name.lstrip("-") for name in sampling.parameter_space}
    kept: list[str] = []
    replaced: list[str] = []
    position = 0
    while position < len(arguments):
        argument = arguments[position]
        if argument.startswith("-") and argument.lstrip("-") in swept:
            replaced.append(argument)
            following = arguments[position + 1] if position + 1 < len(arguments) else None
            takes_value = following is not None and not following.startswith("--")
            position += 2 if takes_value else 1
            continue
        kept.append(argument)
        position += 1
    if replaced:
        warnings.warn(
            f"the script arguments {replaced} are also in the sweep's parameter space; "
            "each trial gets the sampled value instead",
            stacklevel=4,
        )
    return kept


class HyperDriveRun(Run):
    """The parent run of a sweep, with its trials ranked by the primary metric."""

    def _primary(self) -> tuple[str, bool]:
        props = self.get_properties()
        return str(props["primary_metric_name"]), props[
            "primary_metric_goal"
        ] == PrimaryMetricGoal.MAXIMIZE

    def get_children_sorted_by_primary_metric(
        self, top: int = 0, reverse: bool = False, discard_no_metric: bool = False
    ) -> list[dict[str, Any]]:
        """Trials best first: `{run_id, hyperparameters, best_primary_metric, status}`."""
        metric, maximize = self._primary()
        rows = []
        for child in self.get_children():
            stored = self._ws.store.read_metrics(child.id, [metric], with_steps=False)
            values = stored[metric][1].values if metric in stored else []
            best = _ranking.trial_value(values, "max" if maximize else "min")
            if best is None and discard_no_metric:
                continue
            rows.append(
                {
                    "run_id": child.id,
                    "hyperparameters": child.info.properties.get("hyperparameters"),
                    "best_primary_metric": best,
                    "status": child.info.status,
                }
            )
        with_metric = sorted(
            (r for r in rows if r["best_primary_metric"] is not None),
            key=lambda r: float(r["best_primary_metric"] or 0.0),
            reverse=maximize != reverse,
        )
        ordered = with_metric + [r for r in rows if r["best_primary_metric"] is None]
        return ordered[:top] if top else ordered

    def get_best_run_by_primary_metric(
        self, include_failed: bool = True, include_canceled: bool = True
    ) -> Run | None:
        """The trial with the best value of the primary metric, or None if none logged it."""
        for row in self.get_children_sorted_by_primary_metric(discard_no_metric=True):
            if not include_failed and row["status"] == RunStatus.FAILED:
                continue
            if not include_canceled and row["status"] == RunStatus.CANCELED:
                continue
            return Run(self.experiment, row["run_id"])
        return None

    def get_hyperparameters(self) -> dict[str, str]:
        """`{trial run id: its parameters as a JSON string}`, as Azure's HyperDriveRun
        returns them (`json.loads` one for a dict)."""
        return {
            child.id: str(child.info.properties["hyperparameters"])
            for child in self.get_children()
            if "hyperparameters" in child.info.properties
        }

    def get_metrics(self, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        """As in Azure ML: `{trial run id: its metrics}`; the sweep's own with `own=True`."""
        if kwargs.pop("own", False):
            return super().get_metrics(name, *args, **kwargs)
        return {child.id: child.get_metrics(name) for child in self.get_children()}


register_run_class(RunType.SWEEP, HyperDriveRun)
