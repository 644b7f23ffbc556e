"""A sweep as a data scientist reads it, in every view: one best trial, one value per
trial (the best it logged), comparison one click away, rows and numbers that read.

The sweep is logged by hand: each trial's latest mse differs from its best one, and
the trial with the best latest value is not the best trial. Screenshots:
test-artifacts/browser/views-*.png.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from runwatch import Experiment, Run, Workspace
from runwatch.core import _ranking

from .conftest import Server, open_notebook, run_all, screenshot, workspace_in
from .test_dashboard import dashboard, open_dashboard
from .test_sidebar import XSS_NAME, open_lab, open_sidebar

# Without playwright, conftest.py's pytest_runtest_setup skips or fails each test, naming it.
with contextlib.suppress(ImportError):
    from playwright.sync_api import expect

# mse per epoch of each trial (alpha = i / 10): trial 2 dips lowest at epoch 1 (its best
# logged value), trial 4 ends lowest (the best latest value).
SERIES = [
    [5.0, 4.0, 4.5],
    [4.0, 3.5, 3.9],
    [3.0, 1.0, 3.2],
    [4.2, 3.0, 2.8],
    [2.5, 2.1, 2.0],
    [6.0, 5.5, 5.2],
]


@dataclass
class Sweep:
    parent: Run
    trials: list[Run]
    best: Run  # by the best logged value, as get_best_run_by_primary_metric ranks


@pytest.fixture(scope="module")
def ws(lab: Server) -> Iterator[Workspace]:
    lab.api(
        "/lab/api/settings/runwatch:plugin",
        method="PUT",
        body={"raw": json.dumps({"refreshInterval": 1, "metric": ""})},
    )
    yield workspace_in(lab.root)


@pytest.fixture(scope="module")
def sweep(ws: Workspace) -> Sweep:
    parent = Experiment(ws, "views-sweep").start_logging(display_name="alpha sweep")
    parent.add_properties({"primary_metric_name": "mse", "primary_metric_goal": "MINIMIZE"})
    trials = []
    for i, series in enumerate(SERIES):
        trial = parent.child_run(name=XSS_NAME if i == 1 else None)
        trial.add_properties({"param.alpha": i / 10})
        for value in series:
            trial.log("mse", value)
        trial.complete()
        trials.append(trial)
    parent.log("best_metric", min(min(s) for s in SERIES))
    parent.complete()
    # Another experiment whose runs log `loss` only: the sidebar shows its own metric.
    other = Experiment(ws, "views-loss").start_logging()
    other.log("loss", 0.25)
    other.complete()
    values = [_ranking.trial_value(s, "min") for s in SERIES]
    best = trials[values.index(min(v for v in values if v is not None))]
    assert best is trials[2]
    return Sweep(parent, trials, best)


def open_run_panel(page: Any, run_id: str) -> Any:
    page.evaluate(
        """async (id) => {
            await window.jupyterapp.restored;
            await window.jupyterapp.commands.execute('runwatch:open-run', {id});
        }""",
        run_id,
    )
    panel = page.locator(f'.rw-lab-details[data-run-id="{run_id}"]')
    panel.locator(".rw-child-row").first.wait_for(timeout=30_000)
    return panel


def test_the_run_panel_names_the_best_trial_by_its_best_logged_value(
    lab: Server, sweep: Sweep, page: Any
) -> None:
    open_lab(page, lab)
    panel = open_run_panel(page, sweep.parent.id)
    best = panel.locator(".rw-best-line")
    best.wait_for(timeout=15_000)
    assert best.inner_text().replace("\n", " ") == (
        f"★ Best trial #{sweep.best.number} · mse 1 (best logged value)"
    )
    headers = panel.locator(".rw-children-table th").all_inner_texts()
    assert [h.strip(" ▲▼\n") for h in headers] == [
        "#",
        "Status",
        "mse (best logged value)",
        "Started",
        "Duration",
        "alpha",
    ]
    rows = panel.locator(".rw-child-row")
    assert rows.count() == len(SERIES)
    values = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(len(SERIES))]
    assert values == [str(min(s)).removesuffix(".0") for s in SERIES]
    starred = panel.locator(".rw-child-row.rw-best")
    assert starred.count() == 1 and starred.get_attribute("data-id") == sweep.best.id
    # The run's number once: a named run's title is its name with "#1" beside it (a run
    # without a name is "Run 3", with nothing beside it).
    heading = panel.locator(".rw-title").inner_text() + panel.locator(".rw-subtitle").inner_text()
    assert heading == f"alpha sweep#{sweep.parent.number}"
    # A row or table metric never stretches the panel: the table fits.
    width = panel.evaluate("p => [p.clientWidth, p.querySelector('table').scrollWidth]")
    assert width[1] <= width[0]
    screenshot(page, "views-panel-sweep")
    # "Compare trials" under the child table opens the trials' dashboard.
    panel.locator(".rw-compare-children").click()
    trials = dashboard(page, "views-sweep", sweep.parent.id)
    labels = trials.locator(".rw-rt-head").first.inner_text()
    assert labels.index("param.alpha") < labels.index("mse (best logged value)")
    # A trial has a display name (HTML): the name column stays, its text shown as text.
    assert "Name" in labels
    expect(trials.get_by_text(XSS_NAME, exact=True)).to_have_count(1)


def test_the_dashboard_scatter_rings_the_best_trial_at_its_best_value(
    lab: Server, sweep: Sweep, page: Any
) -> None:
    open_lab(page, lab)
    panel = open_dashboard(page, "views-sweep", sweep.parent.id)
    # The scatter's summary names the best trial at its best logged value (1, at epoch 1;
    # its latest is 3.2), the value its table row shows.
    page.wait_for_function(
        "(n) => document.body.innerText.includes(n)",
        arg=f"#{sweep.best.number} at param.alpha = 0.2, mse (best logged value) = 1",
        timeout=15_000,
    )
    row = panel.locator(f'.rw-rt-run[data-run-id="{sweep.best.id}"]')
    assert "3.2" not in row.inner_text() and "\n1\n" in f"\n{row.inner_text()}\n"
    screenshot(page, "views-dashboard-sweep")


def test_the_sidebar_compares_a_sweep_in_one_click_and_shows_each_experiments_metric(
    lab: Server, sweep: Sweep, page: Any
) -> None:
    open_lab(page, lab)
    open_sidebar(page, "views-sweep")
    row = page.locator(f'.rw-sb-run[data-run-id="{sweep.parent.id}"]')
    row.wait_for(timeout=30_000)
    page.wait_for_function(
        "(id) => document.querySelector(`.rw-sb-run[data-run-id='${id}'] .rw-sb-metric`)"
        "?.textContent === 'best_metric 1'",
        arg=sweep.parent.id,
        timeout=15_000,
    )
    row.locator("[data-action=trials]").click()
    dashboard(page, "views-sweep", sweep.parent.id)
    # The experiment's own "compare" on an experiment of one sweep: its trials too.
    page.locator('.rw-sb-experiment[data-experiment="views-sweep"] [data-action=dashboard]').click()
    dashboard(page, "views-sweep", sweep.parent.id)
    assert page.locator('.rw-dashboard[data-experiment="views-sweep"]').count() == 1
    # Another experiment shows its own first metric, not best_metric.
    page.locator('.rw-sb-experiment[data-experiment="views-loss"]').click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rw-sb-run .rw-sb-metric')]"
        ".some(m => m.textContent === 'loss 0.25')",
        timeout=15_000,
    )
    names = page.locator(".rw-sb-run .rw-sb-name")
    assert names.first.get_attribute("title") == names.first.inner_text()
    screenshot(page, "views-sidebar")
    # The palette offers the dashboard: from the active trials' dashboard, nothing to
    # pick; from anywhere, the experiment with the latest run.
    listed = page.evaluate(
        """() => window.jupyterapp.commands.listCommands()
            .filter(c => c.startsWith('runwatch:'))"""
    )
    assert "runwatch:open-dashboard" in listed
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:activate-command-palette')")
    page.keyboard.type("runwatch")
    palette = page.locator(".lm-CommandPalette-item")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.lm-CommandPalette-item')]"
        ".some(i => i.textContent.includes('open experiment dashboard'))",
        timeout=10_000,
    )
    assert palette.count() >= 3
    screenshot(page, "views-palette")


def test_run_details_marks_the_best_trial_and_compares_the_trials_in_place(
    lab: Server, sweep: Sweep, page: Any
) -> None:
    code = (
        "from runwatch import Workspace, Run, RunDetails\nws = Workspace.from_config()\n"
        f"RunDetails(Run.get(ws, {sweep.parent.id!r}), refresh_interval=1)"
    )
    path = lab.notebook("views-sweep.ipynb", [code])
    open_notebook(page, lab, path)
    run_all(page, lab)
    page.wait_for_selector(".rw-best-line", timeout=60_000)
    assert page.locator(".rw-best-line").inner_text().replace("\n", " ") == (
        f"★ Best trial #{sweep.best.number} · mse 1 (best logged value)"
    )
    starred = page.locator(".rw-child-row.rw-best")
    assert starred.get_attribute("data-id") == sweep.best.id
    assert (
        page.locator(".rw-children-table th")
        .nth(2)
        .inner_text()
        .startswith("mse (best logged value)")
    )
    # A page of child runs is shown whole: no inner box cuts a row.
    box = page.locator(".rw-children-scroll").evaluate("b => [b.clientHeight, b.scrollHeight]")
    assert box[0] == box[1]
    screenshot(page, "views-run-details-sweep")
    page.locator(".rw-compare-children").click()
    page.wait_for_selector(".rw-experiment-details", timeout=60_000)
    screenshot(page, "views-run-details-compare")
    # The best trial's link opens it in place.
    page.locator(".rw-best-link").click()
    page.wait_for_selector("text=← back", timeout=15_000)
