#!/usr/bin/env python
"""The run store on PostgreSQL vs SQLite: 1M metric points written in bulk, then read back.

    python benchmarks/postgres.py                     # a throwaway local server, median of 3
    python benchmarks/postgres.py --url postgresql://user:pw@host/db   # an existing database

Writes 1M float64 points of one metric as 100 `append_metrics` calls of 10k
points (one transaction each, as the background flush does), then reads them
all back with `read_metrics`. Each repeat uses a fresh store (a new SQLite file;
a new database on the throwaway server, or emptied tables with `--url`). The
throwaway server (tests/unit/store/pgserver.py) keeps fsync on, like a real one.
Prints a Markdown table and writes it to benchmarks/results/postgres.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from runwatch.core._records import MetricBatch, MetricKind
from runwatch.store import RunStore
from runwatch.store._sqlite import SqliteStore

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "unit" / "store"))

POINTS = 1_000_000
PER_CALL = 10_000


def measure(open_store: Callable[[], RunStore]) -> tuple[float, float]:
    """(write seconds, read seconds) of 1M points on a fresh store."""
    store = open_store()
    try:
        (run,) = store.create_runs("bench", run_type="bench", status="Running")
        batches = [
            MetricBatch(
                name="loss",
                kind=MetricKind.SCALAR,
                value_class=None,
                description="",
                steps=list(range(start, start + PER_CALL)),
                values=[1.0 / (i + 1) for i in range(start, start + PER_CALL)],
                times=[1.7e9 + i * 1e-3 for i in range(start, start + PER_CALL)],
            )
            for start in range(0, POINTS, PER_CALL)
        ]
        began = time.perf_counter()
        for batch in batches:
            store.append_metrics(run.id, [batch])
        wrote = time.perf_counter() - began
        began = time.perf_counter()
        points = store.read_metrics(run.id)["loss"][1]
        read = time.perf_counter() - began
        assert len(points.values) == POINTS and points.steps[-1] == POINTS - 1
        return wrote, read
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an existing PostgreSQL database (its tables are emptied)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "results" / "postgres.md"))
    args = parser.parse_args()

    from pgserver import PgServer  # the tests' throwaway server

    from runwatch.store._postgres import PostgresStore

    server = None if args.url else PgServer(durable=True).start()
    try:
        folder = Path(tempfile.mkdtemp(prefix="runwatch-bench-"))
        counter = iter(range(10**6))

        def sqlite() -> RunStore:
            return SqliteStore(f"sqlite:///{folder}/{next(counter)}.db")

        def postgres() -> RunStore:
            if server is not None:
                return PostgresStore(server.new_database("bench"))
            store = PostgresStore(args.url)
            with store._write() as db:
                db.execute("DELETE FROM metric_chunks")
                db.execute("DELETE FROM metrics")
            return store

        results: dict[str, list[tuple[float, float]]] = {"SQLite (WAL)": [], "PostgreSQL": []}
        for _ in range(args.repeat):
            for name, opener in (("SQLite (WAL)", sqlite), ("PostgreSQL", postgres)):
                results[name].append(measure(opener))
        version = "?"
        probe = PostgresStore(server.url() if server else args.url)
        with probe._read() as db:
            version = db.execute("SHOW server_version").fetchone()[0]
        probe.close()
    finally:
        if server is not None:
            server.stop()

    lines = [
        f"# Run store: 1M metric points, median of {args.repeat}",
        "",
        f"{POINTS:,} float64 points of one metric written as {POINTS // PER_CALL} "
        f"`append_metrics` calls of {PER_CALL:,} (one transaction each), then read back with "
        f"`read_metrics`. PostgreSQL {version} on 127.0.0.1 (fsync on), psycopg 3; "
        f"Python {platform.python_version()}, {platform.machine()}.",
        "",
        "| store | write 1M points | read 1M points |",
        "|---|---|---|",
    ]
    for name, runs in results.items():
        write = statistics.median(w for w, _ in runs)
        read = statistics.median(r for _, r in runs)
        lines.append(f"| {name} | {write:.2f} s | {read:.2f} s |")
    report = "\n".join(lines) + "\n"
    print(report)
    Path(args.out).write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
