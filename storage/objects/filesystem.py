"""The filesystem backend: objects as plain files under one root directory.

This is the embedded mode's store (one machine, no servers). An object ``a/b.wav`` is the
file ``<root>/a/b.wav``, so an operator can find, back up and verify originals with
ordinary tools. Next to the objects the store keeps two hidden directories, which no key
can name (keys have no segment starting with ``.``):

- ``<root>/.tmp/``: files being written, renamed into place when complete;
- ``<root>/.meta/<key>@meta.json``: the SHA-256 and content type recorded at write time,
  with the data file's inode and size, so a record left stale by a crash or a concurrent
  overwrite is recognised and ignored (``sha256`` is then ``None``).

Write-once objects are linked into place (atomic "create if absent") and made read-only
(mode 0444), and the store refuses to replace or delete a read-only object. The mode is
what marks an object as write-once, so it survives a restart without any database. A
superuser can still change such a file: real immutability against the machine's own
administrators needs the S3 backend with object lock (or ``chattr +i``, which this
process does not have the privilege to set).

Keys are validated and every path is checked to stay under the root (a symlink planted
inside the root does not lead out of it); final path components are opened with
``O_NOFOLLOW``. A key cannot name an object and, at the same time, a "directory" of
other objects (``a`` and ``a/b``): S3 allows that, this backend refuses it with
:class:`~storage.errors.InvalidKeyError`. Server-generated keys never do it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import stat as stat_module
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from storage.errors import (
    InvalidKeyError,
    ObjectExistsError,
    ObjectNotFoundError,
    StorageUnavailableError,
)
from storage.objects.base import DEFAULT_CONTENT_TYPE, ObjectStat, Readable, StoredObject
from storage.objects.common import (
    compose_by_streaming,
    download_to_path,
    put_file_via_stream,
)
from storage.objects.fsfiles import os_errors, place, prune_empty_dirs, write_temp
from storage.objects.keys import is_valid_key, validate_key, validate_prefix
from storage.objects.streams import (
    check_content_type,
    check_length,
    check_range,
    guarded_reader,
)

__all__ = ["FilesystemStore"]

logger = logging.getLogger(__name__)

_TMP_DIR = ".tmp"
_META_DIR = ".meta"
_META_SUFFIX = "@meta.json"
_WRITE_BITS = stat_module.S_IWUSR | stat_module.S_IWGRP | stat_module.S_IWOTH
_WORM_MODE = 0o444


class FilesystemStore:
    """:class:`~storage.objects.base.ObjectStore` on a local directory.

    Args:
        root: Directory holding the objects; created if missing.

    """

    def __init__(self, root: Path) -> None:
        self._root = Path(root).resolve()
        self._tmp = self._root / _TMP_DIR
        self._meta = self._root / _META_DIR
        with os_errors("creating the store directories"):
            for directory in (self._root, self._tmp, self._meta):
                directory.mkdir(parents=True, exist_ok=True)

    @property
    def root(self) -> Path:
        """The absolute, resolved root directory."""
        return self._root

    def __repr__(self) -> str:
        return f"FilesystemStore({str(self._root)!r})"

    # -- paths ------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        validate_key(key)
        path = self._root / key
        real_parent = Path(os.path.realpath(path.parent))
        if real_parent != self._root and self._root not in real_parent.parents:
            raise InvalidKeyError(f"key {key!r} leads outside the store")
        return path

    def _meta_path(self, key: str) -> Path:
        return self._meta / (key + _META_SUFFIX)

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
        target = self._path(key)
        check_content_type(content_type)
        self._refuse_if_taken(target, key, worm=worm)
        written = write_temp(self._tmp, stream, limit=length)
        try:
            check_length(key, length, written.size)
            with os_errors("storing an object"):
                if worm:
                    os.chmod(written.path, _WORM_MODE)
                else:
                    # The old record must go before the data changes: a crash in
                    # between then leaves no hash rather than a wrong one.
                    self._meta_path(key).unlink(missing_ok=True)
                place(written.path, target, key=key, exclusive=worm)
        finally:
            written.path.unlink(missing_ok=True)
        self._write_meta(key, written.size, written.sha256, written.inode, content_type, worm)
        logger.info("stored %s (%d bytes, worm=%s)", key, written.size, worm)
        return StoredObject(key=key, size=written.size, sha256=written.sha256)

    def _refuse_if_taken(self, target: Path, key: str, *, worm: bool) -> None:
        """Fail early, before a long upload is read, if the write cannot succeed.

        Not the guarantee: a write-once object is still linked atomically at the end.
        """
        try:
            info = target.lstat()
        except (FileNotFoundError, NotADirectoryError):
            return
        if stat_module.S_ISDIR(info.st_mode):
            raise InvalidKeyError(f"key {key!r} is a prefix of other objects")
        if worm:
            raise ObjectExistsError(f"an object already exists under {key!r}")
        if not info.st_mode & _WRITE_BITS:
            raise ObjectExistsError(f"{key!r} is a write-once object and cannot be replaced")

    def _write_meta(
        self, key: str, size: int, sha256: str, inode: int, content_type: str, worm: bool
    ) -> None:
        """Record hash and content type; a failure here loses only the record, not data."""
        record = {"sha256": sha256, "size": size, "inode": inode, "content_type": content_type}
        path = self._meta_path(key)
        name: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self._tmp, prefix="meta-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(record, out)
            if worm:
                os.chmod(name, _WORM_MODE)
            os.replace(name, path)
        except OSError:
            logger.warning("could not record the hash of %s", key, exc_info=True)
            if name is not None:
                Path(name).unlink(missing_ok=True)

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
        """Copy by streaming (a hard link would share the write-once mode between keys)."""
        validate_key(dst_key)
        source = self.stat(src_key)
        with self.open_read(src_key) as reader:
            return self.put_stream(
                dst_key, reader, length=source.size, content_type=source.content_type, worm=worm
            )

    def compose(
        self,
        dst_key: str,
        src_keys: Sequence[str],
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        worm: bool = False,
    ) -> StoredObject:
        """Concatenate objects into ``dst_key`` (see :meth:`ObjectStore.compose`)."""
        return compose_by_streaming(self, dst_key, src_keys, content_type=content_type, worm=worm)

    # -- reading ----------------------------------------------------------------------

    def _open(self, key: str) -> BinaryIO:
        path = self._path(key)
        with os_errors("opening an object"):
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except (FileNotFoundError, NotADirectoryError) as exc:
                raise ObjectNotFoundError(f"no object under {key!r}") from exc
            except OSError as exc:
                if exc.errno != errno.ELOOP:
                    raise
                # A symlink: not something this store wrote, and not to be followed.
                raise ObjectNotFoundError(f"no object under {key!r}") from exc
            if not stat_module.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise ObjectNotFoundError(f"no object under {key!r}")
            return os.fdopen(fd, "rb")

    @contextlib.contextmanager
    def open_read(self, key: str, *, start: int = 0) -> Iterator[BinaryIO]:
        """Open the object's file for reading from ``start``."""
        check_range(start)
        with self._open(key) as handle:
            with os_errors("reading an object"):
                handle.seek(start)
            with guarded_reader(handle, lambda: os_errors("reading an object")) as reader:
                yield reader

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """Return up to ``length`` bytes from ``start``."""
        check_range(start, length)
        with self._open(key) as handle, os_errors("reading an object"):
            handle.seek(start)
            return handle.read(length)

    def download(self, key: str, dest: Path) -> StoredObject:
        """Copy the object to ``dest`` atomically."""
        return download_to_path(self, key, dest)

    def stat(self, key: str) -> ObjectStat:
        """Describe the object from its file and its metadata record."""
        info = self._lstat_object(self._path(key), key)
        record = self._read_meta(key, info)
        return ObjectStat(
            key=key,
            size=info.st_size,
            sha256=record.get("sha256"),
            worm=not info.st_mode & _WRITE_BITS,
            content_type=record.get("content_type") or DEFAULT_CONTENT_TYPE,
        )

    def _read_meta(self, key: str, info: os.stat_result) -> dict[str, str]:
        """Return the object's record, or ``{}`` if missing, unreadable or stale."""
        try:
            record = json.loads(self._meta_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if (
            not isinstance(record, dict)
            or record.get("size") != info.st_size
            or record.get("inode") != info.st_ino
        ):
            return {}
        return {name: str(record[name]) for name in ("sha256", "content_type") if name in record}

    def exists(self, key: str) -> bool:
        """Return whether a regular file is stored under ``key``."""
        try:
            info = self._path(key).lstat()
        except (FileNotFoundError, NotADirectoryError):
            return False
        return stat_module.S_ISREG(info.st_mode)

    # -- listing and deleting ---------------------------------------------------------

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield keys starting with ``prefix`` in ascending (byte) order, lazily."""
        validate_prefix(prefix)
        base = prefix.rpartition("/")[0]
        start = self._root / base if base else self._root
        return self._walk(start, f"{base}/" if base else "", prefix)

    def _walk(self, directory: Path, key_prefix: str, prefix: str) -> Iterator[str]:
        """Visit one directory level in S3 order (a directory sorts as ``name/``)."""
        try:
            with os.scandir(directory) as scan:
                entries = sorted(
                    (entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name)
                    for entry in scan
                    if entry.is_dir(follow_symlinks=False) or entry.is_file(follow_symlinks=False)
                )
        except (FileNotFoundError, NotADirectoryError):
            return
        for name in entries:
            key = key_prefix + name
            if name.endswith("/"):
                if is_valid_key(key[:-1]) and (key.startswith(prefix) or prefix.startswith(key)):
                    yield from self._walk(directory / name[:-1], key, prefix)
            elif is_valid_key(key) and key.startswith(prefix):
                yield key

    def delete(self, key: str) -> None:
        """Delete an ordinary object; write-once objects are refused."""
        path = self._path(key)
        info = self._lstat_object(path, key)
        if not info.st_mode & _WRITE_BITS:
            raise ObjectExistsError(f"{key!r} is a write-once object and cannot be deleted")
        with os_errors("deleting an object"):
            self._meta_path(key).unlink(missing_ok=True)
            try:
                path.unlink()
            except FileNotFoundError as exc:
                raise ObjectNotFoundError(f"no object under {key!r}") from exc
        prune_empty_dirs(path.parent, self._root)
        prune_empty_dirs(self._meta_path(key).parent, self._meta)
        logger.info("deleted %s", key)

    def _lstat_object(self, path: Path, key: str) -> os.stat_result:
        try:
            info = path.lstat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFoundError(f"no object under {key!r}") from exc
        if not stat_module.S_ISREG(info.st_mode):
            raise ObjectNotFoundError(f"no object under {key!r}")
        return info

    # -- health -----------------------------------------------------------------------

    def check(self) -> None:
        """Create and remove a file in the store's temporary directory.

        Raises:
            StorageUnavailableError: If the root is gone, read-only or full.

        """
        try:
            fd, name = tempfile.mkstemp(dir=self._tmp, prefix="check-")
            os.close(fd)
            os.unlink(name)
        except OSError as exc:
            raise StorageUnavailableError(
                f"object store directory is not writable: {exc.strerror or exc}"
            ) from exc
