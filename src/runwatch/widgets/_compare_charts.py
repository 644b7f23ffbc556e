"""ExperimentDetails' bqplot figures: runs against each other, and one metric overlaid.

`ScatterChart`: one point per run (x and y are two columns of the runs
table), the tooltip naming the run, the best point marked with a red diamond and
its run number. `OverlayChart`: one metric's series from the chosen runs,
a line each, with a legend by run number. Both update their marks in place.
"""

from __future__ import annotations

from typing import Any

import bqplot
import numpy as np

from runwatch.views._compare import OverlayLine, ScatterData
from runwatch.widgets._charts import COLORS, fit, frame

BEST_COLOR = "#d62728"
LAYOUT = {"width": "100%", "height": "344px", "min_width": "300px"}
MARGIN = {"top": 40, "bottom": 44, "left": 72, "right": 24}


def _axes(x_scale: Any, y_scale: Any) -> tuple[Any, Any]:
    x_axis = bqplot.Axis(scale=x_scale, label="", grid_lines="dashed", tick_format="~g")
    y_axis = bqplot.Axis(
        scale=y_scale,
        side="left",
        label="",
        grid_lines="dashed",
        tick_format="~g",
        label_offset="52px",
    )
    return x_axis, y_axis


class ScatterChart:
    def __init__(self) -> None:
        self.x_scale = bqplot.LinearScale()
        self.y_scale = bqplot.LinearScale()
        self.x_axis, self.y_axis = _axes(self.x_scale, self.y_scale)
        scales = {"x": self.x_scale, "y": self.y_scale}
        self.tooltip = bqplot.Tooltip(
            fields=["name", "x", "y"], labels=["run", "x", "y"], formats=["", ".6g", ".6g"]
        )
        self.points = bqplot.Scatter(
            x=np.zeros(0),
            y=np.zeros(0),
            names=[],
            display_names=False,
            scales=scales,
            colors=[COLORS[0]],
            default_size=48,
            opacities=[0.8],
            labels=["runs"],
            display_legend=False,
            tooltip=self.tooltip,
        )
        self.best = bqplot.Scatter(
            x=np.zeros(0),
            y=np.zeros(0),
            names=[],
            display_names=False,
            scales=scales,
            marker="diamond",
            colors=[BEST_COLOR],
            default_size=220,
            labels=["best"],
            display_legend=False,
            tooltip=self.tooltip,
        )
        self.best_label = bqplot.Label(
            x=np.zeros(0),
            y=np.zeros(0),
            text=[],
            scales=scales,
            colors=[BEST_COLOR],
            default_size=12,
            font_weight="bolder",
            x_offset=10,
            y_offset=-8,
        )
        self.figure = bqplot.Figure(
            title="",
            marks=[self.points, self.best, self.best_label],
            axes=[self.x_axis, self.y_axis],
            fig_margin=MARGIN,
            layout=LAYOUT,
            legend_location="top-right",
        )
        frame(self.figure)  # the toolbar above the title, as RunDetails' charts
        self.figure.add_class("rw-scatter")

    def update(self, data: ScatterData, goal: str | None) -> None:
        with self.figure.hold_sync():
            self.x_axis.label = data.x_label
            self.y_axis.label = data.y_label
            self.tooltip.labels = ["run", data.x_label, data.y_label]
            with self.points.hold_sync():
                self.points.x, self.points.y = data.x, data.y
                self.points.names = data.names
            fit(self.x_scale, self.x_axis, data.x)
            fit(self.y_scale, self.y_axis, data.y)
            with self.best.hold_sync():
                if data.best is None:
                    self.best.x, self.best.y, self.best.names = np.zeros(0), np.zeros(0), []
                    self.best_label.x, self.best_label.y = np.zeros(0), np.zeros(0)
                    self.best_label.text = []
                else:
                    i = data.best
                    self.best.x, self.best.y = data.x[i : i + 1], data.y[i : i + 1]
                    self.best.names = [data.names[i]]
                    self.best_label.x, self.best_label.y = self.best.x, self.best.y
                    self.best_label.text = [data.names[i].split(" · ")[0]]  # "#7", "Trial 7"
                self.best.labels = [f"best ({'lowest' if goal == 'min' else 'highest'})"]
            missing = f" · {data.missing} without values" if data.missing else ""
            no_goal = " · no goal: pick lowest or highest Y for a best run" if goal is None else ""
            self.figure.title = (
                f"{data.y_label} vs {data.x_label} · {len(data.x)} runs{missing}{no_goal}"
            )


class OverlayChart:
    def __init__(self) -> None:
        self.x_scale = bqplot.LinearScale()
        self.y_scale = bqplot.LinearScale()
        self.x_axis, self.y_axis = _axes(self.x_scale, self.y_scale)
        self.x_axis.label = "step"
        self.tooltip = bqplot.Tooltip(
            fields=["name", "x", "y"], labels=["run", "step", "value"], formats=["", ".6g", ".6g"]
        )
        self.lines = bqplot.Lines(
            x=np.zeros((0, 0)),
            y=np.zeros((0, 0)),
            scales={"x": self.x_scale, "y": self.y_scale},
            labels=[],
            display_legend=True,
            colors=COLORS,
            stroke_width=1.5,
            tooltip=self.tooltip,
        )
        self.figure = bqplot.Figure(
            title="",
            marks=[self.lines],
            axes=[self.x_axis, self.y_axis],
            interaction=bqplot.interacts.PanZoom(scales={"x": [self.x_scale], "y": [self.y_scale]}),
            fig_margin=MARGIN,
            layout=LAYOUT,
            legend_location="top-right",
        )
        frame(self.figure)
        self.figure.add_class("rw-overlay")

    def update(self, metric: str, lines: list[OverlayLine]) -> None:
        """One line per run; series of different lengths are padded with NaN (no line)."""
        length = max((len(line.x) for line in lines), default=0)
        xs = np.full((len(lines), length), np.nan)
        ys = np.full((len(lines), length), np.nan)
        for i, line in enumerate(lines):
            xs[i, : len(line.x)] = line.x
            ys[i, : len(line.y)] = line.y
        with self.figure.hold_sync(), self.lines.hold_sync():
            self.lines.x, self.lines.y = xs, ys
            self.lines.labels = [line.label for line in lines]
            fit(self.x_scale, self.x_axis, xs)
            fit(self.y_scale, self.y_axis, ys)
            # No runs picked: no made-up 0-1 axes under the prompt.
            self.x_axis.visible = self.y_axis.visible = bool(lines)
            self.y_axis.label = metric
            self.figure.title = (
                f"{metric} · {len(lines)} {'run' if len(lines) == 1 else 'runs'}"
                if lines
                else "Tick runs in the table to overlay their series"
            )
