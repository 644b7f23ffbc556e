"""Runs: identity, lifecycle and children.

Logging lives in `_metrics.MetricsMixin`, files in `_files.FilesMixin`, tags and
properties in `_tags.TagsMixin`, details and waiting in `_details.DetailsMixin`.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from runwatch.core import _values
from runwatch.core._records import RunInfo, RunStatus, RunType
from runwatch.core._values import short_repr
from runwatch.errors import RunNotFoundError, RunStateError, ValidationError
from runwatch.tracking import _liveness
from runwatch.tracking._details import DetailsMixin
from runwatch.tracking._experiment import Experiment
from runwatch.tracking._files import OUTPUTS, FilesMixin
from runwatch.tracking._filters import matches, tag_filter
from runwatch.tracking._liveness import this_process
from runwatch.tracking._metrics import MetricsMixin, not_running_message
from runwatch.tracking._tags import TagsMixin
from runwatch.tracking._workspace import Workspace
from runwatch.tracking._writer import format_error, writer

if TYPE_CHECKING:
    from runwatch.tracking._environments import Environment
    from runwatch.tracking._models import Model


class Run(MetricsMixin, FilesMixin, TagsMixin, DetailsMixin):
    """One run of an experiment: what it logged, its files, its status and children.

    `Run(experiment, run_id)` re-opens an existing run from any process.
    """

    def __new__(
        cls,
        experiment: Experiment | None = None,
        run_id: str | None = None,
        *,
        _info: RunInfo | None = None,
        **_: Any,
    ) -> Run:
        """`Run(experiment, run_id)` of a run type registered with `constructor=True`
        gives its class (as `Run.get` does); any other run is a `Run`."""
        kind, info = cls, None
        if cls is Run and CONSTRUCTED and isinstance(experiment, Experiment) and run_id:
            with contextlib.suppress(Exception):  # __init__ reports a bad id its own way
                info = _info if _info is not None else experiment.workspace.store.get_run(run_id)
                if info.run_type in CONSTRUCTED:
                    kind = RUN_CLASSES[info.run_type]
        run = super().__new__(kind)
        run.__dict__["_looked_up"] = info  # so that __init__ does not read it again
        return run

    def __init__(
        self,
        experiment: Experiment,
        run_id: str,
        *,
        _info: RunInfo | None = None,
        _fresh: bool = False,
        _outputs: Path | None = None,
    ) -> None:
        if not isinstance(experiment, Experiment):
            raise ValidationError(
                f"experiment {short_repr(experiment)} is a {type(experiment).__name__}; "
                "expected a runwatch.Experiment"
            )
        if not isinstance(run_id, str) or not run_id:
            raise ValidationError(f"run id {short_repr(run_id)} must be a non-empty str")
        looked_up: RunInfo | None = self.__dict__.pop("_looked_up", None)
        if _info is not None:
            info = _info
        elif looked_up is not None and looked_up.id == run_id:
            info = looked_up
        else:
            info = experiment.workspace.store.get_run(run_id)
        if info.experiment != experiment.name:
            raise RunNotFoundError(
                f"run {run_id!r} is not in experiment {experiment.name!r} "
                f"(it is in {info.experiment!r})"
            )
        self.experiment = experiment
        self._ws = experiment.workspace
        self._info = info
        self._status = info.status
        self._finished = info.is_final
        self._buffer = None
        self._fresh = _fresh
        self._outputs = _outputs

    # --- construction ---------------------------------------------------------------
    @classmethod
    def _from_info(cls, experiment: Experiment, info: RunInfo) -> Run:
        kind = RUN_CLASSES.get(info.run_type, cls) if cls is Run else cls
        return kind(experiment, info.id, _info=info)

    @classmethod
    def _start(cls, experiment: Experiment, **options: Any) -> Run:
        """One new run that this process owns (see `_create`)."""
        return cls._create(experiment, **options)[0]

    @classmethod
    def _create(
        cls,
        experiment: Experiment,
        *,
        run_type: str,
        parent: Run | None = None,
        display_name: str | None = None,
        outputs: str | os.PathLike[str] | None = None,
        properties: Mapping[str, Any] | None = None,
        count: int = 1,
        status: str = RunStatus.RUNNING,
    ) -> list[Run]:
        """Create runs that this process owns: it beats their heartbeat and ends them
        at exit if they are left open."""
        display_name = _display_name(display_name)
        infos = experiment.workspace.store.create_runs(
            experiment.name,
            count=count,
            parent_id=parent.id if parent is not None else None,
            run_type=run_type,
            status=status,
            display_name=display_name,
            properties=properties,
            owner=this_process(),
        )
        folder = Path(outputs if outputs is not None else OUTPUTS).resolve()
        runs = [
            cls(experiment, info.id, _info=info, _fresh=True, _outputs=folder) for info in infos
        ]
        for run in runs:
            writer().own(run.id, experiment.workspace.store, run._end_at_exit)
        return runs

    @classmethod
    def get(cls, workspace: Workspace, run_id: str) -> Run:
        """Re-open the run `run_id` of `workspace`."""
        info = workspace.store.get_run(run_id)
        return cls._from_info(Experiment(workspace, info.experiment), info)

    @classmethod
    def get_context(cls, allow_offline: bool = True, **kwargs: Any) -> Run:
        """The submitted run inside a submitted script; elsewhere a real local run.

        Outside a submitted script the run is stored in the workspace found by
        `Workspace.from_config()`, in an experiment named after the script or
        notebook, and ends when the process exits.
        """
        from runwatch.tracking._context import context_run

        return context_run(allow_offline)

    # --- identity ----------------------------------------------------------------------
    @property
    def id(self) -> str:  # type: ignore[override]
        return self._info.id

    @property
    def number(self) -> int:
        return self._info.number

    @property
    def type(self) -> str:
        return self._info.run_type

    @property
    def display_name(self) -> str | None:
        return self._info.display_name

    @display_name.setter
    def display_name(self, name: str | None) -> None:
        self._info = self._ws.store.set_display_name(self.id, _display_name(name))

    name = display_name

    @property
    def status(self) -> str:
        return self.get_status()

    @property
    def parent(self) -> Run | None:
        if self._info.parent_id is None:
            return None
        return Run(self.experiment, self._info.parent_id)

    @property
    def workspace(self) -> Workspace:
        return self._ws

    @property
    def info(self) -> RunInfo:
        """The run as last read from the store."""
        return self._info

    def _refresh(self) -> RunInfo:
        self._info = _liveness.check(self._ws.store, self._ws.store.get_run(self.id))
        self._status = self._info.status
        self._finished = self._info.is_final
        return self._info

    # --- status ----------------------------------------------------------------------------
    def get_status(self) -> str:
        """The current status, read from the store."""
        return self._refresh().status

    def _check_can_log(self, name: object) -> None:
        """Called by logging calls when the run is not plainly Running."""
        if self._finished:
            raise not_running_message(self.id, self._status, name)
        if self._status in (RunStatus.NOT_STARTED, RunStatus.QUEUED, RunStatus.PREPARING):
            self.start()

    def start(self) -> None:
        """Mark a NotStarted/Queued/Preparing run as Running."""
        self._set_status(RunStatus.RUNNING)

    def flush(self) -> None:
        """Write everything logged so far durably to the store."""
        if self._buffer is not None:
            self._buffer.flush()

    def complete(self, _set_status: bool = True) -> None:
        """Collect outputs, flush, and mark the run Completed."""
        self._finish(RunStatus.COMPLETED, None)

    def fail(
        self,
        error_details: str | BaseException | Mapping[str, Any] | None = None,
        error_code: str | None = None,
        _set_status: bool = True,
    ) -> None:
        """Flush and mark the run Failed, recording `error_details` as its error."""
        self._finish(RunStatus.FAILED, _error(error_details, error_code))

    def cancel(self) -> None:
        """Cancel the run and its unfinished children (a finished run is left as is).

        A submitted run that has not started is Canceled at once; a started one
        is stopped by the agent running it (SIGTERM, then SIGKILL).
        """
        current = self.get_status()
        if RunStatus.is_final(current):
            print(
                f"runwatch: run {self.id} is already {current}; nothing to cancel", file=sys.stderr
            )
            return
        if self._ws.store.get_definition(self.id) is not None:
            self._info = self._ws.store.request_cancel(self.id)
            self._status, self._finished = self._info.status, self._info.is_final
            return
        self._cancel_below()
        self._finish(RunStatus.CANCELED, None)

    def _cancel_below(self) -> None:
        """Cancel the unfinished runs below this one, deepest first, with no recursion.

        A finished run keeps its status, and so does everything under it; a submitted
        run is asked to stop, and its agent ends what is under it.
        """
        left_alone: set[str] = set()
        to_end: list[Run] = []
        for child in self.get_children(recursive=True):
            if child._finished or child._info.parent_id in left_alone:
                left_alone.add(child.id)
            elif self._ws.store.get_definition(child.id) is not None:
                child._info = self._ws.store.request_cancel(child.id)
                left_alone.add(child.id)
            else:
                to_end.append(child)
        for child in reversed(to_end):
            with contextlib.suppress(RunStateError):  # it ended meanwhile
                child._finish(RunStatus.CANCELED, None)

    def _finish(self, status: str, error: Mapping[str, Any] | None) -> None:
        current = self.get_status()
        if RunStatus.is_final(current):
            if current == status:
                return
            raise RunStateError(f"run {self.id!r} is already {current}; it cannot become {status}")
        refused: ValidationError | None = None
        try:
            self._collect_outputs()
        finally:
            if self._buffer is None:
                self._set_status(status, error)
            else:  # the last points and the status: one transaction
                info, refused = self._buffer.finish(status, error)
                self._take_info(info)
        self._release()
        if refused is not None:
            raise refused

    def _set_status(self, status: str, error: Mapping[str, Any] | None = None) -> None:
        self._take_info(self._ws.store.set_status(self.id, status, error=error))

    def _take_info(self, info: RunInfo) -> None:
        """Take `info` as the run's record after a change of status."""
        self._info = info
        self._status = info.status
        self._finished = info.is_final

    def _release(self) -> None:
        writer().disown(self.id)
        if self._buffer is not None:
            writer().remove(self._buffer)

    def _end_at_exit(self, uncaught: BaseException | None) -> None:
        if self._finished:
            return
        if uncaught is not None:
            self._finish(RunStatus.FAILED, format_error(uncaught))
        else:
            self._finish(RunStatus.COMPLETED, None)

    def get_environment(self) -> Environment:
        """The environment a submitted run was built with (for a sweep: its trials')."""
        from runwatch.tracking._environments import environment_of_definition

        definition = self._ws.store.get_definition(self.id)
        script = (definition or {}).get("trial", definition or {})
        if not script.get("environment"):
            raise RunStateError(
                f"run {self.id!r} was not submitted with a ScriptRunConfig (it was logged "
                "from a notebook or script), so it has no environment"
            )
        return environment_of_definition(script["environment"])

    def get_snapshot_id(self) -> str | None:
        """The id of the run's source snapshot (taken by `submit` or `take_snapshot`)."""
        snapshot_id = self.get_properties().get("snapshotId")
        return str(snapshot_id) if snapshot_id else None

    def take_snapshot(self, file_or_folder_path: str | os.PathLike[str]) -> str:
        """Keep the source of a run logged from a notebook, as `submit` does for a
        script (the same ignore files apply); return the snapshot id. A run has at
        most one snapshot."""
        import shutil
        import tempfile

        from runwatch.artifacts import _snapshots as _snapshot

        existing = self.get_snapshot_id()
        if existing is not None:
            raise RunStateError(f"run {self.id!r} has a snapshot already: {existing}")
        source = Path(file_or_folder_path)
        if source.is_file():
            with tempfile.TemporaryDirectory(prefix="runwatch-snapshot-") as folder:
                shutil.copy2(source, Path(folder) / source.name)
                snapshot_id = _snapshot.take(Path(folder), self._ws.artifacts)
        else:
            snapshot_id = _snapshot.take(source, self._ws.artifacts)  # checks it is a folder
        self.add_properties({"snapshotId": snapshot_id})
        return snapshot_id

    def restore_snapshot(
        self, snapshot_id: str | None = None, path: str | os.PathLike[str] | None = None
    ) -> str:
        """Write a snapshot (the run's by default) as `<snapshot id>.zip` into folder
        `path` (default: the temporary folder) and return the zip's path, as Azure does.
        `zipfile.ZipFile(path).extractall(folder)` unpacks it."""
        import tempfile

        from runwatch.artifacts import _snapshots as _snapshot

        if snapshot_id is None:
            snapshot_id = self.get_snapshot_id()
            if snapshot_id is None:
                raise RunStateError(
                    f"run {self.id!r} has no snapshot (it was not submitted, and "
                    "take_snapshot was not called)"
                )
        _snapshot.check_id(snapshot_id, self._ws.artifacts)
        folder = Path(path) if path is not None else Path(tempfile.gettempdir())
        return str(_snapshot.save_zip(snapshot_id, self._ws.artifacts, folder))

    def register_model(
        self,
        model_name: str,
        model_path: str | None = None,
        tags: Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
        model_framework: str | None = None,
        model_framework_version: str | None = None,
        description: str | None = None,
        datasets: Any = None,
        sample_input_dataset: Any = None,
        sample_output_dataset: Any = None,
        resource_configuration: Any = None,
        **kwargs: Any,
    ) -> Model:
        """Register the run's file or folder `model_path` (default: `model_name`), such as
        'outputs/model.pkl' or 'outputs/', as the next version of model `model_name`.

        Datasets and resource configurations are cloud-only and ignored.
        """
        from runwatch.tracking._models import register_from_run  # _models builds on Run

        return register_from_run(
            self,
            model_name,
            model_path,
            tags,
            properties,
            model_framework,
            model_framework_version,
            description,
        )

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        kind: builtins.type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.get_status() in RunStatus.FINAL:
            return
        if error is None:
            self.complete()
        else:
            self.fail(error)

    # --- children --------------------------------------------------------------------
    def child_run(
        self, name: str | None = None, run_id: str | None = None, outputs: str | None = None
    ) -> Run:
        """Start a child run (Running), owned by this process."""
        if run_id is not None:
            raise ValidationError(
                f"child_run(run_id={run_id!r}): runwatch names child runs itself "
                f"('{self.id}_<n>'); pass name= for a display name"
            )
        return Run._start(
            self.experiment, run_type=RunType.CHILD, parent=self, display_name=name, outputs=outputs
        )

    def create_children(
        self,
        count: int | None = None,
        tag_key: str | None = None,
        tag_values: Iterable[Any] | None = None,
    ) -> list[Run]:
        """Create `count` children (NotStarted; they start when they log), in one go.

        With `tag_key` and `tag_values`, one child per value, tagged with it.
        """
        values = list(tag_values) if tag_values is not None else None
        if values is not None:
            if tag_key is None:
                raise ValidationError("create_children: tag_values needs a tag_key")
            count = len(values) if count is None else count
            if count != len(values):
                raise ValidationError(
                    f"create_children: count={count} but {len(values)} tag_values; "
                    "expected one value per child"
                )
        if type(count) is not int or count < 1:
            raise ValidationError(f"create_children: count {short_repr(count)} must be an int >= 1")
        children = Run._create(
            self.experiment,
            run_type=RunType.CHILD,
            parent=self,
            count=count,
            status=RunStatus.NOT_STARTED,
        )
        if values is not None and tag_key is not None:
            for child, value in zip(children, values, strict=True):
                child.tag(tag_key, value)
        return children

    def get_children(
        self,
        recursive: bool = False,
        tags: Mapping[str, Any] | str | None = None,
        properties: Mapping[str, Any] | None = None,
        type: str | None = None,
        status: str | None = None,
    ) -> Iterator[Run]:
        """Children in creation order; with `recursive`, every run below at any depth,
        each child followed by its own descendants (read in one query)."""
        wanted_tags = tag_filter(tags)
        store = self._ws.store
        for info in store.get_descendants(self.id) if recursive else store.get_children(self.id):
            if (
                (type is None or info.run_type == type)
                and (status is None or info.status == status)
                and matches(info.tags, wanted_tags)
                and matches(info.properties, properties or {})
            ):
                yield Run._from_info(self.experiment, info)

    def __repr__(self) -> str:
        return (
            f"Run(experiment={self.experiment.name!r}, id={self.id!r}, "
            f"number={self.number}, status={self._status!r})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Run) and other.id == self.id and other._ws == self._ws

    def __hash__(self) -> int:
        return hash((self.id, self._ws.store_url))


#: Classes for run types whose runs have more methods than `Run` (a sweep's
#: `HyperDriveRun`), by stored run type. The package defining such a class
#: registers it with `register_run_class`, so this module needs no import of it.
RUN_CLASSES: dict[str, type[Run]] = {}
#: Run types whose class `Run(experiment, run_id)` itself returns (an AutoML search's).
CONSTRUCTED: set[str] = set()


def register_run_class(run_type: str, cls: type[Run], *, constructor: bool = False) -> None:
    """Open runs of `run_type` as `cls` (`Run.get`, `get_runs`, `get_children`...);
    with `constructor`, `Run(experiment, run_id)` of such a run gives a `cls` too."""
    RUN_CLASSES[run_type] = cls
    if constructor:
        CONSTRUCTED.add(run_type)


def _display_name(name: object) -> str | None:
    if name is None:
        return None
    if not isinstance(name, str):
        raise ValidationError(f"display name {short_repr(name)} must be a str or None")
    if "\x00" in name:
        raise ValidationError(f"display name {short_repr(name)} contains a NUL character")
    return _values.check_text(name, "display name")


def _error(
    details: str | BaseException | Mapping[str, Any] | None, code: str | None
) -> dict[str, Any]:
    if isinstance(details, BaseException):
        error = format_error(details)
    elif isinstance(details, Mapping):
        error = {str(k): v for k, v in details.items()}
        error.setdefault("message", str(details))
    elif details is None:
        error = {"message": "the run was marked as failed"}
    else:
        error = {"message": str(details)}
    error.setdefault("code", "UserError")
    if code is not None:
        error["code"] = code
    return error
