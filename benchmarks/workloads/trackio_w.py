"""trackio workloads (local mode), run with the peers' venv.

TRACKIO_DIR points into the workload's temp directory; it must be set before
``import trackio`` (trackio reads it at import time), so every action calls
``_trackio(args)`` first.

Reads: trackio's public ``trackio.Api`` can list runs but not read metric
values, so W3 and W6 read through ``trackio.sqlite_storage.SQLiteStorage``,
the storage layer its own dashboard server calls.
"""

from __future__ import annotations

import os

import benchlib as bl
from benchlib import now, scaled

IMPORT_NAME = "trackio"


def _trackio(args):
    os.environ["TRACKIO_DIR"] = os.path.join(args.dir, "trackio")
    import trackio

    return trackio


def _init(trackio, name: str, **kw):
    return trackio.init(project=bl.PROJECT, name=name, embed=False, **kw)


def w1(args):
    """20,000 x trackio.log({'loss': v}), then trackio.finish()."""
    trackio = _trackio(args)
    n = scaled(bl.W1_CALLS, args.scale)
    vals = bl.values(n)
    t0 = now()
    _init(trackio, "w1")
    for v in vals:
        trackio.log({"loss": v})
    trackio.finish()
    dt = now() - t0
    return {"seconds": dt * args.scale, "measured_seconds": dt, "points": n}


def _step_dicts(data: list[list[float]]) -> list[dict]:
    """W2 payload reshaped for trackio: one {m0..m99} dict per step."""
    keys = [f"m{i}" for i in range(len(data))]
    return [dict(zip(keys, row, strict=True)) for row in zip(*data, strict=True)]


def _log_steps(trackio, name: str, rows: list[dict]) -> None:
    _init(trackio, name)
    for row in rows:
        trackio.log(row)
    trackio.finish()


def w2(args):
    """10,000 x trackio.log({100 metrics}), then trackio.finish()."""
    trackio = _trackio(args)
    steps = scaled(bl.W2_STEPS, args.scale)
    rows = _step_dicts(bl.w2_data(steps))
    t0 = now()
    _log_steps(trackio, "w2", rows)
    dt = now() - t0
    return {"seconds": dt * args.scale, "measured_seconds": dt, "points": steps * bl.W2_METRICS}


def w3_setup(args):
    trackio = _trackio(args)
    _log_steps(
        trackio, "series", [{"series": v} for v in bl.values(scaled(bl.W3_SERIES, args.scale))]
    )
    _log_steps(trackio, "w2", _step_dicts(bl.w2_data(scaled(bl.W2_STEPS, args.scale))))
    return {}


def w3_read(args):
    """Fresh process: (a) SQLiteStorage.get_metric_values(series),
    (b) SQLiteStorage.get_logs(w2) (one dict of 100 metrics per step)."""
    t0 = now()
    _trackio(args)
    from trackio.sqlite_storage import SQLiteStorage

    t_import = now() - t0

    t0 = now()
    series = SQLiteStorage.get_metric_values(bl.PROJECT, "series", "series")
    t_series = now() - t0

    t0 = now()
    logs = SQLiteStorage.get_logs(bl.PROJECT, "w2")
    t_all = now() - t0
    points = sum(len(row) - len({"timestamp", "step"} & row.keys()) for row in logs)
    return {
        "series_seconds": t_series * args.scale,
        "all_seconds": t_all * args.scale,
        "import_seconds": t_import,
        "series_points": len(series),
        "all_points": points,
    }


def _runs_with_loss(trackio) -> list[tuple[str, object]]:
    """(run name, latest 'loss' or None) for every run of the project:
    trackio.Api().runs() to list, SQLiteStorage.get_logs_batch() for values."""
    from trackio.sqlite_storage import SQLiteStorage

    runs = list(trackio.Api().runs(bl.PROJECT))
    batch = SQLiteStorage.get_logs_batch(
        bl.PROJECT, [{"run": r.name, "run_id": r.id} for r in runs]
    )
    out = []
    for entry in batch:
        losses = [row["loss"] for row in entry["logs"] if "loss" in row]
        out.append((entry["run"], losses[-1] if losses else None, len(losses)))
    return out


def w4(args):
    trackio = _trackio(args)
    from trackio.sqlite_storage import SQLiteStorage

    SQLiteStorage.init_db(bl.PROJECT)  # shared project DB exists up front

    def count():
        return sum(n for _, _, n in _runs_with_loss(trackio))

    return bl.run_w4(__file__, args, count)


def w4_child(args):
    trackio = _trackio(args)

    def log_points(_run, vals):
        for v in vals:
            trackio.log({"loss": v})
        trackio.finish()

    return bl.w4_child(lambda idx: _init(trackio, f"proc-{idx}"), log_points, args)


def w6(args):
    """1,000 x (trackio.init(config=3 tags) ; one log of 2 metrics ; finish);
    then list runs with their latest loss.  trackio has no tags: the three
    tags go into the run config."""
    trackio = _trackio(args)
    n = scaled(bl.W6_RUNS, args.scale)
    loss, acc = bl.values(n, 1), bl.values(n, 2)
    t0 = now()
    for i in range(n):
        _init(trackio, f"run-{i}", config=dict(bl.W6_TAGS))
        trackio.log({"loss": loss[i], "acc": acc[i]})
        trackio.finish()
    t_create = now() - t0

    t0 = now()
    listing = _runs_with_loss(trackio)
    t_list = now() - t0
    cold = bl.in_fresh_process(__file__, "W6list", args)
    return bl.w6_result(
        args, n, t_create, t_list, sum(1 for _, v, _ in listing if v is not None), cold
    )


def w6_list(args):
    """A fresh process (the import untimed): the W6 listing."""
    trackio = _trackio(args)
    from trackio import sqlite_storage  # noqa: F401  (part of the import, untimed)

    t0 = now()
    listing = _runs_with_loss(trackio)
    return {"seconds": now() - t0, "listed": sum(1 for _, v, _ in listing if v is not None)}


ACTIONS = {
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
