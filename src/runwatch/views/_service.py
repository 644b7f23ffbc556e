"""What the REST API answers, with no web framework in it.

One method per route, each returning the `_wire` shape of its answer. The
service reads the same store and artifact store as the SDK, and judges
live runs the same way (`_liveness.check`), so the sidebar and
`run.get_status()` never disagree. Cursors are the store's change counter:
a `since` equal to it is answered as unchanged after one indexed read.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import IO, Any, Protocol

from runwatch.artifacts._logs import DRIVER_LOG, LOG_PREFIX
from runwatch.artifacts._store import FILES, safe_name
from runwatch.core import _codec
from runwatch.core._queries import RunQuery, TableQuery
from runwatch.core._records import AssetInfo, FileInfo, MetricInfo, MetricKind, RunInfo, RunType
from runwatch.core._values import BOOL, NUMBER
from runwatch.errors import ValidationError
from runwatch.tracking import _liveness, _models
from runwatch.tracking._workspace import Workspace
from runwatch.views import _dashboard, _evaluation, _sweeps
from runwatch.views._automl import AutoMLTracker, is_automl
from runwatch.views._cells import NotFoundError, cell
from runwatch.views._downsample import minmax
from runwatch.views._rest_shapes import (
    AutoMLBody,
    EvaluationBody,
    EvaluationMetric,
    ExperimentList,
    ExperimentRow,
    FileList,
    FileRow,
    LogBody,
    MetricsBody,
    MetricSummary,
    ModelDetailsBody,
    ModelList,
    ModelRow,
    OverlayBody,
    RowChartBody,
    RunDetailsBody,
    RunPage,
    RunRow,
    RunsTable,
    ScatterBody,
    SeriesBody,
)
from runwatch.views._run_details import SWEEP_METRICS, ChartData, row_chart, row_columns

_SERIES_KINDS = (MetricKind.SCALAR, MetricKind.LIST)
_SERIES_CLASSES = (NUMBER, BOOL)
_ROW_KINDS = (MetricKind.ROW, MetricKind.TABLE)
#: The log a log-tail request reads when it names none: a submitted run's driver log.
DEFAULT_LOG = DRIVER_LOG


class Locator(Protocol):
    """Where the service's workspace comes from (see `_locate`)."""

    def find(self) -> Workspace | None: ...

    def describe(self) -> str: ...


