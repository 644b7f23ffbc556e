"""The sidebar's Models section, driven by chromium against the real REST API.

Models are registered by this process in the workspace at the lab's root while
the sidebar is open. Screenshot: test-artifacts/browser/sidebar-models.png.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from runwatch import Experiment, Model, Workspace

from .conftest import Server, screenshot, workspace_in

XSS_TAG = ("<b>stage</b>", "<img src=x onerror=alert(1)>")


@pytest.fixture(scope="module")
def ws(lab: Server) -> Workspace:
    """The lab's workspace, polled every second by the sidebar."""
    lab.api(
        "/lab/api/settings/runwatch:plugin",
        method="PUT",
        body={"raw": json.dumps({"refreshInterval": 1})},
    )
    return workspace_in(lab.root)


def open_lab_sidebar(page: Any, lab: Server) -> None:
    page.goto(f"{lab.url}/lab?reset&token={lab.token}")
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('runwatch:open-sidebar')",
        timeout=60_000,
    )
    page.evaluate(
        """async () => {
            await window.jupyterapp.restored;
            await window.jupyterapp.commands.execute('runwatch:open-sidebar');
        }"""
    )
    page.locator(".rw-sb-models").wait_for(timeout=30_000)


def test_registered_models_appear_and_open_their_run(
    lab: Server, ws: Workspace, page: Any, tmp_path: Any
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_lab_sidebar(page, lab)
    with Experiment(ws, "sb-models").start_logging(display_name="ridge training") as run:
        run.upload_file("outputs/ridge_0.40.pkl", io.BytesIO(b"ridge"))
    run.register_model(
        "best_ridge_model", "./outputs/ridge_0.40.pkl", tags={XSS_TAG[0]: XSS_TAG[1]}
    )
    local = tmp_path / "model.onnx"
    local.write_bytes(b"onnx")
    Model.register(ws, str(local), "uploaded-onnx", tags={"area": "diabetes"})

    # Registered after the sidebar opened: the poll brings them in, newest first.
    item = page.locator('.rw-sb-model[data-model-id="best_ridge_model:1"]')
    item.wait_for(timeout=30_000)
    page.locator('.rw-sb-model[data-model-id="uploaded-onnx:1"]').wait_for(timeout=30_000)
    ids = page.eval_on_selector_all(".rw-sb-model", "rows => rows.map(r => r.dataset.modelId)")
    assert ids.index("uploaded-onnx:1") < ids.index("best_ridge_model:1")
    assert item.locator(".rw-sb-model-name").inner_text() == "best_ridge_model"
    assert item.locator(".rw-sb-model-version").inner_text() == "v1"
    assert item.locator(".rw-sb-model-tag").inner_text() == f"{XSS_TAG[0]}: {XSS_TAG[1]}"
    assert item.locator(".rw-sb-model-time").inner_text() != ""
    assert page.locator(".rw-sb-models img, .rw-sb-models b").count() == 0
    local_row = page.locator('.rw-sb-model[data-model-id="uploaded-onnx:1"]')
    assert local_row.locator(".rw-sb-model-run").inner_text() == "local files"

    item.locator(f'.rw-sb-model-run[data-run-id="{run.id}"]').click()
    panel = page.locator(f'.rw-lab-details[data-run-id="{run.id}"]')
    panel.locator(".rw-lab-header .rw-badge[data-status='Completed']").wait_for(timeout=30_000)
    assert "ridge training" in panel.inner_text()

    run.register_model("best_ridge_model", "outputs/ridge_0.40.pkl")  # version 2, polled in
    page.locator('.rw-sb-model[data-model-id="best_ridge_model:2"]').wait_for(timeout=30_000)
    screenshot(page, "sidebar-models")
    assert dialogs == []
