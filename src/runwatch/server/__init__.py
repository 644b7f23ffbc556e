"""runwatch's jupyter_server extension: a read-only REST API over the run store.

Enabled as the server extension `runwatch` (`_jupyter_server_extension_points`
in the `runwatch` package points here). Routes live under
`<base_url>/runwatch/api/`, described by `openapi.json` in this folder (also
served at `<base_url>/runwatch/api/openapi.json`). The workspace shown is
`c.RunWatch.workspace` if set, else the nearest one above the server's root
dir (see `_locate`).
"""

from __future__ import annotations

import atexit
from typing import Any

from traitlets import Unicode
from traitlets.config import Configurable


class RunWatch(Configurable):
    """Settings of the runwatch server extension (`c.RunWatch.<name>` in Jupyter config)."""

    workspace = Unicode(
        "",
        config=True,
        help=(
            "The workspace to show: a workspace config file, or a folder searched with its "
            "parents for .runwatch/config.json (relative to the server's root dir). "
            "Empty: search from the server's root dir."
        ),
    )


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "runwatch.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    # Imported here: jupyter_server is needed only inside a running server.
    from runwatch.server._handlers import setup_route_handlers
    from runwatch.server._locate import WorkspaceLocator
    from runwatch.tracking import _portal_link as _portal
    from runwatch.tracking._workspace import Workspace
    from runwatch.views._service import RunwatchService

    def announce(workspace: Workspace) -> None:
        # Beside the server's jpserver-<pid>.json, so run.get_portal_url() can tell
        # which running server shows which store.
        record = _portal.write_server_record(serverapp.runtime_dir, workspace.store_url)
        atexit.register(_portal.remove_server_record, record)

    settings = RunWatch(parent=serverapp)
    locator = WorkspaceLocator(settings.workspace, serverapp.root_dir, on_found=announce)
    url = setup_route_handlers(serverapp.web_app, RunwatchService(locator))
    serverapp.log.info("runwatch: REST API at %s serves %s", url, locator.describe())
