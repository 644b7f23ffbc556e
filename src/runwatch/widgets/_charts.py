"""bqplot figures for the metric charts, updated in place as points arrive.

One figure per chart: a line per series, the x scale shared by its lines,
axis labels, a tooltip with the exact x and y of the nearest point, and
pan/zoom. Each series is downsampled for display (min/max per bucket) so a
million points draw as a few thousand without hiding spikes.
"""

from __future__ import annotations

from typing import Any

import bqplot
import numpy as np

from runwatch.views._downsample import minmax
from runwatch.views._run_details import ChartData

COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


class Chart:
    def __init__(self, data: ChartData) -> None:
        self.name = data.name
        self.x_scale = bqplot.LinearScale()
        self.y_scale = bqplot.LinearScale()
        tooltip = bqplot.Tooltip(
            fields=["name", "x", "y"],
            labels=["series", data.x_label, "value"],
            formats=["", ".6g", ".6g"],
        )
        self.marks: dict[str, Any] = {}
        self.figure = bqplot.Figure(
            title=data.name,
            marks=[],
            axes=[
                bqplot.Axis(scale=self.x_scale, label=data.x_label, grid_lines="dashed"),
                bqplot.Axis(
                    scale=self.y_scale,
                    orientation="vertical",
                    label=data.y_label,
                    grid_lines="dashed",
                    tick_format="~g",
                    label_offset="52px",
                ),
            ],
            interaction=bqplot.interacts.PanZoom(scales={"x": [self.x_scale], "y": [self.y_scale]}),
            fig_margin={"top": 40, "bottom": 40, "left": 72, "right": 20},
            layout={"width": "100%", "height": "260px", "min_width": "280px"},
            legend_location="top-right",
        )
        self._tooltip = tooltip
        self.update(data)

    def update(self, data: ChartData) -> None:
        with self.figure.hold_sync():
            for label, (xs, ys) in data.lines.items():
                x, y = minmax(xs, ys)
                mark = self.marks.get(label)
                if mark is None:
                    mark = self._mark(label, x, y, data.styles.get(label, "line"), len(data.lines))
                    self.marks[label] = mark
                    self.figure.marks = [*self.figure.marks, mark]
                else:
                    with mark.hold_sync():
                        mark.x, mark.y = x, y
                        if isinstance(mark, bqplot.Lines) and len(x) >= 60:
                            mark.marker = None

    def _mark(self, label: str, x: np.ndarray, y: np.ndarray, style: str, count: int) -> Any:
        common: dict[str, Any] = {
            "x": x,
            "y": y,
            "scales": {"x": self.x_scale, "y": self.y_scale},
            "labels": [label],
            "display_legend": count > 1,
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
