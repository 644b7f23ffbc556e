"""Background flush benchmark: how soon a logged point is in the store without flush().

`run.log*` only appends to a buffer; a background thread writes it every
`RUNWATCH_FLUSH_INTERVAL` seconds (0.5 s by default; docs/api.md, "What a hard
kill can lose"). This logs one point at a time, never calling flush(), at a
random moment of the writer's cycle, and times until another connection to the
SQLite store (what another process reads) sees it. The maximum is about the
most logging a SIGKILL could lose: one interval plus the flush in progress.

    python benchmarks/flush.py [--points 40]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

from runwatch import Experiment, Workspace
from runwatch.core import _settings
from runwatch.store._sqlite import SqliteStore


def visible_after(points: int, seed: int = 0) -> list[float]:
    """Seconds from `run.log` to the point being readable elsewhere, for each point."""
    rng = random.Random(seed)
    interval = _settings.flush_interval()
    seconds = []
    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace("bench", store=f"sqlite:///{folder}/runwatch.db")
        reader = SqliteStore(ws.store_url)  # a connection of its own
        run = Experiment(ws, "flush").start_logging()
        try:
            for i in range(points):
                time.sleep(rng.uniform(0, interval))  # anywhere in the writer's cycle
                logged = time.perf_counter()
                run.log("x", float(i))
                while (info := reader.get_metric(run.id, "x")) is None or info.count <= i:
                    time.sleep(0.002)
                seconds.append(time.perf_counter() - logged)
        finally:
            run.complete()
            reader.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=40)
    args = parser.parse_args()
    seconds = visible_after(args.points)
    print(f"\n| {args.points} points, flush interval {_settings.flush_interval():g} s | value |")
    print("|---|---|")
    print(f"| log -> readable elsewhere, median | {statistics.median(seconds) * 1000:.0f} ms |")
    print(f"| log -> readable elsewhere, max | {max(seconds) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
