"""Uploads, listing, downloads, and outputs/ collection."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import runwatch
from runwatch import Experiment, Run


def test_upload_path_and_stream_then_download(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "model.bin"
    source.write_bytes(b"\x00\x01" * 1000)
    run.upload_file("models/model.bin", source)
    run.upload_file("notes.txt", io.BytesIO(b"hello"))
    assert run.get_file_names() == ["models/model.bin", "notes.txt"]
    out = run.download_file("models/model.bin", tmp_path / "dl" / "m.bin")
    assert out.read_bytes() == source.read_bytes()
    into_folder = run.download_file("notes.txt", tmp_path)
    assert into_folder == tmp_path / "notes.txt" and into_folder.read_bytes() == b"hello"


def test_upload_overwrite_when_asked(run: Run, tmp_path: Path) -> None:
    run.upload_file("a.txt", io.BytesIO(b"1"))
    run.upload_file("a.txt", io.BytesIO(b"2"), overwrite=True)
    assert run.download_file("a.txt", tmp_path / "a.txt").read_bytes() == b"2"


def test_upload_files_checks_every_name_first(run: Run, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("g")
    with pytest.raises(runwatch.ValidationError, match=r"'\.\./bad'"):
        run.upload_files(["ok.txt", "../bad"], [good, good])
    assert run.get_file_names() == []
    run.upload_files(["one.txt", "two.txt"], [good, good])
    assert run.get_file_names() == ["one.txt", "two.txt"]


def test_upload_folder_and_download_files(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    run.upload_folder("inputs", folder)
    assert run.get_file_names() == ["inputs/a.txt", "inputs/sub/b.txt"]
    written = run.download_files(prefix="inputs", output_directory=tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in written) == [
        "inputs/a.txt",
        "inputs/sub/b.txt",
    ]
    bare = run.download_files("inputs", tmp_path / "bare", append_prefix=False)
    assert sorted(p.relative_to(tmp_path / "bare").as_posix() for p in bare) == [
        "a.txt",
        "sub/b.txt",
    ]


def test_download_unknown_file(run: Run, tmp_path: Path) -> None:
    with pytest.raises(runwatch.ValidationError, match="no file named 'nope'"):
        run.download_file("nope", tmp_path)


def test_outputs_folder_is_collected_when_the_run_ends(exp: Experiment, tmp_path: Path) -> None:
    run = exp.start_logging()  # outputs default to ./outputs (the fixture's cwd is tmp_path)
    (tmp_path / "outputs" / "deep").mkdir(parents=True)
    (tmp_path / "outputs" / "model.pkl").write_bytes(b"model")
    (tmp_path / "outputs" / "deep" / "x.txt").write_text("x")
    run.complete()
    assert run.get_file_names() == ["outputs/deep/x.txt", "outputs/model.pkl"]


def test_outputs_argument_names_another_folder(exp: Experiment, tmp_path: Path) -> None:
    target = tmp_path / "my-outputs"
    target.mkdir()
    (target / "r.txt").write_text("r")
    with exp.start_logging(outputs=target) as run:
        pass
    assert run.get_file_names() == ["outputs/r.txt"]


def test_outputs_collected_on_failure_too(exp: Experiment, tmp_path: Path) -> None:
    run = exp.start_logging(outputs=tmp_path / "o")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "partial.txt").write_text("p")
    run.fail("boom")
    assert run.get_file_names() == ["outputs/partial.txt"]
