#!/usr/bin/env python
"""Creating and completing runs on PostgreSQL vs SQLite, through the public API.

    python benchmarks/postgres_runs.py [--runs 1000] [--repeat 3] [--url postgresql://...]

W6's creation phase: 1,000 x (`exp.start_logging()`, `run.set_tags(3 tags)`,
`run.log('loss', v)`, `run.log('acc', v)`, `run.complete()`), timed from the
first call to the last, in a workspace whose store is a new SQLite file or a
new database on a throwaway local PostgreSQL server (tests/unit/store/pgserver.py,
fsync on like a real server; or emptied tables of `--url`). Every statement the
store sends to PostgreSQL is counted (psycopg's `Connection.execute`), and
where one run's time goes (start, tags, complete) is broken down. Target: 1,000
runs in <= 2 s on PostgreSQL. Prints a Markdown table and writes it to
benchmarks/results/postgres-runs.md, with the load average (on a shared
machine the ratios are the robust figures).
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "unit" / "store"))

TAGS = {"model": "resnet", "optimizer": "adam", "dataset": "cifar10"}
TARGET_SECONDS = 2.0


def create_runs(ws: Any, runs: int) -> tuple[float, dict[str, float]]:
    """(seconds for all runs, seconds per phase)."""
    import runwatch

    exp = runwatch.Experiment(ws, "bench")
    phases: collections.Counter[str] = collections.Counter()
    clock = time.perf_counter
    began = clock()
    for i in range(runs):
        t0 = clock()
        run = exp.start_logging()
        t1 = clock()
        run.set_tags(TAGS)
        run.log("loss", 1.0 / (i + 1))
        run.log("acc", i / runs)
        t2 = clock()
        run.complete()
        t3 = clock()
        phases["start_logging"] += t1 - t0
        phases["set_tags + 2 x log"] += t2 - t1
        phases["complete (flush + status)"] += t3 - t2
    return clock() - began, dict(phases)


def count_statements() -> Callable[[], int]:
    """Count psycopg executes from now on; returns a reader of the count."""
    import psycopg

    counter = [0]
    execute = psycopg.Connection.execute

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return execute(self, *args, **kwargs)

    psycopg.Connection.execute = counting  # type: ignore[method-assign]
    return lambda: counter[0]


def floor(url: str, n: int = 300) -> tuple[float, float]:
    """(seconds per `SELECT 1` round trip, seconds per one-row INSERT committed on its
    own) through psycopg on this server: what each statement and each commit cost at
    least, whatever the store does."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS floor_probe (a INT)")
        began = time.perf_counter()
        for _ in range(n):
            conn.execute("SELECT 1").fetchone()
        trip = (time.perf_counter() - began) / n
        began = time.perf_counter()
        for i in range(n):
            conn.execute("INSERT INTO floor_probe VALUES (%s)", (i,))
        commit = (time.perf_counter() - began) / n
    return trip, commit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", help="an existing PostgreSQL database (its runs are deleted)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "postgres-runs.md")
    args = parser.parse_args()

    from pgserver import PgServer

    import runwatch

    server = None if args.url else PgServer(durable=True).start()
    folder = Path(tempfile.mkdtemp(prefix="rw-pg-runs-"))
    statements = count_statements()
    results: dict[str, list[tuple[float, dict[str, float], int]]] = {"SQLite": [], "PostgreSQL": []}
    load_start = os.getloadavg()
    try:
        for repeat in range(args.repeat):
            for backend in results:
                if backend == "SQLite":
                    store = f"sqlite:///{folder}/{repeat}.db"
                elif server is not None:
                    store = server.new_database("runs")
                else:
                    store = args.url
                ws = runwatch.Workspace("bench", store=store, artifacts=str(folder / "a"))
                runwatch.Experiment(ws, "bench")  # the experiment exists: setup, untimed
                before = statements()
                seconds, phases = create_runs(ws, args.runs)
                results[backend].append((seconds, phases, statements() - before))
                ws.store.close()
                print(f"{backend}: {seconds:.2f} s", flush=True)
        trip, commit = floor(server.new_database("floor") if server is not None else args.url)
    finally:
        if server is not None:
            server.stop()

    lines = [
        f"# Creating and completing {args.runs:,} runs: PostgreSQL vs SQLite",
        "",
        f"Each run: `start_logging`, `set_tags` (3 tags), 2 x `log`, `complete`; median of "
        f"{args.repeat}. PostgreSQL on 127.0.0.1 with fsync on (a throwaway server). "
        f"Load average at start: {', '.join(f'{x:.2f}' for x in load_start)}; at end: "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores shared with others).",
        "",
        "| store | all runs | per run | start_logging | set_tags + 2 x log | complete | "
        "statements per run | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for backend, runs in results.items():
        seconds = statistics.median(s for s, _, _ in runs)
        phases = {k: statistics.median(p[k] for _, p, _ in runs) for k in runs[0][1]}
        sent = statistics.median(n for _, _, n in runs) / args.runs
        target = "—"
        if backend == "PostgreSQL":
            met = "met" if seconds * 1000 / args.runs <= TARGET_SECONDS else "**not met**"
            target = f"<= {TARGET_SECONDS:g} s per 1,000: {met}"
        per = [f"{1000 * v / args.runs:.2f} ms" for v in phases.values()]
        lines.append(
            f"| {backend} | {seconds:.2f} s | {1000 * seconds / args.runs:.2f} ms | "
            f"{' | '.join(per)} | {sent:.0f} | {target} |"
        )
    lines += [
        "",
        f"What bounds it: on this server a `SELECT 1` round trip through psycopg takes "
        f"{1000 * trip:.3f} ms and a one-row INSERT committed on its own (the WAL flushed) "
        f"{1000 * commit:.3f} ms. A run here is 3 write transactions (create; tags; its 2 "
        "points and the final status together), each at least 3 round trips (BEGIN with "
        "the lock and the change counter; the reads it needs, with the writes pipelined "
        "before them; COMMIT), plus 2 one-statement reads (the experiment, the status "
        "before completing).",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
