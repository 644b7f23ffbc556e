"""The model registry: `Model` and `Run.register_model`, as in `azureml.core.model`.

A model is a named, versioned record in the store (asset kind "model") plus its
files, copied into the artifact store at `_shared/models/<name>/<folder>/`,
where `<folder>` is a fresh random id per registration. The files therefore
outlive the run or local folder they came from, and a registration that fails
half-way leaves no record. The record's document says where the files are:

    {"folder": "3f2a...", "entry": "ridge.pkl", "source": "outputs/ridge.pkl",
     "files": [{"name": "ridge.pkl", "size": 1234}],
     "framework": "ScikitLearn", "framework_version": "1.5.0"}

`entry` is the registered file or folder's base name; every file name starts
with it, and `download` writes them under the target folder as they are.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import posixpath
import re
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from runwatch.artifacts._store import FILES, SHARED, ArtifactStore, safe_name
from runwatch.core import _settings, _values
from runwatch.core._records import AssetInfo
from runwatch.core._values import short_repr
from runwatch.errors import AssetNotFoundError, RunNotFoundError, StoreError, ValidationError
from runwatch.tracking._run import Run
from runwatch.tracking._workspace import Workspace

#: The asset kind of models in the store's registry.
KIND = "model"
#: The shared artifact area holding model files.
MODELS = "models"
#: Where `Model.get_model_path` keeps downloaded models (the folder scoring code expects).
MODELS_DIR = "azureml-models"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")


class Model:
    """One version of a registered model of a workspace.

    `Model(ws, "name")` opens the latest version, `Model(ws, "name", version=2)` or
    `Model(ws, id="name:2")` one version; `Model.register` and `Run.register_model`
    add versions.
    """

    class Framework:
        """Framework names for `model_framework` (any other text is accepted too)."""

        CUSTOM = "Custom"
        TENSORFLOW = "TensorFlow"
        SCIKITLEARN = "ScikitLearn"
        ONNX = "Onnx"
        TFKERAS = "TfKeras"
        PYTORCH = "PyTorch"
        MULTI = "Multi"

    def __init__(
        self,
        workspace: Workspace,
        name: str | None = None,
        id: str | None = None,
        tags: Sequence[Any] | None = None,
        properties: Sequence[Any] | None = None,
        version: int | None = None,
        run_id: str | None = None,
        model_framework: str | None = None,
        expand: bool = True,
        **kwargs: Any,
    ) -> None:
        asset = kwargs.pop("_asset", None)
        if asset is None:
            asset = _find(workspace, name, id, tags, properties, version, run_id, model_framework)
        self._load(_check_workspace(workspace), asset)

    def _load(self, workspace: Workspace, asset: AssetInfo) -> None:
        document = asset.document
        self.workspace = workspace
        self.name: str = asset.name
        self.version: int = asset.version
        self.id = f"{asset.name}:{asset.version}"
        self.description: str | None = asset.description or None
        self.tags: dict[str, str] = dict(asset.tags)
        self.properties: dict[str, Any] = dict(asset.properties)
        self.created_time = datetime.fromtimestamp(asset.created_time, tz=timezone.utc)
        self.run_id: str | None = asset.run_id
        self.experiment_name: str | None = asset.experiment
        self.model_framework: str | None = document.get("framework")
        self.model_framework_version: str | None = document.get("framework_version")
        self.url = _url(workspace.artifacts, asset)
        # Azure ML's attributes that have no local meaning keep their empty values.
        self.created_by = None
        self.mime_type = "application/octet-stream"
        self.unpack = False
        self.parent_id = None
        self.derived_model_ids: list[str] = []
        self.datasets: dict[str, list[Any]] = {}
        self.sample_input_dataset = None
        self.sample_output_dataset = None
        self.resource_configuration = None
        self._asset = asset

    @property
    def run(self) -> Run | None:
        """The run the model was registered from (None for `Model.register`, or when the
        run is not in this workspace)."""
        if self.run_id is None:
            return None
        try:
            return Run.get(self.workspace, self.run_id)
        except RunNotFoundError:
            return None

    # --- registering --------------------------------------------------------------------
    @staticmethod
    def register(
        workspace: Workspace,
        model_path: str | os.PathLike[str],
        model_name: str,
        tags: Mapping[str, Any] | None = None,
        properties: Mapping[str, Any] | None = None,
        description: str | None = None,
        datasets: Any = None,
        model_framework: str | None = None,
        model_framework_version: str | None = None,
        child_paths: Sequence[str] | None = None,
        sample_input_dataset: Any = None,
        sample_output_dataset: Any = None,
        resource_configuration: Any = None,
        **kwargs: Any,
    ) -> Model:
        """Register a local file or folder (with `child_paths`, only those paths inside
        the folder) as the next version of `model_name`; its files are copied into the
        workspace. Datasets and resource configurations are cloud-only and ignored."""
        workspace = _check_workspace(workspace)
        meta = _metadata(
            model_name, tags, properties, description, model_framework, model_framework_version
        )
        if not isinstance(model_path, (str, os.PathLike)):
            raise ValidationError(
                f"model_path {short_repr(model_path)} is a {type(model_path).__name__}; "
                "expected the path of a local file or folder"
            )
        source = Path(os.path.abspath(model_path))
        if not source.exists():
            raise ValidationError(
                f"model_path {os.fspath(model_path)!r} does not exist (looked for {source}); "
                "expected a local file or folder to register"
            )
        entry = safe_name(source.name)
        if source.is_file():
            files = [(entry, source)]
        else:
            files = [(f"{entry}/{rel}", path) for rel, path in _local_files(source, child_paths)]
        if not files:
            raise ValidationError(f"model_path {str(source)!r} is a folder with no files in it")
        _say(f"Registering model {model_name}")
        sources = [(name, path.stat().st_size, _local_opener(path)) for name, path in files]
        return _register(workspace, meta, entry, str(source), sources, run=None)

    # --- finding ------------------------------------------------------------------------
    @staticmethod
    def list(
        workspace: Workspace,
        name: str | None = None,
        tags: Sequence[Any] | None = None,
        properties: Sequence[Any] | None = None,
        run_id: str | None = None,
        latest: bool = False,
        dataset_id: str | None = None,
        expand: bool = True,
        page_count: int = 255,
        model_framework: str | None = None,
    ) -> builtins.list[Model]:
        """The workspace's models, by name then version, filtered.

        `tags` and `properties` are lists of keys (the key is set) and `[key, value]`
        pairs (set to that value), all of which must match; `latest` keeps only the
        newest version of each name. `dataset_id` matches nothing (no datasets here).
        """
        workspace = _check_workspace(workspace)
        if page_count and not 20 <= page_count <= 255:
            raise ValidationError(f"page_count {short_repr(page_count)} must be between 20 and 255")
        assets = _matching(workspace, name, tags, properties, run_id, model_framework, latest)
        if dataset_id is not None:
            assets = []
        return [Model(workspace, _asset=asset) for asset in assets]

    @staticmethod
    def deserialize(workspace: Workspace, model_payload: Mapping[str, Any]) -> Model:
        """The model that `serialize()` described, read again from `workspace`."""
        if not isinstance(model_payload, Mapping) or not isinstance(model_payload.get("id"), str):
            raise ValidationError(
                f"model payload {short_repr(model_payload)} has no 'id'; expected a dict "
                "made by Model.serialize()"
            )
        return Model(workspace, id=model_payload["id"])

    def serialize(self) -> dict[str, Any]:
        """The model as a JSON-compatible dict (the keys Azure ML's `Model.serialize` has)."""
        run = self.run
        return {
            "createdTime": self.created_time.isoformat(),
            "createdBy": self.created_by,
            "description": self.description,
            "id": self.id,
            "mimeType": self.mime_type,
            "name": self.name,
            "framework": self.model_framework,
            "frameworkVersion": self.model_framework_version,
            "tags": dict(self.tags),
            "properties": dict(self.properties),
            "unpack": self.unpack,
            "url": self.url,
            "version": self.version,
            "experimentName": self.experiment_name,
            "runId": self.run_id,
            "runDetails": str(run) if run is not None else None,
            "datasets": [],
            "resourceConfiguration": None,
            "sampleInputDatasetId": None,
            "sampleOutputDatasetId": None,
        }

    # --- files --------------------------------------------------------------------------
    def download(
        self,
        target_dir: str | os.PathLike[str] = ".",
        exist_ok: bool = False,
        exists_ok: bool | None = None,
    ) -> str:
        """Write the model's file or folder into `target_dir`; return its path.

        Nothing is written when a file would be replaced, unless `exist_ok`.
        """
        if exists_ok is not None:
            exist_ok = exists_ok
        folder = os.path.normpath(os.fspath(target_dir))
        files = [
            (f["name"], os.path.normpath(os.path.join(folder, *f["name"].split("/"))))
            for f in self._files()
        ]
        if not exist_ok:
            there = [path for _, path in files if os.path.lexists(path)]
            if there:
                raise ValidationError(
                    f"cannot download model {self.id!r}: {there[0]!r} exists already"
                    f"{f' (and {len(there) - 1} more files)' if len(there) > 1 else ''}; "
                    "pass exist_ok=True to replace, or choose another target_dir"
                )
        artifacts = self.workspace.artifacts
        for name, path in files:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            try:
                stream = artifacts.open_shared(MODELS, self._key(name))
            except FileNotFoundError:
                raise AssetNotFoundError(
                    f"file {name!r} of model {self.id!r} is missing from the artifact store "
                    f"{self.workspace.artifacts_url}"
                ) from None
            with stream, open(path, "wb") as out:
                while block := stream.read(1 << 20):
                    out.write(block)
        return os.path.normpath(os.path.join(folder, self._asset.document["entry"]))

    @staticmethod
    def get_model_path(
        model_name: str, version: int | None = None, _workspace: Workspace | None = None
    ) -> str:
        """The local path of a model's file or folder.

        With a workspace (`_workspace`, or that of the submitted run this process is
        inside) the model is downloaded into `./azureml-models/<name>/<version>/` and
        that path returned; a given `version` already there is used as it is. With no
        workspace, only that folder is searched, then `./<model_name>`.
        """
        if version is not None and type(version) is not int:
            raise ValidationError(f"version {short_repr(version)} must be an int or None")
        workspace = _workspace
        if workspace is None and _settings.context_run_id() is not None:
            workspace = Run.get_context(allow_offline=False).workspace
        if version is not None or workspace is None:
            found = _cached_path(model_name, version)
            if found is not None:
                return found
        if workspace is None:
            raise AssetNotFoundError(
                f"model {model_name!r} was not found in {os.path.abspath(MODELS_DIR)} nor as "
                f"{os.path.abspath(model_name)}; pass _workspace= to download it from a workspace"
            )
        model = Model(workspace, model_name, version=version)
        target = os.path.join(MODELS_DIR, model.name, str(model.version))
        return model.download(target, exist_ok=True)

    # --- changing -----------------------------------------------------------------------
    def update(
        self,
        tags: Mapping[str, Any] | None = None,
        description: str | None = None,
        sample_input_dataset: Any = None,
        sample_output_dataset: Any = None,
        resource_configuration: Any = None,
    ) -> None:
        """Replace the tags (all of them) and/or the description, when given."""
        new_tags = _tags(tags) if tags else None
        if description is not None and not isinstance(description, str):
            raise ValidationError(f"description {short_repr(description)} must be a str")
        if new_tags is None and not description:
            return
        asset = self.workspace.store.update_asset(
            KIND,
            self.name,
            self.version,
            description=_values.check_text(description, "description") if description else None,
            set_tags=new_tags,
            remove_tags=[key for key in self.tags if new_tags is not None and key not in new_tags],
        )
        self._load(self.workspace, asset)

    def update_tags_properties(
        self,
        add_tags: Mapping[str, Any] | None = None,
        remove_tags: str | Iterable[str] | None = None,
        add_properties: Mapping[str, Any] | None = None,
    ) -> None:
        """Add or replace tags, remove tags, add properties (which never change once set)."""
        more = _properties(add_properties) if add_properties is not None else None
        taken = sorted(set(more or {}) & set(self.properties))
        if taken:
            raise ValidationError(
                f"model {self.id!r} has the properties {taken} already; properties cannot "
                "be changed once added"
            )
        keys = [remove_tags] if isinstance(remove_tags, str) else list(remove_tags or ())
        for key in keys:
            _values.check_name(key, "tag name")
        asset = self.workspace.store.update_asset(
            KIND,
            self.name,
            self.version,
            set_tags=_tags(add_tags) if add_tags is not None else None,
            remove_tags=keys,
            add_properties=more,
        )
        self._load(self.workspace, asset)

    def add_tags(self, tags: Mapping[str, Any]) -> None:
        """Add tags (a tag already there gets the new value)."""
        self.update_tags_properties(add_tags=tags)

    def remove_tags(self, tags: str | Iterable[str]) -> None:
        """Remove the tags with these keys (keys not there are ignored)."""
        self.update_tags_properties(remove_tags=tags)

    def add_properties(self, properties: Mapping[str, Any]) -> None:
        """Add properties; a key the model has already is refused."""
        self.update_tags_properties(add_properties=properties)

    def add_dataset_references(self, datasets: Any) -> None:
        """Accepted and ignored: datasets are cloud-only."""

    def delete(self) -> None:
        """Delete this version and its files; the numbers of other versions stay."""
        self.workspace.store.delete_asset(KIND, self.name, self.version)
        artifacts = self.workspace.artifacts
        with contextlib.suppress(FileNotFoundError):
            artifacts.fs.rm(_folder_path(artifacts, self._asset), recursive=True)

    # --- helpers ------------------------------------------------------------------------
    def _files(self) -> builtins.list[dict[str, Any]]:
        files: builtins.list[dict[str, Any]] = self._asset.document.get("files", [])
        return files

    def _key(self, name: str) -> str:
        """The name of one of the model's files in the shared `models` area."""
        return f"{self.name}/{self._asset.document['folder']}/{name}"

    def __repr__(self) -> str:
        return (
            f"Model(workspace={self.workspace!r}, name={self.name}, id={self.id}, "
            f"version={self.version}, tags={self.tags}, properties={self.properties})"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Model) and other.id == self.id and other.workspace == self.workspace
        )

    def __hash__(self) -> int:
        return hash((self.id, self.workspace))


