"""A 20-trial sweep on a local Dask cluster vs the local target: overhead over the
scripts' own time.

    python benchmarks/dask_sweep.py [--trials 20] [--slots 4] [--seconds 2.0] [--repeat 3]

Starts a Dask scheduler and `dask worker --nworkers 2 --nthreads slots/2` as
subprocesses on 127.0.0.1 (dashboards on loopback too), runs the same sweep
(`benchmarks/submit.py`'s trial script, which sleeps `--seconds`,
`max_concurrent_runs=slots`) on `LocalCompute(slots=slots)` and on
`DaskCompute(scheduler)`, alternating, `--repeat` times each, and reports the
medians: wall time, overhead over the ideal (sum of the trials' own times /
slots), the same per trial, and where a trial's overhead goes (created ->
script's first line, script's last line -> final status), with Dask / local
ratios. The table is printed and written to `benchmarks/results/dask.md`.
Measures this checkout's runwatch (`src/` goes first on `sys.path` and on the
`PYTHONPATH` of the agent, the workers and the scripts).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
SRC = BENCH.parent / "src"
sys.path[:0] = [str(SRC), str(BENCH), str(BENCH.parent / "tests" / "unit")]
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))
os.environ["RUNWATCH_QUIET"] = "1"
os.environ["RUNWATCH_AGENT_IDLE"] = "2"  # the agent leaves soon after the last sweep

import distributed  # noqa: E402
import run as harness  # noqa: E402  (machine_facts)
from _procs import dask_cluster  # noqa: E402  (the tests' cluster, started the same way)
from submit import sweep_overhead  # noqa: E402

import runwatch  # noqa: E402
from runwatch import DaskCompute, Experiment, LocalCompute, ScriptRunConfig, Workspace  # noqa: E402
from runwatch.agent._agent import _try_lock, lock_path  # noqa: E402

OUT = BENCH / "results" / "dask.md"
ROWS = [
    ("wall", "sweep wall time", "s"),
    ("ideal", "ideal wall (trials' own time / slots)", "s"),
    ("overhead", "overhead over ideal, total", "s"),
    ("per_trial", "overhead per trial (slot-seconds)", "s"),
    ("sweep_start", "submit() -> first trial created", "s"),
    ("start_latency", "trial created -> script's first line (median)", "s"),
    ("finish_latency", "script's last line -> trial final (median)", "s"),
    ("sweep_end", "last trial final -> wait_for_completion() returns", "s"),
]


def warm_up(ws: Workspace, source: Path, target: Any) -> None:
    """One untimed run on `target`: starts the agent, connects it to the scheduler."""
    (source / "hello.py").write_text("print('hello')\n")
    run = Experiment(ws, "warm-up").submit(
        ScriptRunConfig(source, "hello.py", compute_target=target)
    )
    run.wait_for_completion(poll_interval=0.1)


def wait_for_agent(ws: Workspace, timeout: float = 15.0) -> None:
    """Until the workspace's agent has left (before its folder is deleted)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fd = _try_lock(lock_path(ws))
        if fd is not None:
            os.close(fd)
            return
        time.sleep(0.2)


def report(
    results: dict[str, list[dict[str, float]]], args: argparse.Namespace, took: float
) -> str:
    def median(target: str, key: str) -> float:
        return statistics.median(r[key] for r in results[target])

    lines = [
        f"# {args.trials}-trial sweep on Dask vs the local target",
        "",
        f"`python benchmarks/dask_sweep.py --trials {args.trials} --slots {args.slots} "
        f"--seconds {args.seconds:g} --repeat {args.repeat}`: each trial script sleeps "
        f"{args.seconds:g} s; `max_concurrent_runs={args.slots}`; medians of {args.repeat} "
        "sweeps per target, run alternately. **local**: `LocalCompute(slots="
        f"{args.slots})`. **Dask**: a scheduler and `dask worker --nworkers 2 --nthreads "
        f"{args.slots // 2}` on 127.0.0.1 (subprocesses), `DaskCompute(address)`, SQLite "
        "store and artifact folder shared through the filesystem. The overhead is the "
        "wall time minus the ideal (the trials' own times, from the script's first line "
        "to its last, summed and divided by the slots); per trial it is that times "
        "slots / trials. Total benchmark time "
        f"{took:.0f} s.",
        "",
        *(f"- {fact}" for fact in harness.machine_facts()),
        f"- runwatch {runwatch.__version__} ({Path(runwatch.__file__).parent}), "
        f"dask/distributed {distributed.__version__}",
        "",
        "| measure | local | Dask | Dask / local |",
        "|---|---:|---:|---:|",
    ]
    for key, label, unit in ROWS:
        local, dask = median("local", key), median("dask", key)
        ratio = f"{dask / local:.2f}x" if local > 0.005 else "—"
        lines.append(f"| {label} | {local:.2f} {unit} | {dask:.2f} {unit} | {ratio} |")
    lines += ["", "Every sweep, in order:", "", "| # | target | wall | overhead | per trial |"]
    lines.append("|---:|---|---:|---:|---:|")
    for i in range(args.repeat):
        for target in ("local", "dask"):
            r = results[target][i]
            lines.append(
                f"| {i + 1} | {target} | {r['wall']:.2f} s | {r['overhead']:.2f} s | "
                f"{r['per_trial']:.2f} s |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--slots", type=int, default=4, help="even: 2 workers x slots/2 threads")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.slots < 2 or args.slots % 2:
        parser.error("--slots must be even: two workers with slots/2 threads each")
    began = time.monotonic()
    results: dict[str, list[dict[str, float]]] = {"local": [], "dask": []}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        ws = Workspace("bench", store=f"sqlite:///{root}/.runwatch/runwatch.db")
        source = root / "src"
        source.mkdir()
        print("starting a Dask scheduler and 2 workers on 127.0.0.1 ...", flush=True)
        with dask_cluster(root, 2, args.slots // 2) as (address, _client):
            targets = {"local": LocalCompute(slots=args.slots), "dask": DaskCompute(address)}
            for target in targets.values():
                warm_up(ws, source, target)
            for i in range(args.repeat):
                for name, target in targets.items():
                    result = sweep_overhead(
                        ws, source, args.trials, args.slots, args.seconds, target, f"{name}-{i}"
                    )
                    results[name].append(result)
                    print(
                        f"  {name:5} #{i + 1}: wall {result['wall']:.2f} s, overhead "
                        f"{result['overhead']:.2f} s ({result['per_trial']:.2f} s per trial)",
                        flush=True,
                    )
        wait_for_agent(ws)
    text = report(results, args, time.monotonic() - began)
    args.out.write_text(text)
    print("\n" + text, flush=True)
    print(f"written to {args.out}", flush=True)


if __name__ == "__main__":
    main()
