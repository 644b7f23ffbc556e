"""ExperimentDetails: compare the runs of an experiment, or a sweep's trials, kernel side.

Layout (one ipywidgets VBox): the runs part (anywidget: title, text filter,
status chips, one page of the sortable runs table with a checkbox per row,
pager, CSV export), the chart builder's dropdowns, and two bqplot figures:
one column against another across runs (`ScatterChart`) and one metric's
series overlaid for the ticked runs (`OverlayChart`). Clicking a row shows
that run's RunDetails in place, with a button back to the table.

The data comes from the REST API's domain service, called in the kernel:
one store query per view (`table`, `scatter`, `overlay`), never one per run.
The shared poller refreshes it every `refresh_interval` seconds (an
unchanged store costs one indexed read) until no run it compares is active
(after one last refresh), or the widget is closed.
"""

from __future__ import annotations

import dataclasses
import html
import threading
import time
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets
import traitlets

from runwatch.core._queries import TableQuery
from runwatch.core._records import RunStatus
from runwatch.core._values import short_repr
from runwatch.errors import RunwatchError, ValidationError
from runwatch.tracking._experiment import Experiment
from runwatch.tracking._run import Run
from runwatch.views import _compare
from runwatch.views._rest_shapes import ScatterBody
from runwatch.views._widget_shapes import RunsTableState, ScopeState
from runwatch.widgets._compare_charts import OverlayChart, ScatterChart
from runwatch.widgets._details import LiveView, RunDetails, _asset, check_interval
from runwatch.widgets._poller import POLLER

ACTIVE = RunStatus.ALL - RunStatus.FINAL - {RunStatus.NOT_RESPONDING}
OVERLAY_BUDGET = 500


class RunsPart(anywidget.AnyWidget):
    _esm = _asset("experiment.js")
    _css = _asset("experiment.css")
    # JSON values whose shapes are the TypedDicts of _wire.py.
    scope: traitlets.Any = traitlets.Any({}).tag(sync=True)
    table: traitlets.Any = traitlets.Any(None).tag(sync=True)
    selected: traitlets.Any = traitlets.Any([]).tag(sync=True)
    max_selected = traitlets.Int(_compare.MAX_OVERLAY_RUNS).tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)
    polling = traitlets.Bool(False).tag(sync=True)
    interval = traitlets.Float(10.0).tag(sync=True)


