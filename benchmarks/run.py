#!/usr/bin/env python
"""runwatch benchmark suite: runwatch vs MLflow (sqlite store) vs trackio.

    python benchmarks/run.py                 # full run (~15 min), median of 3
    python benchmarks/run.py --quick         # scaled-down smoke run (CI)
    python benchmarks/run.py --tools runwatch,trackio --workloads W1,W3 --repeat 5

runwatch workloads run with this interpreter (runwatch installed there);
MLflow and trackio run with a separate, cached virtualenv
(benchmarks/.venv-peers, created on first use) so their pins never touch the
main environment.  Every workload runs in a fresh subprocess in its own temp
directory and reports JSON on stdout.  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORKLOADS_DIR = BENCH / "workloads"
sys.path.insert(0, str(WORKLOADS_DIR))
import benchlib as bl  # noqa: E402

TOOLS = ("runwatch", "mlflow", "trackio")
PEERS = ("mlflow", "trackio")
WORKLOADS = ("W1", "W2", "W3", "W4", "W5", "W6")
PEER_PACKAGES = ("mlflow", "trackio")
IMPORT_NAMES = {"runwatch": "runwatch", "mlflow": "mlflow", "trackio": "trackio"}
W5_PROCESSES = 5
TARGET_RATIO = 3.0

# Divisors of the work for tools too slow to run a workload at full size
# (missing = 1 = full size).  Scaled results are extrapolated linearly by the
# workload and marked with "*" in the table.
SCALES = {
    "full": {"mlflow": {"W1": 20, "W2": 20, "W4": 50}},
    "quick": {
        "mlflow": {"W1": 100, "W2": 100, "W3": 100, "W4": 100, "W6": 10},
        "trackio": {"W6": 4},
    },
}
TIMEOUTS = {"full": 900, "quick": 300}  # seconds, per subprocess

# Extra environment for every workload: keep the tools offline and quiet.
QUIET_ENV = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "PYTHONUNBUFFERED": "1",
}
# runwatch's bytecode goes here (git-ignored) instead of next to its sources.
PYCACHE = BENCH / ".pycache"


def workload_env(tool: str) -> dict[str, str]:
    """Environment of a workload process.  Bytecode caching is forced on (a
    session may set PYTHONDONTWRITEBYTECODE, which would make every process
    recompile whatever changed since the last .pyc and skew cold imports)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(QUIET_ENV)
    if tool == "runwatch":
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


# --------------------------------------------------------------------------
# table rows


@dataclass
class Row:
    workload: str
    label: str
    field: str  # key in the workload's JSON result
    unit: str  # "s" or "ms" for display
    target: float | None  # seconds; None = informational row
    points_field: str | None = None  # result key with the count read back
    expected_points: int | None = None


ROWS = [
    Row("W1", "W1 20k log calls, until durable", "seconds", "s", 0.05),
    Row("W2", "W2 1M points (100 x 10k), until durable", "seconds", "s", 0.9),
    Row(
        "W3",
        "W3a cold read of one 100k series",
        "series_seconds",
        "ms",
        0.020,
        "series_points",
        bl.W3_SERIES,
    ),
    Row(
        "W3",
        "W3b cold read of all 1M points",
        "all_seconds",
        "ms",
        0.100,
        "all_points",
        bl.W2_METRICS * bl.W2_STEPS,
    ),
    Row("W3", "W3 (import of the tool, not in W3a/b)", "import_seconds", "s", None),
    Row("W4", "W4 8 processes x 10k points, wall", "seconds", "s", 1.0),
    Row("W4", "W4 errors / points lost", "errors_lost", "", None),
    Row("W5", "W5 cold import", "seconds", "s", 0.15),
    Row("W6", "W6a create 1,000 runs", "create_seconds", "s", 1.0, "listed", bl.W6_RUNS),
    Row("W6", "W6b list 1,000 runs + latest loss", "list_seconds", "ms", 0.012),
]

