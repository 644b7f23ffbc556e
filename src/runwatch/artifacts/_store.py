"""Run files, kept through fsspec (a local folder by default, any fsspec URL).

Layout under the artifact root: `<run id>/files/<name>` for uploaded files
and `<run id>/media/<file>` for logged images. Names are checked by
`safe_name` (and run ids by `_path`) before they touch any storage, so no
name escapes its run's folder; on a local folder every link is resolved too.

On object storage (`s3://bucket/prefix`, see `_remote`) there are no folders
to make and nothing can be appended to. Uploads are streamed in parts of
`_PART` bytes (a multipart upload past one part), so memory stays bounded
whatever the file size, and `read_range` is one ranged GET per object. A file
that grows while it is read (a run's log) is kept as numbered segments of
`SEGMENT` bytes, `<run id>/segments/<area>/<name>/<index>`, until
`join_segments` writes it as one object; `read_range` and `get` read either.
Storage failures become `StoreError`s naming the URL, never the credentials.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from runwatch.artifacts import _s3_options as _remote
from runwatch.core._values import check_text, short_repr
from runwatch.errors import ConfigError, RunwatchError, StoreError, ValidationError

SHARED = "_shared"  # not a run id: run ids start with a letter or digit
FILES = "files"
MEDIA = "media"
SEGMENTS = "segments"
#: The size of a growing file's segments on object storage.
SEGMENT = 1 << 20
_CHUNK = 1 << 20
#: Upload part size on object storage: the most an upload holds in memory (S3's minimum is 5 MiB).
_PART = 8 << 20


#: How a logged image's metric value names a run file (older stores named a media key).
IMAGE_FILE_PREFIX = "files/"


def image_location(value: str) -> tuple[str, str]:
    """The (area, key) of a logged image, from the value its image metric stores."""
    if value.startswith(IMAGE_FILE_PREFIX):
        return FILES, value[len(IMAGE_FILE_PREFIX) :]
    return MEDIA, value


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
    return check_text(name, "file name")


class ArtifactStore:
    """The files of every run of a workspace, under one fsspec root."""

    def __init__(self, url: str, options: Mapping[str, Any] | None = None) -> None:
        import fsspec  # imported on first use: keeps `import runwatch` light

        self.url = url
        storage = _remote.storage_options(url, options or {})
        self.endpoint: str | None = storage.get("endpoint_url")
        try:
            self.fs, root = fsspec.core.url_to_fs(url, **storage)
        except ImportError as error:
            raise ConfigError(
                f"artifact store {_remote.public_url(url)} needs a package that is not "
                f"installed ({error}); for s3:// URLs: pip install 'runwatch[s3]'"
            ) from None
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

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Storage failures of a remote store as `StoreError`s (local ones pass unchanged).

        A missing object stays a `FileNotFoundError`, as on a local folder.
        """
        if self.local:
            try:
                yield
            except OSError as error:
                if error.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                raise StoreError(
                    f"cannot write to the artifact store {self.url}: the disk is full "
                    f"({error.strerror}); free some space and try again"
                ) from None
            return
        try:
            yield
        except FileNotFoundError as error:
            if _remote.error_code(error) != "NoSuchBucket":
                raise
            raise StoreError(_remote.explain(error, self.url, self.endpoint)) from None
        except Exception as error:
            if isinstance(error, RunwatchError) or not _remote.is_storage_error(error):
                raise
            raise StoreError(_remote.explain(error, self.url, self.endpoint)) from None

    def _write(self, path: str, source: IO[Any]) -> int:
        """Stream `source` to `path` block by block; return the number of bytes."""
        size = 0
        options = {} if self.local else {"block_size": _PART}
        with self.fs.open(path, "wb", **options) as out:
            while True:
                block = source.read(_CHUNK)
                if not block:
                    break
                if isinstance(block, str):
                    block = block.encode()
                out.write(block)
                size += len(block)
        return size

    @contextlib.contextmanager
    def _landing(self, path: str) -> Iterator[str]:
        """Where to write `path`. On a local folder: a hidden temporary name beside it,
        renamed into place once complete and removed on failure, so a failed write (a
        full disk) leaves no partial file. Object stores publish an upload only whole."""
        if not self.local:
            yield path
            return
        folder, name = posixpath.split(path)
        temporary = posixpath.join(folder, f".{name}.{os.urandom(4).hex()}.part")
        try:
            yield temporary
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def _makedirs(self, path: str) -> None:
        if self.local:  # object stores have no folders (and s3fs would probe the bucket)
            self.fs.makedirs(posixpath.dirname(path), exist_ok=True)

    def put(
        self, run_id: str, area: str, name: str, source: str | os.PathLike[str] | IO[Any]
    ) -> int:
        """Copy a file path or a readable binary stream in, streaming; return its size."""
        path = self._path(run_id, area, name)
        with self._errors():
            self._makedirs(path)
            with self._landing(path) as target:
                if not isinstance(source, (str, os.PathLike)):
                    return self._write(target, source)
                if self.local:
                    self.fs.put_file(os.fspath(source), target)
                    return int(self.fs.size(target))
                with open(source, "rb") as stream:
                    return self._write(target, stream)

    def put_bytes(self, run_id: str, area: str, name: str, data: bytes) -> int:
        path = self._path(run_id, area, name)
        with self._errors():
            self._makedirs(path)
            with self._landing(path) as target:
                self.fs.pipe_file(target, data)
        return len(data)

    def get(self, run_id: str, area: str, name: str, destination: str | os.PathLike[str]) -> None:
        path = self._path(run_id, area, name)
        destination = Path(destination)
        with self._errors():
            try:
                source: IO[bytes] | None = self.fs.open(path, "rb")
            except FileNotFoundError:
                if self.local or not self._segment_exists(run_id, area, name, 0):
                    raise
                source = None  # a file still growing: copy its segments
            destination.parent.mkdir(parents=True, exist_ok=True)
            with open(destination, "wb") as out:
                if source is None:
                    self._copy_segments(run_id, area, name, out)
                    return
                with source:
                    shutil.copyfileobj(source, out, _CHUNK)

    def open(self, run_id: str, area: str, name: str) -> IO[bytes]:
        path = self._path(run_id, area, name)
        with self._errors():
            stream: IO[bytes] = self.fs.open(path, "rb")
        return stream

    def read_range(self, run_id: str, area: str, name: str, start: int, end: int | None) -> bytes:
        """Bytes `start` to `end` (exclusive; None = to the end) of a file.

        On object storage: one ranged GET (per segment of a file still growing).
        """
        path = self._path(run_id, area, name)
        if end is not None and end <= start:
            return b""
        with self._errors():
            if self.local:
                data: bytes = self.fs.cat_file(path, start=start, end=end)
                return data
            try:
                return self._ranged_get(path, start, end)
            except FileNotFoundError:
                pass
            found = self._read_segments(run_id, area, name, start, end)
            if found is not None:
                return found
            # Not in segments either: maybe they were just joined into the object.
            return self._ranged_get(path, start, end)

    def _ranged_get(self, path: str, start: int, end: int | None) -> bytes:
        try:
            data: bytes = self.fs.cat_file(path, start=start, end=end)
        except OSError as error:
            if _remote.error_code(error) == "InvalidRange":  # start is past the end
                return b""
            raise
        return data

    def size(self, run_id: str, area: str, name: str) -> int:
        path = self._path(run_id, area, name)
        with self._errors():
            return int(self.fs.size(path))

    def local_path(self, run_id: str, area: str, name: str) -> str | None:
        """The file's path on this machine's file system, or None for remote storage."""
        return self._path(run_id, area, name) if self.local else None

    # --- files that grow on object storage: numbered segments --------------------------
    def _segment(self, run_id: str, area: str, name: str, index: int) -> str:
        self._path(run_id, area, name)
        return posixpath.join(self.root, run_id, SEGMENTS, area, name, f"{index:08d}")

    def put_segment(self, run_id: str, area: str, name: str, index: int, data: bytes) -> None:
        """Write segment `index` (bytes `index * SEGMENT` on) of a growing file."""
        if len(data) > SEGMENT:
            raise ValueError(f"a segment holds at most {SEGMENT} bytes, not {len(data)}")
        path = self._segment(run_id, area, name, index)
        with self._errors():
            self._makedirs(path)
            self.fs.pipe_file(path, data)

    def _segment_exists(self, run_id: str, area: str, name: str, index: int) -> bool:
        return bool(self.fs.exists(self._segment(run_id, area, name, index)))

    def _read_segments(
        self, run_id: str, area: str, name: str, start: int, end: int | None
    ) -> bytes | None:
        """Bytes `start` to `end` of a segmented file; None if it has no segments."""
        parts: list[bytes] = []
        index = start // SEGMENT
        while end is None or index * SEGMENT < end:
            lo = max(start - index * SEGMENT, 0)
            hi = None if end is None else min(end - index * SEGMENT, SEGMENT)
            try:
                data = self._ranged_get(self._segment(run_id, area, name, index), lo, hi)
            except FileNotFoundError:
                if parts or (index and self._segment_exists(run_id, area, name, index - 1)):
                    break  # `start` is at or past the end of the file
                return None
            parts.append(data)
            if lo + len(data) < (SEGMENT if hi is None else hi):
                break  # the last segment, not yet full
            index += 1
        return b"".join(parts)

    def _copy_segments(self, run_id: str, area: str, name: str, out: IO[bytes]) -> list[str]:
        """Write every segment to `out`, one at a time; return their paths."""
        paths: list[str] = []
        index = 0
        while True:
            path = self._segment(run_id, area, name, index)
            try:
                data = self._ranged_get(path, 0, None)
            except FileNotFoundError:
                return paths
            out.write(data)
            paths.append(path)
            if len(data) < SEGMENT:
                return paths
            index += 1

    def join_segments(self, run_id: str, area: str, name: str) -> None:
        """Write a segmented file as one object (streamed), then delete its segments."""
        path = self._path(run_id, area, name)
        with self._errors():
            with self.fs.open(path, "wb", block_size=_PART) as out:
                paths = self._copy_segments(run_id, area, name, out)
            if paths:
                self.fs.rm(paths)

    # Shared objects (not of one run), e.g. content-addressed snapshots, under `_shared/`.
    def _shared(self, kind: str, name: str) -> str:
        safe_name(f"{kind}/{name}")
        return posixpath.join(self.root, SHARED, kind, name)

    def exists(self, kind: str, name: str) -> bool:
        path = self._shared(kind, name)
        with self._errors():
            return bool(self.fs.exists(path))

    def put_shared(self, kind: str, name: str, source: str | os.PathLike[str] | IO[Any]) -> None:
        """Copy a file path or a readable binary stream in (streaming)."""
        path = self._shared(kind, name)
        with self._errors():
            self._makedirs(path)
            with self._landing(path) as target:
                if not isinstance(source, (str, os.PathLike)):
                    self._write(target, source)
                elif self.local:
                    self.fs.put_file(os.fspath(source), target)
                else:
                    with open(source, "rb") as stream:
                        self._write(target, stream)

    def open_shared(self, kind: str, name: str) -> IO[bytes]:
        path = self._shared(kind, name)
        with self._errors():
            stream: IO[bytes] = self.fs.open(path, "rb")
        return stream


def _protocols(fs: Any) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)
