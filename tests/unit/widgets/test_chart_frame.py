"""RunDetails' and ExperimentDetails' bqplot figures: the legend is HTML under the
figure (never over a point), the toolbar sits above the title (`_charts.frame`)."""

from __future__ import annotations

from runwatch.views._run_details import ChartData
from runwatch.widgets._charts import FRAME_CLASS, FRAME_TOP, Chart
from runwatch.widgets._compare_charts import OverlayChart, ScatterChart


def test_a_chart_of_two_lines_names_them_under_the_figure() -> None:
    data = ChartData("mse per trial", "trials finished", "mse")
    data.lines["trial"] = ([1.0, 2.0, 3.0], [3.0, 1.0, 2.0])
    data.lines["best so far <b>"] = ([1.0, 2.0, 3.0], [3.0, 1.0, 1.0])
    data.styles.update({"trial": "points", "best so far <b>": "steps"})
    chart = Chart(data)
    assert not any(mark.display_legend for mark in chart.figure.marks)  # none in the plot
    assert chart.widget.children == (chart.figure, chart.legend)
    assert chart.legend.layout.display == "flex"
    assert chart.legend.value.count("rw-legend-item") == 2
    assert "rw-legend-points" in chart.legend.value and "&lt;b&gt;" in chart.legend.value
    chart.close()


def test_a_chart_of_one_line_has_no_legend() -> None:
    chart = Chart(ChartData("loss", "step", "loss", {"loss": ([0.0, 1.0], [1.0, 0.5])}))
    assert chart.legend.layout.display == "none"
    chart.close()


def test_every_figure_has_its_toolbar_above_its_title() -> None:
    chart = Chart(ChartData("loss", "step", "loss", {"loss": ([0.0, 1.0], [1.0, 0.5])}))
    for figure in (chart.figure, ScatterChart().figure, OverlayChart().figure):
        assert figure.fig_margin["top"] == FRAME_TOP
        assert FRAME_CLASS in figure._dom_classes
    chart.close()


def test_a_metric_chart_fits_its_points_inside_the_frame_with_whole_steps() -> None:
    chart = Chart(ChartData("loss", "step", "loss", {"loss": ([0.0, 1.0, 2.0], [1.0, 0.5, 0.25])}))
    # no point on the frame: a margin on both scales
    assert chart.x_scale.min < 0.0 and chart.x_scale.max > 2.0
    assert chart.y_scale.min < 0.25 and chart.y_scale.max > 1.0
    # steps are whole numbers: so are the ticks (never 0.5, 1.5)
    assert chart.x_axis.tick_values is not None
    assert all(float(t).is_integer() for t in chart.x_axis.tick_values)
    assert chart.y_axis.tick_values is None  # the values are not whole
    # new points widen the fit
    chart.update(
        ChartData("loss", "step", "loss", {"loss": ([0.0, 1.0, 2.0, 3.0], [1, 0.5, 0.25, 2])})
    )
    assert chart.x_scale.max > 3.0 and chart.y_scale.max > 2.0
    chart.close()


def test_a_metric_chart_the_user_zoomed_keeps_the_zoom() -> None:
    chart = Chart(ChartData("loss", "step", "loss", {"loss": ([0.0, 1.0, 2.0], [1.0, 0.5, 0.25])}))
    chart.x_scale.min, chart.x_scale.max = 0.5, 1.5  # as bqplot's pan/zoom sets them
    chart.update(
        ChartData("loss", "step", "loss", {"loss": ([0.0, 1.0, 2.0, 3.0], [1, 0.5, 0.2, 0.1])})
    )
    assert (chart.x_scale.min, chart.x_scale.max) == (0.5, 1.5)
    chart.close()
