"""RunDetails: the live run view, kernel side.

Layout (one ipywidgets VBox): the header part (anywidget: status, ids,
times, error, properties/tags/metrics table), the charts (bqplot figures in
a grid) and the body part (anywidget: tables, images, log tail, child runs).
A shared background thread (`_poller`) refreshes it every
`refresh_interval` seconds, reading only what changed since the last poll,
until the run and its children are final (after one last refresh) or the
widget is closed. Clicking a child opens it in place; "back" returns.
"""

from __future__ import annotations

import html
import threading
import time
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets
import traitlets

from runwatch.core._html import duration, timestamp
from runwatch.core._values import short_repr
from runwatch.errors import ValidationError
from runwatch.tracking._experiment import Experiment
from runwatch.tracking._run import Run
from runwatch.views import _run_details as _view
from runwatch.views._automl import AutoMLTracker, is_automl
from runwatch.views._cells import cell
from runwatch.views._tracker import RunTracker
from runwatch.views._widget_shapes import ImageMessage
from runwatch.widgets._automl import AutoMLPanel
from runwatch.widgets._charts import Chart
from runwatch.widgets._evaluation_charts import EvaluationPanel
from runwatch.widgets._poller import POLLER

STATIC = Path(__file__).parent / "static"
MIN_INTERVAL = 0.2


def check_interval(refresh_interval: object) -> float:
    """`refresh_interval` in seconds, or a `ValidationError` naming it."""
    if (
        not isinstance(refresh_interval, (int, float))
        or isinstance(refresh_interval, bool)
        or refresh_interval < MIN_INTERVAL
    ):
        raise ValidationError(
            f"refresh_interval {short_repr(refresh_interval)} must be a number of seconds "
            f">= {MIN_INTERVAL}"
        )
    return float(refresh_interval)


