"""The JupyterLab sidebar and run panels, driven by chromium against the real REST API.

Runs are made by this process, by a separate logging process and by a submitted
script, all in the workspace at the lab's root. Screenshots:
test-artifacts/browser/sidebar-*.png.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runwatch import Experiment, Run, ScriptRunConfig, Workspace

from .conftest import Server, logging_process, open_notebook, screenshot, workspace_in

MANY = 10_000
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_TAG = ("<b>tag</b>", "<script>alert(2)</script>")


@pytest.fixture(scope="module")
def ws(lab: Server) -> Iterator[Workspace]:
    """The lab's workspace, polled every second by the sidebar; 10,000 runs being written."""
    lab.api(
        "/lab/api/settings/runwatch:plugin",
        method="PUT",
        body={"raw": json.dumps({"refreshInterval": 1})},
    )
    ws = workspace_in(lab.root)
    # Made in the background while the other tests run; the last test waits for it.
    many = subprocess.Popen(
        [sys.executable, "-c", MANY_RUNS],
        cwd=lab.root,
        env={**os.environ, "RUNWATCH_QUIET": "1"},
    )
    yield ws
    if many.poll() is None:
        many.terminate()
    many.wait(timeout=30)


MANY_RUNS = textwrap.dedent(
    f"""
    from runwatch import Experiment, Workspace
    exp = Experiment(Workspace.from_config(), "sb-many")
    for i in range({MANY}):
        run = exp.start_logging(display_name=f"trial {{i + 1}}")
        run.complete()
    """
)


def run_count(lab: Server, experiment: str) -> int:
    listing = lab.api("/runwatch/api/experiments")
    return sum(e["run_count"] for e in listing["experiments"] if e["name"] == experiment)


def open_lab(page: Any, lab: Server, query: str = "") -> None:
    page.goto(f"{lab.url}/lab?reset&token={lab.token}{query}")
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('runwatch:open-sidebar')",
        timeout=60_000,
    )


def open_sidebar(page: Any, experiment: str) -> None:
    """Show the sidebar and the runs of `experiment`."""
    page.evaluate(
        """async () => {
            await window.jupyterapp.restored;
            await window.jupyterapp.commands.execute('runwatch:open-sidebar');
        }"""
    )
    page.locator(".rw-sb-experiment").first.wait_for(timeout=30_000)
    others = page.locator(
        f'.rw-sb-experiment[aria-expanded="true"]:not([data-experiment="{experiment}"])'
    )
    # Only this one open: its runs are the sidebar's runs, and its header is not
    # 10,000 rows further down below an open experiment.
    while others.count():
        # One click each, then wait for the re-render: a second click on a row that
        # has not re-rendered yet would expand it again.
        name = others.first.get_attribute("data-experiment")
        others.first.click()
        page.wait_for_selector(
            f'.rw-sb-experiment[data-experiment="{name}"][aria-expanded="false"]'
        )
    header = page.locator(f'.rw-sb-experiment[data-experiment="{experiment}"]')
    header.wait_for(timeout=30_000)
    if header.get_attribute("aria-expanded") != "true":
        header.click()
    page.wait_for_selector(
        f'.rw-sb-experiment[data-experiment="{experiment}"][aria-expanded="true"]'
    )


def row(page: Any, run_id: str) -> Any:
    return page.locator(f'.rw-sb-run[data-run-id="{run_id}"]')


def wait_rows(page: Any, experiment: str, count: int) -> None:
    """Wait until the sidebar shows `count` runs of `experiment`."""
    page.wait_for_function(
        "([e, n]) => [...document.querySelectorAll('.rw-sb-run')]"
        ".filter(r => r.dataset.experiment === e).length === n",
        arg=[experiment, count],
    )


def wait_row_status(page: Any, run_id: str, status: str, timeout: float = 30) -> None:
    page.wait_for_selector(
        f'.rw-sb-run[data-run-id="{run_id}"] .rw-badge[data-status="{status}"]',
        timeout=timeout * 1000,
    )


def canvas_ink(chart: Any) -> int:
    """How many pixels the canvases under `chart` have drawn (not fully transparent)."""
    count: int = chart.evaluate(
        """el => [...el.querySelectorAll('canvas')].reduce((sum, canvas) => {
            const pixels = canvas.getContext('2d')
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let ink = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) ink++;
            return sum + ink;
        }, 0)"""
    )
    return count


