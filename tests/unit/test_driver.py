"""Running one submitted script (runwatch.agent._driver) through the real local agent.

Every test writes a small script into its own source folder, submits it to
its own workspace, and watches the real subprocesses.
"""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from _waiting import driver_log, process_gone, wait_final, wait_for_line

import runwatch
from runwatch import Experiment, Run, RunStatus, ScriptRunConfig, ValidationError

pytestmark = pytest.mark.filterwarnings("ignore:GitWildMatchPattern:DeprecationWarning")

ORDER = [
    RunStatus.QUEUED,
    RunStatus.PREPARING,
    RunStatus.RUNNING,
    RunStatus.FINALIZING,
    RunStatus.COMPLETED,
]


@pytest.fixture
def ws(agent_ws: runwatch.Workspace) -> runwatch.Workspace:
    return agent_ws


def _submit(exp: Experiment, src: Path, body: str, **config: Any) -> Run:
    (src / "train.py").write_text(textwrap.dedent(body))
    return exp.submit(ScriptRunConfig(src, "train.py", **config))


def _wait(run: Run, timeout: float = 30.0) -> list[str]:
    return wait_final(run, timeout)


# --- what a script sees and leaves ----------------------------------------------------------


def test_the_script_runs_as_the_submitted_run(exp: Experiment, src: Path) -> None:
    run = _submit(
        exp,
        src,
        """
        import os, sys
        from runwatch import Run
        run = Run.get_context()
        print("context", run.id, run.experiment.name)
        print("argv", sys.argv[1:])
        print("cwd", os.getcwd())
        run.log("alpha", float(sys.argv[2]))
        for i in range(50):
            run.log("loss", 1 / (i + 1))
        os.makedirs("outputs/sub", exist_ok=True)
        with open("outputs/model.txt", "w") as f:
            f.write("weights")
        with open("outputs/sub/extra.txt", "w") as f:
            f.write("more")
        open("scratch.txt", "w").write("left in the working folder")
        """,
        arguments=["--alpha", 0.5, "--epochs", 3],
    )
    assert _wait(run)[-1] == RunStatus.COMPLETED, driver_log(run)
    log = driver_log(run)
    assert f"context {run.id} unit" in log
    assert "argv ['--alpha', '0.5', '--epochs', '3']" in log
    workdir = Path(log.split("cwd ", 1)[1].splitlines()[0])
    assert workdir != src and workdir.name.startswith(f"runwatch-{run.id}-")
    deadline = time.monotonic() + 30  # only to stop waiting
    while workdir.exists():  # a fresh folder, removed once the run has ended
        assert time.monotonic() < deadline, f"{workdir} was left behind"
        time.sleep(0.05)
    assert not (src / "scratch.txt").exists() and not (src / "outputs").exists()
    metrics = run.get_metrics()
    assert metrics["alpha"] == 0.5
    assert len(metrics["loss"]) == 50  # flushed at the script's exit
    names = run.get_file_names()
    assert {"outputs/model.txt", "outputs/sub/extra.txt", "logs/driver.log"} <= set(names)
    assert "scratch.txt" not in names
    run.download_file("outputs/model.txt", str(src.parent / "model.txt"))
    assert (src.parent / "model.txt").read_text() == "weights"
    properties = run.get_properties()
    assert properties["script"] == "train.py"
    assert properties["arguments"] == "--alpha 0.5 --epochs 3"
    assert run.type == "script"
    assert run.get_details()["target"] == "local"


def test_a_command_runs_with_the_environment_interpreter(exp: Experiment, src: Path) -> None:
    (src / "tool.py").write_text("import sys\nprint('tool', sys.argv[1:])\n")
    run = exp.submit(ScriptRunConfig(src, command=["python", "tool.py", "--x"], arguments=[1]))
    assert _wait(run)[-1] == RunStatus.COMPLETED, driver_log(run)
    assert "tool ['--x', '1']" in driver_log(run)
    assert run.get_properties()["script"] == "python tool.py --x"


def test_the_source_may_change_or_go_after_submission(exp: Experiment, src: Path) -> None:
    run = _submit(exp, src, "print('original')\n")
    (src / "train.py").write_text("print('edited')\n")
    assert _wait(run)[-1] == RunStatus.COMPLETED
    assert "original" in driver_log(run) and "edited" not in driver_log(run)


