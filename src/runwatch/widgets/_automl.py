"""The AutoML view in RunDetails: the iteration table, the metric picker and the chart.

Drawn with ipywidgets and bqplot from `views._automl.AutoMLTracker.state`. The
table is a grid of cells updated in place: a column header sorts (again: the
other way), the pager pages, an iteration's button opens it (with its
model-evaluation charts) in the RunDetails that holds this panel. The chart
shows each completed iteration's value of the picked metric as a point (click
one to open it) and the best-so-far line.
"""

from __future__ import annotations

import datetime
import html
import time
from collections.abc import Callable
from typing import Any

import bqplot
import ipywidgets

from runwatch.core._html import timestamp
from runwatch.views._automl import PAGE_SIZE, AutoMLTracker
from runwatch.views._rest_shapes import AutoMLRow, AutoMLState

COLUMNS = (
    ("iteration", "Iteration"),
    ("pipeline", "Pipeline"),
    ("metric", "Iteration metric"),
    ("best", "Best metric"),
    ("status", "Status"),
    ("duration", "Duration"),
    ("started", "Started"),
)
_WIDTHS = "98px minmax(240px, 2fr) 124px 100px 88px 84px 182px"


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _duration(seconds: float | None) -> str:
    return "" if seconds is None else str(datetime.timedelta(seconds=round(seconds)))


def cells(row: AutoMLRow) -> list[str]:
    """The text of a row's cells after the iteration, in column order."""
    return [
        row["pipeline"],
        _number(row["metric"]),
        _number(row["best"]),
        row["status"],
        _duration(row["duration"]),
        timestamp(row["started"]) if row["started"] else "",
    ]