class LiveView:
    """What the live widgets share: `show()`, and a static HTML summary
    (`summary_html()`) in their display bundle for viewers without widgets."""

    def show(self) -> None:
        """Display the widget in the notebook."""
        from IPython.display import display

        display(self)  # type: ignore[no-untyped-call]

    def summary_html(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = super()._repr_mimebundle_(**kwargs) or {}  # type: ignore[misc]
        bundle["text/html"] = self.summary_html()
        return bundle


def _asset(name: str) -> Path:
    path = STATIC / name
    if not path.exists():
        raise FileNotFoundError(
            f"the RunDetails frontend {path} is not built; run `npm install && npm run build` "
            "in the runwatch source folder, or reinstall runwatch"
        )
    return path


class _Part(anywidget.AnyWidget):
    _esm = _asset("widget.js")
    _css = _asset("widget.css")


class RunHeader(_Part):
    _part = traitlets.Unicode("header").tag(sync=True)
    run: traitlets.Any = traitlets.Any({}).tag(sync=True)
    now = traitlets.Float(0.0).tag(sync=True)
    properties: traitlets.Any = traitlets.Any({}).tag(sync=True)
    tags: traitlets.Any = traitlets.Any({}).tag(sync=True)
    scalars: traitlets.Any = traitlets.Any([]).tag(sync=True)
    breadcrumb: traitlets.Any = traitlets.Any([]).tag(sync=True)
    polling = traitlets.Bool(False).tag(sync=True)
    interval = traitlets.Float(10.0).tag(sync=True)


class RunBody(_Part):
    _part = traitlets.Unicode("body").tag(sync=True)
    # JSON values whose shapes are the TypedDicts of _wire.py.
    tables: traitlets.Any = traitlets.Any([]).tag(sync=True)
    images: traitlets.Any = traitlets.Any([]).tag(sync=True)
    log: traitlets.Any = traitlets.Any(None).tag(sync=True)
    children: traitlets.Any = traitlets.Any(None).tag(sync=True)


class RunDetails(LiveView, ipywidgets.VBox):  # type: ignore[misc]
    """The live view of a run: `RunDetails(run).show()`.

    `refresh_interval` is in seconds (10 by default). Works with runs logged
    in this kernel, by a submitted script, or by any other process.
    """

    def __init__(
        self, run_instance: Run, refresh_interval: float = 10.0, max_charts: int = 12
    ) -> None:
        if not isinstance(run_instance, Run):
            raise ValidationError(
                f"RunDetails expects a runwatch.Run, got {short_repr(run_instance)} of type "
                f"{type(run_instance).__name__}"
                + (
                    "; to compare the runs of an experiment use ExperimentDetails(experiment)"
                    if type(run_instance).__name__ == "Experiment"
                    else ""
                )
            )
        interval = check_interval(refresh_interval)
        self.run = run_instance
        self.refresh_interval = interval
        self.header = RunHeader(interval=self.refresh_interval)
        self.body = RunBody()
        self.charts_box = ipywidgets.GridBox(
            layout=ipywidgets.Layout(
                grid_template_columns="repeat(auto-fill, minmax(380px, 1fr))", width="100%"
            )
        )
        # With many chartable metrics, the first `max_charts` are drawn and this picks others.
        self.max_charts = max_charts
        self._chosen: set[str] | None = None
        self._syncing = False
        self.chooser = ipywidgets.SelectMultiple(
            rows=6,
            layout=ipywidgets.Layout(display="none", width="420px"),
            style={"description_width": "110px"},
        )
        self.chooser.observe(self._on_choose, names="value")
        # Confusion matrices, accuracy tables, residuals, predictions: a panel each.
        self.evaluation_box = ipywidgets.VBox(layout=ipywidgets.Layout(width="100%"))
        self._evaluation: dict[str, EvaluationPanel] = {}
        self._evaluation_steps: dict[str, int] = {}  # steps picked with a panel's slider
        # An AutoML search: its iteration table and chart (widgets/_automl.py).
        self.automl_box = ipywidgets.VBox(layout=ipywidgets.Layout(width="100%"))
        self._automl: AutoMLPanel | None = None
        # "Compare trials" under the child table: an ExperimentDetails of the children.
        self.compare_box = ipywidgets.VBox(layout=ipywidgets.Layout(width="100%"))
        super().__init__(
            [
                self.header,
                self.automl_box,
                self.chooser,
                self.charts_box,
                self.evaluation_box,
                self.body,
                self.compare_box,
            ]
        )
        self.add_class("rw-run-details")
        self._lock = threading.RLock()
        self._stack: list[RunTracker] = []
        self._charts: dict[str, Chart] = {}
        self._images: dict[str, bytes] = {}  # image key -> bytes sent
        self._page = (0, "number", False)
        self._final_refresh_done = False
        self._closed = False
        self.next_due = 0.0
        self.header.on_msg(self._on_message)
        self.body.on_msg(self._on_message)
        self._open(RunTracker(run_instance.workspace, run_instance.id))
        POLLER.add(self)

    # --- what the poller asks ------------------------------------------------------
    @property
    def tracker(self) -> RunTracker:
        return self._stack[-1]

    @property
    def done(self) -> bool:
        return self._closed or self._final_refresh_done or getattr(self, "comm", None) is None

    def refresh(self) -> None:
        """Poll the store once and push what changed to the browser."""
        with self._lock:
            tracker = self.tracker
            changes = tracker.poll()
            self._apply(changes.header, changes.metrics, changes.log, changes.children)
            if self._automl is not None:
                self._automl.refresh()
            self.next_due = time.monotonic() + self.refresh_interval
            # A run is flushed before it is marked final, so the poll that sees every
            # run final has read everything: it is the last refresh.
            self._final_refresh_done = tracker.finished
            self.header.polling = not self._final_refresh_done

    # --- building the view ------------------------------------------------------------
    def _open(self, tracker: RunTracker) -> None:
        for widget in self.compare_box.children:  # the comparison of the run left
            widget.close()
        self.compare_box.children = ()
        with self._lock:
            self._stack.append(tracker)
            self._charts.clear()
            self._images.clear()
            self.charts_box.children = ()
            self._clear_evaluation()
            self._chosen = None
            self._page = (0, "number", False)
            self._final_refresh_done = False
            tracker.poll()
            self._show_automl(tracker)
            self._apply(True, set(tracker.metrics), True, True)
            self.header.breadcrumb = (
                [
                    {"id": t.run_id, "label": t.trial_label or f"Run {t.info.number}"}
                    for t in self._stack
                ]
                if len(self._stack) > 1
                else []
            )
            self.header.polling = not tracker.finished
            self.next_due = time.monotonic() + self.refresh_interval
        if not self._closed:
            POLLER.add(self)

    def _apply(self, header: bool, metrics: set[str], log: bool, children: bool) -> None:
        tracker = self.tracker
        now = time.time()
        with self.header.hold_sync():
            self.header.now = now
            if header:
                self.header.run = _view.run_state(tracker.info, tracker.trial_label)
                self.header.properties = {k: cell(v) for k, v in tracker.info.properties.items()}
                self.header.tags = dict(tracker.info.tags)
            if metrics:
                self.header.scalars = _view.scalars(tracker)
        if metrics:
            self._update_charts(metrics)
            self._update_evaluation(metrics)
        with self.body.hold_sync():
            if metrics:
                self.body.tables = _view.tables(tracker)
                self.body.images = _view.images(tracker)
            if log:
                self.body.log = _view.log(tracker)
            if children or (header and tracker.children):
                self.body.children = _view.children(tracker, *self._page, now)
        if metrics:
            self._send_images(
                [
                    i["key"]
                    for g in self.body.images
                    for i in g["items"]
                    if i["key"] not in self._images
                ]
            )

    def _show_automl(self, tracker: RunTracker) -> None:
        """The AutoML panel when the run on show is an AutoML search; none otherwise."""
        if self._automl is not None:
            self._automl.close()
            self._automl = None
        if is_automl(tracker.info):
            self._automl = AutoMLPanel(
                AutoMLTracker(self.run.workspace.store, tracker.run_id), self._open_iteration
            )
        self.automl_box.children = (self._automl,) if self._automl is not None else ()

    def _open_iteration(self, run_id: str) -> None:
        """An iteration clicked in the AutoML panel: open it, as a child is opened."""
        with self._lock:
            if run_id in self.tracker.children:
                self._open(RunTracker(self.run.workspace, run_id))

    def _send_images(self, keys: list[str]) -> None:
        """The bytes of images `keys` (of those on show), one binary message each; an image
        is read once from the artifact store and kept for views that ask again."""
        shown = {i["key"]: i["type"] for g in self.body.images for i in g["items"]}
        for key in keys:
            if key not in shown:
                continue
            data = self._images.get(key)
            if data is None:
                data = self._images[key] = _view.image_bytes(self.tracker, key)
            message: ImageMessage = {"type": "image", "key": key, "mime": shown[key]}
            self.body.send(dict(message), [data])

    def _update_charts(self, names: set[str]) -> None:
        """Draw the changed metrics among the charts on show (hidden ones cost nothing)."""
        chartable = _view.chartable(self.tracker)
        if self._chosen is None:
            shown = chartable[: self.max_charts]
        else:
            shown = [name for name in chartable if name in self._chosen]
        self._sync_chooser(chartable, shown)
        wanted = {n for n in shown if n in names or n not in self._charts}
        datas = _view.charts(self.tracker, wanted)
        sweep = _view.sweep_chart(self.tracker)
        if sweep is not None and (
            names & set(_view.SWEEP_METRICS) or sweep.name not in self._charts
        ):
            datas.insert(0, sweep)
        for data in datas:
            chart = self._charts.get(data.name)
            if chart is None:
                self._charts[data.name] = Chart(data, self._send_to_browser)
            else:
                chart.update(data)
        for name in [n for n in self._charts if n in chartable and n not in shown]:
            self._charts.pop(name).close()  # deselected in the picker
        figures = tuple(c.widget for c in self._charts.values())
        if figures != self.charts_box.children:
            self.charts_box.children = figures

    def _send_to_browser(self, content: dict[str, Any], buffers: list[bytes]) -> None:
        """A custom message with binary buffers, through the body part's comm (the
        frontend applies `points` messages to the bqplot marks they name)."""
        self.body.send(content, buffers)

    def _update_evaluation(self, names: set[str]) -> None:
        """Redraw the evaluation panels of the changed metrics; add panels for new ones."""
        wanted = names | {n for n in names if n not in self._evaluation}
        for state in _view.evaluations(self.tracker, self._evaluation_steps, wanted):
            panel = self._evaluation.get(state["name"])
            if panel is None:
                self._evaluation[state["name"]] = EvaluationPanel(state, self._on_step)
            else:
                panel.update(state)
        panels = tuple(self._evaluation.values())
        if panels != self.evaluation_box.children:
            self.evaluation_box.children = panels

    def _on_step(self, name: str, step: int) -> None:
        """A panel's slider moved: draw that metric at `step` (its last step follows new
        points again)."""
        with self._lock:
            cache = self.tracker.metrics.get(name)
            if cache is None:
                return
            if step == cache.steps[-1]:
                self._evaluation_steps.pop(name, None)
            else:
                self._evaluation_steps[name] = step
            self._update_evaluation({name})

    def _clear_evaluation(self) -> None:
        for panel in self._evaluation.values():
            panel.close()
        self._evaluation.clear()
        self._evaluation_steps.clear()
        self.evaluation_box.children = ()

    def _sync_chooser(self, chartable: list[str], shown: list[str]) -> None:
        """Offer a picker when there are more charts than `max_charts`."""
        if len(chartable) <= self.max_charts:
            self.chooser.layout.display = "none"
            return
        self._syncing = True  # these changes come from here, not from the user
        try:
            if tuple(self.chooser.options) != tuple(chartable):
                self.chooser.options = chartable
            if tuple(self.chooser.value) != tuple(shown):
                self.chooser.value = tuple(shown)
        finally:
            self._syncing = False
        self.chooser.description = f"{len(shown)}/{len(chartable)} charts"
        self.chooser.layout.display = None

    def _on_choose(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        with self._lock:
            self._chosen = set(change["new"])
            self._update_charts(set())

    # --- messages from the browser ---------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "want_images":
            keys = content.get("keys")
            with self._lock:
                self._send_images(
                    [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []
                )
        elif kind == "children_page":
            with self._lock:
                self._page = (
                    int(content.get("page", 0)),
                    str(content.get("sort_key", "number")),
                    bool(content.get("descending", False)),
                )
                self.body.children = _view.children(self.tracker, *self._page, time.time())
        elif kind == "open_child":
            child_id = str(content.get("id", ""))
            if child_id in self.tracker.children:
                self._open(RunTracker(self.run.workspace, child_id))
        elif kind == "compare_children":
            self._toggle_compare()
        elif kind == "back" and len(self._stack) > 1:
            with self._lock:
                self._stack.pop()
                previous = self._stack.pop()
            self._open(RunTracker(self.run.workspace, previous.run_id))

    def _toggle_compare(self) -> None:
        """Show the shown run's children side by side (ExperimentDetails of it) below the
        child table, or hide them again."""
        from runwatch.widgets._experiment_details import ExperimentDetails  # it imports us

        for widget in self.compare_box.children:
            widget.close()
        if self.compare_box.children:
            self.compare_box.children = ()
            return
        with self._lock:
            info = self.tracker.info
        run = Run(Experiment(self.run.workspace, info.experiment), info.id)
        self.compare_box.children = (ExperimentDetails(run, self.refresh_interval),)

    # --- display ---------------------------------------------------------------------------
    def close(self) -> None:
        # Also called from __del__ of an instance whose __init__ refused its arguments,
        # so nothing here may assume __init__ got far.
        self._closed = True
        POLLER.remove(self)
        for chart in getattr(self, "_charts", {}).values():
            chart.close()
        for panel in getattr(self, "_evaluation", {}).values():
            panel.close()
        if getattr(self, "_automl", None) is not None:
            self._automl.close()  # type: ignore[union-attr]
        compare = getattr(self, "compare_box", None)
        for widget in compare.children if compare is not None else ():
            widget.close()
        for part in (getattr(self, "header", None), getattr(self, "body", None)):
            if part is not None:
                part.close()
        super().close()

    def summary_html(self) -> str:
        """A static HTML summary for viewers that cannot run widgets."""
        info = self.tracker.info
        label = self.tracker.trial_label  # a sweep's trial goes by its index: "Trial 7"
        rows: list[tuple[str, Any]] = [
            ("Run", f"{label or info.number} ({info.id})"),
            ("Experiment", info.experiment),
            ("Status", info.status),
            ("Started", timestamp(info.start_time)),
            ("Duration", duration(info.duration(time.time()))),
        ]
        rows += [(f"metric {s['name']}", s["value"]) for s in _view.scalars(self.tracker)]
        rows += [(f"chart {name}", "") for name in self._charts]
        rows += [(f"evaluation {name}", "") for name in self._evaluation]
        if self._automl is not None:
            rows += self._automl.summary_rows()
        if info.error:
            rows.append(("Error", info.error.get("message", "")))
        body = "".join(
            f"<tr><th style='text-align:left;padding-right:8px'>{html.escape(str(k))}</th>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        return f"<table class='rw-summary'>{body}</table>"
