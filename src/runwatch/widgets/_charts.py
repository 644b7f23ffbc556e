"""bqplot figures for the metric charts, updated in place as points arrive.

One figure per chart: a line per series, the x scale shared by its lines,
axis labels, a tooltip with the exact x and y of the nearest point, and
pan/zoom. The legend is a row of HTML under the figure, never over the points, and
only for a chart of two or more lines; the figure's toolbar sits above its title
(`frame`). Each series is downsampled for display (min/max per bucket, see
`views/_display.py`) so a million points draw as a few thousand without hiding
spikes, and a refresh sends a line's new points only.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import bqplot
import ipywidgets
import numpy as np

from runwatch.views._display import DisplayLine
from runwatch.views._run_details import ChartData
from runwatch.views._widget_shapes import PointsMessage

#: Sends a custom message with binary buffers through a RunDetails part's comm.
Send = Callable[[dict[str, Any], list[bytes]], None]

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

#: The top margin of a framed figure: bqplot draws the title and its toolbar (pan/zoom,
#: reset, save) both at half the top margin; widget.css lifts the toolbar of a figure with
#: FRAME_CLASS to the top edge, so with this margin the title sits below it.
FRAME_TOP = 64
FRAME_CLASS = "rw-figure"


def frame(figure: Any) -> Any:
    """A figure whose toolbar does not cover its title (see FRAME_TOP); `figure`."""
    figure.fig_margin = {**figure.fig_margin, "top": FRAME_TOP}
    figure.add_class(FRAME_CLASS)
    return figure


def fit(scale: Any, axis: Any, values: Any) -> None:
    """Fit `scale` to the finite `values` with a margin (no point on the frame), around
    a single value by ±1 (or 10% of it), and with whole-number ticks only when every
    value is whole (run numbers, steps): never 0.5 between 0 and 1, nor 0.9 to 1.1."""
    array = np.asarray(values, dtype=float).ravel()
    array = array[np.isfinite(array)]
    if array.size == 0:
        scale.min = scale.max = None
        axis.tick_values = None
        return
    lo, hi = float(array.min()), float(array.max())
    integer = bool(np.all(array == np.round(array)))
    single = 1.0 if integer or lo == 0 else abs(lo) * 0.1  # around one value
    pad = single if hi == lo else (hi - lo) * 0.06
    scale.min, scale.max = lo - pad, hi + pad
    if integer and hi - lo <= 10:
        axis.tick_values = np.arange(np.ceil(lo - pad), np.floor(hi + pad) + 1)  # inside the frame
    else:
        axis.tick_values = None


def legend_html(entries: list[tuple[str, str, str]]) -> str:
    """A legend row: (label, colour, style) per line, style "line", "points" or "steps";
    labels are user strings (column names), escaped."""
    items = [
        f'<span class="rw-legend-item"><span class="rw-legend-swatch rw-legend-{style}" '
        f'style="background:{color}"></span>{html.escape(label)}</span>'
        for label, color, style in entries
    ]
    return "".join(items)


class Chart:
    """One figure. New points of a line already drawn travel as a `points` message
    through `send` (see `_send_points`), the first drawing of a line and redrawings
    after its buckets widen as bqplot's own (binary) state."""

    def __init__(self, data: ChartData, send: Send | None = None) -> None:
        self.name = data.name
        self._send = send
        self.lines: dict[str, DisplayLine] = {}
        self.x_scale = bqplot.LinearScale()
        self.y_scale = bqplot.LinearScale()
        tooltip = bqplot.Tooltip(
            fields=["name", "x", "y"],
            labels=["series", data.x_label, "value"],
            formats=["", ".6g", ".6g"],
        )
        self.marks: dict[str, Any] = {}
        self._legend: list[tuple[str, str, str]] = []
        self.x_axis = bqplot.Axis(scale=self.x_scale, label=data.x_label, grid_lines="dashed")
        self.y_axis = bqplot.Axis(
            scale=self.y_scale,
            orientation="vertical",
            label=data.y_label,
            grid_lines="dashed",
            tick_format="~g",
            label_offset="52px",
        )
        #: The scales' (x min, x max, y min, y max) as last fitted; other values: the user
        #: panned or zoomed, and the view stays theirs.
        self._fitted: tuple[Any, ...] | None = None
        self.figure = bqplot.Figure(
            title=data.name,
            marks=[],
            axes=[self.x_axis, self.y_axis],
            interaction=bqplot.interacts.PanZoom(scales={"x": [self.x_scale], "y": [self.y_scale]}),
            fig_margin={"top": 40, "bottom": 40, "left": 72, "right": 20},
            layout={"width": "100%", "height": "284px", "min_width": "280px"},
        )
        frame(self.figure)
        # Under the figure, outside the plot area: it never covers a point.
        self.legend = ipywidgets.HTML(layout={"display": "none"})
        self.legend.add_class("rw-chart-legend")
        self.widget = ipywidgets.VBox([self.figure, self.legend], layout={"min_width": "280px"})
        self.widget.add_class("rw-chart")
        self._tooltip = tooltip
        self.update(data)

    def close(self) -> None:
        self.figure.close()
        self.legend.close()
        self.widget.close()

    def update(self, data: ChartData) -> None:
        with self.figure.hold_sync():
            for label, (xs, ys) in data.lines.items():
                line = self.lines.setdefault(label, DisplayLine())
                change = line.update(xs, ys)
                if change is None:
                    continue
                mark = self.marks.get(label)
                if mark is None:
                    mark = self._mark(
                        label, line.x, line.y, data.styles.get(label, "line"), len(data.lines)
                    )
                    self.marks[label] = mark
                    self.figure.marks = [*self.figure.marks, mark]
                    self._add_legend(label, mark, data.styles.get(label, "line"))
                    continue
                with mark.hold_sync():
                    if change.keep and self._send is not None:
                        self._send_points(mark, change.keep, change.x, change.y, line)
                    else:
                        mark.x, mark.y = line.x, line.y
                    if isinstance(mark, bqplot.Lines) and len(line.x) >= 60 and mark.marker:
                        mark.marker = None
            self._fit()

    def _fit(self) -> None:
        """Fit the scales to the lines (`fit`: no point on the frame, whole-number ticks
        for steps), unless the user has panned or zoomed since the last fit."""
        if self._fitted is not None and self._fitted != self._domain():
            return
        lines = list(self.lines.values())
        if not lines:
            return
        fit(self.x_scale, self.x_axis, np.concatenate([line.x for line in lines]))
        fit(self.y_scale, self.y_axis, np.concatenate([line.y for line in lines]))
        self._fitted = self._domain()

    def _domain(self) -> tuple[Any, ...]:
        return (self.x_scale.min, self.x_scale.max, self.y_scale.min, self.y_scale.max)

    def _add_legend(self, label: str, mark: Any, style: str) -> None:
        self._legend.append((label, mark.colors[0], style))
        self.legend.value = legend_html(self._legend)
        self.legend.layout.display = "flex" if len(self._legend) > 1 else "none"

    def _send_points(
        self, mark: Any, keep: int, x: np.ndarray, y: np.ndarray, line: DisplayLine
    ) -> None:
        """Tell the browser to keep the first `keep` points of `mark` and append `x`, `y`
        (float64 buffers), and take the whole line as the mark's value here without
        sending it: a browser that loads the widget later gets the whole line."""
        assert self._send is not None
        message: PointsMessage = {
            "type": "points",
            "mark": mark.model_id,
            "keep": keep,
            "n": len(x),
        }
        self._send(
            dict(message),
            [
                np.ascontiguousarray(x, dtype="<f8").tobytes(),
                np.ascontiguousarray(y, dtype="<f8").tobytes(),
            ],
        )
        # Set without a change notification, so the trait is not sent (see the docstring).
        mark._trait_values["x"] = line.x
        mark._trait_values["y"] = line.y

    def _mark(self, label: str, x: np.ndarray, y: np.ndarray, style: str, count: int) -> Any:
        common: dict[str, Any] = {
            "x": x,
            "y": y,
            "scales": {"x": self.x_scale, "y": self.y_scale},
            "labels": [label],
            "display_legend": False,  # the HTML legend under the figure names the lines
            "colors": [COLORS[len(self.marks) % len(COLORS)]],
            "tooltip": self._tooltip,
        }
        if style == "points":
            return bqplot.Scatter(**common, default_size=36)
        return bqplot.Lines(
            **common,
            stroke_width=1.5,
            marker="circle" if style == "line" and len(x) < 60 else None,
            marker_size=16,
            interpolation="step-after" if style == "steps" else "linear",
        )
