"""RunDetails in a real JupyterLab and Notebook 7, driven by chromium.

Each test writes a notebook into the server's root, runs it in the browser and
watches what the widget shows. Screenshots: test-artifacts/browser/details-*.png.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import Server, logging_process, open_notebook, run_all, screenshot, workspace_in

# Without playwright, conftest.py's pytest_runtest_setup skips or fails each test, naming it.
with contextlib.suppress(ImportError):
    from playwright.sync_api import expect

SETUP = (
    "from runwatch import Workspace, Experiment, Run, RunDetails\nws = Workspace.from_config()\n"
)


def badge_text(page: Any) -> str:
    return str(page.locator(".rw-header .rw-badge").first.inner_text()).strip()


def wait_for_status(page: Any, status: str, timeout: float = 60) -> None:
    page.wait_for_function(
        "s => [...document.querySelectorAll('.rw-header .rw-badge')]"
        ".some(b => b.textContent.includes(s))",
        arg=status,
        timeout=timeout * 1000,
    )


def chart_titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".bqplot .mainheading").all_text_contents()]


def start_logger(root: Path, seconds: float, points: int) -> tuple[subprocess.Popen[str], str]:
    """A separate process that logs into a new run of the lab's workspace, then completes it."""
    code = textwrap.dedent(
        f"""
        import math, sys, time
        from runwatch import Workspace, Experiment
        run = Experiment(Workspace.from_config(), "live").start_logging()
        print(run.id, flush=True)
        sys.stdin.readline()  # go
        for i in range({points}):
            run.log("loss", math.exp(-i / 10))
            run.flush()
            time.sleep({seconds / points})
        run.complete()
        """
    )
    return logging_process(root, code)


def loss_points(page: Any) -> int:
    return int(
        page.evaluate(
            """() => {
                const paths = [...document.querySelectorAll('.bqplot path.line')];
                const points = paths.map(p => (p.getAttribute('d') || '').split('L').length);
                return Math.max(0, ...points);
            }"""
        )
    )


@pytest.mark.parametrize("busy", [False, True], ids=["idle-kernel", "busy-kernel"])
def test_live_run_from_another_process(lab: Server, page: Any, busy: bool) -> None:
    workspace_in(lab.root)
    logger, run_id = start_logger(lab.root, seconds=12, points=40)
    cells = [SETUP + f"RunDetails(Run.get(ws, {run_id!r}), refresh_interval=1).show()"]
    if busy:
        cells.append("import time\ntime.sleep(30)")
    path = lab.notebook(f"live-{'busy' if busy else 'idle'}.ipynb", cells)
    open_notebook(page, lab, path)
    run_all(page, lab)
    wait_for_status(page, "Running")
    assert logger.stdin is not None
    logger.stdin.write("go\n")
    logger.stdin.flush()
    page.wait_for_selector(".bqplot .mainheading", timeout=30_000)
    first = loss_points(page)
    time.sleep(4)
    later = loss_points(page)
    assert later > first, (first, later)  # the chart grows while the run logs
    screenshot(page, f"details-live-{'busy' if busy else 'idle'}-running")
    wait_for_status(page, "Completed", timeout=60)
    assert logger.wait(timeout=30) == 0
    if busy:  # the sleeping cell is still running while the widget updated
        assert page.locator(".jp-Cell .jp-InputPrompt:has-text('[*]')").count() >= 1
    assert "loss" in chart_titles(page)
    # New points reach the browser as `points` messages appended to the drawn line:
    # the line ends with every point, in order.
    page.wait_for_function(
        """() => [...document.querySelectorAll('.bqplot path.line')]
            .some(p => (p.getAttribute('d') || '').split('L').length === 40)""",
        timeout=15_000,
    )
    screenshot(page, f"details-live-{'busy' if busy else 'idle'}-completed")


def test_four_chart_examples(lab: Server, page: Any) -> None:
    workspace_in(lab.root)
    code = SETUP + textwrap.dedent(
        """
        import math
        run = Experiment(ws, "charts").start_logging()
        run.log_list("Fibonacci", [0, 1, 1, 2, 3, 5, 8, 13, 21, 34])
        for i in range(-10, 10):
            run.log("Sigmoid", 1 / (1 + math.exp(-i)))
        for i in range(20):
            angle = i / 20 * 2 * math.pi
            run.log_row("Cosine Wave", angle=angle, cos=math.cos(angle))
        angles = [i / 20 * 2 * math.pi for i in range(20)]
        run.log_table("Sine Wave", {"angle": angles, "sine": [math.sin(a) for a in angles]})
        run.complete()
        RunDetails(run).show()
        """
    )
    path = lab.notebook("charts.ipynb", [code])
    open_notebook(page, lab, path)
    run_all(page, lab)
    page.wait_for_function(
        "() => document.querySelectorAll('.bqplot .mainheading').length >= 4", timeout=60_000
    )
    assert sorted(chart_titles(page)) == ["Cosine Wave", "Fibonacci", "Sigmoid", "Sine Wave"]
    labels = page.evaluate(
        """() => [...document.querySelectorAll('.bqplot')].map(f => [
            f.querySelector('.mainheading')?.textContent,
            [...f.querySelectorAll('.axislabel')].map(l => l.textContent)])"""
    )
    x_of = {title: axes[0] for title, axes in labels}
    assert x_of == {
        "Fibonacci": "step",
        "Sigmoid": "step",
        "Cosine Wave": "angle",
        "Sine Wave": "angle",
    }
    assert page.locator(".bqplot path.line").count() >= 4
    screenshot(page, "details-charts")


