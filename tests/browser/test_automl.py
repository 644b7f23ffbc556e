"""The AutoML view in the Lab run panel, the dashboard and RunDetails, driven by chromium.

Two real searches run in the lab's workspace through its agent: a finished one
(breast cancer, a few seeded iterations) and a running one (canceled at the end).
Screenshots: test-artifacts/browser/automl-*.png.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from runwatch import Experiment, RunStatus

from .conftest import ARTIFACTS, Server, open_notebook, run_all, workspace_in
from .test_dashboard import dashboard, open_dashboard
from .test_sidebar import open_lab

pytest.importorskip("flaml")

#: The iteration table's columns, as Azure's widget names them.
HEADERS = [
    "Iteration",
    "Pipeline",
    "Iteration metric",
    "Best metric",
    "Status",
    "Duration",
    "Started",
]


def _headers(view: Any) -> list[str]:
    return [h.strip(" ▲▼") for h in view.locator("thead th").all_text_contents()]


def _config(**options: Any) -> Any:
    from sklearn.datasets import load_breast_cancer

    from runwatch.automl import AutoMLConfig

    return AutoMLConfig(
        task="classification",
        training_data=load_breast_cancer(as_frame=True).frame,
        label_column_name="target",
        n_cross_validations=3,
        primary_metric="AUC_weighted",
        seed=11,
        debug_log=None,  # nothing written into the folder the tests run from
        **options,
    )


@pytest.fixture(scope="module")
def searches(lab: Server) -> Iterator[dict[str, Any]]:
    ws = workspace_in(lab.root)
    experiment = Experiment(ws, "automl")
    finished = experiment.submit(_config(iterations=12))
    deadline = time.monotonic() + 240
    while not RunStatus.is_final(finished.get_status()):
        assert time.monotonic() < deadline, "the search did not finish"
        time.sleep(0.5)
    assert finished.get_status() == RunStatus.COMPLETED
    running = experiment.submit(_config(experiment_timeout_minutes=15))
    yield {"finished": finished, "running": running}
    running.cancel()


def shot(locator: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(ARTIFACTS / f"automl-{name}.png"))


def open_panel(page: Any, lab: Server, run_id: str) -> Any:
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{lab.url}/lab?reset&token={lab.token}&runwatch-run={run_id}")
    panel = page.locator(f'.rw-lab-details[data-run-id="{run_id}"]')
    panel.locator(".rw-automl-row").first.wait_for(timeout=60_000)
    return panel


def open_run(page: Any, lab: Server, run_id: str) -> Any:
    """The run panel opened by the command (the URL's opening could activate it again later)."""
    page.set_viewport_size({"width": 1400, "height": 1600})
    open_lab(page, lab)
    page.evaluate("id => window.jupyterapp.commands.execute('runwatch:open-run', {id})", run_id)
    panel = page.locator(f'.rw-lab-details[data-run-id="{run_id}"]')
    panel.locator(".rw-automl-row").first.wait_for(timeout=60_000)
    return panel


def test_lab_automl_view_of_a_finished_search(
    lab: Server, searches: dict[str, Any], page: Any
) -> None:
    run = searches["finished"]
    best_run, _ = run.get_output()
    panel = open_panel(page, lab, run.id)
    view = panel.locator(".rw-automl")
    rows = view.locator(".rw-automl-row")
    assert rows.count() == 12
    best = view.locator(".rw-automl-best")
    assert best.count() == 1
    assert best.get_attribute("data-run-id") == best_run.id
    assert _headers(view) == HEADERS
    assert view.locator(".rw-automl-point").count() == 12
    assert view.locator(".rw-automl-best-line").count() == 1
    shot(view, "finished")

    # sort by the iteration metric: the best iteration comes first
    view.locator('th[data-key="metric"]').click()
    page.wait_for_function(
        "() => document.querySelector('.rw-automl-row').classList.contains('rw-automl-best')",
        timeout=15_000,
    )
    # pick another metric: the chart and the best row follow it
    view.locator(".rw-automl-metric").select_option("log_loss")
    page.wait_for_function(
        "() => document.querySelector('.rw-automl-chart figcaption').textContent"
        ".startsWith('log_loss')",
        timeout=15_000,
    )
    by_loss = run.get_best_child(metric="log_loss")
    assert view.locator(".rw-automl-best").get_attribute("data-run-id") == by_loss.id
    shot(view, "finished-log-loss")

    # clicking an iteration opens it, with its model-evaluation charts
    view.locator(".rw-automl-best").click()
    iteration = page.locator(f'.rw-lab-details[data-run-id="{by_loss.id}"]')
    iteration.locator(".rw-ev .rw-ev-chart").first.wait_for(timeout=60_000)
    shot(iteration.locator(".rw-ev").first, "iteration-charts")


def test_lab_automl_view_while_the_search_runs(
    lab: Server, searches: dict[str, Any], page: Any
) -> None:
    run = searches["running"]
    deadline = time.monotonic() + 120
    while sum(1 for c in run.get_children() if c.get_status() == RunStatus.COMPLETED) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.5)
    panel = open_panel(page, lab, run.id)
    view = panel.locator(".rw-automl")
    first = view.locator(".rw-automl-row").count()
    page.wait_for_function(
        f"() => document.querySelectorAll('.rw-automl-row').length > {first}"
        " || document.querySelector('.rw-automl-pager').textContent.includes('of 2')",
        timeout=90_000,
    )
    assert run.get_status() == RunStatus.RUNNING
    shot(view, "running")