def test_stdout_and_stderr_lines_reach_the_driver_log(exp: Experiment, src: Path) -> None:
    run = _submit(
        exp,
        src,
        """
        import sys
        print("out 1")
        print("err 1", file=sys.stderr)
        print("out 2")
        sys.stdout.buffer.write(b"bad byte \\xff\\n")
        sys.stdout.flush()
        sys.stderr.write("no newline at the end")
        """,
    )
    assert _wait(run)[-1] == RunStatus.COMPLETED
    details = run.get_details()
    assert details["logFiles"] == {"logs/driver.log": f"runwatch://{run.id}/logs/driver.log"}
    text = run.get_details_with_logs()["logFiles"]["logs/driver.log"]
    lines = text.splitlines()
    assert "out 1" in lines and "out 2" in lines
    assert lines.index("out 1") < lines.index("out 2")
    assert "[stderr] err 1" in lines
    assert "[stderr] no newline at the end" in lines
    assert "bad byte \ufffd" in lines
    assert not any(line.startswith("[stderr] out") for line in lines)
    assert any(line.startswith("[runwatch ") and "preparing run" in line for line in lines)
    # The recorded size is the whole file: readers that follow offsets see every byte.
    info = exp.workspace.store.get_file(run.id, "logs/driver.log")
    assert info is not None and info.size == len(text.encode())