NOTES = {
    "mlflow": [
        "MLflow: sqlite tracking store (`sqlite:///.../mlflow.db`); schema creation and "
        "the experiment are set up before timing.  W1/W4 use `mlflow.log_metric(key, v, "
        "step=i)`, W2 and the W3 data use `MlflowClient.log_batch` (1,000 metrics per call), "
        "W3 reads use `MlflowClient.get_metric_history`, W6 uses `MlflowClient.create_run` "
        "+ `log_batch` + `set_terminated` and `MlflowClient.search_runs`.",
    ],
    "trackio": [
        "trackio (local mode, `TRACKIO_DIR` in the temp dir): W1/W2/W4 use `trackio.log` "
        "and `trackio.finish`.  Its public `trackio.Api` lists runs but cannot read metric "
        "values, so W3 reads and the W6 listing use `trackio.sqlite_storage.SQLiteStorage` "
        "(`get_metric_values`, `get_logs`, `get_logs_batch`), the storage layer its own "
        "dashboard server calls.  trackio has no run tags: W6 puts the 3 tags in the run "
        "config.  trackio has no run status.",
    ],
}


# --------------------------------------------------------------------------
# environment


def peer_python(venv: Path) -> Path:
    py = venv / "bin" / "python"
    ready = venv / ".bench-ready"
    if py.exists() and ready.exists():
        return py
    print(f"[venv] creating {venv} with: pip install {' '.join(PEER_PACKAGES)}", flush=True)
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    proc = subprocess.Popen(
        [str(py), "-m", "pip", "install", "--disable-pip-version-check", *PEER_PACKAGES],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    t0 = time.monotonic()
    for line in proc.stdout:
        if line.startswith(("Collecting", "Installing", "Successfully", "ERROR")):
            print(f"[venv {time.monotonic() - t0:5.0f}s] {line.rstrip()[:150]}", flush=True)
    if proc.wait() != 0:
        sys.exit("[venv] pip install failed; see the output above")
    ready.write_text(" ".join(PEER_PACKAGES) + "\n")
    return py


def interpreter(tool: str, venv: Path) -> str:
    return sys.executable if tool == "runwatch" else str(peer_python(venv))


def versions(py: str, packages: list[str]) -> dict[str, str]:
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        f"for p in {packages!r}:\n"
        "    try: out[p] = m.version(p)\n"
        "    except Exception: out[p] = 'not installed'\n"
        "print(json.dumps(out))"
    )
    p = subprocess.run([py, "-c", code], capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 else {k: "?" for k in packages}


def importable(tool: str, py: str) -> str | None:
    """None if the tool imports with ``py``, else the last line of the error."""
    p = subprocess.run(
        [py, "-c", f"import {IMPORT_NAMES[tool]}"],
        capture_output=True,
        text=True,
        env=workload_env(tool),
        cwd=tempfile.gettempdir(),
    )
    if p.returncode == 0:
        return None
    return (p.stderr.strip().splitlines() or ["import failed"])[-1]


def machine_facts() -> list[str]:
    cpu = platform.processor() or "?"
    mem = "?"
    try:
        cpus = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(ln.split(":", 1)[1].strip() for ln in cpus if ln.startswith("model name"))
        kib = next(
            ln.split()[1]
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        )
        mem = f"{int(kib) / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    facts = [
        f"cores: {os.cpu_count()} ({cpu}), memory: {mem}, load average at start: {load}",
        f"OS: {platform.platform()}",
        f"python: {platform.python_version()} ({sys.executable})",
    ]
    if os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        facts.append("**warning: the machine was busy when the run started; figures are noisy**")
    return facts


# --------------------------------------------------------------------------
# running workloads


