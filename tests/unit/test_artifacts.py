"""Run files: name checks and the fsspec-backed ArtifactStore, on a local folder and on S3.

The S3 servers (moto, and `rclone serve s3`, which checks signatures) run in child
processes started by the fixtures in conftest.py; S3-only behaviour (part uploads,
ranged requests, segments, errors) is in test_artifacts_s3.py.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from _s3 import Server

from runwatch.artifacts._store import _CHUNK, FILES, MEDIA, ArtifactStore, safe_name
from runwatch.errors import ValidationError

# --------------------------------------------------------------------------- safe_name


@pytest.mark.parametrize(
    "name", ["a", "a/b.txt", "outputs/x y.bin", "deep/er/still.tar.gz", "ünï.txt", "..a", "a.."]
)
def test_safe_name_accepts(name: str) -> None:
    assert safe_name(name) == name


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "is empty"),
        ("/abs", "is an absolute path"),
        ("../x", "has a '..' segment"),
        ("a/../b", "has a '..' segment"),
        ("a/..", "has a '..' segment"),
        ("a\\b", "contains a backslash"),
        ("a\x00b", "contains a NUL character"),
        ("C:/x", "is an absolute path"),
        ("a//b", "has an empty or '.' segment"),
        ("./a", "has an empty or '.' segment"),
        ("a/", "has an empty or '.' segment"),
    ],
)
def test_safe_name_refuses(name: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        safe_name(name)
    message = str(caught.value)
    assert message.startswith(f"file name {name!r} {problem}")
    assert message.endswith("such as 'outputs/model.pkl'")


@pytest.mark.parametrize("name", [None, 5, b"a.txt", Path("a.txt"), ["a"]])
def test_safe_name_refuses_non_str(name: object) -> None:
    with pytest.raises(ValidationError) as caught:
        safe_name(name)
    assert str(caught.value) == (
        f"file name {name!r} is a {type(name).__name__}; expected a str such as 'outputs/model.pkl'"
    )


# --------------------------------------------------------------------------- ArtifactStore
# Every test taking `place` runs on a local folder and on two S3-compatible servers.


@dataclass
class Place:
    """An artifact store, with readers that look past it at what it stored."""

    artifacts: ArtifactStore
    read: Callable[[str], bytes]  # the bytes at a path relative to the root
    keys: Callable[[], list[str]]  # every stored path relative to the root, sorted


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "artifacts"


@pytest.fixture
def local_artifacts(root: Path) -> ArtifactStore:
    return ArtifactStore(str(root))


def _local_place(root: Path) -> Place:
    def keys() -> list[str]:
        found = root.rglob("*") if root.exists() else []
        return sorted(p.relative_to(root).as_posix() for p in found if p.is_file())

    return Place(ArtifactStore(str(root)), lambda key: (root / key).read_bytes(), keys)


def _s3_place(server: Server) -> Place:
    bucket = server.new_bucket()
    prefix = f"{bucket}/team/artifacts"
    fs = server.raw

    def keys() -> list[str]:
        return sorted(k[len(prefix) + 1 :] for k in fs.find(prefix, withdirs=False))

    def read(key: str) -> bytes:
        data: bytes = fs.cat_file(f"{prefix}/{key}")
        return data

    return Place(ArtifactStore(f"s3://{prefix}", server.options()), read, keys)


@pytest.fixture(params=["local", "moto", "rclone"])
def place(request: pytest.FixtureRequest, root: Path) -> Place:
    if request.param == "local":
        return _local_place(root)
    return _s3_place(request.getfixturevalue(request.param))


@pytest.fixture
def artifacts(place: Place) -> ArtifactStore:
    return place.artifacts


class Reader:
    """A readable binary stream that records how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.asked: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        return self._data.read(size)


def test_store_on_a_local_folder(root: Path, local_artifacts: ArtifactStore) -> None:
    assert local_artifacts.local
    assert local_artifacts.root == str(root)
    assert ArtifactStore(f"file://{root}/").root == str(root)