class ExperimentDetails(LiveView, ipywidgets.VBox):  # type: ignore[misc]
    """Compare runs side by side: `ExperimentDetails(experiment).show()`.

    `target` is an Experiment (its top-level runs) or a Run (its direct
    children, e.g. a sweep's trials). `refresh_interval` is in seconds.
    """

    def __init__(self, target: Experiment | Run, refresh_interval: float = 10.0) -> None:
        if not isinstance(target, (Experiment, Run)):
            raise ValidationError(
                "ExperimentDetails expects a runwatch.Experiment (to compare its runs) or a "
                f"runwatch.Run (to compare its child runs, e.g. a sweep's trials), got "
                f"{short_repr(target)} of type {type(target).__name__}"
            )
        interval = check_interval(refresh_interval)
        from runwatch.views._service import RunwatchService

        self.target = target
        self.workspace = target.workspace
        self.refresh_interval = interval
        self.service = RunwatchService.for_workspace(self.workspace)
        if isinstance(target, Run):
            self.experiment_name = target.experiment.name
            self.query = TableQuery(parent_id=target.id, limit=_compare.PAGE_SIZE)
            props = target.get_properties()
            name = props.get("primary_metric_name")
            goal = props.get("primary_metric_goal")
            self.primary = (
                str(name) if name is not None else None,
                str(goal) if goal is not None else None,
            )
        else:
            self.experiment_name = target.name
            self.query = TableQuery(experiment=target.name, limit=_compare.PAGE_SIZE)
            self.primary = (None, None)
        self.query = dataclasses.replace(self.query, sort="number", descending=True)

        self.runs = RunsPart(interval=self.refresh_interval)
        self.x_axis = ipywidgets.Dropdown(description="X", layout=_layout("210px"))
        self.y_axis = ipywidgets.Dropdown(description="Y", layout=_layout("210px"))
        self.best_goal = ipywidgets.Dropdown(
            description="best",
            # Set by a sweep for its primary metric; otherwise the user picks one.
            options=[("no goal", ""), ("lowest Y", "min"), ("highest Y", "max")],
            value="",
            layout=_layout("170px"),
        )
        self.overlay_metric = ipywidgets.Dropdown(description="metric", layout=_layout("240px"))
        for control in (self.x_axis, self.y_axis, self.best_goal, self.overlay_metric):
            control.style.description_width = "48px"
        self.scatter = ScatterChart()
        self.overlay = OverlayChart()
        wrap = ipywidgets.Layout(flex_flow="row wrap")
        builder = ipywidgets.VBox(
            [
                ipywidgets.HBox([self.x_axis, self.y_axis, self.best_goal], layout=wrap),
                self.scatter.figure,
            ]
        )
        overlay = ipywidgets.VBox([ipywidgets.HBox([self.overlay_metric]), self.overlay.figure])
        self.charts_box = ipywidgets.GridBox(
            [builder, overlay],
            layout=ipywidgets.Layout(
                grid_template_columns="repeat(auto-fill, minmax(420px, 1fr))",
                grid_gap="8px 16px",
                width="100%",
            ),
        )
        self.back = ipywidgets.Button(
            description=f"← back to {self._scope_label()}",
            layout=ipywidgets.Layout(width="auto", align_self="flex-start"),
        )
        self.back.add_class("rw-back-to-runs")
        self.back.on_click(lambda _button: self.close_run())
        self.dashboard = (self.runs, self.charts_box)
        super().__init__(list(self.dashboard))
        self.add_class("rw-experiment-details")

        self._lock = threading.RLock()
        self._closed = False
        self._final_refresh_done = False
        self._cursor: int | None = None
        self._scatter_key: tuple[Any, ...] | None = None
        self._overlay_key: tuple[Any, ...] | None = None
        self.detail: RunDetails | None = None
        self.next_due = 0.0
        self._axes_chosen = False
        self._syncing = False

        self._show_scope()
        self.runs.on_msg(self._on_message)
        for control in (self.x_axis, self.y_axis, self.best_goal, self.overlay_metric):
            control.observe(self._on_control, names="value")
        self.refresh()
        POLLER.add(self)

    # --- what the poller asks ------------------------------------------------------
    @property
    def done(self) -> bool:
        return self._closed or self._final_refresh_done or getattr(self, "comm", None) is None

    def refresh(self) -> None:
        """Read what changed since the last refresh and push it to the browser."""
        with self._lock:
            body = self.service.table(self.query, since=self._cursor)
            if not body["unchanged"]:
                self._cursor = body["cursor"]
                self._show_table(body)
            self._update_scatter()
            self._update_overlay()
            self._show_scope()
            # A run is flushed before it is marked final, so the refresh that sees no
            # active run has read everything: it is the last one.
            self._final_refresh_done = not self._active()
            self.runs.polling = not self._final_refresh_done
            self.next_due = time.monotonic() + self.refresh_interval

    def _show_scope(self) -> None:
        target = self.target
        scope: ScopeState
        if isinstance(target, Run):
            kind = "Sweep" if self.primary[0] is not None else "Run"
            scope = {
                "experiment": self.experiment_name,
                "parent_id": target.id,
                "title": f"{kind} {target.number} · {target.id} · child runs",
                "status": target.get_status(),
            }
        else:
            scope = {
                "experiment": self.experiment_name,
                "parent_id": None,
                "title": f"Experiment {self.experiment_name}",
                "status": None,
            }
        if scope != self.runs.scope:
            self.runs.scope = scope

    def _active(self) -> bool:
        """Whether a run compared here (or the parent run) may still change."""
        if isinstance(self.target, Run) and self.target.get_status() in ACTIVE:
            return True
        counts = (self.runs.table or {}).get("status_counts", {})
        if self.query.text or self.query.tags:  # counts are of the filtered runs
            everything = dataclasses.replace(self.query, text="", tags=(), offset=0, limit=1)
            counts = self.service.table(everything)["status_counts"]
        return any(counts.get(status, 0) for status in ACTIVE)

    # --- the table ----------------------------------------------------------------------
    def _show_table(self, body: Any) -> None:
        state = _compare.table_state(body, self.query)
        self.runs.table = state
        self._sync_options(state)

    def _requery(self, query: TableQuery) -> None:
        with self._lock:
            self.query = query
            self._cursor = None
            body = self.service.table(query)
            self._cursor = body["cursor"]
            self._show_table(body)
            self._update_scatter()

    def _sync_options(self, state: RunsTableState) -> None:
        """Offer the numeric columns as axes and the metrics for the overlay."""
        axes = _compare.axis_options(state["columns"])
        metrics = _compare.metric_options(state["columns"])
        default_x, default_y = _compare.default_axes(state["columns"], self.primary[0])
        x, y = self.x_axis.value, self.y_axis.value
        if not self._axes_chosen:
            x, y = default_x, default_y
        metric_keys = [key for _label, key in metrics]
        self._syncing = True  # these changes come from here, not from the user
        try:
            for control, options, value, fallback in (
                (self.x_axis, axes, x, default_x),
                (self.y_axis, axes, y, default_y),
                (
                    self.overlay_metric,
                    metrics,
                    self.overlay_metric.value,
                    next(iter(metric_keys), None),
                ),
            ):
                if list(control.options) != options:
                    control.options = options
                if value not in [key for _label, key in options]:
                    value = fallback  # what was chosen is gone (filtered out)
                if control.value != value:
                    control.value = value
            if self.overlay_metric.value is None or not self._overlay_key:
                preferred = self.primary[0]
                if preferred and preferred in [k for _l, k in metrics]:
                    self.overlay_metric.value = preferred
        finally:
            self._syncing = False

    # --- the charts ---------------------------------------------------------------------
    def _filters(self) -> TableQuery:
        return dataclasses.replace(self.query, offset=0)

    def _update_scatter(self) -> None:
        x, y = self.x_axis.value, self.y_axis.value
        if x is None or y is None:
            self.scatter.figure.title = "Nothing to plot yet: no run has a numeric metric"
            return
        query = self._filters()
        key = (query, x, y, self.best_goal.value)
        since = self._scatter_key[0] if self._scatter_key and self._scatter_key[1:] == key else None
        body = self.service.scatter(query, x, y, since=since, goal=self.best_goal.value or None)
        if body["unchanged"]:
            return
        self._scatter_key = (body["cursor"], *key)
        self._show_goal(body)
        data = _compare.scatter_data(body)
        self.scatter.update(data, data.goal)

    def _show_goal(self, body: ScatterBody) -> None:
        """A sweep decides the goal of its primary metric; the picker shows it, locked."""
        from_sweep = body["goal_source"] == "sweep"
        self._syncing = True
        try:
            self.best_goal.disabled = from_sweep
            if from_sweep and self.best_goal.value != body["goal"]:
                self.best_goal.value = body["goal"] or ""
        finally:
            self._syncing = False

    def _update_overlay(self) -> None:
        metric, ids = self.overlay_metric.value, list(self.runs.selected)
        if metric is None or not ids:
            self.overlay.update(metric or "", [])
            self._overlay_key = None
            return
        key = (metric, tuple(ids))
        since = self._overlay_key[0] if self._overlay_key and self._overlay_key[1:] == key else None
        body = self.service.overlay(
            self.experiment_name, metric, ids, budget=OVERLAY_BUDGET, since=since
        )
        if body["unchanged"]:
            return
        self._overlay_key = (body["cursor"], *key)
        self.overlay.update(metric, _compare.overlay_lines(body))

    def _on_control(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        with self._lock:
            if change["owner"] in (self.x_axis, self.y_axis):
                self._axes_chosen = True
            if change["owner"] is self.overlay_metric:
                self._update_overlay()
            else:
                self._update_scatter()

    # --- messages from the browser ---------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "table_query":
                self._requery(_compare.query_from_message(content, self.query))
            elif kind == "select":
                with self._lock:
                    self.runs.selected = _compare.selection_from_message(content)
                    self._update_overlay()
            elif kind == "open_run":
                self.open_run(str(content.get("id", "")))
            elif kind == "export_csv":
                path = self.export_csv()
                self.runs.notice = f"Wrote {path.name} ({path.parent})"
            else:
                raise ValidationError(f"unknown message {short_repr(content)}")
            if kind != "export_csv":
                self.runs.notice = ""
        except RunwatchError as error:
            self.runs.notice = str(error)

    # --- opening a run in place --------------------------------------------------------------
    def open_run(self, run_id: str) -> RunDetails:
        """Show the RunDetails of one of the compared runs in place of the table."""
        run = Run.get(self.workspace, run_id)
        in_scope = (
            run.info.parent_id == self.target.id
            if isinstance(self.target, Run)
            else run.info.parent_id is None and run.experiment.name == self.experiment_name
        )
        if not in_scope:
            raise ValidationError(f"run {run_id!r} is not one of the runs of {self._scope_label()}")
        self.close_run()
        self.detail = RunDetails(run, refresh_interval=self.refresh_interval)
        self.children = (self.back, self.detail)
        return self.detail

    def close_run(self) -> None:
        """Back from a run's details to the table and charts."""
        if self.detail is not None:
            self.detail.close()
            self.detail = None
        self.children = self.dashboard

    # --- export ----------------------------------------------------------------------------
    def export_csv(self, path: str | Path | None = None) -> Path:
        """Write the filtered runs table (every row and column) as CSV; returns its path.

        By default `<experiment>-runs.csv` in the current folder, which in Jupyter is
        the notebook's folder.
        """
        target = Path(path) if path is not None else Path.cwd() / self._csv_name()
        with target.open("w", encoding="utf-8", newline="") as out:
            for chunk in self.service.table_csv(self._filters()):  # streamed: any row count
                out.write(chunk)
        return target

    def _csv_name(self) -> str:
        return f"{self.experiment_name}-runs.csv"

    # --- display ---------------------------------------------------------------------------
    def _scope_label(self) -> str:
        if isinstance(self.target, Run):
            return f"run {self.target.number} of {self.experiment_name}"
        return f"experiment {self.experiment_name}"

    def close(self) -> None:
        # Also called from __del__ of an instance whose __init__ refused its arguments.
        self._closed = True
        POLLER.remove(self)
        if getattr(self, "detail", None) is not None:
            self.close_run()
        for figure in (getattr(self, "scatter", None), getattr(self, "overlay", None)):
            if figure is not None:
                figure.figure.close()
        if getattr(self, "runs", None) is not None:
            self.runs.close()
        super().close()

    def summary_html(self) -> str:
        """A static HTML summary (the first page) for viewers that cannot run widgets."""
        state = self.runs.table
        if not state:
            return f"<p>{html.escape(self._scope_label())}: no runs</p>"
        columns = state["columns"]
        head = "".join(f"<th>{html.escape(c['label'])}</th>" for c in columns)
        rows = "".join(
            "<tr>"
            + "".join(f"<td>{html.escape(_text(_value(row, c['key'])))}</td>" for c in columns)
            + "</tr>"
            for row in state["rows"][:20]
        )
        caption = f"{self._scope_label()}: {state['total']} runs"
        return (
            f"<table class='rw-summary'><caption>{html.escape(caption)}</caption>"
            f"<tr>{head}</tr>{rows}</table>"
        )


def _layout(width: str) -> ipywidgets.Layout:
    return ipywidgets.Layout(width=width)


def _value(row: Any, key: str) -> Any:
    if key == "duration":
        start, end = row["start_time"], row["end_time"]
        return None if start is None or end is None else round(end - start, 1)
    return row[key] if key in row else row["values"].get(key)


def _text(value: Any) -> str:
    return "" if value is None else str(value)
