"""Copying runs from one workspace into another (`runwatch copy`, `runwatch.copy_runs`).

The use: runs made offline on a laptop (SQLite and a local folder) join a
shared workspace (PostgreSQL and a shared artifact root). A run keeps its id,
experiment, parent, status, times, error, tags, properties, definition, every
metric point (moved as the stores' packed chunks, never unpacked) and its
files, images and logs (streamed in 1 MiB blocks), and the models registered
from it (see `_copy_models`). Parents go before their children. A run keeps
its number when that is free in the target experiment, else it gets the next
free one: ids, not numbers, say which run is which.

Copying again is safe: a run whose record, metric counts and file list are
the same on both sides is left alone (nothing is written), and one that
changed in the source (a later status, more points, new files) has its target
rows replaced by the source's, in one transaction, after its new bytes are in
place. Runs still active are copied as they are and listed in the report.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO, cast

from runwatch.artifacts._snapshots import SNAPSHOTS
from runwatch.artifacts._store import FILES, MEDIA, ArtifactStore, image_location
from runwatch.core import _codec
from runwatch.core._records import MetricKind, RunExport, RunInfo
from runwatch.errors import ConfigError, RunNotFoundError, ValidationError
from runwatch.store import scheme_of
from runwatch.tracking._workspace import Workspace, _find_config

NEW, UPDATE, UNCHANGED = "copied", "updated", "unchanged"


@dataclass
class CopyReport:
    """What `copy_runs` did (or, with `dry_run`, would do)."""

    source: str
    target: str
    dry_run: bool = False
    #: experiment -> {"copied": n, "updated": n, "unchanged": n}
    experiments: dict[str, dict[str, int]] = field(default_factory=dict)
    #: (run id, action) for every run, parents first
    runs: list[tuple[str, str]] = field(default_factory=list)
    #: (run id, status) of runs copied while still active
    active: list[tuple[str, str]] = field(default_factory=list)
    #: (run id, number in the source, number in the target) where the number was taken
    renumbered: list[tuple[str, int, int]] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    warnings: list[str] = field(default_factory=list)
    #: (model id in the source, action) for every model version copied with the runs
    models: list[tuple[str, str]] = field(default_factory=list)
    #: (model id in the source, model id in the target) where the version was taken
    renumbered_models: list[tuple[str, str]] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(counts[action] for counts in self.experiments.values())

    def summary(self) -> str:
        verb = "would copy" if self.dry_run else "copied"
        lines = [f"runwatch copy: {self.source} -> {self.target}"]
        width = max([10, *(len(name) for name in self.experiments)])
        lines.append(f"  {'experiment':<{width}} {'copied':>7} {'updated':>8} {'unchanged':>10}")
        for name, c in sorted(self.experiments.items()):
            lines.append(f"  {name:<{width}} {c[NEW]:>7} {c[UPDATE]:>8} {c[UNCHANGED]:>10}")
        lines.append(
            f"{'dry run: ' if self.dry_run else ''}{_runs(self.count(NEW))} {verb}, "
            f"{self.count(UPDATE)} {'would be ' if self.dry_run else ''}updated, "
            f"{self.count(UNCHANGED)} unchanged; {self.files} file{'' if self.files == 1 else 's'} "
            f"({_size(self.bytes)}){' to copy' if self.dry_run else ''}"
        )
        if self.active:
            lines.append(
                f"{_runs(len(self.active))} active when copied (copy again later to bring "
                "them up to date):"
            )
            lines += [f"  {run_id} ({status})" for run_id, status in self.active]
        if self.renumbered:
            lines.append("numbers taken in the target, so these runs got the next free one:")
            lines += [f"  {run_id}: #{old} -> #{new}" for run_id, old, new in self.renumbered]
        if self.models:
            counts = [sum(1 for _, action in self.models if action == a) for a in (NEW, UPDATE)]
            lines.append(
                f"models: {counts[0]} {'to copy' if self.dry_run else 'copied'}, {counts[1]} "
                f"{'to update' if self.dry_run else 'updated'}, "
                f"{len(self.models) - sum(counts)} unchanged"
            )
        if self.renumbered_models:
            lines.append("versions taken in the target, so these models got the next one:")
            lines += [f"  {old} -> {new}" for old, new in self.renumbered_models]
        lines += [f"warning: {text}" for text in self.warnings]
        return "\n".join(lines)


def copy_runs(
    source: Workspace,
    target: Workspace,
    experiments: Sequence[str] | str | None = None,
    *,
    dry_run: bool = False,
    progress: bool = True,
) -> CopyReport:
    """Copy the runs of `experiments` (all if None) from `source` into `target`.

    Runs copied before and unchanged since are skipped; changed ones are
    brought up to date. `progress` draws a status line on stderr when it is a
    terminal. Returns a `CopyReport` (`print(report.summary())`).

    >>> import tempfile
    >>> from runwatch import Experiment, Run, Workspace, copy_runs
    >>> laptop, team = (Workspace(n, store=f"sqlite:///{tempfile.mkdtemp()}/runwatch.db")
    ...                 for n in ("laptop", "team"))
    >>> with Experiment(laptop, "train").start_logging() as run:
    ...     run.log("loss", 0.5)
    >>> copy_runs(laptop, team).count("copied"), copy_runs(laptop, team).count("unchanged")
    (1, 1)
    >>> Run.get(team, run.id).get_metrics()
    {'loss': 0.5}
    """
    if _same_store(source, target):
        raise ConfigError(
            f"the source and the target are the same store ({source.store.url}); "
            "copy between two different workspaces"
        )
    names = _experiment_names(source, experiments)
    report = CopyReport(source.store.url, target.store.url, dry_run)
    for name in names:
        report.experiments[name] = dict.fromkeys((NEW, UPDATE, UNCHANGED), 0)
    line = _StatusLine(sys.stderr if progress and sys.stderr.isatty() else None)
    try:
        plan = _plan(source, target, names, report, line)
        if not dry_run:
            todo = [(run, here) for run, here, action in plan if action != UNCHANGED]
            for done, (run, here) in enumerate(todo):
                line.show(f"copying runs {done}/{len(todo)}", report.bytes)
                _copy_run(source, target, run, here, report, line)
        from runwatch.tracking._copy_models import copy_models  # it builds on this module

        run_ids = {run.info.id for run, _, _ in plan}
        copy_models(source, target, run_ids, experiments is None, report, line)
    finally:
        line.close()
    return report


def open_workspace(spec: str, *, artifacts: str | None = None, role: str = "source") -> Workspace:
    """The workspace named on the command line: a folder, a config file, or a store URL.

    A store URL's artifacts are beside a SQLite file, or `artifacts` for other stores.
    """
    if "://" in spec and not spec.startswith("file://"):
        if scheme_of(spec) == "sqlite" and role == "source":
            from runwatch.store._sqlite import path_from_url

            if not path_from_url(spec).is_file():
                raise ConfigError(f"the source store {path_from_url(spec)} does not exist")
        try:
            return Workspace(role, spec, artifacts)
        except ConfigError as error:
            if artifacts is None and scheme_of(spec) != "sqlite":
                flag = "--from-artifacts" if role == "source" else "--to-artifacts"
                raise ConfigError(f"{error}; on the command line: {flag} URL") from None
            raise
    path = Path(spec).expanduser()
    if not path.exists():
        raise ConfigError(
            f"the {role} workspace {spec!r} does not exist; expected a folder or config file "
            "of a workspace, or a store URL"
        )
    config = path if path.is_file() else _find_config(path.resolve())
    if config is None:
        raise ConfigError(
            f"no runwatch workspace in {spec} or its parents (no .runwatch/config.json); "
            "give the folder of a workspace, its config file, or a store URL"
        )
    ws = Workspace.from_config(config)
    if artifacts is not None:
        ws = Workspace(ws.name, ws.store_url, artifacts, config_path=ws.config_path)
    return ws


# --- planning -------------------------------------------------------------------------------


def _same_store(a: Workspace, b: Workspace) -> bool:
    from runwatch.store._sqlite import SqliteStore

    if isinstance(a.store, SqliteStore) and isinstance(b.store, SqliteStore):
        return os.path.realpath(a.store.path) == os.path.realpath(b.store.path)
    return a.store.url == b.store.url


def _experiment_names(source: Workspace, wanted: Sequence[str] | str | None) -> list[str]:
    have = [info.name for info in source.store.list_experiments()]
    if wanted is None:
        return have
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    missing = [name for name in wanted if name not in have]
    if missing:
        raise ValidationError(
            f"no experiment named {', '.join(map(repr, missing))} in the source workspace "
            f"{source.store.url}; it has: {', '.join(have) if have else 'no experiments'}"
        )
    return list(dict.fromkeys(wanted))


def _plan(
    source: Workspace,
    target: Workspace,
    names: list[str],
    report: CopyReport,
    line: _StatusLine,
) -> list[tuple[RunExport, RunExport | None, str]]:
    """Every run, parents first, with its target copy (if any) and what to do with it."""
    infos = [info for name in names for info in source.store.list_runs(name, include_children=True)]
    plan = []
    for checked, info in enumerate(_parents_first(infos)):
        line.show(f"checking runs {checked}/{len(infos)}", 0)
        run = source.store.export_run(info.id, with_chunks=False)
        try:
            here: RunExport | None = target.store.export_run(info.id, with_chunks=False)
        except RunNotFoundError:
            here = None
        if here is None:
            action = NEW
        else:
            action = UNCHANGED if _fingerprint(run) == _fingerprint(here) else UPDATE
        plan.append((run, here, action))
        report.experiments[info.experiment][action] += 1
        report.runs.append((info.id, action))
        if action != UNCHANGED:
            if not info.is_final:
                report.active.append((info.id, info.status))
            changed = _files_to_copy(run, here)
            report.files += len(changed) if report.dry_run else 0
            report.bytes += sum(size for _, size in changed) if report.dry_run else 0
    return plan


def _parents_first(infos: list[RunInfo]) -> list[RunInfo]:
    by_id = {info.id: info for info in infos}

    def depth(info: RunInfo) -> int:
        levels = 0
        while info.parent_id in by_id:
            info, levels = by_id[info.parent_id], levels + 1
        return levels

    return sorted(infos, key=lambda info: (depth(info), info.experiment, info.number))


def _fingerprint(run: RunExport) -> tuple[Any, ...]:
    """What a copy must agree on with its source (not the heartbeat, owner or number)."""
    info = run.info
    return (
        (info.experiment, info.parent_id, info.run_type, info.display_name, info.status),
        (info.created_time, info.start_time, info.end_time),
        (info.error_json, info.tags_json, info.properties_json),
        _codec.dump_json(run.definition),
        [
            (m.name, m.kind, m.value_class, m.description, m.count, m.last_step)
            for m in sorted(run.metrics, key=lambda m: m.name)
        ],
        [(f.name, f.size, f.created_time) for f in run.files],
    )


def _files_to_copy(run: RunExport, here: RunExport | None) -> list[tuple[str, int]]:
    """(name, size) of the run's files whose bytes the target lacks or has in another version."""
    have = {(f.name, f.size, f.created_time) for f in here.files} if here else set()
    return [(f.name, f.size) for f in run.files if (f.name, f.size, f.created_time) not in have]


