"""HyperDriveConfig, as in azureml.train.hyperdrive.runconfig."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from runwatch.core._records import RunType
from runwatch.core._values import short_repr
from runwatch.errors import ValidationError
from runwatch.submit._script import ScriptRunConfig, reject_options
from runwatch.submit.sweep._policy import _Policy, policy_to_json
from runwatch.submit.sweep._run import HyperDriveRun, PrimaryMetricGoal, submit_sweep
from runwatch.submit.sweep._sampling import (
    GridParameterSampling,
    RandomParameterSampling,
    grid_size,
)

if TYPE_CHECKING:
    from runwatch.tracking._experiment import Experiment


class HyperDriveConfig:
    """A sweep: trials of `run_config` with sampled parameters, ranked by a primary metric."""

    def __init__(
        self,
        run_config: ScriptRunConfig,
        hyperparameter_sampling: GridParameterSampling | RandomParameterSampling,
        primary_metric_name: str,
        primary_metric_goal: str,
        max_total_runs: int | None = None,
        max_concurrent_runs: int | None = None,
        policy: _Policy | None = None,
        max_duration_minutes: float | None = None,
    ) -> None:
        if not isinstance(run_config, ScriptRunConfig):
            raise ValidationError(
                f"run_config {short_repr(run_config)} must be a runwatch.ScriptRunConfig"
            )
        if not isinstance(
            hyperparameter_sampling, (GridParameterSampling, RandomParameterSampling)
        ):
            raise ValidationError(
                f"hyperparameter_sampling {short_repr(hyperparameter_sampling)} must be a "
                "GridParameterSampling or RandomParameterSampling"
            )
        if not isinstance(primary_metric_name, str) or not primary_metric_name:
            raise ValidationError(
                f"primary_metric_name {short_repr(primary_metric_name)} must be a str"
            )
        if primary_metric_goal not in (PrimaryMetricGoal.MINIMIZE, PrimaryMetricGoal.MAXIMIZE):
            raise ValidationError(
                f"primary_metric_goal {short_repr(primary_metric_goal)} must be "
                "PrimaryMetricGoal.MINIMIZE or PrimaryMetricGoal.MAXIMIZE"
            )
        sampling = hyperparameter_sampling.to_json()
        if max_total_runs is None:
            if sampling["kind"] != "grid":
                raise ValidationError("random sampling needs max_total_runs")
            max_total_runs = grid_size(sampling)
        for name, value in (
            ("max_total_runs", max_total_runs),
            ("max_concurrent_runs", max_concurrent_runs),
        ):
            if value is not None and (type(value) is not int or value < 1):
                raise ValidationError(f"{name} {short_repr(value)} must be an int >= 1")
        if sampling["kind"] == "grid":
            max_total_runs = min(max_total_runs, grid_size(sampling))
        self.run_config = run_config
        self.hyperparameter_sampling = hyperparameter_sampling
        self.primary_metric_name = primary_metric_name
        self.primary_metric_goal = primary_metric_goal
        self.max_total_runs = max_total_runs
        self.max_concurrent_runs = max_concurrent_runs or max_total_runs
        self.policy = policy
        self.max_duration_minutes = max_duration_minutes

    def to_definition(self) -> dict[str, Any]:
        return {
            "kind": RunType.SWEEP,
            "sampling": self.hyperparameter_sampling.to_json(),
            "primary_metric_name": self.primary_metric_name,
            "primary_metric_goal": self.primary_metric_goal,
            "max_total_runs": self.max_total_runs,
            "max_concurrent_runs": self.max_concurrent_runs,
            "policy": policy_to_json(self.policy),
            "max_duration_minutes": self.max_duration_minutes,
            "compute": {"kind": "sweep", "name": "sweeps", "slots": 1_000_000},
        }

    def _submit(
        self, experiment: Experiment, tags: Mapping[str, Any] | None = None, **options: Any
    ) -> HyperDriveRun:
        """`experiment.submit(config)`: queue the sweep's parent run."""
        reject_options(options)
        return submit_sweep(experiment, self, tags)
