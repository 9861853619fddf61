"""The S3 backend (minio SDK): MinIO in production, SeaweedFS in the tests, any S3 server.

Layout and bookkeeping on the server:

- the object's bytes under its key, with ``Content-Type``;
- ``x-amz-meta-courtrec-worm: true`` on write-once objects, set when they are created,
  so the store refuses to replace or delete them even on a bucket without object lock;
- on a bucket with object lock, write-once objects also carry a legal hold (and a
  COMPLIANCE retention when ``worm_retention_days`` is set), which the server enforces;
- the SHA-256 as the object tag ``sha256``. A hash is only known after the last byte,
  and S3 metadata is fixed when an upload starts, so the tag is set right after the
  write. If that one request fails the object is kept and ``stat`` reports no hash.

Writes read the caller's stream into one part buffer (``part_size``) and send it as a
single PUT if the stream ends within it, else as a multipart upload, one part in flight.
A failed multipart upload is aborted; a failed single PUT creates nothing. One case is
left: a write whose *response* is lost (the server completed it, then the connection
broke) raises :class:`~storage.errors.StorageUnavailableError` although the object
exists. A retry of a write-once put then fails with ``ObjectExistsError``; callers
that retry compare the stored hash (:meth:`S3Store.stat`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from minio import Minio
from minio.commonconfig import Tags
from minio.datatypes import Object
from minio.error import S3Error
from urllib3 import BaseHTTPResponse

from storage.errors import (
    ObjectExistsError,
    ObjectNotFoundError,
    StorageError,
    StorageUnavailableError,
)
from storage.objects.base import DEFAULT_CONTENT_TYPE, ObjectStat, Readable, StoredObject
from storage.objects.common import (
    compose_by_streaming,
    download_to_path,
    put_file_via_stream,
)
from storage.objects.config import DEFAULT_PART_SIZE, MAX_PART_SIZE, StorageConfig
from storage.objects.keys import is_valid_key, validate_key, validate_prefix
from storage.objects.s3bucket import BucketFeatures, prepare_bucket
from storage.objects.s3client import make_client
from storage.objects.s3errors import s3_errors
from storage.objects.s3requests import MultipartUpload, copy_object, put_bytes
from storage.objects.streams import (
    check_content_type,
    check_length,
    check_range,
    fill,
    guarded_reader,
)

__all__ = ["WORM_HEADER", "S3Store"]

logger = logging.getLogger(__name__)

WORM_HEADER = "x-amz-meta-courtrec-worm"
_SHA256_TAG = "sha256"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class S3Store:
    """:class:`~storage.objects.base.ObjectStore` on one S3 bucket.

    The bucket is prepared on first use (created if missing, features probed), not in
    the constructor, so a process starts even while the server is down; ``check()``
    then reports the outage.

    Args:
        client: A minio client (see :func:`storage.objects.s3client.make_client`).
        bucket: The bucket.
        part_size: Multipart part size; memory per upload is about twice this.
        region: Region for creating the bucket.
        object_lock: Create a missing bucket with object lock.
        worm_retention_days: COMPLIANCE retention for write-once objects (0: none;
            they still get a legal hold where the bucket has object lock).
        max_single_copy: Largest object copied with one CopyObject request (S3 allows
            5 GiB); larger ones are copied part by part on the server.

    """

    def __init__(
        self,
        client: Minio,
        bucket: str,
        *,
        part_size: int = DEFAULT_PART_SIZE,
        region: str | None = None,
        object_lock: bool = True,
        worm_retention_days: int = 0,
        max_single_copy: int = MAX_PART_SIZE,
    ) -> None:
        self._client = client
        self._bucket_name = bucket
        self._part_size = part_size
        self._region = region
        self._object_lock = object_lock
        self._retention_days = worm_retention_days
        self._max_single_copy = max_single_copy
        self._features: BucketFeatures | None = None
        self._features_lock = threading.Lock()

    @classmethod
    def from_config(cls, config: StorageConfig) -> S3Store:
        """Build the store and its client from a configuration (no request is made)."""
        return cls(
            make_client(config),
            config.bucket,
            part_size=config.part_size,
            region=config.region,
            object_lock=config.object_lock,
            worm_retention_days=config.worm_retention_days,
        )

    def __repr__(self) -> str:
        return f"S3Store(bucket={self._bucket_name!r})"

    @property
    def features(self) -> BucketFeatures:
        """What the bucket supports (prepares the bucket on first access)."""
        if self._features is None:
            with self._features_lock:
                if self._features is None:
                    self._features = prepare_bucket(
                        self._client,
                        self._bucket_name,
                        region=self._region,
                        object_lock=self._object_lock,
                    )
        return self._features

    # -- writing ----------------------------------------------------------------------

    def put_stream(
        self,
        key: str,
        stream: Readable,
        *,
        length: int | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        worm: bool = False,
    ) -> StoredObject:
        """Store the stream under ``key`` (see :meth:`ObjectStore.put_stream`)."""
        validate_key(key)
        check_content_type(content_type)
        features = self.features
        self._refuse_if_taken(key, worm=worm)
        headers = self._object_headers(content_type, worm=worm)
        conditional = worm and features.conditional_writes
        size, sha256 = self._upload(key, stream, length, headers, conditional=conditional)
        self._tag_sha256(key, sha256)
        logger.info("stored %s (%d bytes, worm=%s)", key, size, worm)
        return StoredObject(key=key, size=size, sha256=sha256)

    def _refuse_if_taken(self, key: str, *, worm: bool) -> None:
        """Fail before reading a long upload if the write cannot succeed.

        For write-once puts on servers with conditional writes this is only the early
        answer; ``If-None-Match`` is the guarantee.
        """
        try:
            current = self._head(key)
        except ObjectNotFoundError:
            return
        if worm:
            raise ObjectExistsError(f"an object already exists under {key!r}")
        if _is_worm(current):
            raise ObjectExistsError(f"{key!r} is a write-once object and cannot be replaced")

    def _object_headers(self, content_type: str, *, worm: bool) -> dict[str, str]:
        headers = {"Content-Type": content_type}
        if not worm:
            return headers
        headers[WORM_HEADER] = "true"
        if self.features.object_lock:
            headers["x-amz-object-lock-legal-hold"] = "ON"
            if self._retention_days:
                until = datetime.now(UTC) + timedelta(days=self._retention_days)
                headers["x-amz-object-lock-mode"] = "COMPLIANCE"
                headers["x-amz-object-lock-retain-until-date"] = until.strftime(
                    "%Y-%m-%dT%H:%M:%S.000Z"
                )
        return headers

    def _upload(
        self,
        key: str,
        stream: Readable,
        length: int | None,
        headers: dict[str, str],
        *,
        conditional: bool,
    ) -> tuple[int, str]:
        """Send the stream as one PUT or a multipart upload; return (size, sha256).

        A small announced length gets a small buffer (one byte more than announced, to
        notice a stream that is longer): a protocol export does not need 16 MiB.
        """
        digest = hashlib.sha256()
        capacity = self._part_size if length is None else min(self._part_size, length + 1)
        buffer = bytearray(capacity)
        view = memoryview(buffer)
        count = fill(stream, view)
        digest.update(view[:count])
        if count < self._part_size:
            check_length(key, length, count)
            if conditional:
                headers = {**headers, "If-None-Match": "*"}
            put_bytes(self._client, self._bucket_name, key, bytes(view[:count]), headers)
            return count, digest.hexdigest()
        upload = MultipartUpload(self._client, self._bucket_name, key, headers)
        size = 0
        try:
            while count:
                size += count
                if length is not None and size > length:
                    check_length(key, length, size)
                upload.upload_part(bytes(view[:count]))
                count = fill(stream, view)
                digest.update(view[:count])
            check_length(key, length, size)
            upload.complete(if_none_match=conditional)
        except BaseException:
            upload.abort()
            raise
        return size, digest.hexdigest()

    def _tag_sha256(self, key: str, sha256: str) -> None:
        tags = Tags(for_object=True)
        tags[_SHA256_TAG] = sha256
        try:
            with s3_errors("tagging", key):
                self._client.set_object_tags(self._bucket_name, key, tags)
        except StorageError:
            logger.warning("stored %s but could not record its hash", key, exc_info=True)

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        worm: bool = False,
    ) -> StoredObject:
        """Store a local file's bytes under ``key``."""
        return put_file_via_stream(self, key, path, content_type=content_type, worm=worm)

    def copy(self, src_key: str, dst_key: str, *, worm: bool = False) -> StoredObject:
        """Copy on the server; the hash recorded for the source travels with it.

        A source without a recorded hash is copied through this process instead, which
        computes one.
        """
        validate_key(dst_key)
        source = self.stat(src_key)
        if source.sha256 is None:
            with self.open_read(src_key) as reader:
                return self.put_stream(
                    dst_key,
                    reader,
                    length=source.size,
                    content_type=source.content_type,
                    worm=worm,
                )
        self._refuse_if_taken(dst_key, worm=worm)
        headers = self._object_headers(source.content_type, worm=worm)
        headers["x-amz-tagging"] = f"{_SHA256_TAG}={source.sha256}"
        conditional = worm and self.features.conditional_writes
        if source.size <= self._max_single_copy:
            self._copy_whole(src_key, dst_key, headers, conditional=conditional)
        else:
            self._copy_in_parts(src_key, dst_key, source.size, headers, conditional=conditional)
        logger.info("copied %s to %s (worm=%s)", src_key, dst_key, worm)
        return StoredObject(key=dst_key, size=source.size, sha256=source.sha256)

    def _copy_whole(
        self, src_key: str, dst_key: str, headers: dict[str, str], *, conditional: bool
    ) -> None:
        headers = {
            **headers,
            "x-amz-metadata-directive": "REPLACE",
            "x-amz-tagging-directive": "REPLACE",
        }
        if conditional:
            headers["If-None-Match"] = "*"
        copy_object(self._client, self._bucket_name, src_key, dst_key, headers)

    def _copy_in_parts(
        self, src_key: str, dst_key: str, size: int, headers: dict[str, str], *, conditional: bool
    ) -> None:
        upload = MultipartUpload(self._client, self._bucket_name, dst_key, headers)
        try:
            for start in range(0, size, self._max_single_copy):
                end = min(start + self._max_single_copy, size) - 1
                upload.copy_part(src_key, start, end)
            upload.complete(if_none_match=conditional)
        except BaseException:
            upload.abort()
            raise

    def compose(
        self,
        dst_key: str,
        src_keys: Sequence[str],
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        worm: bool = False,
    ) -> StoredObject:
        """Concatenate objects into ``dst_key`` through this process, hashing the result."""
        return compose_by_streaming(self, dst_key, src_keys, content_type=content_type, worm=worm)

    # -- reading ----------------------------------------------------------------------

    def _get(self, key: str, start: int, length: int = 0) -> BaseHTTPResponse | None:
        """GET the object from ``start`` (``length`` 0: to the end); ``None`` past its end."""
        with s3_errors("reading", key):
            try:
                return self._client.get_object(self._bucket_name, key, offset=start, length=length)
            except S3Error as exc:
                if exc.code == "InvalidRange":
                    return None
                raise

    @contextlib.contextmanager
    def open_read(self, key: str, *, start: int = 0) -> Iterator[BinaryIO]:
        """Stream the object from byte ``start`` (the response body, not a copy)."""
        validate_key(key)
        check_range(start)
        response = self._get(key, start)
        if response is None:
            yield io.BytesIO(b"")
            return
        reader = guarded_reader(response, lambda: s3_errors("reading", key))
        try:
            yield reader
        finally:
            reader.close()
            response.release_conn()

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """Return up to ``length`` bytes from ``start`` with one ranged GET."""
        validate_key(key)
        check_range(start, length)
        if length == 0:
            self._head(key)
            return b""
        response = self._get(key, start, length)
        if response is None:
            return b""
        try:
            with s3_errors("reading", key):
                return response.read()
        finally:
            response.close()
            response.release_conn()

    def download(self, key: str, dest: Path) -> StoredObject:
        """Copy the object to ``dest`` atomically."""
        return download_to_path(self, key, dest)

    def _head(self, key: str) -> Object:
        with s3_errors("reading", key):
            return self._client.stat_object(self._bucket_name, key)

    def stat(self, key: str) -> ObjectStat:
        """Describe the object (HEAD, and a tagging request for the hash)."""
        validate_key(key)
        head = self._head(key)
        return ObjectStat(
            key=key,
            size=head.size or 0,
            sha256=self._recorded_sha256(key),
            worm=_is_worm(head),
            content_type=head.content_type or DEFAULT_CONTENT_TYPE,
        )

    def _recorded_sha256(self, key: str) -> str | None:
        with s3_errors("reading the tags of", key):
            tags = self._client.get_object_tags(self._bucket_name, key)
        value = tags.get(_SHA256_TAG) if tags else None
        return value if value and _SHA256.fullmatch(value) else None

    def exists(self, key: str) -> bool:
        """Return whether an object is stored under ``key``."""
        validate_key(key)
        try:
            self._head(key)
        except ObjectNotFoundError:
            return False
        return True

    # -- listing and deleting ---------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield keys starting with ``prefix`` in ascending order, page by page."""
        validate_prefix(prefix)
        return self._iter_keys(prefix)

    def _iter_keys(self, prefix: str) -> Iterator[str]:
        with s3_errors("listing", prefix or None):
            for item in self._client.list_objects(self._bucket_name, prefix=prefix, recursive=True):
                if item.object_name and is_valid_key(item.object_name):
                    yield item.object_name

    def delete(self, key: str) -> None:
        """Delete an ordinary object, with all its versions on a versioned bucket.

        A delete on a versioned bucket would otherwise only add a delete marker and
        keep every byte; chunks of resumable uploads must really go.
        """
        validate_key(key)
        head = self._head(key)
        if _is_worm(head):
            raise ObjectExistsError(f"{key!r} is a write-once object and cannot be deleted")
        with s3_errors("deleting", key):
            if self.features.versioned:
                for version_id in self._version_ids(key):
                    self._client.remove_object(self._bucket_name, key, version_id=version_id)
            else:
                self._client.remove_object(self._bucket_name, key)
        logger.info("deleted %s", key)

    def _version_ids(self, key: str) -> tuple[str | None, ...]:
        listed = self._client.list_objects(
            self._bucket_name, prefix=key, recursive=True, include_version=True
        )
        return tuple(item.version_id for item in listed if item.object_name == key)

    # -- health -----------------------------------------------------------------------

    def check(self) -> None:
        """Prepare the bucket if needed, then confirm it is there.

        Raises:
            StorageUnavailableError: On any failure, including refused credentials:
                whatever the cause, the store cannot be used right now.

        """
        try:
            self.features  # noqa: B018 - prepares the bucket on first use
            with s3_errors("checking bucket", self._bucket_name):
                present = self._client.bucket_exists(self._bucket_name)
        except StorageUnavailableError:
            raise
        except StorageError as exc:
            raise StorageUnavailableError(str(exc)) from exc
        if not present:
            raise StorageUnavailableError(f"bucket {self._bucket_name!r} does not exist")


def _is_worm(head: Object) -> bool:
    """Whether the object was written write-once (the metadata header is case-insensitive)."""
    value = (head.metadata or {}).get(WORM_HEADER)
    return str(value).lower() == "true"
