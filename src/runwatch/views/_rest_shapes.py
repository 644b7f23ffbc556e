"""The REST API's wire shapes: the JSON body of every answer.

Declared once here. `python -m runwatch.server._openapi` writes them into
`server/openapi.json` (`components.schemas`: each class docstring and attribute
docstring becomes the description its readers see), and `npm run generate:api`
writes the TypeScript types of js/lab/api.generated.ts from that document;
tests check that both generated files are current.

All routes live under `<base_url>/runwatch/api/` and answer GET only.
Times are seconds since the epoch (floats); `cursor` values are the store's
change counter: pass the last one back as `since` and an unchanged answer
is `{"unchanged": true, "cursor": ...}` at the cost of one indexed read.
"""

from __future__ import annotations

from typing import Literal

# typing_extensions' TypedDict: the OpenAPI generator (pydantic) reads typing's own only
# from Python 3.12 on.
from typing_extensions import TypedDict

Cell = str | float | int | bool | None
#: Which value of a column is best: the lowest or the highest.
Goal = Literal["min", "max"]
#: Who set the goal: the sweep (its primary metric) or the request (`goal=`).
GoalSource = Literal["sweep", "request"]


class ErrorBody(TypedDict):
    status: int
    message: str
    """names the bad value and what was expected"""


class Error(TypedDict):
    """Every error answer: `{"error": {"status": 404, "message": "run 'x' not found"}}`."""

    error: ErrorBody


class ExperimentRow(TypedDict):
    name: str
    created_time: float
    run_count: int
    """top-level runs"""
    active_count: int
    """top-level runs Queued, Preparing, Running, Finalizing or NotResponding"""
    last_created_time: float | None
    """newest top-level run; null for an empty experiment"""


class ExperimentList(TypedDict):
    cursor: int
    unchanged: bool
    experiments: list[ExperimentRow]


class RunRow(TypedDict):
    id: str
    number: int
    experiment: str
    display_name: str | None
    type: str
    """interactive, script, sweep, child, ..."""
    status: str
    created_time: float
    start_time: float | None
    end_time: float | None
    parent_id: str | None
    child_count: int
    tags: dict[str, str]
    metric: Cell
    """latest value of the `metric` query parameter (for a sweep's trials and its primary
    metric: the best value the trial logged, the value it is ranked by); null if not
    logged; NaN and infinity by name ("NaN", "Infinity", "-Infinity")"""


class RunPage(TypedDict):
    """A page of runs: an experiment's top-level runs, or a run's direct children."""

    cursor: int
    unchanged: bool
    total: int
    """runs passing every filter"""
    offset: int
    limit: int
    status_counts: dict[str, int]
    """runs passing every filter but the status filter, per status"""
    metric_names: list[str]
    """metrics logged by runs of this listing, sorted"""
    runs: list[RunRow]


class MetricSummary(TypedDict):
    name: str
    kind: str
    """scalar, list, row, table, image, confusion_matrix, accuracy_table, residuals,
    predictions"""
    count: int
    last_value: Cell
    last_step: int | None


class FileRow(TypedDict):
    name: str
    size: int
    created_time: float


class RunDetailsBody(TypedDict):
    cursor: int
    run: RunRow
    error: dict[str, str] | None
    """message, type, traceback, ... of a failed run"""
    properties: dict[str, Cell]
    metrics: list[MetricSummary]
    files: list[FileRow]
    log_files: list[str]
    """file names under logs/, the driver log first"""
    trial_label: str | None
    """a sweep's trial: "Trial 7", the number it goes by in its sweep; else null"""
    children_status_counts: dict[str, int]
    """runs per status"""
    snippet: str
    """Python that shows this run's RunDetails in a notebook of this server"""


class SeriesBody(TypedDict):
    name: str
    kind: str
    count: int
    """points logged"""
    x: list[float]
    """step of each shown point"""
    y: list[float | None]
    """value at x; NaN and inf as null"""


class RowLine(TypedDict):
    label: str
    """the column drawn"""
    y: list[float | None]
    """its value in each shown row; null where it has none (or NaN, inf)"""


