"""What a RunDetails refresh sends after new points, in bytes (no browser, no timing).

A run with 100 metrics x 10,000 points (`run.log_list`, the W2 data) is shown in
`RunDetails(run)`; then 100 new points are logged to each of the 100 metrics
(`run.log_list`, then `flush`) and one `refresh()` is made; then the same with 100
new points to one metric. Every message the widgets send is counted as the
kernel would send it: its JSON plus its binary buffers. Outside a kernel
ipywidgets' comms are `comm.DummyComm`, whose `publish_msg` is the one path of
`comm_open` (a widget's whole state) and `comm_msg` (`send_state` and custom
messages), so it is wrapped while recording. Target: <= 60 kB after 100 new
points in each of 100 metrics. Also checked: every chart's line still has at
most 2,000 points (the display budget) after each refresh.

    python benchmarks/refresh.py [--metrics 100] [--steps 10000] [--new 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "workloads"))

import benchlib as bl  # noqa: E402
import comm  # noqa: E402

TARGET_BYTES = 60_000
BUDGET = 2000


@contextmanager
def recording() -> Iterator[list[tuple[Any, Any]]]:
    """Every (data, buffers) the widgets publish while inside."""
    messages: list[tuple[Any, Any]] = []
    original = comm.DummyComm.publish_msg

    def publish(_comm: Any, _type: str, data: Any = None, _meta: Any = None,
                buffers: Any = None, **_: Any) -> None:  # fmt: skip
        messages.append((data, buffers))

    comm.DummyComm.publish_msg = publish  # type: ignore[method-assign,assignment]
    try:
        yield messages
    finally:
        comm.DummyComm.publish_msg = original  # type: ignore[method-assign]


def size(messages: list[tuple[Any, Any]]) -> tuple[int, int]:
    """(JSON bytes, binary bytes) of the messages."""
    text = sum(len(json.dumps(d, default=str, ensure_ascii=False).encode()) for d, _ in messages)
    binary = sum(memoryview(b).nbytes for _, bufs in messages for b in bufs or ())
    return text, binary


def longest_line(widget: Any) -> int:
    return max(
        (len(mark.x) for chart in widget._charts.values() for mark in chart.marks.values()),
        default=0,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "refresh.md")
    args = parser.parse_args()

    import runwatch
    from runwatch import RunDetails
    from runwatch.widgets._poller import POLLER

    folder = tempfile.mkdtemp(prefix="rw-refresh-")
    ws = runwatch.Workspace("bench", store=f"sqlite:///{folder}/r.db", artifacts=f"{folder}/a")
    run = runwatch.Experiment(ws, "refresh").start_logging()
    data = bl.values(args.steps + args.new * args.rounds * 2)
    names = [f"m{i}" for i in range(args.metrics)]
    for name in names:
        run.log_list(name, data[: args.steps])
    run.flush()
    logged = dict.fromkeys(names, args.steps)

    with recording() as messages:
        widget = RunDetails(run, refresh_interval=10)
        POLLER.remove(widget)  # only the refreshes below read the store
        first = size(messages)
        messages.clear()
        results: dict[str, list[tuple[int, int]]] = {"all": [], "one": []}
        worst = longest_line(widget)
        for _ in range(args.rounds):
            for label, changed in (("all", names), ("one", names[:1])):
                for name in changed:
                    run.log_list(name, data[logged[name] : logged[name] + args.new])
                    logged[name] += args.new
                run.flush()
                widget.refresh()
                results[label].append(size(messages))
                messages.clear()
                worst = max(worst, longest_line(widget))
        widget.close()
    run.complete()

    def row(label: str, what: str) -> str:
        sizes = results[label]
        total = statistics.median(j + b for j, b in sizes)
        text = statistics.median(j for j, _ in sizes)
        binary = statistics.median(b for _, b in sizes)
        met = "yes" if label != "all" or total <= TARGET_BYTES else "**no**"
        target = f"<= {TARGET_BYTES / 1000:.0f} kB" if label == "all" else "—"
        return (
            f"| {what} | {total / 1000:.1f} kB | {text / 1000:.1f} kB | {binary / 1000:.1f} kB "
            f"| {target} | {met} |"
        )

    new_bytes = args.new * args.metrics * 16
    lines = [
        "# RunDetails refresh: bytes sent after new points",
        "",
        f"A run with {args.metrics} metrics x {args.steps:,} points, shown in "
        f"`RunDetails(run)` ({len(widget._charts)} charts drawn, the first `max_charts`); "
        f"{args.new} new points logged, then one `refresh()`; median of {args.rounds}. "
        f"Load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        "",
        "| refresh after | sent | JSON | binary | target | met? |",
        "|---|---|---|---|---|---|",
        row("all", f"{args.new} new points in each of {args.metrics} metrics"),
        row("one", f"{args.new} new points in 1 metric"),
        "",
        f"First render: {(first[0] + first[1]) / 1000:.0f} kB ({first[0] / 1000:.0f} kB JSON, "
        f"{first[1] / 1000:.0f} kB binary). The new points themselves are "
        f"{new_bytes / 1000:.0f} kB as (step, value) float64 pairs, of which the drawn charts "
        f"hold {len(widget._charts) * args.new * 16 / 1000:.1f} kB.",
        f"Longest line on show after any refresh: {worst:,} points "
        f"(display budget {BUDGET:,}: {'kept' if worst <= BUDGET else '**exceeded**'}).",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
