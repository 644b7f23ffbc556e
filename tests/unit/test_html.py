"""HTML tables escape every user string."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from _hostile import ALL, HOSTILE, assert_escaped, assert_no_markup, hostile_run

from runwatch import Experiment, ValidationError, Workspace
from runwatch.core._html import duration, experiment_table, run_table, timestamp


@pytest.mark.parametrize("text", HOSTILE)
def test_every_cell_of_a_run_table_is_escaped(ws: Workspace, text: str) -> None:
    # Any string the store holds, as an older runwatch or another client may have written
    with Experiment(ws, "x").start_logging() as run:
        pass
    info = dataclasses.replace(
        run.info, experiment=f"e {text}", id=f"i {text}", run_type=f"t {text}", status=f"s {text}"
    )
    page = run_table(info)
    assert_no_markup(page)
    for shown in (f"e {text}", f"i {text}", f"t {text}", f"s {text}"):
        assert_escaped(page, shown)


@pytest.mark.parametrize("text", HOSTILE)
def test_experiment_table_escapes_names_summary_and_runs(ws: Workspace, text: str) -> None:
    with Experiment(ws, "x").start_logging() as run:
        pass
    info = dataclasses.replace(run.info, experiment=f"e {text}", run_type=f"t {text}")
    page = experiment_table(f"n {text}", f"w {text}", f"s {text}", [info])
    assert_no_markup(page)
    for shown in (f"n {text}", f"w {text}", f"s {text}", f"e {text}", f"t {text}"):
        assert_escaped(page, shown)


def test_user_strings_are_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run with a hostile string in every field a user sets, end to end."""
    monkeypatch.chdir(tmp_path)
    ws = Workspace(f"ws {ALL}", store=f"sqlite:///{tmp_path}/runwatch.db")
    exp = Experiment(ws, "x")
    run = hostile_run(exp)
    assert_no_markup(run._repr_html_())
    page = exp._repr_html_()
    assert_no_markup(page)
    assert_escaped(page, f"ws {ALL}")  # the one free-text field these tables show


@pytest.mark.parametrize("text", HOSTILE)
def test_experiment_names_cannot_carry_html(ws: Workspace, text: str) -> None:
    with pytest.raises(ValidationError):
        Experiment(ws, f"x{text}")


def test_formatting() -> None:
    assert duration(3725.9) == "1:02:05"
    assert duration(None) == ""
    assert timestamp(0) == "1970-01-01 00:00:00 UTC"
