"""Running a sweep: the controller, inside the local agent.

The controller keeps up to `max_concurrent_runs` trials queued or running,
each a child script run given its parameters as arguments (`--name value`)
and recorded as properties. As trials log their primary metric it applies
the early termination policy, stopping trials with a recorded reason. As
trials finish, the parent logs `best_metric` (best so far) and a `trials`
row per finished trial. When every trial has ended the parent completes;
canceling the parent cancels its live trials.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping
from typing import Any

from runwatch.agent._jobs import RunJob
from runwatch.core import _ranking
from runwatch.core._records import EARLY_TERMINATION_PROPERTY, RunInfo, RunStatus, RunType
from runwatch.errors import RunStateError, ValidationError
from runwatch.submit._script import queue_run
from runwatch.submit.sweep._policy import MedianStoppingPolicy, evaluate, policy_from_json
from runwatch.submit.sweep._run import PrimaryMetricGoal
from runwatch.submit.sweep._sampling import trials
from runwatch.tracking._run import Run
from runwatch.tracking._workspace import Workspace

_LOOP = 0.1


def _arguments(parameters: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for name, value in parameters.items():
        out += [name if name.startswith("-") else f"--{name}", str(value)]
    return out


def _clean(name: str) -> str:
    return name.lstrip("-")


class SweepController(RunJob):
    kind = RunType.SWEEP

    def __init__(self, workspace: Workspace, run_id: str) -> None:
        super().__init__(workspace, run_id)
        self._recorded: set[str] = set()  # trials already logged on the parent
        self._best: float | None = None
        self._stopped: dict[str, str] = {}  # trial id -> why the policy stopped it
        self._evaluated: dict[str, int] = {}  # trial id -> last interval the policy checked
        self._final_series: dict[str, list[float]] = {}  # finished trials' metric values

    def _main(self) -> None:
        try:
            self._sweep()
        except Exception as error:  # the sweep ends visibly rather than hanging
            with contextlib.suppress(RunStateError):
                self.store.set_status(
                    self.run_id,
                    RunStatus.FAILED,
                    error={
                        "code": "SystemError",
                        "type": type(error).__name__,
                        "message": str(error),
                    },
                )
        finally:
            # Let go of the parent, as drivers do: wait_for_completion returns only then.
            self.store.set_owner(self.run_id, None)

    def _sweep(self) -> None:
        definition = self.store.get_definition(self.run_id)
        assert definition is not None
        parent = Run.get(self.ws, self.run_id)
        self.store.set_status(self.run_id, RunStatus.RUNNING)
        parent._refresh()
        planned = trials(definition["sampling"], definition["max_total_runs"])
        metric = definition["primary_metric_name"]
        maximize = definition["primary_metric_goal"] == PrimaryMetricGoal.MAXIMIZE
        policy = policy_from_json(definition["policy"])
        created = 0
        while True:
            info = self.store.get_run(self.run_id)
            children = self.store.get_children(self.run_id)
            live = [c for c in children if not c.is_final]
            if info.cancel_requested:
                for child in live:
                    self.store.request_cancel(child.id)
                if not live:
                    self.store.set_status(self.run_id, RunStatus.CANCELED)
                    return
            else:
                while created < len(planned) and len(live) < definition["max_concurrent_runs"]:
                    self._queue_trial(parent, definition, created, planned[created])
                    created += 1
                    live.append(self.store.get_children(self.run_id)[-1])
            series = self._series(children, metric)
            if policy is not None:
                running = {c.id for c in children if c.status == RunStatus.RUNNING}
                stops = evaluate(
                    policy,
                    series,
                    maximize,
                    uses_average=isinstance(policy, MedianStoppingPolicy),
                    evaluated=self._evaluated,
                )
                for trial_id, reason in stops.items():
                    if trial_id in running and trial_id not in self._stopped:
                        self._stop(parent, trial_id, reason)
            self._record_finished(parent, children, series, maximize)
            if created >= len(planned) and not live:
                break
            time.sleep(_LOOP)
        self._finish(parent, self.store.get_children(self.run_id), metric)

    def _queue_trial(
        self, parent: Run, definition: dict[str, Any], index: int, parameters: dict[str, Any]
    ) -> None:
        trial = dict(definition["trial"])
        trial["arguments"] = [*trial["arguments"], *_arguments(parameters)]
        queue_run(
            parent.experiment,
            trial,
            run_type=RunType.SCRIPT,
            parent_id=self.run_id,
            properties={
                "hyperparameters": json.dumps({_clean(k): v for k, v in parameters.items()}),
                **{f"param.{_clean(k)}": v for k, v in parameters.items()},
                "trial": index,
            },
        )

    def _series(self, children: list[RunInfo], metric: str) -> dict[str, list[float]]:
        series: dict[str, list[float]] = {}
        for child in children:
            if child.id in self._final_series:  # a finished trial logs nothing more
                series[child.id] = self._final_series[child.id]
                continue
            stored = self.store.read_metrics(child.id, [metric], with_steps=False)
            values = stored[metric][1].values if metric in stored else []
            series[child.id] = [float(v) for v in values if isinstance(v, (int, float))]
            if child.is_final:
                self._final_series[child.id] = series[child.id]
        return series

    def _stop(self, parent: Run, trial_id: str, reason: str) -> None:
        """Ask the agent to stop a trial; the reason is recorded if it ends Canceled."""
        self._stopped[trial_id] = reason
        self.store.request_cancel(trial_id)

    def _record_finished(
        self, parent: Run, children: list[RunInfo], series: dict[str, list[float]], maximize: bool
    ) -> None:
        logged = False
        for child in children:
            if not child.is_final or child.id in self._recorded:
                continue
            self._recorded.add(child.id)
            reason = self._stopped.get(child.id)
            if reason is not None and child.status == RunStatus.CANCELED:
                with contextlib.suppress(ValidationError):
                    self.store.add_properties(child.id, {EARLY_TERMINATION_PROPERTY: reason})
                parent.log_row("early_terminations", run_id=child.id, reason=reason)
            values = series.get(child.id, [])
            goal: _ranking.Goal = "max" if maximize else "min"
            best_of_child = _ranking.trial_value(values, goal)
            if best_of_child is not None and _ranking.better(best_of_child, self._best, goal):
                self._best = best_of_child
            if self._best is not None:
                parent.log("best_metric", self._best)
            parent.log_row(
                "trials",
                run_id=child.id,
                number=child.number,
                status=child.status,
                primary_metric=best_of_child,
            )
            logged = True
        if logged:
            parent.flush()

    def _finish(self, parent: Run, children: list[RunInfo], metric: str) -> None:
        if self._best is None:
            parent.tag("note", f"no trial reported the primary metric {metric!r}; nothing to rank")
        statuses = [c.status for c in children]
        parent.tag("trials", ", ".join(f"{statuses.count(s)} {s}" for s in sorted(set(statuses))))
        with contextlib.suppress(RunStateError):
            status, error = _outcome(children, self._stopped)
            self.store.set_status(self.run_id, status, error=error)


def _outcome(
    children: list[RunInfo], stopped: Mapping[str, str]
) -> tuple[str, dict[str, Any] | None]:
    """The sweep's final status and error from its trials.

    A sweep whose every trial failed (trials the policy stopped aside) has
    produced nothing to rank: it fails, with the first failed trial's error, so
    no view shows a green badge over an empty chart.
    """
    ran = [c for c in children if c.id not in stopped]
    failed = [c for c in ran if c.status == RunStatus.FAILED]
    if not ran or len(failed) < len(ran):
        return RunStatus.COMPLETED, None
    first = min(failed, key=lambda c: c.number)
    cause = first.error or {}
    message = str(cause.get("message") or "no error was recorded")
    return RunStatus.FAILED, {
        "code": "UserError",
        "type": "AllTrialsFailed",
        "message": f"all {len(failed)} trials failed; the first, run {first.number} "
        f"({first.id}), with: {message}",
        "trial": first.id,
    }
