"""The metric half of `Run`: the `log*` calls and `get_metrics`.

Every call checks its input completely before it appends anything, so a
rejected call leaves the run as it was.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwatch.artifacts._store import FILES, IMAGE_FILE_PREFIX, safe_name
from runwatch.core import _evaluation, _values
from runwatch.core._records import MetricInfo, MetricKind, MetricPoints, RunStatus
from runwatch.core._values import INT64_MAX, INT64_MIN, NUMBER, merge_class, short_repr
from runwatch.errors import RunStateError, ValidationError
from runwatch.tracking._buffer import MetricBuffer, Series
from runwatch.tracking._writer import writer

if TYPE_CHECKING:
    from runwatch.tracking._workspace import Workspace

_RUNNING = RunStatus.RUNNING
_now = time.time

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


@dataclass(frozen=True)
class ImageRef:
    """A logged image: `run.download_file(ref, path)` writes it to `path`."""

    run_id: str
    path: str

    def __str__(self) -> str:
        return f"runwatch://{self.run_id}/{self.path}"


class MetricsMixin:
    id: str
    _ws: Workspace
    _buffer: MetricBuffer | None
    _fresh: bool
    _finished: bool
    _status: str

    # --- the buffer ---------------------------------------------------------------
    def _metric_buffer(self) -> MetricBuffer:
        if self._buffer is None:
            self._buffer = MetricBuffer(
                self._ws.store, self.id, fresh=self._fresh, on_ended=self._ended_elsewhere
            )
            writer().add(self._buffer)
        return self._buffer

    def _series(self, name: Any, kind: str, description: Any) -> Series:
        if self._finished or self._status != RunStatus.RUNNING:
            self._check_can_log(name)
        buffer = self._buffer or self._metric_buffer()
        return buffer.series(name, kind, description)

    def _check_can_log(self, name: object) -> None:
        raise NotImplementedError  # provided by Run

    def _ended_elsewhere(self, status: str) -> None:
        """A flush found the run ended by another process: later log calls raise.

        Set from the writer thread; `log` reads `_status` on every call anyway.
        """
        self._finished = True
        self._status = status

    def _append(
        self, series: Series, steps: Sequence[int], values: Sequence[Any], when: float
    ) -> None:
        buffer = self._buffer
        assert buffer is not None
        points: list[Any] = [when] * (3 * len(values))
        points[0::3] = steps
        points[1::3] = values
        with buffer.lock:
            series.pending.extend(points)
            buffer.pending = True

    # --- logging calls --------------------------------------------------------------
    def log(self, name: str, value: Any, description: str = "", step: int | None = None) -> None:
        """Log a scalar; logging the same name again builds a series.

        `value` is an int, float, bool, str, None or numpy scalar. `step`
        defaults to the index of the point in the series.
        """
        # The common case, without a lock: a float or int64 with an int64 step, under
        # the name of a series of numbers this running run already has. One atomic
        # extend adds the point whole (see `Series`); everything else takes `_log`.
        buffer = self._buffer
        if buffer is not None and self._status == _RUNNING:
            try:
                series = buffer.numbers.get(name)
            except TypeError:  # an unhashable name: `_log` says what is wrong with it
                series = None
            if (
                series is not None
                and type(step) is int
                and -(2**63) <= step <= 2**63 - 1
                and (
                    type(value) is float or (type(value) is int and -(2**63) <= value <= 2**63 - 1)
                )
            ):
                series.pending.extend((step, value, _now()))
                buffer.pending = True
                return
        self._log(name, value, description, step)

    def _log(self, name: Any, value: Any, description: Any, step: Any) -> None:
        """`log` for every case: checks everything, takes the buffer's lock."""
        known = self._buffer is not None and isinstance(name, str)
        series = self._buffer.metrics.get(name) if known and self._buffer is not None else None
        if series is None or series.kind != MetricKind.SCALAR or self._status != RunStatus.RUNNING:
            series = self._series(name, MetricKind.SCALAR, description)
        kind = type(value)
        if kind is float or (kind is int and INT64_MIN <= value <= INT64_MAX):
            cls: str | None = NUMBER
        else:
            value, cls = _values.scalar(value, f"run.log({name!r}, ...)")
        if cls is not series.value_class and cls is not None:
            series.value_class = merge_class(
                series.value_class, cls, f"run.log({name!r}, ...)", value
            )
        if step is not None and (type(step) is not int or not INT64_MIN <= step <= INT64_MAX):
            step = _values.step(step, f"run.log({name!r}, ...)")
        buffer = self._buffer
        assert buffer is not None
        when = _now()
        with buffer.lock:
            series.pending.extend((series.count if step is None else step, value, when))
            buffer.pending = True
        if series.value_class == NUMBER:
            buffer.numbers[series.name] = series

    def log_list(self, name: str, value: Iterable[Any], description: str = "") -> None:
        """Log a list of scalars (any iterable, a generator too) as one list metric."""
        series = self._series(name, MetricKind.LIST, description)
        values, cls = _values.scalar_list(value, f"run.log_list({name!r}, ...)", series.value_class)
        series.value_class = cls
        start = series.count
        self._append(series, range(start, start + len(values)), values, time.time())

    def log_row(self, name: str, description: str | None = None, **columns: Any) -> None:
        """Log one row of a table; repeated calls add rows."""
        series = self._series(name, MetricKind.ROW, description)
        row = _values.row(columns, f"run.log_row({name!r}, ...)")
        self._append(series, [series.count], [row], time.time())

    def log_table(self, name: str, value: Mapping[str, Any], description: str = "") -> None:
        """Log a table: a dict of equal-length columns. Repeated calls add rows."""
        series = self._series(name, MetricKind.TABLE, description)
        table = _values.table(value, f"run.log_table({name!r}, ...)")
        self._append(series, [series.count], [table], time.time())

    def log_image(
        self,
        name: str,
        path: str | os.PathLike[str] | None = None,
        plot: Any = None,
        description: str = "",
    ) -> None:
        """Log a PNG/JPEG file, or a matplotlib figure (the pyplot module: its current figure)."""
        where = f"run.log_image({name!r}, ...)"
        if (path is None) == (plot is None):
            raise ValidationError(
                f"{where}: give exactly one of path= (a PNG or JPEG file) or plot= "
                f"(a matplotlib figure); got path={short_repr(path)}, plot={short_repr(plot)}"
            )
        series = self._series(name, MetricKind.IMAGE, description)
        data, ext = _image_bytes(path, plot, where)
        file_name = self._image_file_name(name, path, ext)
        self._ws.artifacts.put_bytes(self.id, FILES, file_name, data)
        self._ws.store.add_file(self.id, file_name, len(data))
        self._append(series, [series.count], [IMAGE_FILE_PREFIX + file_name], time.time())

    def log_confusion_matrix(self, name: str, value: Any, description: str = "") -> None:
        """Log a confusion matrix: a `confusion_matrix` document (a dict or its JSON text)
        with `class_labels` and a square `matrix` of counts (rows: true class).
        `runwatch.metrics.confusion_matrix(y_true, y_pred)` builds one."""
        self._log_document(name, value, description, MetricKind.CONFUSION_MATRIX)

    def log_accuracy_table(self, name: str, value: Any, description: str = "") -> None:
        """Log an accuracy table: TP, FP, TN, FN per class at probability and percentile
        thresholds, from which ROC, precision-recall, calibration and lift curves are drawn.
        `runwatch.metrics.accuracy_table(y_true, y_score, labels)` builds one."""
        self._log_document(name, value, description, MetricKind.ACCURACY_TABLE)

    def log_residuals(self, name: str, value: Any, description: str = "") -> None:
        """Log a histogram of a regressor's residuals (`bin_edges`, `bin_counts`).
        `runwatch.metrics.residuals(y_true, y_pred)` builds one."""
        self._log_document(name, value, description, MetricKind.RESIDUALS)

    def log_predictions(self, name: str, value: Any, description: str = "") -> None:
        """Log predicted against true values, binned by true value (`bin_edges`,
        `bin_averages`, `bin_errors`, `bin_counts`).
        `runwatch.metrics.predictions(y_true, y_pred)` builds one."""
        self._log_document(name, value, description, MetricKind.PREDICTIONS)

    def _log_document(self, name: str, value: Any, description: str, kind: str) -> None:
        where = f"run.{MetricKind.API[kind]}({short_repr(name)}, ...)"
        _values.check_name(name)
        doc = _evaluation.document(value, kind, where)
        series = self._series(name, kind, description)
        # As Azure does, the document is also a run file named after the metric.
        file_name = document_file(self.id, name, series.count)
        if self._ws.store.get_file(self.id, file_name) is not None:
            raise ValidationError(
                f"{where}: the run already has a file named {file_name!r}, where this "
                "document would be kept; log it under another name"
            )
        data = json.dumps(doc).encode("utf-8")
        self._ws.artifacts.put_bytes(self.id, FILES, file_name, data)
        self._ws.store.add_file(self.id, file_name, len(data))
        self._append(series, [series.count], [doc], time.time())

    def _image_file_name(self, name: str, path: Any, ext: str) -> str:
        """Where a logged image goes among the run's files, as Azure puts it: a plot as
        `<name>_<unix time>.png`, a file under its relative path (an absolute path or
        one leaving the folder: its base name). A name taken gets `_2`, `_3`, ..."""
        if path is None:
            wanted = f"{_file_part(name)}_{int(time.time())}.{ext}"
        else:
            given = Path(path)
            relative = given.as_posix().lstrip("./") if not given.is_absolute() else ""
            wanted = relative if relative and ".." not in given.parts else given.name
            wanted = safe_name(wanted)
        stem, dot, suffix = wanted.rpartition(".")
        candidate, n = wanted, 1
        while self._ws.store.get_file(self.id, candidate) is not None:
            n += 1
            candidate = f"{stem}_{n}{dot}{suffix}" if dot else f"{wanted}_{n}"
        return candidate

    # --- reading --------------------------------------------------------------------
    def get_metrics(
        self,
        name: str | None = None,
        recursive: bool = False,
        run_type: str | None = None,
        populate: bool = False,
        *,
        as_frame: bool = False,
    ) -> Any:
        """The logged metrics as `{name: value}` (only `name`'s, when given).

        A name logged once gives the value, logged repeatedly a list in order;
        `log_list` a list; one `log_row` a `{column: value}` dict, repeated rows
        or tables `{column: [...]}`; an image an `ImageRef`; a confusion matrix,
        accuracy table, residuals or predictions, as in Azure, the location of its
        document among the run's files (`runwatch://<run id>/<file>`), or with
        `populate=True` the document itself (a dict; a list when logged
        repeatedly). `recursive` gives
        `{run_id: {...}}` over this run and all its descendants. An unknown
        `name` gives `{}`, as in Azure ML. `as_frame` returns a pandas
        DataFrame instead (with `name`: that metric's points or table).
        """
        if name is not None:
            _values.check_name(name)
        if recursive:
            runs = [self, *self.get_children(recursive=True)]  # type: ignore[attr-defined]
            if run_type is not None:
                runs = [r for r in runs if r.type == run_type]
            result = {run.id: run.get_metrics(name, populate=populate) for run in runs}
            if as_frame:
                return _frame(result, nested=True)
            return result
        self._flush_own()
        stored = self._ws.store.read_metrics(
            self.id, [name] if name is not None else None, with_steps=as_frame
        )
        if name is not None and as_frame:
            if name not in stored:
                raise ValidationError(
                    f"run {self.id!r} has no metric named {name!r}; it has "
                    f"{sorted(self._ws.store.read_metrics(self.id, with_steps=False))}"
                )
            return _metric_frame(*stored[name])
        if as_frame:
            return _frame({self.id: stored}, nested=False)
        return {
            key: metric_value(self.id, info, points.values, populate=populate)
            for key, (info, points) in stored.items()
        }

    def _flush_own(self) -> None:
        if self._buffer is not None and (self._buffer.pending or self._buffer._unwritten):
            self._buffer.flush()


