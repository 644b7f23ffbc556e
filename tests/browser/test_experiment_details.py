"""ExperimentDetails in a real JupyterLab and Notebook 7, driven by chromium: a 20-trial
sweep's runs table, the alpha-vs-mse scatter with its best point, the overlay, and a run
opened in place. Screenshots: test-artifacts/browser/experiment-*.png.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from runwatch import Experiment, Run, Workspace

from .conftest import Server, open_notebook, run_all, screenshot, workspace_in

TRIAL = """
import argparse
from runwatch import Run
p = argparse.ArgumentParser(); p.add_argument("--alpha", type=float); a = p.parse_args()
run = Run.get_context()
for epoch in range(3):
    run.log("mse", (a.alpha - 0.35) ** 2 + 0.5 / (epoch + 1))
"""

NOTEBOOK = """
from runwatch import ExperimentDetails, Experiment, ScriptRunConfig, Workspace
from runwatch.hyperdrive import GridParameterSampling, HyperDriveConfig, PrimaryMetricGoal, choice
ws = Workspace.from_config()
config = HyperDriveConfig(
    ScriptRunConfig("compare-scripts", "trial.py"),
    GridParameterSampling({"--alpha": choice([round(i / 20, 2) for i in range(20)])}),
    "mse", PrimaryMetricGoal.MINIMIZE, max_concurrent_runs=4)
