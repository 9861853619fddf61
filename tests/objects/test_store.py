"""One behavioural suite for every backend: filesystem, S3 with object lock, plain S3.

The S3 backends run against a real SeaweedFS (see conftest.py); nothing is mocked.
"""

from __future__ import annotations

import hashlib
import io
import threading
import tracemalloc

import pytest

from storage.errors import (
    InvalidKeyError,
    ObjectExistsError,
    ObjectNotFoundError,
    StorageError,
)
from storage.objects import ObjectStore, S3Store, StoredObject
from tests.objects.helpers import PART_SIZE, GeneratedStream, sha256_of


def put(store: ObjectStore, key: str, data: bytes, **kwargs) -> StoredObject:
    return store.put_stream(key, io.BytesIO(data), length=len(data), **kwargs)


def read_all(store: ObjectStore, key: str) -> bytes:
    with store.open_read(key) as stream:
        return stream.read()


def assert_absent(store: ObjectStore, key: str) -> None:
    assert not store.exists(key)
    with pytest.raises(ObjectNotFoundError):
        store.stat(key)


def pending_uploads(store: ObjectStore) -> list[str]:
    """Multipart uploads the server still holds (S3 only; parts of aborted ones are gone)."""
    if not isinstance(store, S3Store):
        return []
    client = store._client
    result = client._list_multipart_uploads(store._bucket_name)
    return [upload.object_name for upload in result.uploads]


def test_roundtrip_reports_size_and_sha256(store, ns):
    data = b"RIFF....WAVEfmt " + bytes(range(256)) * 40
    stored = put(store, f"{ns}rec.wav", data, content_type="audio/wav")

    assert stored == StoredObject(key=f"{ns}rec.wav", size=len(data), sha256=sha256_of(data))
    info = store.stat(f"{ns}rec.wav")
    assert (info.size, info.sha256, info.worm, info.content_type) == (
        len(data),
        sha256_of(data),
        False,
        "audio/wav",
    )
    assert store.exists(f"{ns}rec.wav")
    assert read_all(store, f"{ns}rec.wav") == data


def test_empty_object(store, ns):
    stored = put(store, f"{ns}empty", b"")
    assert (stored.size, stored.sha256) == (0, sha256_of(b""))
    assert read_all(store, f"{ns}empty") == b""
    assert store.read_range(f"{ns}empty", 0, 10) == b""


def test_put_file_and_download(store, ns, tmp_path):
    source = tmp_path / "in.bin"
    source.write_bytes(b"hearing" * 1000)
    stored = store.put_file(f"{ns}file.bin", source)
    dest = tmp_path / "out" / "copy.bin"
    dest.parent.mkdir()

    downloaded = store.download(f"{ns}file.bin", dest)

    assert dest.read_bytes() == source.read_bytes()
    assert downloaded == stored
    assert [p.name for p in dest.parent.iterdir()] == ["copy.bin"]


