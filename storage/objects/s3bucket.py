"""Bucket creation and the server features the S3 backend adapts to.

Two features decide how write-once objects are protected, and servers differ in both:

- **Object lock** (AWS, MinIO, SeaweedFS 4.x): the bucket must be created with it. Then
  write-once objects get a legal hold (and optionally a COMPLIANCE retention) that the
  server enforces against every client, including this one. Object lock implies
  versioning: an overwrite or delete of the *key* still succeeds and hides the locked
  version behind a new one or a delete marker, so the store also refuses those itself.
- **Conditional writes** (``If-None-Match: *`` on PutObject and
  CompleteMultipartUpload; AWS since 2024, recent MinIO, SeaweedFS 4.x): they make
  "create only if absent" atomic. Servers that ignore the header are detected by a
  probe, and the store falls back to checking before writing, which leaves a window in
  which two concurrent writers of the same key can both succeed; with server-generated,
  unique keys that does not happen in practice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from minio import Minio
from minio.error import S3Error

from storage.errors import ObjectExistsError
from storage.objects.s3errors import s3_errors
from storage.objects.s3requests import put_bytes

__all__ = ["PROBE_KEY", "RESERVED_PREFIX", "BucketFeatures", "prepare_bucket"]

logger = logging.getLogger(__name__)

RESERVED_PREFIX = ".courtrec/"
"""The store's own objects; no valid key starts with ``.``."""

PROBE_KEY = RESERVED_PREFIX + "conditional-write-probe"

_NO_LOCK_CODES = frozenset(
    {"ObjectLockConfigurationNotFoundError", "ObjectLockConfigurationNotFound", "NotImplemented"}
)
_ALREADY_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})


@dataclass(frozen=True)
class BucketFeatures:
    """What the bucket and its server support.

    Attributes:
        object_lock: Object lock is enabled on the bucket.
        versioned: The bucket keeps old versions (deleting a key must delete them too).
        conditional_writes: The server honours ``If-None-Match: *`` on writes.

    """

    object_lock: bool
    versioned: bool
    conditional_writes: bool


def _create_bucket(client: Minio, bucket: str, region: str | None, object_lock: bool) -> None:
    try:
        client.make_bucket(bucket, location=region, object_lock=object_lock)
    except S3Error as exc:
        if exc.code not in _ALREADY_CODES:  # else another process created it just now
            raise
    logger.info("created bucket %s (object lock requested: %s)", bucket, object_lock)


def _object_lock_enabled(client: Minio, bucket: str) -> bool:
    try:
        client.get_object_lock_config(bucket)
    except S3Error as exc:
        if exc.code in _NO_LOCK_CODES:
            return False
        raise
    return True


def _versioning_enabled(client: Minio, bucket: str) -> bool:
    try:
        return client.get_bucket_versioning(bucket).status == "Enabled"
    except S3Error as exc:
        if exc.code == "NotImplemented":
            return False
        raise


def _probe_conditional_writes(client: Minio, bucket: str) -> bool:
    """Write the probe object twice with ``If-None-Match: *``; the server must refuse one.

    The probe stays in the bucket, so after the first start one refused write settles it.
    """
    headers = {"Content-Type": "text/plain", "If-None-Match": "*"}
    for _ in range(2):
        try:
            put_bytes(client, bucket, PROBE_KEY, b"probe\n", headers)
        except ObjectExistsError:
            return True
    return False


def prepare_bucket(
    client: Minio, bucket: str, *, region: str | None, object_lock: bool
) -> BucketFeatures:
    """Create the bucket if missing and find out what it supports.

    Args:
        client: The minio client.
        bucket: The bucket name.
        region: Where to create the bucket (``None``: the server's default).
        object_lock: Create a missing bucket with object lock enabled.

    Raises:
        StorageUnavailableError: If the server cannot be reached.
        StorageError: If the server refuses (for example wrong credentials).

    """
    with s3_errors("preparing bucket", bucket):
        if not client.bucket_exists(bucket):
            _create_bucket(client, bucket, region, object_lock)
        lock = _object_lock_enabled(client, bucket)
        versioned = lock or _versioning_enabled(client, bucket)
    conditional = _probe_conditional_writes(client, bucket)
    features = BucketFeatures(object_lock=lock, versioned=versioned, conditional_writes=conditional)
    if object_lock and not lock:
        logger.warning(
            "bucket %s has no object lock: write-once objects are protected by this "
            "store's checks only, not by the server",
            bucket,
        )
    if not conditional:
        logger.warning(
            "the server ignores If-None-Match: write-once puts to %s check before "
            "writing (not atomic between concurrent writers)",
            bucket,
        )
    logger.info("bucket %s ready: %s", bucket, features)
    return features