class RowChartBody(TypedDict):
    """A row or table metric (`log_row`, `log_table`) with two or more numeric columns,
    drawn as RunDetails draws it: a line per numeric column against the first column
    (the first numeric column if the first is not)."""

    name: str
    kind: str
    count: int
    """rows logged"""
    x_label: str
    """the column the lines are drawn against"""
    x: list[float | None]
    """its value in each shown row (at most `budget` rows, evenly spread)"""
    lines: list[RowLine]


class MetricsBody(TypedDict):
    cursor: int
    unchanged: bool
    series: list[SeriesBody]
    """numeric series (`log` repeated, `log_list`)"""
    rows: list[RowChartBody]
    """rows and tables with two or more numeric columns (not a sweep's own `trials` and
    `early_terminations`, which RunDetails draws as its sweep chart)"""


class LogBody(TypedDict):
    name: str
    offset: int
    next_offset: int
    """where to ask next"""
    size: int
    """the file's size now; 0 for a missing log"""
    text: str
    """UTF-8, invalid bytes replaced"""


class FileList(TypedDict):
    files: list[FileRow]


# --- the experiment dashboard: compare the runs of an experiment -------------------------
# Every dashboard route takes the run listing's filters (status, tag, q) and a scope:
# `parent=<run id>` compares that run's direct children (a sweep's trials) instead of
# the experiment's top-level runs. Each answer is one store query, never one per run.


class ColumnInfo(TypedDict):
    """A column of the runs table."""

    key: str
    """number, status, display_name, created_time, duration, tag:<name>, property:<name>
    or metric:<name> (a scalar metric's latest value)"""
    label: str
    group: str
    """run, tag, property or metric (empty in an unchanged scatter answer)"""
    numeric: bool
    """every present value is a number: offered as a chart axis"""


class TableRow(TypedDict):
    id: str
    number: int
    status: str
    display_name: str | None
    created_time: float
    start_time: float | None
    end_time: float | None
    values: dict[str, Cell]
    """column key -> value of the tag, property and metric columns; keys the run has no
    value for are left out; NaN and infinity by name ("NaN", "Infinity", "-Infinity"),
    non-scalar properties their JSON text"""
    trial_label: str | None
    """in a sweep's trials table (`parent` a sweep), the trial's name: "Trial 7", its
    index (the id's suffix, as HyperDrive numbers trials); in an AutoML search's
    (`parent` an AutoML run), "Iteration 7"; else null"""


class RunsTable(TypedDict):
    """A page of the runs table, and every column of the filtered runs. Runs without a
    value in the sort column come last."""

    cursor: int
    unchanged: bool
    total: int
    """runs passing every filter"""
    offset: int
    limit: int
    status_counts: dict[str, int]
    """runs passing every filter but the status filter, per status"""
    columns: list[ColumnInfo]
    """run columns, then tags, properties and metrics of the filtered runs, each by name"""
    rows: list[TableRow]


class ScatterPoint(TypedDict):
    id: str
    number: int
    status: str
    display_name: str | None
    x: float | None
    """null: no finite number in that column"""
    y: float | None
    trial_label: str | None
    """in a sweep's trials (`parent` a sweep): "Trial 7"; in an AutoML search's
    iterations: "Iteration 7"; else null"""


class ScatterBody(TypedDict):
    """One point per filtered run, for plotting one metric or parameter against another
    across runs, and the best run."""

    cursor: int
    unchanged: bool
    x: ColumnInfo
    y: ColumnInfo
    points: list[ScatterPoint]
    """one per filtered run, by number (up to 100,000)"""
    goal: Goal | None
    """whether the lowest or the highest y is best: the parent sweep's primary_metric_goal
    when y is its primary metric (metric:<primary_metric_name>), else the request's goal;
    null when neither says"""
    goal_source: GoalSource | None
    """who set the goal: the sweep or the request; null with no goal"""
    best: str | None
    """the id of the run with the best y under the goal (the lowest run number wins a tie;
    its x may be null); null with no goal or no y"""


class RunSeries(TypedDict):
    id: str
    number: int
    display_name: str | None
    count: int
    """points logged (0: the run has no numeric series of this name)"""
    x: list[float]
    y: list[float | None]
    trial_label: str | None
    """a sweep's trial: "Trial 7"; else null"""


