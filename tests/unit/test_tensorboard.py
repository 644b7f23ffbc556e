"""TensorBoard: `export_to_tensorboard` writes event files that TensorBoard's own reader
reads back as the logged metrics; `Tensorboard(...).start()` runs a real TensorBoard."""

from __future__ import annotations

import json
import logging
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import pytest
from _procs import free_port

import runwatch
import runwatch.tensorboard as tensorboard_facade
from _parts import require
from runwatch import ConfigError, Experiment, Run, RunwatchError, ValidationError, Workspace
from runwatch.tensorboard import Tensorboard
from runwatch.tensorboard.export import export_to_tensorboard

ALPHAS = [0.1, 0.2, 0.3]


@pytest.fixture(autouse=True)
def _tensorboard() -> None:
    """Every test here reads event files with TensorBoard's reader: skipped or failed,
    naming the part, when it is not installed."""
    require("tensorboard")


def read(folder: Path) -> Any:
    """TensorBoard's reader over one run folder, keeping every point (it checks checksums)."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0})
    accumulator.Reload()
    return accumulator


def scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    accumulator = read(folder)
    return {
        tag: [(event.step, event.value) for event in accumulator.Scalars(tag)]
        for tag in accumulator.Tags()["scalars"]
    }


def assert_points(got: list[tuple[int, float]], steps: list[int], values: list[Any]) -> None:
    assert [step for step, _ in got] == steps
    # TensorBoard keeps scalars as 32-bit floats
    assert [value for _, value in got] == pytest.approx([float(v) for v in values], rel=1e-6)


def sample_flow(exp: Experiment) -> tuple[Run, list[Run]]:
    """The sample's flow: a root run whose children log; the root still running."""
    root = exp.start_logging()
    children = []
    for alpha in ALPHAS:
        with root.child_run("alpha" + str(alpha)) as run:
            run.log("train_loss", 1 / alpha)
            run.log("train_loss", 0.5 / alpha)
            run.log("epoch_acc", 0.9, step=10)
            run.log("epoch_acc", 0.95, step=20)
            root.log("alpha", alpha)
            root.log("mse", 3000 + alpha * 100)
        children.append(run)
    return root, children


def test_the_sample_flow_exports_every_scalar_with_its_step(ws: Workspace) -> None:
    root, children = sample_flow(Experiment(ws, "export-to-tensorboard"))
    logdir = "exportedTBlogs"  # relative, as in the sample
    os.mkdir(logdir)
    assert export_to_tensorboard(root, logdir) is None
    root.complete()

    folders = {path.name for path in Path(logdir).iterdir()}
    assert folders == {root.id, *(child.id for child in children)}
    for run in [root, *children]:
        exported = scalars(Path(logdir) / run.id)
        metrics = run.get_metrics()
        assert sorted(exported) == sorted(metrics)
        for name, value in metrics.items():
            values = value if isinstance(value, list) else [value]
            steps = [10, 20] if name == "epoch_acc" else list(range(len(values)))
            assert_points(exported[name], steps, values)
    assert_points(scalars(Path(logdir) / root.id)["mse"], [0, 1, 2], [3010, 3020, 3030])


def test_wall_times_are_the_logging_times(run: Run, tmp_path: Path) -> None:
    before = time.time()
    run.log("loss", 1.0)
    after = time.time()
    export_to_tensorboard(run, tmp_path / "tb")
    (event,) = read(tmp_path / "tb" / run.id).Scalars("loss")
    assert before <= event.wall_time <= after


def test_lists_rows_tables_and_bools(run: Run, tmp_path: Path) -> None:
    run.log_list("fibonacci", [1, 1, 2, 3, 5])
    run.log_row("cosine", angle=0.0, cos=1.0, ok=True)
    run.log_row("cosine", angle=0.5, cos=0.877, ok=False)
    run.log_table("sine", {"angle": [0, 1], "sine": [0.0, 0.84]})
    run.log_table("sine", {"angle": [2], "sine": [0.91]})
    run.log("flag", True)
    run.log("flag", False)
    run.log("gap", None)
    run.log("gap", 2.5)
    export_to_tensorboard(run, tmp_path)

    exported = scalars(tmp_path / run.id)
    metrics = run.get_metrics()
    assert sorted(exported) == [
        "cosine/angle",
        "cosine/cos",
        "cosine/ok",
        "fibonacci",
        "flag",
        "gap",
        "sine/angle",
        "sine/sine",
    ]
    assert_points(exported["fibonacci"], [0, 1, 2, 3, 4], metrics["fibonacci"])
    for table in ("cosine", "sine"):
        for column, cells in metrics[table].items():
            assert_points(exported[f"{table}/{column}"], list(range(len(cells))), cells)
    assert_points(exported["flag"], [0, 1], [1, 0])
    assert_points(exported["gap"], [1], [2.5])  # the None point is left out


