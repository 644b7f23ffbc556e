"""The model registry: `Run.register_model`, `Model.register`, finding, files, changes."""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

import runwatch
from runwatch import Experiment, Model, Run, Workspace
from runwatch.errors import AssetNotFoundError, StoreError, ValidationError


def finished_run(exp: Experiment, files: dict[str, bytes]) -> Run:
    run = exp.start_logging()
    for name, data in files.items():
        run.upload_file(name, io.BytesIO(data))
    run.complete()
    return run


def url_path(model: Model) -> Path:
    parsed = urlparse(model.url)
    assert parsed.scheme == "file"
    return Path(unquote(parsed.path))


def test_facades_export_the_same_class() -> None:
    from runwatch.model import Model as FromModule

    assert FromModule is runwatch.Model and "Model" in runwatch.__all__


@pytest.mark.parametrize("path", ["./outputs/ridge_0.40.pkl", "outputs/ridge_0.40.pkl"])
def test_register_a_run_file_as_the_samples_do(exp: Experiment, path: str) -> None:
    run = finished_run(exp, {"outputs/ridge_0.40.pkl": b"ridge", "outputs/other.txt": b"x"})
    model = run.register_model(model_name="best_ridge_model", model_path=path)
    assert (model.name, model.version, model.id) == ("best_ridge_model", 1, "best_ridge_model:1")
    assert (model.run_id, model.experiment_name) == (run.id, exp.name)
    assert model.run == run
    assert isinstance(model.created_time, datetime) and model.created_time.tzinfo is not None
    stored = url_path(model)
    assert stored.name == "ridge_0.40.pkl" and stored.read_bytes() == b"ridge"
    again = run.register_model("best_ridge_model", "outputs/ridge_0.40.pkl")
    assert again.version == 2 and again.url != model.url


def test_register_a_run_folder_and_download_it(exp: Experiment, tmp_path: Path) -> None:
    run = finished_run(exp, {"outputs/model/a.bin": b"a", "outputs/model/sub/b.bin": b"b"})
    model = run.register_model("folder-model", "outputs/model/", tags={"k": "v"})
    assert model.tags == {"k": "v"}
    path = model.download(tmp_path / "dl")
    assert Path(path) == tmp_path / "dl" / "model"
    assert (Path(path) / "sub" / "b.bin").read_bytes() == b"b"
    whole = run.register_model("all-outputs", "outputs/")
    assert Path(whole.download(tmp_path / "all")) == tmp_path / "all" / "outputs"
    assert sorted(p.name for p in (tmp_path / "all" / "outputs" / "model").rglob("*.bin")) == [
        "a.bin",
        "b.bin",
    ]


def test_model_path_defaults_to_the_model_name(exp: Experiment) -> None:
    run = finished_run(exp, {"model.onnx": b"onnx"})
    assert run.register_model("model.onnx").version == 1


def test_a_missing_run_path_lists_the_run_files(exp: Experiment) -> None:
    run = finished_run(exp, {"outputs/model.joblib": b"m"})
    with pytest.raises(ValidationError, match=r"no file or folder 'outputs/model.pkl'.*"):
        run.register_model("sklearn-iris", "outputs/model.pkl")
    with pytest.raises(ValidationError, match=r"outputs/model.joblib"):
        run.register_model("sklearn-iris", "outputs/mod")  # a folder, not a name prefix
    with pytest.raises(ValidationError, match=r"'\.\./x'"):
        run.register_model("m", "../x")
    with pytest.raises(ValidationError, match="names no file or folder"):
        run.register_model("m", "./")
    assert Model.list(exp.workspace) == []


def test_a_running_run_says_when_outputs_are_uploaded(exp: Experiment) -> None:
    run = exp.start_logging()
    with pytest.raises(ValidationError, match="uploaded when the run ends"):
        run.register_model("m", "outputs/model.pkl")
    run.complete()


