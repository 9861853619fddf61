"""What only the S3 backend does, against the session's SeaweedFS."""

from __future__ import annotations

import hashlib
import io
import time

import pytest
from minio.commonconfig import Tags
from minio.error import S3Error

from scripts.seaweedfs import free_ports
from storage.errors import StorageError, StorageUnavailableError
from storage.objects import BucketFeatures, S3Store, StorageConfig, open_store
from tests.objects.helpers import PART_SIZE, GeneratedStream, s3_config, sha256_of


def put(store: S3Store, key: str, data: bytes, **kwargs):
    return store.put_stream(key, io.BytesIO(data), **kwargs)


def test_seaweedfs_supports_object_lock_and_conditional_writes(s3_store, s3_plain_store):
    assert s3_store.features == BucketFeatures(
        object_lock=True, versioned=True, conditional_writes=True
    )
    assert s3_plain_store.features == BucketFeatures(
        object_lock=False, versioned=False, conditional_writes=True
    )


def test_worm_objects_get_a_legal_hold_the_server_enforces(s3_store, ns):
    key = f"{ns}originals/rec.wav"
    put(s3_store, key, b"evidence", worm=True)
    client, bucket = s3_store._client, s3_store._bucket_name

    assert client.is_object_legal_hold_enabled(bucket, key)
    version = client.stat_object(bucket, key).version_id
    with pytest.raises(S3Error, match="AccessDenied"):
        client.remove_object(bucket, key, version_id=version)
    assert client.get_object(bucket, key, version_id=version).read() == b"evidence"


def test_large_worm_upload_gets_the_hold_too(s3_store, ns):
    key = f"{ns}originals/big.wav"
    stream = GeneratedStream(2 * PART_SIZE + 1)
    stored = s3_store.put_stream(key, stream, worm=True)
    assert stored.sha256 == stream.sha256
    assert s3_store._client.is_object_legal_hold_enabled(s3_store._bucket_name, key)


def test_retention_days_add_a_compliance_retention(seaweed, s3_store, ns):
    store = open_store(s3_config(seaweed, "courtrec-locked", worm_retention_days=1))
    key = f"{ns}originals/kept.wav"
    put(store, key, b"kept", worm=True)
    retention = s3_store._client.get_object_retention(s3_store._bucket_name, key)
    assert retention is not None and retention.mode == "COMPLIANCE"
    assert retention.retain_until_date is not None


def test_delete_removes_every_version_on_a_versioned_bucket(s3_store, ns):
    key = f"{ns}chunks/000001"
    put(s3_store, key, b"one")
    put(s3_store, key, b"two")
    s3_store.delete(key)
    listed = s3_store._client.list_objects(s3_store._bucket_name, prefix=key, include_version=True)
    assert [item.version_id for item in listed] == []


def test_large_copy_goes_part_by_part_on_the_server(s3_store, ns):
    small_copies = S3Store(
        s3_store._client, s3_store._bucket_name, part_size=PART_SIZE, max_single_copy=PART_SIZE
    )
    stream = GeneratedStream(2 * PART_SIZE + 99)
    source = small_copies.put_stream(f"{ns}src", stream)

    copied = small_copies.copy(f"{ns}src", f"{ns}dst", worm=True)

    assert copied.sha256 == source.sha256 == stream.sha256
    digest = hashlib.sha256()
    with small_copies.open_read(f"{ns}dst") as reader:
        while chunk := reader.read(1024 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == stream.sha256
    assert small_copies.stat(f"{ns}dst").worm


def test_copy_of_an_object_without_a_recorded_hash_computes_one(s3_store, ns):
    put(s3_store, f"{ns}untagged", b"from another tool")
    s3_store._client.set_object_tags(s3_store._bucket_name, f"{ns}untagged", Tags(for_object=True))
    assert s3_store.stat(f"{ns}untagged").sha256 is None

    copied = s3_store.copy(f"{ns}untagged", f"{ns}copy")

    assert copied.sha256 == sha256_of(b"from another tool")
    assert s3_store.stat(f"{ns}copy").sha256 == copied.sha256


def test_wrong_secret_is_refused_not_unavailable(seaweed):
    store = open_store(s3_config(seaweed, "courtrec-locked", secret_key="wrong-secret-key"))
    with pytest.raises(StorageError) as caught:
        put(store, "x", b"x")
    assert not isinstance(caught.value, StorageUnavailableError)
    assert "AccessDenied" in str(caught.value) or "SignatureDoesNotMatch" in str(caught.value)
    with pytest.raises(StorageUnavailableError):
        store.check()


def test_nothing_listening_is_unavailable_within_seconds():
    (port,) = free_ports(1)
    config = StorageConfig(
        backend="s3",
        endpoint=f"127.0.0.1:{port}",
        access_key="k",
        secret_key="s",
        secure=False,
        region="us-east-1",
        connect_timeout_s=1.0,
        read_timeout_s=1.0,
    )
    store = open_store(config)
    started = time.monotonic()
    with pytest.raises(StorageUnavailableError, match="unreachable"):
        store.check()
    with pytest.raises(StorageUnavailableError):
        put(store, "x", b"x")
    assert time.monotonic() - started < 5