def document_file(run_id: str, name: str, index: int) -> str:
    """The run file holding the `index`-th document logged as metric `name`: the name
    as Azure uploads it (as one file-name part), then `<name>_2`, `<name>_3`, ..."""
    base = _file_part(name)
    return base if index == 0 else f"{base}_{index + 1}"


def metric_value(run_id: str, info: MetricInfo, values: list[Any], populate: bool = True) -> Any:
    """What `get_metrics` returns for one metric, given its points' values (`populate`:
    evaluation documents themselves, else their locations, as Azure's `get_metrics`)."""
    kind = info.kind
    if kind == MetricKind.SCALAR:
        return values[0] if len(values) == 1 else values
    if kind == MetricKind.LIST:
        return values
    if kind == MetricKind.IMAGE:
        refs = [ImageRef(run_id, path) for path in values]
        return refs[0] if len(refs) == 1 else refs
    if kind in MetricKind.EVALUATION:
        if not populate:
            values = [
                f"runwatch://{run_id}/{document_file(run_id, info.name, i)}"
                for i in range(len(values))
            ]
        return values[0] if len(values) == 1 else values
    if kind == MetricKind.ROW:
        if len(values) == 1:
            return dict(values[0])
        return columns_of(values)
    if kind == MetricKind.TABLE:
        rows: list[dict[str, Any]] = []
        for table in values:
            names = list(table)
            rows += [
                dict(zip(names, cells, strict=True)) for cells in zip(*table.values(), strict=True)
            ]
        return columns_of(rows, [name for table in values for name in table])
    raise ValidationError(f"metric {info.name!r} has an unknown kind {kind!r}")


