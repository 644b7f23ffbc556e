"""The RunDetails widget, kernel side, without a browser (ipywidgets' comms are
dummies outside a kernel; the browser tests cover the frontend)."""

from __future__ import annotations

import pytest
from _hostile import ALL, assert_escaped, assert_no_markup, hostile_run
from _waiting import wait_until

from runwatch import Experiment, Run, ValidationError
from runwatch.views._display import DisplayLine
from runwatch.widgets import RunDetails
from runwatch.widgets._poller import POLLER


def test_state_of_a_finished_run_and_no_polling(run: Run) -> None:
    run.log("accuracy", 0.9)
    for i in range(5):
        run.log("loss", 1 / (i + 1))
    run.complete()
    widget = RunDetails(run)
    assert widget.header.run["status"] == "Completed"
    assert [s["name"] for s in widget.header.scalars] == ["accuracy"]
    assert [c.name for c in widget._charts.values()] == ["loss"]
    widget.refresh()
    assert widget.done and not widget.header.polling
    assert "accuracy" in widget._repr_mimebundle_()["text/html"]
    widget.close()


def test_live_updates_then_stops(run: Run) -> None:
    run.log("loss", 1.0)
    run.flush()
    widget = RunDetails(run, refresh_interval=0.2)
    assert widget.header.polling and POLLER.thread is not None
    run.log("loss", 0.5)
    run.flush()
    assert wait_until(lambda: "loss" in widget._charts)  # a second point makes it a series
    assert len(widget._charts["loss"].marks["loss"].y) == 2
    run.complete()
    assert wait_until(lambda: widget.done)
    assert widget.header.run["status"] == "Completed" and not widget.header.polling
    assert wait_until(lambda: POLLER.count() == 0 and POLLER.thread is None)  # no thread left
    widget.close()


def test_closing_stops_polling(run: Run) -> None:
    widget = RunDetails(run, refresh_interval=0.2)
    assert POLLER.count() >= 1
    widget.close()
    assert widget.done
    assert wait_until(lambda: widget not in POLLER._widgets)


def test_several_widgets_share_one_thread(exp: Experiment) -> None:
    runs = [exp.start_logging() for _ in range(3)]
    widgets = [RunDetails(r, refresh_interval=0.2) for r in runs]
    threads = [t for t in __import__("threading").enumerate() if t.name == "runwatch-poller"]
    assert len(threads) == 1
    for w, r in zip(widgets, runs, strict=True):
        w.close()
        r.complete()


def test_many_metrics_draw_max_charts_and_a_picker(run: Run) -> None:
    for i in range(20):
        run.log_list(f"m{i:02d}", [float(j) for j in range(10)])
    run.flush()
    widget = RunDetails(run, max_charts=12)
    assert list(widget._charts) == [f"m{i:02d}" for i in range(12)]
    assert widget.chooser.layout.display is None and len(widget.chooser.options) == 20
    widget.chooser.value = ("m19", "m00")
    assert sorted(widget._charts) == ["m00", "m19"]
    run.log_list("m05", [1.0])  # hidden: nothing drawn for it
    run.flush()
    widget.refresh()
    assert "m05" not in widget._charts
    widget.close()


def test_open_child_and_back(run: Run) -> None:
    child = run.child_run()
    child.log("x", 1.0)
    child.complete()
    widget = RunDetails(run)
    widget._on_message(None, {"type": "open_child", "id": child.id}, [])
    assert widget.header.run["id"] == child.id
    assert [c["id"] for c in widget.header.breadcrumb] == [run.id, child.id]
    widget._on_message(None, {"type": "back"}, [])
    assert widget.header.run["id"] == run.id and widget.header.breadcrumb == []
    widget._on_message(None, {"type": "children_page", "page": 0, "sort_key": "status"}, [])
    assert widget.body.children["sort_key"] == "status"
    widget.close()


@pytest.mark.parametrize("bad", [0, -1, "10"])
def test_bad_refresh_interval(run: Run, bad: object) -> None:
    with pytest.raises(ValidationError, match="refresh_interval"):
        RunDetails(run, refresh_interval=bad)  # type: ignore[arg-type]


def test_not_a_run() -> None:
    with pytest.raises(ValidationError, match=r"expects a runwatch\.Run"):
        RunDetails("run-id")  # type: ignore[arg-type]


