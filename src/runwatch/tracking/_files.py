"""The file half of `Run`: uploads, listing, downloads, and `outputs/` collection."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from runwatch.artifacts._store import FILES, image_location, safe_name
from runwatch.core._values import short_repr
from runwatch.errors import ValidationError
from runwatch.tracking._metrics import ImageRef

if TYPE_CHECKING:
    from runwatch.tracking._workspace import Workspace

OUTPUTS = "outputs"


class FilesMixin:
    id: str
    _ws: Workspace
    _outputs: Path | None

    def upload_file(
        self,
        name: str,
        path_or_stream: str | os.PathLike[str] | IO[Any],
        *,
        overwrite: bool = False,
    ) -> str:
        """Upload a file (a path, or a readable binary stream) as `name` in this run."""
        safe_name(name)
        if isinstance(path_or_stream, (str, os.PathLike)):
            source = Path(path_or_stream)
            if not source.is_file():
                raise ValidationError(
                    f"upload_file({name!r}, ...): {str(path_or_stream)!r} is not an existing "
                    "file; expected the path of a file to upload"
                )
        elif not hasattr(path_or_stream, "read"):
            raise ValidationError(
                f"upload_file({name!r}, ...): {short_repr(path_or_stream)} is neither a path "
                "nor a readable stream"
            )
        store = self._ws.store
        if not overwrite and store.get_file(self.id, name) is not None:
            raise ValidationError(
                f"run {self.id!r} already has a file named {name!r}; choose another name "
                "(files are not overwritten)"
            )
        size = self._ws.artifacts.put(self.id, FILES, name, path_or_stream)
        store.add_file(self.id, name, size, overwrite=overwrite)
        return name

    def upload_files(
        self,
        names: Sequence[str],
        paths: Sequence[str | os.PathLike[str]],
        *,
        overwrite: bool = False,
    ) -> list[str]:
        """Upload `paths[i]` as `names[i]`; every name is checked before any upload."""
        if len(names) != len(paths):
            raise ValidationError(
                f"upload_files got {len(names)} names and {len(paths)} paths; expected "
                "one path per name"
            )
        for name, path in zip(names, paths, strict=True):
            safe_name(name)
            if not Path(path).is_file():
                raise ValidationError(f"upload_files: {str(path)!r} (for {name!r}) is not a file")
        return [
            self.upload_file(n, p, overwrite=overwrite) for n, p in zip(names, paths, strict=True)
        ]

    def upload_folder(
        self, name: str, path: str | os.PathLike[str], *, overwrite: bool = False
    ) -> list[str]:
        """Upload every file under folder `path` as `name/<relative path>`."""
        safe_name(name)
        folder = Path(path)
        if not folder.is_dir():
            raise ValidationError(f"upload_folder({name!r}, ...): {str(path)!r} is not a folder")
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        names = [f"{name}/{p.relative_to(folder).as_posix()}" for p in files]
        return self.upload_files(names, files, overwrite=overwrite)

    def get_file_names(self) -> list[str]:
        """Names of the run's files, sorted."""
        return [info.name for info in self._ws.store.list_files(self.id)]

    def download_file(
        self, name: str | ImageRef, output_file_path: str | os.PathLike[str] | None = None
    ) -> Path:
        """Write file `name` (or a logged image) to `output_file_path`.

        A folder as `output_file_path` receives the file under its base name;
        None means the current folder.
        """
        if isinstance(name, ImageRef):
            area, key = image_location(name.path)
            if name.run_id != self.id:
                raise ValidationError(
                    f"image {name} belongs to run {name.run_id!r}, not {self.id!r}"
                )
        else:
            area, key = FILES, safe_name(name)
            if self._ws.store.get_file(self.id, key) is None:
                raise ValidationError(
                    f"run {self.id!r} has no file named {key!r}; "
                    f"it has {self.get_file_names()[:20]}"
                )
        target = Path(output_file_path) if output_file_path is not None else Path.cwd()
        if target.is_dir():
            target = target / key.rsplit("/", 1)[-1]
        self._ws.artifacts.get(self.id, area, key, target)
        return target

    def download_files(
        self,
        prefix: str | None = None,
        output_directory: str | os.PathLike[str] | None = None,
        append_prefix: bool = True,
    ) -> list[Path]:
        """Download every file whose name starts with `prefix`, keeping relative paths."""
        folder = Path(output_directory) if output_directory is not None else Path.cwd()
        written = []
        for name in self.get_file_names():
            if prefix and not name.startswith(prefix):
                continue
            relative = name if append_prefix or not prefix else name[len(prefix) :].lstrip("/")
            target = folder.joinpath(*relative.split("/"))
            self._ws.artifacts.get(self.id, FILES, name, target)
            written.append(target)
        return written

    def _collect_outputs(self) -> None:
        """Upload everything in the run's outputs folder (overwriting older copies)."""
        folder = self._outputs
        if folder is None or not folder.is_dir():
            return
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = file.relative_to(folder).as_posix()
            self.upload_file(f"{OUTPUTS}/{relative}", file, overwrite=True)
