"""The object-store interface every backend implements, and the values it returns.

Callers (the API's upload and download routes, the worker) depend on :class:`ObjectStore`
only; which backend sits behind it is a setting (:func:`storage.objects.open_store`). The
filesystem backend serves the embedded, single-machine mode; the S3 backend serves
MinIO in production (and SeaweedFS in the tests). Both behave the same on everything
this interface promises, and the same test suite runs against both.

Write-once ("WORM") objects are the court's originals: evidence whose SHA-256 starts a
protocol's hash chain. Neither backend lets this interface overwrite or delete one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "ObjectStat",
    "ObjectStore",
    "Readable",
    "StoredObject",
]

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class Readable(Protocol):
    """Anything with ``read(n) -> bytes``: a file, a socket stream, a request body."""

    def read(self, size: int, /) -> bytes:
        """Return up to ``size`` bytes; ``b""`` only at the end of the stream."""
        ...


@dataclass(frozen=True)
class StoredObject:
    """What a write produced: the key, the byte count and the SHA-256 of those bytes.

    The hash is computed from the bytes as they were written, in the same pass, so it
    is the hash of what is stored, not of what a client claimed to send.

    Attributes:
        key: The object's key.
        size: Bytes stored.
        sha256: 64 lowercase hex digits.

    """

    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ObjectStat:
    """What a store knows about a stored object without reading it.

    Attributes:
        key: The object's key.
        size: Bytes stored.
        sha256: The SHA-256 recorded when the object was written, or ``None`` when the
            store has no record of it (written by another tool, or the record was lost
            in a crash right after the write). Recompute from the bytes to verify
            evidence; this value is a convenience, not a proof.
        worm: Whether the object is write-once (cannot be overwritten or deleted).
        content_type: The media type given when the object was written.

    """

    key: str
    size: int
    sha256: str | None
    worm: bool
    content_type: str = DEFAULT_CONTENT_TYPE


@runtime_checkable
class ObjectStore(Protocol):
    """A flat namespace of immutable-once-written byte objects under validated keys.

    Every method validates its keys (:func:`storage.objects.keys.validate_key`) and
    raises only :class:`storage.errors.StorageError` subclasses for storage faults:
    :class:`~storage.errors.StorageUnavailableError` when the store cannot be reached
    (transient, worth a retry), :class:`~storage.errors.ObjectNotFoundError`,
    :class:`~storage.errors.ObjectExistsError` (a write-once object is in the way) and
    :class:`~storage.errors.InvalidKeyError`. Exceptions raised by a caller's own input
    stream pass through unchanged, after the partial write has been cleaned up.
    """

    def put_stream(
        self,
        key: str,
        stream: Readable,
        *,
        length: int | None = None,
        content_type: str = DEFAULT_CONTENT_TYPE,
        worm: bool = False,
    ) -> StoredObject:
        """Store everything ``stream`` yields under ``key``, hashing it on the way.

        The stream is read in bounded chunks; memory does not grow with its size. The
        object appears under the key only when it is complete: a stream that raises or
        ends before ``length`` leaves nothing behind.

        Args:
            key: Where to store the object.
            stream: The bytes, read until ``b""``.
            length: The exact byte count if known (a request's ``Content-Length``);
                a stream that yields a different count fails the write.
            content_type: Media type to record with the object.
            worm: Write once: refuse if anything is stored under ``key`` already,
                and make the object immutable where the backend can.

        Raises:
            ObjectExistsError: If ``worm`` and the key is taken, or the key holds a
                write-once object (those are never replaced).
            StorageError: If the stream's length differs from ``length``.

        """
        ...

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        worm: bool = False,
    ) -> StoredObject:
        """Store a local file's bytes under ``key`` (see :meth:`put_stream`)."""
        ...

    def open_read(self, key: str, *, start: int = 0) -> AbstractContextManager[BinaryIO]:
        """Open the object for streaming reads from byte ``start`` (past the end: empty)."""
        ...

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """Return up to ``length`` bytes from ``start`` (fewer at the end, ``b""`` past it)."""
        ...

    def download(self, key: str, dest: Path) -> StoredObject:
        """Copy the object to a local file, atomically, and return its size and hash."""
        ...

    def stat(self, key: str) -> ObjectStat:
        """Describe the object without reading it."""
        ...

    def exists(self, key: str) -> bool:
        """Return whether an object is stored under ``key``."""
        ...

    def delete(self, key: str) -> None:
        """Delete the object.

        Raises:
            ObjectNotFoundError: If nothing is stored under ``key``.
            ObjectExistsError: If the object is write-once (originals stay).

        """
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield the keys that start with ``prefix``, each once, lazily.

        Keys of one "directory" come in ascending order (``chunks/000001`` before
        ``chunks/000002``) on every backend. Across directories the filesystem backend
        and spec-following S3 servers use byte order (``a-b`` before ``a/x``), but
        SeaweedFS lists a bucket without versioning directory by directory
        (``a/x`` before ``a-b``); callers must not rely on that part.
        """
        ...

    def copy(self, src_key: str, dst_key: str, *, worm: bool = False) -> StoredObject:
        """Copy an object to a new key (server-side where the backend can)."""
        ...

    def compose(
        self,
        dst_key: str,
        src_keys: Sequence[str],
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        worm: bool = False,
    ) -> StoredObject:
        """Concatenate objects into ``dst_key`` in order, hashing the result.

        Finishes resumable uploads whose chunks were stored as separate objects. The
        sources are left in place (the caller deletes them once the result is recorded).
        """
        ...

    def check(self) -> None:
        """Probe the store.

        Raises:
            StorageUnavailableError: If the store cannot be used right now.

        """
        ...
