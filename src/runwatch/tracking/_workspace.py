"""Workspaces: one run store plus one artifact store, named by URLs.

`Workspace.from_config()` looks for `.runwatch/config.json` (or a
`config.json` that names a store, or an Azure ML `config.json`) in a folder
and its parents. With none, it makes the default local workspace,
`.runwatch/` in the current folder, writes its config there and says so.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runwatch.artifacts._s3_options import check_options
from runwatch.artifacts._store import ArtifactStore
from runwatch.core import _settings
from runwatch.errors import ConfigError
from runwatch.store import RunStore, open_store, scheme_of

if TYPE_CHECKING:
    from runwatch.tracking._environments import Environment
    from runwatch.tracking._experiment import Experiment

CONFIG_DIR = ".runwatch"
CONFIG_FILE = "config.json"
DB_FILE = "runwatch.db"
ARTIFACTS_DIR = "artifacts"
_AZURE_KEYS = {"subscription_id", "resource_group", "workspace_name"}


class Workspace:
    """A run store and an artifact store.

    `artifacts` is a folder or an fsspec URL such as `s3://bucket/prefix`;
    `artifacts_options` are its storage options (for S3: `endpoint_url`, `key`,
    `secret`, `region`, ...; a value `"${NAME}"` is read from that environment
    variable when the store is opened). See `runwatch.artifacts._s3_options`.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> ws = Workspace("demo", store=f"sqlite:///{folder}/runwatch.db",
    ...                artifacts=f"{folder}/artifacts")
    >>> ws.name
    'demo'
    """

    def __init__(
        self,
        name: str = "local",
        store: str | None = None,
        artifacts: str | None = None,
        *,
        artifacts_options: Mapping[str, Any] | None = None,
        config_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"workspace name {name!r} must be a non-empty str")
        base = Path.cwd()
        if store is None:
            store = f"sqlite:///{base / CONFIG_DIR / DB_FILE}"
        store = _absolute_store_url(store, base)
        if artifacts is None:
            artifacts = _default_artifacts(store)
        self.name = name
        self.store_url = store
        self.artifacts_url = _absolute_artifacts_url(artifacts, base)
        # As given: "${NAME}" references stay unresolved until the store is opened.
        self.artifacts_options = check_options(artifacts_options, "of the workspace")
        self.config_path = Path(config_path) if config_path is not None else None
        self._store: RunStore = open_store(store)
        self._artifacts: ArtifactStore | None = None

    # --- construction from a config file ------------------------------------------
    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None) -> Workspace:
        """The workspace described by the nearest config file.

        `path` is a config file, or a folder to search with its parents (the
        current folder if None). Without any config, the default local
        workspace in the current folder is used (and created), and a line
        on stderr says where.
        """
        found = cls.find_config(path)
        if found is not None:
            return found
        searched = Path(path).expanduser().resolve() if path is not None else Path.cwd()
        return cls._default_local(Path.cwd(), searched=searched)

    @classmethod
    def find_config(cls, path: str | os.PathLike[str] | None = None) -> Workspace | None:
        """Like `from_config`, but None where no config is found: nothing is created.

        For readers (`runwatch runs`, the Jupyter server) that must not leave a
        `.runwatch/` folder behind wherever they happen to be started.
        """
        start = Path(path).expanduser().resolve() if path is not None else Path.cwd()
        if path is not None and start.is_file():
            return cls._from_file(start)
        if path is not None and not start.exists():
            raise ConfigError(f"workspace config path {str(path)!r} does not exist")
        found = _find_config(start)
        return cls._from_file(found) if found is not None else None

    @classmethod
    def _from_file(cls, file: Path) -> Workspace:
        try:
            config = json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ConfigError(
                f"workspace config {file} is not valid JSON: {error.msg} at line "
                f"{error.lineno} column {error.colno}"
            ) from None
        except OSError as error:
            raise ConfigError(f"cannot read workspace config {file}: {error}") from None
        if not isinstance(config, dict):
            raise ConfigError(
                f"workspace config {file} holds a {type(config).__name__}; expected a JSON "
                'object such as {"name": "team", "store": "sqlite:///runwatch.db"}'
            )
        base = file.parent
        if "store" not in config and _AZURE_KEYS & config.keys():
            # An Azure ML config: use a local workspace beside it, named like the Azure one.
            name = str(config.get("workspace_name") or "local")
            local = base.parent if base.name == ".azureml" else base
            return cls(name, f"sqlite:///{local / CONFIG_DIR / DB_FILE}", config_path=file)
        store = config.get("store")
        if not isinstance(store, str):
            raise ConfigError(
                f'workspace config {file} has no "store" URL; expected e.g. '
                '"store": "sqlite:///runwatch.db"'
            )
        try:
            scheme_of(store)
        except ConfigError as error:
            raise ConfigError(f"{error} (in {file})") from None
        artifacts = config.get("artifacts")
        if artifacts is not None and not isinstance(artifacts, str):
            raise ConfigError(f'"artifacts" in {file} must be a path or URL string')
        return cls(
            str(config.get("name") or "local"),
            _absolute_store_url(store, base),
            _absolute_artifacts_url(artifacts, base) if artifacts else None,
            artifacts_options=check_options(config.get("artifacts_options"), f"in {file}"),
            config_path=file,
        )

    @classmethod
    def _default_local(cls, folder: Path, *, searched: Path) -> Workspace:
        root = folder / CONFIG_DIR
        ws = cls("local", f"sqlite:///{root / DB_FILE}", str(root / ARTIFACTS_DIR))
        ws.write_config(folder)
        if not _settings.quiet():
            print(
                f"runwatch: no workspace config in {searched} or its parents; "
                f"using the local workspace {root}",
                file=sys.stderr,
            )
        return ws

    def write_config(
        self, path: str | os.PathLike[str] | None = None, file_name: str | None = None
    ) -> Path:
        """Write `<path>/.runwatch/config.json` (path: the current folder by default)."""
        folder = Path(path) if path is not None else Path.cwd()
        file = folder / CONFIG_DIR / (file_name or CONFIG_FILE)
        file.parent.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {
            "name": self.name,
            "store": self.store_url,
            "artifacts": self.artifacts_url,
        }
        if self.artifacts_options:
            config["artifacts_options"] = self.artifacts_options
        file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        self.config_path = file
        return file

    # --- what a workspace holds ----------------------------------------------------
    @property
    def store(self) -> RunStore:
        return self._store

    @property
    def artifacts(self) -> ArtifactStore:
        if self._artifacts is None:
            self._artifacts = ArtifactStore(self.artifacts_url, self.artifacts_options)
        return self._artifacts

    @property
    def experiments(self) -> dict[str, Experiment]:
        """Every experiment of the workspace, by name."""
        from runwatch.tracking._experiment import Experiment

        return {info.name: Experiment(self, info.name) for info in self._store.list_experiments()}

    @property
    def environments(self) -> dict[str, Environment]:
        """The registered environments by name (latest version), as `Environment.list`."""
        from runwatch.tracking._environments import Environment

        return Environment.list(self)

    # --- Azure ML's identity fields --------------------------------------------------
    @property
    def subscription_id(self) -> str:
        """The Azure config's `subscription_id` this workspace was found from, else "local"."""
        return self._azure_field("subscription_id")

    @property
    def resource_group(self) -> str:
        """The Azure config's `resource_group` this workspace was found from, else "local"."""
        return self._azure_field("resource_group")

    @property
    def location(self) -> str:
        """The Azure config's `location` this workspace was found from, else "local"."""
        return self._azure_field("location")

    def _azure_field(self, key: str) -> str:
        if self.config_path is not None and self.config_path.is_file():
            try:
                config = json.loads(self.config_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                config = None
            if isinstance(config, dict) and config.get(key):
                return str(config[key])
        return "local"

    def get_details(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "store": self.store_url,
            "artifacts": self.artifacts_url,
            "config": str(self.config_path) if self.config_path else None,
        }

    def __repr__(self) -> str:
        return f"Workspace(name={self.name!r}, store={self.store_url!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Workspace) and other.store_url == self.store_url

    def __hash__(self) -> int:
        return hash(self.store_url)


def _find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_DIR / CONFIG_FILE
        if candidate.is_file():
            return candidate
        for other in (folder / CONFIG_FILE, folder / ".azureml" / CONFIG_FILE):
            if other.is_file() and _is_workspace_config(other):
                return other
    return None


def _is_workspace_config(file: Path) -> bool:
    """A bare config.json counts only if it names a store or an Azure workspace."""
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(config, dict) and ("store" in config or bool(_AZURE_KEYS & config.keys()))


def _absolute_store_url(url: str, base: Path) -> str:
    scheme = scheme_of(url)
    if scheme == "sqlite":
        from runwatch.store._sqlite import path_from_url

        return f"sqlite:///{path_from_url(url, base)}"
    return url


def _absolute_artifacts_url(url: str, base: Path) -> str:
    if "://" in url and not url.startswith("file://"):
        return url
    path = Path(url[len("file://") :] if url.startswith("file://") else url).expanduser()
    return str(path if path.is_absolute() else (base / path))


def _default_artifacts(store_url: str) -> str:
    if scheme_of(store_url) == "sqlite":
        from runwatch.store._sqlite import path_from_url

        return str(path_from_url(store_url).parent / ARTIFACTS_DIR)
    raise ConfigError(
        f"the store {store_url!r} is not a local file, so artifacts need their own URL: "
        "Workspace(..., artifacts='s3://bucket/prefix' or a shared folder)"
    )
