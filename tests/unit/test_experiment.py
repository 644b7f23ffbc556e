"""Experiments: names, run listing with filters, summaries, HTML."""

from __future__ import annotations

import pytest

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
    exp = Experiment(ws, "html")
    with exp.start_logging():
        pass
    html = exp._repr_html_()
    assert "1 Completed" in html and "<table" in html
