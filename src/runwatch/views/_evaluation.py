"""The charts of model-evaluation metrics, computed once here for both UIs.

Each document (`core/_evaluation.py`) becomes a few `EvaluationChart`s:

    confusion_matrix -> a heatmap: counts, and counts normalised by true class
    accuracy_table   -> ROC and precision-recall per class with micro and macro averages
                        (probability tables), calibration (probability tables), cumulative
                        gains and lift (percentile tables)
    residuals        -> a histogram over the bin edges
    predictions      -> the bins' average prediction with error bars against true, and y = x

Counts at a threshold are one vs. rest: TP, FP, TN, FN. The micro average adds the classes'
counts; the macro average is the mean of the classes' curves (interpolated on a shared
x). `auc()` gives the areas under the ROC curves that the comparison views show.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from runwatch.core._records import MetricKind
from runwatch.views._rest_shapes import (
    EvaluationChart,
    EvaluationHeatmap,
    EvaluationMetric,
    EvaluationSeries,
)

UNIT = [0.0, 1.0]
#: Bins of the calibration curve (the probability thresholds are grouped into these).
CALIBRATION_BINS = 10
#: The areas under the ROC curves offered as columns of the comparison views.
AUC_NAMES = ("AUC_macro", "AUC_micro", "AUC_weighted")


def _g(value: float) -> str:
    """A number as tooltips show it: exact for ints, 4 significant digits otherwise."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


def _finite(values: Any) -> list[float | None]:
    return [float(v) if v is not None and math.isfinite(v) else None for v in values]


def _series(
    label: str,
    x: Any,
    y: Any,
    style: str = "line",
    tips: Sequence[str] = (),
    error: Any = None,
) -> EvaluationSeries:
    return {
        "label": label,
        "style": style,  # type: ignore[typeddict-item]
        "x": _finite(x),
        "y": _finite(y),
        "error": None if error is None else _finite(error),
        "tips": list(tips),
    }


def _chart(
    key: str,
    title: str,
    x_label: str,
    y_label: str,
    series: list[EvaluationSeries],
    *,
    unit: bool = True,
    y_domain: list[float] | None = None,
    note: str = "",
    heatmap: EvaluationHeatmap | None = None,
) -> EvaluationChart:
    return {
        "key": key,
        "title": title,
        "x_label": x_label,
        "y_label": y_label,
        "x_domain": UNIT if unit else None,
        "y_domain": y_domain if y_domain is not None else (UNIT if unit else None),
        "series": series,
        "heatmap": heatmap,
        "note": note,
    }


def metric(
    name: str, kind: str, description: str, steps: Sequence[int], docs: Sequence[Any], step: int
) -> EvaluationMetric:
    """The metric `name` drawn at `step` (the last logged at or before it; else the first)."""
    index = 0
    for i, logged in enumerate(steps):
        if logged <= step:
            index = i
    return {
        "name": name,
        "kind": kind,  # type: ignore[typeddict-item]
        "description": description,
        "steps": list(steps),
        "step": steps[index],
        "charts": charts(name, kind, docs[index]),
    }


def charts(name: str, kind: str, doc: dict[str, Any]) -> list[EvaluationChart]:
    data = doc["data"]
    if kind == MetricKind.CONFUSION_MATRIX:
        return [confusion_chart(name, data)]
    if kind == MetricKind.ACCURACY_TABLE:
        return accuracy_charts(name, data)
    if kind == MetricKind.RESIDUALS:
        return [residuals_chart(name, data)]
    if kind == MetricKind.PREDICTIONS:
        return [predictions_chart(name, data)]
    raise ValueError(f"{kind!r} is not an evaluation metric kind")


