"""Which workspace a Jupyter server shows.

`c.RunWatch.workspace` names a workspace config file, or a folder searched
with its parents like `Workspace.from_config(folder)`; relative paths are
relative to the server's root dir. Without it, the server's root dir and
its parents are searched. Unlike `Workspace.from_config()`, finding nothing
creates nothing: the server answers with an empty experiment list and looks
again on the next request, so a workspace made later (by the first notebook
that logs a run) shows up without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from runwatch.tracking._workspace import Workspace, _find_config


class WorkspaceLocator:
    """Finds the workspace once it exists, then keeps it."""

    def __init__(
        self,
        configured: str,
        root_dir: str,
        on_found: Callable[[Workspace], None] | None = None,
    ) -> None:
        root = Path(root_dir).expanduser()
        path = Path(configured).expanduser() if configured else root
        self.start = (path if path.is_absolute() else root / path).resolve()
        self.configured = bool(configured)
        self._found: Workspace | None = None
        self._on_found = on_found
        self._lock = threading.Lock()

    def find(self) -> Workspace | None:
        """The workspace, or None while there is none at the configured place."""
        if self._found is not None:
            return self._found
        with self._lock:
            if self._found is None:
                config = self.start if self.start.is_file() else None
                if config is None and self.start.is_dir():
                    config = _find_config(self.start)
                if config is not None:
                    self._found = Workspace.from_config(config)
                    if self._on_found is not None:
                        self._on_found(self._found)
            return self._found

    def describe(self) -> str:
        """Where the workspace comes from, for the server log and error messages."""
        found = self.find()
        source = "c.RunWatch.workspace" if self.configured else "the server's root dir"
        if found is not None:
            return f"workspace {found.name!r} ({found.config_path}), found from {source}"
        return (
            f"no workspace config at {self.start} or its parents (from {source}); "
            "experiment lists stay empty until one appears (a notebook that logs a run "
            "creates .runwatch/ in its folder; c.RunWatch.workspace names another)"
        )
