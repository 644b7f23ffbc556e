"""Model-evaluation charts in the Lab run panel and in RunDetails, driven by chromium.

Three runs are logged into the lab's workspace: a binary classifier (breast cancer),
a 3-class classifier (wine) and a regressor (diabetes), all trained on data
scikit-learn ships. Screenshots: test-artifacts/browser/evaluation-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from runwatch import Experiment, Workspace

from .conftest import ARTIFACTS, Server, open_notebook, run_all, workspace_in

pytest.importorskip("sklearn")

CLASSIFIER_CHARTS = ["confusion_matrix", "roc", "precision_recall", "calibration", "gains", "lift"]


@pytest.fixture(scope="module")
def runs(lab: Server) -> Iterator[dict[str, str]]:
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from runwatch import metrics

    ws: Workspace = workspace_in(lab.root)
    exp = Experiment(ws, "evaluation")
    ids: dict[str, str] = {}
    for name, loader in (("binary", load_breast_cancer), ("wine", load_wine)):
        X, y = loader(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
        run = exp.start_logging(display_name=f"{name} classifier")
        # two steps: a weak model on two features, then one on all of them
        for features in (slice(0, 2), slice(None)):
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(
                X_train[:, features], y_train
            )
            proba = model.predict_proba(X_test[:, features])
            predicted = model.predict(X_test[:, features])
            run.log_confusion_matrix("confusion", metrics.confusion_matrix(y_test, predicted))
            run.log_accuracy_table(
                "accuracy", metrics.accuracy_table(y_test, proba, model.classes_)
            )
        run.complete()
        ids[name] = run.id
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    pred = LinearRegression().fit(X_train, y_train).predict(X_test)
    run = exp.start_logging(display_name="diabetes regressor")
    run.log_residuals("residuals", metrics.residuals(y_test, pred, bins=15))
    run.log_predictions("predictions", metrics.predictions(y_test, pred, bins=8))
    run.complete()
    ids["regressor"] = run.id
    yield ids


def shot(locator: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(ARTIFACTS / f"evaluation-{name}.png"))


def open_panel(page: Any, lab: Server, run_id: str) -> Any:
    page.set_viewport_size({"width": 1400, "height": 1800})  # a whole metric in view
    page.goto(f"{lab.url}/lab?reset&token={lab.token}&runwatch-run={run_id}")
    panel = page.locator(f'.rw-lab-details[data-run-id="{run_id}"]')
    panel.locator(".rw-ev-chart").first.wait_for(timeout=60_000)
    return panel


def set_theme(page: Any, theme: str) -> None:
    page.evaluate(
        "theme => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    page.wait_for_function(
        "theme => document.body.dataset.jpThemeName === theme", arg=theme, timeout=15_000
    )


def chart_keys(panel: Any) -> list[str]:
    return [
        str(k)
        for k in panel.locator(".rw-ev-chart").evaluate_all("e => e.map(c => c.dataset.chart)")
    ]


@pytest.mark.parametrize("which", ["binary", "wine"])
def test_lab_classifier_charts(lab: Server, runs: dict[str, str], page: Any, which: str) -> None:
    panel = open_panel(page, lab, runs[which])
    assert chart_keys(panel) == CLASSIFIER_CHARTS
    confusion = panel.locator('.rw-ev-metric[data-metric="confusion"]')
    cells = confusion.locator(".rw-ev-cell")
    classes = 2 if which == "binary" else 3
    assert cells.count() == classes * classes
    # the slider shows the last step; the heatmap's cells hold its counts
    assert "step 1 (2 of 2)" in confusion.locator(".rw-ev-step").inner_text()
    counts = confusion.locator(".rw-ev-cell-text").all_text_contents()
    assert all(c.isdigit() for c in counts)
    cells.first.hover()
    tip = confusion.locator(".rw-ev-tip")
    assert tip.is_visible() and tip.inner_text().startswith("true 0, predicted 0: ")
    shot(confusion, f"{which}-confusion")

    confusion.locator(".rw-ev-toggle input").check()
    normalised = panel.locator('.rw-ev-metric[data-metric="confusion"] .rw-ev-cell-text')
    assert all("." in t for t in normalised.all_text_contents())
    shot(panel.locator('.rw-ev-metric[data-metric="confusion"]'), f"{which}-confusion-normalised")

    accuracy = panel.locator('.rw-ev-metric[data-metric="accuracy"]')
    roc = accuracy.locator('.rw-ev-chart[data-chart="roc"]')
    assert roc.locator(".rw-ev-note").inner_text().startswith("AUC macro ")
    legend = roc.locator(".rw-ev-key").all_text_contents()
    assert "micro average" in legend and "macro average" in legend and "chance" in legend
    page.mouse.move(0, 0)
    shot(accuracy, f"{which}-accuracy")

    # the step slider draws the first (weak) model
    slider = accuracy.locator(".rw-ev-slider")
    slider.fill("0")
    slider.dispatch_event("change")
    page.locator('.rw-ev-metric[data-metric="accuracy"][data-step="0"]').wait_for(timeout=15_000)
    shot(panel.locator('.rw-ev-metric[data-metric="accuracy"]'), f"{which}-accuracy-step0")
    if which == "wine":
        set_theme(page, "JupyterLab Dark")
        try:
            page.wait_for_timeout(300)
            for metric in ("confusion", "accuracy"):
                shot(panel.locator(f'.rw-ev-metric[data-metric="{metric}"]'), f"wine-{metric}-dark")
        finally:
            set_theme(page, "JupyterLab Light")


def test_lab_regressor_charts(lab: Server, runs: dict[str, str], page: Any) -> None:
    panel = open_panel(page, lab, runs["regressor"])
    assert chart_keys(panel) == ["residuals", "predictions"]
    bars = panel.locator('.rw-ev-chart[data-chart="residuals"] .rw-ev-bar')
    assert bars.count() >= 10
    assert panel.locator(".rw-ev-slider").count() == 0  # logged once: no slider
    predictions = panel.locator('.rw-ev-chart[data-chart="predictions"]')
    dots = predictions.locator(".rw-ev-dot")
    assert dots.count() >= 6
    dots.first.hover()
    assert "mean prediction: true in [" in predictions.locator(".rw-ev-tip").inner_text()
    shot(predictions, "regressor-predictions-hover")
    page.mouse.move(0, 0)
    shot(panel.locator(".rw-ev").first, "regressor")
    set_theme(page, "JupyterLab Dark")
    try:
        page.wait_for_timeout(300)
        shot(panel.locator(".rw-ev").first, "regressor-dark")
    finally:
        set_theme(page, "JupyterLab Light")


def test_run_details_bqplot_charts(lab: Server, runs: dict[str, str], page: Any) -> None:
    cells = [
        "from runwatch import Workspace, Run, RunDetails\nws = Workspace.from_config()",
        f"RunDetails(Run.get(ws, {runs['wine']!r})).show()",
        f"RunDetails(Run.get(ws, {runs['regressor']!r})).show()",
    ]
    page.set_viewport_size({"width": 1400, "height": 1800})
    path = lab.notebook("evaluation-details.ipynb", cells)
    open_notebook(page, lab, path)
    run_all(page, lab)
    page.wait_for_function(
        "() => document.querySelectorAll('.rw-evaluation .bqplot').length >= 8", timeout=90_000
    )
    titles = [
        t.strip() for t in page.locator(".rw-evaluation .bqplot .mainheading").all_text_contents()
    ]
    for title in ("confusion matrix", "ROC", "precision-recall", "calibration", "lift"):
        assert title in titles
    assert "residuals" in titles and "predicted vs. true" in titles
    assert "ROC: AUC macro" in page.locator(".rw-evaluation").nth(1).inner_text()
    panels = page.locator(".rw-evaluation")
    page.wait_for_timeout(1000)
    # a point of the predictions chart: its tooltip has the bin's exact values
    dot = panels.nth(3).locator(".bqplot .dot").first
    dot.hover(force=True)
    tooltip = page.locator(".bqplot-tooltip, .common_tooltip, [class*=tooltip]").filter(
        has_text="true in ["
    )
    tooltip.first.wait_for(timeout=10_000)
    assert "predictions, mean" in tooltip.first.inner_text()
    page.mouse.move(0, 0)
    shot(panels.nth(0), "details-wine-confusion")
    shot(panels.nth(1), "details-wine-accuracy")
    shot(panels.nth(2), "details-regressor-residuals")
    shot(panels.nth(3), "details-regressor-predictions")
    set_theme(page, "JupyterLab Dark")
    try:
        page.wait_for_timeout(500)
        shot(panels.nth(1), "details-wine-accuracy-dark")
        shot(panels.nth(0), "details-wine-confusion-dark")
    finally:
        set_theme(page, "JupyterLab Light")


def test_dashboard_auc_column(lab: Server, runs: dict[str, str], page: Any) -> None:
    page.goto(f"{lab.url}/lab?reset&token={lab.token}")
    page.wait_for_function(
        "() => window.jupyterapp && "
        "window.jupyterapp.commands.hasCommand('runwatch:open-dashboard')",
        timeout=60_000,
    )
    page.evaluate(
        """async () => {
            await window.jupyterapp.restored;
            await window.jupyterapp.commands.execute(
                'runwatch:open-dashboard', {experiment: 'evaluation'});
        }"""
    )
    panel = page.locator('.rw-dashboard[data-experiment="evaluation"]')
    panel.locator(".rw-rt-run").first.wait_for(timeout=30_000)
    header = panel.locator('.rw-rt-th[data-key="metric:accuracy/AUC_weighted"]')
    header.wait_for(timeout=15_000)
    header.click()  # sort by it
    cell = panel.locator(
        f'.rw-rt-run[data-run-id="{runs["wine"]}"] [data-key="metric:accuracy/AUC_weighted"]'
    )
    assert float(cell.inner_text()) > 0.95
    regressor = panel.locator(
        f'.rw-rt-run[data-run-id="{runs["regressor"]}"] [data-key="metric:accuracy/AUC_weighted"]'
    )
    assert regressor.inner_text().strip() in ("", "—")
    panel.locator(".rw-db-scatter-chart").first.wait_for(timeout=15_000)  # Y: an AUC column
    assert panel.locator(".rw-db-error, .rw-error").count() == 0
    page.mouse.move(0, 0)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "evaluation-dashboard-auc.png"))