class OverlayBody(TypedDict):
    cursor: int
    unchanged: bool
    metric: str
    series: list[RunSeries]


# --- the model registry ------------------------------------------------------------------


class ModelRow(TypedDict):
    """One version of a registered model."""

    id: str
    """`<name>:<version>`, as `Model(ws, id=...)` takes it"""
    name: str
    version: int
    run_id: str | None
    """the run it was registered from; null for a model registered from local files"""
    experiment: str | None
    """the experiment of that run"""
    created_time: float
    tags: dict[str, str]
    description: str
    framework: str | None


class ModelList(TypedDict):
    """Every version of every registered model, newest first."""

    cursor: int
    unchanged: bool
    models: list[ModelRow]


class ModelFileRow(TypedDict):
    name: str
    """the path `model.download()` writes, relative to its target folder"""
    size: int


class ModelDetailsBody(TypedDict):
    cursor: int
    model: ModelRow
    properties: dict[str, Cell]
    framework_version: str | None
    source: str
    """what was registered: the run's file or folder, or the local path"""
    files: list[ModelFileRow]
    snippet: str
    """Python that opens this model in a notebook of this server"""


# --- model-evaluation charts (run.log_confusion_matrix, log_accuracy_table, ...) -------------
class EvaluationSeries(TypedDict):
    """One line, set of points or histogram of an evaluation chart."""

    label: str
    style: Literal["line", "dashed", "points", "bars", "errorbars"]
    """dashed: a reference line (chance, ideal); bars: a histogram whose `x` holds the
    bin edges (one more than `y`); errorbars: points with `error` above and below"""
    x: list[float | None]
    y: list[float | None]
    error: list[float | None] | None
    """half-height of each point's error bar (errorbars only)"""
    tips: list[str]
    """the tooltip of each point (of each bar), exact values; empty for reference lines"""


class EvaluationHeatmap(TypedDict):
    """A confusion matrix: rows are the true classes, columns the predicted ones."""

    labels: list[str]
    counts: list[list[float]]
    normalized: list[list[float | None]]
    """each count divided by its row's total (null for a class with no samples)"""


class EvaluationChart(TypedDict):
    key: str
    """confusion_matrix, roc, precision_recall, calibration, gains, lift, residuals or
    predictions"""
    title: str
    x_label: str
    y_label: str
    x_domain: list[float] | None
    """[low, high] when the axis is fixed (rates and probabilities: [0, 1])"""
    y_domain: list[float] | None
    series: list[EvaluationSeries]
    heatmap: EvaluationHeatmap | None
    note: str
    """a line under the title, e.g. the areas under the ROC curves"""


class EvaluationMetric(TypedDict):
    """One evaluation metric of a run, drawn at one of its logged steps."""

    name: str
    kind: Literal["confusion_matrix", "accuracy_table", "residuals", "predictions"]
    description: str
    steps: list[int]
    """every step it was logged at, in order (a step slider when more than one)"""
    step: int
    """the step drawn"""
    charts: list[EvaluationChart]


class EvaluationBody(TypedDict):
    cursor: int
    unchanged: bool
    metrics: list[EvaluationMetric]


class AutoMLRow(TypedDict):
    """One iteration in the table."""

    iteration: int
    run_id: str
    pipeline: str
    metric: float | None
    best: float | None
    status: str
    duration: float | None
    started: float | None
    is_best: bool


class AutoMLChart(TypedDict):
    """The chosen metric of each completed iteration, and the best so far."""

    iterations: list[int]
    values: list[float]
    best: list[float]
    run_ids: list[str]


class AutoMLState(TypedDict):
    """What an AutoML view draws."""

    run_id: str
    status: str
    task: str
    primary_metric: str
    metric: str
    maximize: bool
    metrics: list[str]
    best_iteration: int | None
    best_run_id: str | None
    best_value: float | None
    rows: list[AutoMLRow]
    total: int
    page: int
    page_size: int
    sort: str
    descending: bool
    chart: AutoMLChart


class AutoMLBody(TypedDict):
    """GET runs/{run_id}/automl: the AutoML view of a search (None when nothing changed
    after `since`, or when the run is not an AutoML search)."""

    cursor: int
    unchanged: bool
    automl: AutoMLState | None
