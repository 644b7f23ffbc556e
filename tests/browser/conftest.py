"""Browser tests: a real JupyterLab (or Notebook 7) server driven by Debian chromium.

The server runs as a subprocess on 127.0.0.1 with a random token and its own
config/runtime folders; chromium runs headless through Python playwright.
Screenshots go to test-artifacts/browser/. Without chromium or playwright these
tests are skipped, or failed with RUNWATCH_REQUIRE_ALL=1 (`tests/_parts.py`);
RUNWATCH_TEST_CHROMIUM names another chromium binary.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from _parts import chromium_path, require
from runwatch.cli._jupyter import SERVER_EXTENSION_ARG, lab_environment

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every test here drives chromium: check for it before any fixture starts a server.

    (A `pytestmark` in a conftest is ignored; this hook runs only for the tests of this
    folder, before their fixtures.)"""
    require("playwright")
    require("chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With pytest-xdist, run every browser test on one worker (one JupyterLab, one chromium)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    app: str  # "lab" or "notebook"
    runtime_dir: Path | None = None  # its JUPYTER_RUNTIME_DIR (where it announces itself)

    def notebook(self, name: str, cells: list[str]) -> Path:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        path = self.root / name
        nbformat.write(nb, path)
        return path

    def api(self, path: str, method: str = "GET", body: Any = None) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            data = response.read()
        return json.loads(data) if data else None


def logging_process(root: Path, code: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    """Python `code` in a separate process in `root` (the workspace's folder), with its
    stdin a pipe to say "go"; returns it and the first line it prints (a run id)."""
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "RUNWATCH_QUIET": "1"},
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def news_off(settings_dir: Path) -> None:
    """Turn off JupyterLab's news prompt, which would cover the screenshots."""
    folder = settings_dir / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )


def _start(app: str, root: Path, home: Path) -> Server:
    port, token = free_port(), secrets.token_hex(16)
    # This checkout's sidebar extension and server extension, whatever is installed.
    env = {
        **lab_environment(home / "data", os.environ),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "RUNWATCH_QUIET": "1",
        "RUNWATCH_AGENT_IDLE": "5",
    }
    news_off(home / "settings")
    command = [
        sys.executable,
        "-m",
        "jupyter",
        app,
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.disable_check_xsrf=False",
        SERVER_EXTENSION_ARG,
    ]
    command.append(
        "--LabApp.expose_app_in_browser=True"
        if app == "lab"
        else "--JupyterNotebookApp.expose_app_in_browser=True"
    )
    log = open(home / f"{app}.log", "wb")  # noqa: SIM115 - closed when the server stops
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    server = Server(f"http://127.0.0.1:{port}", token, root, process, app, home / "runtime")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((home / f"{app}.log").read_text()[-3000:])
        try:
            server.api("/api/status")
            return server
        except OSError:
            time.sleep(0.25)
    raise RuntimeError("the Jupyter server did not start in 60 s")


def _stop(server: Server) -> None:
    try:
        server.api("/api/shutdown", method="POST")
        server.process.wait(timeout=15)
    except Exception:  # it did not stop politely: end it by its PID
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=15)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("lab-root")
    server = _start("lab", root, tmp_path_factory.mktemp("lab-home"))
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("nb-root")
    server = _start("notebook", root, tmp_path_factory.mktemp("nb-home"))
    yield server
    _stop(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium per test module, stopped with its Playwright when the module ends.

    The sync Playwright API marks its asyncio loop as running in the main thread for
    as long as Playwright lives. Session-wide, that loop would still be "running" when
    xdist gives this worker a Jupyter server test next, and pytest-jupyter's loop
    fixtures would fail ("This event loop is already running"). Module scope stops
    Playwright, and with it closes its loop, before any test of another module runs;
    starting chromium once per module costs about a second.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # none: what the next module's tests need
        return
    raise RuntimeError(f"Playwright left {loop} running in the main thread")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed and "page" in getattr(item, "funcargs", {}):
        screenshot(item.funcargs["page"], f"failed-{item.name}")  # what the browser showed
    return report


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def open_notebook(page: Any, server: Server, path: Path) -> None:
    """Open a notebook and wait until its own kernel is idle."""
    relative = path.relative_to(server.root).as_posix()
    route = "lab/tree" if server.app == "lab" else "notebooks"
    reset = "&reset" if server.app == "lab" else ""  # no tabs restored from earlier tests
    page.goto(f"{server.url}/{route}/{relative}?token={server.token}{reset}")
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
    ready = """() => {
        const w = window.jupyterapp.shell.currentWidget;
        const k = w && w.sessionContext && w.sessionContext.session
            && w.sessionContext.session.kernel;
        return Boolean(k && k.status === 'idle' && w.content && w.content.widgets.length);
    }"""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        accept = page.locator(".jp-Dialog .jp-mod-accept")
        if accept.count():  # JupyterLab may ask which kernel to start: the notebook's own
            accept.first.click()
        if page.evaluate(ready):
            return
        time.sleep(0.25)
    raise TimeoutError(f"{relative}: its kernel did not become idle in 90 s")


def run_all(page: Any, server: Server) -> None:
    """Run every cell without waiting for them (so busy cells can be watched)."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def workspace_in(root: Path) -> Any:
    from runwatch import Workspace

    ws = Workspace("browser", store=f"sqlite:///{root}/.runwatch/runwatch.db")
    ws.write_config(root)
    return ws


def rm(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
