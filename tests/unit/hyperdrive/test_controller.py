"""Real sweeps through the local agent (runwatch.agent._sweep_controller, HyperDriveRun)."""

from __future__ import annotations

import json
import math
import os
import signal
import textwrap
import time
from pathlib import Path

import pytest
from _waiting import process_gone, wait_gone, wait_until

import runwatch
from runwatch import Experiment, LocalCompute, Run, RunStatus, ScriptRunConfig, ValidationError
from runwatch.agent import _agent
from runwatch.hyperdrive import (
    BanditPolicy,
    GridParameterSampling,
    HyperDriveConfig,
    HyperDriveRun,
    MedianStoppingPolicy,
    PrimaryMetricGoal,
    RandomParameterSampling,
    choice,
    uniform,
)
from runwatch.submit.sweep._sampling import trials


@pytest.fixture
def ws(agent_ws: runwatch.Workspace) -> runwatch.Workspace:
    return agent_ws


def _values(metric: object) -> list[float]:
    """A metric's values: one value reads back as a scalar, as in Azure."""
    return metric if isinstance(metric, list) else [metric]  # type: ignore[list-item]


def _script(src: Path, body: str, **config: object) -> ScriptRunConfig:
    (src / "train.py").write_text(textwrap.dedent(body))
    return ScriptRunConfig(src, "train.py", **config)  # type: ignore[arg-type]


