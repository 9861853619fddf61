"""Crash-safe file operations behind the filesystem backend.

Every object is written to a temporary file in the store's own temporary directory (on
the same filesystem as the objects), flushed to disk with ``fsync``, and only then given
its name: ``rename`` for ordinary objects, ``link`` for write-once ones, because
``link`` fails when the name exists, which makes "write once" atomic between processes.
The directory is flushed after the name changes so the name survives a power cut too.
A reader therefore sees either no object or a complete one, never a partial file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from storage.errors import (
    InvalidKeyError,
    ObjectExistsError,
    StorageError,
    StorageUnavailableError,
)
from storage.objects.base import Readable
from storage.objects.streams import CHUNK_SIZE, fill

__all__ = [
    "TempFile",
    "fsync_dir",
    "os_errors",
    "place",
    "prune_empty_dirs",
    "write_temp",
]

logger = logging.getLogger(__name__)

_TRANSIENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.ENOTCONN, errno.ESTALE}
)
"""Faults of the disk, not of the request: a full or failing disk, a lost network mount."""

_PLACE_ATTEMPTS = 3


@dataclass(frozen=True)
class TempFile:
    """A fully written, fsynced temporary file and what was written to it."""

    path: Path
    size: int
    sha256: str
    inode: int


@contextlib.contextmanager
def os_errors(action: str) -> Iterator[None]:
    """Translate ``OSError`` into the storage errors callers can act on.

    Disk-full and I/O errors become :class:`StorageUnavailableError` (an operator can
    fix them and the request be retried); others (permissions, a broken layout) become
    :class:`StorageError`. Paths stay out of the message: it may reach an API client.
    """
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if exc.errno in _TRANSIENT_ERRNOS:
            raise StorageUnavailableError(
                f"object store disk fault while {action}: {reason}"
            ) from exc
        raise StorageError(f"object store failed while {action}: {reason}") from exc


def fsync_dir(directory: Path) -> None:
    """Flush a directory's entries, so a rename or link in it survives a crash."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, view: memoryview) -> None:
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_temp(tmp_dir: Path, stream: Readable, *, limit: int | None = None) -> TempFile:
    """Copy ``stream`` into a new temporary file in ``tmp_dir``, hashing it, then fsync.

    Memory is one :data:`CHUNK_SIZE` buffer. Errors of the stream itself propagate
    unchanged; either way the temporary file is removed on failure.

    Args:
        tmp_dir: Where to create the file.
        stream: The bytes.
        limit: Stop soon after this many bytes (the caller then reports the overrun)
            instead of copying a stream far longer than announced.

    """
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    size = 0
    with os_errors("creating a temporary file"):
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="put-", suffix=".tmp")
    path = Path(name)
    try:
        while count := fill(stream, view):
            digest.update(view[:count])
            with os_errors("writing"):
                _write_all(fd, view[:count])
            size += count
            if limit is not None and size > limit:
                break
        with os_errors("flushing to disk"):
            os.fsync(fd)
            inode = os.fstat(fd).st_ino
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    return TempFile(path=path, size=size, sha256=digest.hexdigest(), inode=inode)


def _make_parents(target: Path, key: str) -> None:
    """Create the missing parent directories and flush each new entry to disk.

    Without the flush a new directory, and the object in it, could vanish in a power
    cut even though the object itself was fsynced.
    """
    missing = []
    directory = target.parent
    while not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    try:
        for new in reversed(missing):
            new.mkdir(exist_ok=True)
            fsync_dir(new.parent)
    except (FileExistsError, NotADirectoryError) as exc:
        raise InvalidKeyError(f"key {key!r} lies under an existing object") from exc


def place(tmp: Path, target: Path, *, key: str, exclusive: bool) -> None:
    """Give the temporary file its final name, creating parent directories.

    Args:
        tmp: The written temporary file (left in place; the caller removes it).
        target: The object's path.
        key: The object's key, for error messages.
        exclusive: Fail if ``target`` exists (``link``) instead of replacing it
            (``rename``).

    Raises:
        ObjectExistsError: If ``exclusive`` and the name is taken.
        InvalidKeyError: If the key's path is a directory or lies under a file.

    """
    for attempt in range(_PLACE_ATTEMPTS):
        _make_parents(target, key)
        try:
            if exclusive:
                os.link(tmp, target, follow_symlinks=False)
            else:
                os.replace(tmp, target)
        except FileExistsError as exc:
            if target.is_dir():
                raise InvalidKeyError(f"key {key!r} is a prefix of other objects") from exc
            raise ObjectExistsError(f"an object already exists under {key!r}") from exc
        except IsADirectoryError as exc:
            raise InvalidKeyError(f"key {key!r} is a prefix of other objects") from exc
        except FileNotFoundError:
            # A concurrent delete pruned the parent directory between mkdir and here.
            if attempt + 1 == _PLACE_ATTEMPTS:
                raise
            continue
        fsync_dir(target.parent)
        return


def prune_empty_dirs(start: Path, stop: Path) -> None:
    """Remove ``start`` and its parents up to (not including) ``stop`` while empty.

    Keeps the tree free of directories left by deleted chunks; a directory that is not
    empty (or is being filled concurrently) simply stays.
    """
    directory = start
    while directory != stop and stop in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