def run_process(cmd: list[str], cwd: str, timeout: float, env: dict[str, str]) -> dict:
    """Run one workload process; return its JSON result or {"error": ...}.
    The process gets its own session so a timeout can end it and any children
    it started (W4) together."""
    p = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return {"error": f"timeout after {timeout:.0f} s"}
    res = bl.parse_result(out)
    if res is None:
        tail = (err.strip().splitlines() or out.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {p.returncode}: {tail[:300]}"}
    if p.returncode != 0 and "error" not in res:
        res["error"] = f"exit {p.returncode}"
    return res


def run_w5(tool: str, py: str, cwd: str, timeout: float) -> dict:
    """Median in-process import time over W5_PROCESSES fresh interpreters."""
    code = (
        "import time, json\n"
        "t0 = time.perf_counter()\n"
        f"import {IMPORT_NAMES[tool]}\n"
        "print(%r + json.dumps({'seconds': time.perf_counter() - t0}))" % bl.RESULT_MARK
    )
    times = []
    for _ in range(W5_PROCESSES):
        res = run_process([py, "-c", code], cwd, timeout, workload_env(tool))
        if "error" in res:
            return res
        times.append(res["seconds"])
    return {"seconds": statistics.median(times), "samples": times, "scale": 1}


def run_workload(tool: str, py: str, action: str, d: str, scale: int, timeout: float) -> dict:
    script = str(WORKLOADS_DIR / f"{tool}_w.py")
    cmd = [py, script, action, "--dir", d, "--scale", str(scale)]
    return run_process(cmd, d, timeout, workload_env(tool))


def warm_up(tool: str, py: str) -> str | None:
    """One untimed, tiny pass over the tool's code paths (import, store
    creation, writes, reads, listing) so bytecode caches exist and files are
    in the OS cache before anything is measured.  Returns an error or None."""
    w3, w6 = (tempfile.mkdtemp(prefix=f"bench-{tool}-warmup-") for _ in range(2))
    try:
        for action, d in (("W3setup", w3), ("W3read", w3), ("W6", w6)):
            res = run_workload(tool, py, action, d, 100, 300)
            if "error" in res:
                return f"{action}: {res['error']}"
        return None
    finally:
        shutil.rmtree(w3, ignore_errors=True)
        shutil.rmtree(w6, ignore_errors=True)


@dataclass
class Task:
    tool: str
    action: str  # W1..W6, W3setup, W3read
    rep: int


def plan(tools: list[str], workloads: list[str], repeat: int) -> list[Task]:
    """Interleave tools within each workload so slow drift hits all alike."""
    tasks = []
    for rep in range(1, repeat + 1):
        for w in workloads:
            for tool in tools:
                if w == "W3":
                    if rep == 1:
                        tasks.append(Task(tool, "W3setup", rep))
                    tasks.append(Task(tool, "W3read", rep))
                else:
                    tasks.append(Task(tool, w, rep))
    return tasks


def brief(res: dict) -> str:
    if "error" in res:
        return "ERROR " + res["error"][:200]
    parts = []
    for key in ("seconds", "series_seconds", "all_seconds", "create_seconds", "list_seconds"):
        if key in res:
            parts.append(f"{key.replace('_seconds', '')}={fmt_seconds(res[key], 's')}")
    if "lost" in res:
        parts.append(f"errors={res['errors']} lost={res['lost']}")
    if res.get("child_phases"):
        parts.append("child " + _phases(res["child_phases"]))
    if res.get("scale", 1) > 1:
        parts.append(f"(1/{res['scale']} of the work, extrapolated)")
    return " ".join(parts) or "ok"


def run_task(
    task: Task,
    args,
    scale: int,
    timeout: float,
    w3_dirs: dict[str, str],
    results: dict[str, dict[str, list[dict]]],
) -> dict:
    """Run one task in its fresh subprocess(es) and return its result."""
    tool, action = task.tool, task.action
    if args.unavailable.get(tool):
        return {"error": f"not importable: {args.unavailable[tool]}"}
    py = interpreter(tool, args.venv)
    if action.startswith("W3"):  # setup and reads share one directory
        if action == "W3setup":
            w3_dirs[tool] = tempfile.mkdtemp(prefix=f"bench-{tool}-W3-")
        setup = results[tool].get("W3setup", [{}])[-1]
        if action == "W3read" and "error" in setup:
            return {"error": "W3 setup failed: " + setup["error"]}
        d = w3_dirs[tool]
    else:
        d = tempfile.mkdtemp(prefix=f"bench-{tool}-{action}-")
    try:
        if action == "W5":
            return run_w5(tool, py, d, timeout)
        return run_workload(tool, py, action, d, scale, timeout)
    finally:
        if not action.startswith("W3"):
            shutil.rmtree(d, ignore_errors=True)


def run_all(args, tools: list[str], workloads: list[str]) -> dict[str, dict[str, list[dict]]]:
    """Run every task, printing progress; results[tool][workload] = [per repeat]."""
    mode = "quick" if args.quick else "full"
    tasks = plan(tools, workloads, args.repeat)
    results: dict[str, dict[str, list[dict]]] = {t: {} for t in tools}
    w3_dirs: dict[str, str] = {}
    t_start = time.monotonic()
    try:
        for i, task in enumerate(tasks, 1):
            scale = SCALES[mode].get(task.tool, {}).get(task.action[:2], 1)
            print(
                f"[{i}/{len(tasks)}] {task.tool} {task.action} (rep {task.rep}/{args.repeat}) ...",
                end=" ",
                flush=True,
            )
            t0 = time.monotonic()
            res = run_task(task, args, scale, TIMEOUTS[mode], w3_dirs, results)
            results[task.tool].setdefault(
                "W3" if task.action == "W3read" else task.action, []
            ).append(res)
            done = "done" if task.action == "W3setup" and "error" not in res else brief(res)
            print(
                f"{done}  [{time.monotonic() - t0:.1f}s, total {time.monotonic() - t_start:.0f}s]",
                flush=True,
            )
    finally:
        for d in w3_dirs.values():
            shutil.rmtree(d, ignore_errors=True)
    return results


# --------------------------------------------------------------------------
# table


def fmt_seconds(v: float, unit: str) -> str:
    x = v * 1000 if unit == "ms" else v
    if x >= 100:
        s = f"{x:,.0f}"
    elif x >= 10:
        s = f"{x:.1f}"
    elif x >= 1:
        s = f"{x:.2f}"
    else:
        s = f"{x:.3f}"
    return f"{s} {unit}"


@dataclass
class Cell:
    value: float | None = None  # seconds (median); None if no figure
    text: str = "—"
    ok: bool = True  # W4: no errors and no loss


def cell_for(row: Row, runs: list[dict] | None, footnote: Callable[[str], str]) -> Cell:
    if not runs:
        return Cell()
    errors = [r["error"] for r in runs if "error" in r]
    good = [r for r in runs if "error" not in r]
    if not good:
        return Cell(text="error" + footnote(errors[0]))
    if row.field == "errors_lost":
        errs = max(r["errors"] for r in good)
        lost = max(r["lost"] for r in good)
        text = f"{errs} / {lost:,}"
        if errs:
            text += footnote(
                "W4 child error: "
                + "; ".join(m for r in good for m in r.get("error_messages", []))[:300]
            )
        return Cell(None, text, errs == 0 and lost == 0)
    value = statistics.median(r[row.field] for r in good)
    text = fmt_seconds(value, row.unit)
    scale = max(r.get("scale", 1) for r in good)
    if scale > 1 and row.field != "import_seconds":
        text += "*"
    if row.points_field and row.expected_points:
        got = min(r.get(row.points_field, 0) for r in good)
        want = bl.scaled(row.expected_points, scale)
        if got != want:
            text += footnote(f"read back {got:,} of {want:,} expected")
    if errors:
        text += footnote(f"{len(errors)} of {len(runs)} repeats failed: {errors[0]}")
    return Cell(value, text)


def build_report(results, tools, workloads, args, facts) -> str:
    notes: list[str] = []

    def footnote(text: str) -> str:
        if text not in notes:
            notes.append(text)
        return f" [{notes.index(text) + 1}]"

    peers = [t for t in tools if t in PEERS]
    header = ["workload", *tools]
    if "runwatch" in tools and peers:
        header += ["fastest peer / runwatch"]
    if "runwatch" in tools:
        header += ["runwatch target", "met?"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in ROWS:
        if row.workload not in workloads:
            continue
        cells = {t: cell_for(row, results[t].get(row.workload), footnote) for t in tools}
        line = [row.label] + [cells[t].text for t in tools]
        rw = cells.get("runwatch")
        ratio = None
        if "runwatch" in tools and peers:
            peer_vals = [(cells[p].value, p) for p in peers if cells[p].value is not None]
            if row.target is not None and peer_vals and rw.value:
                best, who = min(peer_vals)
                ratio = best / rw.value
                line.append(f"{ratio:.1f}x ({who})")
            else:
                line.append("—")
        if "runwatch" in tools:
            if row.field == "errors_lost":
                line += [
                    "0 lost, 0 errors",
                    ("yes" if rw.ok else "**no**") if rw.text != "—" else "—",
                ]
            elif row.target is None:
                line += ["—", "—"]
            else:
                tgt = f"<= {fmt_seconds(row.target, row.unit)}"
                if peers:
                    tgt += f", >= {TARGET_RATIO:.0f}x"
                if rw.value is None:
                    met = "—"
                else:
                    why = []
                    if rw.value > row.target:
                        why.append("too slow")
                    if peers and (ratio is None or ratio < TARGET_RATIO):
                        why.append("ratio" if ratio is not None else "no peer figure")
                    met = "yes" if not why else f"**no** ({', '.join(why)})"
                line += [tgt, met]
        lines.append("| " + " | ".join(line) + " |")

    mode = "quick (scaled-down smoke run)" if args.quick else "full"
    out = [
        "# runwatch benchmarks",
        "",
        f"Run {_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}, mode: {mode}, "
        f"median of {args.repeat} repeat(s) (W5: median of {W5_PROCESSES} processes per repeat).",
        "",
    ]
    out += [f"- {f}" for f in facts]
    out += ["", *lines, ""]
    out.append("Lower is better.  `—` = not measured.")
    if "runwatch" in tools and peers:
        out[-1] += (
            "  The ratio is the fastest peer's figure divided by runwatch's"
            " (above 1x = runwatch faster)."
        )
    scaled_cells = [
        (t, w, k)
        for t in tools
        for w, k in SCALES["quick" if args.quick else "full"].get(t, {}).items()
        if w in workloads
    ]
    if scaled_cells:
        out += ["", "`*` scaled down and extrapolated linearly to full size:"]
        for t, w, k in scaled_cells:
            meas = _measured(results[t].get(w, []))
            out.append(
                f"- {t} {w}: ran 1/{k} of the work{meas}, x{k} "
                + {
                    "W3": "(only the part after opening the store is scaled)",
                    "W4": "(only the logging time is scaled; imports and start-up are not)",
                }.get(w, "(all of it)")
                + "."
            )
    if "W4" in workloads:
        out += [
            "",
            "W4 per child (median of the 8 children, from the median repeat): "
            "start = interpreter start-up after spawn, import = import of the tool, "
            "open = open the store + create the run, log = log the points + finish:",
        ]
        for t in tools:
            good = sorted(
                (r for r in results[t].get("W4", []) if r.get("child_phases")),
                key=lambda r: r["seconds"],
            )
            if good:
                out.append(f"- {t}: {_phases(good[len(good) // 2]['child_phases'])}")
    for t in tools:
        if NOTES.get(t):
            out += [""] + NOTES[t]
    if notes:
        out += ["", "Notes:"] + [f"[{i}] {n}" for i, n in enumerate(notes, 1)]
    return "\n".join(out) + "\n"


def _phases(ph: dict) -> str:
    return ", ".join(f"{k} {v:.2f}s" for k, v in ph.items())


def _measured(runs: list[dict]) -> str:
    """ " (measured 10.5 s)" for the footnote of a scaled cell."""
    good = [r for r in runs if "error" not in r]
    labels = {
        "measured_seconds": "",
        "measured_series_seconds": "W3a ",
        "measured_all_seconds": "W3b ",
        "measured_create_seconds": "create ",
        "measured_list_seconds": "list ",
    }
    parts = [
        label + fmt_seconds(statistics.median(r[k] for r in good), "s")
        for k, label in labels.items()
        if good and k in good[0]
    ]
    return f" (measured {', '.join(parts)})" if parts else ""


# --------------------------------------------------------------------------


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="scaled-down smoke run (slow peers scaled further, 1 repeat by default)",
    )
    p.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="repeats, median reported (default 3; 1 with --quick)",
    )
    p.add_argument("--tools", default=",".join(TOOLS), help="comma list of " + ",".join(TOOLS))
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma list of W1..W6")
    p.add_argument(
        "--out",
        default=None,
        help="Markdown output (default benchmarks/results/latest.md, "
        "latest-quick.md with --quick); raw JSON goes next to it",
    )
    p.add_argument(
        "--venv",
        default=str(BENCH / ".venv-peers"),
        help="virtualenv for the peers (created once, then reused)",
    )
    args = p.parse_args(argv)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.venv = Path(args.venv).resolve()
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    bad = [t for t in tools if t not in TOOLS] + [w for w in workloads if w not in WORKLOADS]
    if bad:
        p.error(f"unknown tool/workload: {', '.join(bad)}")
    out = (
        Path(args.out)
        if args.out
        else BENCH / "results" / ("latest-quick.md" if args.quick else "latest.md")
    )

    facts = machine_facts()
    args.unavailable = {}
    vers: dict[str, str] = {}
    if "runwatch" in tools:
        err = importable("runwatch", sys.executable)
        if err:
            args.unavailable["runwatch"] = err
            print(f"[setup] runwatch is not importable here: {err}", flush=True)
        vers.update(versions(sys.executable, ["runwatch"]))
    peers = [t for t in tools if t in PEERS]
    if peers:
        py = str(peer_python(args.venv))
        vers.update(versions(py, peers))
        pyver = subprocess.run(
            [py, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        facts.append(f"peers' venv: {args.venv} (python {pyver})")
    facts.append("versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))

    # The peers' bytecode was compiled by pip; a quick run only warms runwatch.
    for tool in ["runwatch"] if args.quick else tools:
        if tool in tools and not args.unavailable.get(tool):
            print(f"[setup] warm-up of {tool} (untimed) ...", end=" ", flush=True)
            err = warm_up(tool, interpreter(tool, args.venv))
            print(f"failed: {err}" if err else "done", flush=True)

    t0 = time.monotonic()
    results = run_all(args, tools, workloads)
    facts.append(
        f"suite wall time: {time.monotonic() - t0:.0f} s, load average at end: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )

    report = build_report(results, tools, workloads, args, facts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    out.with_suffix(".json").write_text(
        json.dumps(
            {
                "facts": facts,
                "mode": "quick" if args.quick else "full",
                "repeat": args.repeat,
                "results": results,
            },
            indent=1,
        )
    )
    print()
    print(report)
    print(f"written to {out} (+ {out.with_suffix('.json').name})")
    # A smoke run fails when a runwatch workload failed (not on missed targets).
    failed = [
        w for w, runs in results.get("runwatch", {}).items() if any("error" in r for r in runs)
    ]
    if failed:
        print(f"runwatch workloads failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