def open_run(page: Any, run_id: str) -> Any:
    row(page, run_id).click()
    panel = page.locator(f'.rw-lab-details[data-run-id="{run_id}"]')
    panel.locator(".rw-lab-header .rw-badge[data-status]").wait_for(timeout=30_000)
    return panel


def live_logger(root: Path, experiment: str = "sb-live") -> tuple[subprocess.Popen[str], str]:
    """A separate process with a Running run (in `experiment`) that completes when told to."""
    code = textwrap.dedent(
        """
        import sys
        from runwatch import Workspace, Experiment
        exp = Experiment(Workspace.from_config(), sys.argv[1])
        run = exp.start_logging(display_name="live")
        for i in range(5):
            run.log("acc", 0.5 + i / 10)
        run.flush()
        print(run.id, flush=True)
        sys.stdin.readline()
        run.complete()
        print("done", flush=True)
        """
    )
    return logging_process(root, code, experiment)


def test_a_run_completed_elsewhere_turns_completed_without_reload(
    lab: Server, ws: Workspace, page: Any
) -> None:
    exp = Experiment(ws, "sb-live")
    for acc in (0.61, 0.72):
        with exp.start_logging() as finished:
            finished.log("acc", acc)
    logger, run_id = live_logger(lab.root)
    try:
        open_lab(page, lab)
        open_sidebar(page, "sb-live")
        wait_row_status(page, run_id, "Running")
        ids = page.locator('.rw-sb-run[data-experiment="sb-live"]').evaluate_all(
            "rows => rows.map(r => r.dataset.runId)"
        )
        assert ids[0] == run_id, "the active run comes first"
        assert len(ids) == 3
        assert "acc" in row(page, run_id).inner_text()
        assert "0.9" in row(page, run_id).inner_text()  # the latest value of acc
        chips = page.locator(".rw-sb-chip").all_inner_texts()
        assert "Running 1" in chips and "Completed 2" in chips, chips
        screenshot(page, "sidebar-running")
        assert logger.stdin is not None
        logger.stdin.write("go\n")
        logger.stdin.flush()
        assert logger.wait(timeout=30) == 0
        wait_row_status(page, run_id, "Completed", timeout=15)
        screenshot(page, "sidebar-completed")
    finally:
        if logger.poll() is None:
            logger.kill()


def test_status_chip_and_text_filter(lab: Server, ws: Workspace, page: Any) -> None:
    exp = Experiment(ws, "sb-filter")
    done = [exp.start_logging(display_name=f"alpha {i}") for i in range(3)]
    for run in done:
        run.complete()
    failed = exp.start_logging(display_name="beta")
    failed.fail(ValueError("boom"))
    open_lab(page, lab)
    open_sidebar(page, "sb-filter")
    row(page, failed.id).wait_for()
    page.locator('.rw-sb-chip[data-status="Failed"]').click()
    wait_rows(page, "sb-filter", 1)
    assert row(page, failed.id).count() == 1
    page.locator('.rw-sb-chip[data-status="Failed"]').click()
    page.locator(".rw-sb-search").fill("alpha")
    wait_rows(page, "sb-filter", 3)
    assert row(page, failed.id).count() == 0


@pytest.fixture
def slow_poll(lab: Server, ws: Workspace) -> Iterator[None]:
    """A poll interval of ten minutes for one test: whatever it sees, a poll did not bring."""
    settings = "/lab/api/settings/runwatch:plugin"
    lab.api(settings, method="PUT", body={"raw": json.dumps({"refreshInterval": 600})})
    yield
    lab.api(settings, method="PUT", body={"raw": json.dumps({"refreshInterval": 1})})


def test_a_matching_filter_after_one_that_matched_nothing_loads_at_once(
    lab: Server, ws: Workspace, page: Any, slow_poll: None
) -> None:
    exp = Experiment(ws, "sb-refilter")
    runs = [exp.start_logging(display_name=f"gamma {i}") for i in range(2)]
    for run in runs:
        run.complete()
    open_lab(page, lab)
    open_sidebar(page, "sb-refilter")
    wait_rows(page, "sb-refilter", 2)
    search = page.locator(".rw-sb-search")
    search.fill("no-such-run")
    page.locator(".rw-sb-note", has_text="No runs match.").wait_for(timeout=10_000)
    search.fill("gamma")
    # The next poll is ten minutes away: rows now come from the filter's own request.
    page.wait_for_function(
        "e => [...document.querySelectorAll('.rw-sb-run')]"
        ".filter(r => r.dataset.experiment === e).length === 2",
        arg="sb-refilter",
        timeout=10_000,
    )
    assert page.locator(".rw-sb-note", has_text="No runs match.").count() == 0