def test_put_from_a_path(tmp_path: Path, place: Place, artifacts: ArtifactStore) -> None:
    source = tmp_path / "source.bin"
    data = bytes(range(256)) * 40
    source.write_bytes(data)

    assert artifacts.put("run1", FILES, "outputs/model.bin", source) == len(data)
    assert place.read("run1/files/outputs/model.bin") == data
    assert artifacts.put("run1", FILES, "again.bin", str(source)) == len(data)
    assert artifacts.size("run1", FILES, "again.bin") == len(data)


def test_put_from_a_stream_is_streamed(place: Place, artifacts: ArtifactStore) -> None:
    data = os.urandom(_CHUNK * 2 + 12345)
    reader = Reader(data)

    assert artifacts.put("run1", FILES, "big.bin", reader) == len(data)
    assert reader.asked == [_CHUNK, _CHUNK, _CHUNK, _CHUNK]  # block by block, never read()
    assert place.read("run1/files/big.bin") == data
    assert artifacts.size("run1", FILES, "big.bin") == len(data)


def test_put_from_a_text_stream(place: Place, artifacts: ArtifactStore) -> None:
    assert artifacts.put("run1", FILES, "notes.txt", io.StringIO("héllo\n")) == len(
        "héllo\n".encode()
    )
    assert place.read("run1/files/notes.txt") == "héllo\n".encode()


def test_put_an_empty_stream(place: Place, artifacts: ArtifactStore) -> None:
    assert artifacts.put("run1", FILES, "empty", io.BytesIO(b"")) == 0
    assert place.read("run1/files/empty") == b""


def test_put_bytes_and_read_back(tmp_path: Path, place: Place, artifacts: ArtifactStore) -> None:
    data = b"0123456789abcdef"
    assert artifacts.put_bytes("run1", MEDIA, "img/plot.png", data) == 16
    assert place.read("run1/media/img/plot.png") == data
    assert artifacts.size("run1", MEDIA, "img/plot.png") == 16

    destination = tmp_path / "out" / "nested" / "plot.png"
    artifacts.get("run1", MEDIA, "img/plot.png", destination)
    assert destination.read_bytes() == data

    with artifacts.open("run1", MEDIA, "img/plot.png") as stream:
        assert stream.read(4) == b"0123"
        assert stream.read() == b"456789abcdef"

    assert artifacts.read_range("run1", MEDIA, "img/plot.png", 0, 4) == b"0123"
    assert artifacts.read_range("run1", MEDIA, "img/plot.png", 10, 16) == b"abcdef"
    assert artifacts.read_range("run1", MEDIA, "img/plot.png", 12, None) == b"cdef"
    assert artifacts.read_range("run1", MEDIA, "img/plot.png", 5, 5) == b""
    assert artifacts.read_range("run1", MEDIA, "img/plot.png", 16, None) == b""
    assert artifacts.read_range("run1", MEDIA, "img/plot.png", 20, 30) == b""

    assert artifacts.put_bytes("run1", MEDIA, "img/plot.png", b"new") == 3  # replaced
    assert artifacts.size("run1", MEDIA, "img/plot.png") == 3


def test_a_missing_file_is_file_not_found(tmp_path: Path, artifacts: ArtifactStore) -> None:
    artifacts.put_bytes("run1", FILES, "here", b"x")
    with pytest.raises(FileNotFoundError):
        artifacts.read_range("run1", FILES, "missing", 0, None)
    with pytest.raises(FileNotFoundError):
        artifacts.get("run1", FILES, "missing", tmp_path / "missing")
    with pytest.raises(FileNotFoundError):
        artifacts.size("run1", FILES, "missing")


def test_shared_objects(tmp_path: Path, place: Place, artifacts: ArtifactStore) -> None:
    source = tmp_path / "snap.zip"
    source.write_bytes(b"zip bytes")
    assert not artifacts.exists("snapshots", "abc.zip")
    artifacts.put_shared("snapshots", "abc.zip", source)
    assert artifacts.exists("snapshots", "abc.zip")
    with artifacts.open_shared("snapshots", "abc.zip") as stream:
        assert stream.read() == b"zip bytes"
    assert place.keys() == ["_shared/snapshots/abc.zip"]


