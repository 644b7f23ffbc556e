"""The JupyterLab experiment dashboard, driven by chromium against the real REST API.

A sweep-like parent run with 20 children (property `param.alpha`, tags, and a
few steps of `mse` each), logged through the public API, is compared in the
dashboard; a separate process completes a run while its dashboard is open.
The charts are uPlot canvases: a test reads what a chart plots from the data it
exposes (data attributes, its text list of points), checks the canvas has ink,
and hovers a point for its tooltip.
Screenshots: test-artifacts/browser/dashboard-*.png.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runwatch import Experiment, Run, Workspace

from .conftest import Server, screenshot, workspace_in
from .test_sidebar import XSS_NAME, canvas_ink, live_logger, open_lab, open_sidebar

TRIALS = 20
ALPHAS = [round(10 ** (-3 + 4 * i / (TRIALS - 1)), 6) for i in range(TRIALS)]
XSS_TRIAL = 6  # the trial whose display name is HTML


@dataclass
class Sweep:
    parent: Run
    children: list[Run]
    alpha: dict[str, float]  # run id -> param.alpha
    mse: dict[str, float]  # run id -> last mse, as get_metrics() reads it back


def mse_of(alpha: float, step: int) -> float:
    """A U-shaped loss in log(alpha) with its minimum near alpha = 0.05, falling per step."""
    return (math.log10(alpha) + 1.3) ** 2 + 0.05 + 1.0 / (step + 1)


@pytest.fixture(scope="module")
def ws(lab: Server) -> Iterator[Workspace]:
    lab.api(
        "/lab/api/settings/runwatch:plugin",
        method="PUT",
        body={"raw": json.dumps({"refreshInterval": 1})},
    )
    yield workspace_in(lab.root)


@pytest.fixture(scope="module")
def sweep(ws: Workspace) -> Sweep:
    parent = Experiment(ws, "db-sweep").start_logging(display_name="alpha sweep")
    # As a HyperDrive sweep records it: the scatter's best run follows this goal.
    parent.add_properties({"primary_metric_name": "mse", "primary_metric_goal": "MINIMIZE"})
    children = []
    for i, alpha in enumerate(ALPHAS):
        child = parent.child_run(name=XSS_NAME if i == XSS_TRIAL else f"trial {i + 1}")
        child.add_properties({"param.alpha": alpha})
        child.tag("family", "ridge" if i % 2 else "lasso")
        for step in range(3):
            child.log("mse", mse_of(alpha, step))
        child.complete()
        children.append(child)
    parent.complete()
    mse = {}
    for child in children:
        values = Run.get(ws, child.id).get_metrics()["mse"]
        mse[child.id] = values[-1] if isinstance(values, list) else values
    return Sweep(parent, children, {c.id: a for c, a in zip(children, ALPHAS, strict=True)}, mse)


def open_dashboard(page: Any, experiment: str, parent: str | None = None) -> Any:
    args = {"experiment": experiment, **({"parent": parent} if parent else {})}
    page.evaluate(
        """async (args) => {
            await window.jupyterapp.restored;
            await window.jupyterapp.commands.execute('runwatch:open-dashboard', args);
        }""",
        args,
    )
    return dashboard(page, experiment, parent)


def dashboard(page: Any, experiment: str, parent: str | None = None) -> Any:
    selector = f'.rw-dashboard[data-experiment="{experiment}"]'
    selector += f'[data-parent="{parent}"]' if parent else ":not([data-parent])"
    panel = page.locator(selector)
    panel.locator(".rw-rt-run").first.wait_for(timeout=30_000)
    return panel


def row_ids(panel: Any) -> list[str]:
    """The ids of the rendered rows, top to bottom."""
    ids: list[str] = panel.locator(".rw-rt-run").evaluate_all(
        """rows => rows
            .map(r => [r.getBoundingClientRect().top, r.dataset.runId])
            .sort((a, b) => a[0] - b[0]).map(p => p[1])"""
    )
    return ids


def wait_first_row(panel: Any, run_id: str) -> None:
    panel.page.wait_for_function(
        """([panel, id]) => {
            const rows = [...panel.querySelectorAll('.rw-rt-run')];
            rows.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
            return rows.length > 0 && rows[0].dataset.runId === id;
        }""",
        arg=[panel.element_handle(), run_id],
        timeout=15_000,
    )


def test_the_trials_table_sorts_and_the_scatter_puts_the_minimum_where_get_metrics_does(
    lab: Server, sweep: Sweep, page: Any
) -> None:
    open_lab(page, lab)
    page.evaluate(
        "id => window.jupyterapp.commands.execute('runwatch:open-run', {id})", sweep.parent.id
    )
    details = page.locator(f'.rw-lab-details[data-run-id="{sweep.parent.id}"]')
    compare = details.locator(".rw-lab-compare")
    compare.wait_for(timeout=30_000)
    compare.click()
    panel = dashboard(page, "db-sweep", sweep.parent.id)
    assert panel.locator(".rw-db-count").inner_text() == f"{TRIALS} runs"
    heading = panel.locator(".rw-db-header .rw-title")
    page.wait_for_function(
        "el => el.textContent.startsWith('Trials of #')", arg=heading.element_handle()
    )
    assert "alpha sweep" in heading.inner_text()
    assert panel.locator(".rw-db-automl").count() == 0  # a sweep has no AutoML view

    # Every trial is a row: scroll the virtualized table through and collect them.
    scroller = panel.locator(".rw-rt .rw-vl")
    seen = set(row_ids(panel))
    scroller.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    page.wait_for_timeout(300)
    seen |= set(row_ids(panel))
    assert seen == set(sweep.alpha)
    scroller.evaluate("el => { el.scrollTop = 0; }")

    best = min(sweep.mse, key=sweep.mse.__getitem__)
    panel.locator('.rw-rt-th[data-key="metric:mse"]').click()
    wait_first_row(panel, best)
    ordered = row_ids(panel)[:5]
    assert [sweep.mse[i] for i in ordered] == sorted(sweep.mse.values())[:5]
    best_row = panel.locator(f'.rw-rt-run[data-run-id="{best}"]')
    cell = best_row.locator('[data-key="metric:mse"]')
    assert float(cell.inner_text()) == pytest.approx(sweep.mse[best], rel=1e-5)
    alpha_cell = best_row.locator('[data-key="property:param.alpha"]')
    assert float(alpha_cell.inner_text()) == pytest.approx(sweep.alpha[best], rel=1e-5)
    screenshot(page, "dashboard-sorted-by-mse")

    # Run numbers on X: whole-number ticks only.
    panel.locator(".rw-db-x").select_option("number")
    panel.locator(".rw-db-y").select_option("metric:mse")
    by_number = scatter(panel, "number", "metric:mse")
    assert all(float(t).is_integer() for t in ticks(by_number, "x")), ticks(by_number, "x")

    panel.locator(".rw-db-x").select_option("property:param.alpha")
    chart = scatter(panel, "property:param.alpha", "metric:mse")
    # The sweep's goal decides the best run; it cannot be changed here.
    goal = panel.locator(".rw-db-goal")
    assert goal.input_value() == "min" and goal.is_disabled()
    assert chart.get_attribute("data-points") == str(TRIALS)
    data = panel.locator(".rw-db-scatter .rw-chart-data li")
    assert data.count() == TRIALS
    xs = sorted(float(x) for x in data.evaluate_all("ps => ps.map(p => p.dataset.x)"))
    assert xs == pytest.approx(sorted(ALPHAS))
    assert canvas_ink(chart) > 500
    highlighted = chart.locator(".rw-chart-best")
    assert highlighted.count() == 1
    assert highlighted.get_attribute("data-run-id") == best == chart.get_attribute("data-best")
    assert float(highlighted.get_attribute("data-x")) == pytest.approx(sweep.alpha[best])
    assert float(highlighted.get_attribute("data-y")) == pytest.approx(sweep.mse[best])
    # Hovering the ringed point shows its run and exact values.
    box = highlighted.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = chart.locator(".rw-chart-tip")
    tip.wait_for(state="visible", timeout=5_000)
    tooltip = tip.inner_text()
    # A sweep's trial goes by its index, the suffix of its id.
    trial = f"Trial {best.rsplit('_', 1)[1]}"
    assert trial in tooltip and best in tooltip and "param.alpha" in tooltip
    assert tip.get_attribute("data-run-id") == best
    # Tick labels on both axes, a few only (no crowded y axis).
    assert len(ticks(chart, "x")) >= 3 and 3 <= len(ticks(chart, "y")) <= 8
    panel.locator(".rw-db-toggle", has_text="log x").locator("input").check()
    chart = panel.locator('.rw-db-scatter-chart[data-x-label="param.alpha (log)"]')
    chart.wait_for()
    assert ticks(chart, "x") == ["0.001", "0.01", "0.1", "1", "10"]
    chart.scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    screenshot(page, "dashboard-scatter-alpha-vs-mse")
    set_theme(page, "JupyterLab Dark")
    try:
        page.wait_for_timeout(500)
        screenshot(page, "dashboard-scatter-dark")
    finally:
        set_theme(page, "JupyterLab Light")

    # Another Y has no goal: nothing is ringed until one is picked.
    panel.locator(".rw-db-y").select_option("duration")
    chart = scatter(panel, "property:param.alpha", "duration")
    assert chart.locator(".rw-chart-best").count() == 0
    assert goal.input_value() == "" and not goal.is_disabled()
    assert "no goal: pick one" in panel.locator(".rw-db-scatter .rw-db-chart-note").inner_text()


def scatter(panel: Any, x: str, y: str) -> Any:
    chart = panel.locator(f'.rw-db-scatter-chart[data-x="{x}"][data-y="{y}"]')
    chart.wait_for(timeout=15_000)
    return chart


def ticks(chart: Any, axis: str) -> list[str]:
    """The tick labels the chart drew on axis `x` or `y`."""
    return str(chart.get_attribute(f"data-{axis}-ticks")).split("|")


def set_theme(page: Any, theme: str) -> None:
    page.evaluate(
        "theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    page.wait_for_function(
        "theme => document.body.dataset.jpThemeName === theme", arg=theme, timeout=15_000
    )


def test_overlay_of_three_selected_trials_and_csv_download(
    lab: Server, sweep: Sweep, page: Any
) -> None:
    open_lab(page, lab)
    panel = open_dashboard(page, "db-sweep", sweep.parent.id)
    picked = row_ids(panel)[:3]
    for run_id in picked:
        panel.locator(f'.rw-rt-run[data-run-id="{run_id}"] .rw-rt-check').click()
    panel.locator(".rw-db-overlay-metric").select_option("metric:mse")
    lines = panel.locator(".rw-db-overlay-chart .rw-db-legend-item")
    page.wait_for_function(
        "el => el.querySelectorAll('.rw-db-overlay-chart .rw-db-legend-item').length === 3",
        arg=panel.element_handle(),
        timeout=15_000,
    )
    assert sorted(lines.evaluate_all("ls => ls.map(l => l.dataset.runId)")) == sorted(picked)
    # three steps of mse, one line each
    assert lines.evaluate_all("ls => ls.map(l => l.dataset.points)") == ["3", "3", "3"]
    assert canvas_ink(panel.locator(".rw-db-overlay-chart")) > 500
    legend = lines.all_inner_texts()
    assert {" ".join(text.split()[:2]) for text in legend} == {
        f"Trial {i.rsplit('_', 1)[1]}" for i in picked
    }
    # The legend sits below the plot, not over it.
    plot = panel.locator(".rw-db-overlay-chart .u-over").bounding_box()
    first = lines.first.bounding_box()
    assert plot is not None and first is not None and first["y"] >= plot["y"] + plot["height"]
    panel.locator(".rw-db-overlay").scroll_into_view_if_needed()
    screenshot(page, "dashboard-overlay-three-trials")

    with page.expect_download() as download:
        panel.locator(".rw-db-csv").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert len(rows) == TRIALS + 1
    assert any("mse" in head for head in rows[0]) and any("alpha" in head for head in rows[0])


def test_clicking_a_row_opens_the_run_and_html_names_are_text(
    lab: Server, sweep: Sweep, page: Any
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_lab(page, lab)
    panel = open_dashboard(page, "db-sweep", sweep.parent.id)
    xss = sweep.children[XSS_TRIAL]
    panel.locator(".rw-db-search").fill("onerror")
    page.wait_for_function(
        "el => el.textContent === '1 run'", arg=panel.locator(".rw-db-count").element_handle()
    )
    assert row_ids(panel) == [xss.id]
    name = panel.locator(f'.rw-rt-run[data-run-id="{xss.id}"] [data-key="display_name"]')
    assert name.inner_text() == XSS_NAME
    assert page.locator(".rw-dashboard img").count() == 0
    screenshot(page, "dashboard-html-as-text")
    name.click()
    details = page.locator(f'.rw-lab-details[data-run-id="{xss.id}"]')
    details.locator(".rw-lab-header .rw-badge[data-status='Completed']").wait_for(timeout=30_000)
    assert details.is_visible()
    assert dialogs == []


def test_the_sidebar_opens_the_dashboard_and_a_run_completed_elsewhere_updates(
    lab: Server, ws: Workspace, page: Any
) -> None:
    exp = Experiment(ws, "db-live")
    for acc in (0.61, 0.72):
        with exp.start_logging() as finished:
            finished.log("acc", acc)
    logger, run_id = live_logger(lab.root, "db-live")
    try:
        open_lab(page, lab)
        open_sidebar(page, "db-live")
        page.locator('.rw-sb-experiment[data-experiment="db-live"] .rw-sb-compare').click()
        panel = dashboard(page, "db-live")
        badge = panel.locator(f'.rw-rt-run[data-run-id="{run_id}"] .rw-badge')
        badge.wait_for(timeout=15_000)
        assert badge.get_attribute("data-status") == "Running"
        assert panel.locator(".rw-db-count").inner_text() == "3 runs"
        assert panel.locator('.rw-rt-th[data-key="metric:acc"]').count() == 1
        panel.locator(".rw-db-picker > summary").click()
        panel.locator('.rw-db-picker-item input[data-key="metric:acc"]').uncheck()
        page.wait_for_selector('.rw-dashboard .rw-rt-th[data-key="metric:acc"]', state="detached")
        panel.locator('.rw-db-picker-item input[data-key="metric:acc"]').check()
        panel.locator('.rw-rt-th[data-key="metric:acc"]').wait_for()
        panel.locator(".rw-db-picker > summary").click()
        # Still open in the sidebar: expanding and collapsing keeps working.
        header = page.locator('.rw-sb-experiment[data-experiment="db-live"]')
        assert header.get_attribute("aria-expanded") == "true"
        header.locator(".rw-sb-exp-name").click()
        page.wait_for_selector(
            '.rw-sb-experiment[data-experiment="db-live"][aria-expanded="false"]'
        )
        screenshot(page, "dashboard-live-running")
        assert logger.stdin is not None
        logger.stdin.write("go\n")
        logger.stdin.flush()
        assert logger.wait(timeout=30) == 0
        panel.locator(
            f'.rw-rt-run[data-run-id="{run_id}"] .rw-badge[data-status="Completed"]'
        ).wait_for(timeout=15_000)
        chip = panel.locator('.rw-sb-chip[data-status="Completed"]')
        page.wait_for_function("el => el.textContent.endsWith(' 3')", arg=chip.element_handle())
        screenshot(page, "dashboard-live-completed")
    finally:
        if logger.poll() is None:
            logger.kill()