def columns_of(rows: list[dict[str, Any]], order: Iterable[str] = ()) -> dict[str, list[Any]]:
    """Rows as `{column: [...]}`, columns in first-seen order, missing cells None."""
    names = dict.fromkeys(order)
    for row in rows:
        names.update(dict.fromkeys(row))
    return {column: [row.get(column) for row in rows] for column in names}


def _file_part(name: str) -> str:
    """A metric name as one file-name part: path separators and odd characters become _."""
    return "".join(c if c.isalnum() or c in "-_. " else "_" for c in name).strip(". ") or "image"


def _image_bytes(path: Any, plot: Any, where: str) -> tuple[bytes, str]:
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ValidationError(f"{where}: image file {str(path)!r} does not exist")
        data = file.read_bytes()
    elif hasattr(plot, "savefig"):
        stream = io.BytesIO()
        plot.savefig(stream, format="png")
        data = stream.getvalue()
    else:
        raise ValidationError(
            f"{where}: plot {short_repr(plot)} is a {type(plot).__name__}; expected a "
            "matplotlib Figure or the matplotlib.pyplot module"
        )
    if data.startswith(_PNG):
        return data, "png"
    if data.startswith(_JPEG):
        return data, "jpg"
    raise ValidationError(
        f"{where}: {str(path)!r} is not a PNG or JPEG image (its first bytes are {data[:8]!r})"
    )


