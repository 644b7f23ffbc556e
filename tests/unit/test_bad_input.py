"""Bad input: each case raises an error naming the value and what was expected,
and leaves everything already logged intact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import runwatch
from runwatch import Experiment, Run, ValidationError, Workspace


@pytest.fixture
def logged(run: Run) -> Run:
    """A run with one of each kind already logged."""
    run.log("loss", 0.5)
    run.log("loss", 0.25)
    run.log_row("rows", a=1, b=2.0)
    run.tag("stage", "one")
    run.add_properties({"seed": 7})
    run.flush()
    return run


def _intact(run: Run) -> None:
    fresh = Run(run.experiment, run.id)
    assert fresh.get_metrics("loss")["loss"] == [0.5, 0.25]
    assert fresh.get_metrics("rows")["rows"] == {"a": 1, "b": 2.0}
    assert fresh.get_tags() == {"stage": "one"}
    assert fresh.get_properties() == {"seed": 7}


def _raises(call: Any, *fragments: str) -> None:
    with pytest.raises(ValidationError) as caught:
        call()
    for fragment in fragments:
        assert fragment in str(caught.value), (fragment, str(caught.value))


def test_non_string_metric_name(logged: Run) -> None:
    _raises(lambda: logged.log(42, 1.0), "metric name", "42", "str")
    _intact(logged)


def test_empty_metric_name(logged: Run) -> None:
    _raises(lambda: logged.log("", 1.0), "metric name", "''", "non-empty")
    _intact(logged)


def test_empty_tag_name(logged: Run) -> None:
    _raises(lambda: logged.tag("", "x"), "tag name", "non-empty")
    _intact(logged)


def test_non_string_tag_name(logged: Run) -> None:
    _raises(lambda: logged.set_tags({3: "x"}), "tag name", "3")
    _intact(logged)


def test_name_over_255_characters(logged: Run) -> None:
    _raises(lambda: logged.log("n" * 256, 1.0), "256 characters", "255")
    _intact(logged)


@pytest.mark.parametrize(
    ("value", "hint"),
    [({"a": 1}, "log_row"), ([1, 2], "log_list"), (object(), "expected int, float")],
)
def test_non_scalar_passed_to_log(logged: Run, value: Any, hint: str) -> None:
    _raises(lambda: logged.log("loss", value), "run.log('loss'", type(value).__name__, hint)
    _intact(logged)


def test_series_that_changes_type(logged: Run) -> None:
    _raises(lambda: logged.log("loss", "high"), "'high'", "str", "series of number")
    _intact(logged)


def test_log_list_of_non_scalars(logged: Run) -> None:
    _raises(lambda: logged.log_list("l", [1, [2]]), "element 1", "[2]", "not a scalar")
    _intact(logged)
    assert "l" not in logged.get_metrics()


def test_log_list_of_a_string(logged: Run) -> None:
    _raises(lambda: logged.log_list("l", "abc"), "'abc'", "not a list")
    _intact(logged)


def test_log_row_with_non_scalar_cell(logged: Run) -> None:
    _raises(lambda: logged.log_row("rows", a=1, b=[1, 2]), "column 'b'", "[1, 2]")
    _intact(logged)


def test_log_table_with_unequal_columns(logged: Run) -> None:
    _raises(
        lambda: logged.log_table("t", {"x": [1, 2], "y": [1]}),
        "different lengths",
        "'x': 2",
        "'y': 1",
    )
    _intact(logged)


def test_log_table_with_non_list_column(logged: Run) -> None:
    _raises(lambda: logged.log_table("t", {"x": 5}), "column 'x'", "5", "expected a list")
    _intact(logged)


def test_log_table_not_a_dict(logged: Run) -> None:
    _raises(lambda: logged.log_table("t", [1, 2]), "[1, 2]", "not a dict")
    _intact(logged)


def test_log_image_with_neither_path_nor_plot(logged: Run) -> None:
    _raises(lambda: logged.log_image("img"), "exactly one of path=", "plot=")
    _intact(logged)


def test_log_image_with_both_path_and_plot(logged: Run, tmp_path: Path) -> None:
    _raises(lambda: logged.log_image("img", path=tmp_path, plot=object()), "exactly one")
    _intact(logged)


def test_log_image_missing_file(logged: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nope.png"
    _raises(lambda: logged.log_image("img", path=missing), str(missing), "does not exist")
    _intact(logged)


def test_log_image_not_an_image(logged: Run, tmp_path: Path) -> None:
    text = tmp_path / "notes.png"
    text.write_text("hello")
    _raises(lambda: logged.log_image("img", path=text), "notes.png", "not a PNG or JPEG")
    _intact(logged)
    assert "img" not in logged.get_metrics()


def test_upload_file_missing_path(logged: Run, tmp_path: Path) -> None:
    missing = tmp_path / "missing.bin"
    _raises(lambda: logged.upload_file("m.bin", missing), str(missing), "not an existing file")
    _intact(logged)
    assert logged.get_file_names() == []


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "a/../../b", "a\\b", ""])
def test_upload_file_escaping_name(logged: Run, tmp_path: Path, name: str) -> None:
    source = tmp_path / "data.txt"
    source.write_text("x")
    _raises(lambda: logged.upload_file(name, source), repr(name), "relative path inside the run")
    _intact(logged)
    assert logged.get_file_names() == []


def test_upload_over_an_existing_name(logged: Run, tmp_path: Path) -> None:
    source = tmp_path / "data.txt"
    source.write_text("first")
    logged.upload_file("data.txt", source)
    source.write_text("second")
    _raises(lambda: logged.upload_file("data.txt", source), "'data.txt'", "already has a file")
    out = tmp_path / "out.txt"
    logged.download_file("data.txt", out)
    assert out.read_text() == "first"


def test_add_properties_changing_a_key(logged: Run) -> None:
    _raises(lambda: logged.add_properties({"seed": 8}), "'seed'", "7", "8", "immutable")
    _intact(logged)


def test_logging_to_a_finished_run(logged: Run) -> None:
    logged.complete()
    with pytest.raises(runwatch.RunStateError) as caught:
        logged.log("loss", 0.1)
    assert "Completed" in str(caught.value) and "'loss'" in str(caught.value)
    logged.tag("after", "yes")  # tags and properties stay editable, as in Azure ML
    logged.add_properties({"late": 1})
    assert Run(logged.experiment, logged.id).get_metrics("loss")["loss"] == [0.5, 0.25]


def test_unknown_run_id(exp: Experiment) -> None:
    with pytest.raises(runwatch.RunNotFoundError, match="'no-such-id'"):
        Run(exp, "no-such-id")


def test_config_that_is_not_json(tmp_path: Path) -> None:
    config = tmp_path / ".runwatch" / "config.json"
    config.parent.mkdir()
    config.write_text("{not json")
    with pytest.raises(runwatch.ConfigError) as caught:
        Workspace.from_config(tmp_path)
    assert str(config) in str(caught.value) and "not valid JSON" in str(caught.value)


def test_config_with_unknown_scheme(tmp_path: Path) -> None:
    config = tmp_path / ".runwatch" / "config.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"store": "mysql://db/runs"}))
    with pytest.raises(runwatch.ConfigError) as caught:
        Workspace.from_config(tmp_path)
    message = str(caught.value)
    assert "'mysql'" in message and "sqlite" in message and str(config) in message


_BIG = 2**63  # one past the largest int64
_LONE = "\ud800"  # a lone surrogate: no UTF-8 encoding


@pytest.mark.parametrize(
    ("call", "fragments"),
    [
        (lambda r: r.log("x", 1.0, step=_BIG), ["step", str(_BIG), "64-bit"]),
        (lambda r: r.log("x", -_BIG - 1), [str(-_BIG - 1), "64-bit", "float(value)"]),
        (lambda r: r.log("loss", _BIG), [str(_BIG), "64-bit"]),
        (lambda r: r.log(f"bad{_LONE}", 1), ["metric name", "UTF-8"]),
        (lambda r: r.log("s", f"a{_LONE}"), ["run.log('s'", "UTF-8"]),
        (lambda r: r.log("d", 1.0, description=f"d{_LONE}"), ["description", "UTF-8"]),
        (lambda r: r.log_list("l", [1, 2**64]), ["element 1", "64-bit"]),
        (lambda r: r.log_row("r2", **{f"c{_LONE}": 1}), ["column name", "UTF-8"]),
        (lambda r: r.log_row("r2", a=_BIG), ["column 'a'", "64-bit"]),
        (lambda r: r.log_table("t", {"a": [1, _BIG]}), ["row 1", "64-bit"]),
        (lambda r: r.tag(f"k{_LONE}", "v"), ["tag name", "UTF-8"]),
        (lambda r: r.tag("k", f"v{_LONE}"), ["tag 'k'", "UTF-8"]),
        (lambda r: r.add_properties({"p": _BIG}), ["property 'p'", "64-bit"]),
        (lambda r: r.add_properties({"p": f"v{_LONE}"}), ["property 'p'", "UTF-8"]),
        (lambda r: setattr(r, "display_name", f"n{_LONE}"), ["display name", "UTF-8"]),
    ],
)
def test_values_the_store_cannot_hold(
    logged: Run, call: Any, fragments: list[str], recwarn: pytest.WarningsRecorder
) -> None:
    """Refused when logged, naming the value; the buffer and the run stay usable."""
    logged.log("before", 1.0)
    _raises(lambda: call(logged), *fragments)
    logged.log("after", 2.0)
    logged.complete()
    _intact(logged)
    metrics = Run(logged.experiment, logged.id).get_metrics()
    assert metrics["before"] == 1.0 and metrics["after"] == 2.0
    assert logged.get_status() == "Completed"
    assert not [w for w in recwarn if "runwatch" in str(w.message)]


def test_upload_name_that_is_not_utf8(logged: Run, tmp_path: Path) -> None:
    source = tmp_path / "data.txt"
    source.write_text("x")
    _raises(lambda: logged.upload_file(f"f{_LONE}.txt", source), "file name", "UTF-8")
    _intact(logged)
    assert logged.get_file_names() == []


def _end_elsewhere(run: Run) -> None:
    """Mark the run Failed through another connection to its store, as the liveness
    check of another process does."""
    from runwatch.store._sqlite import SqliteStore

    other = SqliteStore(run.workspace.store.url)
    try:
        other.set_status(run.id, "Failed", error={"message": "its process looked dead"})
    finally:
        other.close()


def test_logging_into_a_run_another_process_failed(logged: Run) -> None:
    """The flush that follows learns the stored status; the next log call raises.
    Points logged before that flush are kept."""
    _end_elsewhere(logged)
    logged.log("loss", 0.125)  # not known yet in this process
    logged.flush()
    with pytest.raises(runwatch.RunStateError, match=r"is Failed; metric 'loss'"):
        logged.log("loss", 0.0625)
    with pytest.raises(runwatch.RunStateError, match="is Failed"):
        logged.log_row("rows", a=3, b=4.0)
    assert Run(logged.experiment, logged.id).get_metrics("loss")["loss"] == [0.5, 0.25, 0.125]


def test_the_background_writer_learns_the_run_ended(logged: Run) -> None:
    import time

    _end_elsewhere(logged)
    logged.log("loss", 0.125)
    deadline = time.monotonic() + 10
    while True:  # the writer flushes every 0.5 s
        try:
            logged.log("other", 1.0)
        except runwatch.RunStateError:
            break
        assert time.monotonic() < deadline, "the writer never learned the run had ended"
        time.sleep(0.05)
    assert Run(logged.experiment, logged.id).get_metrics("loss")["loss"] == [0.5, 0.25, 0.125]
