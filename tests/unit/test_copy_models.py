"""`runwatch copy` / `copy_runs` carries registered models with their runs.

From a SQLite workspace into another SQLite workspace and into a real PostgreSQL
store (the store tests' throwaway server, as in test_copy.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from runwatch import Experiment, Model, Run, Workspace, copy_runs

pytestmark = pytest.mark.xdist_group("copy")  # one PostgreSQL server for the module


def local_ws(folder: Path, name: str) -> Workspace:
    ws = Workspace(name, store=f"sqlite:///{folder}/.runwatch/runwatch.db")
    ws.write_config(folder)
    return ws


@pytest.fixture
def laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.chdir(tmp_path)
    return local_ws(tmp_path / "laptop", "laptop")


@pytest.fixture(params=["sqlite", "postgresql"])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    if request.param == "sqlite":
        yield local_ws(tmp_path / "team", "team")
        return
    server = request.getfixturevalue("postgres_server")  # tests/conftest.py
    ws = Workspace("team", store=server.new_database("models"), artifacts=f"{tmp_path}/shared")
    try:
        yield ws
    finally:
        ws.store.close()


def trained(ws: Workspace, experiment: str, data: bytes) -> Run:
    with Experiment(ws, experiment).start_logging() as run:
        run.upload_file("outputs/model.pkl", io.BytesIO(data))
        run.upload_file("outputs/folder/a.txt", io.BytesIO(b"a"))
    return run


def described(ws: Workspace) -> list[tuple[object, ...]]:
    folder = Path(ws.artifacts_url).parent / "downloads"
    return [
        (
            m.id,
            m.run_id,
            m.experiment_name,
            m.created_time,
            m.tags,
            m.properties,
            m.description,
            m.model_framework,
            Path(m.download(folder / m.id.replace(":", "_"), exist_ok=True)).is_file(),
        )
        for m in Model.list(ws)
    ]


def test_models_go_with_their_runs_and_again_only_what_changed(
    laptop: Workspace, team: Workspace, tmp_path: Path
) -> None:
    run = trained(laptop, "train", b"v1")
    run.register_model("ridge", "outputs/model.pkl", tags={"k": "v"}, properties={"p": 1})
    run.register_model("ridge", "outputs/model.pkl", model_framework="ScikitLearn")
    run.register_model("folder", "outputs/folder")
    local = tmp_path / "local.pkl"
    local.write_bytes(b"local")
    Model.register(laptop, str(local), "uploaded", description="from a file")

    report = copy_runs(laptop, team, progress=False)
    assert sorted(report.models) == [
        ("folder:1", "copied"),
        ("ridge:1", "copied"),
        ("ridge:2", "copied"),
        ("uploaded:1", "copied"),
    ]
    assert "models: 4 copied, 0 updated, 0 unchanged" in report.summary()
    assert described(team) == described(laptop)
    copied = Model(team, "ridge", version=1)
    assert Path(copied.download(tmp_path / "check")).read_bytes() == b"v1"
    assert copied.run == Run.get(team, run.id)

    seq = team.store.current_seq()
    again = copy_runs(laptop, team, progress=False)
    assert {action for _, action in again.models} == {"unchanged"}
    assert team.store.current_seq() == seq  # nothing was written

    Model(laptop, "ridge", version=1).update(tags={"stage": "prod"}, description="best")
    third = copy_runs(laptop, team, progress=False)
    assert ("ridge:1", "updated") in third.models and third.files == 0
    assert Model(team, "ridge", version=1).tags == {"stage": "prod"}
    assert described(team) == described(laptop)


def test_an_experiment_copy_takes_its_runs_models_and_free_versions(
    laptop: Workspace, tmp_path: Path
) -> None:
    team = local_ws(tmp_path / "team", "team")
    theirs = trained(team, "theirs", b"team")
    theirs.register_model("ridge", "outputs/model.pkl")  # version 1 is taken in the target
    mine = trained(laptop, "train", b"laptop")
    mine.register_model("ridge", "outputs/model.pkl")
    trained(laptop, "other", b"other").register_model("other", "outputs/model.pkl")
    local = tmp_path / "local.pkl"
    local.write_bytes(b"local")
    Model.register(laptop, str(local), "uploaded")

    dry = copy_runs(laptop, team, ["train"], dry_run=True, progress=False)
    assert dry.models == [("ridge:1", "copied")] and Model.list(team, name="other") == []
    assert "models: 1 to copy" in dry.summary()
    report = copy_runs(laptop, team, ["train"], progress=False)
    assert report.models == [("ridge:1", "copied")]
    assert report.renumbered_models == [("ridge:1", "ridge:2")]
    assert "ridge:1 -> ridge:2" in report.summary()
    assert [m.id for m in Model.list(team)] == ["ridge:1", "ridge:2"]  # no other, no uploaded
    ours = Model(team, "ridge", version=2)
    assert ours.run_id == mine.id
    assert Path(ours.download(tmp_path / "dl")).read_bytes() == b"laptop"
    assert Path(Model(team, "ridge", version=1).download(tmp_path / "t")).read_bytes() == b"team"
    again = copy_runs(laptop, team, ["train"], progress=False)
    assert again.models == [("ridge:1", "unchanged")] and again.renumbered_models == []