def _wait(run: Run, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while not RunStatus.is_final(status := run.get_status()):
        assert time.monotonic() < deadline, f"run {run.id} is still {status}"
        time.sleep(0.05)
    return status


def _max_overlap(runs: list[Run]) -> int:
    """The most runs that were running at one moment (from their start and end times)."""
    events: list[tuple[float, int]] = []
    for run in runs:
        info = run.info
        if info.start_time is not None and info.end_time is not None:
            events += [(info.start_time, 1), (info.end_time, -1)]
    running = most = 0
    for _, change in sorted(events, key=lambda e: (e[0], e[1])):
        running += change
        most = max(most, running)
    return most


# loss at epoch k (1-based) is alpha + 1/k: every alpha improves, smaller is better.
_EPOCHS = """
import argparse, sys, time
from runwatch import Run
parser = argparse.ArgumentParser()
parser.add_argument("--alpha", type=float, required=True)
args = parser.parse_args()
print("argv", sys.argv[1:], flush=True)
run = Run.get_context()
run.log("alpha", args.alpha)
for epoch in range(1, 9):
    run.log("loss", args.alpha + 1 / epoch)
    run.flush()
    time.sleep(0.12)
"""

_ALPHAS = [round(0.1 * i, 1) for i in range(1, 21)]


def test_a_grid_sweep_with_a_bandit_policy(exp: Experiment, src: Path) -> None:
    config = HyperDriveConfig(
        run_config=_script(src, _EPOCHS, compute_target=LocalCompute(slots=4)),
        hyperparameter_sampling=GridParameterSampling({"--alpha": choice(_ALPHAS)}),
        primary_metric_name="loss",
        primary_metric_goal=PrimaryMetricGoal.MINIMIZE,
        max_concurrent_runs=4,
        # Stop a trial more than 0.55 above the best at the same epoch: alpha >= 0.7.
        policy=BanditPolicy(slack_amount=0.55, evaluation_interval=1, delay_evaluation=1),
    )
    assert config.max_total_runs == 20
    parent = exp.submit(config, tags={"sweep": "alpha"})
    assert isinstance(parent, HyperDriveRun)
    assert parent.get_status() in (RunStatus.QUEUED, RunStatus.PREPARING, RunStatus.RUNNING)
    assert _wait(parent, timeout=80) == RunStatus.COMPLETED, parent.get_details()

    parent = Run.get(exp.workspace, parent.id)  # re-opened: still a HyperDriveRun
    assert isinstance(parent, HyperDriveRun)
    assert parent.type == "hyperdrive"
    assert parent.get_tags()["sweep"] == "alpha"
    children = list(parent.get_children())
    assert len(children) == 20
    assert [c.number for c in children] == sorted(c.number for c in children)

    alpha_of: dict[str, float] = {}
    for index, child in enumerate(children):
        props = child.get_properties()
        alpha = _ALPHAS[index]  # grid order
        alpha_of[child.id] = alpha
        assert props["param.alpha"] == alpha
        assert json.loads(props["hyperparameters"]) == {"alpha": alpha}
        assert props["trial"] == index
        assert props["arguments"] == f"--alpha {alpha}"
        assert props["snapshotId"] == parent.get_properties()["snapshotId"]
        assert child.get_status() in (RunStatus.COMPLETED, RunStatus.CANCELED)
        assert child.parent == parent

    # Never more than max_concurrent_runs trials at once, but several side by side.
    assert 2 <= _max_overlap(children) <= 4

    # The policy stopped bad alphas only, and said why.
    stopped = [c for c in children if c.get_status() == RunStatus.CANCELED]
    for child in stopped:
        reason = child.get_properties()["earlyTerminationReason"]
        assert reason.startswith("BanditPolicy: ") and "slack_amount 0.55" in reason
        assert alpha_of[child.id] >= 0.7, (alpha_of[child.id], reason)
        assert len(_values(child.get_metrics()["loss"])) < 8  # stopped before its last epoch
    for child in children:
        if alpha_of[child.id] <= 0.6:
            assert child.get_status() == RunStatus.COMPLETED
            assert "earlyTerminationReason" not in child.get_properties()
    assert len(stopped) >= 10, [alpha_of[c.id] for c in stopped]
    terminations = parent.get_metrics("early_terminations", own=True)["early_terminations"]
    assert sorted(terminations["run_id"]) == sorted(c.id for c in stopped)

    # best_metric: the best so far, never worse as trials finish.
    best = parent.get_metrics("best_metric", own=True)["best_metric"]
    best = best if isinstance(best, list) else [best]
    assert best == sorted(best, reverse=True)
    assert best[-1] == pytest.approx(0.1 + 1 / 8)
    table = parent.get_metrics("trials", own=True)["trials"]
    assert sorted(table["run_id"]) == sorted(c.id for c in children)
    assert parent.get_tags()["trials"] == (
        f"{len(stopped)} Canceled, {20 - len(stopped)} Completed" if stopped else "20 Completed"
    )

    # Ranking.
    best_run = parent.get_best_run_by_primary_metric()
    assert best_run is not None and alpha_of[best_run.id] == 0.1
    minimum = min(children, key=lambda c: min(_values(c.get_metrics("loss")["loss"])))
    assert best_run == minimum
    ranked = parent.get_children_sorted_by_primary_metric()
    assert len(ranked) == 20
    values = [row["best_primary_metric"] for row in ranked]
    assert values == sorted(values)
    assert ranked[0]["run_id"] == best_run.id
    assert json.loads(ranked[0]["hyperparameters"]) == {"alpha": 0.1}
    assert ranked[0]["status"] == RunStatus.COMPLETED
    assert [r["run_id"] for r in parent.get_children_sorted_by_primary_metric(top=3)] == [
        r["run_id"] for r in ranked[:3]
    ]
    worst_first = parent.get_children_sorted_by_primary_metric(reverse=True)
    assert [r["best_primary_metric"] for r in worst_first] == sorted(values, reverse=True)
    assert worst_first[-1]["run_id"] == best_run.id
    # As in Azure ML: each trial's parameters as JSON, by trial id.
    parameters = parent.get_hyperparameters()
    assert {k: json.loads(v) for k, v in parameters.items()} == {
        child_id: {"alpha": alpha} for child_id, alpha in alpha_of.items()
    }
    # As in Azure ML, a sweep's get_metrics() is per trial.
    per_trial = parent.get_metrics()
    assert set(per_trial) == {c.id for c in children}
    assert per_trial[best_run.id]["alpha"] == 0.1
    # Each trial got its parameters as arguments.
    for child in children[:3]:
        log = child.get_details_with_logs()["logFiles"]["logs/driver.log"]
        assert f"argv ['--alpha', '{alpha_of[child.id]}']" in log


def test_cancelling_the_sweep_cancels_its_live_trials(exp: Experiment, src: Path) -> None:
    config = HyperDriveConfig(
        run_config=_script(
            src,
            "import time\nprint('trial up', flush=True)\ntime.sleep(60)\n",
            compute_target=LocalCompute(slots=2),
        ),
        hyperparameter_sampling=GridParameterSampling({"--x": choice(1, 2, 3, 4)}),
        primary_metric_name="loss",
        primary_metric_goal=PrimaryMetricGoal.MINIMIZE,
        max_concurrent_runs=2,
    )
    parent = exp.submit(config)
    deadline = time.monotonic() + 30
    while (
        sum(c.get_status() == RunStatus.RUNNING for c in parent.get_children()) < 2
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert [c.get_status() for c in parent.get_children()] == [RunStatus.RUNNING] * 2
    parent.cancel()
    assert _wait(parent, timeout=15) == RunStatus.CANCELED
    children = list(parent.get_children())
    assert len(children) == 2  # no new trials after the cancel
    for child in children:
        assert _wait(child, timeout=10) == RunStatus.CANCELED
        assert "earlyTerminationReason" not in child.get_properties()
    time.sleep(0.5)
    assert len(list(parent.get_children())) == 2


def test_a_sweep_whose_metric_is_never_logged_still_finishes(exp: Experiment, src: Path) -> None:
    config = HyperDriveConfig(
        run_config=_script(
            src,
            "import sys\nfrom runwatch import Run\nRun.get_context().log('other', 1)\n",
        ),
        hyperparameter_sampling=GridParameterSampling({"--x": choice(1, 2)}),
        primary_metric_name="loss",
        primary_metric_goal=PrimaryMetricGoal.MINIMIZE,
        policy=MedianStoppingPolicy(),
    )
    parent = exp.submit(config)
    assert _wait(parent) == RunStatus.COMPLETED
    tags = parent.get_tags()
    assert "no trial reported the primary metric 'loss'" in tags["note"]
    assert tags["trials"] == "2 Completed"
    assert parent.get_best_run_by_primary_metric() is None
    rows = parent.get_children_sorted_by_primary_metric()
    assert [r["best_primary_metric"] for r in rows] == [None, None]
    assert parent.get_children_sorted_by_primary_metric(discard_no_metric=True) == []
    assert "best_metric" not in parent.get_metrics(own=True)


def test_a_sweep_whose_every_trial_failed_is_failed_with_the_first_error(
    exp: Experiment, src: Path
) -> None:
    config = HyperDriveConfig(
        run_config=_script(
            src, "import sys\nraise ImportError(f'no module for x={sys.argv[2]}')\n"
        ),
        hyperparameter_sampling=GridParameterSampling({"--x": choice(1, 2, 3)}),
        primary_metric_name="loss",
        primary_metric_goal=PrimaryMetricGoal.MINIMIZE,
    )
    parent = exp.submit(config)
    assert _wait(parent) == RunStatus.FAILED
    error = parent.get_details()["error"]["error"]
    first = min(parent.get_children(), key=lambda child: child.number)
    assert error["type"] == "AllTrialsFailed"
    assert error["trial"] == first.id
    assert "all 3 trials failed" in error["message"]
    assert f"no module for x={first.get_properties()['param.x']}" in error["message"]
    assert parent.get_tags()["trials"] == "3 Failed"


def test_a_sweep_with_one_good_trial_is_completed(exp: Experiment, src: Path) -> None:
    body = (
        "import sys\nfrom runwatch import Run\n"
        "if sys.argv[2] != '2':\n    raise ValueError('diverged')\n"
        "Run.get_context().log('loss', 0.5)\n"
    )
    config = HyperDriveConfig(
        run_config=_script(src, body),
        hyperparameter_sampling=GridParameterSampling({"--x": choice(1, 2, 3)}),
        primary_metric_name="loss",
        primary_metric_goal=PrimaryMetricGoal.MINIMIZE,
    )
    parent = exp.submit(config)
    assert _wait(parent) == RunStatus.COMPLETED
    assert parent.get_tags()["trials"] == "1 Completed, 2 Failed"


def test_wait_for_completion_returns_when_the_sweep_ends_not_when_the_agent_exits(
    exp: Experiment, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWATCH_AGENT_IDLE", "300")  # the agent outlives the sweep
    config = HyperDriveConfig(
        run_config=_script(src, "print('trial')\n"),
        hyperparameter_sampling=GridParameterSampling({"--x": choice(1)}),
        primary_metric_name="loss",
        primary_metric_goal=PrimaryMetricGoal.MINIMIZE,
    )
    parent = exp.submit(config)
    lock = _agent.lock_path(exp.workspace)
    assert wait_until(lambda: lock.exists() and lock.read_text().strip(), timeout=30)
    agent = int(lock.read_text())
    try:
        assert _wait(parent) == RunStatus.COMPLETED
        assert parent.wait_for_completion(poll_interval=0.05)["status"] == RunStatus.COMPLETED
        assert not process_gone(agent), "wait_for_completion waited for the agent to exit"
        assert exp.workspace.store.get_run(parent.id).owner_pid is None  # the controller let go
    finally:
        os.kill(agent, signal.SIGTERM)  # `kill <pid in agent.lock>`, as docs say
        assert wait_gone([agent], timeout=30) == []


_RANDOM = """
import argparse
from runwatch import Run
parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float)
parser.add_argument("--layers", type=int)
args = parser.parse_args()
if args.layers == 3:
    raise RuntimeError("three layers diverge")
Run.get_context().log("accuracy", args.lr * args.layers)
"""


def test_random_sampling_runs_max_total_runs_trials(exp: Experiment, src: Path) -> None:
    sampling = RandomParameterSampling(
        {"--lr": uniform(0.01, 0.1), "--layers": choice(1, 2, 3)}, seed=7
    )
    # "--layers" is also swept: as in Azure, the sampled value replaces the script's own.
    script = _script(src, _RANDOM, compute_target=LocalCompute(slots=3), arguments=["--layers", 9])
    config = HyperDriveConfig(
        run_config=script,
        hyperparameter_sampling=sampling,
        primary_metric_name="accuracy",
        primary_metric_goal=PrimaryMetricGoal.MAXIMIZE,
        max_total_runs=5,
        max_concurrent_runs=3,
    )
    with pytest.warns(UserWarning, match=r"\['--layers'\] are also in the sweep's parameter"):
        parent = exp.submit(config)
    assert _wait(parent) == RunStatus.COMPLETED
    children = list(parent.get_children())
    assert len(children) == 5
    planned = trials(sampling.to_json(), 5)  # the same seed draws the same trials
    for child, parameters in zip(children, planned, strict=True):
        props = child.get_properties()
        assert props["param.lr"] == parameters["--lr"]
        assert props["param.layers"] == parameters["--layers"]
        assert props["arguments"] == f"--lr {parameters['--lr']} --layers {parameters['--layers']}"
        assert 0.01 <= props["param.lr"] <= 0.1
        expected = RunStatus.FAILED if parameters["--layers"] == 3 else RunStatus.COMPLETED
        assert child.get_status() == expected
    assert any(p["--layers"] == 3 for p in planned) and any(p["--layers"] != 3 for p in planned)
    scores = {
        c.id: p["--lr"] * p["--layers"]
        for c, p in zip(children, planned, strict=True)
        if p["--layers"] != 3
    }
    best_run = parent.get_best_run_by_primary_metric()
    assert best_run is not None and best_run.id == max(scores, key=lambda k: scores[k])
    best = parent.get_metrics("best_metric", own=True)["best_metric"]
    best = best if isinstance(best, list) else [best]
    assert best == sorted(best)  # MAXIMIZE: never decreasing
    assert best[-1] == pytest.approx(max(scores.values()))
    ranked = parent.get_children_sorted_by_primary_metric(discard_no_metric=True)
    assert [r["best_primary_metric"] for r in ranked] == sorted(scores.values(), reverse=True)
    assert "Failed" in parent.get_tags()["trials"]


# --- HyperDriveConfig ---------------------------------------------------------------------------


def test_hyperdrive_config_validation(src: Path) -> None:
    run_config = _script(src, "print(1)\n")
    grid = GridParameterSampling({"--a": choice(1, 2, 3)})
    random_sampling = RandomParameterSampling({"--a": uniform(0, 1)})

    def make(**changes: object) -> HyperDriveConfig:
        arguments: dict[str, object] = {
            "run_config": run_config,
            "hyperparameter_sampling": grid,
            "primary_metric_name": "loss",
            "primary_metric_goal": PrimaryMetricGoal.MINIMIZE,
        }
        return HyperDriveConfig(**{**arguments, **changes})  # type: ignore[arg-type]

    assert make().max_total_runs == 3 and make().max_concurrent_runs == 3
    assert make(max_total_runs=10).max_total_runs == 3  # a grid has only so many trials
    assert make(max_total_runs=2, max_concurrent_runs=1).max_total_runs == 2
    with pytest.raises(ValidationError, match=r"run_config 'train.py' must be"):
        make(run_config="train.py")
    with pytest.raises(ValidationError, match="hyperparameter_sampling"):
        make(hyperparameter_sampling={"--a": choice(1)})
    with pytest.raises(ValidationError, match="primary_metric_name"):
        make(primary_metric_name="")
    with pytest.raises(ValidationError, match="primary_metric_goal 'min' must be"):
        make(primary_metric_goal="min")
    with pytest.raises(ValidationError, match="random sampling needs max_total_runs"):
        make(hyperparameter_sampling=random_sampling)
    for name, value in (("max_total_runs", 0), ("max_concurrent_runs", 1.5)):
        with pytest.raises(ValidationError, match=f"{name} .* must be an int >= 1"):
            make(**{name: value})
    definition = make(max_concurrent_runs=2).to_definition()
    assert definition["kind"] == "hyperdrive"  # the run type of a sweep
    assert definition["max_concurrent_runs"] == 2
    assert definition["policy"] is None
    assert math.isclose(make(max_duration_minutes=1.5).max_duration_minutes or 0, 1.5)


def test_a_bad_sweep_queues_nothing(exp: Experiment, src: Path) -> None:
    config = HyperDriveConfig(
        run_config=ScriptRunConfig(src, "missing.py"),
        hyperparameter_sampling=GridParameterSampling({"--a": choice(1)}),
        primary_metric_name="loss",
        primary_metric_goal=PrimaryMetricGoal.MINIMIZE,
    )
    with pytest.raises(ValidationError, match=r"script 'missing.py' does not exist"):
        exp.submit(config)
    assert list(exp.get_runs()) == []
