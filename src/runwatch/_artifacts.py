"""Run files, kept through fsspec (a local folder by default, any fsspec URL).

Layout under the artifact root: `<run id>/files/<name>` for uploaded files
and `<run id>/media/<file>` for logged images. Names are checked by
`safe_name` before they touch the file system, so no name escapes its run's
folder.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from pathlib import Path
from typing import IO, Any

from ._values import short_repr
from .errors import ValidationError

SHARED = "_shared"  # not a run id: run ids start with a letter or digit
FILES = "files"
MEDIA = "media"
_CHUNK = 1 << 20


def safe_name(name: object) -> str:
    """A relative POSIX path inside a run, or a `ValidationError` saying why not."""
    if not isinstance(name, str):
        raise ValidationError(
            f"file name {short_repr(name)} is a {type(name).__name__}; expected a str "
            "such as 'outputs/model.pkl'"
        )
    problem = None
    if not name:
        problem = "is empty"
    elif "\x00" in name:
        problem = "contains a NUL character"
    elif "\\" in name:
        problem = "contains a backslash; use '/' between folders"
    elif name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        problem = "is an absolute path"
    else:
        parts = name.split("/")
        if any(part == ".." for part in parts):
            problem = "has a '..' segment"
        elif any(part in ("", ".") for part in parts):
            problem = "has an empty or '.' segment"
    if problem:
        raise ValidationError(
            f"file name {name!r} {problem}; expected a relative path inside the run, "
            "such as 'outputs/model.pkl'"
        )
    return name


class ArtifactStore:
    """The files of every run of a workspace, under one fsspec root."""

    def __init__(self, url: str) -> None:
        import fsspec  # imported on first use: keeps `import runwatch` light

        self.url = url
        self.fs, root = fsspec.core.url_to_fs(url)
        self.root = root.rstrip("/")
        self.local = "file" in _protocols(self.fs)

    def _path(self, run_id: str, area: str, name: str) -> str:
        safe_name(name)
        if not run_id or "/" in run_id or run_id in (".", ".."):
            raise ValidationError(f"run id {run_id!r} cannot name an artifact folder")
        path = posixpath.join(self.root, run_id, area, name)
        if self.local:
            # Defence in depth: with every link resolved, the path must still be
            # inside the run's folder (a linked folder on the way is refused too).
            base = os.path.join(os.path.realpath(self.root), run_id, area)
            if not os.path.realpath(path).startswith(base + os.sep):
                raise ValidationError(f"file name {name!r} resolves outside the run's folder")
        return path

    def put(
        self, run_id: str, area: str, name: str, source: str | os.PathLike[str] | IO[Any]
    ) -> int:
        """Copy a file path or a readable binary stream in, streaming; return its size."""
        path = self._path(run_id, area, name)
        parent = posixpath.dirname(path)
        self.fs.makedirs(parent, exist_ok=True)
        if isinstance(source, (str, os.PathLike)):
            self.fs.put_file(os.fspath(source), path)
            return int(self.fs.size(path))
        return self._write_stream(path, source)

    def _write_stream(self, path: str, source: IO[Any]) -> int:
        size = 0
        with self.fs.open(path, "wb") as out:
            while True:
                block = source.read(_CHUNK)
                if not block:
                    break
                if isinstance(block, str):
                    block = block.encode()
                out.write(block)
                size += len(block)
        return size

    def put_bytes(self, run_id: str, area: str, name: str, data: bytes) -> int:
        path = self._path(run_id, area, name)
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        self.fs.pipe_file(path, data)
        return len(data)

    def get(self, run_id: str, area: str, name: str, destination: str | os.PathLike[str]) -> None:
        path = self._path(run_id, area, name)
        destination = Path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        with self.fs.open(path, "rb") as src, open(destination, "wb") as out:
            shutil.copyfileobj(src, out, _CHUNK)

    def open(self, run_id: str, area: str, name: str) -> IO[bytes]:
        stream: IO[bytes] = self.fs.open(self._path(run_id, area, name), "rb")
        return stream

    def read_range(self, run_id: str, area: str, name: str, start: int, end: int | None) -> bytes:
        """Bytes `start` to `end` (exclusive; None = to the end) of a file."""
        path = self._path(run_id, area, name)
        data: bytes = self.fs.cat_file(path, start=start, end=end)
        return data

    def size(self, run_id: str, area: str, name: str) -> int:
        return int(self.fs.size(self._path(run_id, area, name)))

    def local_path(self, run_id: str, area: str, name: str) -> str | None:
        """The file's path on this machine's file system, or None for remote storage."""
        return self._path(run_id, area, name) if self.local else None

    # Shared objects (not of one run), e.g. content-addressed snapshots, under `_shared/`.
    def _shared(self, kind: str, name: str) -> str:
        safe_name(f"{kind}/{name}")
        return posixpath.join(self.root, SHARED, kind, name)

    def exists(self, kind: str, name: str) -> bool:
        return bool(self.fs.exists(self._shared(kind, name)))

    def put_shared(self, kind: str, name: str, source: str | os.PathLike[str] | IO[Any]) -> None:
        """Copy a file path or a readable binary stream in (streaming)."""
        path = self._shared(kind, name)
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        if isinstance(source, (str, os.PathLike)):
            self.fs.put_file(os.fspath(source), path)
        else:
            self._write_stream(path, source)

    def open_shared(self, kind: str, name: str) -> IO[bytes]:
        stream: IO[bytes] = self.fs.open(self._shared(kind, name), "rb")
        return stream


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)
