"""Uploaded evidence (photos, PDFs) behind one small Protocol: a local folder by default,
S3-compatible object storage when several app servers must see the same files.

Keys are random (`new_key()`), never derived from a file name: the original name, content type
and owner live in the database, the store only holds bytes. Every method refuses anything that
is not exactly 32 lowercase hex characters before touching disk or network.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any, Protocol

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")

# S3 error codes meaning "no such object": GetObject says NoSuchKey, HeadObject only has a status.
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


class StoredFileMissing(Exception):
    """No file is stored under this key."""


class InvalidKey(ValueError):
    """The key is not 32 lowercase hex characters."""


def new_key() -> str:
    """A fresh random key: 32 lowercase hex characters (128 bits)."""
    return secrets.token_hex(16)


def _check(key: object) -> str:
    # fullmatch: `$` alone would also accept a trailing newline.
    if not isinstance(key, str) or KEY_PATTERN.fullmatch(key) is None:
        raise InvalidKey(f"invalid storage key {key!r}: expected 32 lowercase hex characters")
    return key


class FileStore(Protocol):
    kind: str

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing what was there."""

    def get(self, key: str) -> bytes:
        """The stored bytes; raise StoredFileMissing if there are none."""

    def delete(self, key: str) -> None:
        """Remove the file; deleting a missing key is not an error."""

    def exists(self, key: str) -> bool:
        """Whether a file is stored under `key`."""


class LocalFileStore:
    """Files under `root` (keep it outside the web root) as root/ab/abcdef…, mode 0o600.

    Writes are atomic: a temporary file in the same folder, fsync'd, then os.replace.
    The content type is not kept: the database records it.
    """

    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.root.chmod(0o700)  # mkdir's mode is filtered by the umask

    def _path(self, key: str) -> Path:
        key = _check(key)
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        folder = path.parent
        if not folder.is_dir():
            folder.mkdir(mode=0o700, exist_ok=True)
            folder.chmod(0o700)
        # mkstemp creates the file with mode 0o600.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(folder)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise StoredFileMissing(key) from None

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        _fsync_dir(path.parent)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def _fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable (best effort where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class S3FileStore:
    """Objects `prefix + key` in an S3-compatible bucket, encrypted at rest (SSE AES256).

    Credentials come from the environment (AWS_ACCESS_KEY_ID, …) as boto3 finds them, unless a
    ready client is passed.
    """

    kind = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "eu-west-1",
        prefix: str = "evidence/",
        client: Any | None = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3FileStore needs a bucket name")
        self.bucket = bucket
        self.prefix = prefix
        if client is None:
            import boto3  # only when files are kept in S3 (a faster start-up otherwise)

            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region)
        self.client: Any = client

    def _object_key(self, key: str) -> str:
        return self.prefix + _check(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._object_key(key),
            Body=data,
            ContentType=content_type,
            ServerSideEncryption="AES256",
        )

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        object_key = self._object_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=object_key)
        except ClientError as exc:
            if _is_missing(exc):
                raise StoredFileMissing(key) from None
            raise
        body = response["Body"]
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return data

    def delete(self, key: str) -> None:
        # S3 DeleteObject succeeds for a missing key.
        self.client.delete_object(Bucket=self.bucket, Key=self._object_key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        object_key = self._object_key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=object_key)
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True


def _is_missing(exc: Any) -> bool:
    # Only "no such object": NoSuchBucket (also a 404) is a misconfiguration and must surface.
    response = exc.response
    code = str(response.get("Error", {}).get("Code", ""))
    if code:
        return code in _MISSING_CODES
    return bool(response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404)


def open_store(
    kind: str,
    *,
    local_root: Path,
    s3_bucket: str = "",
    s3_endpoint_url: str | None = None,
    s3_region: str = "eu-west-1",
) -> FileStore:
    """The configured store: "local" (a folder) or "s3" (a bucket, required)."""
    if kind == "local":
        return LocalFileStore(local_root)
    if kind == "s3":
        if not s3_bucket:
            raise ValueError("file storage 's3' needs a bucket name (none was configured)")
        return S3FileStore(s3_bucket, endpoint_url=s3_endpoint_url, region=s3_region)
    raise ValueError(f"unknown file storage kind {kind!r}: expected 'local' or 's3'")
