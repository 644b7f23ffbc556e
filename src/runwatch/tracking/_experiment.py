"""Experiments: named groups of runs in a workspace."""

from __future__ import annotations

import builtins
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwatch.core._queries import TableQuery
from runwatch.core._records import RunSummary, RunType
from runwatch.core._values import short_repr
from runwatch.errors import ValidationError
from runwatch.tracking._filters import matches, tag_filter
from runwatch.tracking._workspace import Workspace

if TYPE_CHECKING:
    from runwatch.tracking._run import Run

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$")


def check_experiment_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError(
            f"experiment name {short_repr(name)} is not valid; expected 1-255 letters, digits, "
            "'_', '-' or '.', starting with a letter or digit"
        )
    return name


class Experiment:
    """A named group of runs; created in the workspace on first use.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> ws = Workspace("demo", store=f"sqlite:///{folder}/runwatch.db")
    >>> exp = Experiment(ws, "mnist")
    >>> with exp.start_logging() as run:
    ...     run.log("accuracy", 0.9)
    >>> [r.get_status() for r in exp.get_runs()]
    ['Completed']
    """

    def __init__(self, workspace: Workspace, name: str) -> None:
        if not isinstance(workspace, Workspace):
            raise ValidationError(
                f"workspace {short_repr(workspace)} is a {type(workspace).__name__}; "
                "expected a runwatch.Workspace"
            )
        self.workspace = workspace
        self.name = check_experiment_name(name)
        self.id = workspace.store.get_or_create_experiment(self.name).id

    @classmethod
    def list(cls, workspace: Workspace) -> builtins.list[Experiment]:
        return list(workspace.experiments.values())

    def start_logging(
        self,
        *args: Any,
        snapshot_directory: str | os.PathLike[str] | None = None,
        outputs: str | os.PathLike[str] | None = None,
        display_name: str | None = None,
        **kwargs: Any,
    ) -> Run:
        """Start an interactive run (status Running) that this process owns.

        `outputs` (default `./outputs`) is uploaded into the run's files when
        it ends. `snapshot_directory` is recorded as a property. Use it as a
        context manager to complete the run, or fail it on an exception.
        """
        from runwatch.tracking._run import Run

        if args or kwargs:
            unknown = [short_repr(a) for a in args] + sorted(kwargs)
            raise ValidationError(
                f"start_logging() got unexpected arguments {unknown}; expected "
                "snapshot_directory=, outputs= or display_name="
            )
        properties = {}
        if snapshot_directory is not None:
            properties["snapshotDirectory"] = str(Path(snapshot_directory).resolve())
        return Run._start(
            self,
            run_type=RunType.INTERACTIVE,
            display_name=display_name,
            outputs=outputs,
            properties=properties,
        )

    def submit(self, config: Any, tags: Mapping[str, Any] | None = None, **kwargs: Any) -> Run:
        """Queue a `ScriptRunConfig` or a `HyperDriveConfig`; returns the run at once.

        The workspace's local agent starts it when a slot is free and keeps it
        going after this process exits. As in Azure ML, the config knows how
        it is submitted: its `_submit(experiment, tags, **kwargs)` queues it.
        """
        submit = getattr(config, "_submit", None)
        if not callable(submit):
            raise ValidationError(
                f"submit() got {short_repr(config)} of type {type(config).__name__}; expected "
                "a runwatch.ScriptRunConfig or runwatch.hyperdrive.HyperDriveConfig"
            )
        run: Run = submit(self, tags, **kwargs)
        return run

    def get_runs(
        self,
        type: str | None = None,
        tags: str | Sequence[str] | Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
        include_children: bool = False,
    ) -> Iterator[Run]:
        """Runs of this experiment, newest first, filtered by type, tags and properties.

        `tags` may be a key (the run has it), a list of keys (it has all of
        them) or a dict (each key has that value; None matches any value).
        """
        from runwatch.tracking._run import Run

        wanted_tags = tag_filter(tags)
        for info in self.workspace.store.list_runs(self.name, include_children=include_children):
            if type is not None and info.run_type != type:
                continue
            if not matches(info.tags, wanted_tags) or not matches(
                info.properties, properties or {}
            ):
                continue
            yield Run._from_info(self, info)

    def get_run_summaries(
        self, metrics: Sequence[str] | None = None, *, include_children: bool = False
    ) -> builtins.list[RunSummary]:
        """Every run, newest first, with the latest value of `metrics` (all if None),
        read in one query."""
        return self.workspace.store.list_run_summaries(
            self.name,
            list(metrics) if metrics is not None else None,
            include_children=include_children,
        )

    def get_runs_frame(
        self,
        *,
        parent: Run | str | None = None,
        status: str | Sequence[str] | None = None,
        tags: str | Sequence[str] | Mapping[str, Any] | None = None,
        include_children: bool = False,
    ) -> Any:
        """The runs as a pandas DataFrame (needs pandas), one row per run, by number,
        read in a few queries whatever the number of runs.

        Columns: `id`, `number`, `status`, `display_name`, `created_time`,
        `start_time`, `end_time` (UTC Timestamps), `duration` (seconds), then each
        tag, property and metric (a scalar metric's latest value) by its name; a
        name shared by a tag, a property or a metric (or a run column) is
        prefixed with its group in each: `tag:alpha`, `property:alpha`,
        `metric:alpha`. Non-scalar properties are their JSON text.

        The runs are the experiment's top-level runs (with `include_children`,
        every run, plus a `parent_id` column), or the direct children of
        `parent` (a `Run` or run id: a sweep's trials). `status` keeps runs with
        that status (or any of a list); `tags` as in `get_runs`.

        >>> import tempfile
        >>> ws = Workspace("demo", store=f"sqlite:///{tempfile.mkdtemp()}/runwatch.db")
        >>> exp = Experiment(ws, "sweep")
        >>> for alpha in (0.1, 0.5):
        ...     with exp.start_logging() as run:
        ...         run.add_properties({"alpha": alpha})
        ...         run.log("mse", alpha * 2)
        >>> exp.get_runs_frame()[["number", "status", "alpha", "mse"]]
           number     status  alpha  mse
        0       1  Completed    0.1  0.2
        1       2  Completed    0.5  1.0
        """
        from runwatch.tracking import _csv_export as _export

        query = self._table_query(parent, status, tags, include_children)
        return _export.data_frame(
            self.workspace.store.runs_table(query), time.time(), with_parent=include_children
        )

    def export_runs_csv(
        self,
        path: str | os.PathLike[str],
        *,
        parent: Run | str | None = None,
        status: str | Sequence[str] | None = None,
        tags: str | Sequence[str] | Mapping[str, Any] | None = None,
        include_children: bool = False,
    ) -> Path:
        """Write the runs table of `get_runs_frame` (same columns and filters) to a CSV
        file at `path` (UTF-8; times as ISO 8601 UTC); pandas is not needed.
        Returns the path."""
        from runwatch.tracking import _csv_export as _export

        query = self._table_query(parent, status, tags, include_children)
        table = self.workspace.store.runs_table(query)
        target = Path(path)
        with target.open("w", encoding="utf-8", newline="") as out:
            for chunk in _export.csv_chunks(table, time.time()):
                out.write(chunk)
        return target

    def _table_query(
        self,
        parent: Run | str | None,
        status: str | Sequence[str] | None,
        tags: str | Sequence[str] | Mapping[str, Any] | None,
        include_children: bool,
    ) -> TableQuery:
        statuses = (status,) if isinstance(status, str) else tuple(status or ())
        wanted = [
            (key, None if value is None else str(value)) for key, value in tag_filter(tags).items()
        ]
        parent_id = parent if isinstance(parent, str) or parent is None else parent.id
        if parent_id is not None:
            found = self.workspace.store.get_run(parent_id)  # RunNotFoundError if unknown
            if found.experiment != self.name:
                raise ValidationError(
                    f"run {parent_id!r} is in experiment {found.experiment!r}, not {self.name!r}"
                )
        return TableQuery(
            experiment=self.name,
            parent_id=parent_id,
            statuses=statuses,
            tags=tuple(wanted),
            sort="number",
            descending=False,
            limit=None,
            include_children=include_children,
        )

    def _repr_html_(self) -> str:
        runs = self.workspace.store.list_runs(self.name)
        counts: dict[str, int] = {}
        for info in runs:
            counts[info.status] = counts.get(info.status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no runs"
        from runwatch.core import _html

        return _html.experiment_table(self.name, self.workspace.name, summary, runs[:10])

    def __repr__(self) -> str:
        return f"Experiment(name={self.name!r}, workspace={self.workspace.name!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Experiment)
            and other.name == self.name
            and other.workspace == self.workspace
        )

    def __hash__(self) -> int:
        return hash((self.name, self.workspace.store_url))
