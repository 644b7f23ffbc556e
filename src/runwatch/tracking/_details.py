"""The details half of `Run`: `get_details()`, waiting for the end, links and HTML."""

from __future__ import annotations

import time
from typing import Any

from runwatch.artifacts._logs import DRIVER_LOG, LOG_PREFIX
from runwatch.core import _html
from runwatch.core._records import RunInfo, RunStatus, RunType
from runwatch.errors import ActivityFailedError
from runwatch.tracking import _liveness
from runwatch.tracking import _portal_link as _portal
from runwatch.tracking._workspace import Workspace


class DetailsMixin:
    id: str
    _ws: Workspace

    def _refresh(self) -> RunInfo:
        raise NotImplementedError  # provided by Run

    def get_file_names(self) -> list[str]:
        raise NotImplementedError  # provided by FilesMixin

    def wait_for_completion(
        self,
        show_output: bool = False,
        wait_post_processing: bool = False,
        raise_on_error: bool = True,
        *,
        poll_interval: float = 0.5,
    ) -> dict[str, Any]:
        """Block until the run ends; return its details.

        With `show_output`, print the driver log as it grows, then a summary.
        A Failed run raises `ActivityFailedError` unless `raise_on_error=False`.
        """

        offset = 0
        while True:
            info = self._refresh()
            status = info.status
            if show_output:
                offset = self._print_log_since(DRIVER_LOG, offset)
            # A submitted run is done when the agent lets go of it (outputs uploaded),
            # even if the script marked it final earlier.
            driver_done = _liveness.released(info)
            if RunStatus.is_final(status) and (driver_done or info.run_type == RunType.INTERACTIVE):
                break
            time.sleep(poll_interval)
        details = self.get_details()
        if show_output:
            print(self._summary(details), flush=True)
        if raise_on_error and status == RunStatus.FAILED:
            raise ActivityFailedError(self.id, details.get("error", {}).get("error", {}))
        return details

    def _print_log_since(self, name: str, offset: int) -> int:
        info = self._ws.store.get_file(self.id, name)
        if info is None or info.size <= offset:
            return offset
        data = self._ws.artifacts.read_range(self.id, "files", name, offset, info.size)
        print(data.decode("utf-8", errors="replace"), end="", flush=True)
        return offset + len(data)

    def _summary(self, details: dict[str, Any]) -> str:

        metrics = self._ws.store.list_metrics(self.id)
        files = self.get_file_names()
        names = ", ".join(m.name for m in metrics[:8]) + (", ..." if len(metrics) > 8 else "")
        lines = [
            "",
            f"Run {self.id}: {details['status']} in {_html.duration(details['durationSeconds'])}",
            f"  metrics: {len(metrics)} ({names})",
            f"  files: {len(files)}",
        ]
        if "error" in details:
            lines.append(f"  error: {details['error']['error'].get('message', '')}")
        return "\n".join(lines)

    # --- details ---------------------------------------------------------------------
    def get_details(self) -> dict[str, Any]:
        """Status, times, properties, tags, log files and error, Azure-style."""
        info = self._refresh()
        definition = self._ws.store.get_definition(self.id) or {}
        details: dict[str, Any] = {
            "runId": info.id,
            "runNumber": info.number,
            "experimentName": info.experiment,
            "displayName": info.display_name,
            "type": info.run_type,
            # A submitted run's compute target by name; logged in a notebook or script: local.
            "target": (definition.get("compute") or {}).get("name", "local"),
            "status": info.status,
            "parentRunId": info.parent_id,
            "createdTimeUtc": _iso(info.created_time),
            "startTimeUtc": _iso(info.start_time),
            "endTimeUtc": _iso(info.end_time),
            "durationSeconds": info.duration(time.time()),
            "properties": dict(info.properties),
            "tags": dict(info.tag_values),
            "inputDatasets": [],
            "outputDatasets": [],
            "runDefinition": _run_definition(definition),
            "logFiles": {
                name: self._file_uri(name)
                for name in self.get_file_names()
                if name.startswith(LOG_PREFIX)
            },
        }
        if info.error is not None:
            details["error"] = {"error": dict(info.error)}
        return details

    def get_details_with_logs(self) -> dict[str, Any]:
        """`get_details()` with the text of each log file in `logFiles`."""
        details = self.get_details()
        details["logFiles"] = {
            name: self._ws.artifacts.read_range(self.id, "files", name, 0, None).decode(
                "utf-8", errors="replace"
            )
            for name in details["logFiles"]
        }
        return details

    def get_portal_url(self) -> str:
        """A URL that opens this run in a JupyterLab running on this machine.

        The server must show this run's workspace (runwatch's server extension
        says which one it shows); the link carries no token. With no such
        server running, the link of a `jupyter lab` started in the workspace's
        folder, and a `RuntimeWarning` saying that none runs now.
        """

        return _portal.portal_url(self.id, self._ws.store_url)

    def _file_uri(self, name: str) -> str:
        return f"runwatch://{self.id}/{name}"

    def _repr_html_(self) -> str:

        return _html.run_table(self._refresh())


def _run_definition(definition: dict[str, Any]) -> dict[str, Any]:
    """What a submitted run executes, in the camelCase keys of Azure's run definition.

    A run logged from a notebook or script has none: `{}`, as in Azure. A sweep's
    definition is its trials' (`script`, `arguments`, ...) plus its own settings.
    """
    script = definition.get("trial", definition)
    if "script" not in script and "command" not in script:
        return {}
    compute = definition.get("compute") or {}
    return {
        "script": script.get("script"),
        "command": " ".join(script["command"]) if script.get("command") else "",
        "arguments": list(script.get("arguments") or []),
        "target": compute.get("name", "local"),
        "framework": "Python",
        "communicator": "None",
        "nodeCount": 1,
        "maxRunDurationSeconds": script.get("max_run_duration_seconds"),
        "environment": script.get("environment"),
        "dataReferences": {},
        "data": {},
        "outputData": {},
        "sourceDirectory": script.get("source_directory"),
        "snapshotId": script.get("snapshot"),
    }


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"
