#!/usr/bin/env python
"""runwatch benchmark suite: runwatch vs MLflow (sqlite store) vs trackio.

    python benchmarks/run.py                 # full run (~15 min), median of 3
    python benchmarks/run.py --quick         # scaled-down smoke run (CI)
    python benchmarks/run.py --tools runwatch,trackio --workloads W1,W3 --repeat 5
    python benchmarks/run.py --backends sqlite,postgres --tools runwatch,mlflow
                                             # + runwatch and MLflow on PostgreSQL

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
BACKENDS = ("sqlite", "postgres")
PG_TOOLS = ("runwatch", "mlflow")  # tools with a PostgreSQL store (trackio has none)
# MLflow's PostgreSQL driver, installed into the peers' venv when first needed
# (SQLAlchemy's `postgresql+psycopg` dialect; psycopg 3, as runwatch uses).
PEER_PG_DRIVER = "psycopg[binary]"
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
# On PostgreSQL (--backends ...,postgres) these replace a tool's SCALES entries:
# MLflow's full-size W3 setup (1.1M points through log_batch) would take minutes.
SCALES_POSTGRES: dict[str, dict[str, dict[str, int]]] = {
    "full": {"mlflow": {"W3": 10}},
    "quick": {},
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
# columns: a tool on a store backend


@dataclass(frozen=True)
class Column:
    name: str  # table column and key of the results
    tool: str
    backend: str  # "sqlite" (each tool's local store) or "postgres"


def make_columns(tools: list[str], backends: list[str]) -> list[Column]:
    """One column per tool, named after it (the default, sqlite only); with
    several backends one per tool and backend ("runwatch-postgres"), tools
    without a PostgreSQL store only in their sqlite column."""
    if backends == ["sqlite"]:
        return [Column(t, t, "sqlite") for t in tools]
    return [
        Column(f"{t}-{b}", t, b) for t in tools for b in backends if b == "sqlite" or t in PG_TOOLS
    ]


def scale_of(col: Column, mode: str, action: str) -> int:
    scales = dict(SCALES[mode].get(col.tool, {}))
    if col.backend == "postgres":
        scales.update(SCALES_POSTGRES[mode].get(col.tool, {}))
    return scales.get(action[:2], 1)


class PgDatabases:
    """The run's throwaway PostgreSQL server (tests/unit/store/pgserver.py,
    fsync on) and a fresh database per workload run.  Each tool's tables are
    created once, untimed, in a template database (MLflow's migrations take
    seconds); every workload database is a copy of it (CREATE DATABASE ...
    TEMPLATE), so each run starts from an empty, migrated store."""

    def __init__(self) -> None:
        sys.path.insert(0, str(BENCH.parent / "tests" / "unit" / "store"))
        from pgserver import PgServer

        self.server = PgServer(durable=True).start()
        self.templates: dict[str, str] = {}
        self.count = 0

    def version(self) -> str:
        import psycopg

        with psycopg.connect(self.server.url()) as conn:
            return str(conn.execute("SHOW server_version").fetchone()[0])

    def url(self, tool: str, name: str) -> str:
        """The URL as each tool takes it (MLflow: SQLAlchemy's psycopg 3 dialect)."""
        url = self.server.url(name)
        return url.replace("postgresql://", "postgresql+psycopg://") if tool == "mlflow" else url

    def fresh(self, tool: str, py: str, action: str) -> str:
        """A new database with the tool's tables and nothing else; its URL."""
        import psycopg

        if tool not in self.templates:
            name = f"template_{tool}"
            self.server.admin(f"CREATE DATABASE {name}")
            d = tempfile.mkdtemp(prefix=f"bench-{tool}-schema-")
            try:
                res = run_workload(tool, py, "schema", d, 1, 300, self.url(tool, name))
            finally:
                shutil.rmtree(d, ignore_errors=True)
            if "error" in res:
                raise RuntimeError(f"{tool}: creating its tables failed: {res['error']}")
            self.templates[tool] = name
        self.count += 1
        name = f"{tool}_{action}_{self.count}".lower()
        for attempt in range(100):  # the schema process's session may still be ending
            try:
                self.server.admin(f"CREATE DATABASE {name} TEMPLATE {self.templates[tool]}")
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 99:
                    raise
                time.sleep(0.1)
        return self.url(tool, name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        try:
            self.server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except Exception as e:  # a leftover database goes with the server
            print(f"[postgres] could not drop {name}: {e}", flush=True)

    def stop(self) -> None:
        self.server.stop()


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
    Row(
        "W2",
        "W2 1M points (100 x 10k), until durable: runwatch one `run.log` call per point",
        "seconds",
        "s",
        0.9,
    ),
    Row("W2", "W2 runwatch `log_list` (its fastest API), same data", "log_list_seconds", "s", None),
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
    Row("W6", "W6b list 1,000 runs + latest loss, same process", "list_seconds", "ms", None),
    Row(
        "W6",
        "W6c list 1,000 runs + latest loss, fresh process (open included, import not)",
        "cold_list_seconds",
        "ms",
        0.012,
        "cold_listed",
        bl.W6_RUNS,
    ),
]

NOTES = {
    "runwatch": [
        "runwatch: W2 is the loop users write, `run.log(f'm{i}', v, step=s)` for each of "
        "the 100 metrics at each of the 10,000 steps (1M calls), then `run.complete()`; "
        "the row below it is the same data through `run.log_list` (one call per metric), "
        "in a second run of the same process.  W6c lists from a new process started after "
        "the runs were created: `Workspace.from_config` + `Experiment(...)"
        ".get_run_summaries(metrics=['loss'])` are timed, `import runwatch` is not (the "
        "peers likewise: a new client or storage and the listing timed, the import not).",
    ],
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
    "postgres": [
        "PostgreSQL columns (`--backends sqlite,postgres`): one throwaway local server for "
        "the whole run (`tests/unit/store/pgserver.py`, 127.0.0.1, fsync on as a real "
        "server), a fresh database per workload run (W3: setup and reads share one), copied "
        "from a template in which the tool created its tables beforehand (untimed).  "
        "runwatch: a workspace with a `postgresql://` store and a local artifacts folder "
        "(psycopg 3).  MLflow: tracking URI `postgresql+psycopg://...` (SQLAlchemy with "
        "psycopg 3, in the peers' venv).  The same workloads and calls as on sqlite.",
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


def peer_pg_driver(py: Path) -> None:
    """Install MLflow's PostgreSQL driver into the peers' venv if it lacks it."""
    if subprocess.run([str(py), "-c", "import psycopg"], capture_output=True).returncode == 0:
        return
    print(f"[venv] pip install {PEER_PG_DRIVER} (MLflow's PostgreSQL driver)", flush=True)
    pip = subprocess.run(
        [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q", PEER_PG_DRIVER],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        sys.exit(f"[venv] pip install {PEER_PG_DRIVER} failed: {pip.stderr.strip()[-500:]}")


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


def run_workload(
    tool: str, py: str, action: str, d: str, scale: int, timeout: float, store_url: str = ""
) -> dict:
    script = str(WORKLOADS_DIR / f"{tool}_w.py")
    cmd = [py, script, action, "--dir", d, "--scale", str(scale)]
    if store_url:
        cmd += ["--store-url", store_url]
    return run_process(cmd, d, timeout, workload_env(tool))


def warm_up(col: Column, py: str, pg: PgDatabases | None) -> str | None:
    """One untimed, tiny pass over the tool's code paths (import, store
    creation, writes, reads, listing) so bytecode caches exist and files are
    in the OS cache before anything is measured.  Returns an error or None."""
    tool = col.tool
    w3, w6 = (tempfile.mkdtemp(prefix=f"bench-{tool}-warmup-") for _ in range(2))
    urls: dict[str, str] = {}
    try:
        if col.backend == "postgres":
            assert pg is not None
            urls = {w3: pg.fresh(tool, py, "warmup"), w6: pg.fresh(tool, py, "warmup")}
        for action, d in (("W3setup", w3), ("W3read", w3), ("W6", w6)):
            res = run_workload(tool, py, action, d, 100, 300, urls.get(d, ""))
            if "error" in res:
                return f"{action}: {res['error']}"
        return None
    finally:
        shutil.rmtree(w3, ignore_errors=True)
        shutil.rmtree(w6, ignore_errors=True)
        for url in urls.values():
            assert pg is not None
            pg.drop(url)


@dataclass
class Task:
    col: Column
    action: str  # W1..W6, W3setup, W3read
    rep: int


def plan(columns: list[Column], workloads: list[str], repeat: int) -> list[Task]:
    """Interleave tools within each workload so slow drift hits all alike.
    W5 (import) does not depend on the store: only sqlite columns run it."""
    tasks = []
    for rep in range(1, repeat + 1):
        for w in workloads:
            for col in columns:
                if w == "W3":
                    if rep == 1:
                        tasks.append(Task(col, "W3setup", rep))
                    tasks.append(Task(col, "W3read", rep))
                elif w != "W5" or col.backend == "sqlite":
                    tasks.append(Task(col, w, rep))
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
    w3_dirs: dict[str, tuple[str, str]],
    results: dict[str, dict[str, list[dict]]],
) -> dict:
    """Run one task in its fresh subprocess(es) and return its result.
    PostgreSQL columns get a fresh database per task (W3: setup and reads
    share one), dropped afterwards."""
    col, action = task.col, task.action
    tool = col.tool
    if args.unavailable.get(tool):
        return {"error": f"not importable: {args.unavailable[tool]}"}
    py = interpreter(tool, args.venv)
    pg: PgDatabases | None = args.pg
    if action.startswith("W3"):  # setup and reads share one directory (and database)
        if action == "W3setup":
            d = tempfile.mkdtemp(prefix=f"bench-{tool}-W3-")
            w3_dirs[col.name] = (d, "")
            if col.backend == "postgres":
                assert pg is not None
                w3_dirs[col.name] = (d, pg.fresh(tool, py, action))
        setup = results[col.name].get("W3setup", [{}])[-1]
        if action == "W3read" and "error" in setup:
            return {"error": "W3 setup failed: " + setup["error"]}
        d, url = w3_dirs[col.name]
    else:
        d = tempfile.mkdtemp(prefix=f"bench-{tool}-{action}-")
        url = ""
        if col.backend == "postgres" and action != "W5":
            assert pg is not None
            url = pg.fresh(tool, py, action)
    try:
        if action == "W5":
            return run_w5(tool, py, d, timeout)
        return run_workload(tool, py, action, d, scale, timeout, url)
    finally:
        if not action.startswith("W3"):
            shutil.rmtree(d, ignore_errors=True)
            if url and pg is not None:
                pg.drop(url)


def run_all(args, columns: list[Column], workloads: list[str]) -> dict[str, dict[str, list[dict]]]:
    """Run every task, printing progress; results[column][workload] = [per repeat]."""
    mode = "quick" if args.quick else "full"
    tasks = plan(columns, workloads, args.repeat)
    results: dict[str, dict[str, list[dict]]] = {c.name: {} for c in columns}
    w3_dirs: dict[str, tuple[str, str]] = {}
    t_start = time.monotonic()
    try:
        for i, task in enumerate(tasks, 1):
            scale = scale_of(task.col, mode, task.action)
            print(
                f"[{i}/{len(tasks)}] {task.col.name} {task.action} "
                f"(rep {task.rep}/{args.repeat}) ...",
                end=" ",
                flush=True,
            )
            t0 = time.monotonic()
            res = run_task(task, args, scale, TIMEOUTS[mode], w3_dirs, results)
            results[task.col.name].setdefault(
                "W3" if task.action == "W3read" else task.action, []
            ).append(res)
            done = "done" if task.action == "W3setup" and "error" not in res else brief(res)
            print(
                f"{done}  [{time.monotonic() - t0:.1f}s, total {time.monotonic() - t_start:.0f}s]",
                flush=True,
            )
    finally:
        for d, url in w3_dirs.values():
            shutil.rmtree(d, ignore_errors=True)
            if url and args.pg is not None:
                args.pg.drop(url)
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
    good = [r for r in good if row.field in r]
    if not good:  # a figure this tool does not report (e.g. runwatch's log_list row)
        return Cell()
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


def ratio_columns(columns: list[Column]) -> list[tuple[str, list[Column], Column]]:
    """With several backends: (header, numerator columns, denominator column)
    for each ratio column.  Per backend, the fastest peer on that backend over
    runwatch on it; and runwatch on PostgreSQL over runwatch on sqlite."""
    by = {(c.tool, c.backend): c for c in columns}
    out = []
    backends = [b for b in BACKENDS if any(c.backend == b for c in columns)]
    for b in backends:
        rw = by.get(("runwatch", b))
        peers = [c for c in columns if c.backend == b and c.tool in PEERS]
        if rw and peers:
            head = peers[0].name if len(peers) == 1 else f"fastest peer ({b})"
            out.append((f"{head} / {rw.name}", peers, rw))
    if ("runwatch", "sqlite") in by and ("runwatch", "postgres") in by:
        out.append(
            (
                "runwatch-postgres / runwatch-sqlite",
                [by[("runwatch", "postgres")]],
                by[("runwatch", "sqlite")],
            )
        )
    return out


def build_report(results, columns: list[Column], workloads, args, facts) -> str:
    notes: list[str] = []

    def footnote(text: str) -> str:
        if text not in notes:
            notes.append(text)
        return f" [{notes.index(text) + 1}]"

    names = [c.name for c in columns]
    multi = any(c.name != c.tool for c in columns)  # several backends: ratio columns only
    ratios = ratio_columns(columns) if multi else []
    peers = [c.name for c in columns if c.tool in PEERS]
    header = ["workload", *names]
    if multi:
        header += [head for head, _, _ in ratios]
    else:
        if "runwatch" in names and peers:
            header += ["fastest peer / runwatch"]
        if "runwatch" in names:
            header += ["runwatch target", "met?"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in ROWS:
        if row.workload not in workloads:
            continue
        cells = {n: cell_for(row, results[n].get(row.workload), footnote) for n in names}
        line = [row.label] + [cells[n].text for n in names]
        if multi:
            for _, over, under in ratios:
                vals = [(cells[c.name].value, c.name) for c in over]
                vals = [(v, n) for v, n in vals if v is not None]
                den = cells[under.name].value
                if row.target is not None and vals and den:
                    line.append(f"{min(vals)[0] / den:.1f}x")
                else:
                    line.append("—")
            lines.append("| " + " | ".join(line) + " |")
            continue
        rw = cells.get("runwatch")
        ratio = None
        if "runwatch" in names and peers:
            peer_vals = [(cells[p].value, p) for p in peers if cells[p].value is not None]
            if row.target is not None and peer_vals and rw.value:
                best, who = min(peer_vals)
                ratio = best / rw.value
                line.append(f"{ratio:.1f}x ({who})")
            else:
                line.append("—")
        if "runwatch" in names:
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
    if multi:
        out[-1] += (
            "  A ratio `a / b` is column a's figure divided by column b's: for a peer over"
            " runwatch, above 1x = runwatch faster; for runwatch-postgres / runwatch-sqlite,"
            " what the PostgreSQL store costs over the local file (above 1x = slower)."
            "  Targets are for the local (sqlite) store; see the default run's table."
        )
        if "W5" in workloads and any(c.backend == "postgres" for c in columns):
            out.append(
                "W5 (the import) does not depend on the store, so only the sqlite columns"
                " measure it (runwatch imports psycopg only when it opens a PostgreSQL store)."
            )
    elif "runwatch" in names and peers:
        out[-1] += (
            "  The ratio is the fastest peer's figure divided by runwatch's"
            " (above 1x = runwatch faster)."
        )
    mode_key = "quick" if args.quick else "full"
    scaled_cells = [
        (c.name, w, k)
        for c in columns
        for w in WORKLOADS
        if w in workloads and (k := scale_of(c, mode_key, w)) > 1
    ]
    if scaled_cells:
        out += ["", "`*` scaled down and extrapolated linearly to full size:"]
        for n, w, k in scaled_cells:
            meas = _measured(results[n].get(w, []))
            out.append(
                f"- {n} {w}: ran 1/{k} of the work{meas}, x{k} "
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
        for n in names:
            good = sorted(
                (r for r in results[n].get("W4", []) if r.get("child_phases")),
                key=lambda r: r["seconds"],
            )
            if good:
                out.append(f"- {n}: {_phases(good[len(good) // 2]['child_phases'])}")
    for t in dict.fromkeys(c.tool for c in columns):
        if NOTES.get(t):
            out += [""] + NOTES[t]
    if any(c.backend == "postgres" for c in columns):
        out += ["", *NOTES["postgres"]]
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
        "--backends",
        default="sqlite",
        help="comma list of store backends: sqlite (each tool's local store, the default), "
        "postgres (a throwaway local PostgreSQL server; runwatch and MLflow only); with "
        "more than one, columns are named tool-backend",
    )
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
    backends = [b.strip().lower() for b in args.backends.split(",") if b.strip()]
    bad = [t for t in tools if t not in TOOLS] + [w for w in workloads if w not in WORKLOADS]
    bad += [b for b in backends if b not in BACKENDS]
    if bad:
        p.error(f"unknown tool/workload/backend: {', '.join(bad)}")
    columns = make_columns(tools, backends)
    if not columns:
        p.error("no column to run: PostgreSQL is only measured for " + ", ".join(PG_TOOLS))
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
    args.pg = None
    if "postgres" in backends:
        if "mlflow" in tools:
            peer_pg_driver(peer_python(args.venv))
        print("[setup] starting a throwaway PostgreSQL server ...", end=" ", flush=True)
        try:
            args.pg = PgDatabases()
        except Exception as e:  # no binaries, no psycopg here, initdb failed, ...
            sys.exit(f"cannot start PostgreSQL for --backends postgres: {e}")
        pg_version = args.pg.version()
        print(f"PostgreSQL {pg_version} on port {args.pg.server.port}", flush=True)
        facts.append(f"PostgreSQL {pg_version}, local throwaway server on 127.0.0.1, fsync on")
        if "mlflow" in tools:
            peer_vers = versions(str(peer_python(args.venv)), ["psycopg", "sqlalchemy"])
            vers.update({f"{k} (peers)": v for k, v in peer_vers.items()})
        if "runwatch" in tools:
            vers.update(versions(sys.executable, ["psycopg"]))
    facts.append("versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))

    try:
        # The peers' bytecode was compiled by pip; a quick run only warms runwatch.
        for col in columns:
            if (args.quick and col.tool != "runwatch") or args.unavailable.get(col.tool):
                continue
            print(f"[setup] warm-up of {col.name} (untimed) ...", end=" ", flush=True)
            err = warm_up(col, interpreter(col.tool, args.venv), args.pg)
            print(f"failed: {err}" if err else "done", flush=True)

        t0 = time.monotonic()
        results = run_all(args, columns, workloads)
    finally:
        if args.pg is not None:
            args.pg.stop()
    facts.append(
        f"suite wall time: {time.monotonic() - t0:.0f} s, load average at end: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )

    report = build_report(results, columns, workloads, args, facts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    out.with_suffix(".json").write_text(
        json.dumps(
            {
                "facts": facts,
                "mode": "quick" if args.quick else "full",
                "repeat": args.repeat,
                "backends": backends,
                "columns": {c.name: {"tool": c.tool, "backend": c.backend} for c in columns},
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
        f"{c.name} {w}" if c.name != c.tool else w
        for c in columns
        if c.tool == "runwatch"
        for w, runs in results[c.name].items()
        if any("error" in r for r in runs)
    ]
    if failed:
        print(f"runwatch workloads failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
