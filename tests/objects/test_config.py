"""StorageConfig validation and the factory (no server needed)."""

from __future__ import annotations

import dataclasses

import pytest

from storage.objects import (
    MIN_PART_SIZE,
    FilesystemStore,
    S3Store,
    StorageConfig,
    open_store,
)


def test_defaults_are_the_embedded_mode(tmp_path):
    config = StorageConfig(root=tmp_path / "objects")
    store = open_store(config)
    assert isinstance(store, FilesystemStore)
    assert (tmp_path / "objects").is_dir()


def test_s3_store_is_built_without_contacting_the_server():
    config = StorageConfig(
        backend="s3", endpoint="127.0.0.1:1", access_key="k", secret_key="s", secure=False
    )
    store = open_store(config)
    assert isinstance(store, S3Store)


def test_repr_hides_the_secret_key():
    config = StorageConfig(
        backend="s3", endpoint="minio:9000", access_key="k", secret_key="very-secret"
    )
    assert "very-secret" not in repr(config)


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        StorageConfig().bucket = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "changes",
    [
        {"backend": "ftp"},
        {"part_size": MIN_PART_SIZE - 1},
        {"part_size": 6 * 1024**3},
        {"worm_retention_days": -1},
        {"read_timeout_s": 0},
        {"retries": -1},
        {"backend": "s3", "endpoint": ""},
        {"backend": "s3", "endpoint": "http://minio:9000"},
        {"backend": "s3", "endpoint": "minio:9000", "bucket": "Bad_Bucket"},
        {"backend": "s3", "endpoint": "minio:9000", "bucket": "ab"},
        {"backend": "s3", "endpoint": "minio:9000", "access_key": "k"},
    ],
)
def test_impossible_settings_are_refused(changes):
    with pytest.raises(ValueError):
        StorageConfig(**changes)
