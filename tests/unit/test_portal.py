"""`Run.get_portal_url()`: which running Jupyter server a link points to.

These tests write the runtime files that a Jupyter server and runwatch's
server extension write, for live processes (a `sleep` started here), so the
choice among several servers can be checked without starting several
JupyterLabs. The browser tests open a real portal URL in a real JupyterLab.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runwatch import Run
from runwatch.tracking._portal_link import portal_url


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "runtime"
    folder.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(folder))
    return folder


@pytest.fixture
def live_pids() -> Iterator[list[int]]:
    """Pids of processes that stay alive for the test (stand-ins for servers)."""
    processes: list[subprocess.Popen[bytes]] = []
    pids: list[int] = []

    def start() -> int:
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        processes.append(process)
        return process.pid

    pids.extend(start() for _ in range(3))
    yield pids
    for process in processes:
        process.kill()
        process.wait()


def _announce(folder: Path, pid: int, url: str, store_url: str | None) -> None:
    (folder / f"jpserver-{pid}.json").write_text(
        json.dumps({"pid": pid, "url": url, "token": "secret-token", "root_dir": "/"})
    )
    if store_url is not None:
        (folder / f"runwatch-server-{pid}.json").write_text(
            json.dumps({"pid": pid, "store_url": store_url})
        )


def test_no_server_running_gives_the_default_lab_link_and_says_so(run: Run, runtime: Path) -> None:
    with pytest.warns(RuntimeWarning, match="no Jupyter server is running") as caught:
        url = run.get_portal_url()
    assert url == f"http://localhost:8888/lab?runwatch-run={run.id}"
    assert str(runtime) in str(caught[0].message)


def test_dead_servers_do_not_count(run: Run, runtime: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _announce(runtime, dead.pid, "http://127.0.0.1:9/", run.workspace.store_url)
    with pytest.warns(RuntimeWarning, match="no Jupyter server is running"):
        assert run.get_portal_url().startswith("http://localhost:8888/lab?")


def test_the_link_goes_to_the_server_showing_the_run_store(
    run: Run, runtime: Path, live_pids: list[int]
) -> None:
    other, showing, plain = live_pids
    _announce(runtime, other, "http://127.0.0.1:8001/", "sqlite:////elsewhere/runwatch.db")
    _announce(runtime, showing, "http://127.0.0.1:8002/base/", run.workspace.store_url)
    _announce(runtime, plain, "http://127.0.0.1:8003/", None)  # runwatch not enabled there
    url = run.get_portal_url()
    assert url == f"http://127.0.0.1:8002/base/lab?runwatch-run={run.id}"
    assert "token" not in url and "secret" not in url


def test_servers_that_show_other_stores_are_named(
    run: Run, runtime: Path, live_pids: list[int]
) -> None:
    _announce(runtime, live_pids[0], "http://127.0.0.1:8001/", "sqlite:////elsewhere/x.db")
    with pytest.warns(RuntimeWarning, match="show other stores") as caught:
        url = run.get_portal_url()
    assert url.startswith("http://localhost:8888/lab?runwatch-run=")
    assert "http://127.0.0.1:8001/" in str(caught[0].message)
    assert run.workspace.store_url in str(caught[0].message)


def test_run_ids_are_quoted(runtime: Path, live_pids: list[int]) -> None:
    _announce(runtime, live_pids[0], "http://127.0.0.1:8001", "sqlite:////w/runwatch.db")
    url = portal_url("exp_1&x=<b>", "sqlite:////w/runwatch.db", runtime)
    assert url == "http://127.0.0.1:8001/lab?runwatch-run=exp_1%26x%3D%3Cb%3E"
