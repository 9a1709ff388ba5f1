"""The evidence file store: the local folder and S3 (moto's real HTTP server) pass the same tests,
plus a few backend-specific checks (file modes, atomic writes; content type, encryption)."""

from __future__ import annotations

import os
import re
import stat
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from portal.adapters.storage import (
    FileStore,
    InvalidKey,
    LocalFileStore,
    S3FileStore,
    StoredFileMissing,
    new_key,
    open_store,
)

REGION = "eu-west-1"
HEX32 = re.compile(r"[0-9a-f]{32}")

BAD_KEYS = [
    "../etc/passwd",
    "/abs",
    "/" + "a" * 31,
    "../" + "a" * 29,
    "ABCDEF" + "0" * 26,  # upper case
    "a" * 31,
    "a" * 33,
    "",
    "a" * 31 + "\x00",
    "a" * 16 + "\x00" + "a" * 15,
    "a" * 32 + "\n",  # `$` alone would let this through
    "g" * 32,
    "a" * 30 + "/b",
]


# ---------------------------------------------------------------- backends


@dataclass
class Backend:
    store: FileStore
    listing: Callable[[], list[str]]  # everything stored in the backing, as names
    twin: Callable[[], FileStore]  # another store (another "app server") on the same backing


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(url: str) -> Any:
    # Explicit dummy credentials: nothing leaks into the environment of other tests.
    return boto3.session.Session().client(
        "s3",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def fresh_bucket(client: Any) -> str:
    bucket = f"evidence-{uuid.uuid4().hex}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return bucket


def local_backend(root: Path) -> Backend:
    def listing() -> list[str]:
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    return Backend(LocalFileStore(root), listing, lambda: LocalFileStore(root))


def s3_backend(url: str) -> Backend:
    client = s3_client(url)
    bucket = fresh_bucket(client)

    def listing() -> list[str]:
        response = client.list_objects_v2(Bucket=bucket)
        return sorted(obj["Key"] for obj in response.get("Contents", []))

    def twin() -> FileStore:
        return S3FileStore(bucket, endpoint_url=url, client=s3_client(url))

    return Backend(S3FileStore(bucket, endpoint_url=url, client=client), listing, twin)


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return local_backend(tmp_path / "evidence")
    return s3_backend(request.getfixturevalue("moto_url"))


@pytest.fixture
def store(backend: Backend) -> FileStore:
    return backend.store


# ---------------------------------------------------------------- the same tests for both


def test_kind(backend: Backend, request: pytest.FixtureRequest) -> None:
    assert backend.store.kind == request.node.callspec.params["backend"]


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)),
        b"",
        b"%PDF-1.7\n\x00\xff\xfe binary",
        os.urandom(3 * 1024 * 1024),
    ],
    ids=["bytes0-255", "empty", "pdf-ish", "3MB"],
)
def test_round_trip(store: FileStore, data: bytes) -> None:
    key = new_key()
    store.put(key, data, "application/octet-stream")
    assert store.get(key) == data


def test_exists_before_and_after(store: FileStore) -> None:
    key = new_key()
    assert not store.exists(key)
    store.put(key, b"photo", "image/jpeg")
    assert store.exists(key)
    store.delete(key)
    assert not store.exists(key)


def test_get_missing_raises(store: FileStore) -> None:
    with pytest.raises(StoredFileMissing):
        store.get(new_key())


def test_delete_then_get_raises(store: FileStore) -> None:
    key = new_key()
    store.put(key, b"scan", "application/pdf")
    store.delete(key)
    with pytest.raises(StoredFileMissing):
        store.get(key)


def test_delete_missing_is_fine(backend: Backend) -> None:
    backend.store.delete(new_key())
    key = new_key()
    backend.store.put(key, b"x", "image/png")
    backend.store.delete(key)
    backend.store.delete(key)
    assert backend.listing() == []


def test_overwrite_replaces(backend: Backend) -> None:
    key = new_key()
    backend.store.put(key, b"first version, longer than the second", "image/png")
    backend.store.put(key, b"second", "image/jpeg")
    assert backend.store.get(key) == b"second"
    assert len(backend.listing()) == 1


def test_keys_are_independent(store: FileStore) -> None:
    # Same two-character shard on purpose: the local store shares a subfolder.
    a, b = "ab" + "0" * 30, "ab" + "1" * 30
    store.put(a, b"a", "image/png")
    store.put(b, b"b", "image/png")
    store.delete(a)
    assert not store.exists(a)
    assert store.get(b) == b"b"


@pytest.mark.parametrize("bad", BAD_KEYS, ids=repr)
def test_bad_keys_refused_everywhere(backend: Backend, bad: str) -> None:
    store = backend.store
    with pytest.raises(InvalidKey):
        store.put(bad, b"evil", "text/plain")
    with pytest.raises(InvalidKey):
        store.get(bad)
    with pytest.raises(InvalidKey):
        store.delete(bad)
    with pytest.raises(InvalidKey):
        store.exists(bad)
    assert backend.listing() == []


def test_invalid_key_is_a_value_error() -> None:
    assert issubclass(InvalidKey, ValueError)


def test_new_key_is_random_hex() -> None:
    keys = [new_key() for _ in range(1000)]
    assert all(HEX32.fullmatch(k) for k in keys)
    assert len(set(keys)) == len(keys)


