"""`runwatch copy` / `copy_runs`: runs logged offline join another workspace.

Copied from a SQLite workspace into another SQLite workspace and into a real
PostgreSQL store (the store tests' throwaway server; skipped without one
unless RUNWATCH_REQUIRE_POSTGRES=1 or RUNWATCH_REQUIRE_ALL=1), then compared through the public API.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _parts import require
from runwatch import Experiment, Run, Workspace, copy_runs
from runwatch.cli import main
from runwatch.errors import ValidationError
from runwatch.tracking._copy_runs import _StatusLine

pytestmark = pytest.mark.xdist_group("copy")  # one PostgreSQL server for the module

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


# --------------------------------------------------------------------------- fixtures


def local_ws(folder: Path, name: str) -> Workspace:
    ws = Workspace(name, store=f"sqlite:///{folder}/.runwatch/runwatch.db")
    ws.write_config(folder)
    return ws


@pytest.fixture
def laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)  # no stray ./outputs/ is collected into the runs
    return local_ws(tmp_path / "laptop", "laptop")


@pytest.fixture(params=["sqlite", "postgresql"])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """The target: another SQLite workspace, or a PostgreSQL store with its own artifacts."""
    if request.param == "sqlite":
        yield local_ws(tmp_path / "team", "team")
        return
    server = request.getfixturevalue("postgres_server")  # tests/conftest.py
    ws = Workspace("team", store=server.new_database("copy"), artifacts=f"{tmp_path}/shared")
    try:
        yield ws
    finally:
        ws.store.close()


def log_everything(ws: Workspace) -> list[str]:
    """Runs of every kind in experiment 'train' (and one in 'other'); their top-level ids."""
    image = Path(ws.artifacts_url).parent / "plot.png"
    image.write_bytes(PNG)
    exp = Experiment(ws, "train")
    with exp.start_logging(display_name="first") as run:
        for i in range(2500):
            run.log("loss", 1 / (i + 1))
        run.log("alpha", 0.1, description="regularisation")
        run.log("label", "ridge")
        run.log_list("fib", [1, 1, 2, 3, 5])
        run.log_row("scores", epoch=1, f1=0.8)
        run.log_row("scores", epoch=2, f1=0.9)
        run.log_table("sine", {"angle": [0, 1], "sine": [0.0, 0.84]})
        run.log_image("curve", path=image)
        run.upload_file("model.pkl", io.BytesIO(b"weights" * 300_000))  # 2.1 MB, > 1 block
        run.tag("team", "vision")
        run.add_properties({"seed": 7})
        child = run.child_run("child")
        child.log("acc", 0.5)
        grandchild = child.child_run("grandchild")
        grandchild.log("acc", 0.75)
        grandchild.upload_file("outputs/note.txt", io.BytesIO(b"deep"))
        grandchild.complete()
        child.complete()
    failed = exp.start_logging()
    try:
        with failed:
            failed.log("loss", 3.0)
            raise RuntimeError("diverged")
    except RuntimeError:
        pass
    with Experiment(ws, "other").start_logging() as other:
        other.log("x", 1)
    return [run.id, failed.id, other.id]


def everything(ws: Workspace, run_id: str) -> dict[str, Any]:
    """What the public API says about a run and its descendants, times and bytes included."""
    run = Run.get(ws, run_id)
    details = run.get_details()
    details.pop("runNumber")
    details.pop("durationSeconds")
    metrics = run.get_metrics()
    images = {name: ref for name, ref in metrics.items() if type(ref).__name__ == "ImageRef"}
    folder = Path(ws.artifacts_url).parent / "downloads"
    return {
        "details": details,
        "metrics": repr(metrics),  # repr: NaN-safe, exact float digits and types
        "points": {
            name: (info.kind, info.value_class, info.description, points.steps, points.times)
            for name, (info, points) in ws.store.read_metrics(run_id).items()
        },
        "files": {
            name: run.download_file(name, folder / "f").read_bytes()
            for name in run.get_file_names()
        },
        "images": {
            name: run.download_file(ref, folder / "i").read_bytes() for name, ref in images.items()
        },
        "children": [everything(ws, child.id) for child in run.get_children(recursive=False)],
        "descendants": [child.id for child in run.get_children(recursive=True)],
    }


# --------------------------------------------------------------------------- copying


def test_copy_keeps_everything_and_copies_again_only_what_changed(
    laptop: Workspace, team: Workspace
) -> None:
    ids = log_everything(laptop)
    live = Experiment(laptop, "train").start_logging()  # still running when first copied
    live.log("step", 1)
    live.flush()

    report = copy_runs(laptop, team, progress=False)
    assert report.experiments == {
        "other": {"copied": 1, "updated": 0, "unchanged": 0},
        "train": {"copied": 5, "updated": 0, "unchanged": 0},  # 3 top-level, 2 descendants
    }
    assert report.active == [(live.id, "Running")]
    assert report.files == 3 and report.bytes > 2_100_000  # 2 files, 1 image
    for run_id in ids:
        assert everything(team, run_id) == everything(laptop, run_id)
    assert Run.get(team, ids[1]).get_details()["error"]["error"]["message"] == "diverged"
    assert [r.number for r in Experiment(team, "train").get_runs()] == [5, 4, 1]

    seq = team.store.current_seq()
    again = copy_runs(laptop, team, progress=False)
    assert again.count("unchanged") == 6 and again.count("copied") + again.count("updated") == 0
    assert team.store.current_seq() == seq  # nothing was written

    live.log("step", 2)
    live.upload_file("late.txt", io.BytesIO(b"late"))
    live.complete()
    third = copy_runs(laptop, team, progress=False)
    assert third.runs.count((live.id, "updated")) == 1 and third.count("unchanged") == 5
    assert third.files == 1 and third.active == []
    assert everything(team, live.id) == everything(laptop, live.id)
    assert Run.get(team, live.id).get_metrics("step") == {"step": [1, 2]}


def test_experiment_filter_and_numbers_taken(laptop: Workspace, tmp_path: Path) -> None:
    team = local_ws(tmp_path / "team", "team")
    theirs = [Experiment(team, "train").start_logging() for _ in range(2)]
    for run in theirs:
        run.complete()
    ids = log_everything(laptop)
    report = copy_runs(laptop, team, ["train"], progress=False)
    assert set(report.experiments) == {"train"} and report.count("copied") == 4
    assert "other" not in team.experiments
    numbers = {run_id: Run.get(team, run_id).number for run_id, _ in report.runs}
    # laptop: first 1, child 2, grandchild 3, failed 4; the team had 1 and 2, so parents
    # first: first 1 -> 3, failed keeps 4, child 2 -> 5, grandchild 3 (taken now) -> 6
    assert sorted(numbers.values()) == [3, 4, 5, 6]
    assert sorted(new for _, _, new in report.renumbered) == [3, 5, 6]
    assert all(Run.get(laptop, run_id).number == old for run_id, old, _ in report.renumbered)
    assert "numbers taken in the target" in report.summary()
    assert Experiment(team, "train").start_logging().number == 7
    assert copy_runs(laptop, team, "train", progress=False).count("unchanged") == 4
    with pytest.raises(ValidationError, match=r"'nope'.*it has: other, train"):
        copy_runs(laptop, team, ["nope"])
    assert ids


def test_status_line_rewrites_itself() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    line = _StatusLine(stream)
    line.show("copying runs 0/2", 0)
    line.show("copying runs 1/2", 2_500_000)
    line.close()
    text = stream.getvalue()
    assert "\rrunwatch copy: copying runs 0/2, 0 B" in text
    assert "\rrunwatch copy: copying runs 1/2, 2.5 MB" in text
    assert text.endswith("\r") and "\n" not in text


# --------------------------------------------------------------------------- command line


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), RUNWATCH_QUIET="1")
    return subprocess.run(
        [sys.executable, "-m", "runwatch", "copy", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_cli_copies_then_finds_nothing_new(laptop: Workspace, tmp_path: Path) -> None:
    team = local_ws(tmp_path / "team", "team")
    log_everything(laptop)
    dry = cli("--from", "laptop", "--to", "team/.runwatch/config.json", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: 5 runs would copy" in dry.stdout and team.store.current_seq() == 0
    done = cli("--from", "laptop", "--to", "team", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"runwatch copy: {laptop.store.url} -> {team.store.url}"
    assert lines[2].split() == ["other", "1", "0", "0"]
    assert lines[3].split() == ["train", "4", "0", "0"]
    assert lines[4] == "5 runs copied, 0 updated, 0 unchanged; 3 files (2.1 MB)"
    assert done.stderr == ""  # no status line when stderr is not a terminal
    again = cli("--from", "laptop", "--to", team.store_url, "--experiment", "train", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 runs copied, 0 updated, 4 unchanged; 0 files (0 B)" in again.stdout


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("missing", "team", "the source workspace 'missing' does not exist"),
        ("sqlite:///missing.db", "team", "the source store"),
        ("empty", "team", "no runwatch workspace in empty or its parents"),
        ("laptop", "laptop/.runwatch/config.json", "the source and the target are the same"),
        ("laptop", "postgresql://u:pw@127.0.0.1:9/x", "--to-artifacts URL"),
        ("laptop", "team --experiment nope", "no experiment named 'nope'"),
    ],
)
def test_cli_errors_are_one_line(
    laptop: Workspace,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    target: str,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    local_ws(tmp_path / "team", "team")
    (tmp_path / "empty").mkdir()
    with Experiment(laptop, "train").start_logging():
        pass
    assert main(["copy", "--from", source, "--to", *target.split()]) == 1
    err = capsys.readouterr().err
    assert err.startswith("runwatch: ") and message in err and "Traceback" not in err


def test_cli_unreachable_target(laptop: Workspace, tmp_path: Path) -> None:
    require("psycopg")
    with Experiment(laptop, "train").start_logging():
        pass
    url = "postgresql://runwatch:secret@127.0.0.1:9/team"
    done = cli("--from", "laptop", "--to", url, "--to-artifacts", "shared", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "cannot connect to the PostgreSQL store postgresql://runwatch:***@127.0.0.1:9/team" in (
        done.stderr
    )
    assert "secret" not in done.stderr
