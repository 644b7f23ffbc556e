"""A real Jupyter server with the runwatch extension announces the store it shows,
and `run.get_portal_url()` links to that server and to no other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import runwatch
from runwatch.tracking._portal_link import portal_url


async def test_the_server_announces_its_store_and_the_link_points_to_it(
    jp_serverapp: Any, jp_fetch: Any, server_ws: runwatch.Workspace
) -> None:
    run = runwatch.Experiment(server_ws, "linked").start_logging()
    run.complete()
    runtime = Path(jp_serverapp.runtime_dir)
    record = json.loads(
        (runtime / f"runwatch-server-{jp_serverapp.server_info()['pid']}.json").read_text()
    )
    assert record["store_url"] == server_ws.store_url
    jp_serverapp.write_server_info_file()  # what a started server does at start-up
    try:
        url = portal_url(run.id, server_ws.store_url, runtime)
        assert url == f"{jp_serverapp.connection_url}lab?runwatch-run={run.id}"
        assert jp_serverapp.identity_provider.token not in url
        with pytest.warns(RuntimeWarning, match="show other stores"):
            other = portal_url(run.id, "sqlite:////some/other/runwatch.db", runtime)
        assert other.startswith("http://localhost:8888/lab?")
    finally:
        jp_serverapp.remove_server_info_file()
    # The run the link names is one this server shows.
    response = await jp_fetch("runwatch", "api", "runs", run.id)
    assert json.loads(response.body)["run"]["id"] == run.id