def test_sweep_children_and_best_so_far(lab: Server, page: Any) -> None:
    workspace_in(lab.root)
    scripts = lab.root / "sweep-scripts"
    scripts.mkdir(exist_ok=True)
    (scripts / "trial.py").write_text(
        textwrap.dedent(
            """
            import argparse
            from runwatch import Run
            p = argparse.ArgumentParser(); p.add_argument("--alpha", type=float); a = p.parse_args()
            run = Run.get_context()
            for epoch in range(3):
                run.log("mse", (a.alpha - 0.35) ** 2 + 1 / (epoch + 1))
            """
        )
    )
    code = SETUP + textwrap.dedent(
        """
        from runwatch import ScriptRunConfig
        from runwatch.hyperdrive import (
            GridParameterSampling, HyperDriveConfig, PrimaryMetricGoal, choice)
        config = HyperDriveConfig(
            ScriptRunConfig("sweep-scripts", "trial.py"),
            GridParameterSampling({"--alpha": choice([i / 20 for i in range(20)])}),
            "mse", PrimaryMetricGoal.MINIMIZE, max_concurrent_runs=4)
        sweep = Experiment(ws, "sweep").submit(config)
        RunDetails(sweep, refresh_interval=1).show()
        """
    )
    path = lab.notebook("sweep.ipynb", [code])
    open_notebook(page, lab, path)
    run_all(page, lab)
    page.wait_for_selector(".rw-child-row", timeout=60_000)
    wait_for_status(page, "Completed", timeout=180)
    page.wait_for_function(
        "() => document.querySelectorAll('.rw-child-row').length === 20", timeout=30_000
    )
    assert any(t.startswith("mse per trial") for t in chart_titles(page))
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bqplot')]"
        ".some(f => f.textContent.includes('best so far'))",
        timeout=15_000,
    )
    assert "20 Completed" in page.locator(".rw-summary").first.inner_text().replace("\n", " ")
    screenshot(page, "details-sweep")
    page.locator(".rw-child-row").nth(3).click()  # opens that trial in place
    page.wait_for_selector("text=← back", timeout=15_000)
    screenshot(page, "details-sweep-child")
    page.get_by_text("← back").click()
    page.wait_for_selector(".rw-child-row", timeout=15_000)


def test_image_failed_run_and_html_names(lab: Server, page: Any) -> None:
    workspace_in(lab.root)
    code = SETUP + textwrap.dedent(
        """
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        run = Experiment(ws, "errors").start_logging()
        fig, ax = plt.subplots(figsize=(3, 2)); ax.plot([1, 3, 2]); ax.set_title("curve")
        run.log_image("curve", plot=fig)
        run.log("<img src=x onerror=alert(1)>", 1.5)
        run.tag("<b>bold</b>", "<script>alert(2)</script>")
        try:
            raise ValueError("the data went missing")
        except ValueError as error:
            run.fail(error)
        RunDetails(run).show()
        """
    )
    path = lab.notebook("errors.ipynb", [code])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_notebook(page, lab, path)
    run_all(page, lab)
    wait_for_status(page, "Failed")
    text = page.locator(".rw-root").first.inner_text()
    assert "the data went missing" in text and "ValueError" in text
    assert "<img src=x onerror=alert(1)>" in page.locator(".rw-root").first.inner_text()
    assert "<script>alert(2)</script>" in text
    assert page.locator(".rw-root img[src='x']").count() == 0
    assert page.locator(".rw-root b").count() == 0
    page.wait_for_selector(".rw-thumb-img", timeout=30_000)
    # The image's bytes came as a binary message, shown through an object URL.
    expect(page.locator(".rw-thumb-img").first).to_have_attribute("src", re.compile(r"^blob:"))
    assert page.locator(".rw-thumb-img").first.evaluate("i => i.naturalWidth") > 0
    assert dialogs == []
    screenshot(page, "details-failed-image-xss")


def test_notebook7_renders_the_widget(notebook7: Server, page: Any) -> None:
    workspace_in(notebook7.root)
    code = SETUP + textwrap.dedent(
        """
        run = Experiment(ws, "nb7").start_logging()
        for i in range(30):
            run.log("loss", 1 / (i + 1))
        run.log("accuracy", 0.91)
        run.complete()
        RunDetails(run)
        """
    )
    path = notebook7.notebook("nb7.ipynb", [code])
    open_notebook(page, notebook7, path)
    run_all(page, notebook7)
    wait_for_status(page, "Completed")
    page.wait_for_selector(".bqplot .mainheading", timeout=30_000)
    assert "accuracy" in page.locator(".rw-root").first.inner_text()
    screenshot(page, "details-notebook7")