def test_summary_html_escapes_metric_names_and_the_error(exp: Experiment) -> None:
    widget = RunDetails(hostile_run(exp))
    try:
        page = widget.summary_html()
    finally:
        widget.close()
    assert_no_markup(page)
    assert_escaped(page, f"metric {ALL}")
    assert_escaped(page, f"error {ALL}")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, list[bytes]]]:
    """Every message the widgets publish (outside a kernel ipywidgets' comms are
    `comm.DummyComm`, whose `publish_msg` sends comm_open and comm_msg alike)."""
    import comm

    messages: list[tuple[object, list[bytes]]] = []

    def publish(_comm: object, _type: str, data: object = None, _meta: object = None,
                buffers: list[bytes] | None = None, **_: object) -> None:  # fmt: skip
        messages.append((data, list(buffers or [])))

    monkeypatch.setattr(comm.DummyComm, "publish_msg", publish)
    return messages


def _size(messages: list[tuple[object, list[bytes]]]) -> int:
    import json

    return sum(
        len(json.dumps(data, default=str)) + sum(memoryview(b).nbytes for b in buffers)
        for data, buffers in messages
    )


def test_a_refresh_sends_only_the_new_points_of_each_drawn_line(
    run: Run, sent: list[tuple[object, list[bytes]]]
) -> None:
    """After 100 new points in each of 30 metrics of 10,000 points, a refresh sends a
    `points` message per drawn chart with a few dozen points, not the lines again; the
    lines hold what a new view would draw, within the 2,000-point budget."""
    names = [f"m{i:02d}" for i in range(30)]
    for i, name in enumerate(names):
        run.log_list(name, [float((j * (i + 1)) % 101) for j in range(10_000)])
    run.flush()
    widget = RunDetails(run, refresh_interval=60, max_charts=12)
    POLLER.remove(widget)
    first = _size(sent)
    sent.clear()
    for i, name in enumerate(names):
        run.log_list(name, [float((j * (i + 1)) % 101) for j in range(10_000, 10_100)])
    run.flush()
    widget.refresh()
    points = [
        (data, buffers)
        for data, buffers in sent
        if isinstance(data, dict)
        and data.get("method") == "custom"
        and data["content"].get("type") == "points"
    ]
    assert len(points) == 12  # one per drawn chart
    assert all(len(b) == 2 and len(b[0]) == len(b[1]) <= 8 * 40 for _, b in points)
    assert _size(sent) < first / 20
    for name in list(widget._charts)[:3]:
        mark = widget._charts[name].marks[name]
        assert len(mark.x) <= 2000
        values = [float((j * (names.index(name) + 1)) % 101) for j in range(10_100)]
        line = DisplayLine()  # the line a new view draws from the whole series
        line.update([float(j) for j in range(10_100)], values)
        assert mark.x.tolist() == line.x.tolist() and mark.y.tolist() == line.y.tolist()
    widget.close()


def _custom(sent: list[tuple[object, list[bytes]]], kind: str) -> list[tuple[dict, list[bytes]]]:
    return [
        (data["content"], buffers)
        for data, buffers in sent
        if isinstance(data, dict)
        and data.get("method") == "custom"
        and data["content"].get("type") == kind
    ]


def test_images_travel_as_binary_messages_once(
    run: Run, sent: list[tuple[object, list[bytes]]], tmp_path: object
) -> None:
    """The images trait names images by key; each image's bytes go once, as one binary
    buffer, and again only to a view that asks for them."""
    from pathlib import Path

    png = Path(str(tmp_path)) / "a.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    run.log_image("pic", path=str(png))
    run.flush()
    widget = RunDetails(run, refresh_interval=60)
    POLLER.remove(widget)
    (item,) = widget.body.images[0]["items"]
    assert item["type"] == "image/png" and "src" not in item
    images = _custom(sent, "image")
    assert [(m["key"], m["mime"]) for m, _ in images] == [(item["key"], "image/png")]
    assert images[0][1] == [png.read_bytes()]
    assert "base64" not in str([data for data, _ in sent])
    sent.clear()
    run.log("other", 1.0)
    run.flush()
    widget.refresh()  # the image is unchanged: its bytes are not sent again
    assert _custom(sent, "image") == []
    widget._on_message(widget.body, {"type": "want_images", "keys": [item["key"], "../x"]}, [])
    assert [m["key"] for m, _ in _custom(sent, "image")] == [item["key"]]  # only known keys
    widget.close()
