"""Experiments: names, run listing with filters, summaries, HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from _hostile import ALL, assert_escaped, assert_no_markup, hostile_run

import runwatch
from runwatch import Experiment, Workspace


@pytest.mark.parametrize("name", ["", "-lead", "has space", "x" * 256, 5, "a/b"])
def test_invalid_names(ws: Workspace, name: object) -> None:
    with pytest.raises(runwatch.ValidationError, match="experiment name"):
        Experiment(ws, name)  # type: ignore[arg-type]


def test_same_name_same_experiment(ws: Workspace) -> None:
    assert Experiment(ws, "e").id == Experiment(ws, "e").id
    assert Experiment(ws, "e") == Experiment(ws, "e")


def test_get_runs_newest_first_with_filters(exp: Experiment) -> None:
    a = exp.start_logging()
    a.set_tags({"team": "x", "kind": "base"})
    a.add_properties({"alpha": 0.1})
    b = exp.start_logging()
    b.set_tags({"team": "y"})
    b.add_properties({"alpha": 0.2})
    child = b.child_run()
    c = exp.start_logging()
    assert [r.id for r in exp.get_runs()] == [c.id, b.id, a.id]
    assert [r.id for r in exp.get_runs(tags="team")] == [b.id, a.id]
    assert [r.id for r in exp.get_runs(tags=["team", "kind"])] == [a.id]
    assert [r.id for r in exp.get_runs(tags={"team": "y"})] == [b.id]
    assert [r.id for r in exp.get_runs(tags={"team": None})] == [b.id, a.id]
    assert [r.id for r in exp.get_runs(properties={"alpha": 0.1})] == [a.id]
    assert [r.id for r in exp.get_runs(include_children=True)] == [c.id, child.id, b.id, a.id]
    assert [r.id for r in exp.get_runs(type="child", include_children=True)] == [child.id]
    for run in (child, a, b, c):
        run.complete()


def test_bad_tag_filter(exp: Experiment) -> None:
    with pytest.raises(runwatch.ValidationError, match="tags filter"):
        list(exp.get_runs(tags=5))  # type: ignore[arg-type]


def test_run_summaries_read_latest_values(exp: Experiment) -> None:
    for i in range(3):
        with exp.start_logging() as run:
            run.log("loss", 1.0)
            run.log("loss", 1.0 / (i + 2))
            run.log("acc", i)
    summaries = exp.get_run_summaries(["loss"])
    assert [s.number for s in summaries] == [3, 2, 1]
    assert [s.metrics for s in summaries] == [{"loss": 0.25}, {"loss": 1 / 3}, {"loss": 0.5}]
    assert exp.get_run_summaries()[0].metrics == {"loss": 0.25, "acc": 2}
    assert all(s.status == "Completed" for s in summaries)


def test_repr_html_escapes_and_counts(ws: Workspace) -> None:
    exp = Experiment(Workspace(f"w {ALL}", store=ws.store_url), "html")
    with exp.start_logging():
        pass
    hostile_run(exp)
    html = exp._repr_html_()
    assert "1 Completed, 1 Failed" in html and "<table" in html
    assert_no_markup(html)
    assert_escaped(html, f"w {ALL}")


def _sweep(exp: Experiment) -> tuple[runwatch.Run, list[runwatch.Run]]:
    parent = exp.start_logging()
    children = []
    for i in range(4):
        child = parent.child_run()
        child.add_properties({"param.alpha": i / 10, "model": "ridge"})
        child.log("mse", (i - 2) ** 2 / 10)
        child.log("mse", (i - 1) ** 2 / 10)  # the latest value counts
        child.tag("mse", "clash")  # a tag named like a metric: both get prefixes
        child.complete() if i != 3 else child.fail()
        children.append(child)
    parent.complete()
    return parent, children


def test_get_runs_frame_of_a_sweeps_children(exp: Experiment) -> None:
    parent, children = _sweep(exp)
    frame = exp.get_runs_frame(parent=parent)
    assert list(frame.columns) == [
        "id",
        "number",
        "status",
        "display_name",
        "created_time",
        "start_time",
        "end_time",
        "duration",
        "tag:mse",
        "model",
        "param.alpha",
        "metric:mse",
    ]
    assert list(frame["id"]) == [child.id for child in children]
    assert list(frame["param.alpha"]) == [0.0, 0.1, 0.2, 0.3]
    assert list(frame["metric:mse"]) == [0.1, 0.0, 0.1, 0.4]
    assert list(frame["model"]) == ["ridge"] * 4
    assert str(frame["created_time"].dtype) == "datetime64[ns, UTC]"
    assert frame["duration"].dtype == float and (frame["duration"] >= 0).all()
    best = frame.loc[frame["metric:mse"].idxmin()]
    assert children[1].get_metrics()["mse"][-1] == best["metric:mse"]
    assert list(exp.get_runs_frame(parent=parent.id, status="Failed")["id"]) == [children[3].id]
    top = exp.get_runs_frame()
    assert list(top["id"]) == [parent.id] and "param.alpha" not in top.columns
    everything = exp.get_runs_frame(include_children=True)
    assert len(everything) == 5 and list(everything["parent_id"])[1:] == [parent.id] * 4


def test_export_runs_csv_matches_the_frame(exp: Experiment, tmp_path: Path) -> None:
    import csv

    parent, children = _sweep(exp)
    path = exp.export_runs_csv(tmp_path / "runs.csv", parent=parent, tags={"mse": "clash"})
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    frame = exp.get_runs_frame(parent=parent)
    assert list(rows[0]) == list(frame.columns)
    assert [row["id"] for row in rows] == [child.id for child in children]
    assert [float(row["metric:mse"]) for row in rows] == list(frame["metric:mse"])
    assert rows[3]["status"] == "Failed" and rows[0]["display_name"] == ""
    assert rows[0]["created_time"].endswith("+00:00")


def test_get_runs_frame_without_pandas_says_how_to_install(
    exp: Experiment, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        exp.get_runs_frame()


def test_runs_frame_parent_must_be_in_the_experiment(ws: Workspace) -> None:
    with Experiment(ws, "one").start_logging() as run:
        pass
    with pytest.raises(runwatch.ValidationError, match="not 'two'"):
        Experiment(ws, "two").get_runs_frame(parent=run)