def test_dashboard_automl_view_of_a_finished_search(
    lab: Server, searches: dict[str, Any], page: Any
) -> None:
    run = searches["finished"]
    best_run, _ = run.get_output()
    best_iteration = int(best_run.get_properties()["iteration"])
    children = {c.id: c.get_properties() for c in run.get_children()}
    # "Compare trials" on the search's run panel opens the dashboard of its iterations
    details = open_run(page, lab, run.id)
    details.locator(".rw-lab-compare").click()
    panel = dashboard(page, "automl", run.id)
    view = panel.locator(".rw-db-automl .rw-automl")
    rows = view.locator(".rw-automl-row")
    rows.first.wait_for(timeout=30_000)
    heading = panel.locator(".rw-db-header .rw-title")
    page.wait_for_function(
        "el => el.textContent.startsWith('Iterations of #')", arg=heading.element_handle()
    )

    # the iteration table: every iteration once, in order, each row its child run
    assert rows.count() == 12
    cells = [row.locator("td").all_text_contents() for row in rows.all()]
    assert [int(c[0].rstrip(" ★")) for c in cells] == list(range(12))
    ids = rows.evaluate_all("rs => rs.map(r => r.dataset.runId)")
    assert sorted(ids) == sorted(children)
    assert [c[1] for c in cells] == [children[i]["run_algorithm"] for i in ids]
    assert all(c[4] == "Completed" for c in cells)
    assert _headers(view) == HEADERS
    # the best iteration is get_output()'s, as in the run panel
    best = view.locator(".rw-automl-best")
    assert best.count() == 1
    assert best.get_attribute("data-run-id") == best_run.id
    assert best.locator("td").first.inner_text() == f"{best_iteration} ★"
    assert f"best: iteration {best_iteration} " in view.locator(".rw-automl-summary").inner_text()
    in_panel = details.locator(".rw-automl-best").get_attribute("data-run-id")
    assert in_panel == best_run.id
    # the picker offers the task's metrics, the primary one first and picked
    picker = view.locator(".rw-automl-metric")
    options = picker.locator("option").all_text_contents()
    assert options[0] == "AUC_weighted" == picker.input_value() and "log_loss" in options
    assert view.locator(".rw-automl-point").count() == 12
    assert view.locator(".rw-automl-best-line").count() == 1
    # above the comparison: the runs table of the same 12 iterations, its filters between
    assert panel.locator(".rw-db-count").inner_text() == "12 runs"
    tops = [
        panel.locator(selector).bounding_box()["y"]
        for selector in (".rw-db-header", ".rw-db-automl", ".rw-db-filters", ".rw-db-table")
    ]
    assert tops == sorted(tops)
    page.mouse.move(0, 0)
    view.scroll_into_view_if_needed()
    shot(panel, "dashboard")

    # another metric: the chart, the values and the best iteration follow it
    metric_values = [c[2] for c in cells]
    chart_before = view.locator(".rw-automl-point title").all_text_contents()
    picker.select_option("log_loss")
    page.wait_for_function(
        "el => el.querySelector('.rw-automl-chart figcaption').textContent.startsWith('log_loss')",
        arg=view.element_handle(),
        timeout=15_000,
    )
    by_loss = run.get_best_child(metric="log_loss")
    assert view.locator(".rw-automl-best").get_attribute("data-run-id") == by_loss.id
    assert view.locator(".rw-automl-point title").all_text_contents() != chart_before
    after = [row.locator("td").nth(2).inner_text() for row in rows.all()]
    assert len(after) == 12 and after != metric_values
    assert picker.input_value() == "log_loss"
    shot(view, "dashboard-log-loss")

    # clicking an iteration opens its run panel
    view.locator(".rw-automl-best").click()
    iteration = page.locator(f'.rw-lab-details[data-run-id="{by_loss.id}"]')
    iteration.locator(".rw-lab-header").wait_for(timeout=30_000)
    assert iteration.is_visible()


def test_dashboard_automl_view_while_the_search_runs(
    lab: Server, searches: dict[str, Any], page: Any
) -> None:
    run = searches["running"]
    page.set_viewport_size({"width": 1400, "height": 1600})
    open_lab(page, lab)
    panel = open_dashboard(page, "automl", run.id)
    view = panel.locator(".rw-db-automl .rw-automl")
    view.locator(".rw-automl-row").first.wait_for(timeout=30_000)
    summary = view.locator(".rw-automl-summary")
    count = "el => Number(/ (\\d+) iterations/.exec(el.textContent)[1])"
    first = summary.evaluate(count)
    # the dashboard's own poll brings the new iterations
    page.wait_for_function(
        f"el => ({count})(el) > {first}", arg=summary.element_handle(), timeout=90_000
    )
    assert run.get_status() == RunStatus.RUNNING
    assert "best: iteration " in summary.inner_text()  # marked in the table on its page
    page.mouse.move(0, 0)
    shot(view, "dashboard-running")


def test_run_details_automl_panel(lab: Server, searches: dict[str, Any], page: Any) -> None:
    run = searches["finished"]
    cells = [
        "from runwatch import Workspace, Run, RunDetails\nws = Workspace.from_config()",
        f"RunDetails(Run.get(ws, {run.id!r})).show()",
    ]
    page.set_viewport_size({"width": 1400, "height": 1600})
    path = lab.notebook("automl-details.ipynb", cells)
    open_notebook(page, lab, path)
    run_all(page, lab)
    panel = page.locator(".rw-automl")
    panel.locator(".rw-automl-open").first.wait_for(timeout=90_000)
    assert panel.locator(".rw-automl-open").count() == 12
    assert panel.locator(".rw-automl-open", has_text="★").count() == 1
    page.wait_for_timeout(1000)
    shot(panel, "run-details")