# --- copying --------------------------------------------------------------------------------


def _copy_run(
    source: Workspace,
    target: Workspace,
    planned: RunExport,
    here: RunExport | None,
    report: CopyReport,
    line: _StatusLine,
) -> None:
    run = source.store.export_run(planned.info.id)  # with its chunks, in one snapshot
    if source.artifacts_url != target.artifacts_url:  # else the bytes are in place already
        copy = _Copier(source.artifacts, target.artifacts, run.info.id, report, line)
        for name, _ in _files_to_copy(run, here):
            copy.file(FILES, name)
        for name in _media(run) - (_media_here(target, here) if here else set()):
            copy.file(MEDIA, name)
        for snapshot in _snapshots(run):
            copy.snapshot(snapshot)
    imported = target.store.import_run(run)
    if imported.number != run.info.number:
        report.renumbered.append((run.info.id, run.info.number, imported.number))


def _media(run: RunExport) -> set[str]:
    """Names of the logged images of a run (the values of its image metrics)."""
    images = {m.name for m in run.metrics if m.kind == MetricKind.IMAGE}
    return {
        str(value)
        for chunk in run.chunks
        if chunk.name in images
        for value in _codec.unpack_values(chunk.encoding, chunk.vals)
        if image_location(str(value))[0] == MEDIA  # newer images are run files
    }


