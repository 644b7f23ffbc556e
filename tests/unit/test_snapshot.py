"""Snapshots: which files are kept, content-addressed ids, extract, restore_snapshot."""

from __future__ import annotations

import stat
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

import runwatch
from runwatch import Run, RunStateError, RunStatus, ScriptRunConfig, ValidationError
from runwatch.artifacts import _snapshots as _snapshot
from runwatch.artifacts._store import ArtifactStore


@pytest.fixture
def ws(agent_ws: runwatch.Workspace) -> runwatch.Workspace:
    return agent_ws


@pytest.fixture
def artifacts(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(str(tmp_path / "artifacts"))


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _kept(source: Path) -> list[str]:
    return sorted(p.relative_to(source).as_posix() for p in _snapshot.files_to_include(source))


_FILES = {
    "train.py": "print('train')\n",
    "model.ckpt": "weights",
    "notes.md": "notes",
    "data/big.csv": "1,2,3\n",
    "data/small.csv": "1\n",
    "src/util.py": "x = 1\n",
    "src/debug.log": "log",
    "src/keep.log": "keep",
    "logs/run.log": "log",
    "build/out.txt": "built",
    "src/build/nested.txt": "nested build",
}


# --- which files are kept --------------------------------------------------------------------


def test_without_ignore_files_everything_is_kept_in_a_fixed_order(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src", {"b.py": "", "a.py": "", "sub/c.py": "", "sub/a/d.py": ""})
    files = _snapshot.files_to_include(source)
    assert [p.relative_to(source).as_posix() for p in files] == [
        "a.py",
        "b.py",
        "sub/c.py",  # each folder's files, then its sub-folders, by name
        "sub/a/d.py",
    ]


def test_always_ignored(tmp_path: Path) -> None:
    source = _tree(
        tmp_path / "src",
        {
            "train.py": "",
            ".git/HEAD": "ref",
            ".git/objects/ab/cd": "blob",
            ".runwatch/config.json": "{}",
            "__pycache__/train.cpython-311.pyc": "",
            "pkg/__pycache__/mod.cpython-311.pyc": "",
            "pkg/mod.py": "",
            "pkg/stale.pyc": "",
            ".ipynb_checkpoints/nb-checkpoint.ipynb": "{}",
            ".gitattributes": "",  # only the folder .git is ignored
            "nb.ipynb": "{}",
        },
    )
    assert _kept(source) == [".gitattributes", "nb.ipynb", "pkg/mod.py", "train.py"]


def test_gitignore_patterns_folders_and_negation(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src", _FILES)
    (source / ".gitignore").write_text(
        textwrap.dedent(
            """
            # comments and blank lines are ignored

            *.ckpt
            data/
            *.log
            !keep.log
            /build
            !data/small.csv
            """
        )
    )
    assert _kept(source) == [
        ".gitignore",
        "notes.md",
        "src/build/nested.txt",  # '/build' is anchored to the top folder
        "src/keep.log",  # re-included by the negation
        "src/util.py",
        "train.py",
    ]
    # As in git, a file inside an excluded folder cannot be re-included.
    assert "data/small.csv" not in _kept(source)


def test_a_pattern_without_slash_matches_at_any_depth(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src", _FILES)
    (source / ".gitignore").write_text("build\nsrc/*.log\n")
    kept = _kept(source)
    assert "build/out.txt" not in kept
    assert "src/build/nested.txt" not in kept
    assert "src/debug.log" not in kept and "src/keep.log" not in kept
    assert "logs/run.log" in kept  # 'src/*.log' is relative to the top folder


def test_runwatchignore_beats_amlignore_beats_gitignore(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src", _FILES)
    (source / ".gitignore").write_text("*.ckpt\n")
    (source / ".amlignore").write_text("data/\n")
    (source / ".runwatchignore").write_text("*.md\n")
    kept = _kept(source)
    assert "notes.md" not in kept  # .runwatchignore applies...
    assert "model.ckpt" in kept and "data/big.csv" in kept  # ...and only it
    (source / ".runwatchignore").unlink()
    kept = _kept(source)
    assert "data/big.csv" not in kept and "data/small.csv" not in kept
    assert "model.ckpt" in kept and "notes.md" in kept
    (source / ".amlignore").unlink()
    kept = _kept(source)
    assert "model.ckpt" not in kept
    assert "data/big.csv" in kept and "notes.md" in kept


def test_an_empty_runwatchignore_keeps_what_gitignore_would_drop(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src", _FILES)
    (source / ".gitignore").write_text("*\n")
    assert _kept(source) == []
    (source / ".runwatchignore").write_text("# keep everything\n")
    assert "train.py" in _kept(source) and "model.ckpt" in _kept(source)


# --- ids -----------------------------------------------------------------------------------


def test_the_id_is_content_addressed_and_stable(tmp_path: Path, artifacts: ArtifactStore) -> None:
    source = _tree(tmp_path / "src", _FILES)
    first = _snapshot.take(source, artifacts)
    time.sleep(0.01)
    (source / "train.py").touch()  # a new modification time is not a new content
    assert _snapshot.take(source, artifacts) == first
    assert len(first) == 32 and int(first, 16) >= 0
    # The same content elsewhere (another folder, another store) has the same id.
    copy = _tree(tmp_path / "copy", _FILES)
    assert _snapshot.take(copy, ArtifactStore(str(tmp_path / "other"))) == first
    # One stored zip per content.
    stored = [p.name for p in (tmp_path / "artifacts").rglob("*.zip")]
    assert stored == [f"{first}.zip"]

    (source / "train.py").write_text("print('changed')\n")
    changed = _snapshot.take(source, artifacts)
    assert changed != first
    (source / "train.py").write_text(_FILES["train.py"])
    (source / "notes.md").rename(source / "notes2.md")
    assert _snapshot.take(source, artifacts) not in (first, changed)


def test_ignored_files_do_not_change_the_id(tmp_path: Path, artifacts: ArtifactStore) -> None:
    source = _tree(tmp_path / "src", {"train.py": "x", ".runwatchignore": "*.bin\n"})
    first = _snapshot.take(source, artifacts)
    (source / "weights.bin").write_bytes(b"\0" * 1000)
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "t.pyc").write_bytes(b"pyc")
    assert _snapshot.take(source, artifacts) == first


def test_take_of_a_missing_folder(tmp_path: Path, artifacts: ArtifactStore) -> None:
    with pytest.raises(ValidationError, match=r"nope.* is not an existing folder"):
        _snapshot.take(tmp_path / "nope", artifacts)


def test_a_large_snapshot_warns(
    tmp_path: Path, artifacts: ArtifactStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWATCH_SNAPSHOT_WARN_MB", "0.001")  # about 1 KiB
    source = _tree(tmp_path / "src", {"data.csv": "x" * 4096})
    with pytest.warns(UserWarning, match=r"snapshot of .* holds .* in 1 files.*\.runwatchignore"):
        _snapshot.take(source, artifacts)


# --- extract -------------------------------------------------------------------------------


def test_extract_round_trip_with_file_modes(tmp_path: Path, artifacts: ArtifactStore) -> None:
    source = _tree(tmp_path / "src", {"run.sh": "#!/bin/sh\necho hi\n", "sub/deep/x.txt": "x"})
    (source / "empty.txt").write_bytes(b"")
    (source / "blob.bin").write_bytes(bytes(range(256)) * 10)
    (source / "run.sh").chmod(0o755)
    (source / "secret.txt").write_text("s")
    (source / "secret.txt").chmod(0o600)
    snapshot = _snapshot.take(source, artifacts)

    target = tmp_path / "out" / "nested"
    _snapshot.extract(snapshot, artifacts, target)
    for path in source.rglob("*"):
        if path.is_file():
            copy = target / path.relative_to(source)
            assert copy.read_bytes() == path.read_bytes(), path
            assert stat.S_IMODE(copy.stat().st_mode) == stat.S_IMODE(path.stat().st_mode), path
    assert stat.S_IMODE((target / "run.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((target / "secret.txt").stat().st_mode) == 0o600
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        "blob.bin",
        "empty.txt",
        "run.sh",
        "secret.txt",
        "sub/deep/x.txt",
    ]


def test_a_mode_change_alone_is_kept_by_the_next_snapshot(
    tmp_path: Path, artifacts: ArtifactStore
) -> None:
    # Making a script executable after one submission must reach the next one.
    source = _tree(tmp_path / "src", {"run.sh": "#!/bin/sh\necho hi\n"})
    (source / "run.sh").chmod(0o644)
    _snapshot.take(source, artifacts)
    (source / "run.sh").chmod(0o755)
    snapshot = _snapshot.take(source, artifacts)
    _snapshot.extract(snapshot, artifacts, tmp_path / "out")
    assert stat.S_IMODE((tmp_path / "out" / "run.sh").stat().st_mode) == 0o755


def test_extract_refuses_entries_outside_the_destination(
    tmp_path: Path, artifacts: ArtifactStore
) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr("../escaped.txt", "bad")
    artifacts.put_shared("snapshots", "evil.zip", evil)
    with pytest.raises(ValidationError, match=r"'\.\./escaped\.txt' escapes"):
        _snapshot.extract("evil", artifacts, tmp_path / "dest")
    assert not (tmp_path / "escaped.txt").exists()


def test_extract_of_an_unknown_snapshot(tmp_path: Path, artifacts: ArtifactStore) -> None:
    with pytest.raises(FileNotFoundError):
        _snapshot.extract("0" * 32, artifacts, tmp_path / "dest")


# --- restore_snapshot ----------------------------------------------------------------------


def test_restore_snapshot_of_a_submitted_run(
    exp: runwatch.Experiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _tree(
        tmp_path / "src",
        {"train.py": "print('ran')\n", "conf/params.json": '{"a": 1}', "skip.tmp": "x"},
    )
    (source / ".runwatchignore").write_text("*.tmp\n")
    (source / "train.py").chmod(0o755)
    run = exp.submit(ScriptRunConfig(source, "train.py"))
    snapshot = run.get_properties()["snapshotId"]
    assert snapshot == _snapshot.take(source, exp.workspace.artifacts)

    # The source may change after submission; the snapshot does not.
    (source / "train.py").write_text("print('edited later')\n")

    # As in Azure: the snapshot as <id>.zip in the folder given, its path returned.
    zipped = run.restore_snapshot(path=str(tmp_path / "restored"))
    assert zipped == str(tmp_path / "restored" / f"{snapshot}.zip")
    assert run.get_snapshot_id() == snapshot
    target = tmp_path / "unzipped"
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(target)
    assert (target / "train.py").read_text() == "print('ran')\n"
    assert (target / "conf" / "params.json").read_text() == '{"a": 1}'
    assert not (target / "skip.tmp").exists()
    assert stat.S_IMODE(zipfile.ZipFile(zipped).getinfo("train.py").external_attr >> 16) == 0o755

    # Without a path: the temporary folder; from any process's Run object; by id too.
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    default = Run.get(exp.workspace, run.id).restore_snapshot()
    assert default == str(tmp_path / "tmp" / f"{snapshot}.zip")
    assert run.restore_snapshot(snapshot, tmp_path / "by-id").endswith(f"{snapshot}.zip")
    with pytest.raises(ValidationError, match="'nope' is not a snapshot id"):
        run.restore_snapshot("nope")
    with pytest.raises(ValidationError, match=f"no snapshot '{'0' * 32}'"):
        run.restore_snapshot("0" * 32)
    deadline = time.monotonic() + 20
    while run.get_status() not in RunStatus.FINAL and time.monotonic() < deadline:
        time.sleep(0.05)


def test_restore_snapshot_of_a_run_that_was_not_submitted(
    exp: runwatch.Experiment, tmp_path: Path
) -> None:
    with exp.start_logging(snapshot_directory=str(tmp_path)) as run:
        run.log("x", 1)
    assert run.get_snapshot_id() is None
    with pytest.raises(RunStateError, match=r"has no snapshot \(it was not submitted"):
        run.restore_snapshot(path=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_take_snapshot_of_a_notebook_run(exp: runwatch.Experiment, tmp_path: Path) -> None:
    source = _tree(tmp_path / "nb", {"analysis.py": "x = 1\n", "data/big.csv": "1,2\n"})
    (source / ".runwatchignore").write_text("data/\n")
    with exp.start_logging() as run:
        snapshot = run.take_snapshot(source)
        assert run.get_snapshot_id() == snapshot
        with pytest.raises(RunStateError, match="has a snapshot already"):
            run.take_snapshot(source)
    with zipfile.ZipFile(run.restore_snapshot(path=tmp_path / "out")) as archive:
        assert archive.namelist() == [".runwatchignore", "analysis.py"]
    with exp.start_logging() as single:
        single.take_snapshot(source / "analysis.py")
        with zipfile.ZipFile(single.restore_snapshot(path=tmp_path / "one")) as archive:
            assert archive.namelist() == ["analysis.py"]
    with exp.start_logging() as missing, pytest.raises(ValidationError, match="not an existing"):
        missing.take_snapshot(tmp_path / "absent")
