"""The README's main job: `runwatch demo` opens JupyterLab on a notebook with live runs."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import runwatch

from .conftest import Server, free_port, news_off, open_notebook, run_all, screenshot


def test_demo_opens_lab_with_a_live_sweep(tmp_path: Path, page: Any) -> None:
    port, token = free_port(), secrets.token_hex(16)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "RUNWATCH_AGENT_IDLE": "5",
    }
    news_off(home / "settings")
    log = (tmp_path / "lab.log").open("wb")
    folder = tmp_path / "demo"
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runwatch",
            "demo",
            "--dir",
            str(folder),
            "--port",
            str(port),
            "--",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            "--LabApp.expose_app_in_browser=True",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", token, folder, lab, "lab")  # type: ignore[arg-type]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                server.api("/api/status")
                break
            except OSError:
                assert lab.poll() is None, (tmp_path / "lab.log").read_text()[-3000:]
                time.sleep(0.25)
        console = (tmp_path / "console.log").open("w")
        page.on("console", lambda m: console.write(f"{m.type}: {m.text}\n"))
        page.on("requestfailed", lambda r: console.write(f"FAILED {r.url} {r.failure}\n"))
        open_notebook(page, server, folder / "demo.ipynb")
        run_all(page, server)
        try:
            _watch(page)
        except Exception:
            screenshot(page, "failed-demo-before-shutdown")
            raise
    finally:
        try:
            urllib.request.urlopen(
                urllib.request.Request(
                    f"{server.url}/api/shutdown",
                    method="POST",
                    headers={"Authorization": f"token {token}"},
                ),
                timeout=10,
            )
            lab.wait(timeout=20)
        except Exception:  # stop it by its PID
            lab.send_signal(signal.SIGTERM)
            lab.wait(timeout=20)
        log.close()
        _cancel_what_is_left(folder)


def _cancel_what_is_left(folder: Path) -> None:
    """Cancel the demo's sweep (and anything else queued or running), so the demo's
    agent finishes and exits after its idle time instead of outliving the test."""
    ws = runwatch.Workspace.from_config(folder)
    for info in ws.store.list_active():
        if info.parent_id is None:
            runwatch.Run.get(ws, info.id).cancel()


def _watch(page: Any) -> None:
    page.wait_for_selector(".rw-child-row", timeout=60_000)  # the sweep's trials
    page.wait_for_function(
        "() => [...document.querySelectorAll('.rw-header .rw-badge')]"
        ".some(b => b.textContent.includes('Running'))",
        timeout=30_000,
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.bqplot .mainheading').length >= 3", timeout=60_000
    )
    time.sleep(3)
    screenshot(page, "demo")
    # The sidebar is there too, reading the demo workspace through the server extension.
    page.evaluate("() => window.jupyterapp.commands.execute('runwatch:open-sidebar')")
    page.wait_for_selector('.rw-sb-experiment[data-experiment="demo-sweep"]', timeout=30_000)
    page.wait_for_selector(".rw-sb-run .rw-badge", timeout=30_000)
    screenshot(page, "demo-sidebar")
