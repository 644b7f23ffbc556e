"""A sweep as a data scientist reads it, in every view: one best trial, one value per
trial (the best it logged), comparison one click away, rows and numbers that read.

The sweep is logged by hand: each trial's latest mse differs from its best one, and
the trial with the best latest value is not the best trial. Each trial also logs a
learning-rate schedule with `log_row`, charted in the run panel as in RunDetails. A trial
goes by its index in its sweep ("Trial 2", its id's suffix), never by its experiment-wide
run number. Screenshots: test-artifacts/browser/views-*.png and test-artifacts/issue16/.
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
from runwatch.core._records import RunType

from .conftest import ARTIFACTS, Server, open_notebook, run_all, screenshot, workspace_in
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


# The learning rate each trial logs per epoch with log_row: a chart of one line.
EPOCHS = 4


def shot(page: Any, name: str) -> None:
    """A screenshot of the sweep's views into test-artifacts/issue16/."""
    folder = ARTIFACTS.parent / "issue16"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def trial(run: Run) -> str:
    """A trial's name in its sweep's views: its index, the suffix of its id."""
    return f"Trial {run.id.rsplit('_', 1)[1]}"


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two bounding boxes intersect."""
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


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
    # A sweep logged by hand as the sweep controller logs one: a row per finished trial
    # and the best value so far.
    parent = Run._start(
        Experiment(ws, "views-sweep"), run_type=RunType.SWEEP, display_name="alpha sweep"
    )
    parent.add_properties({"primary_metric_name": "mse", "primary_metric_goal": "MINIMIZE"})
    trials = []
    best_so_far = None
    for i, series in enumerate(SERIES):
        child = parent.child_run(name=XSS_NAME if i == 1 else None)
        child.add_properties({"param.alpha": i / 10})
        for epoch, value in enumerate(series):
            child.log("mse", value)
            child.log_row("lr schedule", epoch=epoch, lr=0.1 * 0.5**epoch)
        child.log_row("lr schedule", epoch=len(series), lr=0.1 * 0.5 ** len(series))
        child.complete()
        trials.append(child)
        value = _ranking.trial_value(series, "min")
        best_so_far = value if best_so_far is None else min(best_so_far, value)
        parent.log_row("trials", run_id=child.id, number=child.number, primary_metric=value)
        parent.log("best_metric", best_so_far)
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
    # A trial goes by its index (its id's suffix), not its run number.
    assert trial(sweep.best) != f"Trial {sweep.best.number}"
    assert best.inner_text().replace("\n", " ") == (
        f"★ Best: {trial(sweep.best)} · mse 1 (best logged value)"
    )
    headers = panel.locator(".rw-children-table th").all_inner_texts()
    assert [h.strip(" ▲▼\n") for h in headers] == [
        "Trial",
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
    names = [rows.nth(i).locator("td").first.inner_text() for i in range(len(SERIES))]
    assert [n.removeprefix("★ ") for n in names] == [trial(t) for t in sweep.trials]
    # The run's number once: a named run's title is its name with "#1" beside it (a run
    # without a name is "Run 3", with nothing beside it).
    heading = panel.locator(".rw-title").inner_text() + panel.locator(".rw-subtitle").inner_text()
    assert heading == f"alpha sweep#{sweep.parent.number}"
    # A row or table metric never stretches the panel: the table fits.
    width = panel.evaluate("p => [p.clientWidth, p.querySelector('table').scrollWidth]")
    assert width[1] <= width[0]
    screenshot(page, "views-panel-sweep")
    shot(page, "panel-sweep-trials")
    # "Compare trials" under the child table opens the trials' dashboard.
    panel.locator(".rw-compare-children").click()
    trials = dashboard(page, "views-sweep", sweep.parent.id)
    labels = trials.locator(".rw-rt-head").first.inner_text()
    assert labels.index("param.alpha") < labels.index("mse (best logged value)")
    assert labels.startswith("Trial")
    # Each trial's row goes by its index, once.
    for run in sweep.trials:
        row = trials.locator(f'.rw-rt-run[data-run-id="{run.id}"]')
        cell = row.locator('[data-key="number"]')
        assert cell.inner_text() == trial(run)
        assert f"#{run.number}" not in row.inner_text()
    shot(page, "dashboard-sweep-trials")
    # A trial has a display name (HTML): the name column stays, its text shown as text.
    assert "Name" in labels
    expect(trials.get_by_text(XSS_NAME, exact=True)).to_have_count(1)


def test_a_trials_run_panel_is_titled_by_its_index_and_charts_its_log_row_metric(
    lab: Server, sweep: Sweep, page: Any
) -> None:
    open_lab(page, lab)
    run = sweep.trials[3]
    page.evaluate(
        """async (id) => {
            await window.jupyterapp.restored;
            await window.jupyterapp.commands.execute('runwatch:open-run', {id});
        }""",
        run.id,
    )
    panel = page.locator(f'.rw-lab-details[data-run-id="{run.id}"]')
    row = panel.locator('tr[data-metric="lr schedule"]')
    row.wait_for(timeout=30_000)
    chart = row.locator(".rw-sparkline")
    chart.wait_for(timeout=15_000)
    shot(page, "panel-trial-log-row")
    # One line (lr) against epoch, a point per logged row, as RunDetails draws it.
    assert chart.get_attribute("data-series") == "1"
    assert chart.get_attribute("data-points") == str(len(SERIES[3]) + 1)
    assert chart.get_attribute("aria-label") == (
        f"lr schedule: lr against epoch, {len(SERIES[3]) + 1} rows"
    )
    assert chart.locator("canvas").count() == 1
    # The raw last row stays readable as text.
    assert '"lr"' in row.locator(".rw-lab-metric-value").inner_text()
    # Its title: its index in the sweep, not its run number.
    assert panel.locator(".rw-title").inner_text() == trial(run)
    assert panel.locator(".rw-subtitle").inner_text() == ""
    label = page.evaluate("() => window.jupyterapp.shell.currentWidget.title.label")
    assert label == f"{trial(run)} · views-sweep"
    # A named trial: its name, with its index (not its run number) beside it.
    named = sweep.trials[1]
    page.evaluate("(id) => window.jupyterapp.commands.execute('runwatch:open-run', {id})", named.id)
    other = page.locator(f'.rw-lab-details[data-run-id="{named.id}"]')
    other.locator(".rw-subtitle").wait_for(timeout=15_000)
    page.wait_for_function(
        "(id) => document.querySelector(`.rw-lab-details[data-run-id='${id}'] .rw-subtitle`)"
        "?.textContent !== ''",
        arg=named.id,
        timeout=15_000,
    )
    assert other.locator(".rw-title").inner_text() == XSS_NAME
    assert other.locator(".rw-subtitle").inner_text() == trial(named)


def test_the_dashboard_scatter_rings_the_best_trial_at_its_best_value(
    lab: Server, sweep: Sweep, page: Any
) -> None:
    open_lab(page, lab)
    panel = open_dashboard(page, "views-sweep", sweep.parent.id)
    # The scatter's summary names the best trial at its best logged value (1, at epoch 1;
    # its latest is 3.2), the value its table row shows.
    page.wait_for_function(
        "(n) => document.body.innerText.includes(n)",
        arg=f"{trial(sweep.best)} at param.alpha = 0.2, mse (best logged value) = 1",
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
    # Type once the palette's search box has the focus (keys typed earlier go elsewhere).
    search = page.locator(".lm-CommandPalette-input")
    expect(search).to_be_focused(timeout=10_000)
    search.fill("runwatch")
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
        f"★ Best: {trial(sweep.best)} · mse 1 (best logged value)"
    )
    starred = page.locator(".rw-child-row.rw-best")
    assert starred.get_attribute("data-id") == sweep.best.id
    first = page.locator(".rw-children-table .rw-child-row td:first-child").all_inner_texts()
    assert [t.removeprefix("★ ") for t in first] == [trial(t) for t in sweep.trials]
    assert page.locator(".rw-children-table th").first.inner_text().strip(" ▲▼\n") == "Trial"
    # The "mse per trial" chart: its legend under the plot covers no point, and the
    # figure's toolbar (shown on hover) does not cover its title.
    figure = page.locator(".rw-chart", has=page.locator(".mainheading", has_text="per trial"))
    figure.wait_for(timeout=30_000)
    figure.locator(".bqplot").hover()
    page.wait_for_timeout(700)  # the toolbar fades in
    shot(page, "run-details-sweep-chart")
    legend = figure.locator(".rw-chart-legend").bounding_box()
    assert legend is not None and legend["height"] > 0
    assert "trial" in figure.locator(".rw-chart-legend").inner_text()
    marks = figure.locator(".bqplot .dot").all()
    points = [b for b in (m.bounding_box() for m in marks) if b and b["height"] > 0]
    assert points, "the chart draws its points"
    assert not any(overlap(legend, box) for box in points)
    assert figure.locator(".bqplot .g_legend text").count() == 0  # no legend in the plot
    title = figure.locator(".mainheading").bounding_box()
    toolbar = figure.locator(".toolbar_div").bounding_box()
    assert title is not None and toolbar is not None
    assert figure.locator(".toolbar_div").evaluate("t => getComputedStyle(t).opacity") == "1"
    assert not overlap(title, toolbar)
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
    # ExperimentDetails of the trials: each goes by its index; the scatter's toolbar does
    # not cover its title either.
    page.wait_for_selector(".rw-experiment-details .rw-rt-run", timeout=60_000)
    cells = page.locator('.rw-experiment-details .rw-rt-run [data-key="number"]')
    assert sorted(cells.all_inner_texts()) == sorted(trial(t) for t in sweep.trials)
    scatter = page.locator(".rw-scatter")
    scatter.scroll_into_view_if_needed()
    scatter.hover()
    page.wait_for_timeout(700)
    shot(page, "experiment-details-trials")
    title = scatter.locator(".mainheading").bounding_box()
    toolbar = scatter.locator(".toolbar_div").bounding_box()
    assert title is not None and toolbar is not None and not overlap(title, toolbar)
    # The best trial's link opens it in place.
    page.locator(".rw-best-link").click()
    page.wait_for_selector("text=← back", timeout=15_000)
    # The trial's own RunDetails: "Trial 2", in the title and the breadcrumb.
    page.wait_for_function(
        "(t) => [...document.querySelectorAll('.rw-title')].some(e => e.textContent.startsWith(t))",
        arg=f"{trial(sweep.best)} · ",
        timeout=15_000,
    )
    assert page.get_by_text(f"Run {sweep.best.number}", exact=True).count() == 0
    shot(page, "run-details-trial")