def test_register_local_file_and_folder(ws: Workspace, tmp_path: Path) -> None:
    file = tmp_path / "sklearn_regression_model.pkl"
    file.write_bytes(b"pickle")
    model = Model.register(
        workspace=ws,
        model_path=str(file),
        model_name="sklearn_regression_model",
        tags={"area": "diabetes", "type": "regression"},
        properties={"score": 0.9},
        description="Ridge regression model",
        model_framework=Model.Framework.SCIKITLEARN,
        model_framework_version="1.5.0",
        sample_input_dataset=object(),
        resource_configuration=object(),
    )
    assert (model.run_id, model.experiment_name, model.run) == (None, None, None)
    assert model.description == "Ridge regression model"
    assert (model.model_framework, model.model_framework_version) == ("ScikitLearn", "1.5.0")
    assert model.properties == {"score": 0.9}
    file.unlink()  # the registered copy outlives the local file
    assert Path(model.download(tmp_path / "out")).read_bytes() == b"pickle"

    folder = tmp_path / "tf"
    (folder / "variables").mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"pb")
    (folder / "variables" / "v.data").write_bytes(b"v")
    (folder / "skip.txt").write_text("no")
    tf = Model.register(ws, folder, "tf", child_paths=["saved_model.pb", "variables"])
    assert [f["name"] for f in tf._files()] == [
        "tf/saved_model.pb",
        "tf/variables/v.data",
    ]
    assert url_path(tf).is_dir() and url_path(tf).name == "tf"


def test_register_refuses_bad_input(ws: Workspace, tmp_path: Path) -> None:
    file = tmp_path / "m.pkl"
    file.write_bytes(b"m")
    for name in ("", "-lead", "has space", "a/b", "x" * 256, 7):
        with pytest.raises(ValidationError, match="model name"):
            Model.register(ws, str(file), name)  # type: ignore[arg-type]
    assert Model.register(ws, str(file), "x" * 255).version == 1
    with pytest.raises(ValidationError, match="does not exist"):
        Model.register(ws, str(tmp_path / "nope.pkl"), "m")
    with pytest.raises(ValidationError, match="without a model_framework"):
        Model.register(ws, str(file), "m", model_framework_version="1.0")
    with pytest.raises(ValidationError, match="must be a dict"):
        Model.register(ws, str(file), "m", tags=["a"])  # type: ignore[arg-type]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValidationError, match="no files"):
        Model.register(ws, str(tmp_path / "empty"), "m")
    with pytest.raises(ValidationError, match="not a file or folder inside"):
        Model.register(ws, str(tmp_path / "empty"), "m", child_paths=["../m.pkl"])
    with pytest.raises(ValidationError, match=r"expected a runwatch\.Workspace"):
        Model.register("ws", str(file), "m")  # type: ignore[arg-type]


def test_a_file_name_that_cannot_be_stored_is_refused(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "back\\slash").write_bytes(b"x")
    with pytest.raises(ValidationError, match="backslash"):
        Model.register(ws, str(folder), "odd")
    assert Model.list(ws) == []


def test_open_by_name_version_and_id(ws: Workspace, tmp_path: Path) -> None:
    file = tmp_path / "m.pkl"
    file.write_bytes(b"m")
    first = Model.register(ws, str(file), "m", tags={"stage": "dev"})
    second = Model.register(ws, str(file), "m")
    assert Model(ws, "m") == second
    assert Model(ws, "m", version=1) == first
    assert Model(ws, id="m:1").version == 1
    assert Model(ws, "m", tags=["stage"]).version == 1  # the newest that matches
    with pytest.raises(AssetNotFoundError, match="no model named 'x'"):
        Model(ws, "x")
    with pytest.raises(AssetNotFoundError, match="version 9"):
        Model(ws, "m", version=9)
    with pytest.raises(AssetNotFoundError, match="no version of model 'm' matches"):
        Model(ws, "m", tags=[["stage", "prod"]])
    with pytest.raises(ValidationError, match="name or an id"):
        Model(ws)
    with pytest.raises(ValidationError, match="'<name>:<version>'"):
        Model(ws, id="m")


