"""An AutoML search on a Dask cluster: the search process runs on a worker."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from _waiting import driver_log
from sklearn.datasets import load_wine

import runwatch
from _parts import require
from runwatch import Experiment, RunStatus
from runwatch.automl import AutoMLConfig


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    require("dask")
    import distributed

    with distributed.LocalCluster(
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        processes=True,
        n_workers=1,
        threads_per_worker=1,
        env={"RUNWATCH_QUIET": "1"},
    ) as cluster:
        yield cluster.scheduler_address


def test_a_search_on_a_dask_worker(agent_ws: runwatch.Workspace, scheduler: str) -> None:
    X, y = load_wine(return_X_y=True, as_frame=True)
    config = AutoMLConfig(
        task="classification",
        X=X,
        y=y,
        n_cross_validations=3,
        iterations=3,
        enable_voting_ensemble=False,
        enable_stack_ensemble=False,
        compute_target=runwatch.DaskCompute(scheduler),
        seed=2,
    )
    run = Experiment(agent_ws, "automl-dask").submit(config)
    deadline = time.monotonic() + 180
    while not RunStatus.is_final(run.get_status()):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert run.get_status() == RunStatus.COMPLETED, run.get_details().get("error")
    children = list(run.get_children())
    assert len(children) == 3
    assert all(c.get_status() == RunStatus.COMPLETED for c in children)
    _, model = run.get_output()
    assert set(model.predict(X.head(30))) <= {0, 1, 2}
    assert "on the Dask worker tcp://127.0.0.1" in driver_log(run)


def test_canceling_a_search_on_a_dask_worker(agent_ws: runwatch.Workspace, scheduler: str) -> None:
    X, y = load_wine(return_X_y=True, as_frame=True)
    config = AutoMLConfig(
        task="classification",
        X=X,
        y=y,
        n_cross_validations=3,
        experiment_timeout_minutes=10,
        compute_target=runwatch.DaskCompute(scheduler),
        seed=2,
    )
    run = Experiment(agent_ws, "automl-dask-cancel").submit(config)
    deadline = time.monotonic() + 120
    while not any(c.get_status() == RunStatus.COMPLETED for c in run.get_children()):
        assert time.monotonic() < deadline, "no iteration finished"
        time.sleep(0.2)
    run.cancel()
    deadline = time.monotonic() + 60
    while not RunStatus.is_final(run.get_status()):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert run.get_status() == RunStatus.CANCELED
    assert all(RunStatus.is_final(c.get_status()) for c in run.get_children())