# --- registering from a run ----------------------------------------------------------------


def register_from_run(
    run: Run,
    model_name: str,
    model_path: str | None = None,
    tags: Mapping[str, Any] | None = None,
    properties: Mapping[str, Any] | None = None,
    model_framework: str | None = None,
    model_framework_version: str | None = None,
    description: str | None = None,
) -> Model:
    """`Run.register_model`: the run's file or folder `model_path` as the next version."""
    meta = _metadata(
        model_name, tags, properties, description, model_framework, model_framework_version
    )
    path = _run_path(model_name if model_path is None else model_path)
    infos = {info.name: info for info in run.workspace.store.list_files(run.id)}
    if path in infos:
        chosen = [infos[path]]
    else:
        chosen = [info for name, info in sorted(infos.items()) if name.startswith(path + "/")]
    if not chosen:
        names = sorted(infos)
        raise ValidationError(
            f"run {run.id!r} has no file or folder {path!r} to register as model "
            f"{model_name!r}; its files are {names[:20]}"
            f"{f' (and {len(names) - 20} more)' if len(names) > 20 else ''}"
            f"{_OUTPUTS_HINT if path.split('/')[0] == 'outputs' and not run.info.is_final else ''}"
        )
    parent = posixpath.dirname(path)
    cut = len(parent) + 1 if parent else 0
    artifacts = run.workspace.artifacts

    def opener(name: str) -> Opener:
        def open_file() -> IO[bytes]:
            try:
                return artifacts.open(run.id, FILES, name)
            except FileNotFoundError:
                raise StoreError(
                    f"file {name!r} of run {run.id!r} is recorded but missing from the "
                    f"artifact store {run.workspace.artifacts_url}; model {model_name!r} "
                    "was not registered"
                ) from None

        return open_file

    return _register(
        run.workspace,
        meta,
        posixpath.basename(path),
        path,
        [(info.name[cut:], info.size, opener(info.name)) for info in chosen],
        run=run,
    )