class FixedLocator:
    """A locator for a workspace already open (a service inside a kernel)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def find(self) -> Workspace:
        return self.workspace

    def describe(self) -> str:
        return f"workspace {self.workspace.name!r} ({self.workspace.store_url})"


class RunwatchService:
    """The REST API's answers for the workspace `locator` finds.

    In a kernel, `RunwatchService.for_workspace(ws)` answers for one workspace
    without a server (the notebook widgets call it directly).
    """

    def __init__(self, locator: Locator) -> None:
        self.locator = locator

    @classmethod
    def for_workspace(cls, workspace: Workspace) -> RunwatchService:
        return cls(FixedLocator(workspace))

    def _workspace(self) -> Workspace:
        ws = self.locator.find()
        if ws is None:
            raise NotFoundError(self.locator.describe())
        return ws

    # --- experiments -----------------------------------------------------------------
    def experiments(self, since: int | None = None) -> ExperimentList:
        ws = self.locator.find()
        if ws is None:
            return {"cursor": 0, "unchanged": since == 0, "experiments": []}
        cursor = ws.store.current_seq()
        if since == cursor:
            return {"cursor": cursor, "unchanged": True, "experiments": []}
        rows: list[ExperimentRow] = [
            {
                "name": stats.name,
                "created_time": stats.created_time,
                "run_count": stats.run_count,
                "active_count": stats.active_count,
                "last_created_time": stats.last_created_time,
            }
            for stats in ws.store.list_experiment_stats()
        ]
        return {"cursor": cursor, "unchanged": False, "experiments": rows}

    # --- runs --------------------------------------------------------------------------
    def runs(self, query: RunQuery, since: int | None = None) -> RunPage:
        """A page of an experiment's top-level runs (`query.experiment`) or of a run's
        direct children (`query.parent_id`)."""
        ws = self._workspace()
        cursor = ws.store.current_seq()
        if since == cursor:
            return _unchanged_page(query, cursor)
        if query.experiment is not None and ws.store.get_experiment(query.experiment) is None:
            raise NotFoundError(
                f"experiment {query.experiment!r} not found in workspace {ws.name!r}; "
                "GET experiments lists the ones it has"
            )
        sweep = None
        if query.parent_id is not None:
            parent = ws.store.get_run(query.parent_id)  # RunNotFoundError for an unknown run
            sweep = _sweeps.sweep_metric(parent.properties)
        result = ws.store.query_runs(query)
        trials: dict[str, float | None] | None = None
        if sweep is not None and query.metric == sweep.name:  # a trial's best logged value
            trials = _sweeps.trial_values(ws, [run.info.id for run in result.runs], sweep)
        return {
            "cursor": result.cursor,
            "unchanged": False,
            "total": result.total,
            "offset": query.offset,
            "limit": query.limit,
            "status_counts": dict(result.status_counts),
            "metric_names": result.metric_names,
            "runs": [
                _run_row(
                    _liveness.check(ws.store, run.info),
                    run.child_count,
                    run.metric if trials is None else trials.get(run.info.id),
                )
                for run in result.runs
            ],
        }

    def run(self, run_id: str) -> RunDetailsBody:
        ws = self._workspace()
        cursor = ws.store.current_seq()
        info = _liveness.check(ws.store, ws.store.get_run(run_id))
        children = ws.store.query_runs(RunQuery(parent_id=run_id, limit=1))
        files = ws.store.list_files(run_id)
        logs = sorted(
            (f.name for f in files if f.name.startswith(LOG_PREFIX)),
            key=lambda name: (name != DRIVER_LOG, name),
        )
        return {
            "cursor": cursor,
            "run": _run_row(info, children.total, None),
            "error": _error(info),
            "properties": {key: cell(value) for key, value in info.properties.items()},
            "metrics": [_metric_summary(metric) for metric in ws.store.list_metrics(run_id)],
            "files": [_file_row(file) for file in files],
            "log_files": logs,
            "trial_label": _sweeps.label_in_sweep(ws, info),
            "children_status_counts": dict(children.status_counts),
            "snippet": snippet(ws, run_id),
        }

    # --- metrics -----------------------------------------------------------------------
    def metrics(
        self,
        run_id: str,
        since: int | None = None,
        budget: int = 2000,
        names: Sequence[str] = (),
    ) -> MetricsBody:
        ws = self._workspace()
        cursor = ws.store.current_seq()
        if since == cursor:
            return {"cursor": cursor, "unchanged": True, "series": [], "rows": []}
        run = ws.store.get_run(run_id)  # RunNotFoundError for an unknown run
        changed = [
            info
            for info in ws.store.list_metrics(run_id)
            if (since is None or info.seq > since) and (not names or info.name in names)
        ]
        wanted = [
            info.name
            for info in changed
            if info.kind in _SERIES_KINDS and info.value_class in _SERIES_CLASSES
        ]
        series: list[SeriesBody] = []
        if wanted:
            for name, (info, points) in ws.store.read_metrics(run_id, wanted).items():
                y = [math.nan if value is None else float(value) for value in points.values]
                xs, ys = minmax(points.steps, y, budget)
                series.append(
                    {
                        "name": name,
                        "kind": info.kind,
                        "count": info.count,
                        "x": xs.tolist(),
                        "y": [value if math.isfinite(value) else None for value in ys.tolist()],
                    }
                )
        # A sweep's own bookkeeping rows are RunDetails' sweep chart, not charts of their own.
        skipped = SWEEP_METRICS if run.run_type == RunType.SWEEP else ()
        tabular = [
            info.name for info in changed if info.kind in _ROW_KINDS and info.name not in skipped
        ]
        rows: list[RowChartBody] = []
        if tabular:
            for name, (info, points) in ws.store.read_metrics(run_id, tabular).items():
                chart = row_chart(name, row_columns(info.kind, points.values))
                if chart is not None:
                    rows.append(_row_chart_body(chart, info.kind, len(points.values), budget))
        return {"cursor": cursor, "unchanged": False, "series": series, "rows": rows}

    def automl(
        self,
        run_id: str,
        since: int | None = None,
        metric: str | None = None,
        page: int = 0,
        sort: str = "iteration",
        descending: bool = False,
    ) -> AutoMLBody:
        """The AutoML view of the search `run_id` (views/_automl.py)."""
        ws = self._workspace()
        cursor = ws.store.current_seq()
        if since == cursor:
            return {"cursor": cursor, "unchanged": True, "automl": None}
        if not is_automl(ws.store.get_run(run_id)):  # RunNotFoundError for an unknown run
            return {"cursor": cursor, "unchanged": False, "automl": None}
        tracker = AutoMLTracker(ws.store, run_id)
        tracker.poll()
        state = tracker.state(metric, page, sort, descending)
        return {"cursor": cursor, "unchanged": False, "automl": state}

    def evaluation(
        self,
        run_id: str,
        since: int | None = None,
        names: Sequence[str] = (),
        step: int | None = None,
    ) -> EvaluationBody:
        """The charts of the run's evaluation metrics (confusion matrices, accuracy tables,
        residuals, predictions) changed after `since`, each at `step` (default: its last)."""
        ws = self._workspace()
        cursor = ws.store.current_seq()
        if since == cursor:
            return {"cursor": cursor, "unchanged": True, "metrics": []}
        ws.store.get_run(run_id)  # RunNotFoundError for an unknown run
        wanted = [
            info.name
            for info in ws.store.list_metrics(run_id)
            if info.kind in MetricKind.EVALUATION
            and (since is None or info.seq > since)
            and (not names or info.name in names)
        ]
        metrics: list[EvaluationMetric] = []
        if wanted:
            for name, (info, points) in ws.store.read_metrics(run_id, wanted).items():
                at = points.steps[-1] if step is None else step
                metrics.append(
                    _evaluation.metric(
                        name, info.kind, info.description, points.steps, points.values, at
                    )
                )
        return {"cursor": cursor, "unchanged": False, "metrics": metrics}

    # --- files and logs ----------------------------------------------------------------
    def files(self, run_id: str) -> FileList:
        store = self._workspace().store
        store.get_run(run_id)  # RunNotFoundError for an unknown run
        return {"files": [_file_row(file) for file in store.list_files(run_id)]}

    def log(
        self, run_id: str, name: str = DRIVER_LOG, offset: int = 0, max_bytes: int = 65536
    ) -> LogBody:
        """The log's text after `offset`, at most `max_bytes`, cut back to a whole line
        (unless the first line alone is longer)."""
        ws = self._workspace()
        ws.store.get_run(run_id)
        safe_name(name)
        try:
            size = ws.artifacts.size(run_id, FILES, name)
        except FileNotFoundError:
            size = 0
        data = b""
        if offset < size:
            data = ws.artifacts.read_range(
                run_id, FILES, name, offset, min(size, offset + max_bytes)
            )
            cut = data.rfind(b"\n") + 1
            if 0 < cut < len(data):
                data = data[:cut]
        return {
            "name": name,
            "offset": offset,
            "next_offset": offset + len(data),
            "size": size,
            "text": data.decode("utf-8", errors="replace"),
        }

    def open_file(self, run_id: str, name: str) -> tuple[int, IO[bytes]]:
        """(size, an open binary stream) of file `name` of the run; the caller closes it."""
        ws = self._workspace()
        ws.store.get_run(run_id)
        safe_name(name)
        if ws.store.get_file(run_id, name) is None:
            raise NotFoundError(
                f"run {run_id!r} has no file named {name!r}; "
                f"GET runs/{run_id}/files lists its files"
            )
        try:
            return ws.artifacts.size(run_id, FILES, name), ws.artifacts.open(run_id, FILES, name)
        except FileNotFoundError:
            raise NotFoundError(
                f"file {name!r} of run {run_id!r} is recorded but missing from the artifact "
                f"store {ws.artifacts_url}"
            ) from None

    # --- the model registry ----------------------------------------------------------------
    def models(self, since: int | None = None) -> ModelList:
        """Every version of every registered model, newest first."""
        ws = self.locator.find()
        if ws is None:
            return {"cursor": 0, "unchanged": since == 0, "models": []}
        cursor = ws.store.current_seq()
        if since == cursor:
            return {"cursor": cursor, "unchanged": True, "models": []}
        assets = sorted(
            ws.store.list_assets(_models.KIND), key=lambda a: (-a.created_time, a.name, -a.version)
        )
        return {"cursor": cursor, "unchanged": False, "models": [_model_row(a) for a in assets]}

    def model(self, name: str, version: str) -> ModelDetailsBody:
        """One model version's details; `version` as it came in the path."""
        ws = self._workspace()
        _models.check_model_name(name)
        if not version.isdigit() or len(version) > 18:
            raise ValidationError(
                f"model version {version!r} is not a version number; expected 1, 2, ..."
            )
        cursor = ws.store.current_seq()
        asset = ws.store.get_asset(_models.KIND, name, int(version))
        document = asset.document
        return {
            "cursor": cursor,
            "model": _model_row(asset),
            "properties": {key: cell(value) for key, value in asset.properties.items()},
            "framework_version": document.get("framework_version"),
            "source": str(document.get("source", "")),
            "files": [
                {"name": str(f["name"]), "size": int(f["size"])} for f in document.get("files", [])
            ],
            "snippet": (
                "from runwatch import Model, Workspace\n"
                f"ws = Workspace.from_config({_config_path(ws)!r})\n"
                f"model = Model(ws, {asset.name!r}, version={asset.version})"
            ),
        }

    # --- the experiment dashboard (see `_dashboard`) -------------------------------------
    def table(self, query: TableQuery, since: int | None = None) -> RunsTable:
        """One page of the runs table, with its columns and counts."""
        return _dashboard.table(self._workspace(), query, since)

    def scatter(
        self,
        query: TableQuery,
        x: str,
        y: str,
        since: int | None = None,
        goal: str | None = None,
    ) -> ScatterBody:
        """Column `x` against column `y`, one point per filtered run (no paging), and
        the best run by the sweep's goal for its primary metric, else by `goal`
        ("min" or "max"), else none."""
        return _dashboard.scatter(self._workspace(), query, x, y, since, goal)

    def overlay(
        self,
        experiment: str,
        metric: str,
        run_ids: Sequence[str],
        budget: int = 500,
        since: int | None = None,
    ) -> OverlayBody:
        """The series `metric` of each run (1..50 of them), downsampled to `budget`."""
        return _dashboard.overlay(self._workspace(), experiment, metric, run_ids, budget, since)

    def table_csv(self, query: TableQuery) -> Iterator[str]:
        """Every filtered row (offset and limit ignored) as CSV text, in chunks."""
        return _dashboard.table_csv(self._workspace(), query)


