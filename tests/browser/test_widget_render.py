"""The RunDetails frontend (js/) rendered in Chromium against fake anywidget models.

tests/browser/harness/ renders both parts of the built ESM with in-memory models
filled with sample data (harness/sample.js) and records what the widget sends on
`window.rw.sent`. Screenshots land in test-artifacts/browser/widget-*.png.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _parts import require

# Without playwright, conftest.py's pytest_runtest_setup skips or fails each test, naming it.
with contextlib.suppress(ImportError):
    from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "src" / "runwatch" / "widgets" / "static" / "widget.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def built() -> Path:
    """The widget bundle, built once if it is missing (it is not committed)."""
    if not BUILT.exists():
        require("node")
        npm = shutil.which("npm")
        assert npm is not None
        if not (ROOT / "node_modules").exists():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
        subprocess.run([npm, "run", "build"], cwd=ROOT, check=True)
    return BUILT


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(built: Path) -> Iterator[str]:
    """The repository root over HTTP on 127.0.0.1 (a module script needs http)."""
    handler = functools.partial(_QuietHandler, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# `page` overrides the conftest fixture: these tests need no Jupyter server, only the
# harness over http.server, in the module's one chromium (`browser` from conftest).


def open_harness(browser: Any, base_url: str, query: str = "") -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(f"{msg.text} {msg.location}") if msg.type == "error" else None,
    )
    page.goto(f"{base_url}/tests/browser/harness/index.html{query}")
    page.wait_for_function("window.rw && window.rw.ready === true")
    return page, errors


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    page, errors = open_harness(browser, base_url)
    yield page
    page.close()
    assert errors == [], errors


def sent(page: Any) -> list[dict[str, Any]]:
    """What the widget sent, but its requests for image bytes (see the image tests)."""
    messages = [entry["msg"] for entry in page.evaluate("window.rw.sent")]
    return [m for m in messages if m.get("type") != "want_images"]


def set_trait(page: Any, part: str, key: str, value: Any) -> None:
    page.evaluate("([p, k, v]) => window.rw.models[p].set(k, v)", [part, key, value])


def update_run(page: Any, **changes: Any) -> None:
    page.evaluate(
        "(c) => { const m = window.rw.models.header; m.set('run', { ...m.get('run'), ...c }); }",
        changes,
    )


def screenshot(page: Any, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"widget-{name}.png"), full_page=full_page)


# --- header -----------------------------------------------------------------------


def test_header_shows_status_identity_and_error(page: Any) -> None:
    header = page.locator("#header")
    assert header.locator(".rw-badge").inner_text() == "Failed"
    assert header.locator(".rw-title").inner_text() == "Run 12 · digits_1732741200_0a1b2c3d"
    assert "digits-sweep" in header.locator(".rw-meta").inner_text()
    assert "1h 00m 00s" in header.locator(".rw-duration").inner_text()
    error = header.locator(".rw-error")
    assert "CUDA out of memory while allocating 2.00 GiB" in error.inner_text()
    assert "RuntimeError" in error.locator(".rw-error-type").inner_text()
    traceback = error.locator("details").first
    assert not traceback.locator("pre").is_visible()
    traceback.locator("summary").click()
    assert 'File "train.py", line 88' in traceback.locator("pre").inner_text()


def test_header_sections_properties_tags_metrics(page: Any) -> None:
    kv = page.locator("#header .rw-kv")
    heads = kv.locator(".rw-kv-head th").evaluate_all("hs => hs.map(h => h.firstChild.data)")
    assert heads == ["Properties", "Tags", "Metrics"]
    accuracy = kv.locator("tr", has_text="accuracy").last
    assert accuracy.get_attribute("title") == "validation accuracy after the last epoch"
    assert "0.912346" in accuracy.inner_text()


TONES = {
    "Queued": "blue",
    "Preparing": "blue",
    "Running": "blue",
    "NotStarted": "blue",
    "Finalizing": "blue",
    "Completed": "green",
    "Failed": "red",
    "Canceled": "red",
    "NotResponding": "amber",
    "SomethingNew": "grey",
}


def test_status_badge_colour_class(page: Any) -> None:
    badge = page.locator("#header .rw-title-row .rw-badge")
    for status, tone in TONES.items():
        update_run(page, status=status)
        assert badge.inner_text() == status
        tones = [c for c in badge.get_attribute("class").split() if c.startswith("rw-badge-")]
        assert [c for c in tones if c != "rw-badge-working"] == [f"rw-badge-{tone}"], status
    # Child rows use the same badge.
    for row in page.locator(".rw-child-row").all()[:7]:
        badge = row.locator(".rw-badge")
        assert f"rw-badge-{TONES[badge.inner_text()]}" in badge.get_attribute("class")


def test_duration_ticks_on_the_kernel_clock(page: Any) -> None:
    # The kernel clock is an hour behind the browser's: the duration must not jump by an hour.
    page.evaluate(
        """() => {
        const m = window.rw.models.header;
        const now = Date.now() / 1000 - 3600;
        m.set('now', now);
        m.set('run', { ...m.get('run'), status: 'Running', start_time: now - 65,
                       end_time: null, error: null });
    }"""
    )
    duration = page.locator("#header .rw-duration")
    assert duration.inner_text() in ("1m 05s", "1m 06s")
    assert page.locator("#header .rw-error").count() == 0
    page.wait_for_function(
        "document.querySelector('#header .rw-duration').textContent >= '1m 07s'", timeout=4000
    )
    update_run(
        page, status="Completed", end_time=page.evaluate("window.rw.models.header.get('now')")
    )
    assert duration.inner_text() == "1m 05s"


def test_live_dot_follows_polling(page: Any) -> None:
    live = page.locator("#header .rw-live")
    assert live.is_visible()
    assert live.get_attribute("title") == "updates every 2 s"
    set_trait(page, "header", "interval", 15)
    assert live.get_attribute("title") == "updates every 15 s"
    set_trait(page, "header", "polling", False)
    assert not live.is_visible()


def test_back_button_sends_back(page: Any) -> None:
    page.locator("#header .rw-back").click()
    assert sent(page) == [{"type": "back"}]
    set_trait(page, "header", "breadcrumb", [])
    assert not page.locator("#header .rw-back").is_visible()


def test_opened_traceback_survives_a_poll(page: Any) -> None:
    page.locator("#header .rw-error summary").first.click()
    set_trait(page, "header", "now", page.evaluate("Date.now() / 1000"))
    update_run(page, display_name="renamed")
    assert page.locator("#header .rw-error details").first.evaluate("d => d.open")
    assert page.locator("#header .rw-subtitle").inner_text() == "renamed"


# --- user strings -------------------------------------------------------------------


def test_user_strings_are_text_never_markup(page: Any) -> None:
    assert page.locator(".rw-kv-key", has_text=XSS).count() == 2  # a tag key and a metric
    assert page.locator(".rw-block-name", has_text=XSS).count() == 1  # a table name
    assert page.locator(".rw-sort-label", has_text=XSS).count() == 1  # a parameter column
    # The only <img> elements are the two valid thumbnails and the (closed) viewer.
    images = page.evaluate("[...document.images].map(i => i.className)")
    assert sorted(images) == ["rw-thumb-img", "rw-thumb-img", "rw-thumb-img", "rw-viewer-img"]
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("window.rw.alerts") == 0


def test_only_png_and_jpeg_data_urls_are_loaded(page: Any) -> None:
    evil = page.locator(".rw-image-card", has_text="evil")
    assert evil.locator("img").get_attribute("src") is None
    assert evil.locator(".rw-muted").inner_text() == "unsupported image"


# --- child runs ---------------------------------------------------------------------


def test_child_summary_and_early_termination_mark(page: Any) -> None:
    summary = page.locator(".rw-summary").inner_text()
    assert summary.startswith("120 child runs")
    assert "17 Running" in summary and "52 Completed" in summary and "17 Failed" in summary
    stopped = page.locator(".rw-stopped")
    assert stopped.count() == 1
    assert stopped.get_attribute("title").startswith("BanditPolicy")
    assert page.locator(".rw-child-row").count() == 50
    assert page.locator(".rw-pager-range").inner_text() == "1–50 of 120 · page 1 of 3"


def test_clicking_a_child_row_opens_it(page: Any) -> None:
    page.locator(".rw-child-row").nth(3).click()
    assert sent(page) == [{"type": "open_child", "id": "digits_child_0005"}]


def test_clicking_the_metric_header_sorts_by_metric(page: Any) -> None:
    header = page.locator(".rw-children-table th", has_text="accuracy")
    header.locator("button").click()
    # The goal is MAXIMIZE, so the first click puts the best first.
    assert sent(page) == [
        {"type": "children_page", "page": 0, "sort_key": "metric", "descending": True}
    ]
    page.wait_for_selector(".rw-children-table th[aria-sort='descending']")
    metrics = page.locator(".rw-child-row td:nth-child(3)").all_inner_texts()
    assert metrics[0] == max(metrics[:10])
    page.locator(".rw-children-table th", has_text="accuracy").locator("button").click()
    assert sent(page)[-1]["descending"] is False
    page.locator(".rw-children-table th", has_text="depth").locator("button").click()
    assert sent(page)[-1] == {
        "type": "children_page",
        "page": 0,
        "sort_key": "param:depth",
        "descending": False,
    }


def test_pager_asks_for_other_pages(page: Any) -> None:
    page.locator(".rw-pager button[title='Next page']").click()
    assert sent(page)[-1] == {
        "type": "children_page",
        "page": 1,
        "sort_key": "number",
        "descending": False,
    }
    range_ = page.locator(".rw-pager-range")
    expect(range_).to_have_text("51–100 of 120 · page 2 of 3")
    page.locator(".rw-pager button[title='Last page']").click()
    expect(range_).to_have_text("101–120 of 120 · page 3 of 3")
    assert page.locator(".rw-pager button[title='Next page']").is_disabled()
    assert page.locator(".rw-child-row").count() == 20


def test_empty_body_hides_its_sections(page: Any) -> None:
    for key, value in [("children", None), ("log", None), ("tables", []), ("images", [])]:
        set_trait(page, "body", key, value)
    assert page.locator("#body .rw-section").evaluate_all("ss => ss.map(s => s.hidden)") == [
        True,
        True,
        True,
        True,
    ]
    empty = {
        "total": 0,
        "counts": {},
        "columns": [],
        "metric": None,
        "metric_label": None,
        "goal": None,
        "best": None,
        "page": 0,
        "page_size": 50,
        "sort_key": "number",
        "descending": False,
        "rows": [],
    }
    set_trait(page, "body", "children", empty)
    assert page.locator(".rw-section-children .rw-empty").inner_text() == "No child runs yet."
    assert not page.locator(".rw-pager").is_visible()


# --- tables, images, log --------------------------------------------------------------


def test_tables_render_with_their_row_notes(page: Any) -> None:
    blocks = page.locator(".rw-table-block")
    assert blocks.count() == 3
    assert "showing last 20 of 300 rows" in blocks.nth(1).inner_text()
    assert blocks.nth(0).locator("tbody tr").count() == 10
    assert blocks.nth(0).locator("thead th").all_inner_texts()[0] == "class"


def test_step_slider_switches_the_image(page: Any) -> None:
    card = page.locator(".rw-image-card", has_text="loss_curve")
    img = card.locator("img")
    assert card.locator(".rw-note").inner_text() == "step 3"
    expect(img).to_have_attribute("src", re.compile(r"^blob:"))  # bytes from a binary message
    last = img.get_attribute("src")
    assert img.evaluate("i => i.complete && i.naturalWidth") == 240
    slider = card.locator("input[type=range]")
    slider.focus()
    slider.press("Home")
    assert card.locator(".rw-note").inner_text() == "step 1"
    first = img.get_attribute("src")
    assert first is not None and first.startswith("blob:") and first != last
    # The view asked once for the bytes of the images on show, by key.
    asked = page.evaluate(
        "window.rw.sent.filter(s => s.msg.type === 'want_images').map(s => s.msg.keys)"
    )
    assert asked == [["loss_curve_1.png", "loss_curve_2.png", "loss_curve_3.png", "confusion.png"]]
    slider.press("ArrowRight")
    assert card.locator(".rw-note").inner_text() == "step 2"
    # A single image has no slider.
    assert not page.locator(".rw-image-card", has_text="confusion").locator("input").is_visible()


def test_thumbnail_opens_full_size_and_closes(page: Any) -> None:
    dialog = page.locator("dialog.rw-viewer")
    page.locator(".rw-image-card", has_text="loss_curve").locator(".rw-thumb").click()
    assert dialog.evaluate("d => d.open")
    assert dialog.locator(".rw-viewer-caption").inner_text() == "loss_curve · step 3"
    screenshot(page, "overlay", full_page=False)
    page.keyboard.press("Escape")
    assert not dialog.evaluate("d => d.open")
    page.locator(".rw-image-card", has_text="confusion").locator(".rw-thumb").click()
    assert dialog.evaluate("d => d.open")
    page.mouse.click(10, 10)
    assert not dialog.evaluate("d => d.open")


def test_log_marks_stderr_lines(page: Any) -> None:
    log = page.locator(".rw-log")
    lines = log.locator(".rw-log-line").all_inner_texts()
    stderr = log.locator(".rw-log-stderr").all_inner_texts()
    assert len(lines) == 60
    assert stderr == [line for line in lines if line.startswith("[stderr] ")]
    assert len(stderr) == 7
    assert log.locator(".rw-log-truncated").is_visible()


def _push_log(page: Any, count: int) -> None:
    page.evaluate(
        """(n) => {
        const m = window.rw.models.body;
        const log = m.get('log');
        const more = Array.from({ length: n }, (_, i) => `line ${log.lines.length + i}`);
        m.set('log', { ...log, lines: [...log.lines, ...more] });
    }""",
        count,
    )


def _at_bottom(page: Any) -> bool:
    return bool(
        page.locator(".rw-log").evaluate("b => b.scrollHeight - b.scrollTop - b.clientHeight < 4")
    )


def test_log_follows_new_lines_unless_locked(page: Any) -> None:
    box = page.locator(".rw-log")
    lock = page.locator(".rw-lock input")
    assert _at_bottom(page)
    _push_log(page, 20)
    assert _at_bottom(page)
    assert box.locator(".rw-log-line").last.inner_text() == "line 79"

    lock.check()
    top = box.evaluate("b => b.scrollTop")
    _push_log(page, 20)
    assert box.evaluate("b => b.scrollTop") == top
    assert not _at_bottom(page)

    lock.uncheck()
    assert _at_bottom(page)
    _push_log(page, 5)
    assert _at_bottom(page)

    # Scrolling up locks by itself; back at the bottom it follows again.
    box.evaluate("b => { b.scrollTop = 0; }")
    page.wait_for_function("document.querySelector('.rw-lock input').checked")
    _push_log(page, 5)
    assert box.evaluate("b => b.scrollTop") == 0
    box.evaluate("b => { b.scrollTop = b.scrollHeight; }")
    page.wait_for_function("!document.querySelector('.rw-lock input').checked")


def test_table_scroll_is_kept_across_updates(page: Any) -> None:
    scroller = page.locator(".rw-table-scroll").nth(1)
    scroller.evaluate("s => { s.scrollTop = 40; }")
    page.evaluate(
        """() => {
        const m = window.rw.models.body;
        const [a, b, c] = m.get('tables');
        m.set('tables', [{ ...a, total_rows: 11 }, b, c]);
        m.set('tables', [a, { ...b, total_rows: 301 }, c]);
    }"""
    )
    assert "of 301 rows" in page.locator(".rw-table-block").nth(1).inner_text()
    assert scroller.evaluate("s => s.scrollTop") == 40


# --- lifecycle and looks --------------------------------------------------------------


def test_cleanup_removes_listeners_and_timers(page: Any) -> None:
    update_run(page, status="Running", end_time=None)
    before = page.evaluate(
        "[window.rw.models.header, window.rw.models.body].map(m => m.listenerCount())"
    )
    assert before[0] > 0 and before[1] > 0
    page.evaluate("Promise.all(Object.values(window.rw.cleanups).map(c => c()))")
    after = page.evaluate(
        "[window.rw.models.header, window.rw.models.body].map(m => m.listenerCount())"
    )
    assert after == [0, 0]
    duration = page.locator("#header .rw-duration").inner_text()
    page.wait_for_timeout(1300)
    assert page.locator("#header .rw-duration").inner_text() == duration


@pytest.mark.parametrize("theme", ["light", "dark", "none"])
def test_screenshots(browser: Any, base_url: str, theme: str) -> None:
    page, errors = open_harness(browser, base_url, f"?theme={theme}")
    page.locator("#header .rw-error details").first.locator("summary").click()
    screenshot(page, theme)
    page.locator("#header").screenshot(path=str(ARTIFACTS / f"widget-header-{theme}.png"))
    page.close()
    assert errors == []


def test_screenshot_running_sweep(page: Any) -> None:
    update_run(page, status="Running", end_time=None, error=None, is_sweep=True, parent_id=None)
    set_trait(page, "header", "breadcrumb", [])
    assert page.locator("#header .rw-chip-sweep").is_visible()
    assert page.locator("#header .rw-badge-working").count() == 1
    page.locator("#header").screenshot(path=str(ARTIFACTS / "widget-header-running.png"))
