"""The interface every run store implements (SQLite now, PostgreSQL next).

The API layer (`Run`, `Experiment`, the views) talks only to this interface,
so nothing backend-specific leaks above it. Every method is one transaction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from runwatch.core._queries import RunPageResult, RunQuery, RunsTable, TableQuery
from runwatch.core._records import (
    AssetInfo,
    ExperimentInfo,
    ExperimentStats,
    FileInfo,
    MetricBatch,
    MetricInfo,
    MetricPoints,
    RunChanges,
    RunExport,
    RunInfo,
    RunSummary,
)


class RunStore(ABC):
    """Runs, their metrics and their file index, for one workspace."""

    url: str
    #: True when the store was opened for browsing only: every write raises `StoreError`.
    read_only: bool = False

    # experiments -----------------------------------------------------------
    @abstractmethod
    def get_or_create_experiment(self, name: str) -> ExperimentInfo: ...

    @abstractmethod
    def get_experiment(self, name: str) -> ExperimentInfo | None: ...

    @abstractmethod
    def list_experiments(self) -> list[ExperimentInfo]: ...

    @abstractmethod
    def list_experiment_stats(self) -> list[ExperimentStats]:
        """Every experiment by name, with counts over its top-level runs, in one query."""

    # runs --------------------------------------------------------------------
    @abstractmethod
    def create_runs(
        self,
        experiment: str,
        *,
        count: int = 1,
        parent_id: str | None = None,
        run_type: str,
        status: str,
        display_name: str | None = None,
        tags: Mapping[str, str] | None = None,
        properties: Mapping[str, Any] | None = None,
        definition: Mapping[str, Any] | None = None,
        compute_target: str | None = None,
        owner: tuple[int, str] | None = None,
    ) -> list[RunInfo]:
        """Create `count` runs, numbered in order within the experiment.

        `definition` describes what to execute for a submitted run (read back
        with `get_definition`); `compute_target` names the queue it waits in;
        `owner` is the (pid, host) of the process that keeps it alive.
        """

    @abstractmethod
    def get_run(self, run_id: str) -> RunInfo:
        """The run; `RunNotFoundError` if there is none with this id."""

    @abstractmethod
    def list_runs(self, experiment: str, *, include_children: bool = False) -> list[RunInfo]:
        """Runs of an experiment, newest first."""

    @abstractmethod
    def get_children(self, run_id: str) -> list[RunInfo]:
        """Direct children in the order they were created."""

    @abstractmethod
    def get_descendants(self, run_id: str) -> list[RunInfo]:
        """Every run below `run_id` at any depth, depth first: each child (in creation
        order) followed by its own descendants; one snapshot."""

    @abstractmethod
    def query_runs(self, query: RunQuery) -> RunPageResult:
        """One page of filtered, sorted runs with their counts, from one snapshot.

        An unknown experiment or parent gives an empty page.
        """

    @abstractmethod
    def runs_table(self, query: TableQuery, columns: Sequence[str] | None = None) -> RunsTable:
        """The dashboard's runs table: filtered, sorted, paged rows with every tag,
        property and latest scalar metric value, the columns and counts, from one
        snapshot in a few statements whatever the number of runs.

        `columns` limits the columns and row values to those keys (a chart's axes);
        None gives all. A sort or column key that no run of the scope has raises
        `ValidationError`; an unknown experiment or parent gives an empty table.
        """

    @abstractmethod
    def read_metric_of_runs(
        self, run_ids: Sequence[str], name: str
    ) -> list[tuple[RunInfo, MetricInfo | None, MetricPoints]]:
        """Each run (in the order given) with all points (steps, values) of its metric
        `name`, None and no points if it has not logged it; one snapshot, a few
        statements for any number of runs. `RunNotFoundError` for an unknown id."""

    @abstractmethod
    def set_status(
        self, run_id: str, status: str, *, error: Mapping[str, Any] | None = None
    ) -> RunInfo:
        """Move the run to `status`; `RunStateError` if it is already final (and different)."""

    @abstractmethod
    def heartbeat(self, run_ids: Sequence[str]) -> None: ...

    @abstractmethod
    def get_definition(self, run_id: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def claim_queued(
        self, compute_target: str, slots: int, owner: tuple[int, str]
    ) -> RunInfo | None:
        """Move the oldest Queued run of `compute_target` to Preparing, owned by
        `owner`, if fewer than `slots` of its runs are active; else None."""

    @abstractmethod
    def list_active(self, compute_target: str | None = None) -> list[RunInfo]:
        """Runs that are not final and not NotStarted (of one target, or all)."""

    @abstractmethod
    def request_cancel(self, run_id: str) -> RunInfo:
        """Cancel a run that has not started; flag a started one for its owner to stop."""

    @abstractmethod
    def mark_not_responding(self, run_id: str, silent_since: float) -> RunInfo:
        """Mark an active run NotResponding if its last heartbeat is before `silent_since`."""

    @abstractmethod
    def set_owner(self, run_id: str, owner: tuple[int, str] | None) -> RunInfo: ...

    @abstractmethod
    def update_tags(
        self, run_id: str, set_tags: Mapping[str, str | None], remove: Iterable[str] = ()
    ) -> RunInfo: ...

    @abstractmethod
    def add_properties(self, run_id: str, properties: Mapping[str, Any]) -> RunInfo:
        """Add properties; `ValidationError` if a key exists with another value."""

    @abstractmethod
    def set_display_name(self, run_id: str, name: str | None) -> RunInfo: ...

    # metrics -----------------------------------------------------------------
    @abstractmethod
    def get_metric(self, run_id: str, name: str) -> MetricInfo | None: ...

    @abstractmethod
    def list_metrics(self, run_id: str) -> list[MetricInfo]: ...

    @abstractmethod
    def append_metrics(self, run_id: str, batches: Sequence[MetricBatch]) -> str:
        """Append points to metrics of a run, all in one transaction; return the run's
        stored status (another process may have ended it)."""

    def finish_run(
        self,
        run_id: str,
        batches: Sequence[MetricBatch],
        status: str,
        *,
        error: Mapping[str, Any] | None = None,
    ) -> RunInfo:
        """Append a run's last points and set its final status, in one transaction where
        the store can (this default takes two). If another process ended the run with
        another status, the points are kept and RunStateError raised."""
        if batches:
            self.append_metrics(run_id, batches)
        return self.set_status(run_id, status, error=error)

    @abstractmethod
    def read_metrics(
        self, run_id: str, names: Sequence[str] | None = None, *, with_steps: bool = True
    ) -> dict[str, tuple[MetricInfo, MetricPoints]]:
        """All points of the run's metrics (or of `names`), in logging order."""

    @abstractmethod
    def list_run_summaries(
        self,
        experiment: str,
        metrics: Sequence[str] | None = None,
        *,
        include_children: bool = False,
    ) -> list[RunSummary]:
        """Runs newest first with the latest value of `metrics` (all metrics if None)."""

    @abstractmethod
    def list_child_summaries(self, parent_id: str, since: int = 0) -> list[RunSummary]:
        """Direct children changed after cursor `since`, with the latest value of every metric."""

    # files -------------------------------------------------------------------
    @abstractmethod
    def add_file(self, run_id: str, name: str, size: int, *, overwrite: bool = False) -> FileInfo:
        """Record an uploaded file; `ValidationError` if the name exists and not `overwrite`."""

    @abstractmethod
    def get_file(self, run_id: str, name: str) -> FileInfo | None: ...

    @abstractmethod
    def list_files(self, run_id: str) -> list[FileInfo]: ...

    # registered assets: models, environments ----------------------------------
    @abstractmethod
    def register_asset(
        self,
        kind: str,
        name: str,
        document: Mapping[str, Any],
        *,
        run_id: str | None = None,
        experiment: str | None = None,
        description: str = "",
        tags: Mapping[str, str] | None = None,
        properties: Mapping[str, Any] | None = None,
    ) -> AssetInfo:
        """Register the next version of the `kind` asset `name` (1 for a new name)."""

    @abstractmethod
    def get_asset(self, kind: str, name: str, version: int | None = None) -> AssetInfo:
        """One version (the latest when `version` is None); `AssetNotFoundError` if none."""

    @abstractmethod
    def list_assets(self, kind: str, name: str | None = None) -> list[AssetInfo]:
        """Every version of every `kind` asset (or of `name`), by name then version."""

    @abstractmethod
    def update_asset(
        self,
        kind: str,
        name: str,
        version: int,
        *,
        description: str | None = None,
        set_tags: Mapping[str, str] | None = None,
        remove_tags: Iterable[str] = (),
        add_properties: Mapping[str, Any] | None = None,
    ) -> AssetInfo:
        """Change the description and tags of one version, or add properties."""

    @abstractmethod
    def delete_asset(self, kind: str, name: str, version: int) -> None:
        """Forget one version; the numbers of the others stay."""

    # copying between stores ----------------------------------------------------
    @abstractmethod
    def export_run(self, run_id: str, *, with_chunks: bool = True) -> RunExport:
        """The run's record, definition, metrics, files (and packed chunks), one snapshot."""

    @abstractmethod
    def import_run(self, run: RunExport) -> RunInfo:
        """Write a run exported from another store, keeping its id, times and status.

        A new run keeps its number if that is free in its experiment, else it
        gets the next free one; its parent must be here already. A run that is
        here already has its record, metrics and file rows replaced by the
        export's (its number stays). One transaction.
        """

    @abstractmethod
    def import_asset(self, asset: AssetInfo) -> AssetInfo:
        """Write an asset version exported from another store, keeping its created time.

        It keeps its version number if that is free here for its kind and name,
        else it gets the next one.
        """

    # polling -----------------------------------------------------------------
    @abstractmethod
    def current_seq(self) -> int:
        """The store-wide change counter now: every change after this exceeds it."""

    @abstractmethod
    def changes_since(self, run_id: str, cursor: int = 0) -> RunChanges:
        """What changed in the run and its direct children after `cursor`.

        With nothing new this costs two indexed look-ups. Pass the returned
        `cursor` next time.
        """

    def is_current(self) -> bool:
        """False when the storage behind this store went away under it (a SQLite file
        deleted or replaced): `open_store` then opens the URL anew."""
        return True

    @abstractmethod
    def close(self) -> None: ...
