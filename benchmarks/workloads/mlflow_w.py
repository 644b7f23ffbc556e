"""MLflow workloads (sqlite or PostgreSQL tracking store), run with the peers' venv.

The tracking URI is ``sqlite:///<tmpdir>/mlflow.db``, or the harness's
``--store-url`` (an empty PostgreSQL database, ``postgresql://...``, through
SQLAlchemy's default psycopg2 driver).  Creating the database (schema
migrations) and the experiment happens before any timer starts.
MLflow is slow enough that several workloads run scaled down (see SCALES in
the harness) and are extrapolated linearly.
"""

from __future__ import annotations

import os
import time

import benchlib as bl
from benchlib import now, scaled

IMPORT_NAME = "mlflow"
BATCH = 1000  # MLflow's limit on metrics per log_batch call


def _uri(args) -> str:
    return args.store_url or f"sqlite:///{os.path.join(args.dir, 'mlflow.db')}"


def _client(args, create: bool = False):
    """A client on the store in ``d``; with create=True also initialise the
    database and the experiment (untimed setup).  Returns (client, exp_id)."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=_uri(args))
    if create:
        return client, client.create_experiment(bl.PROJECT)
    return client, client.get_experiment_by_name(bl.PROJECT).experiment_id


def _metric_batches(series: dict[str, list[float]]) -> list[list]:
    """All points of ``series`` as Metric objects, in log_batch-sized chunks
    (step-major, so each batch covers BATCH/len(series) consecutive steps)."""
    from mlflow.entities import Metric

    ts = int(time.time() * 1000)
    flat = []
    steps = len(next(iter(series.values())))
    for s in range(steps):
        for key, vals in series.items():
            flat.append(Metric(key, vals[s], ts, s))
    return [flat[i : i + BATCH] for i in range(0, len(flat), BATCH)]


def _log_batches(client, exp_id: str, batches: list[list]) -> str:
    run_id = client.create_run(exp_id).info.run_id
    for b in batches:
        client.log_batch(run_id, metrics=b)
    client.set_terminated(run_id)
    return run_id


def w1(args):
    """20,000 x mlflow.log_metric('loss', v, step=i) in one run (fluent API)."""
    import mlflow

    _client(args, create=True)
    mlflow.set_tracking_uri(_uri(args))
    mlflow.set_experiment(bl.PROJECT)
    n = scaled(bl.W1_CALLS, args.scale)
    vals = bl.values(n)
    t0 = now()
    with mlflow.start_run():
        for i, v in enumerate(vals):
            mlflow.log_metric("loss", v, step=i)
    dt = now() - t0
    return {"seconds": dt * args.scale, "measured_seconds": dt, "points": n}


def w2(args):
    """1,000,000 points with MlflowClient.log_batch (1,000 metrics per call)."""
    client, exp_id = _client(args, create=True)
    steps = scaled(bl.W2_STEPS, args.scale)
    data = bl.w2_data(steps)
    batches = _metric_batches({f"m{i}": vals for i, vals in enumerate(data)})
    t0 = now()
    _log_batches(client, exp_id, batches)
    dt = now() - t0
    return {"seconds": dt * args.scale, "measured_seconds": dt, "points": steps * bl.W2_METRICS}


def w3_setup(args):
    client, exp_id = _client(args, create=True)
    series = bl.values(scaled(bl.W3_SERIES, args.scale))
    ids = {"series": _log_batches(client, exp_id, _metric_batches({"series": series}))}
    data = bl.w2_data(scaled(bl.W2_STEPS, args.scale))
    ids["w2"] = _log_batches(
        client, exp_id, _metric_batches({f"m{i}": vals for i, vals in enumerate(data)})
    )
    bl.save_json(os.path.join(args.dir, "ids.json"), ids)
    return {}


def w3_read(args):
    """Fresh process: (a) one series via get_metric_history, (b) all 100
    metrics of the W2 run (names from get_run, then get_metric_history each).

    Each timing starts with a new MlflowClient; the first store call (get_run)
    is the "open" part.  When scaled, only the part after it is extrapolated."""
    t0 = now()
    from mlflow import MlflowClient

    t_import = now() - t0
    ids = bl.load_json(os.path.join(args.dir, "ids.json"))

    t0 = now()
    client = MlflowClient(tracking_uri=_uri(args))
    client.get_run(ids["series"])
    t_open_a = now() - t0
    series = client.get_metric_history(ids["series"], "series")
    t_series = now() - t0

    t0 = now()
    client = MlflowClient(tracking_uri=_uri(args))
    keys = list(client.get_run(ids["w2"]).data.metrics)
    t_open_b = now() - t0
    everything = {k: client.get_metric_history(ids["w2"], k) for k in keys}
    t_all = now() - t0
    k = args.scale
    return {
        "series_seconds": t_open_a + k * (t_series - t_open_a),
        "all_seconds": t_open_b + k * (t_all - t_open_b),
        "measured_series_seconds": t_series,
        "measured_all_seconds": t_all,
        "import_seconds": t_import,
        "series_points": len(series),
        "all_points": sum(len(v) for v in everything.values()),
    }


def w4(args):
    _client(args, create=True)  # one shared store, schema ready

    def count():
        client, exp_id = _client(args)
        runs = client.search_runs([exp_id], max_results=1000)
        return sum(len(client.get_metric_history(r.info.run_id, "loss")) for r in runs)

    return bl.run_w4(__file__, args, count)


def w4_child(args):
    import mlflow

    def open_run(idx):
        mlflow.set_tracking_uri(_uri(args))
        mlflow.set_experiment(bl.PROJECT)
        return mlflow.start_run(run_name=f"proc-{idx}")

    def log_points(run, vals):
        for i, v in enumerate(vals):
            mlflow.log_metric("loss", v, step=i)
        mlflow.end_run()

    return bl.w4_child(open_run, log_points, args)


def w6(args):
    """1,000 runs via MlflowClient: create_run(tags=3 tags), log_batch(2
    metrics), set_terminated; then search_runs with the latest metrics."""
    from mlflow.entities import Metric

    client, exp_id = _client(args, create=True)
    n = scaled(bl.W6_RUNS, args.scale)
    loss, acc = bl.values(n, 1), bl.values(n, 2)
    t0 = now()
    for i in range(n):
        run_id = client.create_run(exp_id, tags=bl.W6_TAGS).info.run_id
        ts = int(time.time() * 1000)
        client.log_batch(
            run_id, metrics=[Metric("loss", loss[i], ts, 0), Metric("acc", acc[i], ts, 0)]
        )
        client.set_terminated(run_id)
    t_create = now() - t0

    t0 = now()
    listed = _list_runs(client, exp_id)
    t_list = now() - t0
    cold = bl.in_fresh_process(__file__, "W6list", args)
    return bl.w6_result(args, n, t_create, t_list, listed, cold)


def _list_runs(client, exp_id) -> int:
    """search_runs, every page, with the latest loss; how many runs have one."""
    runs, token = [], None
    while True:
        page = client.search_runs([exp_id], max_results=1000, page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            break
    listing = [(r.info.run_id, r.info.status, r.data.metrics.get("loss")) for r in runs]
    return sum(1 for _, _, v in listing if v is not None)


def w6_list(args):
    """A fresh process (the import untimed): a client on the store, the W6 listing."""
    import mlflow  # noqa: F401

    t0 = now()
    client, exp_id = _client(args)
    listed = _list_runs(client, exp_id)
    return {"seconds": now() - t0, "listed": listed}


def schema(args):
    """Untimed: let MLflow create its tables (alembic migrations, several
    seconds on PostgreSQL) in --store-url; the harness copies that database
    as the template of each workload's fresh database."""
    from mlflow import MlflowClient

    MlflowClient(tracking_uri=_uri(args)).search_experiments()
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