def test_list_filters_as_azure_does(ws: Workspace, tmp_path: Path) -> None:
    file = tmp_path / "m.pkl"
    file.write_bytes(b"m")
    Model.register(ws, str(file), "a", tags={"team": "x", "kind": "ridge"}, properties={"p": 1})
    Model.register(ws, str(file), "a", tags={"team": "y"})
    Model.register(ws, str(file), "b", model_framework="Onnx")
    run = finished_run(Experiment(ws, "e"), {"outputs/m.pkl": b"m"})
    Model.register(ws, str(file), "c")
    from_run = run.register_model("c", "outputs/m.pkl")

    def ids(**filters: object) -> list[str]:
        return [m.id for m in Model.list(ws, **filters)]  # type: ignore[arg-type]

    assert ids() == ["a:1", "a:2", "b:1", "c:1", "c:2"]
    assert ids(name="a") == ["a:1", "a:2"]
    assert ids(tags=["team"]) == ["a:1", "a:2"]
    assert ids(tags=[["team", "y"]]) == ["a:2"]
    assert ids(tags=["kind", ["team", "x"]]) == ["a:1"]
    assert ids(properties=[["p", "1"]]) == ["a:1"]
    assert ids(latest=True) == ["a:2", "b:1", "c:2"]
    assert ids(run_id=run.id) == [from_run.id]
    assert ids(model_framework="Onnx") == ["b:1"]
    assert ids(dataset_id="d") == []
    with pytest.raises(ValidationError, match=r"expected a list of keys and \[key, value\]"):
        Model.list(ws, tags={"team": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="neither a key nor"):
        Model.list(ws, tags=[["a", "b", "c"]])
    with pytest.raises(ValidationError, match="page_count"):
        Model.list(ws, page_count=5)


def test_download_refuses_to_overwrite(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "src" / "m.pkl"
    file.parent.mkdir()
    file.write_bytes(b"one")
    model = Model.register(ws, str(file), "m")
    monkeypatch.chdir(tmp_path)
    assert model.download() == "m.pkl"
    Path("m.pkl").write_bytes(b"changed")
    with pytest.raises(ValidationError, match=r"'m.pkl' exists already.*exist_ok=True"):
        model.download()
    assert Path("m.pkl").read_bytes() == b"changed"
    model.download(exist_ok=True)
    assert Path("m.pkl").read_bytes() == b"one"


def test_get_model_path(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "m.pkl"
    file.write_bytes(b"v1")
    Model.register(ws, str(file), "m")
    file.write_bytes(b"v2")
    Model.register(ws, str(file), "m")
    monkeypatch.chdir(tmp_path / "ws")
    with pytest.raises(AssetNotFoundError, match="pass _workspace="):
        Model.get_model_path("m")
    latest = Model.get_model_path("m", _workspace=ws)
    assert latest == os.path.join("azureml-models", "m", "2", "m.pkl")
    assert Path(latest).read_bytes() == b"v2"
    assert Model.get_model_path("m") == latest  # now found in the local folder
    first = Model.get_model_path("m", version=1, _workspace=ws)
    assert Path(first).read_bytes() == b"v1"
    assert Model.get_model_path("m", version=1) == first
    with pytest.raises(ValidationError, match="must be an int"):
        Model.get_model_path("m", version="1")  # type: ignore[arg-type]


def test_get_model_path_inside_a_submitted_run_uses_its_workspace(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = finished_run(Experiment(ws, "e"), {"outputs/m.pkl": b"m"})
    run.register_model("m", "outputs/m.pkl")
    import runwatch.tracking._context as context

    monkeypatch.setattr(context, "_context", None)  # this test's run, then none again
    scoring = Experiment(ws, "score").start_logging()
    monkeypatch.setenv("RUNWATCH_RUN_ID", scoring.id)
    monkeypatch.setenv("RUNWATCH_CONFIG", str(ws.write_config(tmp_path / "cfg")))
    monkeypatch.chdir(tmp_path)
    assert Path(Model.get_model_path("m")).read_bytes() == b"m"
    scoring.complete()


def test_tags_properties_update_and_delete(ws: Workspace, tmp_path: Path) -> None:
    file = tmp_path / "m.pkl"
    file.write_bytes(b"m")
    model = Model.register(ws, str(file), "m", tags={"a": "1"}, properties={"p": "x"})
    model.add_tags({"b": 2})
    model.remove_tags("a")
    model.add_properties({"q": "y"})
    assert (model.tags, model.properties) == ({"b": "2"}, {"p": "x", "q": "y"})
    with pytest.raises(ValidationError, match="cannot be changed"):
        model.add_properties({"p": "z"})
    model.update(tags={"c": "3"}, description="better")
    again = Model(ws, "m")
    assert (again.tags, again.description) == ({"c": "3"}, "better")
    assert again.properties == {"p": "x", "q": "y"}
    newer = Model.register(ws, str(file), "m")
    folder = url_path(again).parent
    again.delete()
    assert not folder.exists() and url_path(newer).is_file()
    with pytest.raises(AssetNotFoundError):
        Model(ws, "m", version=1)
    assert [m.id for m in Model.list(ws)] == ["m:2"]  # the other keeps its number


def test_serialize_deserialize_and_repr(exp: Experiment, tmp_path: Path) -> None:
    run = finished_run(exp, {"outputs/m.pkl": b"m"})
    model = run.register_model("m", "outputs/m.pkl", tags={"t": "v"})
    payload = model.serialize()
    assert payload["id"] == "m:1" and payload["runId"] == run.id
    assert payload["experimentName"] == exp.name and payload["tags"] == {"t": "v"}
    assert datetime.fromisoformat(payload["createdTime"]) == model.created_time
    assert Model.deserialize(exp.workspace, payload) == model
    with pytest.raises(ValidationError, match="no 'id'"):
        Model.deserialize(exp.workspace, {})
    assert repr(model) == (
        f"Model(workspace={exp.workspace!r}, name=m, id=m:1, version=1, "
        "tags={'t': 'v'}, properties={})"
    )


def test_a_run_file_missing_from_the_artifacts_registers_nothing(exp: Experiment) -> None:
    run = finished_run(exp, {"outputs/model/a.bin": b"a", "outputs/model/b.bin": b"b"})
    ws = exp.workspace
    missing = Path(ws.artifacts_url) / run.id / "files" / "outputs" / "model" / "b.bin"
    missing.unlink()
    with pytest.raises(StoreError, match=r"'outputs/model/b.bin'.*missing from the artifact"):
        run.register_model("m", "outputs/model")
    assert Model.list(ws) == []
    models_area = Path(ws.artifacts_url) / "_shared" / "models" / "m"
    assert not models_area.exists() or not any(models_area.iterdir())


def test_models_on_s3_artifacts(tmp_path: Path, moto: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ws = Workspace(
        "team",
        store=f"sqlite:///{tmp_path}/ws/runwatch.db",
        artifacts=f"s3://{moto.new_bucket()}/team",
        artifacts_options={"endpoint_url": moto.endpoint, "key": moto.key, "secret": moto.secret},
    )
    run = finished_run(Experiment(ws, "e"), {"outputs/m.pkl": b"weights"})
    model = run.register_model("m", "outputs/m.pkl")
    assert model.url.startswith("s3://") and model.url.endswith("/m.pkl")
    assert Path(model.download(tmp_path / "dl")).read_bytes() == b"weights"
    folder = model.url.rsplit("/", 1)[0]
    assert ws.artifacts.fs.exists(folder)
    model.delete()
    assert not ws.artifacts.fs.exists(folder)
