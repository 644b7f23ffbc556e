"""ArtifactStore on S3 only: part uploads in bounded memory, ranged GETs, segments, errors.

What went over the wire is counted by the proxy in front of the moto server
(`_s3.CountingProxy`: method, path and status per request); `rclone serve s3`
checks signatures, so credentials errors are tested against it.
"""

from __future__ import annotations

import importlib
import io
import os
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from _s3 import Server

from runwatch.artifacts import _store as _artifacts
from runwatch.artifacts._store import _PART, FILES, ArtifactStore
from runwatch.errors import ConfigError, StoreError, ValidationError

MiB = 1 << 20


@pytest.fixture
def bucket(moto: Server) -> str:
    return moto.new_bucket()


@pytest.fixture
def artifacts(moto: Server, bucket: str) -> ArtifactStore:
    return ArtifactStore(f"s3://{bucket}/prefix", moto.options())


def requests_during(server: Server, action: Callable[[], object]) -> list[tuple[str, str, int]]:
    """The requests `action` sent (each is recorded before its answer reaches the client)."""
    before = len(server.requests())
    action()
    return server.requests()[before:]


def test_a_large_upload_goes_in_parts_with_bounded_memory(
    tmp_path: Path, moto: Server, bucket: str, artifacts: ArtifactStore
) -> None:
    size = 8 * _PART + 12345  # 64 MiB: nine parts
    source = tmp_path / "big.bin"
    with open(source, "wb") as out:
        for _ in range(size // MiB):
            out.write(os.urandom(MiB))
        out.write(os.urandom(size % MiB))
    artifacts.put_bytes("run1", FILES, "warm-up", b"")  # the client's own set-up is not counted

    tracemalloc.start()
    try:
        seen = requests_during(moto, lambda: artifacts.put("run1", FILES, "big.bin", source))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    print(f"upload of {size / MiB:.0f} MiB: peak traced memory {peak / MiB:.1f} MiB")
    # about three copies of one part (buffer, part, request body), whatever the file size
    assert peak < 4 * _PART, f"{peak / MiB:.1f} MiB held for a {size / MiB:.0f} MiB upload"
    parts = [r for r in seen if r[0] == "PUT" and "partNumber=" in r[1]]
    assert len(parts) == 9
    assert any(r[0] == "POST" and "uploads" in r[1] for r in seen)  # CreateMultipartUpload
    assert moto.raw.size(f"{bucket}/prefix/run1/files/big.bin") == size
    with open(source, "rb") as expected:
        expected.seek(7 * _PART)
        tail = expected.read()
    assert artifacts.read_range("run1", FILES, "big.bin", 7 * _PART, None) == tail


def test_read_range_is_one_ranged_get(moto: Server, artifacts: ArtifactStore) -> None:
    data = os.urandom(1024) * (24 * 1024)  # 24 MiB
    artifacts.put("run1", FILES, "big.bin", io.BytesIO(data))

    got: list[bytes] = []
    seen = requests_during(
        moto,
        lambda: got.append(artifacts.read_range("run1", FILES, "big.bin", 20 * MiB, 20 * MiB + 1)),
    )
    assert got == [data[20 * MiB : 20 * MiB + 1]]
    # one partial-content GET of that object, not a download of its 24 MiB
    assert [(method, status) for method, _, status in seen] == [("GET", 206)]
    assert seen[0][1].split("?")[0].endswith("/prefix/run1/files/big.bin")

    seen = requests_during(
        moto,
        lambda: got.append(artifacts.read_range("run1", FILES, "big.bin", len(data) - 5, None)),
    )
    assert got[-1] == data[-5:]
    assert [(method, status) for method, _, status in seen] == [("GET", 206)]


@pytest.mark.parametrize("name", ["../x", "/abs", "a\\b", "a\x00b", "a/./b"])
def test_bad_names_are_refused_before_any_request(
    tmp_path: Path, moto: Server, bucket: str, artifacts: ArtifactStore, name: str
) -> None:
    def calls() -> None:
        for call in (
            lambda: artifacts.put_bytes("run1", FILES, name, b"x"),
            lambda: artifacts.put("run1", FILES, name, io.BytesIO(b"x")),
            lambda: artifacts.read_range("run1", FILES, name, 0, 1),
            lambda: artifacts.get("run1", FILES, name, tmp_path / "out"),
            lambda: artifacts.put_segment("run1", FILES, name, 0, b"x"),
            lambda: artifacts.put_bytes("..", FILES, "ok.txt", b"x"),
        ):
            with pytest.raises(ValidationError):
                call()

    def calls_then_a_good_one() -> None:
        calls()
        artifacts.put_bytes("run1", FILES, "ok.txt", b"x")  # so that "nothing" means something

    seen = requests_during(moto, calls_then_a_good_one)
    assert [(method, path.split("?")[0], status) for method, path, status in seen] == [
        ("PUT", f"/{bucket}/prefix/run1/files/ok.txt", 200)
    ]


# --- segments: a file that grows -------------------------------------------------------


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(_artifacts, "SEGMENT", 10)
    return 10


def test_segments_read_as_one_file(
    tmp_path: Path, moto: Server, bucket: str, artifacts: ArtifactStore, small_segments: int
) -> None:
    text = b"0123456789abcdefghijKLMNO"  # segments of 10, 10 and 5 bytes
    for index in range(3):
        artifacts.put_segment("run1", FILES, "log.txt", index, text[index * 10 : index * 10 + 10])
    for start in range(len(text) + 2):
        for end in [None, *range(start, len(text) + 3)]:
            assert artifacts.read_range("run1", FILES, "log.txt", start, end) == text[start:end], (
                start,
                end,
            )
    artifacts.get("run1", FILES, "log.txt", tmp_path / "log.txt")
    assert (tmp_path / "log.txt").read_bytes() == text

    seen = requests_during(moto, lambda: artifacts.read_range("run1", FILES, "log.txt", 12, 14))
    # the whole object (not there yet), then the one segment that holds the bytes
    assert [(m, s) for m, _, s in seen] == [("GET", 404), ("GET", 206)]

    artifacts.join_segments("run1", FILES, "log.txt")
    assert moto.raw.find(f"{bucket}/prefix") == [f"{bucket}/prefix/run1/files/log.txt"]
    assert artifacts.read_range("run1", FILES, "log.txt", 3, 23) == text[3:23]


def test_a_segment_at_most_its_size(artifacts: ArtifactStore, small_segments: int) -> None:
    with pytest.raises(ValueError, match="at most 10 bytes"):
        artifacts.put_segment("run1", FILES, "log.txt", 0, b"x" * 11)


def test_a_full_last_segment_then_the_end(artifacts: ArtifactStore, small_segments: int) -> None:
    artifacts.put_segment("run1", FILES, "log.txt", 0, b"0123456789")
    assert artifacts.read_range("run1", FILES, "log.txt", 0, None) == b"0123456789"
    assert artifacts.read_range("run1", FILES, "log.txt", 10, None) == b""
    with pytest.raises(FileNotFoundError):
        artifacts.read_range("run1", FILES, "other.txt", 0, None)


# --- errors -------------------------------------------------------------------------------


def test_a_missing_bucket_is_a_store_error(moto: Server) -> None:
    artifacts = ArtifactStore("s3://no-such-bucket-here/p", moto.options())
    for call in (
        lambda: artifacts.put_bytes("run1", FILES, "x", b"1"),
        lambda: artifacts.put("run1", FILES, "x", io.BytesIO(b"1")),
        lambda: artifacts.read_range("run1", FILES, "x", 0, None),
    ):
        with pytest.raises(StoreError) as caught:
            call()
        message = str(caught.value)
        assert message == (
            f"artifact store s3://no-such-bucket-here/p (endpoint {moto.endpoint}): "
            "the bucket 'no-such-bucket-here' does not exist; create it first"
        )
        assert caught.value.__suppress_context__


def test_an_unreachable_endpoint_is_a_store_error(bucket: str) -> None:
    options = {"endpoint_url": "http://127.0.0.1:9", "key": "k", "secret": "not-shown-123"}
    options["config_kwargs"] = {"retries": {"max_attempts": 1}}
    artifacts = ArtifactStore(f"s3://{bucket}/p", options)
    with pytest.raises(StoreError) as caught:
        artifacts.put_bytes("run1", FILES, "x", b"1")
    message = str(caught.value)
    assert message.startswith(
        f"artifact store s3://{bucket}/p (endpoint http://127.0.0.1:9): cannot reach the endpoint"
    )
    assert "not-shown-123" not in message


def test_no_credentials_is_a_store_error(moto: Server, bucket: str) -> None:
    artifacts = ArtifactStore(f"s3://{bucket}/p", {"endpoint_url": moto.endpoint})
    with pytest.raises(StoreError, match="no credentials found; set AWS_ACCESS_KEY_ID"):
        artifacts.put_bytes("run1", FILES, "x", b"1")


def test_credentials_and_endpoint_from_aws_variables(
    monkeypatch: pytest.MonkeyPatch, moto: Server, bucket: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto.key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto.secret)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    artifacts = ArtifactStore(f"s3://{bucket}/p")
    assert artifacts.endpoint == moto.endpoint
    artifacts.put_bytes("run1", FILES, "x", b"from env")
    assert moto.raw.cat_file(f"{bucket}/p/run1/files/x") == b"from env"


def test_without_s3fs_the_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "s3fs", None)  # makes `import s3fs` fail
    registry = importlib.import_module("fsspec.registry")  # `fsspec.registry` is a mapping
    monkeypatch.delitem(registry._registry, "s3", raising=False)  # imported before
    with pytest.raises(ConfigError, match=r"pip install 'runwatch\[s3\]'"):
        ArtifactStore("s3://bucket/p", {"endpoint_url": "http://127.0.0.1:9"})