class AutoMLPanel(ipywidgets.VBox):  # type: ignore[misc]
    """The AutoML part of a RunDetails for an AutoML search."""

    def __init__(self, tracker: AutoMLTracker, open_run: Callable[[str], None]) -> None:
        self.tracker = tracker
        self._open_run = open_run
        self.metric = tracker.primary
        self.page = 0
        self.sort = "iteration"
        self.descending = False
        self.state: AutoMLState | None = None
        self.title = ipywidgets.HTML()
        self.picker = ipywidgets.Dropdown(
            description="Metric", layout=ipywidgets.Layout(width="380px")
        )
        self.picker.observe(self._on_metric, names="value")
        self.headers = []
        for key, label in COLUMNS:
            button = ipywidgets.Button(
                description=label,
                layout=ipywidgets.Layout(width="auto", padding="0 4px"),
                tooltip=f"sort by {label}",
            )
            button.add_class("rw-automl-sort")
            button.on_click(lambda _b, key=key: self._on_sort(key))
            self.headers.append(button)
        self.grid = ipywidgets.GridBox(
            layout=ipywidgets.Layout(
                grid_template_columns=_WIDTHS, width="100%", grid_gap="1px 6px"
            )
        )
        self._row_widgets: list[tuple[ipywidgets.Button, list[ipywidgets.HTML]]] = []
        self.previous = ipywidgets.Button(description="‹ previous", layout={"width": "110px"})
        self.next = ipywidgets.Button(description="next ›", layout={"width": "110px"})
        self.page_label = ipywidgets.Label()
        self.previous.on_click(lambda _b: self._on_page(-1))
        self.next.on_click(lambda _b: self._on_page(1))
        self.x_scale = bqplot.LinearScale()
        self.y_scale = bqplot.LinearScale()
        self.points = bqplot.Scatter(
            x=[],
            y=[],
            scales={"x": self.x_scale, "y": self.y_scale},
            colors=["#1f77b4"],
            default_size=36,
            labels=["iteration"],
            display_legend=True,
            tooltip=bqplot.Tooltip(
                fields=["x", "y"], labels=["iteration", "value"], formats=["", ".4f"]
            ),
        )
        self.points.on_element_click(self._on_point)
        self.best_line = bqplot.Lines(
            x=[],
            y=[],
            scales={"x": self.x_scale, "y": self.y_scale},
            colors=["#ff7f0e"],
            line_style="solid",
            interpolation="step-after",
            labels=["best so far"],
            display_legend=True,
        )
        self.x_axis = bqplot.Axis(scale=self.x_scale, label="iteration", tick_format="d")
        self.y_axis = bqplot.Axis(
            scale=self.y_scale,
            orientation="vertical",
            label="",
            tick_format="~g",
            label_offset="52px",
        )
        self.figure = bqplot.Figure(
            marks=[self.points, self.best_line],
            axes=[self.x_axis, self.y_axis],
            fig_margin={"top": 30, "bottom": 40, "left": 72, "right": 20},
            layout={"width": "100%", "height": "280px"},
            legend_location="top-left",
        )
        super().__init__(
            [
                self.title,
                self.picker,
                self.figure,
                self.grid,
                ipywidgets.HBox([self.previous, self.page_label, self.next]),
            ],
            layout=ipywidgets.Layout(width="100%"),
        )
        self.add_class("rw-automl")
        self.refresh(force=True)

    # --- drawing -------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Poll the search and redraw what changed."""
        if not self.tracker.poll() and not force:
            return
        self.redraw()

    def redraw(self) -> None:
        state = self.tracker.state(
            self.metric, self.page, self.sort, self.descending, PAGE_SIZE, time.time()
        )
        self.state = state
        self.page = state["page"]
        best = state["best_iteration"]
        self.title.value = (
            f"<b>AutoML</b> · {html.escape(state['task'])} · primary metric "
            f"<b>{html.escape(state['primary_metric'])}</b> · {state['total']} iterations"
            + (
                f" · best: iteration <b>{best}</b> ({_number(state['best_value'])} "
                f"{html.escape(state['metric'])})"
                if best is not None
                else ""
            )
        )
        if tuple(self.picker.options) != tuple(state["metrics"]):
            self.picker.options = state["metrics"]
        if self.picker.value != state["metric"]:
            self.picker.value = state["metric"]
        self._draw_chart(state)
        self._draw_table(state)

    def _draw_chart(self, state: AutoMLState) -> None:
        chart = state["chart"]
        with self.figure.hold_sync():
            self.points.x = chart["iterations"]
            self.points.y = chart["values"]
            self.best_line.x = chart["iterations"]
            self.best_line.y = chart["best"]
            self.points.labels = [state["metric"]]
            self.y_axis.label = state["metric"]
            self.figure.title = f"{state['metric']} per iteration"

    def _draw_table(self, state: AutoMLState) -> None:
        rows = state["rows"]
        while len(self._row_widgets) < len(rows):
            button = ipywidgets.Button(layout=ipywidgets.Layout(width="auto"))
            button.add_class("rw-automl-open")
            button.on_click(self._on_open)
            self._row_widgets.append((button, [ipywidgets.HTML() for _ in COLUMNS[1:]]))
        for (key, label), header in zip(COLUMNS, self.headers, strict=True):
            arrow = (" ▼" if state["descending"] else " ▲") if key == state["sort"] else ""
            header.description = label + arrow
        children: list[Any] = list(self.headers)
        for row, (button, texts) in zip(rows, self._row_widgets, strict=False):
            button.description = f"{row['iteration']}" + (" ★" if row["is_best"] else "")
            button.tooltip = f"open iteration {row['iteration']} ({row['run_id']})"
            button.run_id = row["run_id"]
            button.button_style = "success" if row["is_best"] else ""
            for widget, text in zip(texts, cells(row), strict=True):
                weight = "font-weight:600;" if row["is_best"] else ""
                widget.value = f"<span style='{weight}'>{html.escape(text)}</span>"
            children += [button, *texts]
        if tuple(children) != self.grid.children:
            self.grid.children = tuple(children)
        pages = max(1, -(-state["total"] // state["page_size"]))
        self.page_label.value = f"page {state['page'] + 1} of {pages}"
        self.previous.disabled = state["page"] == 0
        self.next.disabled = state["page"] >= pages - 1

    # --- what the user does ----------------------------------------------------------------
    def _on_metric(self, change: dict[str, Any]) -> None:
        if change["new"] and change["new"] != self.metric:
            self.metric = str(change["new"])
            self.redraw()

    def _on_sort(self, key: str) -> None:
        self.descending = not self.descending if key == self.sort else key != "iteration"
        self.sort = key
        self.redraw()

    def _on_page(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self.redraw()

    def _on_open(self, button: Any) -> None:
        run_id = getattr(button, "run_id", None)
        if run_id:
            self._open_run(run_id)

    def _on_point(self, _mark: Any, event: dict[str, Any]) -> None:
        if self.state is None:
            return
        index = event.get("data", {}).get("index")
        ids = self.state["chart"]["run_ids"]
        if isinstance(index, int) and 0 <= index < len(ids):
            self._open_run(ids[index])

    def summary_rows(self) -> list[tuple[str, Any]]:
        state = self.state
        if state is None:
            return []
        return [
            ("AutoML iterations", state["total"]),
            ("best iteration", state["best_iteration"]),
            (f"best {state['metric']}", _number(state["best_value"])),
        ]
