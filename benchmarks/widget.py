#!/usr/bin/env python
"""RunDetails performance: kernel-side costs in-process, first render in chromium.

    python benchmarks/widget.py            # full size (1M points, 1,000 children), ~1-2 min
    python benchmarks/widget.py --quick    # 10x smaller smoke run, ~30 s

One workspace (in a temp dir) holds one run with METRICS x STEPS points and
CHILDREN completed child runs. Then:

- browser: JupyterLab (tests/browser/conftest.py helpers) + Debian chromium;
  time from triggering run-all until the widget shows its header badge, at
  least 6 bqplot figures with drawn lines and the child table rows. Once in a
  fresh kernel per try, once in a warm kernel (page reloaded every try).
- kernel, in-process: construction of `RunDetails(run)`, CPU of an idle
  `refresh()`, and the bytes one refresh sends after new points.

Prints progress lines, then a Markdown report (also written to
benchmarks/results/widget.md, or widget-quick.md with --quick).
See "RunDetails widget benchmark" in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime as _dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("RUNWATCH_QUIET", "1")

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SRC = REPO / "src"
# Measure this checkout's runwatch, here and in the lab's kernels (PYTHONPATH is
# inherited by the Jupyter server), whatever another editable install points to.
sys.path[:0] = [str(SRC), str(REPO), str(REPO / "tests"), str(BENCH), str(BENCH / "workloads")]
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))

import benchlib as bl  # noqa: E402  (the same fake loss curves as W2)
import comm  # noqa: E402
import run as harness  # noqa: E402  (machine_facts)
from tests.browser.conftest import (  # noqa: E402
    CHROMIUM_ARGS,
    Server,
    _start,
    _stop,
    open_notebook,
    screenshot,
    workspace_in,
)

import runwatch  # noqa: E402
from _parts import chromium_path  # noqa: E402  (RUNWATCH_TEST_CHROMIUM, as in the tests)
from runwatch import Experiment, Run  # noqa: E402
from runwatch.core._records import MetricBatch, MetricKind, RunStatus  # noqa: E402
from runwatch.core._values import NUMBER  # noqa: E402
from runwatch.store import RunStore  # noqa: E402
from runwatch.views._downsample import DEFAULT_BUDGET  # noqa: E402

# --- sizes and targets --------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    label: str  # names the screenshot
    metrics: int
    steps: int
    children: int
    new_points: int = 100  # the change: points appended to a metric between two refreshes
    idle_refreshes: int = 50
    constructions: int = 3
    change_repeats: int = 3
    browser_tries: int = 3  # per kernel state (fresh, warm)

    @property
    def points(self) -> int:
        return self.metrics * self.steps


FULL = Sizes("1M", metrics=100, steps=10_000, children=1_000)
QUICK = Sizes("100k", metrics=10, steps=10_000, children=100, browser_tries=1)

BYTES_PER_POINT = 16  # a point as float64 step + float64 value (also what a chart sends: x, y)
SERIES_BUDGET = DEFAULT_BUDGET * BYTES_PER_POINT  # the most a chart line holds, as x/y float64
JSON_PER_SERIES = 1_000  # allowance for the JSON around one changed series' buffers
JSON_FIXED = 16_000  # allowance for header/table JSON in one refresh
IDLE_REFRESH_TARGET = 0.005  # s, CPU
FIRST_RENDER_TARGET = 2.0  # s, cell start -> badge + 6 drawn charts + child rows
MIN_CHARTS = 6
RENDER_TIMEOUT = 180  # s, per browser try

T0 = time.perf_counter()


def progress(message: str) -> None:
    print(f"[widget-bench {time.perf_counter() - T0:6.1f}s] {message}", flush=True)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """fn(), its wall time and its CPU time (all threads of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


# --- formatting -------------------------------------------------------------------------


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 0.1:
        return f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_bytes(n: float) -> str:
    for unit, size in (("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}" if n < 100 * size else f"{n / size:,.0f} {unit}"
    return f"{n:.0f} B"


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], fmt: Callable[[float], str] = fmt_s) -> str:
    return ", ".join(fmt(v) for v in values)


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else "yes" if ok else "**no**"


# --- 1. the workspace ------------------------------------------------------------------


def build_workspace(root: Path, sizes: Sizes) -> Run:
    ws = workspace_in(root)
    run = Experiment(ws, "widget-bench").start_logging(display_name="widget benchmark")
    progress(f"logging {sizes.metrics} metrics x {sizes.steps:,} steps with run.log_list ...")
    _, wall, _ = timed(lambda: log_series(run, sizes))
    progress(f"  {sizes.points:,} points durable in {fmt_s(wall)}")
    children, wall, _ = timed(lambda: run.create_children(sizes.children))
    progress(f"  run.create_children({sizes.children:,}) in {fmt_s(wall)}")
    _, wall, _ = timed(lambda: complete_children(ws.store, children))
    progress(
        f"  {sizes.children:,} children given one metric and completed in {fmt_s(wall)} "
        "(through the store directly: ws.store.append_metrics + ws.store.set_status, "
        "not child.log + child.complete)"
    )
    return run


def log_series(run: Run, sizes: Sizes) -> None:
    for i in range(sizes.metrics):
        run.log_list(f"m{i}", bl.values(sizes.steps, seed=i))
    run.flush()


def complete_children(store: RunStore, children: list[Run]) -> None:
    """One scalar 'loss' each, then Completed: two store transactions per child."""
    for i, child in enumerate(children):
        loss = 1.0 / (i + 1)
        batch = MetricBatch("loss", MetricKind.SCALAR, NUMBER, "", [0], [loss], [time.time()])
        store.append_metrics(child.id, [batch])
        store.set_status(child.id, RunStatus.COMPLETED)
        child.get_status()  # so the Run knows it ended, and is not ended again at exit


# --- 2. kernel side, in-process -----------------------------------------------------------


@dataclass
class Payload:
    json_bytes: int = 0
    binary_bytes: int = 0
    messages: int = 0
    json_seconds: float = 0.0  # encoding the messages' JSON here, as the kernel would

    @property
    def total(self) -> int:
        return self.json_bytes + self.binary_bytes

    def describe(self) -> str:
        return (
            f"{fmt_bytes(self.total)} ({self.messages} messages: "
            f"{fmt_bytes(self.binary_bytes)} binary buffers + {fmt_bytes(self.json_bytes)} JSON)"
        )


class Traffic:
    """What the widgets send to the frontend.

    In-process there is no kernel, so ipywidgets' comms are `comm.DummyComm`.
    Its `publish_msg` is the one path of both `comm_open` (a new widget's whole
    initial state) and `comm_msg` (updates, `Widget.send_state`): while
    recording it keeps each message, and `take()` sizes them afterwards, outside
    any timed section (the JSON as the kernel would serialize it + the binary
    buffers), then forgets them.
    """

    def __init__(self) -> None:
        self._messages: list[tuple[Any, Any]] = []

    @contextmanager
    def recording(self) -> Iterator[Traffic]:
        if comm.create_comm is not comm._create_comm:
            raise RuntimeError("run this benchmark outside a Jupyter kernel (comms are stubbed)")
        original = comm.DummyComm.publish_msg
        messages = self._messages

        def publish(
            _comm: Any,
            _type: str,
            data: Any = None,
            _meta: Any = None,
            buffers: Any = None,
            **_: Any,
        ) -> None:
            messages.append((data, buffers))

        comm.DummyComm.publish_msg = publish  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            comm.DummyComm.publish_msg = original  # type: ignore[method-assign]

    def take(self) -> Payload:
        payload = Payload(messages=len(self._messages))
        start = time.perf_counter()
        for data, _ in self._messages:
            payload.json_bytes += len(json.dumps(data, default=str, ensure_ascii=False).encode())
        payload.json_seconds = time.perf_counter() - start
        for _, buffers in self._messages:
            payload.binary_bytes += sum(memoryview(b).nbytes for b in buffers or ())
        self._messages.clear()
        return payload


@dataclass
class KernelResults:
    import_seconds: float = 0.0
    construct_wall: list[float] = field(default_factory=list)
    construct_cpu: list[float] = field(default_factory=list)
    first_render: Payload = field(default_factory=Payload)
    idle_cpu: list[float] = field(default_factory=list)
    idle_payload: Payload = field(default_factory=Payload)
    # changed series -> (CPU of each refresh, payload of each refresh)
    changes: dict[int, tuple[list[float], list[Payload]]] = field(default_factory=dict)


def kernel_side(run: Run, sizes: Sizes) -> KernelResults:
    results = KernelResults()
    _, results.import_seconds, _ = timed(import_widget_stack)
    progress(
        f"imported ipywidgets, anywidget, bqplot and RunDetails in {fmt_s(results.import_seconds)}"
    )
    traffic = Traffic()
    with traffic.recording():
        widget = measure_construction(run, sizes, traffic, results)
        try:
            measure_idle_refresh(widget, sizes, traffic, results)
            names = list(widget.tracker.metrics)
            for changed in (names, names[:1]):
                measure_change(widget, run, changed, sizes, traffic, results)
        finally:
            widget.close()
    return results


def import_widget_stack() -> None:
    import anywidget  # noqa: F401
    import bqplot  # noqa: F401
    import ipywidgets  # noqa: F401

    from runwatch import RunDetails  # noqa: F401


def measure_construction(run: Run, sizes: Sizes, traffic: Traffic, results: KernelResults) -> Any:
    """`RunDetails(run, refresh_interval=10)`: the first full state assembly. The
    first widget is kept for the refresh measurements, the others are closed."""
    from runwatch import RunDetails
    from runwatch.widgets._poller import POLLER

    kept = None
    for i in range(sizes.constructions):
        traffic.take()
        widget, wall, cpu = timed(lambda: RunDetails(run, refresh_interval=10))
        # The shared poller thread would refresh it 10 s from now, concurrently with
        # (and stealing the changes of) the refreshes measured below: take it off.
        POLLER.remove(widget)
        results.construct_wall.append(wall)
        results.construct_cpu.append(cpu)
        payload = traffic.take()
        progress(f"  RunDetails #{i + 1}: wall {fmt_s(wall)}, CPU {fmt_s(cpu)}")
        progress(f"    sent {payload.describe()}")
        if kept is None:
            kept, results.first_render = widget, payload
        else:
            widget.close()
    return kept


def measure_idle_refresh(
    widget: Any, sizes: Sizes, traffic: Traffic, results: KernelResults
) -> None:
    traffic.take()
    for _ in range(sizes.idle_refreshes):
        _, _, cpu = timed(widget.refresh)
        results.idle_cpu.append(cpu)
    results.idle_payload = traffic.take()
    progress(
        f"  refresh() with nothing new: median CPU {fmt_s(median(results.idle_cpu))} "
        f"over {sizes.idle_refreshes}, sent {fmt_bytes(results.idle_payload.total)} in all"
    )


def measure_change(
    widget: Any, run: Run, names: list[str], sizes: Sizes, traffic: Traffic, results: KernelResults
) -> None:
    """Log `new_points` more to each of `names` (flushed), then time one refresh and
    count what it sends; `change_repeats` times."""
    cpus, payloads = results.changes.setdefault(len(names), ([], []))
    for repeat in range(sizes.change_repeats):
        for name in names:
            run.log_list(name, bl.values(sizes.new_points, seed=10_000 + repeat))
        run.flush()
        before = len(widget.tracker.metrics[names[0]].values)
        traffic.take()
        _, _, cpu = timed(widget.refresh)
        payload = traffic.take()
        seen = len(widget.tracker.metrics[names[0]].values) - before
        if seen != sizes.new_points:
            raise RuntimeError(
                f"the refresh saw {seen} new points of {names[0]}, not {sizes.new_points}"
            )
        cpus.append(cpu)
        payloads.append(payload)
        progress(
            f"  +{sizes.new_points} points to {len(names)} metric(s): refresh CPU {fmt_s(cpu)}, "
            f"sent {payload.describe()}"
        )


# --- 3. browser: first render in chromium ------------------------------------------------

CELL = (
    "from runwatch import Run, RunDetails, Workspace\n"
    "RunDetails(Run.get(Workspace.from_config(), {run_id!r})).show()"
)

# Installed right before run-all: records performance.now() (t0), triggers run-all,
# then notes (each once, in seconds after t0) when the kernel's messages arrive and,
# checking every 10 ms, when each part of the widget is on the page. `kernel_cell`
# is a duration on the kernel's clock: execute_input -> display_data header dates.
WATCH = """({minCharts, totalCharts}) => {
    const marks = {};
    const t0 = performance.now();
    const since = () => (performance.now() - t0) / 1000;
    window.__rwBench = {marks};
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    let kernelStart = null;
    const onMessage = (_, {msg, direction}) => {
        const type = msg.header.msg_type;
        if (direction !== 'recv') return;
        if (type === 'execute_input' && !('started' in marks)) {
            marks.started = since();
            kernelStart = Date.parse(msg.header.date);
        } else if (type === 'display_data' && !('display' in marks)) {
            marks.display = since();
            marks.kernel_cell = (Date.parse(msg.header.date) - kernelStart) / 1000;
        } else if (type === 'execute_reply') {
            marks.executed = since();
        }
        if ('display' in marks && 'executed' in marks) {  // either can come first
            kernel.anyMessage.disconnect(onMessage);
        }
    };
    kernel.anyMessage.connect(onMessage);
    const drawnCharts = () => [...document.querySelectorAll('.bqplot.figure')].filter(
        f => [...f.querySelectorAll('path.line')].some(p => (p.getAttribute('d') || '').length > 10)
    ).length;
    const check = () => {
        const now = since();
        const note = (key, ok) => { if (ok && !(key in marks)) marks[key] = now; };
        note('badge', document.querySelector('.rw-header .rw-badge') !== null);
        const charts = drawnCharts();
        note('charts', charts >= minCharts);
        note('all_charts', charts >= totalCharts);
        note('children', document.querySelector('.rw-child-row') !== null);
        note('rendered', 'badge' in marks && 'charts' in marks && 'children' in marks);
        if (!('rendered' in marks && 'all_charts' in marks && 'executed' in marks)) {
            setTimeout(check, 10);
        }
    };
    window.jupyterapp.commands.execute('notebook:run-all-cells');
    check();
}"""

MARKS = {  # in the order they happen
    "started": "execute_input arrived",
    "kernel_cell": "cell ran until display (kernel clock)",
    "display": "display_data arrived",
    "executed": "execute_reply arrived",
    "badge": "header badge",
    "charts": f"{MIN_CHARTS} charts drawn",
    "children": "child rows",
    "rendered": "**first render** (all three)",
    "all_charts": "every chart drawn",
}


@dataclass
class RenderTry:
    kernel: str  # "fresh" or "warm"
    marks: dict[str, float]


def browser_side(root: Path, home: Path, run_id: str, sizes: Sizes) -> list[RenderTry]:
    from playwright.sync_api import sync_playwright

    progress("starting JupyterLab ...")
    server = _start("lab", root, home)
    progress(f"  JupyterLab at {server.url}")
    tries: list[RenderTry] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            for kernel in ("fresh", "warm"):
                for i in range(sizes.browser_tries):
                    marks = render_once(page, server, run_id, sizes, fresh_kernel=kernel == "fresh")
                    tries.append(RenderTry(kernel, marks))
                    progress(
                        f"  {kernel} kernel, try {i + 1}: "
                        + ", ".join(f"{k} {fmt_s(marks.get(k))}" for k in MARKS)
                    )
            path = screenshot(page, f"bench-widget-{sizes.label}")
            page.locator(".rw-child-row").first.scroll_into_view_if_needed()
            children = screenshot(page, f"bench-widget-{sizes.label}-children")
            progress(f"  screenshots: {path}, {children.name}")
            browser.close()
    finally:
        _stop(server)
    return tries


def render_once(
    page: Any, server: Server, run_id: str, sizes: Sizes, fresh_kernel: bool
) -> dict[str, float]:
    """(Re)load the notebook, then time run-all until the widget is drawn."""
    page.goto("about:blank")
    if fresh_kernel:
        for session in server.api("/api/sessions"):
            server.api(f"/api/sessions/{session['id']}", method="DELETE")
    # Rewritten every time, so no output saved by an autosave comes back on reload.
    path = server.notebook("bench-widget.ipynb", [CELL.format(run_id=run_id)])
    open_notebook(page, server, path)
    if page.locator(".rw-header").count():
        raise RuntimeError("the reloaded notebook still shows a widget from an earlier try")
    page.evaluate(WATCH, {"minCharts": MIN_CHARTS, "totalCharts": sizes.metrics})
    page.wait_for_function(
        "() => 'rendered' in window.__rwBench.marks", timeout=RENDER_TIMEOUT * 1000
    )
    with contextlib.suppress(Exception):  # the rest is informational: no failure for it
        page.wait_for_function(
            "() => ['all_charts', 'executed'].every(k => k in window.__rwBench.marks)",
            timeout=60_000,
        )
    return dict(page.evaluate("() => window.__rwBench.marks"))


# --- the report --------------------------------------------------------------------------


@dataclass
class Row:
    measurement: str
    result: str
    target: str = "—"
    met: bool | None = None


def kernel_rows(k: KernelResults, sizes: Sizes) -> list[Row]:
    run_bytes = sizes.points * BYTES_PER_POINT
    idle = median(k.idle_cpu)
    rows = [
        Row(
            "import of ipywidgets + anywidget + bqplot + RunDetails (once per kernel)",
            fmt_s(k.import_seconds),
        ),
        Row(
            f"construct `RunDetails(run)`, wall (median of {len(k.construct_wall)}: "
            f"{spread(k.construct_wall)})",
            fmt_s(median(k.construct_wall)),
            "— (inside the 2 s first render)",
        ),
        Row(
            f"construct `RunDetails(run)`, CPU (median of {len(k.construct_cpu)}: "
            f"{spread(k.construct_cpu)})",
            fmt_s(median(k.construct_cpu)),
            "— (inside the 2 s first render)",
        ),
        Row(
            f"`refresh()` with nothing new, CPU (median of {len(k.idle_cpu)})",
            fmt_s(idle),
            f"<= {fmt_s(IDLE_REFRESH_TARGET)}",
            idle <= IDLE_REFRESH_TARGET,
        ),
        Row("payload of the first render (construction)", k.first_render.describe()),
        Row(
            "encoding the first render's JSON (not in the rows above; a kernel also does it)",
            fmt_s(k.first_render.json_seconds),
        ),
    ]
    for changed, (cpus, payloads) in sorted(k.changes.items(), reverse=True):
        sent = median([p.total for p in payloads])
        bound = budget_bound(changed)
        new = changed * sizes.new_points * BYTES_PER_POINT
        rows.append(
            Row(
                f"payload of one refresh after {change_label(changed, sizes)} (median of "
                f"{len(payloads)}; the new points themselves: {fmt_bytes(new)}, the run's "
                f"points: {fmt_bytes(run_bytes)})",
                fmt_bytes(sent),
                f"<= {fmt_bytes(bound)} (display budget of {changed} changed series)",
                sent <= bound,
            )
        )
        rows.append(
            Row(f"CPU of that refresh (median of {len(cpus)}: {spread(cpus)})", fmt_s(median(cpus)))
        )
    return rows


def change_label(changed: int, sizes: Sizes) -> str:
    metrics = f"each of {changed} metrics" if changed > 1 else "1 metric"
    return f"+{sizes.new_points} points to {metrics}"


def budget_bound(changed_series: int) -> int:
    """The payload target of a refresh in which `changed_series` series changed."""
    return changed_series * (SERIES_BUDGET + JSON_PER_SERIES) + JSON_FIXED


def browser_rows(tries: list[RenderTry]) -> list[Row]:
    rows = []
    for kernel, what in (
        ("fresh", "fresh kernel per try: the cell's imports included"),
        ("warm", "warm kernel: same kernel, page reloaded"),
    ):
        times = [t.marks["rendered"] for t in tries if t.kernel == kernel]
        if not times:
            continue
        rows.append(
            Row(
                f"first render in chromium, {what} (median of {len(times)}: {spread(times)})",
                fmt_s(median(times)),
                f"<= {fmt_s(FIRST_RENDER_TARGET)}",
                median(times) <= FIRST_RENDER_TARGET,
            )
        )
    return rows


def sent_per_change(k: KernelResults) -> list[tuple[int, float]]:
    """(changed series, median bytes one refresh sent), most changed first."""
    return [
        (changed, median([p.total for p in payloads]))
        for changed, (_, payloads) in sorted(k.changes.items(), reverse=True)
    ]


def payload_section(k: KernelResults, sizes: Sizes) -> list[str]:
    """The payloads side by side, and what they are proportional to, in plain words."""
    run_bytes = sizes.points * BYTES_PER_POINT
    first = k.first_render.total
    lines = [
        "### Payload: what one refresh sends, next to the run and the first render",
        "",
        "| | bytes | / run's points | / first render | / the new points themselves |",
        "|---|---|---|---|---|",
        f"| the run's points ({sizes.points:,} x {BYTES_PER_POINT} B) "
        f"| {fmt_bytes(run_bytes)} | 1 | | |",
        f"| first render | {fmt_bytes(first)} | {first / run_bytes:.3f} | 1 | |",
    ]
    for changed, sent in sent_per_change(k):
        new = changed * sizes.new_points * BYTES_PER_POINT
        lines.append(
            f"| refresh after {change_label(changed, sizes)} | {fmt_bytes(sent)} "
            f"| {sent / run_bytes:.3f} | {sent / first:.3f} | {sent / new:.1f} |"
        )
    return [*lines, "", payload_verdict(k, sizes), ""]


def payload_verdict(k: KernelResults, sizes: Sizes) -> str:
    run_bytes = sizes.points * BYTES_PER_POINT
    changes = sent_per_change(k)
    over = [(c, sent) for c, sent in changes if sent > budget_bound(c)]
    if over:
        return "**Not bounded by the display budget**: " + "; ".join(
            f"after {change_label(c, sizes)} one refresh sent {fmt_bytes(sent)}, above "
            f"{fmt_bytes(budget_bound(c))} ({sent / run_bytes:.2f}x the run's points)"
            for c, sent in over
        )
    per_series = [sent / c for c, sent in changes]
    new_one = sizes.new_points * BYTES_PER_POINT
    text = (
        "Per changed series one refresh sent "
        + " / ".join(fmt_bytes(x) for x in per_series)
        + f" (with {' / '.join(str(c) for c, _ in changes)} series changed): the payload is "
        "proportional to the number of changed series, each bounded by its display budget "
        f"({SERIES_BUDGET:,} B of points), and does not grow with the run "
        f"({fmt_bytes(run_bytes)} of points)."
    )
    if min(per_series) > 4 * new_one:
        text += (
            f" It is **not** proportional to the number of new points: {sizes.new_points} new "
            f"points ({fmt_bytes(new_one)}) re-send the whole downsampled series of their "
            "metric (its bqplot line gets new x/y arrays, not the appended points)."
        )
    return text


def browser_section(tries: list[RenderTry]) -> list[str]:
    lines = [
        "### First render in chromium, per try",
        "",
        "Seconds after run-all was triggered (page clock), except the kernel-clock duration.",
        "",
        "| kernel | try | " + " | ".join(MARKS.values()) + " |",
        "|---|---|" + "---|" * len(MARKS),
    ]
    for kernel in ("fresh", "warm"):
        for i, t in enumerate(x for x in tries if x.kernel == kernel):
            cells = " | ".join(fmt_s(t.marks.get(key)) for key in MARKS)
            lines.append(f"| {kernel} | {i + 1} | {cells} |")
    return [*lines, ""]


def report(
    sizes: Sizes,
    mode: str,
    k: KernelResults,
    tries: list[RenderTry] | str,
    facts: list[str],
    wall: float,
) -> str:
    rows = kernel_rows(k, sizes)
    if isinstance(tries, str):
        rows.append(
            Row(
                "first render in chromium",
                f"not measured: {tries}",
                f"<= {fmt_s(FIRST_RENDER_TARGET)}",
            )
        )
    else:
        rows += browser_rows(tries)
    lines = [
        "# RunDetails widget benchmark",
        "",
        f"Run {_dt.datetime.now():%Y-%m-%d %H:%M}, mode: {mode}, `python benchmarks/widget.py"
        f"{' --quick' if mode == 'quick' else ''}`, wall time {wall:.0f} s.",
        "",
        *[f"- {fact}" for fact in facts],
        f"- workspace: one run with {sizes.metrics} metrics x {sizes.steps:,} steps "
        f"({sizes.points:,} points, `run.log_list`) and {sizes.children:,} child runs "
        f"(`run.create_children`; each given one metric and completed through the store "
        "directly: `ws.store.append_metrics` + `ws.store.set_status`)",
        "",
        "| measurement | result | target | met? |",
        "|---|---|---|---|",
        *[f"| {r.measurement} | {r.result} | {r.target} | {verdict(r.met)} |" for r in rows],
        "",
        *payload_section(k, sizes),
    ]
    if not isinstance(tries, str):
        lines += browser_section(tries)
    lines += [
        "Notes:",
        "",
        "- Kernel rows run in this process, without a kernel: comms are `comm.DummyComm`, "
        "whose `publish_msg` (both `comm_open` with a widget's initial state and `comm_msg` "
        "with updates) is wrapped to keep every message; sizes are JSON as serialized + "
        "binary buffers, counted after the timed sections. So the kernel timings exclude "
        "serialization and the websocket; the browser rows include everything.",
        "- CPU is `time.process_time()` (all threads of the process). The widget is taken off "
        "the shared poller thread after construction, so only the measured `refresh()` calls "
        "read the store.",
        f"- Payload target: per changed series its display budget ({DEFAULT_BUDGET:,} points "
        f"as x/y float64 = {SERIES_BUDGET:,} B) + {JSON_PER_SERIES:,} B of JSON, "
        f"+ {JSON_FIXED:,} B per refresh.",
        f"- First render: `performance.now()` is recorded in the page right before "
        "`notebook:run-all-cells` is executed; done when `.rw-header .rw-badge`, "
        f"{MIN_CHARTS} `.bqplot.figure` with a drawn `path.line` and a `.rw-child-row` are "
        "all on the page (checked every 10 ms). The one cell imports runwatch and builds "
        '`RunDetails(Run.get(Workspace.from_config(), RUN_ID)).show()`; "fresh" tries end '
        'the notebook\'s kernel first, "warm" tries reuse it. The page is reloaded every try.',
    ]
    return "\n".join(lines) + "\n"


# --- main ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller smoke run")
    parser.add_argument(
        "--out", type=Path, help="report path (default benchmarks/results/widget[-quick].md)"
    )
    args = parser.parse_args()
    sizes, mode = (QUICK, "quick") if args.quick else (FULL, "full")
    out = args.out or BENCH / "results" / ("widget-quick.md" if args.quick else "widget.md")

    facts = harness.machine_facts()
    facts.append(f"runwatch: {Path(runwatch.__file__).parent}")
    tmp = Path(tempfile.mkdtemp(prefix="rw-widget-bench-"))
    # Registered before any run exists, so it runs after runwatch's own exit handler
    # (which ends the runs this process owns and needs the store still there).
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    root, home = tmp / "lab-root", tmp / "lab-home"
    root.mkdir()
    home.mkdir()
    progress(f"mode {mode}; workspace in {root}")

    run = build_workspace(root, sizes)
    tries: list[RenderTry] | str
    if Path(chromium_path()).exists():
        progress(f"browser: first render, {sizes.browser_tries} tries per kernel state ...")
        tries = browser_side(root, home, run.id, sizes)
    else:
        tries = f"{chromium_path()} is not installed"
        progress(f"browser: skipped, {tries}")
    progress("kernel side, in-process ...")
    kernel = kernel_side(run, sizes)
    run.complete()

    facts.append("load average at end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    text = report(sizes, mode, kernel, tries, facts, time.perf_counter() - T0)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print()
    print(text)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
