"""runwatch workloads, run with the harness's own interpreter (runwatch
installed editable there).

The workspace lives in the workload's temp directory: a sqlite store
(``runwatch.db``), or the harness's ``--store-url`` (an empty PostgreSQL
database, ``postgresql://...``), plus a local artifacts folder, with
``.runwatch/config.json`` written so fresh processes can use
``Workspace.from_config``.  Creating the
workspace and the Experiment object happens before any timer starts.
"""

from __future__ import annotations

import os

import benchlib as bl
from benchlib import now, scaled

IMPORT_NAME = "runwatch"


def _workspace(d: str, create: bool = False, url: str = ""):
    import runwatch

    if create:
        ws = runwatch.Workspace(
            name="bench",
            store=url or f"sqlite:///{os.path.join(d, 'runwatch.db')}",
            artifacts=os.path.join(d, "artifacts"),
        )
        ws.write_config(d)
        return ws
    return runwatch.Workspace.from_config(path=d)


def _experiment(d: str, create: bool = False, url: str = ""):
    import runwatch

    return runwatch.Experiment(_workspace(d, create, url), bl.PROJECT)


def _count(value, name: str | None = None) -> int:
    """Points in a get_metrics() value: a list, or the bare value if logged
    once.  get_metrics(name) returns {name: value} (as Azure ML's does), so
    pass ``name`` to unwrap that."""
    if name is not None and isinstance(value, dict):
        value = value.get(name)
    if value is None:
        return 0
    return len(value) if isinstance(value, list) else 1


def w1(args):
    """20,000 x run.log('loss', v), then run.complete()."""
    exp = _experiment(args.dir, create=True, url=args.store_url)
    n = scaled(bl.W1_CALLS, args.scale)
    vals = bl.values(n)
    t0 = now()
    run = exp.start_logging()
    for v in vals:
        run.log("loss", v)
    run.complete()
    dt = now() - t0
    return {"seconds": dt * args.scale, "measured_seconds": dt, "points": n}


def _log_lists(exp, series: dict[str, list[float]]) -> str:
    run = exp.start_logging()
    for name, vals in series.items():
        run.log_list(name, vals)
    run.complete()
    return run.id


def w2(args):
    """The loop users write: for each step, run.log(f'm{i}', v, step=s) for 100
    metrics (one call per point), then complete().  Then, in a second run of the
    same process, the fastest public API: run.log_list(f'm{i}', 10,000 floats)
    for 100 metrics, then complete()."""
    exp = _experiment(args.dir, create=True, url=args.store_url)
    steps = scaled(bl.W2_STEPS, args.scale)
    data = bl.w2_data(steps)
    names = [f"m{i}" for i in range(len(data))]
    rows = [list(row) for row in zip(*data, strict=True)]  # one list of 100 values per step
    t0 = now()
    run = exp.start_logging()
    log = run.log
    for step, row in enumerate(rows):
        for name, value in zip(names, row, strict=True):
            log(name, value, step=step)
    run.complete()
    dt = now() - t0

    series = dict(zip(names, data, strict=True))
    t0 = now()
    _log_lists(exp, series)
    dt_list = now() - t0
    return {
        "seconds": dt * args.scale,
        "measured_seconds": dt,
        "log_list_seconds": dt_list * args.scale,
        "points": steps * bl.W2_METRICS,
    }


def w3_setup(args):
    exp = _experiment(args.dir, create=True, url=args.store_url)
    ids = {"series": _log_lists(exp, {"series": bl.values(scaled(bl.W3_SERIES, args.scale))})}
    data = bl.w2_data(scaled(bl.W2_STEPS, args.scale))
    ids["w2"] = _log_lists(exp, {f"m{i}": vals for i, vals in enumerate(data)})
    bl.save_json(os.path.join(args.dir, "ids.json"), ids)
    return {}


def w3_read(args):
    """Fresh process: Workspace.from_config + Run.get + get_metrics('series'),
    then the same with get_metrics() (all 100 metrics of the W2 run)."""
    t0 = now()
    import runwatch

    t_import = now() - t0
    ids = bl.load_json(os.path.join(args.dir, "ids.json"))

    t0 = now()
    ws = runwatch.Workspace.from_config(path=args.dir)
    series = runwatch.Run.get(ws, ids["series"]).get_metrics("series")
    t_series = now() - t0

    t0 = now()
    ws = runwatch.Workspace.from_config(path=args.dir)
    everything = runwatch.Run.get(ws, ids["w2"]).get_metrics()
    t_all = now() - t0
    return {
        "series_seconds": t_series * args.scale,
        "all_seconds": t_all * args.scale,
        "import_seconds": t_import,
        "series_points": _count(series, "series"),
        "all_points": sum(_count(v) for v in everything.values()),
    }


def w4(args):
    # the shared workspace + config exist up front
    _experiment(args.dir, create=True, url=args.store_url)

    def count():
        import runwatch

        ws = _workspace(args.dir)
        summaries = runwatch.Experiment(ws, bl.PROJECT).get_run_summaries()
        return sum(
            _count(runwatch.Run.get(ws, s.id).get_metrics("loss"), "loss") for s in summaries
        )

    return bl.run_w4(__file__, args, count)


def w4_child(args):
    import runwatch  # noqa: F401  (before the child's clock phases start)

    def open_run(_idx):
        return _experiment(args.dir).start_logging()

    def log_points(run, vals):
        for v in vals:
            run.log("loss", v)
        run.complete()

    return bl.w4_child(open_run, log_points, args)


def w6(args):
    """1,000 x (start_logging ; set_tags(3 tags) ; log loss ; log acc ;
    complete); then exp.get_run_summaries(metrics=['loss'])."""
    exp = _experiment(args.dir, create=True, url=args.store_url)
    n = scaled(bl.W6_RUNS, args.scale)
    loss, acc = bl.values(n, 1), bl.values(n, 2)
    t0 = now()
    for i in range(n):
        run = exp.start_logging()
        run.set_tags(bl.W6_TAGS)
        run.log("loss", loss[i])
        run.log("acc", acc[i])
        run.complete()
    t_create = now() - t0

    t0 = now()
    listed = _list_runs(exp)
    t_list = now() - t0
    cold = bl.in_fresh_process(__file__, "W6list", args)
    return bl.w6_result(args, n, t_create, t_list, listed, cold)


def _list_runs(exp) -> int:
    """List the runs with their latest loss; how many have one."""
    summaries = exp.get_run_summaries(metrics=["loss"])
    listing = [(s.id, s.status, s.metrics.get("loss")) for s in summaries]
    return sum(1 for _, _, v in listing if v is not None)


def w6_list(args):
    """A fresh process (the import untimed): Workspace.from_config,
    Experiment(...).get_run_summaries(metrics=['loss'])."""
    import runwatch

    t0 = now()
    exp = runwatch.Experiment(runwatch.Workspace.from_config(path=args.dir), bl.PROJECT)
    listed = _list_runs(exp)
    return {"seconds": now() - t0, "listed": listed}


def schema(args):
    """Untimed: create the store's tables in --store-url (the harness copies
    that database as the template of each workload's fresh database)."""
    from runwatch.store import open_store

    open_store(args.store_url).close()
    return {}


ACTIONS = {
    "schema": schema,
    "W1": w1,
    "W2": w2,
    "W3setup": w3_setup,
    "W3read": w3_read,
    "W4": w4,
    "W4child": w4_child,
    "W6": w6,
    "W6list": w6_list,
}

if __name__ == "__main__":
    bl.main(ACTIONS)