_OUTPUTS_HINT = (
    "; the files of ./outputs are uploaded when the run ends: register after it has ended, "
    "or upload the file first with run.upload_file"
)


def _run_path(model_path: object) -> str:
    if not isinstance(model_path, str):
        raise ValidationError(
            f"model_path {short_repr(model_path)} is a {type(model_path).__name__}; expected "
            "the name of a file or folder of the run, such as 'outputs/model.pkl'"
        )
    cleaned = posixpath.normpath(model_path.replace("\\", "/")) if model_path else ""
    if cleaned in ("", ".", "/"):
        raise ValidationError(
            f"model_path {model_path!r} names no file or folder; expected a path such as "
            "'outputs/model.pkl' or 'outputs/'"
        )
    return safe_name(cleaned)


# --- shared by both ways of registering ----------------------------------------------------

#: Opens one file to register, for reading.
Opener = Callable[[], IO[bytes]]


def _local_opener(path: Path) -> Opener:
    return lambda: open(path, "rb")


def _register(
    workspace: Workspace,
    meta: dict[str, Any],
    entry: str,
    source: str,
    files: builtins.list[tuple[str, int, Opener]],
    *,
    run: Run | None,
) -> Model:
    """Copy `files` ((name, size, opener)) into a new folder of the models area, then
    record the model. Every name is checked before anything is copied; a failed copy
    removes what it wrote and leaves no record."""
    artifacts = workspace.artifacts
    folder = uuid.uuid4().hex
    name = meta["name"]
    keys = [f"{name}/{folder}/{safe_name(file_name)}" for file_name, _, _ in files]
    for key in keys:
        _check_inside(artifacts, key)
    try:
        for key, (_, _, opener) in zip(keys, files, strict=True):
            with opener() as stream:
                artifacts.put_shared(MODELS, key, stream)
    except BaseException:
        with contextlib.suppress(Exception):
            artifacts.fs.rm(_models_folder(artifacts, name, folder), recursive=True)
        raise
    written = [{"name": file_name, "size": size} for file_name, size, _ in files]
    document = {
        "folder": folder,
        "entry": entry,
        "source": source,
        "files": written,
        "framework": meta["framework"],
        "framework_version": meta["framework_version"],
    }
    asset = workspace.store.register_asset(
        KIND,
        name,
        document,
        run_id=run.id if run is not None else None,
        experiment=run.experiment.name if run is not None else None,
        description=meta["description"],
        tags=meta["tags"],
        properties=meta["properties"],
    )
    return Model(workspace, _asset=asset)