def _media_here(target: Workspace, here: RunExport) -> set[str]:
    images = [m.name for m in here.metrics if m.kind == MetricKind.IMAGE]
    if not images:
        return set()
    read = target.store.read_metrics(here.info.id, images, with_steps=False)
    return {str(name) for _, points in read.values() for name in points.values}


def _snapshots(run: RunExport) -> set[str]:
    found = {(run.definition or {}).get("snapshot"), run.info.properties.get("snapshotId")}
    return {str(snapshot) for snapshot in found if snapshot}


class _Copier:
    """Streams one run's artifacts from one artifact store into another."""

    def __init__(
        self,
        source: ArtifactStore,
        target: ArtifactStore,
        run_id: str,
        report: CopyReport,
        line: _StatusLine,
    ) -> None:
        self.source, self.target, self.run_id = source, target, run_id
        self.report, self.line = report, line

    def file(self, area: str, name: str) -> None:
        try:
            stream = self.source.open(self.run_id, area, name)
        except FileNotFoundError:
            self.report.warnings.append(
                f"run {self.run_id}: {area}/{name} is missing from the source artifacts "
                f"({self.source.url}); its record was copied without it"
            )
            return
        with stream:
            self.target.put(self.run_id, area, name, _counted(stream, self.report, self.line))
        self.report.files += 1

    def snapshot(self, snapshot_id: str) -> None:
        name = f"{snapshot_id}.zip"
        if self.target.exists(SNAPSHOTS, name) or not self.source.exists(SNAPSHOTS, name):
            return
        with self.source.open_shared(SNAPSHOTS, name) as stream:
            self.target.put_shared(SNAPSHOTS, name, _counted(stream, self.report, self.line))