def test_text_values_are_skipped_with_a_note_to_the_logger(run: Run, tmp_path: Path) -> None:
    run.log("note", "started")
    run.log("note", "done")
    run.log_row("scores", model="ridge", f1=0.8)
    run.log("loss", 0.5)
    notes: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            notes.append(record.getMessage())

    logger = logging.getLogger("test_tensorboard.notes")
    logger.setLevel(logging.INFO)
    logger.addHandler(Collect())
    export_to_tensorboard(run, tmp_path, logger=logger)

    assert sorted(scalars(tmp_path / run.id)) == ["loss", "scores/f1"]
    assert len(notes) == 2
    assert run.id in notes[0] and "'note'" in notes[0] and "2 text value" in notes[0]
    assert "'scores/model'" in notes[1]


def png(width: int, height: int) -> bytes:
    """An RGB PNG of random pixels (so it does not compress below a few kB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + os.urandom(3 * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_images_are_exported_as_images(run: Run, tmp_path: Path) -> None:
    pictures = [png(40, 30), png(8, 6)]
    for i, picture in enumerate(pictures):
        (tmp_path / f"{i}.png").write_bytes(picture)
        run.log_image("sample", path=tmp_path / f"{i}.png")
    export_to_tensorboard(run, tmp_path / "tb")

    images = read(tmp_path / "tb" / run.id).Images("sample")
    assert [image.encoded_image_string for image in images] == pictures
    assert [(image.step, image.width, image.height) for image in images] == [
        (0, 40, 30),
        (1, 8, 6),
    ]


def test_run_data_may_be_a_list_an_experiment_or_one_run_without_children(
    ws: Workspace, tmp_path: Path
) -> None:
    exp = Experiment(ws, "many")
    root, children = sample_flow(exp)
    root.complete()
    with exp.start_logging() as other:
        other.log("x", 1)

    export_to_tensorboard([children[0], other], tmp_path / "list")
    assert {p.name for p in (tmp_path / "list").iterdir()} == {children[0].id, other.id}
    export_to_tensorboard(root, tmp_path / "alone", recursive=False)
    assert [p.name for p in (tmp_path / "alone").iterdir()] == [root.id]
    export_to_tensorboard(exp, tmp_path / "all")
    assert {p.name for p in (tmp_path / "all").iterdir()} == {
        root.id,
        other.id,
        *(child.id for child in children),
    }
    export_to_tensorboard([root, children[1]], tmp_path / "twice")  # a child also listed
    assert len(list((tmp_path / "twice" / children[1].id).iterdir())) == 1


def test_exporting_again_replaces_the_earlier_export(run: Run, tmp_path: Path) -> None:
    run.log("loss", 1.0)
    export_to_tensorboard(run, tmp_path)
    run.log("loss", 0.5)
    export_to_tensorboard(run, tmp_path)
    assert len(list((tmp_path / run.id).iterdir())) == 1
    assert_points(scalars(tmp_path / run.id)["loss"], [0, 1], [1.0, 0.5])


def test_a_large_metric_is_exported_whole(run: Run, tmp_path: Path) -> None:
    count = 100_000
    for i in range(count):
        run.log("loss", i / 8)  # exact in float32
    export_to_tensorboard(run, tmp_path)
    points = scalars(tmp_path / run.id)["loss"]
    assert len(points) == count
    assert points[::9973] == [(i, i / 8) for i in range(0, count, 9973)]


@pytest.mark.parametrize(
    ("run_data", "logsdir", "message"),
    [
        ([], "tb", "empty list"),
        ("a run id", "tb", "'a run id' of type str is not a runwatch Run"),
        (["x"], "tb", r"run_data\[0\] is 'x'"),
        (None, 42, "is not a runwatch Run"),
    ],
)
def test_bad_run_data_is_refused(run_data: Any, logsdir: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        export_to_tensorboard(run_data, logsdir)


def test_bad_logsdir_and_recursive_are_refused(run: Run, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValidationError, match="exists and is not a folder"):
        export_to_tensorboard(run, tmp_path / "file")
    with pytest.raises(ValidationError, match="logsdir 42 must be a folder path"):
        export_to_tensorboard(run, 42)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="recursive='yes' must be True or False"):
        export_to_tensorboard(run, tmp_path, recursive="yes")  # type: ignore[arg-type]


# --- a real TensorBoard --------------------------------------------------------------


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def tensorboard_runs(url: str, expected: set[str]) -> set[str]:
    """TensorBoard's run list, once it has the `expected` runs (it loads in the background)."""
    deadline = time.monotonic() + 60
    while True:
        runs = set(get_json(url + "data/runs"))
        if expected <= runs or time.monotonic() > deadline:
            return runs
        time.sleep(0.3)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_tensorboard_serves_the_exported_runs_and_stop_ends_it(ws: Workspace) -> None:
    root, children = sample_flow(Experiment(ws, "export-to-tensorboard"))
    export_to_tensorboard(root, "exportedTBlogs")
    root.complete()
    port = free_port()
    tb = Tensorboard([], local_root="exportedTBlogs", port=port)
    url = tb.start()
    try:
        assert url == f"http://127.0.0.1:{port}/" and tb.url == url
        assert tb.start() == url  # already running: the same one
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.status == 200
        expected = {root.id, *(child.id for child in children)}
        assert tensorboard_runs(url, expected) == expected
        assert tb._process is not None
        pid = tb._process.pid
    finally:
        tb.stop()
    assert gone(pid)
    assert tb.url is None
    tb.stop()  # stopping again does nothing


