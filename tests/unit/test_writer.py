"""The background writer, tested in real subprocesses: periodic flushes and exit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from _waiting import wait_until

from runwatch import Experiment, Run, Workspace

SETUP = """
    from runwatch import Workspace, Experiment
    ws = Workspace.from_config(".")
    exp = Experiment(ws, "exit")
"""


def _python(body: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run SETUP then `body` in a fresh interpreter in `cwd`."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SETUP) + textwrap.dedent(body)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "RUNWATCH_QUIET": "1"},
    )


def test_the_background_writer_flushes_without_being_asked(run: Run) -> None:
    # How soon (every RUNWATCH_FLUSH_INTERVAL, 0.5 s): benchmarks/flush.py measures it.
    run.log("x", 1.0)

    def stored() -> bool:
        return run.workspace.store.get_metric(run.id, "x") is not None

    assert wait_until(stored, timeout=30)  # no flush(), no complete(), no exit


def test_exit_completes_open_runs_and_flushes(ws: Workspace, tmp_path: Path) -> None:
    ws.write_config(tmp_path)
    result = _python(
        """
        run = exp.start_logging()
        for i in range(1000):
            run.log("loss", float(i))
        print(run.id)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    run = Run(Experiment(ws, "exit"), result.stdout.strip())
    assert run.get_status() == "Completed"
    assert run.get_metrics("loss")["loss"] == [float(i) for i in range(1000)]


def test_exit_on_an_uncaught_exception_fails_open_runs(ws: Workspace, tmp_path: Path) -> None:
    ws.write_config(tmp_path)
    result = _python(
        """
        run = exp.start_logging()
        run.log("loss", 1.0)
        print(run.id, flush=True)
        raise RuntimeError("diverged")
        """,
        tmp_path,
    )
    assert result.returncode == 1
    run = Run(Experiment(ws, "exit"), result.stdout.strip())
    details = run.get_details()
    assert details["status"] == "Failed"
    assert details["error"]["error"]["type"] == "RuntimeError"
    assert "diverged" in details["error"]["error"]["message"]
    assert run.get_metrics("loss")["loss"] == 1.0


def test_forked_child_logs_its_own_points_only(ws: Workspace, tmp_path: Path) -> None:
    ws.write_config(tmp_path)
    result = _python(
        """
        import os
        run = exp.start_logging()
        run.log("parent", 1.0)       # pending in the parent when it forks
        pid = os.fork()
        if pid == 0:
            run.log("child", 2.0)
            run.flush()
            os._exit(0)
        os.waitpid(pid, 0)
        run.complete()
        print(run.id)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    run = Run(Experiment(ws, "exit"), result.stdout.strip())
    assert run.get_metrics() == {"parent": 1.0, "child": 2.0}