def test_runs_and_areas_are_separate(place: Place, artifacts: ArtifactStore) -> None:
    artifacts.put_bytes("run1", FILES, "x", b"1")
    artifacts.put_bytes("run2", FILES, "x", b"22")
    artifacts.put_bytes("run1", MEDIA, "x", b"333")
    assert artifacts.size("run1", FILES, "x") == 1
    assert artifacts.size("run2", FILES, "x") == 2
    assert artifacts.size("run1", MEDIA, "x") == 3
    assert place.keys() == ["run1/files/x", "run1/media/x", "run2/files/x"]


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a\\b", "", "a\x00b", "a/../../b"])
def test_every_operation_checks_the_name(
    tmp_path: Path, place: Place, artifacts: ArtifactStore, name: str
) -> None:
    source = tmp_path / "s"
    source.write_bytes(b"s")
    calls = [
        lambda: artifacts.put("run1", FILES, name, source),
        lambda: artifacts.put("run1", FILES, name, io.BytesIO(b"s")),
        lambda: artifacts.put_bytes("run1", FILES, name, b"s"),
        lambda: artifacts.get("run1", FILES, name, tmp_path / "d"),
        lambda: artifacts.open("run1", FILES, name),
        lambda: artifacts.read_range("run1", FILES, name, 0, None),
        lambda: artifacts.size("run1", FILES, name),
        lambda: artifacts.put_segment("run1", FILES, name, 0, b"s"),
        lambda: artifacts.join_segments("run1", FILES, name),
    ]
    for call in calls:
        with pytest.raises(ValidationError, match=re.escape(f"file name {name!r}")):
            call()
    assert place.keys() == []
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("run_id", ["", "a/b", ".", ".."])
def test_run_ids_that_cannot_be_folders(
    place: Place, artifacts: ArtifactStore, run_id: str
) -> None:
    with pytest.raises(ValidationError, match=f"run id {run_id!r} cannot name an artifact folder"):
        artifacts.put_bytes(run_id, FILES, "x", b"")
    assert place.keys() == []


def outside_msg(name: str) -> str:
    return re.escape(f"file name {name!r} resolves outside the run's folder")


def test_symlink_out_of_the_run_folder_is_refused(
    tmp_path: Path, root: Path, local_artifacts: ArtifactStore
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    files = root / "run1" / "files"
    files.mkdir(parents=True)
    (files / "link").symlink_to(outside, target_is_directory=True)
    (files / "secret.txt").symlink_to(outside / "secret.txt")

    with pytest.raises(ValidationError, match=outside_msg("link/new.txt")):
        local_artifacts.put_bytes("run1", FILES, "link/new.txt", b"x")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]  # nothing written there
    with pytest.raises(ValidationError, match=outside_msg("link/secret.txt")):
        local_artifacts.open("run1", FILES, "link/secret.txt")
    with pytest.raises(ValidationError, match=outside_msg("secret.txt")):
        local_artifacts.read_range("run1", FILES, "secret.txt", 0, None)
    with pytest.raises(ValidationError, match=outside_msg("secret.txt")):
        local_artifacts.get("run1", FILES, "secret.txt", tmp_path / "copy.txt")
    assert not (tmp_path / "copy.txt").exists()


def test_symlink_inside_the_run_folder_is_allowed(
    root: Path, local_artifacts: ArtifactStore
) -> None:
    local_artifacts.put_bytes("run1", FILES, "real/data.txt", b"data")
    (root / "run1" / "files" / "alias").symlink_to(root / "run1" / "files" / "real")
    assert local_artifacts.read_range("run1", FILES, "alias/data.txt", 0, None) == b"data"


def test_area_folder_symlinked_out_of_the_run_folder_is_refused(
    tmp_path: Path, root: Path, local_artifacts: ArtifactStore
) -> None:
    # `<run>/files` is itself a symlink inside the run folder that points outside it
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "run1").mkdir(parents=True)
    (root / "run1" / "files").symlink_to(outside, target_is_directory=True)

    with pytest.raises(ValidationError, match=outside_msg("x.txt")):
        local_artifacts.put_bytes("run1", FILES, "x.txt", b"escaped")
    assert list(outside.iterdir()) == []
