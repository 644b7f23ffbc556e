"""RunDetails draws evaluation metrics as bqplot figures, kernel side (no browser)."""

from __future__ import annotations

import bqplot
import pytest

from runwatch import Run, metrics
from runwatch.widgets import RunDetails

pytest.importorskip("sklearn")


def _figures(widget: RunDetails, name: str) -> list[bqplot.Figure]:
    return list(widget._evaluation[name].grid.children)


def test_panels_figures_toggle_and_step_slider(run: Run) -> None:
    y_true = [0, 0, 1, 1, 2, 2, 2, 1]
    first = [0, 1, 1, 1, 2, 0, 2, 1]
    run.log_confusion_matrix("cm", metrics.confusion_matrix(y_true, first))
    run.log_confusion_matrix("cm", metrics.confusion_matrix(y_true, y_true))
    scores = [[0.8, 0.2], [0.6, 0.4], [0.3, 0.7], [0.1, 0.9]]
    run.log_accuracy_table("acc", metrics.accuracy_table([0, 0, 1, 1], scores, [0, 1]))
    run.log_residuals("res", metrics.residuals([1.0, 2.0, 3.0], [1.5, 1.5, 3.5], bins=3))
    run.log_predictions("pred", metrics.predictions([1.0, 2.0, 3.0], [1.5, 1.5, 3.5], bins=2))
    run.log("loss", 0.1)
    run.complete()
    widget = RunDetails(run)
    assert list(widget._evaluation) == ["cm", "acc", "res", "pred"]
    assert [len(_figures(widget, n)) for n in widget._evaluation] == [1, 5, 1, 1]
    assert widget._charts == {}  # none of them is drawn as a line chart or table
    assert widget.body.tables == []

    panel = widget._evaluation["cm"]
    (grid,) = _figures(widget, "cm")[0].marks
    assert isinstance(grid, bqplot.GridHeatMap)
    assert grid.color.tolist() == [[2, 0, 0], [0, 3, 0], [0, 0, 3]]  # the last step
    assert panel.slider.layout.display is None and panel.slider.value == 1
    panel.slider.value = 0  # as the user moving the slider
    (grid,) = _figures(widget, "cm")[0].marks
    assert grid.color.tolist() == [[1, 1, 0], [0, 3, 0], [1, 0, 2]]
    panel.normalized.value = True
    (grid,) = _figures(widget, "cm")[0].marks
    assert grid.color[0].tolist() == [0.5, 0.5, 0.0]
    assert "normalised" in _figures(widget, "cm")[0].title

    roc = _figures(widget, "acc")[0]
    assert roc.title == "ROC"
    assert "ROC: AUC macro 1.0000" in widget._evaluation["acc"].heading.value
    assert roc.axes[0].label == "false positive rate"
    assert widget._evaluation["res"].slider.layout.display == "none"
    bars = _figures(widget, "res")[0].marks[0]
    assert isinstance(bars, bqplot.Bars) and list(bars.y) == [1, 0, 2]
    assert "evaluation cm" in widget._repr_mimebundle_()["text/html"]
    widget.close()


def test_names_and_descriptions_are_text(run: Run) -> None:
    name, description = "<img src=x onerror=alert(1)>", "<script>alert(2)</script>"
    run.log_residuals(name, metrics.residuals([1.0, 2.0], [1.5, 2.5]), description=description)
    run.complete()
    widget = RunDetails(run)
    heading = widget._evaluation[name].heading.value
    assert "<img" not in heading and "<script" not in heading
    assert "&lt;img src=x onerror=alert(1)&gt;" in heading
    widget.close()
