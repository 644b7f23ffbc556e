"""State assembly for each metric kind, children pages and the sweep chart."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from runwatch import Experiment, Run
from runwatch.views import _run_details as _view
from runwatch.views._tracker import RunTracker


def tracked(run: Run) -> RunTracker:
    run.flush()
    tracker = RunTracker(run.workspace, run.id)
    tracker.poll()
    return tracker


def test_four_chart_examples_have_the_right_x_axis(run: Run) -> None:
    run.log_list("Fibonacci", [0, 1, 1, 2, 3, 5, 8])
    for i in range(-3, 4):
        run.log("Sigmoid", 1 / (1 + math.exp(-i)))
    for i in range(5):
        run.log_row("Cosine Wave", angle=i * 0.5, cos=math.cos(i * 0.5))
    run.log_table("Sine Wave", {"angle": [0.0, 0.5, 1.0], "sine": [0.0, 0.48, 0.84]})
    charts = {c.name: c for c in _view.charts(tracked(run))}
    assert set(charts) == {"Fibonacci", "Sigmoid", "Cosine Wave", "Sine Wave"}
    assert charts["Sine Wave"].x_label == "angle"
    assert charts["Sine Wave"].lines["sine"] == ([0.0, 0.5, 1.0], [0.0, 0.48, 0.84])
    assert charts["Fibonacci"].x_label == "step"
    assert charts["Fibonacci"].lines["Fibonacci"][0] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert charts["Sigmoid"].lines["Sigmoid"][0] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert charts["Cosine Wave"].x_label == "angle"
    assert charts["Cosine Wave"].lines["cos"][0] == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_table_with_two_numeric_columns_logged_twice_is_a_chart(run: Run) -> None:
    run.log_table("Sine Wave", {"angle": [0.0, 0.5], "sine": [0.0, 0.48]})
    run.log_table("Sine Wave", {"angle": [1.0], "sine": [0.84]})
    chart = _view.charts(tracked(run))[0]
    assert chart.x_label == "angle" and chart.lines["sine"] == ([0.0, 0.5, 1.0], [0.0, 0.48, 0.84])


def test_steps_are_the_x_axis_not_the_index(run: Run) -> None:
    for step in (0, 10, 20):
        run.log("loss", 1.0 / (step + 1), step=step)
    chart = _view.charts(tracked(run))[0]
    assert chart.lines["loss"][0] == [0.0, 10.0, 20.0]


def test_scalars_and_tables(run: Run) -> None:
    run.log("accuracy", 0.9, description="on the test set")
    run.log("phase", "warmup")
    run.log("phase", "train")
    run.log_row("mixed", label="a", score=1.0)
    run.log_row("mixed", label="b", score=2.0)
    run.log_row("one row", x=1.0, y=2.0)
    run.log("bad", math.nan)
    tracker = tracked(run)
    scalars = {s["name"]: s for s in _view.scalars(tracker)}
    assert scalars["accuracy"] == {
        "name": "accuracy",
        "value": 0.9,
        "description": "on the test set",
    }
    assert scalars["bad"]["value"] == "NaN"  # JSON has no NaN: shown by name (views._cells)
    tables = {t["name"]: t for t in _view.tables(tracker)}
    assert tables["phase"]["columns"] == ["step", "value"]
    assert tables["phase"]["rows"] == [[0, "warmup"], [1, "train"]]
    assert tables["one row"]["rows"] == [[1.0, 2.0]]
    assert tables["mixed"] == {
        "name": "mixed",
        "columns": ["label", "score"],
        "rows": [["a", 1.0], ["b", 2.0]],
        "total_rows": 2,
    }


def test_images_become_data_urls(run: Run, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for _ in range(2):
        fig = plt.figure(figsize=(1, 1))
        run.log_image("plot", plot=fig)
        plt.close(fig)
    tracker = tracked(run)
    groups = _view.images(tracker)
    assert groups[0]["name"] == "plot"
    assert [i["step"] for i in groups[0]["items"]] == [0, 1]
    assert [i["type"] for i in groups[0]["items"]] == ["image/png"] * 2
    key = groups[0]["items"][0]["key"]
    assert _view.image_bytes(tracker, key).startswith(b"\x89PNG")  # the bytes travel apart


def test_user_strings_stay_data(run: Run) -> None:
    name = "<img src=x onerror=alert(1)>"
    run.log(name, 1.0)
    assert _view.scalars(tracked(run))[0]["name"] == name  # the frontend renders it as text


def test_children_pages_sort_and_params(exp: Experiment) -> None:
    parent = exp.start_logging()
    kids = parent.create_children(120)
    for kid in kids:
        kid.add_properties({"param.alpha": kid.number % 7})
        kid.log("mse", float(kid.number % 11))
        kid.complete()
    tracker = tracked(parent)
    page = _view.children(tracker, 0, "number", False, now=0.0)
    assert page is not None
    assert page["total"] == 120 and page["counts"] == {"Completed": 120}
    assert page["columns"] == ["alpha"] and page["metric"] == "mse"
    assert [r["number"] for r in page["rows"]] == [k.number for k in kids[:20]]
    last = _view.children(tracker, 5, "number", False, now=0.0)
    assert last is not None and [r["number"] for r in last["rows"]] == [
        k.number for k in kids[100:]
    ]
    by_metric = _view.children(tracker, 0, "metric", True, now=0.0)
    assert by_metric is not None and by_metric["rows"][0]["metric"] == 10.0
    by_param = _view.children(tracker, 0, "param:alpha", False, now=0.0)
    assert by_param is not None and by_param["rows"][0]["params"] == {"alpha": 0}
    parent.complete()


@pytest.mark.parametrize("status", ["Completed", "Failed"])
def test_run_state(run: Run, status: str) -> None:
    if status == "Failed":
        run.fail("it broke")
    else:
        run.complete()
    state = _view.run_state(tracked(run).info)
    assert state["status"] == status and state["id"] == run.id
    assert (state["error"] or {}).get("message") == ("it broke" if status == "Failed" else None)


def test_sweep_chart_draws_trials_as_points_and_best_so_far_as_steps(exp: Experiment) -> None:
    sweep = Run._start(exp, run_type="hyperdrive")  # a sweep parent, logged by hand here
    sweep.add_properties({"primary_metric_name": "mse", "primary_metric_goal": "MINIMIZE"})
    best = None
    for number, mse in enumerate([3.0, 2.0, 2.5, 1.0], start=1):
        best = mse if best is None else min(best, mse)
        sweep.log_row("trials", run_id=f"t{number}", number=number, primary_metric=mse)
        sweep.log("best_metric", best)
    tracker = tracked(sweep)
    chart = _view.sweep_chart(tracker)
    assert chart is not None and chart.name == "mse per trial"
    assert chart.lines["trial"][1] == [3.0, 2.0, 2.5, 1.0]
    assert chart.lines["best so far"][1] == [3.0, 2.0, 2.0, 1.0]
    assert chart.styles == {"trial": "points", "best so far": "steps"}
    sweep.complete()