def _metadata(
    name: object,
    tags: Mapping[str, Any] | None,
    properties: Mapping[str, Any] | None,
    description: object,
    framework: object,
    framework_version: object,
) -> dict[str, Any]:
    """The checked name, tags, properties, description and framework of a registration."""
    if description is not None and not isinstance(description, str):
        raise ValidationError(f"description {short_repr(description)} must be a str or None")
    for what, value in (
        ("model_framework", framework),
        ("model_framework_version", framework_version),
    ):
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"{what} {short_repr(value)} must be a str or None")
    if framework is None and framework_version is not None:
        raise ValidationError(
            f"model_framework_version {framework_version!r} was given without a model_framework; "
            "pass model_framework too (e.g. Model.Framework.SCIKITLEARN)"
        )
    return {
        "name": check_model_name(name),
        "tags": _tags(tags) if tags else {},
        "properties": _properties(properties) if properties else {},
        "description": _values.check_text(description or "", "description"),
        "framework": framework,
        "framework_version": framework_version,
    }


def check_model_name(name: object) -> str:
    """A model name: 1 to 255 letters, digits, '-', '.' or '_', starting with a letter or digit."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValidationError(
            f"model name {short_repr(name)} is not valid; expected 1 to 255 letters, digits, "
            "dashes, periods or underscores, starting with a letter or digit"
        )
    return name


def _tags(tags: object) -> dict[str, str]:
    if not isinstance(tags, Mapping):
        raise ValidationError(f"model tags {short_repr(tags)} must be a dict of str to str")
    return {key: value or "" for key, value in _values.tags(tags).items()}


def _properties(properties: object) -> dict[str, Any]:
    if not isinstance(properties, Mapping):
        raise ValidationError(f"model properties {short_repr(properties)} must be a dict")
    return _values.properties(properties)


def _check_workspace(workspace: object) -> Workspace:
    if not isinstance(workspace, Workspace):
        raise ValidationError(
            f"workspace {short_repr(workspace)} is a {type(workspace).__name__}; "
            "expected a runwatch.Workspace"
        )
    return workspace


def _local_files(
    source: Path, child_paths: Sequence[str] | None
) -> builtins.list[tuple[str, Path]]:
    """(name relative to the folder `source`, path) of the files to register from it."""
    if source.is_file():
        return []
    roots = [source]
    if child_paths:
        if isinstance(child_paths, str):
            child_paths = [child_paths]
        roots = []
        for child in child_paths:
            path = Path(os.path.normpath(source / child))
            if not path.exists() or source not in (path, *path.parents):
                raise ValidationError(
                    f"child path {child!r} is not a file or folder inside {str(source)!r}"
                )
            roots.append(path)
    found: dict[str, Path] = {}
    for root in roots:
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if path.is_file():
                found[safe_name(path.relative_to(source).as_posix())] = path
    return sorted(found.items())


def _check_inside(artifacts: ArtifactStore, key: str) -> None:
    """On a local folder, refuse a model file whose resolved path leaves the models area."""
    safe_name(key)
    if artifacts.local:
        base = os.path.realpath(os.path.join(artifacts.root, SHARED, MODELS))
        path = os.path.realpath(os.path.join(base, *key.split("/")))
        if not path.startswith(base + os.sep):
            raise ValidationError(f"model file {key!r} resolves outside the models folder")


def _folder_path(artifacts: ArtifactStore, asset: AssetInfo) -> str:
    return _models_folder(artifacts, asset.name, asset.document["folder"])


def _models_folder(artifacts: ArtifactStore, name: str, folder: str) -> str:
    """The path of one registration's folder in the artifact store (without protocol)."""
    return posixpath.join(artifacts.root, SHARED, MODELS, name, folder)


