"""What each route of the REST API is: its query parameters, its answer, its summary.

Declared once here: the handlers check requests against `params`, and
`_openapi` writes `openapi.json` from these declarations, the route table
(`_handlers.ROUTES`) and the answer shapes (`views/_rest_shapes.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runwatch.server import _params
from runwatch.server._params import Param
from runwatch.views import _rest_shapes as shapes

#: Descriptions of the path parameters, by name (the route table's `{name}`s).
PATH_PARAMS = {
    "experiment": "an experiment name (percent-encoded)",
    "run_id": "a run id",
    "name": "the file's name in the run, e.g. outputs/model.pkl",
    "model": "a registered model's name",
    "version": "a version number of the model (1, 2, ...)",
}


@dataclass(frozen=True)
class Answer:
    """A route's successful answer: one of the `_rest_shapes` as JSON, or other content
    described by `schema`."""

    description: str
    shape: type | None = None
    media_type: str = "application/json"
    schema: dict[str, Any] | None = None
    headers: dict[str, str] | None = None  # header name -> description


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    answer: Answer
    params: tuple[Param, ...] = ()
    description: str | None = None
    #: Whether the route names something that may not exist (a 404 answer).
    not_found: bool = True


LIST_EXPERIMENTS = Operation(
    "listExperiments",
    "Every experiment with its run counts, by name",
    Answer("the experiments", shapes.ExperimentList),
    (_params.SINCE,),
    not_found=False,
)
LIST_RUNS = Operation(
    "listRuns",
    "A page of an experiment's top-level runs",
    Answer("one page of runs", shapes.RunPage),
    _params.RUN_LISTING,
)
RUNS_TABLE = Operation(
    "getRunsTable",
    "The experiment dashboard's runs table: a page of runs with every tag, property and "
    "latest metric value, and the columns",
    Answer("one page of the runs table", shapes.RunsTable),
    _params.TABLE,
)
RUNS_TABLE_CSV = Operation(
    "downloadRunsTable",
    "The filtered runs table, every row and column, as a CSV download",
    Answer(
        "CSV (UTF-8, a header row; times ISO 8601 UTC, duration in seconds; tag, property "
        "and metric columns by name, prefixed with their group where names clash), streamed "
        'as Content-Disposition: attachment; filename="<experiment>-runs.csv"',
        media_type="text/csv",
        schema={"type": "string"},
    ),
    _params.TABLE_CSV,
)
SCATTER = Operation(
    "getScatter",
    "One column against another across the filtered runs (one point per run, no paging)",
    Answer("the points", shapes.ScatterBody),
    _params.SCATTER,
)
OVERLAY = Operation(
    "getOverlay",
    "One metric's series from each of the chosen runs, read in one query",
    Answer("the series, in the order the runs were given", shapes.OverlayBody),
    _params.OVERLAY,
)
RUN = Operation("getRun", "A run's details", Answer("the run", shapes.RunDetailsBody))
CHILDREN = Operation(
    "listChildren",
    "A page of a run's direct children",
    Answer("one page of child runs", shapes.RunPage),
    _params.RUN_LISTING,
)
METRICS = Operation(
    "getMetrics",
    "Numeric series of a run, downsampled",
    Answer("the series", shapes.MetricsBody),
    _params.METRICS,
    description=(
        "Series of numbers or booleans (run.log repeated, run.log_list) changed after "
        "`since` (all without it), each reduced to at most `budget` points keeping every "
        "bucket's minimum and maximum."
    ),
)
EVALUATION = Operation(
    "getEvaluation",
    "Charts of a run's model-evaluation metrics",
    Answer("the charts", shapes.EvaluationBody),
    _params.EVALUATION,
    description=(
        "Confusion matrices, accuracy tables, residuals and predictions (run.log_confusion_"
        "matrix, log_accuracy_table, log_residuals, log_predictions) changed after `since` "
        "(all without it), each as the charts drawn from it: a heatmap, ROC, precision-recall, "
        "calibration, cumulative gains and lift curves, a histogram, predicted against true."
    ),
)
AUTOML = Operation(
    "getAutoML",
    "The iterations of an AutoML search",
    Answer("the AutoML view", shapes.AutoMLBody),
    _params.AUTOML,
    description=(
        "A page of the iteration table (iteration, pipeline, the iteration's metric, the best "
        "so far, status, duration, start) sorted as asked with the best iteration marked, the "
        "metrics of the task, and each completed iteration's value with the best-so-far line; "
        "`automl` is null for a run that is not an AutoML search."
    ),
)
LOG = Operation(
    "getLog",
    "New text of a run's log file",
    Answer("the new text", shapes.LogBody),
    _params.LOG,
    description=(
        "The bytes after `offset` (at most `max_bytes`, cut back to a whole line unless one "
        "line is longer), decoded as UTF-8."
    ),
)
FILES = Operation("listFiles", "A run's files, by name", Answer("the files", shapes.FileList))
FILE = Operation(
    "downloadFile",
    "Download a run file",
    Answer(
        "the file's bytes",
        media_type="application/octet-stream",
        schema={"type": "string", "contentMediaType": "application/octet-stream"},
        headers={"Content-Disposition": "attachment; filename=..."},
    ),
    description=(
        "Streams the file as an attachment. `name` is a relative path inside the run and may "
        "contain `/`; names with `..`, `.` or empty segments, absolute paths, backslashes or "
        "NUL are refused with 400."
    ),
)
MODELS = Operation(
    "listModels",
    "Every version of every registered model, newest first",
    Answer("the models", shapes.ModelList),
    (_params.SINCE,),
    not_found=False,
)
MODEL = Operation(
    "getModel",
    "One version of a registered model: its record, properties and files",
    Answer("the model", shapes.ModelDetailsBody),
)
OPENAPI = Operation(
    "getOpenApi",
    "This document",
    Answer("the OpenAPI document", schema={"type": "object"}),
    not_found=False,
)
