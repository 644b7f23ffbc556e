"""bqplot figures for the evaluation metrics (views/_evaluation.py decides what they show).

One `EvaluationPanel` per metric: its name, a step slider when it was logged more
than once, a counts / normalised toggle for a confusion matrix, and one figure per
chart. Every point has a tooltip with its exact values.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import bqplot
import ipywidgets

from runwatch.views._rest_shapes import EvaluationChart, EvaluationMetric, EvaluationSeries
from runwatch.widgets._charts import COLORS

_LAYOUT = {"width": "100%", "height": "300px", "min_width": "280px"}
_MARGIN = {"top": 50, "bottom": 48, "left": 64, "right": 20}
_REFERENCE = "#888888"
#: Where each chart's legend covers the least of its lines.
_LEGEND = {
    "roc": "bottom-right",
    "precision_recall": "bottom-left",
    "calibration": "top-left",
    "gains": "bottom-right",
    "lift": "top-right",
    "predictions": "top-left",
}


def _tooltip() -> bqplot.Tooltip:
    return bqplot.Tooltip(fields=["name"], labels=[""], show_labels=False)


def _title(chart: EvaluationChart) -> str:
    """The chart's title without the metric's name (the panel's heading shows it)."""
    return chart["title"].partition(": ")[2] or chart["title"]


def _xy(series: EvaluationSeries) -> tuple[list[float], list[float], list[int]]:
    keep = [
        i
        for i, (x, y) in enumerate(zip(series["x"], series["y"], strict=False))
        if x is not None and y is not None
    ]
    return (
        [series["x"][i] for i in keep],  # type: ignore[misc]
        [series["y"][i] for i in keep],  # type: ignore[misc]
        keep,
    )


def heatmap_figure(chart: EvaluationChart, normalized: bool) -> bqplot.Figure:
    heatmap = chart["heatmap"]
    assert heatmap is not None
    labels = heatmap["labels"]
    values = heatmap["normalized"] if normalized else heatmap["counts"]
    # Light to mid blue only, so the dark cell text reads on every cell.
    color = bqplot.ColorScale(
        colors=["#f7fbff", "#6baed6"], min=0.0, max=1.0 if normalized else None
    )
    rows = bqplot.OrdinalScale(domain=labels, reverse=True)  # the first class on top
    columns = bqplot.OrdinalScale(domain=labels)
    grid = bqplot.GridHeatMap(
        color=[[v if v is not None else 0.0 for v in row] for row in values],
        row=labels,
        column=labels,
        scales={"row": rows, "column": columns, "color": color},
        display_format=".2f" if normalized else ".0f",
        font_style={"font-size": "13px", "fill": "#222"},
        tooltip=bqplot.Tooltip(
            fields=["row", "column", "color"],
            labels=["true", "predicted", "share of true class" if normalized else "count"],
            formats=["", "", ".4f" if normalized else ".0f"],
        ),
        stroke="white",
    )
    size = max(260, min(520, 60 * len(labels) + 120))
    return bqplot.Figure(
        title=_title(chart) + (" - normalised by true class" if normalized else ""),
        marks=[grid],
        axes=[
            bqplot.Axis(scale=columns, label=chart["x_label"], side="bottom"),
            bqplot.Axis(scale=rows, label=chart["y_label"], side="left", label_offset="46px"),
            bqplot.ColorAxis(scale=color, side="right", visible=False),
        ],
        fig_margin={"top": 50, "bottom": 48, "left": 80, "right": 20},
        layout={"width": "100%", "height": f"{size}px", "min_width": "280px"},
    )


def chart_figure(chart: EvaluationChart) -> bqplot.Figure:
    """Lines, histograms and error bars: one figure."""
    x_scale = bqplot.LinearScale()
    y_scale = bqplot.LinearScale()
    if chart["x_domain"] is not None:
        x_scale.min, x_scale.max = chart["x_domain"]
        x_scale.allow_padding = False
    if chart["y_domain"] is not None:
        y_scale.min, y_scale.max = chart["y_domain"]
        y_scale.allow_padding = False
    scales = {"x": x_scale, "y": y_scale}
    marks: list[Any] = []
    drawn = [s for s in chart["series"] if s["style"] != "dashed"]
    legend = len(drawn) > 1
    for index, series in enumerate(chart["series"]):
        color = COLORS[index % len(COLORS)]
        style = series["style"]
        if style == "bars":
            edges = [x for x in series["x"] if x is not None]
            counts = [y if y is not None else 0.0 for y in series["y"]]
            centers = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
            marks.append(
                bqplot.Bars(
                    x=centers,
                    y=counts,
                    scales=scales,
                    colors=[color],
                    padding=0.05,
                    tooltip=bqplot.Tooltip(
                        fields=["x", "y"], labels=["bin centre", "count"], formats=[".4g", ".6g"]
                    ),
                )
            )
            continue
        x, y, keep = _xy(series)
        if style == "dashed":
            marks.append(
                bqplot.Lines(
                    x=x,
                    y=y,
                    scales=scales,
                    colors=[_REFERENCE],
                    line_style="dashed",
                    stroke_width=1,
                    labels=[series["label"]],
                    display_legend=True,
                )
            )
            continue
        tips = [series["tips"][i] for i in keep] if series["tips"] else []
        if style == "errorbars" and series["error"] is not None:
            errors = [series["error"][i] or 0.0 for i in keep]
            marks.append(
                bqplot.Lines(
                    x=[[a, a] for a in x],
                    y=[[b - e, b + e] for b, e in zip(y, errors, strict=True)],
                    scales=scales,
                    colors=[color] * max(1, len(x)),
                    stroke_width=1.5,
                )
            )
        else:
            marks.append(
                bqplot.Lines(
                    x=x,
                    y=y,
                    scales=scales,
                    colors=[color],
                    stroke_width=2 if "average" in series["label"] else 1.5,
                    line_style="dash_dotted" if "average" in series["label"] else "solid",
                    labels=[series["label"]],
                    display_legend=legend,
                )
            )
        marks.append(
            bqplot.Scatter(
                x=x,
                y=y,
                scales=scales,
                colors=[color],
                default_size=40 if style == "errorbars" else 24,
                # the points of a line are there for their tooltips: hidden until hovered
                opacities=[1.0 if style == "errorbars" else 0.0],
                names=tips,
                display_names=False,
                tooltip=_tooltip(),
                labels=[series["label"]],
                display_legend=style == "errorbars",
            )
        )
    return bqplot.Figure(
        title=_title(chart),
        marks=marks,
        axes=[
            bqplot.Axis(
                scale=x_scale, label=chart["x_label"], grid_lines="dashed", tick_format="~g"
            ),
            bqplot.Axis(
                scale=y_scale,
                side="left",
                label=chart["y_label"],
                grid_lines="dashed",
                tick_format="~g",
                label_offset="48px",
            ),
        ],
        fig_margin=_MARGIN,
        layout=_LAYOUT,
        legend_location=_LEGEND.get(chart["key"], "top-right"),
        legend_style={"fill-opacity": 0.7, "stroke-width": 0},
        legend_text={"font-size": "11px"},
    )


class EvaluationPanel(ipywidgets.VBox):  # type: ignore[misc]
    """One evaluation metric: a heading, its controls and its figures."""

    def __init__(self, state: EvaluationMetric, on_step: Callable[[str, int], None]) -> None:
        self.name = state["name"]
        self._on_step = on_step
        self._syncing = False
        self.heading = ipywidgets.HTML()
        self.slider = ipywidgets.SelectionSlider(
            options=[0],
            description="step",
            continuous_update=False,
            layout=ipywidgets.Layout(width="420px"),
        )
        self.slider.observe(self._slid, names="value")
        self.normalized = ipywidgets.ToggleButtons(
            options=[("counts", False), ("normalised", True)],
            value=False,
            tooltips=["counts", "each row divided by its true class's total"],
        )
        self.normalized.observe(lambda _change: self._draw(), names="value")
        self.grid = ipywidgets.GridBox(
            layout=ipywidgets.Layout(
                grid_template_columns="repeat(auto-fill, minmax(380px, 1fr))", width="100%"
            )
        )
        super().__init__([self.heading, ipywidgets.HBox([self.slider, self.normalized]), self.grid])
        self.add_class("rw-evaluation")
        self.state = state
        self.update(state)

    def update(self, state: EvaluationMetric) -> None:
        import html

        self.state = state
        description = f" - {html.escape(state['description'])}" if state["description"] else ""
        notes = "".join(
            f"<br>{html.escape(_title(c))}: {html.escape(c['note'])}"
            for c in state["charts"]
            if c["note"]
        )
        self.heading.value = (
            f"<b>{html.escape(state['name'])}</b> "
            f"<span style='opacity:0.7'>{state['kind'].replace('_', ' ')}{description}</span>"
            f"<span style='font-size:12px'>{notes}</span>"
        )
        self._syncing = True
        try:
            steps = state["steps"]
            if tuple(self.slider.options) != tuple(steps):
                self.slider.options = steps
            self.slider.value = state["step"]
            self.slider.layout.display = None if len(steps) > 1 else "none"
        finally:
            self._syncing = False
        heatmap = any(c["heatmap"] is not None for c in state["charts"])
        self.normalized.layout.display = None if heatmap else "none"
        self._draw()

    def _draw(self) -> None:
        for figure in self.grid.children:
            figure.close()
        self.grid.children = tuple(
            heatmap_figure(chart, self.normalized.value)
            if chart["heatmap"] is not None
            else chart_figure(chart)
            for chart in self.state["charts"]
        )

    def _slid(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._on_step(self.name, int(change["new"]))

    def close(self) -> None:
        for figure in self.grid.children:
            figure.close()
        super().close()