def _counted(stream: IO[bytes], report: CopyReport, line: _StatusLine) -> IO[bytes]:
    # put() only calls read(): a stream that has just that is all it needs.
    return cast("IO[bytes]", _Counted(stream, report, line))


class _Counted:
    """A read-only stream that adds what passes through it to the report's byte count."""

    def __init__(self, stream: IO[bytes], report: CopyReport, line: _StatusLine) -> None:
        self.stream, self.report, self.line = stream, report, line

    def read(self, size: int = -1) -> bytes:
        block = self.stream.read(size)
        self.report.bytes += len(block)
        self.line.show(None, self.report.bytes)
        return block


class _StatusLine:
    """One stderr line that rewrites itself, at most ten times a second (off without a stream)."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.text = ""
        self.width = 0
        self.drawn = 0.0

    def show(self, text: str | None, nbytes: int) -> None:
        if self.stream is None:
            return
        self.text = text if text is not None else self.text
        now = time.monotonic()
        if text is None and now - self.drawn < 0.1:
            return
        self.drawn = now
        message = f"runwatch copy: {self.text}, {_size(nbytes)}"
        self.stream.write("\r" + message.ljust(self.width))
        self.stream.flush()
        self.width = len(message)

    def close(self) -> None:
        if self.stream is not None and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def _size(nbytes: int) -> str:
    if nbytes < 1000:
        return f"{nbytes} B"
    size = float(nbytes)
    for unit in ("KB", "MB", "GB"):
        size /= 1000
        if size < 1000 or unit == "GB":
            break
    return f"{size:.1f} {unit}"
