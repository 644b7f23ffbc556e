"""Experiment dashboard benchmark: 10,000 runs with 5 metrics each, compared across runs.

Builds the workspace through the store API (runs created 100 at a time, each
batch with its own `param.alpha`/`param.layers` properties; 5 metrics of 10
points per run), then measures the median time of each dashboard answer
twice: as a direct call of the service (server time) and as an HTTP round
trip to a real `jupyter server` subprocess, with the helpers of
`benchmarks/server.py`. Writes benchmarks/results/dashboard.md and prints it.

    python benchmarks/dashboard.py [--runs 10000] [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from server import build, median_ms, median_over_http

from runwatch.core._queries import TableQuery
from runwatch.views._service import RunwatchService

RESULTS = Path(__file__).parent / "results" / "dashboard.md"
BATCH = 100


def parameters(rng: random.Random) -> dict[str, Any]:
    """The properties of one batch of runs: what a sweep records per trial."""
    return {"param.alpha": round(rng.random(), 3), "param.layers": rng.randint(1, 8)}


def cases(
    service: RunwatchService, cursor: int, run_ids: list[str]
) -> list[tuple[str, Callable[[], Any], str]]:
    """(name, service call, HTTP path) of each measured answer."""
    first = TableQuery(experiment="big")
    by_metric = TableQuery(experiment="big", sort="metric:metric_0", descending=False)
    filtered = TableQuery(experiment="big", statuses=("Completed",), tags=(("team", "Co"),))
    runs = "&".join(f"run={run_id}" for run_id in run_ids)
    points = service.table(first)["total"]
    return [
        ("table: first page (by number)", lambda: service.table(first), "experiments/big/table"),
        (
            "table: first page sorted by a metric",
            lambda: service.table(by_metric),
            "experiments/big/table?sort=metric:metric_0&order=asc",
        ),
        (
            "table: first page, status=Completed and tag team=Co",
            lambda: service.table(filtered),
            "experiments/big/table?status=Completed&tag=team=Co",
        ),
        (
            f"scatter: metric vs metric ({points:,} points)",
            lambda: service.scatter(first, "metric:metric_0", "metric:metric_1"),
            "experiments/big/scatter?x=metric:metric_0&y=metric:metric_1",
        ),
        (
            f"scatter: property vs metric ({points:,} points)",
            lambda: service.scatter(first, "property:param.alpha", "metric:metric_0"),
            "experiments/big/scatter?x=property:param.alpha&y=metric:metric_0",
        ),
        (
            "overlay: one metric of 10 runs",
            lambda: service.overlay("big", "metric_0", run_ids),
            f"experiments/big/overlay?metric=metric_0&{runs}",
        ),
        (
            "CSV export: every row and column",
            lambda: "".join(service.table_csv(first)),
            "experiments/big/table.csv",
        ),
        (
            "unchanged poll (since = cursor)",
            lambda: service.table(first, since=cursor),
            f"experiments/big/table?since={cursor}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    os.environ.setdefault("RUNWATCH_QUIET", "1")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="runwatch-dashboard-bench-") as tmp:
        folder = Path(tmp)
        print(f"building a workspace with {args.runs} runs, 5 metrics each")
        ws = build(folder, args.runs, batch=BATCH, properties=parameters)
        service = RunwatchService.for_workspace(ws)
        run_ids = [
            row["id"] for row in service.table(TableQuery(experiment="big", limit=10))["rows"]
        ]
        measured = cases(service, ws.store.current_seq(), run_ids)
        direct = {name: median_ms(call, args.repeat) for name, call, _ in measured}
        http = median_over_http(folder, [path for _, _, path in measured], args.repeat)
        http = {name: http[path] for name, _, path in measured}
        ws.store.close()
    lines = [
        f"# Experiment dashboard: {args.runs:,} runs with 5 metrics each",
        "",
        f"Medians of {args.repeat} calls on {os.cpu_count()} cores (load average "
        f"{load:.1f} at the start), SQLite store; each run has 5 metrics of 10 points, a tag "
        "and two properties. *Service* is the direct call of `RunwatchService` (server "
        "time); *HTTP* the round trip to a `jupyter server` subprocess on 127.0.0.1 "
        "(auth, JSON, worker thread included). Table pages hold 100 rows.",
        "",
        "| answer | service (ms) | HTTP (ms) |",
        "|---|---:|---:|",
        *(f"| {name} | {direct[name]:.1f} | {http[name]:.1f} |" for name, _, _ in measured),
        "",
        "MLflow comparison: skipped. `search_runs` would need the same 10,000 runs in an "
        "MLflow store, and creating them through `MlflowClient` takes minutes on this "
        "machine (see results/server.md), past this benchmark's time budget.",
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