@pytest.fixture(scope="module")
def submitted(ws: Workspace, lab: Server) -> Run:
    """A submitted script that logged a series, printed a log and wrote an output file."""
    scripts = lab.root / "sb-scripts"
    scripts.mkdir(exist_ok=True)
    (scripts / "train.py").write_text(
        textwrap.dedent(
            """
            import math, os
            from runwatch import Run
            run = Run.get_context()
            for i in range(30):
                run.log("loss", math.exp(-i / 8))
                print(f"epoch {i} loss {math.exp(-i / 8):.4f}", flush=True)
            os.makedirs("outputs", exist_ok=True)
            with open("outputs/model.txt", "w") as f:
                f.write("weights")
            print("training done", flush=True)
            """
        )
    )
    run = Experiment(ws, "sb-submit").submit(ScriptRunConfig(scripts, "train.py"))
    run.wait_for_completion()
    return run


def test_run_panel_shows_header_sparkline_log_and_files(
    lab: Server, page: Any, submitted: Run
) -> None:
    open_lab(page, lab)
    open_sidebar(page, "sb-submit")
    panel = open_run(page, submitted.id)
    assert submitted.id in panel.locator(".rw-lab-header").inner_text()
    assert panel.locator(".rw-lab-header .rw-badge").get_attribute("data-status") == "Completed"
    assert "sb-submit" in panel.locator(".rw-lab-header").inner_text()
    spark = panel.locator('tr[data-metric="loss"] .rw-sparkline')
    spark.wait_for(timeout=15_000)
    assert int(spark.get_attribute("data-points")) >= 20  # 30 points drawn as one line
    assert canvas_ink(spark) > 40
    panel.locator(".rw-log-line", has_text="training done").wait_for(timeout=15_000)
    assert "epoch 29 loss" in panel.locator(".rw-log").inner_text()
    link = panel.locator(".rw-lab-file", has_text="outputs/model.txt")
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_text() == "weights"
    screenshot(page, "sidebar-run-panel")


def test_insert_button_adds_a_working_run_details_cell(
    lab: Server, page: Any, submitted: Run
) -> None:
    path = lab.notebook("sb-insert.ipynb", ["x = 1"])
    open_notebook(page, lab, path)
    open_sidebar(page, "sb-submit")
    panel = open_run(page, submitted.id)
    insert = panel.locator(".rw-lab-insert")
    assert insert.is_enabled()
    insert.click()
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length === 2"
    )
    source = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.activeCell.model.sharedModel.source"
    )
    assert f"Run.get(ws, {submitted.id!r})" in source and "RunDetails" in source
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-cell')")
    badge = page.locator(".jp-OutputArea .rw-header .rw-badge")
    badge.first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea .rw-header .rw-badge')]"
        ".some(b => b.textContent.includes('Completed'))",
        timeout=60_000,
    )
    screenshot(page, "sidebar-inserted-run-details")


def test_insert_button_is_disabled_without_a_notebook(
    lab: Server, page: Any, submitted: Run
) -> None:
    open_lab(page, lab)
    open_sidebar(page, "sb-submit")
    insert = open_run(page, submitted.id).locator(".rw-lab-insert")
    assert insert.is_disabled()
    assert "notebook" in insert.get_attribute("title").lower()


def test_html_in_names_and_tags_is_text(lab: Server, ws: Workspace, page: Any) -> None:
    run = Experiment(ws, "sb-xss").start_logging(display_name=XSS_NAME)
    run.tag(*XSS_TAG)
    run.add_properties({"<i>prop</i>": "<u>value</u>"})
    run.log("acc", 0.5)
    run.complete()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_lab(page, lab)
    open_sidebar(page, "sb-xss")
    assert row(page, run.id).locator(".rw-sb-name").inner_text() == XSS_NAME
    panel = open_run(page, run.id)
    text = panel.inner_text()
    assert XSS_NAME in text and XSS_TAG[0] in text and XSS_TAG[1] in text
    assert "<i>prop</i>" in text and "<u>value</u>" in text
    for tag in ("img", "script", "i", "u"):
        assert page.locator(f".rw-lab {tag}").count() == 0, tag
    assert page.locator(".lm-TabBar-tabLabel", has_text=XSS_NAME).count() == 1
    assert dialogs == []
    screenshot(page, "sidebar-html-as-text")


