"""Links that open a run in a JupyterLab running on this machine.

Jupyter servers announce themselves in `jpserver-<pid>.json` files in
Jupyter's runtime folder. runwatch's server extension adds a
`runwatch-server-<pid>.json` beside it naming the store it shows, so a
link is only ever made to a server that can open the run. The token is
never put in the link: whoever opens it logs in as usual.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

from runwatch.tracking import _liveness

SERVER_PREFIX = "jpserver-"
RECORD_PREFIX = "runwatch-server-"
#: the query parameter the JupyterLab extension reads to open a run on load
OPEN_RUN_PARAMETER = "runwatch-run"


def runtime_dir() -> Path:
    """Jupyter's runtime folder (JUPYTER_RUNTIME_DIR, or the platform default)."""
    from jupyter_core.paths import jupyter_runtime_dir

    return Path(jupyter_runtime_dir())


def write_server_record(folder: str | os.PathLike[str], store_url: str) -> Path:
    """Say that the server in this process shows the store at `store_url`."""
    path = Path(folder) / f"{RECORD_PREFIX}{os.getpid()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "store_url": store_url}), encoding="utf-8")
    return path


def remove_server_record(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # being written, or removed meanwhile
        return None
    return data if isinstance(data, dict) else None


def _live(folder: Path, prefix: str) -> list[tuple[float, dict[str, Any]]]:
    """(modified time, content) of the files `prefix*.json` whose process is alive."""
    found = []
    for path in folder.glob(f"{prefix}*.json"):
        data = _read_json(path)
        pid = data.get("pid") if data else None
        if data is None or not isinstance(pid, int) or not _liveness.process_exists(pid):
            continue
        with contextlib.suppress(OSError):
            found.append((path.stat().st_mtime, data))
    return found


#: Where `jupyter lab` started with its defaults serves JupyterLab.
DEFAULT_LAB_URL = "http://localhost:8888/"


def portal_url(run_id: str, store_url: str, folder: Path | None = None) -> str:
    """The URL of the run's view in a running JupyterLab that shows `store_url`.

    Like Azure's, this always returns a link. With no such server running it is
    the link that `jupyter lab`, started in the workspace's folder with its
    defaults, would serve, and a warning says that none serves it now.
    """
    folder = runtime_dir() if folder is None else folder
    servers = _live(folder, SERVER_PREFIX)
    showing = {
        record["pid"]
        for _, record in _live(folder, RECORD_PREFIX)
        if record.get("store_url") == store_url
    }
    candidates = [
        (started, info)
        for started, info in servers
        if info.get("pid") in showing
        and str(info.get("url", "")).startswith(("http://", "https://"))
    ]
    if candidates:
        _, newest = max(candidates, key=lambda item: item[0])
        base = str(newest["url"])
    else:
        base = DEFAULT_LAB_URL
        if servers:
            urls = ", ".join(sorted(str(info.get("url")) for _, info in servers))
            why = f"the Jupyter servers running ({urls}) show other stores"
        else:
            why = f"no Jupyter server is running on this machine (none announced in {folder})"
        warnings.warn(
            f"{why}; this link opens run {run_id} once `jupyter lab` runs in the "
            f"workspace's folder (or with c.RunWatch.workspace set to the store {store_url})",
            RuntimeWarning,
            stacklevel=3,
        )
    if not base.endswith("/"):
        base += "/"
    return f"{base}lab?{OPEN_RUN_PARAMETER}={quote(run_id, safe='')}"
