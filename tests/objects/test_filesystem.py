"""What only the filesystem backend does: file modes, temp files, the root boundary."""

from __future__ import annotations

import io
import os
import stat

import pytest

from storage.errors import (
    InvalidKeyError,
    ObjectNotFoundError,
    StorageUnavailableError,
)
from storage.objects import FilesystemStore
from tests.objects.helpers import GeneratedStream, sha256_of


@pytest.fixture
def fs(tmp_path) -> FilesystemStore:
    return FilesystemStore(tmp_path / "objects")


def put(store: FilesystemStore, key: str, data: bytes, **kwargs):
    return store.put_stream(key, io.BytesIO(data), **kwargs)


def test_objects_are_plain_files_under_the_root(fs):
    put(fs, "originals/h1/rec.wav", b"audio")
    path = fs.root / "originals" / "h1" / "rec.wav"
    assert path.read_bytes() == b"audio"
    assert stat.S_IMODE(path.stat().st_mode) & 0o200  # ordinary objects stay writable


def test_worm_objects_are_read_only_files(fs):
    put(fs, "originals/rec.wav", b"evidence", worm=True)
    path = fs.root / "originals" / "rec.wav"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert fs.stat("originals/rec.wav").worm


def test_no_temporary_files_are_left(fs):
    put(fs, "a", b"x")
    put(fs, "b", b"x", worm=True)
    with pytest.raises(OSError, match="disconnected"):
        fs.put_stream("c", GeneratedStream(10**6, fail_after=1000))
    assert list((fs.root / ".tmp").iterdir()) == []
    assert not (fs.root / "c").exists()


def test_symlink_out_of_the_root_is_not_followed(fs, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    (fs.root / "link").symlink_to(outside, target_is_directory=True)
    (fs.root / "file-link").symlink_to(outside / "secret")

    with pytest.raises(InvalidKeyError, match="outside"):
        put(fs, "link/new", b"x")
    with pytest.raises(InvalidKeyError, match="outside"):
        fs.stat("link/secret")
    with pytest.raises(ObjectNotFoundError):
        fs.read_range("file-link", 0, 10)
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert list(fs.list("")) == []


def test_a_key_cannot_be_both_object_and_prefix(fs):
    put(fs, "a/b", b"x")
    with pytest.raises(InvalidKeyError):
        put(fs, "a", b"y")
    with pytest.raises(InvalidKeyError):
        put(fs, "a/b/c", b"y")
    with pytest.raises(ObjectNotFoundError):
        fs.stat("a")
    assert not fs.exists("a")


def test_deleting_prunes_empty_directories(fs):
    put(fs, "uploads/u1/000001", b"x")
    put(fs, "uploads/u1/000002", b"x")
    fs.delete("uploads/u1/000001")
    assert (fs.root / "uploads" / "u1").is_dir()
    fs.delete("uploads/u1/000002")
    assert not (fs.root / "uploads").exists()
    assert fs.root.is_dir()
    put(fs, "uploads/u1/000003", b"x")  # and the path can be used again


def test_a_record_that_does_not_match_the_file_is_ignored(fs):
    put(fs, "x", b"original")
    path = fs.root / "x"
    path.write_bytes(b"changed behind the store's back")
    info = fs.stat("x")
    assert (info.size, info.sha256) == (len(b"changed behind the store's back"), None)

    put(fs, "y", b"same size")
    replaced = fs.root / ".tmp" / "replacement"
    replaced.write_bytes(b"SAME SIZE")
    os.replace(replaced, fs.root / "y")  # same size, other inode
    assert fs.stat("y").sha256 is None


def test_stray_files_are_not_listed(fs):
    put(fs, "ok", b"x")
    (fs.root / "Stray File.txt").write_bytes(b"x")
    (fs.root / "UPPER").mkdir()
    (fs.root / "UPPER" / "inner").write_bytes(b"x")
    assert list(fs.list("")) == ["ok"]


def test_stored_hash_survives_a_new_store_instance(fs):
    stored = put(fs, "originals/rec.wav", b"bytes", worm=True, content_type="audio/wav")
    again = FilesystemStore(fs.root)
    info = again.stat("originals/rec.wav")
    assert (info.sha256, info.worm, info.content_type) == (stored.sha256, True, "audio/wav")
    assert stored.sha256 == sha256_of(b"bytes")


def test_check_fails_when_the_store_cannot_write(fs):
    fs.check()
    tmp = fs.root / ".tmp"
    tmp.rmdir()
    tmp.write_bytes(b"not a directory")
    with pytest.raises(StorageUnavailableError):
        fs.check()
