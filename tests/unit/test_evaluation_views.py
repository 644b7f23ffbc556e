"""The evaluation charts both UIs draw: computed from the documents in views/_evaluation.py,
checked against scikit-learn on the data sets it ships."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from runwatch import Run, ValidationError, metrics
from runwatch.views import _evaluation
from runwatch.views._service import RunwatchService


def _fit(loader: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = loader(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X_train, y_train)
    return y_test, model.predict(X_test), model.predict_proba(X_test), model.classes_


def _by_label(chart: Any) -> dict[str, Any]:
    return {s["label"]: s for s in chart["series"]}


@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine])
def test_roc_points_are_sklearns_and_auc_close(loader: Any) -> None:
    y_test, _, proba, classes = _fit(loader)
    doc = metrics.accuracy_table(y_test, proba, classes)
    charts = {c["key"]: c for c in _evaluation.charts("acc", "accuracy_table", doc)}
    assert list(charts) == ["roc", "precision_recall", "calibration", "gains", "lift"]
    roc = _by_label(charts["roc"])
    thresholds = doc["data"]["probability_thresholds"]
    for c, label in enumerate(classes):
        fpr, tpr, sk_t = roc_curve(y_test == label, proba[:, c], drop_intermediate=False)
        series = roc[str(label)]
        for t, x, y in zip(thresholds, series["x"], series["y"], strict=True):
            i = np.nonzero(sk_t >= t)[0][-1]
            assert (x, y) == (pytest.approx(fpr[i]), pytest.approx(tpr[i]))
        assert series["tips"][50].startswith("threshold 0.5: FPR ")
    areas = _evaluation.auc(doc)
    if len(classes) == 2:
        assert areas["AUC_macro"] == pytest.approx(roc_auc_score(y_test, proba[:, 1]), abs=0.01)
    else:
        for average in ("macro", "weighted"):
            expected = roc_auc_score(y_test, proba, multi_class="ovr", average=average)
            assert areas[f"AUC_{average}"] == pytest.approx(expected, abs=0.01)
    assert charts["roc"]["note"].startswith("AUC macro ")
    assert {"micro average", "macro average", "chance"} <= set(roc)


def test_gains_end_at_all_positives_and_lift_starts_high() -> None:
    y_test, _, proba, classes = _fit(load_wine)
    doc = metrics.accuracy_table(y_test, proba, classes)
    charts = {c["key"]: c for c in _evaluation.charts("acc", "accuracy_table", doc)}
    for label in ("0", "1", "2", "micro average"):
        gains = _by_label(charts["gains"])[label]
        assert gains["x"][-1] == 1.0 and gains["y"][-1] == 1.0
        lift = _by_label(charts["lift"])[label]
        assert lift["y"][0] > 1.5  # the highest-scored samples are mostly positives
    calibration = _by_label(charts["calibration"])["micro average"]
    assert all(0 <= y <= 1 for y in calibration["y"])


def test_confusion_heatmap_and_regression_charts() -> None:
    y_test, y_pred, _, _ = _fit(load_wine)
    chart = _evaluation.charts("cm", "confusion_matrix", metrics.confusion_matrix(y_test, y_pred))[
        0
    ]
    heatmap = chart["heatmap"]
    assert heatmap is not None and heatmap["labels"] == ["0", "1", "2"]
    for counts, normalized in zip(heatmap["counts"], heatmap["normalized"], strict=True):
        assert sum(v for v in normalized if v is not None) == pytest.approx(1.0)
        assert normalized[0] == pytest.approx(counts[0] / sum(counts))
    assert chart["note"].startswith("accuracy ")

    X, y = load_diabetes(return_X_y=True)
    pred = LinearRegression().fit(X, y).predict(X)
    res = _evaluation.charts("res", "residuals", metrics.residuals(y, pred, bins=5))[0]
    bars = res["series"][0]
    assert bars["style"] == "bars" and len(bars["x"]) == len(bars["y"]) + 1 == 6
    assert sum(y for y in bars["y"] if y is not None) == len(y)
    pr = _evaluation.charts("pred", "predictions", metrics.predictions(y, pred, bins=5))[0]
    mean, ideal = pr["series"]
    assert mean["style"] == "errorbars" and mean["error"] is not None
    assert ideal["style"] == "dashed" and ideal["x"] == ideal["y"]


def test_service_steps(run: Run) -> None:
    y_test, y_pred, _, _ = _fit(load_wine)
    run.log_confusion_matrix("cm", metrics.confusion_matrix(y_test, y_pred))
    run.log_confusion_matrix("cm", metrics.confusion_matrix(y_test, y_test))
    run.log("loss", 1.0)
    run.flush()
    service = RunwatchService.for_workspace(run.experiment.workspace)
    body = service.evaluation(run.id)
    (metric,) = body["metrics"]
    assert metric["steps"] == [0, 1] and metric["step"] == 1
    assert metric["charts"][0]["note"] == "accuracy 1 (54 of 54)"
    assert service.evaluation(run.id, step=0)["metrics"][0]["step"] == 0
    assert service.evaluation(run.id, step=7)["metrics"][0]["step"] == 1
    assert service.evaluation(run.id, since=body["cursor"])["unchanged"]


def test_runs_table_has_auc_columns_and_sorts_by_them(exp: Any) -> None:
    from runwatch.core._queries import TableQuery

    y_test, _, proba, classes = _fit(load_wine)
    noisy = np.random.default_rng(0).dirichlet([1, 1, 1], size=len(y_test))
    ids = []
    for scores in (proba, None, (proba + 3 * noisy) / 4):
        run = exp.start_logging()
        run.log("loss", 0.5)
        if scores is not None:
            run.log_accuracy_table("acc", metrics.accuracy_table(y_test, scores, classes))
        run.complete()
        ids.append(run.id)
    service = RunwatchService.for_workspace(exp.workspace)
    body = service.table(TableQuery(experiment=exp.name))
    keys = [c["key"] for c in body["columns"]]
    assert {"metric:acc/AUC_macro", "metric:acc/AUC_micro", "metric:acc/AUC_weighted"} <= set(keys)
    assert "metric:acc" not in keys  # the table itself is no column
    values = {row["id"]: row["values"] for row in body["rows"]}
    expected = roc_auc_score(y_test, proba, multi_class="ovr", average="macro")
    assert values[ids[0]]["metric:acc/AUC_macro"] == pytest.approx(expected, abs=0.01)
    assert "metric:acc/AUC_macro" not in values[ids[1]]
    assert values[ids[2]]["metric:acc/AUC_macro"] < values[ids[0]]["metric:acc/AUC_macro"]

    def order(descending: bool, limit: int | None = None) -> list[str]:
        query = TableQuery(
            experiment=exp.name, sort="metric:acc/AUC_macro", descending=descending, limit=limit
        )
        return [row["id"] for row in service.table(query)["rows"]]

    assert order(True) == [ids[0], ids[2], ids[1]]  # the run without a table last
    assert order(False) == [ids[2], ids[0], ids[1]]
    assert order(True, limit=1) == [ids[0]]
    with pytest.raises(ValidationError, match="none logged that accuracy table"):
        service.table(TableQuery(experiment=exp.name, sort="metric:other/AUC_macro"))


def test_scatter_of_an_auc_column(exp: Any) -> None:
    from runwatch.core._queries import TableQuery

    y_test, _, proba, classes = _fit(load_wine)
    for _ in range(2):
        run = exp.start_logging()
        run.log_accuracy_table("acc", metrics.accuracy_table(y_test, proba, classes))
        run.complete()
    exp.start_logging().complete()
    service = RunwatchService.for_workspace(exp.workspace)
    body = service.scatter(TableQuery(experiment=exp.name), "number", "metric:acc/AUC_weighted")
    assert body["y"]["label"] == "AUC_weighted (acc)" and body["y"]["numeric"]
    assert [p["y"] is not None for p in body["points"]] == [True, True, False]
    with pytest.raises(ValidationError, match="none logged that accuracy table"):
        service.scatter(TableQuery(experiment=exp.name), "number", "metric:x/AUC_micro")


def test_overlay_of_an_auc_column_is_its_auc_per_logged_table(exp: Any) -> None:
    y_test, _, proba, classes = _fit(load_wine)
    run = exp.start_logging()
    uniform = np.full_like(proba, 1 / 3)
    for scores in (uniform, (proba + uniform) / 2, proba):
        run.log_accuracy_table("acc", metrics.accuracy_table(y_test, scores, classes))
    run.complete()
    service = RunwatchService.for_workspace(exp.workspace)
    (line,) = service.overlay(exp.name, "acc/AUC_macro", [run.id])["series"]
    assert line["count"] == 3 and line["x"] == [0.0, 1.0, 2.0]
    assert line["y"][0] == pytest.approx(0.5)
    assert line["y"][0] < line["y"][2]
