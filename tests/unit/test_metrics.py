"""get_metrics shapes for each kind of logging call, steps, frames and images."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from runwatch import ImageRef, Run


def reopen(run: Run) -> Run:
    run.flush()
    return Run(run.experiment, run.id)


def test_one_value_is_the_value(run: Run) -> None:
    run.log("accuracy", 0.93)
    assert reopen(run).get_metrics("accuracy")["accuracy"] == 0.93
    assert reopen(run).get_metrics() == {"accuracy": 0.93}


def test_repeated_values_are_a_list_in_order(run: Run) -> None:
    for value in (3, 2.5, 1):
        run.log("loss", value)
    got = reopen(run).get_metrics("loss")["loss"]
    assert got == [3, 2.5, 1]
    assert [type(v) for v in got] == [int, float, int]


def test_special_floats_survive(run: Run) -> None:
    for value in (math.nan, math.inf, -math.inf, -0.0):
        run.log("f", value)
    got = reopen(run).get_metrics("f")["f"]
    assert math.isnan(got[0]) and got[1:3] == [math.inf, -math.inf]
    assert math.copysign(1.0, got[3]) == -1.0


def test_numpy_scalars_become_python_scalars(run: Run) -> None:
    run.log("i", np.int64(2**62))
    run.log("f", np.float32(0.5))
    run.log("b", np.bool_(True))
    run.log("s", np.str_("x"))
    got = reopen(run).get_metrics()
    assert got == {"i": 2**62, "f": 0.5, "b": True, "s": "x"}
    assert [type(got[k]) for k in "ifbs"] == [int, float, bool, str]


def test_strings_bools_and_none(run: Run) -> None:
    run.log("phase", "warmup")
    run.log("phase", None)
    run.log("phase", "train")
    run.log("flag", True)
    assert reopen(run).get_metrics() == {"phase": ["warmup", None, "train"], "flag": True}


def test_steps_default_to_the_index_and_can_be_given(run: Run) -> None:
    run.log("loss", 1.0)
    run.log("loss", 0.5, step=10)
    run.log("loss", 0.25)
    frame = reopen(run).get_metrics("loss", as_frame=True)
    assert frame["step"].tolist() == [0, 10, 2]
    assert frame["value"].tolist() == [1.0, 0.5, 0.25]


def test_log_list_is_a_list_even_with_one_element(run: Run) -> None:
    run.log_list("one", [7])
    run.log_list("fib", (x for x in (1, 1, 2, 3, 5)))
    run.log_list("arr", np.arange(3, dtype=np.float64))
    assert reopen(run).get_metrics() == {"one": [7], "fib": [1, 1, 2, 3, 5], "arr": [0.0, 1.0, 2.0]}


def test_repeated_log_list_extends(run: Run) -> None:
    run.log_list("l", [1, 2])
    run.log_list("l", [3])
    assert reopen(run).get_metrics("l")["l"] == [1, 2, 3]


def test_one_row_is_a_dict_of_values(run: Run) -> None:
    run.log_row("point", x=1, y=2.0)
    assert reopen(run).get_metrics("point")["point"] == {"x": 1, "y": 2.0}


def test_repeated_rows_are_columns_with_missing_cells_none(run: Run) -> None:
    run.log_row("t", a=1, b="x")
    run.log_row("t", a=2, c=3.5)
    assert reopen(run).get_metrics("t")["t"] == {"a": [1, 2], "b": ["x", None], "c": [None, 3.5]}


def test_table_is_columns_and_repeated_tables_append(run: Run) -> None:
    run.log_table("sine", {"angle": [0.0, 1.0], "sine": [0.0, 0.84]})
    assert reopen(run).get_metrics("sine")["sine"] == {"angle": [0.0, 1.0], "sine": [0.0, 0.84]}
    run.log_table("sine", {"angle": [2.0], "sine": [0.91]})
    assert reopen(run).get_metrics("sine")["sine"] == {
        "angle": [0.0, 1.0, 2.0],
        "sine": [0.0, 0.84, 0.91],
    }


def test_table_accepts_numpy_columns(run: Run) -> None:
    run.log_table("t", {"x": np.array([1, 2]), "y": np.array([0.5, 0.25])})
    got = reopen(run).get_metrics("t")["t"]
    assert got == {"x": [1, 2], "y": [0.5, 0.25]}
    assert type(got["x"][0]) is int


def _png(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [1, 0])
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def test_image_from_file_and_figure(run: Run, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    source = _png(tmp_path / "curve.png")
    run.log_image("curve", path=source)
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([1, 2, 3])
    run.log_image("fig", plot=fig)
    plt.close(fig)
    plt.plot([3, 2, 1])
    run.log_image("fig", plot=plt)
    plt.close("all")

    got = reopen(run).get_metrics()
    assert isinstance(got["curve"], ImageRef)
    assert isinstance(got["fig"], list) and len(got["fig"]) == 2
    out = run.download_file(got["curve"], tmp_path / "copy.png")
    assert out.read_bytes() == source.read_bytes()
    second = run.download_file(got["fig"][1], tmp_path / "fig.png")
    assert second.read_bytes().startswith(b"\x89PNG")
    # As in Azure, logged images are among the run's files too: a file under its
    # name (an absolute path: its base name), a plot as <name>_<unix time>.png.
    names = run.get_file_names()
    assert names[0] == "curve.png" and len(names) == 3
    assert all(re.fullmatch(r"fig_\d{10}(_2)?\.png", n) for n in names[1:]), names
    assert len(set(names)) == 3


def test_an_image_under_a_relative_path_keeps_it_and_never_overwrites(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plots").mkdir()
    _png(tmp_path / "plots" / "a.png")
    run.log_image("a", path="./plots/a.png")
    run.log_image("a", path="plots/a.png")
    run.upload_file("other.png", str(tmp_path / "plots" / "a.png"))
    _png(tmp_path / "outside.png")
    run.log_image("b", path="plots/../outside.png")  # leaves its folder: its base name
    assert run.get_file_names() == ["other.png", "outside.png", "plots/a.png", "plots/a_2.png"]
    refs = run.get_metrics("a")["a"]
    assert [
        run.download_file(ref, tmp_path / f"{i}.png").read_bytes() for i, ref in enumerate(refs)
    ] == [(tmp_path / "plots" / "a.png").read_bytes()] * 2


def test_jpeg_image(run: Run, tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "photo.jpg"
    Image.new("RGB", (4, 4), (255, 0, 0)).save(path, format="JPEG")
    run.log_image("photo", path=path)
    ref = reopen(run).get_metrics("photo")["photo"]
    assert ref.path.endswith(".jpg")
    assert str(ref).startswith(f"runwatch://{run.id}/")


def test_recursive_metrics_cover_all_descendants(run: Run) -> None:
    run.log("top", 1)
    child = run.child_run()
    child.log("mid", 2)
    grandchild = child.child_run()
    grandchild.log("low", 3)
    grandchild.complete()
    child.complete()
    got = reopen(run).get_metrics(recursive=True)
    assert got == {run.id: {"top": 1}, child.id: {"mid": 2}, grandchild.id: {"low": 3}}
    assert reopen(run).get_metrics("top", recursive=True) == {
        run.id: {"top": 1},
        child.id: {},
        grandchild.id: {},
    }


def test_unknown_metric_name(run: Run) -> None:
    run.log("loss", 1)
    assert run.get_metrics("los") == {}  # as in Azure ML
    with pytest.raises(ValueError, match=r"no metric named 'los'.*\['loss'\]"):
        run.get_metrics("los", as_frame=True)["los"]


def test_as_frame_long_form(run: Run) -> None:
    run.log("loss", 1.0)
    run.log("loss", 0.5)
    run.log_row("r", a=1, b=2)
    frame = reopen(run).get_metrics(as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["run_id", "metric", "column", "step", "value"]
    loss = frame[frame.metric == "loss"]
    assert loss["value"].tolist() == [1.0, 0.5]
    rows = frame[frame.metric == "r"]
    assert sorted(zip(rows.column, rows.value, strict=True)) == [("a", 1), ("b", 2)]


def test_table_as_frame(run: Run) -> None:
    run.log_table("t", {"x": [1, 2], "y": [3, 4]})
    frame = reopen(run).get_metrics("t", as_frame=True)
    assert frame.to_dict("list") == {"x": [1, 2], "y": [3, 4]}


def test_pending_points_are_read_back_by_the_logging_process(run: Run) -> None:
    run.log("loss", 1.0)
    assert run.get_metrics("loss")["loss"] == 1.0  # flushes its own buffer first


def test_another_process_run_object_continues_steps(run: Run) -> None:
    run.log("loss", 1.0)
    run.log("loss", 2.0)
    run.flush()
    other = Run(run.experiment, run.id)
    other.log("loss", 3.0)
    other.flush()
    frame = Run(run.experiment, run.id).get_metrics("loss", as_frame=True)
    assert frame["step"].tolist() == [0, 1, 2]


def test_one_million_points_round_trip(run: Run) -> None:
    values = [float(i) for i in range(10_000)]
    for i in range(100):
        run.log_list(f"m{i}", values)
    run.complete()
    got = Run(run.experiment, run.id).get_metrics()
    assert len(got) == 100 and all(v == values for v in got.values())
