"""Submission benchmarks: how long `submit()` itself takes (it only queues the run, so it
"returns at once"), the time from its return to a script's first line, and the overhead
of a 20-trial sweep on 4 slots over the trials' own run times.

    python benchmarks/submit.py [--trials 20] [--slots 4] [--seconds 1.0]

Each trial script sleeps `--seconds` and records its own start and end time;
the overhead is the sweep's wall time minus the ideal (sum of the trials' own
times divided by the slots).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from runwatch import Experiment, LocalCompute, RunStatus, ScriptRunConfig, Workspace
from runwatch.hyperdrive import GridParameterSampling, HyperDriveConfig, PrimaryMetricGoal, choice

TRIAL = """
import sys, time
started = time.time()
from runwatch import Run
run = Run.get_context()
time.sleep(float(sys.argv[sys.argv.index("--seconds") + 1]))
run.log("own_start", started)
run.log("own_seconds", time.time() - started)
"""
FIRST_LINE = "import time\nprint(f'first line {time.time():.6f}', flush=True)\n"


def first_line_latency(ws: Workspace, source: Path, tries: int) -> tuple[list[float], list[float]]:
    """Seconds each submit() call took, and from its return to the script's first line,
    one run at a time."""
    (source / "first.py").write_text(FIRST_LINE)
    exp = Experiment(ws, "first-line")
    calls, latencies = [], []
    for i in range(tries):
        called = time.perf_counter()
        run = exp.submit(ScriptRunConfig(source, "first.py"))
        calls.append(time.perf_counter() - called)
        submitted = time.time()
        details = run.wait_for_completion(poll_interval=0.05)
        log = run.get_details_with_logs()["logFiles"]["logs/driver.log"]
        printed = float(log.split("first line ", 1)[1].split()[0])
        latencies.append(printed - submitted)
        print(
            f"  submit() call #{i + 1}: {calls[-1] * 1000:.0f} ms, "
            f"then first line: {latencies[-1] * 1000:.0f} ms ({details['status']})",
            flush=True,
        )
    return calls, latencies


def sweep_overhead(
    ws: Workspace,
    source: Path,
    trials: int,
    slots: int,
    seconds: float,
    target: Any = None,
    experiment: str = "sweep-overhead",
) -> dict[str, float]:
    """A `trials`-trial sweep, `slots` at a time, on `target` (default: the local one).

    Besides the wall time and the overhead over the ideal, the medians over the
    trials of `start_latency` (trial created -> its script's first line) and
    `finish_latency` (the script's last line -> the trial's final status).
    """
    (source / "trial.py").write_text(textwrap.dedent(TRIAL))
    config = HyperDriveConfig(
        ScriptRunConfig(
            source,
            "trial.py",
            arguments=["--seconds", seconds],
            compute_target=target if target is not None else LocalCompute(slots=slots),
        ),
        GridParameterSampling({"--trial": choice(list(range(trials)))}),
        "own_seconds",
        PrimaryMetricGoal.MINIMIZE,
        max_concurrent_runs=slots,
    )
    started = time.time()
    sweep = Experiment(ws, experiment).submit(config)
    details = sweep.wait_for_completion(poll_interval=0.1)
    ended = time.time()
    wall = ended - started
    children = list(sweep.get_children())
    statuses = [child.get_status() for child in children]
    if details["status"] != RunStatus.COMPLETED or statuses != [RunStatus.COMPLETED] * trials:
        raise SystemExit(f"the sweep ended {details['status']}, its trials {statuses}")
    own, starts, finishes = [], [], []
    infos = [ws.store.get_run(child.id) for child in children]
    for child, info in zip(children, infos, strict=True):
        metrics = child.get_metrics()
        own.append(metrics["own_seconds"])
        starts.append(metrics["own_start"] - info.created_time)
        finishes.append((info.end_time or 0.0) - (metrics["own_start"] + metrics["own_seconds"]))
    ideal = sum(own) / slots
    return {
        "wall": wall,
        "own_sum": sum(own),
        "ideal": ideal,
        "overhead": wall - ideal,
        "per_trial": (wall - ideal) * slots / trials,
        "start_latency": statistics.median(starts),
        "finish_latency": statistics.median(finishes),
        "sweep_start": min(info.created_time for info in infos) - started,
        "sweep_end": ended - max(info.end_time or ended for info in infos),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--tries", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace("bench", store=f"sqlite:///{folder}/.runwatch/runwatch.db")
        source = Path(folder) / "src"
        source.mkdir()
        print("submit -> first line (the first submission also starts the agent):", flush=True)
        calls, latencies = first_line_latency(ws, source, args.tries)
        print(
            f"{args.trials}-trial sweep on {args.slots} slots, {args.seconds:g} s per trial:",
            flush=True,
        )
        result = sweep_overhead(ws, source, args.trials, args.slots, args.seconds)
    print("\n| measure | value |\n|---|---|")
    print(f"| submit() call, starting the agent | {calls[0] * 1000:.0f} ms |")
    print(
        f"| submit() call, agent running (median of {len(calls) - 1}) | "
        f"{statistics.median(calls[1:]) * 1000:.0f} ms |"
    )
    print(f"| submit -> first line, cold agent | {latencies[0] * 1000:.0f} ms |")
    print(
        f"| submit -> first line, warm agent (median of {len(latencies) - 1}) | "
        f"{statistics.median(latencies[1:]) * 1000:.0f} ms |"
    )
    print(f"| sweep wall time | {result['wall']:.2f} s |")
    print(f"| trials' own time, summed | {result['own_sum']:.2f} s |")
    print(f"| ideal wall (sum / slots) | {result['ideal']:.2f} s |")
    overhead, per_trial = result["overhead"], result["per_trial"]
    print(f"| overhead over ideal | {overhead:.2f} s ({per_trial:.2f} s per trial) |")


if __name__ == "__main__":
    main()
