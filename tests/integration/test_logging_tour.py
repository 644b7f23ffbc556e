"""Acceptance test: the whole "logging API tour", run the way a user runs it.

Real SQLite store and artifacts directory in a temp dir; nothing is mocked.
Every value logged is checked back exactly (type and value) after re-opening
the run with ``Run(experiment, run_id)``.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest
from tqdm import tqdm

import runwatch
from runwatch import Experiment, Run, Workspace

from ._helpers import assert_same, make_workspace

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BIG_METRICS = ("train", "validation", "test")
BIG_COLUMNS = [f"c{k:02d}" for k in range(15)]
BIG_STEPS = 1000
FILE_TEXT = "This is an output file that will be uploaded.\nsecond line: ünïcødé ✓\n"
BLOB = bytes(range(256)) * 4


def fibonacci(n: int):
    a, b = 0, 1
    for _ in range(n):
        yield a
        a, b = b, a + b


def big_cell(metric_index: int, step: int, k: int) -> int | float:
    # column 0 is an int step counter, the others floats that are not short decimals
    if k == 0:
        return step
    return (metric_index * 1_000_003 + step * 15 + k) / 7.0


def run_the_tour(exp: Experiment, tmp: Path) -> tuple[Run, dict]:
    """Do every kind of logging once; return the run and what get_metrics() must give back."""
    expected: dict = {}
    run = exp.start_logging(outputs=None)
    assert run.get_status() == "Running"

    # a string metric
    run.log(name="message", value="Hello from run!")
    expected["message"] = "Hello from run!"

    # numbers (and the other scalar kinds)
    run.log("scalar", 1)
    run.log("pi", math.pi)
    run.log("learning rate", 0.001, description="optimizer step size")
    run.log("big int", 2**63 - 1)
    run.log("numpy float32", np.float32(0.875))
    run.log("numpy int64", np.int64(-42))
    run.log("converged", True)
    run.log("nothing", None)
    expected.update(
        {
            "scalar": 1,
            "pi": math.pi,
            "learning rate": 0.001,
            "big int": 2**63 - 1,
            "numpy float32": 0.875,
            "numpy int64": -42,
            "converged": True,
            "nothing": None,
        }
    )

    # a list, from a generator
    run.log_list(name="Fibonacci", value=fibonacci(12), description="first 12")
    expected["Fibonacci"] = [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]

    # the same metric logged repeatedly, in a tqdm loop -> a series
    sigmoid = []
    for i in tqdm(range(-10, 10), disable=False, file=io.StringIO()):
        v = 1 / (1 + np.exp(-i))
        run.log(name="Sigmoid", value=v)
        sigmoid.append(float(v))
    expected["Sigmoid"] = sigmoid

    # log_row in a loop -> a table, built row by row
    sines: dict[str, list] = {"angle": [], "sine": []}
    cosine: dict[str, list] = {"angle": [], "cos": []}
    for i in tqdm(range(-10, 10), file=io.StringIO()):
        angle = i / 2.0
        run.log_row(name="Cosine Wave", angle=angle, cos=np.cos(angle))
        cosine["angle"].append(angle)
        cosine["cos"].append(float(np.cos(angle)))
        sines["angle"].append(angle)
        sines["sine"].append(np.sin(angle))  # numpy scalars inside the table
    expected["Cosine Wave"] = cosine

    # log_table from a dict of columns
    run.log_table(name="Sine Wave", value=sines, description="sin(angle)")
    expected["Sine Wave"] = {
        "angle": list(sines["angle"]),
        "sine": [float(s) for s in sines["sine"]],
    }

    # an image from a matplotlib figure
    angles = np.linspace(-np.pi, np.pi, 50)
    fig = plt.figure(figsize=(3, 2))
    plt.plot(angles, np.sin(angles), label="sin")
    plt.plot(angles, np.cos(angles), label="cos")
    plt.legend()
    run.log_image(name="Sine Wave Plot", plot=fig, description="sin and cos")
    plt.close(fig)

    # 1000 steps x 3 metrics, one 15-column row each per step, with a description
    for step in range(BIG_STEPS):
        for m, metric in enumerate(BIG_METRICS):
            row = {c: big_cell(m, step, k) for k, c in enumerate(BIG_COLUMNS)}
            run.log_row(metric, description=f"{metric} statistics per step", **row)
    for m, metric in enumerate(BIG_METRICS):
        expected[metric] = {
            c: [big_cell(m, step, k) for step in range(BIG_STEPS)]
            for k, c in enumerate(BIG_COLUMNS)
        }

    # upload files: one from a path, one from a stream
    out = tmp / "outputs"
    out.mkdir()
    (out / "myfile.txt").write_text(FILE_TEXT, encoding="utf-8")
    run.upload_file(name="outputs/myfile.txt", path_or_stream=str(out / "myfile.txt"))
    run.upload_file(name="outputs/blob.bin", path_or_stream=io.BytesIO(BLOB))

    run.complete()
    assert run.get_status() == "Completed"
    return run, expected


def check_image(run: Run, image_ref: object, dest: Path) -> None:
    assert type(image_ref).__name__ == "ImageRef", f"not an ImageRef: {image_ref!r}"
    run.download_file(image_ref, str(dest))
    data = dest.read_bytes()
    assert data[:8] == PNG_MAGIC, f"downloaded image is not a PNG: {data[:16]!r}"
    pixels = mpimg.imread(str(dest))  # decodes as a real image
    height, width = pixels.shape[:2]
    assert height > 10 and width > 10, pixels.shape


def test_logging_tour(experiment: Experiment, ws_dir: Path) -> None:
    run, expected = run_the_tour(experiment, ws_dir)
    run_id = run.id
    assert isinstance(run_id, str) and run_id
    assert isinstance(run.number, int)

    # ---- re-open the finished run, as a later user session would
    again = Run(experiment, run_id)
    assert again.id == run_id
    assert again.number == run.number
    assert again.get_status() == "Completed"

    everything = again.get_metrics()
    assert isinstance(everything, dict)
    assert set(everything) == set(expected) | {"Sine Wave Plot"}, sorted(everything)
    check_image(again, everything.pop("Sine Wave Plot"), ws_dir / "plot-all.png")
    assert_same(expected, everything)

    # ---- and by name
    for name, value in expected.items():
        assert_same(value, again.get_metrics(name=name)[name], f"get_metrics(name={name!r})")
    check_image(
        again,
        again.get_metrics(name="Sine Wave Plot")["Sine Wave Plot"],
        ws_dir / "plot-by-name.png",
    )

    # ---- files
    names = again.get_file_names()
    assert isinstance(names, list)
    outputs = sorted(n for n in names if n.startswith("outputs/"))
    assert outputs == ["outputs/blob.bin", "outputs/myfile.txt"], names
    assert len(names) == len(set(names)), names
    dest = ws_dir / "downloaded" / "myfile.txt"
    dest.parent.mkdir()
    again.download_file("outputs/myfile.txt", str(dest))
    assert dest.read_text(encoding="utf-8") == FILE_TEXT
    again.download_file(name="outputs/blob.bin", output_file_path=str(ws_dir / "blob.bin"))
    assert (ws_dir / "blob.bin").read_bytes() == BLOB

    # ---- tags, with and without a value, on the re-opened (completed) run
    again.tag("quality", "fantastic run")
    again.tag("worth another look")
    assert again.get_tags() == {"quality": "fantastic run", "worth another look": None}
    assert Run(experiment, run_id).get_tags() == {
        "quality": "fantastic run",
        "worth another look": None,
    }

    # ---- details
    details = again.get_details()
    assert details["runId"] == run_id
    assert details["status"] == "Completed"
    assert details["startTimeUtc"] and details["endTimeUtc"]
    assert details["tags"] == {"quality": "fantastic run", "worth another look": None}


def test_logging_to_finished_run_raises_and_keeps_data(experiment: Experiment) -> None:
    run = experiment.start_logging()
    run.log("loss", 0.5)
    run.log("loss", 0.25)
    run.complete()
    reopened = Run(experiment, run.id)
    for target in (run, reopened):
        with pytest.raises(runwatch.RunwatchError):
            target.log("loss", 0.125)
        with pytest.raises(runwatch.RunwatchError):
            target.log("late", 1)
    assert_same({"loss": [0.5, 0.25]}, Run(experiment, run.id).get_metrics())


def test_run_numbers_are_sequential_and_unknown_id_raises(
    workspace: Workspace, experiment: Experiment
) -> None:
    runs = [experiment.start_logging() for _ in range(3)]
    for r in runs:
        r.complete()
    numbers = [r.number for r in runs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    assert Run.get(workspace, runs[1].id).number == numbers[1]
    with pytest.raises(runwatch.RunNotFoundError):
        Run.get(workspace, "no-such-run-id")
    with pytest.raises(LookupError):
        Run(experiment, "no-such-run-id")


def test_config_roundtrip_from_another_directory(ws_dir: Path, monkeypatch) -> None:
    ws = make_workspace(ws_dir)
    ws.write_config(str(ws_dir))
    assert (ws_dir / ".runwatch" / "config.json").is_file()

    exp = Experiment(ws, "tour")
    run = exp.start_logging()
    run.log("answer", 42)
    run.complete()

    found = Workspace.from_config(path=str(ws_dir))
    assert_same({"answer": 42}, Run.get(found, run.id).get_metrics())

    # path=None: searched from the cwd upwards
    nested = ws_dir / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    found_up = Workspace.from_config()
    assert_same({"answer": 42}, Run(Experiment(found_up, "tour"), run.id).get_metrics())