# --- rclone serve s3: signatures are checked ------------------------------------------


def test_rclone_put_get_range_and_segments(
    tmp_path: Path, rclone: Server, small_segments: int
) -> None:
    artifacts = ArtifactStore(f"s3://{rclone.new_bucket()}/team", rclone.options())
    data = os.urandom(_PART + 4321)  # two parts
    assert artifacts.put("run1", FILES, "model.bin", io.BytesIO(data)) == len(data)
    artifacts.get("run1", FILES, "model.bin", tmp_path / "model.bin")
    assert (tmp_path / "model.bin").read_bytes() == data
    assert artifacts.read_range("run1", FILES, "model.bin", 100, 110) == data[100:110]
    artifacts.put_segment("run1", FILES, "log.txt", 0, b"0123456789")
    artifacts.put_segment("run1", FILES, "log.txt", 1, b"abc")
    assert artifacts.read_range("run1", FILES, "log.txt", 8, None) == b"89abc"
    artifacts.join_segments("run1", FILES, "log.txt")
    assert artifacts.read_range("run1", FILES, "log.txt", 0, None) == b"0123456789abc"


def test_rclone_refuses_a_wrong_secret(rclone: Server) -> None:
    bucket = rclone.new_bucket()
    artifacts = ArtifactStore(f"s3://{bucket}/team", rclone.options(secret="wrong-secret-abcdef"))
    for call in (
        lambda: artifacts.put_bytes("run1", FILES, "x", b"1"),
        lambda: artifacts.read_range("run1", FILES, "x", 0, None),
    ):
        with pytest.raises(StoreError) as caught:
            call()
        message = str(caught.value)
        assert message.startswith(
            f"artifact store s3://{bucket}/team (endpoint {rclone.endpoint}): "
            "the credentials were refused"
        ), message
        assert "wrong-secret-abcdef" not in message and rclone.secret not in message