def snippet(ws: Workspace, run_id: str) -> str:
    """Python that shows the run's RunDetails in a notebook of this server."""
    return (
        "from runwatch import Run, RunDetails, Workspace\n"
        f"ws = Workspace.from_config({_config_path(ws)!r})\n"
        f"RunDetails(Run.get(ws, {run_id!r})).show()"
    )


def _config_path(ws: Workspace) -> str | None:
    return str(ws.config_path) if ws.config_path is not None else None


def _model_row(asset: AssetInfo) -> ModelRow:
    return {
        "id": f"{asset.name}:{asset.version}",
        "name": asset.name,
        "version": asset.version,
        "run_id": asset.run_id,
        "experiment": asset.experiment,
        "created_time": asset.created_time,
        "tags": dict(asset.tags),
        "description": asset.description,
        "framework": asset.document.get("framework"),
    }


def _unchanged_page(query: RunQuery, cursor: int) -> RunPage:
    return {
        "cursor": cursor,
        "unchanged": True,
        "total": 0,
        "offset": query.offset,
        "limit": query.limit,
        "status_counts": {},
        "metric_names": [],
        "runs": [],
    }


def _run_row(info: RunInfo, child_count: int, metric: Any) -> RunRow:
    return {
        "id": info.id,
        "number": info.number,
        "experiment": info.experiment,
        "display_name": info.display_name,
        "type": info.run_type,
        "status": info.status,
        "created_time": info.created_time,
        "start_time": info.start_time,
        "end_time": info.end_time,
        "parent_id": info.parent_id,
        "child_count": child_count,
        "tags": dict(info.tags),
        "metric": cell(metric),
    }