def test_large_stream_goes_in_parts_with_bounded_memory(store, ns):
    size = 6 * PART_SIZE + 12345  # ~30 MiB, seven parts on S3
    stream = GeneratedStream(size)
    tracemalloc.start()
    try:
        stored = store.put_stream(f"{ns}big.bin", stream)
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest, read_size = hashlib.sha256(), 0
        with store.open_read(f"{ns}big.bin") as reader:
            while chunk := reader.read(1024 * 1024):
                digest.update(chunk)
                read_size += len(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert (stored.size, stored.sha256) == (size, stream.sha256)
    assert (read_size, digest.hexdigest()) == (size, stream.sha256)
    assert store.stat(f"{ns}big.bin").sha256 == stream.sha256
    # Seen: filesystem 1.8 MiB, S3 10.1 MiB (the part buffer and the part being sent).
    assert write_peak < 2 * PART_SIZE + 2**21, f"write held {write_peak / 2**20:.1f} MiB"
    assert read_peak < PART_SIZE, f"read held {read_peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("fail_after", [1000, 3 * PART_SIZE])
def test_stream_failing_midway_leaves_nothing(store, ns, fail_after):
    stream = GeneratedStream(6 * PART_SIZE, fail_after=fail_after)

    with pytest.raises(OSError, match="client disconnected"):
        store.put_stream(f"{ns}broken.wav", stream, worm=True)

    assert_absent(store, f"{ns}broken.wav")
    assert f"{ns}broken.wav" not in pending_uploads(store)
    put(store, f"{ns}broken.wav", b"second try", worm=True)  # the key is still free


@pytest.mark.parametrize("size", [100, 2 * PART_SIZE])
def test_stream_shorter_than_announced_leaves_nothing(store, ns, size):
    with pytest.raises(StorageError, match="announced"):
        store.put_stream(f"{ns}short", GeneratedStream(size), length=size + 1)
    assert_absent(store, f"{ns}short")
    assert f"{ns}short" not in pending_uploads(store)


@pytest.mark.parametrize(
    ("size", "announced"), [(100, 10), (PART_SIZE, PART_SIZE - 1), (2 * PART_SIZE, PART_SIZE + 5)]
)
def test_stream_longer_than_announced_is_refused(store, ns, size, announced):
    with pytest.raises(StorageError, match="announced"):
        store.put_stream(f"{ns}long", GeneratedStream(size), length=announced)
    assert_absent(store, f"{ns}long")
    assert f"{ns}long" not in pending_uploads(store)


def test_worm_object_cannot_be_overwritten(store, ns):
    key = f"{ns}originals/rec.wav"
    first = put(store, key, b"the original", worm=True, content_type="audio/wav")

    with pytest.raises(ObjectExistsError):
        put(store, key, b"a forgery", worm=True)
    with pytest.raises(ObjectExistsError):
        put(store, key, b"a forgery")
    with pytest.raises(ObjectExistsError):
        store.put_stream(key, GeneratedStream(2 * PART_SIZE))

    assert read_all(store, key) == b"the original"
    info = store.stat(key)
    assert (info.worm, info.sha256, info.content_type) == (True, first.sha256, "audio/wav")


def test_worm_object_cannot_be_deleted(store, ns):
    key = f"{ns}originals/rec.wav"
    put(store, key, b"evidence", worm=True)

    with pytest.raises(ObjectExistsError, match="write-once"):
        store.delete(key)

    assert read_all(store, key) == b"evidence"


def test_worm_put_refuses_an_existing_ordinary_object(store, ns):
    put(store, f"{ns}x", b"draft")
    with pytest.raises(ObjectExistsError):
        put(store, f"{ns}x", b"final", worm=True)
    assert read_all(store, f"{ns}x") == b"draft"


def test_concurrent_worm_writes_one_wins(store, ns):
    key = f"{ns}race.wav"
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def write(n: int) -> None:
        barrier.wait()
        try:
            put(store, key, f"writer {n}".encode() * 1000, worm=True)
            outcomes.append("ok")
        except ObjectExistsError:
            outcomes.append("exists")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["exists", "exists", "exists", "ok"]
    assert read_all(store, key).startswith(b"writer ")


def test_ordinary_objects_are_replaced_and_deleted(store, ns):
    key = f"{ns}derived/mix.wav"
    put(store, key, b"version 1")
    second = put(store, key, b"version two")
    assert store.stat(key).sha256 == second.sha256
    assert read_all(store, key) == b"version two"

    store.delete(key)

    assert_absent(store, key)
    assert list(store.list(ns)) == []
    with pytest.raises(ObjectNotFoundError):
        store.delete(key)


def test_missing_objects_raise_not_found(store, ns, tmp_path):
    key = f"{ns}nothing"
    assert not store.exists(key)
    for call in (
        lambda: store.stat(key),
        lambda: store.read_range(key, 0, 10),
        lambda: store.read_range(key, 0, 0),
        lambda: store.delete(key),
        lambda: store.download(key, tmp_path / "x"),
        lambda: store.copy(key, f"{ns}copy"),
        lambda: store.compose(f"{ns}whole", [key]),
    ):
        with pytest.raises(ObjectNotFoundError):
            call()
    with pytest.raises(ObjectNotFoundError), store.open_read(key):
        pass
    assert not (tmp_path / "x").exists()
    assert list(store.list(ns)) == []


HOSTILE_KEYS = [
    "",
    "../x",
    "a/../../b",
    "..",
    "/abs",
    "/etc/passwd",
    "a//b",
    "a/",
    "a/./b",
    ".hidden",
    "a/.meta/x",
    ".tmp/x",
    "UPPER",
    "a b",
    "a\nb",
    "a\x00b",
    "a\\b",
    "%2e%2e/x",
    "ключ",
    "clé",
    "x" * 600,
    "a/" + "y" * 200,
]


@pytest.mark.parametrize("key", HOSTILE_KEYS, ids=lambda k: repr(k)[:30])
def test_hostile_keys_are_rejected(store, key, tmp_path):
    for call in (
        lambda: put(store, key, b"x"),
        lambda: store.stat(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
        lambda: store.read_range(key, 0, 1),
        lambda: store.copy(key, "ok"),
        lambda: store.copy("ok", key),
        lambda: store.compose(key, ["ok"]),
    ):
        with pytest.raises(InvalidKeyError):
            call()
    with pytest.raises(InvalidKeyError), store.open_read(key):
        pass


@pytest.mark.parametrize("prefix", ["../", "/", "a//", "A", "a/../"])
def test_hostile_prefixes_are_rejected(store, prefix):
    with pytest.raises(InvalidKeyError):
        store.list(prefix)


def test_read_range(store, ns):
    data = bytes(range(256)) * 4
    put(store, f"{ns}r", data)

    assert store.read_range(f"{ns}r", 0, 10) == data[:10]
    assert store.read_range(f"{ns}r", 500, 24) == data[500:524]
    assert store.read_range(f"{ns}r", 1000, 100) == data[1000:]  # cut at the end
    assert store.read_range(f"{ns}r", 1024, 10) == b""  # just past the end
    assert store.read_range(f"{ns}r", 5000, 10) == b""
    assert store.read_range(f"{ns}r", 3, 0) == b""
    with store.open_read(f"{ns}r", start=1000) as stream:
        assert stream.read() == data[1000:]
    with store.open_read(f"{ns}r", start=2000) as stream:
        assert stream.read() == b""
    with pytest.raises(ValueError):
        store.read_range(f"{ns}r", -1, 10)
    with pytest.raises(ValueError):
        store.read_range(f"{ns}r", 0, -1)


def test_compose_chunks_into_one_object(store, ns):
    chunks = [b"a" * (3 * 1024 * 1024), GeneratedStream(PART_SIZE + 1).read(PART_SIZE + 1), b"z"]
    keys = [f"{ns}upload/{i:06d}" for i in range(len(chunks))]
    for key, chunk in zip(keys, chunks, strict=True):
        put(store, key, chunk)
    whole = b"".join(chunks)

    stored = store.compose(f"{ns}rec.wav", keys, content_type="audio/wav", worm=True)

    assert (stored.size, stored.sha256) == (len(whole), sha256_of(whole))
    assert read_all(store, f"{ns}rec.wav") == whole
    info = store.stat(f"{ns}rec.wav")
    assert (info.worm, info.sha256, info.content_type) == (True, sha256_of(whole), "audio/wav")
    assert all(store.exists(key) for key in keys)  # the caller deletes the chunks
    with pytest.raises(ObjectExistsError):
        store.compose(f"{ns}rec.wav", keys)


def test_compose_with_a_missing_chunk_writes_nothing(store, ns):
    put(store, f"{ns}c/1", b"one")
    with pytest.raises(ObjectNotFoundError):
        store.compose(f"{ns}whole", [f"{ns}c/1", f"{ns}c/2"])
    assert_absent(store, f"{ns}whole")
    with pytest.raises(ValueError):
        store.compose(f"{ns}whole", [])


def test_list_by_prefix(store, ns):
    keys = ["a/1", "a/2", "a/b/c", "a-b", "a.b", "a0", "b", "ab/x"]
    for key in keys:
        put(store, ns + key, key.encode())
    chunks = [f"{ns}chunks/{n:06d}" for n in (3, 1, 10, 2)]
    for key in chunks:
        put(store, key, b"c")

    assert sorted(store.list(ns)) == sorted([ns + k for k in keys] + chunks)
    assert list(store.list(f"{ns}chunks/")) == sorted(chunks)  # one directory: in order
    assert list(store.list(f"{ns}a/")) == [f"{ns}a/1", f"{ns}a/2", f"{ns}a/b/c"]
    assert sorted(store.list(f"{ns}a")) == [ns + k for k in sorted(keys) if k.startswith("a")]
    assert list(store.list(f"{ns}a/b")) == [f"{ns}a/b/c"]
    assert list(store.list(f"{ns}zzz")) == []
    assert set(store.list(ns)) <= set(store.list(""))


# SeaweedFS lists a bucket without versioning directory by directory (``a/x`` before
# ``a-b``), so the plain bucket promises order only within one directory (tested above).
@pytest.mark.parametrize("backend", ["filesystem", "s3"])
def test_list_in_byte_order_where_the_backend_keeps_it(store, backend, ns):
    keys = ["a/1", "a/b/c", "a-b", "a.b", "a0", "b"]
    for key in keys:
        put(store, ns + key, b"x")
    assert list(store.list(ns)) == [ns + k for k in sorted(keys)]


def test_copy(store, ns):
    source = put(store, f"{ns}src.wav", b"recording" * 100, content_type="audio/wav")

    copied = store.copy(f"{ns}src.wav", f"{ns}originals/dst.wav", worm=True)

    assert copied == StoredObject(f"{ns}originals/dst.wav", source.size, source.sha256)
    info = store.stat(f"{ns}originals/dst.wav")
    assert (info.worm, info.sha256, info.content_type) == (True, source.sha256, "audio/wav")
    assert read_all(store, f"{ns}originals/dst.wav") == b"recording" * 100
    with pytest.raises(ObjectExistsError):
        store.copy(f"{ns}src.wav", f"{ns}originals/dst.wav", worm=True)
    with pytest.raises(ObjectExistsError):
        store.copy(f"{ns}src.wav", f"{ns}originals/dst.wav")
    store.delete(f"{ns}src.wav")  # the copy is independent of its source
    assert read_all(store, f"{ns}originals/dst.wav") == b"recording" * 100


def test_invalid_content_type_is_refused(store, ns):
    with pytest.raises(ValueError):
        put(store, f"{ns}x", b"x", content_type="audio/wav\r\nX-Evil: 1")
    assert_absent(store, f"{ns}x")


def test_check_passes_and_the_store_fits_the_protocol(store):
    store.check()
    assert isinstance(store, ObjectStore)