def _metric_frame(info: MetricInfo, points: MetricPoints) -> Any:
    import pandas as pd

    if info.kind in (MetricKind.ROW, MetricKind.TABLE):
        value = metric_value(info.run_id, info, points.values)
        if info.kind == MetricKind.ROW and len(points) == 1:
            value = {key: [cell] for key, cell in value.items()}
        return pd.DataFrame(value)
    values = points.values
    if info.kind == MetricKind.IMAGE:
        values = [str(ImageRef(info.run_id, path)) for path in values]
    return pd.DataFrame(
        {"step": points.steps, "value": values, "time": pd.to_datetime(points.times, unit="s")}
    )


def _frame(stored: Mapping[str, Any], *, nested: bool) -> Any:
    """All metrics in long form: run_id, metric, column, step, value."""
    import pandas as pd

    records = []
    for run_id, metrics in stored.items():
        for name, entry in metrics.items():
            if nested:  # {name: value as get_metrics returns it}
                value = entry
                values = value if isinstance(value, list) else [value]
                rows = [(None, i, v) for i, v in enumerate(values)]
                if isinstance(value, dict):
                    rows = [
                        (col, i, v)
                        for col, cells in value.items()
                        for i, v in enumerate(cells if isinstance(cells, list) else [cells])
                    ]
            else:
                info, points = entry
                if info.kind in (MetricKind.ROW, MetricKind.TABLE):
                    table = metric_value(run_id, info, points.values)
                    rows = [
                        (col, i, v)
                        for col, cells in table.items()
                        for i, v in enumerate(cells if isinstance(cells, list) else [cells])
                    ]
                else:
                    vals = points.values
                    if info.kind == MetricKind.IMAGE:
                        vals = [str(ImageRef(run_id, p)) for p in vals]
                    rows = [(None, s, v) for s, v in zip(points.steps, vals, strict=True)]
            records += [
                {"run_id": run_id, "metric": name, "column": col, "step": step, "value": v}
                for col, step, v in rows
            ]
    return pd.DataFrame.from_records(
        records, columns=["run_id", "metric", "column", "step", "value"]
    )


def not_running_message(run_id: str, status: str, name: object) -> RunStateError:
    return RunStateError(
        f"run {run_id!r} is {status}; metric {name!r} cannot be logged to a finished run "
        "(tags and properties can still be changed)"
    )