# --- confusion matrix -----------------------------------------------------------------------
def confusion_chart(name: str, data: dict[str, Any]) -> EvaluationChart:
    counts = [[float(v) for v in row] for row in data["matrix"]]
    normalized = [[v / sum(row) if sum(row) else None for v in row] for row in counts]
    heatmap: EvaluationHeatmap = {
        "labels": [str(label) for label in data["class_labels"]],
        "counts": counts,
        "normalized": normalized,
    }
    total = sum(map(sum, counts))
    correct = sum(counts[i][i] for i in range(len(counts)))
    note = f"accuracy {correct / total:.4g} ({_g(correct)} of {_g(total)})" if total else ""
    return _chart(
        "confusion_matrix",
        f"{name}: confusion matrix",
        "predicted class",
        "true class",
        [],
        unit=False,
        note=note,
        heatmap=heatmap,
    )


# --- accuracy table -------------------------------------------------------------------------
def _tables(data: dict[str, Any], kind: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(labels, thresholds [M], counts [C, M, 4]) of the probability or percentile tables."""
    labels = [str(label) for label in data["class_labels"]]
    thresholds = np.asarray(data[f"{kind}_thresholds"], dtype=float)
    counts = np.asarray(data[f"{kind}_tables"], dtype=float).reshape(len(labels), -1, 4)
    return labels, thresholds, counts


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _roc(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(FPR, TPR) of one class's [M, 4] table, in threshold order."""
    tp, fp, tn, fn = table.T
    return _ratio(fp, fp + tn), _ratio(tp, tp + fn)


def _area(x: np.ndarray, y: np.ndarray) -> float:
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if len(x) < 2:
        return math.nan
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    return float(np.sum(np.diff(xs) * (ys[1:] + ys[:-1]) / 2))


def _macro(curves: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The mean of several curves y(x), each interpolated on the union of their xs."""
    usable = [(x[~np.isnan(x) & ~np.isnan(y)], y[~np.isnan(x) & ~np.isnan(y)]) for x, y in curves]
    usable = [(x, y) for x, y in usable if len(x)]
    if not usable:
        return np.array([]), np.array([])
    grid = np.unique(np.concatenate([x for x, _ in usable]))
    mean = np.mean(
        [np.interp(grid, x[np.lexsort((y, x))], y[np.lexsort((y, x))]) for x, y in usable], axis=0
    )
    return grid, mean


def auc(doc: dict[str, Any]) -> dict[str, float]:
    """AUC_macro, AUC_micro and AUC_weighted of an accuracy table (its probability tables)."""
    labels, _, counts = _tables(doc["data"], "probability")
    areas = np.array([_area(*_roc(counts[c])) for c in range(len(labels))])
    support = counts[:, 0, 0] + counts[:, 0, 3]  # TP + FN of each class
    keep = ~np.isnan(areas)
    micro = _area(*_roc(counts.sum(axis=0)))
    out = {"AUC_micro": micro}
    if keep.any():
        out["AUC_macro"] = float(areas[keep].mean())
        weights = support[keep]
        out["AUC_weighted"] = (
            float(np.average(areas[keep], weights=weights)) if weights.sum() else math.nan
        )
    return {k: v for k, v in out.items() if math.isfinite(v)}


def _threshold_tips(
    thresholds: np.ndarray, x: np.ndarray, y: np.ndarray, xn: str, yn: str, what: str
) -> list[str]:
    return [
        f"{what} {_g(t)}: {xn} {_g(a) if not math.isnan(a) else '-'}, "
        f"{yn} {_g(b) if not math.isnan(b) else '-'}"
        for t, a, b in zip(thresholds, x, y, strict=True)
    ]


def accuracy_charts(name: str, data: dict[str, Any]) -> list[EvaluationChart]:
    labels, thresholds, counts = _tables(data, "probability")
    micro_counts = counts.sum(axis=0)
    classes = [(label, counts[c]) for c, label in enumerate(labels)]

    roc: list[EvaluationSeries] = []
    pr: list[EvaluationSeries] = []
    roc_curves, pr_curves = [], []
    for label, table in [*classes, ("micro average", micro_counts)]:
        fpr, tpr = _roc(table)
        tp, fp = table[:, 0], table[:, 1]
        precision = _ratio(tp, tp + fp)
        tips = _threshold_tips(thresholds, fpr, tpr, "FPR", "TPR", "threshold")
        roc.append(_series(label, fpr, tpr, tips=tips))
        keep = ~np.isnan(precision)
        pr_tips = _threshold_tips(
            thresholds[keep], tpr[keep], precision[keep], "recall", "precision", "threshold"
        )
        pr.append(_series(label, tpr[keep], precision[keep], tips=pr_tips))
        if label != "micro average":
            roc_curves.append((fpr, tpr))
            pr_curves.append((tpr[keep], precision[keep]))
    for curves, drawn, xn, yn in (
        (roc_curves, roc, "FPR", "TPR"),
        (pr_curves, pr, "recall", "precision"),
    ):
        x, y = _macro(curves)
        tips = [f"{xn} {_g(a)}: mean {yn} {_g(b)}" for a, b in zip(x, y, strict=True)]
        drawn.append(_series("macro average", x, y, tips=tips))
    roc.append(_series("chance", UNIT, UNIT, "dashed"))
    areas = auc({"data": data})
    note = ", ".join(f"{k[4:]} {areas[k]:.4f}" for k in AUC_NAMES if k in areas)
    out = [
        _chart(
            "roc",
            f"{name}: ROC",
            "false positive rate",
            "true positive rate",
            roc,
            note=f"AUC {note}" if note else "",
        ),
        _chart("precision_recall", f"{name}: precision-recall", "recall", "precision", pr),
        _calibration_chart(name, labels, thresholds, counts),
    ]
    p_labels, _, p_counts = _tables(data, "percentile")
    out += _gains_charts(name, p_labels, p_counts)
    return out


def _calibration_chart(
    name: str, labels: list[str], thresholds: np.ndarray, counts: np.ndarray
) -> EvaluationChart:
    """Per bin of predicted probability: the share of positives among the samples scored in it.

    Samples scored in [t_i, t_j) are those counted positive at t_i but not at t_j, so a bin's
    positives are TP(t_i) - TP(t_j) and its negatives FP(t_i) - FP(t_j).
    """
    edges = sorted(
        {int(np.argmin(np.abs(thresholds - q))) for q in np.linspace(0, 1, CALIBRATION_BINS + 1)}
    )
    series: list[EvaluationSeries] = []
    tables = [*zip(labels, counts, strict=True), ("micro average", counts.sum(axis=0))]
    for label, table in tables:
        xs, ys, tips = [], [], []
        for lo, hi in itertools.pairwise(edges):
            last = hi == edges[-1]
            pos = table[lo, 0] - (0 if last else table[hi, 0])
            neg = table[lo, 1] - (0 if last else table[hi, 1])
            if pos + neg <= 0:
                continue
            middle = (thresholds[lo] + thresholds[hi]) / 2
            xs.append(middle)
            ys.append(pos / (pos + neg))
            tips.append(
                f"scores {_g(thresholds[lo])}-{_g(thresholds[hi])}: {_g(pos)} of "
                f"{_g(pos + neg)} positive ({pos / (pos + neg):.4g})"
            )
        series.append(_series(label, xs, ys, tips=tips))
    series.append(_series("perfectly calibrated", UNIT, UNIT, "dashed"))
    return _chart(
        "calibration",
        f"{name}: calibration",
        "predicted probability",
        "fraction of positives",
        series,
    )


def _gains_charts(name: str, labels: list[str], counts: np.ndarray) -> list[EvaluationChart]:
    """Cumulative gains and lift over the share of samples taken, highest scores first."""
    gains: list[EvaluationSeries] = []
    lift: list[EvaluationSeries] = []
    tables = [*zip(labels, counts, strict=True), ("micro average", counts.sum(axis=0))]
    top = 1.0
    for label, table in tables:
        tp, fp, tn, fn = table.T
        total = tp + fp + tn + fn
        taken = _ratio(tp + fp, total)
        recall = _ratio(tp, tp + fn)
        rate = _ratio(tp + fn, total)
        lifted = _ratio(_ratio(tp, tp + fp), rate)
        order = np.argsort(taken, kind="stable")
        taken, recall, lifted = taken[order], recall[order], lifted[order]
        gains.append(
            _series(
                label,
                taken,
                recall,
                tips=[
                    f"top {_g(a * 100)}% of samples: {_g(b * 100)}% of positives"
                    for a, b in zip(taken, recall, strict=True)
                ],
            )
        )
        keep = ~np.isnan(lifted)
        lift.append(
            _series(
                label,
                taken[keep],
                lifted[keep],
                tips=[
                    f"top {_g(a * 100)}% of samples: lift {_g(b)}"
                    for a, b in zip(taken[keep], lifted[keep], strict=True)
                ],
            )
        )
        if keep.any():
            top = max(top, float(np.nanmax(lifted[keep])))
    gains.append(_series("random", UNIT, UNIT, "dashed"))
    lift.append(_series("random", UNIT, [1.0, 1.0], "dashed"))
    return [
        _chart(
            "gains", f"{name}: cumulative gains", "share of samples", "share of positives", gains
        ),
        _chart(
            "lift",
            f"{name}: lift",
            "share of samples",
            "lift over random",
            lift,
            y_domain=[0.0, math.ceil(top * 1.1 * 2) / 2],
        ),
    ]


# --- regression -----------------------------------------------------------------------------
def residuals_chart(name: str, data: dict[str, Any]) -> EvaluationChart:
    edges = [float(e) for e in data["bin_edges"]]
    counts = [float(c) for c in data["bin_counts"]]
    tips = [
        f"[{_g(lo)}, {_g(hi)}{']' if i == len(counts) - 1 else ')'}: {_g(c)}"
        for i, (lo, hi, c) in enumerate(zip(edges, edges[1:], counts, strict=False))
    ]
    total = sum(counts)
    mean = sum((lo + hi) / 2 * c for lo, hi, c in zip(edges, edges[1:], counts, strict=False))
    note = f"{_g(total)} residuals, mean about {_g(mean / total)}" if total else ""
    return _chart(
        "residuals",
        f"{name}: residuals",
        "residual (predicted - true)",
        "count",
        [_series("residuals", edges, counts, "bars", tips)],
        unit=False,
        note=note,
    )


def predictions_chart(name: str, data: dict[str, Any]) -> EvaluationChart:
    edges = [float(e) for e in data["bin_edges"]]
    centers = [(lo + hi) / 2 for lo, hi in itertools.pairwise(edges)]
    averages = data["bin_averages"]
    errors = data["bin_errors"]
    counts = data["bin_counts"]
    keep = [i for i, c in enumerate(counts) if c and averages[i] is not None]
    tips = [
        f"true in [{_g(edges[i])}, {_g(edges[i + 1])}]: {_g(counts[i])} predictions, mean "
        f"{_g(averages[i])} ± {_g(errors[i])}"
        for i in keep
    ]
    xs = [centers[i] for i in keep]
    ys = [float(averages[i]) for i in keep]
    errs = [float(errors[i]) for i in keep]
    low = min([edges[0], *(y - e for y, e in zip(ys, errs, strict=True))])
    high = max([edges[-1], *(y + e for y, e in zip(ys, errs, strict=True))])
    return _chart(
        "predictions",
        f"{name}: predicted vs. true",
        "true value (bin centre)",
        "predicted value (bin mean ± sd)",
        [
            _series("mean prediction", xs, ys, "errorbars", tips, errs),
            _series("ideal (y = x)", [edges[0], edges[-1]], [edges[0], edges[-1]], "dashed"),
        ],
        unit=False,
        y_domain=[low, high],
    )