def test_two_stores_share_the_backing(backend: Backend) -> None:
    """Several app servers: what one stores, the other reads, sees and deletes."""
    one, two = backend.store, backend.twin()
    key = new_key()
    one.put(key, b"uploaded on server one", "application/pdf")
    assert two.exists(key)
    assert two.get(key) == b"uploaded on server one"
    two.put(key, b"replaced on server two", "application/pdf")
    assert one.get(key) == b"replaced on server two"
    two.delete(key)
    assert not one.exists(key)
    with pytest.raises(StoredFileMissing):
        one.get(key)


# ---------------------------------------------------------------- local only


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_local_layout_and_modes(tmp_path: Path) -> None:
    root = tmp_path / "private" / "evidence"
    store = LocalFileStore(root)
    assert root.is_dir()
    assert mode(root) == 0o700
    keys = [new_key() for _ in range(5)]
    for key in keys:
        store.put(key, key.encode(), "image/jpeg")
        store.put(key, b"again " + key.encode(), "image/jpeg")  # overwrite too
    for key in keys:
        path = root / key[:2] / key
        assert path.read_bytes() == b"again " + key.encode()
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
    # Nothing else: no temp files left behind.
    files = sorted(p for p in root.rglob("*") if p.is_file())
    assert files == sorted(root / k[:2] / k for k in keys)


def test_local_keeps_an_existing_root(tmp_path: Path) -> None:
    root = tmp_path / "existing"
    root.mkdir()
    (root / "README").write_text("left alone")
    store = LocalFileStore(root)
    key = new_key()
    store.put(key, b"x", "image/png")
    assert (root / "README").read_text() == "left alone"
    assert store.get(key) == b"x"


def test_local_failed_write_keeps_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "evidence"
    store = LocalFileStore(root)
    key = new_key()
    store.put(key, b"old", "image/png")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        store.put(key, b"new", "image/png")
    monkeypatch.undo()
    assert store.get(key) == b"old"
    assert [p.name for p in root.rglob("*") if p.is_file()] == [key]


def test_local_bad_key_touches_no_disk(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    store = LocalFileStore(root)
    for bad in BAD_KEYS:
        with pytest.raises(InvalidKey):
            store.put(bad, b"x", "text/plain")
    assert list(root.iterdir()) == []
    assert not (tmp_path / "etc").exists()


# ---------------------------------------------------------------- S3 only


def test_s3_object_metadata(moto_url: str) -> None:
    client = s3_client(moto_url)
    bucket = fresh_bucket(client)
    store = S3FileStore(bucket, endpoint_url=moto_url, client=client)
    key = new_key()
    store.put(key, b"%PDF-1.7", "application/pdf")
    head = client.head_object(Bucket=bucket, Key=f"evidence/{key}")
    assert head["ContentType"] == "application/pdf"
    assert head["ServerSideEncryption"] == "AES256"
    store.put(key, b"\xff\xd8\xff", "image/jpeg")
    head = client.head_object(Bucket=bucket, Key=f"evidence/{key}")
    assert head["ContentType"] == "image/jpeg"


def test_s3_prefix(moto_url: str) -> None:
    client = s3_client(moto_url)
    bucket = fresh_bucket(client)
    store = S3FileStore(bucket, endpoint_url=moto_url, client=client, prefix="tenant-a/")
    key = new_key()
    store.put(key, b"x", "image/png")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"tenant-a/{key}"]


def test_s3_missing_bucket_is_not_a_missing_file(moto_url: str) -> None:
    from botocore.exceptions import ClientError

    store = S3FileStore(
        f"absent-{uuid.uuid4().hex}", endpoint_url=moto_url, client=s3_client(moto_url)
    )
    with pytest.raises(ClientError):
        store.get(new_key())


# ---------------------------------------------------------------- open_store


def test_open_store_local(tmp_path: Path) -> None:
    store = open_store("local", local_root=tmp_path / "evidence")
    assert isinstance(store, LocalFileStore)
    assert store.kind == "local"
    key = new_key()
    store.put(key, b"x", "image/png")
    assert (tmp_path / "evidence" / key[:2] / key).read_bytes() == b"x"


def test_open_store_s3(tmp_path: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bucket = fresh_bucket(s3_client(moto_url))
    # open_store builds its own client: credentials from the environment, as in production.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    store = open_store(
        "s3", local_root=tmp_path / "unused", s3_bucket=bucket, s3_endpoint_url=moto_url
    )
    assert isinstance(store, S3FileStore)
    assert store.kind == "s3"
    key = new_key()
    store.put(key, b"via open_store", "application/pdf")
    assert store.get(key) == b"via open_store"
    assert not (tmp_path / "unused").exists()


def test_open_store_s3_without_bucket(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bucket"):
        open_store("s3", local_root=tmp_path)


@pytest.mark.parametrize("kind", ["", "S3", "gcs", "Local", "local "])
def test_open_store_unknown_kind(tmp_path: Path, kind: str) -> None:
    with pytest.raises(ValueError, match="unknown file storage kind"):
        open_store(kind, local_root=tmp_path / "evidence")
    assert not (tmp_path / "evidence").exists()