sweep = Experiment(ws, "compare").submit(config)
ExperimentDetails(sweep, refresh_interval=1).show()
"""

SCATTER_MARKS = """() => {
    // The point groups of each Scatter mark, mark by mark (runs first, then the best).
    const groups = [...document.querySelectorAll('.rw-scatter .object_grp')];
    const marks = [...new Set(groups.map(g => g.parentElement))];
    const re = /translate\\(([-\\d.e]+)[ ,]+([-\\d.e]+)/;
    return marks.map(m => [...m.querySelectorAll(':scope > .object_grp')].map(g => {
        const t = (g.getAttribute('transform') || '').match(re);
        return t ? [Number(t[1]), Number(t[2])] : null;
    }));
}"""


def select(page: Any, label: str, option: str) -> None:
    """Pick `option` (by its visible text) in the ipywidgets Dropdown labelled `label`."""
    dropdown = page.locator(f".widget-dropdown:has(label:text-is('{label}')) select").first
    dropdown.select_option(label=option)


def best_alpha_by_get_metrics(exp: Experiment) -> tuple[float, str]:
    (sweep,) = [r for r in exp.get_runs() if r.parent is None]
    children = list(Run.get(exp.workspace, sweep.id).get_children())
    assert len(children) == 20
    best = min(children, key=lambda c: c.get_metrics()["mse"][-1])
    return float(best.get_properties()["param.alpha"]), best.id


def run_sweep(server: Server, page: Any) -> Workspace:
    """Write the trial script and the sweep's notebook into the server's root, run it in
    the browser and wait until the runs table shows the 20 completed trials.
    Returns the workspace."""
    ws = workspace_in(server.root)
    scripts = server.root / "compare-scripts"
    scripts.mkdir(exist_ok=True)
    (scripts / "trial.py").write_text(textwrap.dedent(TRIAL))
    path = server.notebook("compare.ipynb", [textwrap.dedent(NOTEBOOK)])
    open_notebook(page, server, path)
    run_all(page, server)

    page.wait_for_selector(".rw-runs .rw-rt-run", timeout=90_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rw-runs .rw-chip-toggle')]"
        ".some(c => c.textContent.trim() === 'Completed 20')",
        timeout=240_000,
    )
    # The table is virtualized: it holds 20 rows (and a head), whatever is in view.
    page.wait_for_selector('.rw-runs .rw-rt[aria-rowcount="21"]', timeout=30_000)
    return ws


def plot_alpha_against_mse(page: Any) -> None:
    """The chart builder: X = alpha, Y = mse (X goes elsewhere first, so the choice redraws)."""
    # A sweep's trials go by their index: the number column is "Trial".
    select(page, "X", "Trial")
    page.wait_for_function(
        "() => document.querySelector('.rw-scatter .mainheading')?.textContent"
        ".startsWith('mse (best logged value) vs Trial')"
    )
    select(page, "X", "param.alpha (property)")
    select(page, "Y", "mse (best logged value)")
    page.wait_for_function(
        "() => document.querySelector('.rw-scatter .mainheading')?.textContent"
        ".startsWith('mse (best logged value) vs param.alpha')",
        timeout=15_000,
    )


def check_scatter_best(page: Any, best_alpha: float, best_id: str) -> None:
    """20 points, the star on the lowest one, and its tooltip names the run and alpha that
    get_metrics() says are the best."""
    marks = page.evaluate(SCATTER_MARKS)
    runs, best, label = marks[0], marks[1], marks[2]
    assert len(runs) == 20 and None not in runs
    assert len(best) == 1 and len(label) == 1
    # the star sits on a run's point, the lowest one on screen (lowest mse)
    lowest = max(runs, key=lambda p: p[1])
    assert abs(best[0][0] - lowest[0]) < 0.5 and abs(best[0][1] - lowest[1]) < 0.5
    # ...and that run is the one get_metrics() says, at its alpha
    star = page.evaluate_handle(
        "() => [...document.querySelectorAll('.rw-scatter .object_grp')][20]"
    ).as_element()
    assert star is not None
    star.scroll_into_view_if_needed()
    box = star.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator(".bqplot_tooltip_div").filter(has_text=best_id).first
    tooltip.wait_for(timeout=10_000)
    text = tooltip.inner_text()
    assert best_id in text, text
    shown = re.search(r"param\.alpha \(property\)\s*([-\d.e]+)", text)
    assert shown is not None and float(shown.group(1)) == best_alpha, text


def test_sweep_dashboard_table_scatter_overlay(lab: Server, page: Any) -> None:
    ws = run_sweep(lab, page)
    headers = page.locator(".rw-runs .rw-rt-th").all_inner_texts()
    assert any("param.alpha" in h for h in headers) and any("mse" in h for h in headers)
    screenshot(page, "experiment-table")

    # server-side sort: ascending mse puts the best trial first
    page.locator(".rw-runs [data-sort-key='metric:mse']").click()
    page.wait_for_function(
        "() => document.querySelector(\"[data-sort-key='metric:mse']\")"
        ".closest('.rw-rt-th').getAttribute('aria-sort') !== 'none'"
    )
    if page.locator(".rw-runs .rw-rt-th[aria-sort='descending'][data-key='metric:mse']").count():
        page.locator(".rw-runs [data-sort-key='metric:mse']").click()
    page.wait_for_selector(".rw-runs .rw-rt-th[aria-sort='ascending'][data-key='metric:mse']")
    best_alpha, best_id = best_alpha_by_get_metrics(Experiment(ws, "compare"))
    page.wait_for_function(
        "id => document.querySelector('.rw-runs .rw-rt-run[aria-rowindex=\"2\"]')"
        "?.dataset.runId === id",
        arg=best_id,
        timeout=15_000,
    )

    plot_alpha_against_mse(page)
    check_scatter_best(page, best_alpha, best_id)
    screenshot(page, "experiment-scatter")

    # tick three trials: their mse series are overlaid, one line each, legend by trial
    page.mouse.move(0, 0)
    trials = []
    for i in range(3):
        row = page.locator(f'.rw-runs .rw-rt-run[aria-rowindex="{i + 2}"]')
        row.locator("input.rw-rt-check").check()
        trials.append(row.locator('[data-key="number"]').inner_text().strip())
    page.wait_for_function(
        "() => document.querySelector('.rw-overlay .mainheading')?.textContent === 'mse · 3 runs'",
        timeout=15_000,
    )
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('.rw-overlay path.line')]"
        ".filter(p => !p.closest('[class*=legend]') && (p.getAttribute('d') || '').length).length"
    )
    assert drawn == 3  # one line per ticked run (the legend draws its own samples)
    legend = page.locator(".rw-overlay .legendtext").all_text_contents()
    assert all(t.startswith("Trial ") for t in trials)
    assert sorted(legend) == sorted(trials)
    page.locator(".rw-overlay").scroll_into_view_if_needed()
    screenshot(page, "experiment-overlay")

    # a click on a row opens that run's RunDetails in place; back returns to the table
    page.locator('.rw-runs .rw-rt-run[aria-rowindex="6"] [data-key="number"]').click()
    page.wait_for_selector(".rw-header .rw-title", timeout=15_000)
    page.wait_for_selector(".rw-back-to-runs")
    assert page.locator(".rw-runs").count() == 0
    screenshot(page, "experiment-run")
    page.locator(".rw-back-to-runs").click()
    page.wait_for_selector('.rw-runs .rw-rt[aria-rowcount="21"] .rw-rt-run', timeout=15_000)


def test_notebook7_table_and_scatter(notebook7: Server, page: Any) -> None:
    ws = run_sweep(notebook7, page)
    assert page.locator(".rw-experiment-details").count() == 1
    best_alpha, best_id = best_alpha_by_get_metrics(Experiment(ws, "compare"))
    plot_alpha_against_mse(page)
    check_scatter_best(page, best_alpha, best_id)
    screenshot(page, "experiment-notebook7")
