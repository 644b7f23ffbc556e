"""A workspace with a SQLite run store and S3 artifacts, through the public API only.

Credentials reach it three ways: the workspace's `artifacts_options`, `${NAME}`
references in its config, and the AWS variables; a submitted script's outputs
and driver log land in the bucket.
"""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest
from _s3 import Server
from _waiting import driver_log, wait_final

import runwatch
from runwatch import Experiment, RunStatus, ScriptRunConfig
from runwatch.errors import ConfigError

pytestmark = pytest.mark.filterwarnings("ignore:GitWildMatchPattern:DeprecationWarning")


@pytest.fixture
def bucket(moto: Server) -> str:
    return moto.new_bucket()


@pytest.fixture
def s3_ws(
    tmp_path: Path, moto: Server, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> runwatch.Workspace:
    """Secrets in the environment, referred to by the workspace's options."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TEAM_S3_KEY", moto.key)
    monkeypatch.setenv("TEAM_S3_SECRET", moto.secret)
    options = {
        "endpoint_url": moto.endpoint,
        "key": "${TEAM_S3_KEY}",
        "secret": "${TEAM_S3_SECRET}",
    }
    return runwatch.Workspace(
        "team",
        store=f"sqlite:///{tmp_path}/ws/runwatch.db",
        artifacts=f"s3://{bucket}/team",
        artifacts_options=options,
    )


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_a_run_logged_end_to_end(
    s3_ws: runwatch.Workspace, moto: Server, bucket: str, tmp_path: Path
) -> None:
    (tmp_path / "plot.png").write_bytes(_png())
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("a,b\n1,2\n")
    exp = Experiment(s3_ws, "s3-e2e")
    with exp.start_logging(outputs=tmp_path / "outputs") as run:
        run.log("loss", 0.5)
        run.log_image("curve", path=str(tmp_path / "plot.png"))
        run.upload_file("notes.txt", io.BytesIO(b"hello from s3"))
        run.upload_folder("inputs", tmp_path / "data")
        (tmp_path / "outputs").mkdir()
        (tmp_path / "outputs" / "model.pkl").write_bytes(b"model")

    again = runwatch.Run.get(s3_ws, run.id)
    # The logged image is among the files, as in Azure (its base name: an absolute path).
    assert again.get_file_names() == ["inputs/a.csv", "notes.txt", "outputs/model.pkl", "plot.png"]
    assert again.download_file("notes.txt", tmp_path / "n.txt").read_bytes() == b"hello from s3"
    got = again.download_files(prefix="inputs", output_directory=tmp_path / "down")
    assert [p.read_text() for p in got] == ["a,b\n1,2\n"]
    image = again.get_metrics()["curve"]
    assert again.download_file(image, tmp_path / "img.png").read_bytes() == _png()

    keys = moto.raw.find(f"{bucket}/team/{run.id}")
    names = sorted(k.split(f"{run.id}/", 1)[1] for k in keys)
    assert names == [
        "files/inputs/a.csv",
        "files/notes.txt",
        "files/outputs/model.pkl",
        "files/plot.png",
    ]
    assert not (tmp_path / "ws" / "artifacts").exists()  # nothing went to a local folder


def test_the_config_keeps_references_not_secrets(
    s3_ws: runwatch.Workspace, moto: Server, tmp_path: Path
) -> None:
    file = s3_ws.write_config(tmp_path / "project")
    config = json.loads(file.read_text())
    assert config["artifacts_options"]["secret"] == "${TEAM_S3_SECRET}"
    assert moto.secret not in file.read_text()

    ws = runwatch.Workspace.from_config(file)
    assert ws.artifacts_url == s3_ws.artifacts_url
    with Experiment(ws, "from-config").start_logging() as run:
        run.upload_file("x.txt", io.BytesIO(b"x"))
    assert runwatch.Run.get(s3_ws, run.id).get_file_names() == ["x.txt"]


def test_a_reference_to_a_missing_variable_is_named(
    s3_ws: runwatch.Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEAM_S3_SECRET")
    ws = runwatch.Workspace(
        "team", s3_ws.store_url, s3_ws.artifacts_url, artifacts_options=s3_ws.artifacts_options
    )
    with pytest.raises(ConfigError, match="refers to the environment variable TEAM_S3_SECRET"):
        _ = ws.artifacts


@pytest.mark.parametrize("options", [["key"], "secret", 5])
def test_options_must_be_a_mapping(tmp_path: Path, options: object) -> None:
    file = tmp_path / "config.json"
    config = {"store": "sqlite:///r.db", "artifacts": "s3://b/p", "artifacts_options": options}
    file.write_text(json.dumps(config))
    with pytest.raises(ConfigError, match=r"artifacts_options in .*config\.json must be a mapping"):
        runwatch.Workspace.from_config(file)


def test_aws_variables_alone(
    tmp_path: Path, moto: Server, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto.key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto.secret)
    ws = runwatch.Workspace("env", f"sqlite:///{tmp_path}/r.db", f"s3://{bucket}/env-only")
    with Experiment(ws, "env").start_logging() as run:
        run.upload_file("y.txt", io.BytesIO(b"y"))
    assert moto.raw.cat_file(f"{bucket}/env-only/{run.id}/files/y.txt") == b"y"


def test_a_submitted_script_writes_its_outputs_and_log_to_s3(
    s3_ws: runwatch.Workspace,
    moto: Server,
    bucket: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RUNWATCH_AGENT_IDLE", "2")
    monkeypatch.setenv("RUNWATCH_CANCEL_GRACE", "1")
    src = tmp_path / "src"
    src.mkdir()
    (src / "train.py").write_text(
        textwrap.dedent(
            """
            import os, sys, time
            from runwatch import Run
            run = Run.get_context()
            run.log("mse", 0.25)
            os.makedirs("outputs", exist_ok=True)
            with open("outputs/model.txt", "w") as f:
                f.write("weights")
            for i in range(3):
                print(f"epoch {i}", flush=True)
                time.sleep(0.3)
            print("a warning", file=sys.stderr)
            """
        )
    )
    run = Experiment(s3_ws, "submit").submit(ScriptRunConfig(src, "train.py"))
    assert wait_final(run, timeout=60)[-1] == RunStatus.COMPLETED, driver_log(run)
    run.wait_for_completion(show_output=True)
    shown = capsys.readouterr().out
    assert "epoch 2" in shown and "[stderr] a warning" in shown

    log = driver_log(run)
    assert "epoch 0\nepoch 1\nepoch 2\n" in log and "uploaded 1 output files" in log
    assert run.get_metrics() == {"mse": 0.25}
    assert {"outputs/model.txt", "logs/driver.log"} <= set(run.get_file_names())
    prefix = f"{bucket}/team/{run.id}"
    assert moto.raw.cat_file(f"{prefix}/files/outputs/model.txt") == b"weights"
    assert moto.raw.cat_file(f"{prefix}/files/logs/driver.log").decode() == log
    assert not moto.raw.exists(f"{prefix}/segments")  # joined when the driver finished
    assert moto.raw.find(f"{bucket}/team/_shared/snapshots")  # the source snapshot too