def _url(artifacts: ArtifactStore, asset: AssetInfo) -> str:
    """Where the model's file or folder is: a file: URI on a local folder, else the
    store's URL (such as s3://bucket/prefix/...)."""
    path = posixpath.join(_folder_path(artifacts, asset), asset.document.get("entry", ""))
    if artifacts.local:
        return Path(path).absolute().as_uri()
    url: str = artifacts.fs.unstrip_protocol(path)
    return url


# --- finding -------------------------------------------------------------------------------


def _find(
    workspace: object,
    name: str | None,
    model_id: str | None,
    tags: Sequence[Any] | None,
    properties: Sequence[Any] | None,
    version: int | None,
    run_id: str | None,
    framework: str | None,
) -> AssetInfo:
    ws = _check_workspace(workspace)
    if model_id is not None:
        if not isinstance(model_id, str) or model_id.count(":") != 1:
            raise ValidationError(
                f"model id {short_repr(model_id)} is not '<name>:<version>' (e.g. 'ridge:2')"
            )
        name, number = model_id.split(":")
        if not number.isdigit():
            raise ValidationError(f"model id {model_id!r} has no version number after ':'")
        version = int(number)
    if name is None:
        raise ValidationError("Model(workspace, ...) needs a name or an id ('<name>:<version>')")
    check_model_name(name)
    if version is not None:
        if type(version) is not int:
            raise ValidationError(f"version {short_repr(version)} must be an int")
        return ws.store.get_asset(KIND, name, version)
    found = _matching(ws, name, tags, properties, run_id, framework, latest=False)
    if not found:
        known = ws.store.list_assets(KIND, name)
        raise AssetNotFoundError(
            f"no model named {name!r} is registered in workspace {ws.name!r}"
            if not known
            else f"no version of model {name!r} matches tags={tags!r}, properties="
            f"{properties!r}, run_id={run_id!r}, model_framework={framework!r}"
        )
    return found[-1]