def _error(info: RunInfo) -> dict[str, str] | None:
    if info.error is None:
        return None
    return {
        str(key): value if isinstance(value, str) else _codec.dump_json(value)
        for key, value in info.error.items()
    }


def _metric_summary(info: MetricInfo) -> MetricSummary:
    last = info.last_value
    if info.kind in MetricKind.EVALUATION:  # a document: named, not dumped
        last = info.kind.replace("_", " ")
    return {
        "name": info.name,
        "kind": info.kind,
        "count": info.count,
        "last_value": cell(last),
        "last_step": info.last_step,
    }


def _file_row(info: FileInfo) -> FileRow:
    return {"name": info.name, "size": info.size, "created_time": info.created_time}


def _row_chart_body(chart: ChartData, kind: str, count: int, budget: int) -> RowChartBody:
    """A row chart for the wire: at most `budget` rows, evenly spread, the last kept."""
    lines = list(chart.lines.items())
    xs = lines[0][1][0] if lines else []
    n = len(xs)
    keep = (
        range(n)
        if n <= budget
        else sorted({round(i * (n - 1) / (budget - 1)) for i in range(budget)})
    )

    def wire(values: Sequence[float]) -> list[float | None]:
        return [values[i] if math.isfinite(values[i]) else None for i in keep]

    return {
        "name": chart.name,
        "kind": kind,
        "count": count,
        "x_label": chart.x_label,
        "x": wire(xs),
        "lines": [{"label": label, "y": wire(ys)} for label, (_x, ys) in lines],
    }