def test_wait_for_completion_shows_the_log_and_a_summary(
    exp: Experiment, src: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _submit(
        exp,
        src,
        """
        import time
        from runwatch import Run
        run = Run.get_context()
        print("first line", flush=True)
        time.sleep(0.6)
        run.log("acc", 0.9)
        run.log("loss", 0.1)
        print("last line")
        """,
    )
    details = run.wait_for_completion(show_output=True, poll_interval=0.1)
    out = capsys.readouterr().out
    assert details["status"] == RunStatus.COMPLETED
    assert details["runId"] == run.id
    assert out.index("first line") < out.index("last line") < out.index(f"Run {run.id}: Completed")
    assert out.count("first line") == 1  # each byte printed once
    assert "metrics: 2 (acc, loss)" in out
    assert "files: 1" in out
    assert "[runwatch " in out and "the script exited with code 0" in out


def test_wait_for_completion_without_output_prints_nothing(
    exp: Experiment, src: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _submit(exp, src, "print('quiet')\n")
    assert run.wait_for_completion(poll_interval=0.05)["status"] == RunStatus.COMPLETED
    assert capsys.readouterr().out == ""


def test_the_lifecycle_statuses_come_in_order(exp: Experiment, src: Path) -> None:
    run = _submit(exp, src, "import time\ntime.sleep(0.8)\n")
    seen = _wait(run)
    assert seen[0] in (RunStatus.QUEUED, RunStatus.PREPARING)
    assert RunStatus.RUNNING in seen and seen[-1] == RunStatus.COMPLETED
    assert seen == sorted(seen, key=ORDER.index), seen
    info = run.info
    assert info.start_time is not None and info.end_time is not None
    assert info.created_time <= info.start_time <= info.end_time
    assert info.end_time - info.start_time >= 0.8
    log = driver_log(run)
    steps = ["preparing run", "$ ", "the script exited with code 0"]
    assert [log.index(step) for step in steps] == sorted(log.index(step) for step in steps)


# --- bad input --------------------------------------------------------------------------------


def test_a_missing_source_folder_or_script_queues_nothing(exp: Experiment, src: Path) -> None:
    with pytest.raises(ValidationError, match=r"source_directory .*gone.* not an existing folder"):
        exp.submit(ScriptRunConfig(src / "gone", "train.py"))
    with pytest.raises(ValidationError, match=r"script 'train.py' does not exist"):
        exp.submit(ScriptRunConfig(src, "train.py"))
    assert list(exp.get_runs()) == []


@pytest.mark.parametrize("value", [None, True, [0.1], {"lr": 1}])
def test_arguments_that_are_not_str_int_or_float_queue_nothing(
    exp: Experiment, src: Path, value: object
) -> None:
    (src / "train.py").write_text("print(1)\n")
    with pytest.raises(ValidationError) as caught:
        exp.submit(ScriptRunConfig(src, "train.py", arguments=["--lr", value]))
    assert "argument 1" in str(caught.value)
    assert repr(value) in str(caught.value)
    assert list(exp.get_runs()) == []


# --- faults -----------------------------------------------------------------------------------


_RAISES = """
import sys
from runwatch import Run
run = Run.get_context()
run.log("progress", 1)
print("about to fail")
print("a warning line", file=sys.stderr)
def train(alpha):
    raise ValueError(f"bad alpha {alpha!r}")
train(3)
"""


def test_a_script_that_raises_fails_with_its_exception(exp: Experiment, src: Path) -> None:
    run = _submit(exp, src, _RAISES)
    assert _wait(run)[-1] == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert error["type"] == "ValueError"
    assert "bad alpha 3" in error["message"]
    assert error["exitCode"] == 1
    assert error["stderr"].splitlines()[0] == "a warning line"
    assert "Traceback (most recent call last):" in error["stderr"]
    assert 'raise ValueError(f"bad alpha {alpha!r}")' in error["stderr"]
    assert error["stderr"].splitlines()[-1] == "ValueError: bad alpha 3"
    assert run.get_metrics("progress") == {"progress": 1}  # logged before the failure: kept

    with pytest.raises(runwatch.ActivityFailedError) as caught:
        run.wait_for_completion(poll_interval=0.05)
    assert caught.value.run_id == run.id
    assert caught.value.error["type"] == "ValueError"
    assert "bad alpha 3" in str(caught.value)
    assert isinstance(caught.value, runwatch.ActivityFailedException)
    details = run.wait_for_completion(raise_on_error=False)
    assert details["status"] == RunStatus.FAILED
    assert "bad alpha 3" in details["error"]["error"]["message"]


@pytest.mark.parametrize(
    ("raise_line", "kind", "text"),
    [
        ("raise KeyError('missing column')", "KeyError", "missing column"),
        ("import json; json.loads('{')", "json.decoder.JSONDecodeError", "Expecting"),
        ("raise Diverged('loss is nan')", "Diverged", "loss is nan"),
    ],
    ids=["KeyError", "dotted", "custom-name"],
)
def test_the_error_type_is_read_from_the_traceback(
    exp: Experiment, src: Path, raise_line: str, kind: str, text: str
) -> None:
    run = _submit(exp, src, f"class Diverged(Exception):\n    pass\n{raise_line}\n")
    assert _wait(run)[-1] == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert error.get("type") == kind, error
    assert text in error["message"]


def test_a_script_that_exits_non_zero_without_output(exp: Experiment, src: Path) -> None:
    run = _submit(exp, src, "import sys\nsys.exit(3)\n")
    assert _wait(run)[-1] == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert error["code"] == "ScriptError"
    assert error["exitCode"] == 3
    assert error["message"] == "the script exited with code 3"
    assert "type" not in error
    assert error["stderr"] == ""
    with pytest.raises(runwatch.ActivityFailedError, match="the script exited with code 3"):
        run.wait_for_completion(poll_interval=0.05)


def test_a_script_that_never_uses_its_run_completes(exp: Experiment, src: Path) -> None:
    run = _submit(exp, src, "print(sum(range(10)))\n")
    assert _wait(run)[-1] == RunStatus.COMPLETED
    assert run.get_metrics() == {}
    assert "error" not in run.get_details()
    assert "45" in driver_log(run)


_COMPLETES_ITSELF = """
import os, time
from runwatch import Run
run = Run.get_context()
run.log("x", 1)
os.makedirs("outputs", exist_ok=True)
open("outputs/model.txt", "w").write("m")
run.complete()
time.sleep(0.5)
print("after complete")
"""


def test_a_script_that_completes_its_run_itself_stays_completed(exp: Experiment, src: Path) -> None:
    run = _submit(exp, src, _COMPLETES_ITSELF)
    assert _wait(run)[-1] == RunStatus.COMPLETED
    deadline = time.monotonic() + 30  # only to stop waiting
    while "uploaded 1 output files" not in driver_log(run):  # the driver goes on after Completed
        assert time.monotonic() < deadline, driver_log(run)
        time.sleep(0.05)
    assert run.get_status() == RunStatus.COMPLETED
    assert "error" not in run.get_details()
    log = driver_log(run)
    assert "after complete" in log
    assert "the script exited with code 0" in log
    assert "could not run the script" not in log, log
    assert run.get_metrics("x") == {"x": 1}
    assert "outputs/model.txt" in run.get_file_names()


def test_wait_for_completion_waits_for_the_driver_when_the_script_completes_itself(
    exp: Experiment, src: Path
) -> None:
    # The script marks its run Completed, then goes on for 0.5 s; its outputs and
    # last lines should be there when wait_for_completion returns.
    run = _submit(exp, src, _COMPLETES_ITSELF)
    run.wait_for_completion(poll_interval=0.05)
    assert "after complete" in driver_log(run)
    assert "outputs/model.txt" in run.get_file_names()


def test_a_script_that_fails_its_run_itself_keeps_its_error(exp: Experiment, src: Path) -> None:
    run = _submit(
        exp,
        src,
        """
        from runwatch import Run
        Run.get_context().fail("data missing", error_code="DataError")
        """,
    )
    assert _wait(run)[-1] == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert error == {"message": "data missing", "code": "DataError"}


def test_a_killed_script_fails_with_the_signal(exp: Experiment, src: Path) -> None:
    run = _submit(
        exp,
        src,
        """
        import os, signal
        print("going", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """,
    )
    assert _wait(run)[-1] == RunStatus.FAILED
    error = run.get_details()["error"]["error"]
    assert "SIGKILL" in error["message"]
    assert error["exitCode"] == -signal.SIGKILL
    assert "the script exited with code -9" in driver_log(run)


# --- cancel -----------------------------------------------------------------------------------


def test_cancel_a_running_script_and_its_children(exp: Experiment, src: Path) -> None:
    run = _submit(
        exp,
        src,
        """
        import subprocess, time
        from runwatch import Run
        run = Run.get_context()
        run.log("step", 1)
        child = subprocess.Popen(["sleep", "60"])
        print("child", child.pid, flush=True)
        time.sleep(60)
        """,
    )
    wait_for_line(run, "child ")
    child_pid = int(driver_log(run).split("child ", 1)[1].split()[0])
    assert run.get_status() == RunStatus.RUNNING
    run.cancel()
    assert _wait(run, timeout=45)[-1] == RunStatus.CANCELED  # the script would sleep 60 s
    details = run.get_details()
    assert details["error"]["error"] == {"code": "Canceled", "message": "canceled on request"}
    assert "stopping the script: canceled on request" in driver_log(run)
    deadline = time.monotonic() + 30  # only to stop waiting
    while not process_gone(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(child_pid), "the script's own child process outlived the cancel"
    # A canceled run is not an error for wait_for_completion.
    assert run.wait_for_completion()["status"] == RunStatus.CANCELED


def test_a_canceled_script_keeps_what_it_logged(exp: Experiment, src: Path) -> None:
    # SIGTERM with a grace period is a polite stop: metrics logged just before
    # it (still in the script's buffer) should reach the store.
    run = _submit(
        exp,
        src,
        """
        import time
        from runwatch import Run
        run = Run.get_context()
        run.log("step", 1)
        print("logged", flush=True)
        time.sleep(60)
        """,
    )
    wait_for_line(run, "logged")
    run.cancel()
    assert _wait(run, timeout=10)[-1] == RunStatus.CANCELED
    assert run.get_metrics("step") == {"step": 1}


def test_cancel_kills_a_script_that_ignores_sigterm(
    exp: Experiment, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWATCH_CANCEL_GRACE", "0.5")  # read by the agent this test starts
    run = _submit(
        exp,
        src,
        """
        import signal, time
        signal.signal(signal.SIGTERM, lambda *_: print("ignoring SIGTERM", flush=True))
        print("ready", flush=True)
        time.sleep(60)
        """,
    )
    wait_for_line(run, "ready")
    run.cancel()
    assert _wait(run, timeout=45)[-1] == RunStatus.CANCELED  # the script would sleep 60 s
    log = driver_log(run)
    # SIGTERM first, then SIGKILL after the grace: the script heard one and died of the other
    assert "ignoring SIGTERM" in log
    assert log.index("ignoring SIGTERM") < log.index("the script exited with code -9")


def test_cancel_a_finished_run_is_a_no_op(
    exp: Experiment, src: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = _submit(exp, src, "print('done')\n")
    assert _wait(run)[-1] == RunStatus.COMPLETED
    capsys.readouterr()
    run.cancel()
    err = capsys.readouterr().err
    assert f"run {run.id} is already Completed; nothing to cancel" in err
    assert run.get_status() == RunStatus.COMPLETED
    assert "error" not in run.get_details()


def test_max_run_duration_cancels_an_overrunning_script(exp: Experiment, src: Path) -> None:
    run = _submit(
        exp,
        src,
        "import time\nprint('long job', flush=True)\ntime.sleep(60)\n",
        max_run_duration_seconds=0.8,
    )
    seen = _wait(run, timeout=15)
    assert seen[-1] == RunStatus.CANCELED
    info = run.info
    assert info.start_time is not None and info.end_time is not None
    assert 0.8 <= info.end_time - info.start_time < 5
    error = run.get_details()["error"]["error"]
    assert error["message"] == "the run exceeded max_run_duration_seconds=0.8"
    assert "stopping the script: the run exceeded max_run_duration_seconds=0.8" in driver_log(run)


def test_a_script_within_its_time_limit_completes(exp: Experiment, src: Path) -> None:
    run = _submit(exp, src, "print('quick')\n", max_run_duration_seconds=30)
    assert _wait(run)[-1] == RunStatus.COMPLETED


def test_the_run_id_environment_reaches_the_script(exp: Experiment, src: Path) -> None:
    run = _submit(
        exp,
        src,
        """
        import os
        for name in ("RUNWATCH_RUN_ID", "RUNWATCH_STORE", "RUNWATCH_WORKSPACE_NAME"):
            print(name, os.environ.get(name))
        print("config", os.environ.get("RUNWATCH_CONFIG"))
        """,
    )
    assert _wait(run)[-1] == RunStatus.COMPLETED
    log = driver_log(run)
    assert f"RUNWATCH_RUN_ID {run.id}" in log
    assert f"RUNWATCH_STORE {exp.workspace.store_url}" in log
    assert "RUNWATCH_WORKSPACE_NAME test" in log
    assert "config None" in log
    assert os.environ.get("RUNWATCH_RUN_ID") is None
