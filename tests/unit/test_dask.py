"""Runs on a Dask cluster (DaskCompute, the agent's DaskJob, the worker task), against a real one.

Two clusters, both on loopback with two workers of two threads:
`cluster`, a Dask scheduler and `dask worker --nworkers 2` as subprocesses,
as `dask scheduler` / `dask worker` would run on a cluster; and
`local_cluster`, a `distributed.LocalCluster` (worker processes) started in
the test process. Most tests use the first; the sweep, sweep-cancel and
lost-worker tests run on both (`each_cluster`). The clusters and the local
agents share the test's SQLite store and artifact folder. The tests run in
one xdist group so each cluster starts once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _procs import dask_cluster, free_port
from _waiting import driver_log, wait_final, wait_for_line, wait_gone

import runwatch
from _parts import require
from runwatch import ConfigError, DaskCompute, Experiment, Run, RunStatus, ScriptRunConfig
from runwatch.agent._dask_worker import run_on_worker
from runwatch.hyperdrive import GridParameterSampling, HyperDriveConfig, PrimaryMetricGoal, choice
from runwatch.submit._script import queue_run
from runwatch.tracking import _liveness

pytestmark = [
    pytest.mark.xdist_group("dask"),
    pytest.mark.filterwarnings("ignore:GitWildMatchPattern:DeprecationWarning"),
]

_SRC = str(Path(runwatch.__file__).resolve().parent.parent)


class Cluster:
    def __init__(self, address: str, client: Any) -> None:
        self.address = address
        self.client = client

    def worker_pids(self) -> dict[str, int]:
        """{worker address: pid of the worker process} of the workers now connected."""
        pids: dict[str, int] = self.client.run(os.getpid)
        return pids


#: What the workers (and the scripts they start) need: this checkout's runwatch first.
_WORKER_ENV = {
    "PYTHONPATH": os.pathsep.join(p for p in (_SRC, os.environ.get("PYTHONPATH")) if p),
    "RUNWATCH_CANCEL_GRACE": "1",
    "RUNWATCH_QUIET": "1",
}
_WORKERS, _THREADS = 2, 2


@pytest.fixture(scope="module", autouse=True)
def _dask() -> None:
    """Every test here needs Dask: skipped or failed, naming it, before any cluster starts."""
    require("dask")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A scheduler and two workers as subprocesses (`dask scheduler`, `dask worker`)."""
    with dask_cluster(
        tmp_path_factory.mktemp("dask"),
        _WORKERS,
        _THREADS,
        env={**os.environ, **_WORKER_ENV},
        worker_args=("--death-timeout", "60"),
    ) as (address, client):
        yield Cluster(address, client)


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[Cluster]:
    """A `distributed.LocalCluster` with two worker processes, started in this process."""
    import distributed  # the optional extra, there once `_dask` has passed

    with (
        distributed.LocalCluster(
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            processes=True,
            n_workers=_WORKERS,
            threads_per_worker=_THREADS,
            env=_WORKER_ENV,  # the nannies set it in their worker processes
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
    ):
        client.wait_for_workers(_WORKERS, timeout=30)
        yield Cluster(local.scheduler_address, client)


@pytest.fixture(params=["subprocesses", "LocalCluster"])
def each_cluster(request: pytest.FixtureRequest) -> Cluster:
    """Both clusters in turn: the subprocesses' and the LocalCluster."""
    name = "cluster" if request.param == "subprocesses" else "local_cluster"
    found: Cluster = request.getfixturevalue(name)
    found.client.wait_for_workers(_WORKERS, timeout=30)  # a killed worker's restart
    return found


@pytest.fixture
def ws(agent_ws: runwatch.Workspace) -> runwatch.Workspace:
    return agent_ws


def _config(src: Path, body: str, target: Any, **config: Any) -> ScriptRunConfig:
    (src / "train.py").write_text(textwrap.dedent(body))
    return ScriptRunConfig(src, "train.py", compute_target=target, **config)


# --- a script on a worker -----------------------------------------------------------------


def test_a_script_runs_on_a_worker_with_metrics_logs_and_outputs(
    exp: Experiment, src: Path, cluster: Cluster, tmp_path: Path
) -> None:
    gate = tmp_path / "go"  # opened once submit() has returned
    config = _config(
        src,
        f"""
        import os, pathlib, sys, time
        for _ in range(1200):
            if pathlib.Path({str(gate)!r}).exists():
                break
            time.sleep(0.05)
        else:
            sys.exit("the test never opened the gate")
        from runwatch import Run
        run = Run.get_context()
        for loss in (0.5, 0.25):
            run.log("loss", loss)
        print("hello from", os.getppid(), flush=True)
        print("a warning", file=sys.stderr, flush=True)
        os.makedirs("outputs", exist_ok=True)
        with open("outputs/model.txt", "w") as f:
            f.write("weights")
        """,
        DaskCompute(cluster.address),
        arguments=["--lr", 0.1],
    )
    # submit() hands nothing over itself: it returns before the script can end.
    run = exp.submit(config)
    assert not RunStatus.is_final(run.get_status())
    gate.touch()
    seen = wait_final(run, timeout=60)
    assert seen[-1] == RunStatus.COMPLETED, driver_log(run)
    assert RunStatus.RUNNING in seen and RunStatus.NOT_RESPONDING not in seen
    details = run.wait_for_completion(poll_interval=0.05)
    assert details["status"] == RunStatus.COMPLETED
    assert details["target"] == "dask"
    assert run.get_metrics() == {"loss": [0.5, 0.25]}
    # The script ran under the worker process the run names.
    worker = run.get_properties()["daskWorker"]
    pid = cluster.worker_pids()[worker]
    log = driver_log(run)
    assert f"to the Dask scheduler at {cluster.address}" in log
    assert f"(Dask worker {worker}, pid {pid})" in log
    assert f"hello from {pid}\n" in log
    assert "[stderr] a warning\n" in log
    assert "train.py --lr 0.1" in log
    assert "outputs/model.txt" in run.get_file_names()
    target = src.parent / "model.txt"
    run.download_file("outputs/model.txt", str(target))
    assert target.read_text() == "weights"
    info = exp.workspace.store.get_run(run.id)
    assert info.owner_pid is None  # the worker let go of the finished run


def test_a_failing_script_ends_failed_with_its_error(
    exp: Experiment, src: Path, cluster: Cluster
) -> None:
    body = "print('starting', flush=True)\nraise ValueError('learning rate too high')\n"
    run = exp.submit(_config(src, body, DaskCompute(cluster.address)))
    assert wait_final(run)[-1] == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert error["code"] == "ScriptError"
    assert error["type"] == "ValueError"
    assert "learning rate too high" in error["message"]
    assert "starting" in driver_log(run)


def test_cancel_stops_the_script_and_its_children_on_the_worker(
    exp: Experiment, src: Path, cluster: Cluster
) -> None:
    pids = src.parent / "pids.txt"
    body = f"""
        import os, subprocess, time
        child = subprocess.Popen(["sleep", "60"])
        with open({str(pids)!r}, "w") as f:
            f.write(f"{{os.getpid()}} {{child.pid}}")
        print("ready", flush=True)
        time.sleep(60)
        """
    run = exp.submit(_config(src, body, DaskCompute(cluster.address)))
    wait_for_line(run, "ready")
    script, child = (int(p) for p in pids.read_text().split())
    run.cancel()
    assert wait_final(run, timeout=20)[-1] == RunStatus.CANCELED
    assert wait_gone([script, child]) == []
    assert "stopping the script: canceled on request" in driver_log(run)


# --- sweeps -------------------------------------------------------------------------------


def _sweep(trial: ScriptRunConfig, xs: int, concurrent: int) -> HyperDriveConfig:
    return HyperDriveConfig(
        run_config=trial,
        hyperparameter_sampling=GridParameterSampling({"--x": choice(*range(1, xs + 1))}),
        primary_metric_name="score",
        primary_metric_goal=PrimaryMetricGoal.MAXIMIZE,
        max_concurrent_runs=concurrent,
    )


def test_a_20_trial_sweep_runs_its_trials_on_the_workers(
    exp: Experiment, src: Path, each_cluster: Cluster
) -> None:
    trial = _config(
        src,
        """
        import argparse
        from runwatch import Run
        parser = argparse.ArgumentParser()
        parser.add_argument("--x", type=int)
        x = parser.parse_args().x
        Run.get_context().log("score", -((x - 13) ** 2))
        """,
        DaskCompute(each_cluster.address),
    )
    parent = exp.submit(_sweep(trial, 20, 4))
    assert wait_final(parent, timeout=90)[-1] == RunStatus.COMPLETED
    children = exp.workspace.store.get_children(parent.id)
    assert [c.status for c in children] == [RunStatus.COMPLETED] * 20
    # Every trial ran on a worker of this cluster, and the two workers shared them.
    workers = [c.properties.get("daskWorker") for c in children]
    assert set(workers) == set(each_cluster.worker_pids())
    spans = [(c.start_time or 0.0, c.end_time or 0.0) for c in children]
    most_at_once = max(sum(s <= t < e for s, e in spans) for t, _ in spans)
    assert most_at_once <= 4
    best = parent.get_best_run_by_primary_metric()  # type: ignore[attr-defined]
    assert best is not None and best.get_properties()["param.x"] == 13
    assert best.get_metrics("score") == {"score": 0}
    assert parent.get_metrics("best_metric", own=True)["best_metric"][-1] == 0
    assert len(parent.get_metrics("trials", own=True)["trials"]["run_id"]) == 20


def test_canceling_a_sweep_stops_its_running_trials_on_the_workers(
    exp: Experiment, src: Path, each_cluster: Cluster
) -> None:
    pids = src.parent / "pids"
    pids.mkdir()
    trial = _config(
        src,
        f"""
        import argparse, os, subprocess, time
        parser = argparse.ArgumentParser()
        parser.add_argument("--x", type=int)
        x = parser.parse_args().x
        child = subprocess.Popen(["sleep", "60"])
        with open(os.path.join({str(pids)!r}, f"{{x}}.tmp"), "w") as f:
            f.write(f"{{os.getpid()}} {{child.pid}}")
        os.rename(os.path.join({str(pids)!r}, f"{{x}}.tmp"), os.path.join({str(pids)!r}, str(x)))
        time.sleep(60)
        """,
        DaskCompute(each_cluster.address),
    )
    # Six trials at a time on four worker threads: four run, two wait for a thread.
    parent = exp.submit(_sweep(trial, 20, 6))
    store = exp.workspace.store
    deadline = time.monotonic() + 30
    while len(started := sorted(pids.glob("[0-9]*"))) < 4:
        assert time.monotonic() < deadline, f"{len(started)} trials started"
        time.sleep(0.05)
    time.sleep(0.5)  # a fifth would have started by now if it could
    running = {int(p.name): [int(pid) for pid in p.read_text().split()] for p in started}
    children = store.get_children(parent.id)
    assert len(running) == 4 and len(children) == 6
    # The agent handed the other two to the scheduler; no worker has taken them.
    waiting = [c for c in children if "daskWorker" not in c.properties]
    assert len(waiting) == 2 and not any(c.is_final for c in waiting)

    parent.cancel()
    alive = wait_gone([pid for group in running.values() for pid in group], timeout=30)
    assert alive == [], "trial scripts or their children outlived the cancel"

    assert wait_final(parent, timeout=20)[-1] == RunStatus.CANCELED
    children = store.get_children(parent.id)
    assert len(children) == 6  # no trial queued after the cancel
    assert [c.status for c in children] == [RunStatus.CANCELED] * 6
    for child in children:
        log = driver_log(Run(exp, child.id))
        if child.id in {c.id for c in waiting}:  # never started
            assert "$ " not in log, log
        else:
            assert "stopping the script: canceled on request" in log, log
    assert sorted(pids.glob("[0-9]*")) == started  # the waiting trials wrote no pid


# --- clear errors -------------------------------------------------------------------------


def test_without_distributed_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(ConfigError, match=r"pip install runwatch\[dask\]"):
        DaskCompute("tcp://127.0.0.1:8786")


def test_an_unreachable_scheduler_is_named_at_submit(exp: Experiment, src: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    config = _config(src, "print('never')\n", DaskCompute(address))
    with pytest.raises(ConfigError, match=f"cannot reach the Dask scheduler at {address}"):
        exp.submit(config)
    assert exp.workspace.store.list_active() == []


def test_a_scheduler_gone_before_the_agent_connects_fails_the_run(
    exp: Experiment, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runwatch.submit import _dask_compute

    monkeypatch.setenv("RUNWATCH_DASK_TIMEOUT", "1")  # for the agent, which inherits it
    address = f"tcp://127.0.0.1:{free_port()}"
    # As if the scheduler answered at submit and stopped before the agent connected.
    monkeypatch.setattr(_dask_compute, "_check_reachable", lambda address, timeout: None)
    run = exp.submit(_config(src, "print('never')\n", DaskCompute(address)))
    assert wait_final(run, timeout=20)[-1] == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert error["code"] == "DaskError"
    assert f"cannot reach the Dask scheduler at {address}" in error["message"]
    assert run.wait_for_completion(raise_on_error=False)["status"] == RunStatus.FAILED


def test_a_worker_that_cannot_reach_the_store_fails_the_run_with_its_error(
    exp: Experiment, src: Path, cluster: Cluster, tmp_path: Path
) -> None:
    # The workers' view of the store: a file that is not there, as on a machine
    # without the submitter's filesystem.
    elsewhere = f"sqlite:///{tmp_path}/not-mounted/runwatch.db"
    target = DaskCompute(cluster.address, store=elsewhere)
    run = exp.submit(_config(src, "print('never')\n", target))
    assert wait_final(run, timeout=20)[-1] == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert error["code"] == "DaskWorkerError"
    assert "the Dask worker tcp://127.0.0.1:" in error["message"]
    assert f"cannot reach the store {elsewhere}: no such file on the worker" in error["message"]
    assert not (tmp_path / "not-mounted").exists()  # no empty store made on the worker
    assert "never" not in driver_log(run)
    assert run.wait_for_completion(raise_on_error=False)["status"] == RunStatus.FAILED


def test_bad_dask_compute_arguments_are_named() -> None:
    with pytest.raises(runwatch.ValidationError, match="slots 0 must be an int >= 1"):
        DaskCompute("tcp://127.0.0.1:8786", slots=0)
    with pytest.raises(runwatch.ValidationError, match="address '' must be a scheduler address"):
        DaskCompute("")


# --- a lost worker (last: the nanny restarts the worker under a new address) ----------------


def test_a_retried_task_does_not_start_the_script_again(exp: Experiment) -> None:
    """Dask retries the task of a lost worker elsewhere; that retry only ends the run."""
    store = exp.workspace.store
    definition = {
        "kind": "script",
        "snapshot": "none",
        "script": "train.py",
        "command": None,
        "arguments": [],
        "compute": {"kind": "dask", "name": "dask-retry", "slots": 1},
    }
    queued = queue_run(exp, definition)
    claimed = store.claim_queued("dask-retry", 1, _liveness.this_process())
    assert claimed is not None and claimed.id == queued.id
    store.add_properties(queued.id, {"daskWorker": "tcp://10.0.0.9:40000"})  # the lost one
    ws = exp.workspace
    handed_by = list(_liveness.this_process())
    status = run_on_worker(ws.name, ws.store_url, ws.artifacts_url, queued.id, handed_by)
    assert status == RunStatus.FAILED
    info = store.get_run(queued.id)
    assert info.error is not None and info.error["code"] == "DaskWorkerLost"
    assert (
        "the Dask worker tcp://10.0.0.9:40000 running this run was lost" in (info.error["message"])
    )
    assert "Dask retried it on" in info.error["message"]
    assert info.owner_pid is None
    assert "preparing run" not in driver_log(queued)


def test_a_killed_worker_fails_its_run_with_a_clear_error(
    exp: Experiment, src: Path, each_cluster: Cluster
) -> None:
    pid_file = src.parent / "script.pid"
    body = f"""
        import os, time
        with open({str(pid_file)!r}, "w") as f:
            f.write(str(os.getpid()))
        print("ready", flush=True)
        time.sleep(60)
        """
    run = exp.submit(_config(src, body, DaskCompute(each_cluster.address)))
    wait_for_line(run, "ready")
    script = int(pid_file.read_text())
    worker = run.get_properties()["daskWorker"]
    try:
        os.kill(each_cluster.worker_pids()[worker], signal.SIGKILL)
        # Without a reader on the worker's machine (no liveness check here), the
        # agent sees the worker leave the scheduler and ends the run.
        store = exp.workspace.store
        deadline = time.monotonic() + 15
        while not (info := store.get_run(run.id)).is_final:
            assert time.monotonic() < deadline, f"run still {info.status}"
            time.sleep(0.05)
        assert info.status == RunStatus.FAILED
        assert info.error is not None and info.error["code"] == "DaskWorkerLost"
        assert f"the Dask worker {worker} running this run was lost" in info.error["message"]
        assert run.get_status() == RunStatus.FAILED
        assert run.wait_for_completion(raise_on_error=False)["status"] == RunStatus.FAILED
    finally:
        # The script outlives its worker (its own session); stop it here.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(script, signal.SIGKILL)
