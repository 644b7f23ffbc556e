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