def _matching(
    workspace: Workspace,
    name: str | None,
    tags: Sequence[Any] | None,
    properties: Sequence[Any] | None,
    run_id: str | None,
    framework: str | None,
    latest: bool,
) -> builtins.list[AssetInfo]:
    wanted_tags = _filter(tags, "tags")
    wanted_properties = _filter(properties, "properties")
    assets = workspace.store.list_assets(KIND, name)
    if latest:
        newest = {asset.name: asset for asset in assets}  # listed by name, then version
        assets = builtins.list(newest.values())
    return [
        asset
        for asset in assets
        if (run_id is None or asset.run_id == run_id)
        and (framework is None or asset.document.get("framework") == framework)
        and _has(asset.tags, wanted_tags)
        and _has(asset.properties, wanted_properties)
    ]


def _filter(given: object, what: str) -> builtins.list[tuple[str, Any]]:
    """Azure ML's filter shape: a list of keys and [key, value] pairs -> (key, value or None)."""
    if given is None:
        return []
    if not isinstance(given, (builtins.list, tuple)):
        raise ValidationError(
            f"{what} filter {short_repr(given)} is a {type(given).__name__}; expected a list "
            f"of keys and [key, value] pairs, e.g. ['key', ['key2', 'value']]"
        )
    pairs: builtins.list[tuple[str, Any]] = []
    for item in given:
        if isinstance(item, str):
            pairs.append((item, None))
        elif (
            isinstance(item, (builtins.list, tuple)) and len(item) == 2 and isinstance(item[0], str)
        ):
            pairs.append((item[0], item[1]))
        else:
            raise ValidationError(
                f"{what} filter item {short_repr(item)} is neither a key nor a [key, value] pair"
            )
    return pairs


def _has(values: Mapping[str, Any], wanted: builtins.list[tuple[str, Any]]) -> bool:
    return all(
        key in values and (value is None or str(values[key]) == str(value)) for key, value in wanted
    )


def _cached_path(model_name: str, version: int | None) -> str | None:
    """The model's one file or folder in `./azureml-models/<name>/<version>/` (the newest
    version there when None), else `./<model_name>` if it exists."""
    folder = Path(MODELS_DIR, model_name)
    if folder.is_dir():
        versions = [int(p.name) for p in folder.iterdir() if p.name.isdigit()]
        number = version if version is not None else max(versions, default=None)
        chosen = folder / str(number)
        if number is not None and chosen.is_dir():
            entries = sorted(chosen.iterdir())
            if len(entries) != 1:
                raise ValidationError(
                    f"{chosen} should hold one file or folder (the model), not "
                    f"{[p.name for p in entries]}"
                )
            return str(entries[0])
    return model_name if os.path.exists(model_name) else None


def _say(text: str) -> None:
    if not _settings.quiet():
        print(text, file=sys.stderr)
