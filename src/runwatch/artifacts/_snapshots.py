"""Snapshots of a submitted script's source folder.

`take()` zips `source_directory` minus what `.runwatchignore`, `.amlignore`
or `.gitignore` exclude (the first that exists, gitignore syntax, read with
pathspec), and stores the zip content-addressed in the artifact store, so a
sweep's trials share one copy. `extract()` writes it into a folder (the
working copy a script runs in); `save_zip()` hands out the zip itself, as
`run.restore_snapshot()` does.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

from runwatch.artifacts._store import ArtifactStore
from runwatch.core import _settings
from runwatch.errors import ValidationError

IGNORE_FILES = (".runwatchignore", ".amlignore", ".gitignore")
ALWAYS_IGNORED = [".git/", ".runwatch/", "__pycache__/", "*.pyc", ".ipynb_checkpoints/"]
SNAPSHOTS = "snapshots"


_ID = re.compile(r"[0-9a-f]{32}")


def files_to_include(source: Path) -> list[Path]:
    """The files of `source` a snapshot keeps, sorted."""
    import pathspec

    patterns = list(ALWAYS_IGNORED)
    for name in IGNORE_FILES:
        ignore = source / name
        if ignore.is_file():
            patterns += ignore.read_text(encoding="utf-8").splitlines()
            break
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    files = []
    for root, dirs, names in os.walk(source):
        relative_root = Path(root).relative_to(source)
        dirs[:] = sorted(
            d for d in dirs if not spec.match_file((relative_root / d).as_posix() + "/")
        )
        for name in sorted(names):
            relative = (relative_root / name).as_posix()
            if not spec.match_file(relative):
                files.append(Path(root) / name)
    return files


def take(source: Path, artifacts: ArtifactStore) -> str:
    """Zip `source` into the artifact store; return the snapshot id (a content hash)."""
    if not source.is_dir():
        raise ValidationError(f"source_directory {str(source)!r} is not an existing folder")
    files = files_to_include(source)
    total = sum(f.stat().st_size for f in files)
    if total > _settings.snapshot_warn_bytes():
        warnings.warn(
            f"the snapshot of {source} holds {total / 2**20:.0f} MiB in {len(files)} files; "
            "list large data in .runwatchignore and read it from its own location instead",
            stacklevel=3,
        )
    with tempfile.TemporaryDirectory(prefix="runwatch-snapshot-") as work:
        archive = Path(work) / "snapshot.zip"
        digest = hashlib.sha256()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in files:
                name = file.relative_to(source).as_posix()
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.external_attr = (file.stat().st_mode & 0o777) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                data = file.read_bytes()
                zf.writestr(info, data)
                mode = f"{file.stat().st_mode & 0o777:o}".encode()
                digest.update(name.encode() + b"\0" + mode + b"\0" + hashlib.sha256(data).digest())
        snapshot_id = digest.hexdigest()[:32]
        if not artifacts.exists(SNAPSHOTS, f"{snapshot_id}.zip"):
            artifacts.put_shared(SNAPSHOTS, f"{snapshot_id}.zip", archive)
    return snapshot_id


def check_id(snapshot_id: object, artifacts: ArtifactStore) -> str:
    """`snapshot_id` if it names a snapshot in this artifact store, else a clear error."""
    if not isinstance(snapshot_id, str) or not _ID.fullmatch(snapshot_id):
        raise ValidationError(
            f"snapshot id {snapshot_id!r} is not a snapshot id (32 hexadecimal digits)"
        )
    if not artifacts.exists(SNAPSHOTS, f"{snapshot_id}.zip"):
        raise ValidationError(f"no snapshot {snapshot_id!r} in this workspace's artifact store")
    return snapshot_id


def save_zip(snapshot_id: str, artifacts: ArtifactStore, folder: Path) -> Path:
    """Write snapshot `snapshot_id` as `<folder>/<snapshot_id>.zip`; return that path."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{snapshot_id}.zip"
    with (
        artifacts.open_shared(SNAPSHOTS, f"{snapshot_id}.zip") as stream,
        open(target, "wb") as out,
    ):
        shutil.copyfileobj(stream, out)
    return target


def extract(snapshot_id: str, artifacts: ArtifactStore, destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    with (
        artifacts.open_shared(SNAPSHOTS, f"{snapshot_id}.zip") as stream,
        zipfile.ZipFile(stream) as zf,
    ):
        for info in zf.infolist():
            target = (destination / info.filename).resolve()
            if not str(target).startswith(str(destination.resolve()) + os.sep):
                raise ValidationError(f"snapshot entry {info.filename!r} escapes {destination}")
            zf.extract(info, destination)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(target, mode)