def test_tensorboard_of_runs_exports_them_and_copies_their_event_files(
    run: Run, tmp_path: Path
) -> None:
    run.log("loss", 0.25)
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(tmp_path / "written")) as writer:  # what a training script writes
        writer.add_scalar("grad_norm", 3.0, 7)
    run.upload_folder("logs/train", tmp_path / "written")
    root = tmp_path / "tb"
    with Tensorboard([run], local_root=root, port=free_port()) as tb:
        assert tb.url is not None
        expected = {run.id, f"{run.id}/train"}
        assert tensorboard_runs(tb.url, expected) == expected
        assert tb._process is not None
        pid = tb._process.pid
    assert gone(pid)
    assert scalars(root / run.id) == {"loss": [(0, 0.25)]}
    assert scalars(root / run.id / "train") == {"grad_norm": [(7, 3.0)]}


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        tb = Tensorboard([], local_root=tmp_path, port=port)
        with pytest.raises(ValidationError, match=f"port {port} of 127.0.0.1 cannot be listened"):
            tb.start()
    assert tb._process is None


def test_bad_tensorboard_arguments_are_refused(run: Run) -> None:
    with pytest.raises(ValidationError, match=r"port 0 must be an int in 1\.\.65535"):
        Tensorboard([], port=0)
    with pytest.raises(ValidationError, match=r"runs\[1\] is 'x'"):
        Tensorboard([run, "x"])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="must be a list of runwatch Runs"):
        Tensorboard("runs")  # type: ignore[arg-type]
    assert Tensorboard(run).local_root.is_dir()  # one run is taken as a list of one


def test_a_tensorboard_that_exits_at_once_reports_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A broken TensorBoard install: the child process finds a `tensorboard.main` first
    # on PYTHONPATH that exits with a message, as a failing TensorBoard does.
    fake = tmp_path / "fake" / "tensorboard"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "main.py").write_text("import sys\nsys.exit('no TensorBoard here: broken install')")
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))
    tb = Tensorboard([], local_root=tmp_path / "logs", port=free_port())
    with pytest.raises(RunwatchError, match=r"exited with code 1 (?s:.*)broken install"):
        tb.start()
    assert tb._process is None


# --- without the optional packages -------------------------------------------------------
# These two hide an installed package: a machine without it cannot run the rest of this
# file, so the real absence cannot be tested beside the real presence. An entry of None in
# sys.modules makes `import <name>` raise ImportError, as a missing package does.


def test_export_without_tensorboardx_says_how_to_install(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ConfigError, match=r"pip install 'runwatch\[tensorboard\]'"):
        export_to_tensorboard(run, tmp_path / "tb")
    assert not (tmp_path / "tb").exists()


def test_tensorboard_without_tensorboard_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    tb = Tensorboard([], local_root=tmp_path, port=free_port())
    with pytest.raises(ConfigError, match=r"pip install 'runwatch\[tensorboard\]'"):
        tb.start()
    assert tb._process is None


# --- the public names ----------------------------------------------------------------------


def test_the_azure_paths_and_the_flat_names_are_the_same_objects() -> None:
    assert runwatch.Tensorboard is Tensorboard
    assert runwatch.export_to_tensorboard is export_to_tensorboard
    assert tensorboard_facade.__all__ == ["Tensorboard"]  # as azureml.tensorboard


def test_import_runwatch_does_not_load_tensorboard_code() -> None:
    code = (
        "import sys, runwatch; "
        "print([m for m in ('runwatch.tracking._tensorboard', 'tensorboardX', 'tensorboard') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
