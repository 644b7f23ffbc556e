"""HTML tables escape every user string."""

from __future__ import annotations

from runwatch import Experiment, Workspace
from runwatch.core._html import duration, timestamp


def test_user_strings_are_escaped(ws: Workspace) -> None:
    exp = Experiment(ws, "x")
    run = exp.start_logging()
    html = run._repr_html_()
    run.complete()
    assert "<script" not in html
    assert exp.name in html


def test_experiment_names_cannot_carry_html(ws: Workspace) -> None:
    # Experiment names are restricted; run tables escape the rest.
    from runwatch.core._html import experiment_table

    html = experiment_table("<img src=x onerror=alert(1)>", "w&s", "none", [])
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "w&amp;s" in html


def test_formatting() -> None:
    assert duration(3725.9) == "1:02:05"
    assert duration(None) == ""
    assert timestamp(0) == "1970-01-01 00:00:00 UTC"