def test_lab_url_with_a_run_parameter_opens_the_run(lab: Server, ws: Workspace, page: Any) -> None:
    run = Experiment(ws, "sb-portal").start_logging(display_name="opened from a link")
    run.complete()
    open_lab(page, lab)  # logs in with the token; the link itself carries none
    page.goto(f"{lab.url}/lab?runwatch-run={run.id}")
    panel = page.locator(f'.rw-lab-details[data-run-id="{run.id}"]')
    panel.locator(".rw-lab-header .rw-badge[data-status='Completed']").wait_for(timeout=60_000)
    assert panel.is_visible()
    assert "opened from a link" in panel.locator(".rw-title").inner_text()
    screenshot(page, "sidebar-portal-url")


def test_portal_url_is_the_lab_url_with_the_run_parameter(
    lab: Server, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = Experiment(ws, "sb-portal").start_logging()
    run.complete()
    assert lab.runtime_dir is not None
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(lab.runtime_dir))
    assert run.get_portal_url() == f"{lab.url}/lab?runwatch-run={run.id}"


def wait_for_many_runs(lab: Server) -> None:
    """Until the background writer has stored all of "sb-many"'s runs."""
    deadline = time.monotonic() + 180
    while run_count(lab, "sb-many") < MANY:
        assert time.monotonic() < deadline, "the 10,000 runs were not written in time"
        time.sleep(1)


def test_ten_thousand_runs_scroll_with_few_rows_in_the_page(
    lab: Server, ws: Workspace, page: Any
) -> None:
    wait_for_many_runs(lab)
    open_lab(page, lab)
    open_sidebar(page, "sb-many")
    page.wait_for_selector('.rw-sb-run .rw-sb-num:text-is("#10000")', timeout=30_000)
    scroller = page.locator(".rw-sidebar .rw-vl")
    for fraction in (0.25, 0.5, 0.999):
        started = time.monotonic()
        scroller.evaluate("(el, f) => { el.scrollTop = el.scrollHeight * f; }", fraction)
        page.wait_for_function(
            "() => document.querySelectorAll('.rw-sidebar .rw-sb-placeholder').length === 0"
            " && document.querySelectorAll('.rw-sidebar .rw-sb-run').length > 5"
        )
        assert time.monotonic() - started < 5
        assert page.locator(".rw-sidebar .rw-vl-row").count() < 80  # only rows in view
    page.wait_for_selector('.rw-sb-run .rw-sb-num:text-is("#1")', timeout=10_000)
    screenshot(page, "sidebar-10000-runs-bottom")


def test_the_dashboard_of_ten_thousand_runs_renders_only_the_rows_in_view(
    lab: Server, ws: Workspace, page: Any
) -> None:
    wait_for_many_runs(lab)
    open_lab(page, lab)
    open_sidebar(page, "sb-many")
    page.locator('.rw-sb-experiment[data-experiment="sb-many"] .rw-sb-compare').click()
    panel = page.locator('.rw-dashboard[data-experiment="sb-many"]')
    panel.locator('.rw-rt-run [data-key="number"]:text-is("#10000")').wait_for(timeout=30_000)
    assert panel.locator(".rw-db-count").inner_text() == f"{MANY} runs"
    scroller = panel.locator(".rw-rt .rw-vl")
    for fraction in (0.5, 0.999):
        started = time.monotonic()
        scroller.evaluate("(el, f) => { el.scrollTop = el.scrollHeight * f; }", fraction)
        page.wait_for_function(
            "el => el.querySelectorAll('.rw-rt-placeholder').length === 0"
            " && el.querySelectorAll('.rw-rt-run').length > 5",
            arg=panel.element_handle(),
        )
        assert time.monotonic() - started < 5
        assert panel.locator(".rw-vl-row").count() < 60  # only rows in view
    panel.locator('.rw-rt-run [data-key="number"]:text-is("#1")').wait_for(timeout=10_000)
    screenshot(page, "dashboard-10000-runs-bottom")
