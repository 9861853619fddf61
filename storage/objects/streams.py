"""Bounded-memory stream helpers shared by the backends.

Recordings are up to several gigabytes and arrive as request bodies; every helper here
reads in chunks of at most :data:`CHUNK_SIZE` bytes into a caller-owned buffer, so the
memory of a write is a fixed multiple of the part size whatever the object's size.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from typing import TYPE_CHECKING, BinaryIO, Protocol

from storage.errors import StorageError
from storage.objects.base import Readable

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "CHUNK_SIZE",
    "ConcatReader",
    "check_content_type",
    "check_length",
    "check_range",
    "fill",
    "guarded_reader",
    "iter_chunks",
]

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
"""Largest single ``read`` asked of a caller's stream."""

_MAX_CONTENT_TYPE = 255


def fill(stream: Readable, view: memoryview) -> int:
    """Read from ``stream`` into ``view`` until it is full or the stream ends.

    Returns:
        The number of bytes placed at the start of ``view`` (less than its length only
        at the end of the stream).

    Raises:
        TypeError: If the stream yields something other than bytes.

    """
    filled = 0
    while filled < len(view):
        data = stream.read(min(CHUNK_SIZE, len(view) - filled))
        if not data:
            break
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"stream.read() must return bytes, got {type(data).__name__}")
        view[filled : filled + len(data)] = data
        filled += len(data)
    return filled


def iter_chunks(stream: Readable, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the stream's bytes in chunks of at most ``chunk_size`` until it ends."""
    while data := stream.read(chunk_size):
        yield bytes(data)


def check_length(key: str, expected: int | None, actual: int) -> None:
    """Fail a write whose stream did not deliver the announced byte count.

    A short stream is usually a client that disconnected mid-upload; storing what
    arrived would keep a truncated recording under a key that looks complete.

    Raises:
        StorageError: If ``expected`` is given and differs from ``actual``.

    """
    if expected is not None and expected != actual:
        raise StorageError(
            f"stream for {key!r} delivered {actual} bytes where {expected} were announced"
        )


def check_content_type(content_type: str) -> str:
    """Return ``content_type`` if it is safe to store and send as an HTTP header value.

    Raises:
        ValueError: If it is empty, too long, not printable ASCII or has no ``/``.

    """
    if not (
        0 < len(content_type) <= _MAX_CONTENT_TYPE
        and content_type.isascii()
        and content_type.isprintable()
        and "/" in content_type
    ):
        raise ValueError(f"invalid content type {content_type[:80]!r}")
    return content_type


def check_range(start: int, length: int | None = None) -> None:
    """Reject negative offsets and lengths (a programming error, not a storage fault).

    Raises:
        ValueError: If ``start`` or ``length`` is negative.

    """
    if start < 0:
        raise ValueError(f"start must be >= 0, got {start}")
    if length is not None and length < 0:
        raise ValueError(f"length must be >= 0, got {length}")


class ConcatReader:
    """A readable stream over several objects, opened one after the other.

    Only one source is open at a time; :meth:`close` (or leaving the ``with`` block)
    closes it, also when the consumer stops early because of an error.
    """

    def __init__(
        self,
        keys: Sequence[str],
        opener: Callable[[str], AbstractContextManager[BinaryIO]],
    ) -> None:
        self._keys = list(keys)
        self._opener = opener
        self._index = 0
        self._stack = ExitStack()
        self._current: BinaryIO | None = None

    def read(self, size: int, /) -> bytes:
        """Return up to ``size`` bytes, moving on to the next source at each one's end."""
        while self._index < len(self._keys):
            if self._current is None:
                self._current = self._stack.enter_context(self._opener(self._keys[self._index]))
            data = self._current.read(size)
            if data:
                return data
            self._stack.close()
            self._stack = ExitStack()
            self._current = None
            self._index += 1
        return b""

    def close(self) -> None:
        """Close the source being read, if any."""
        self._stack.close()
        self._current = None

    def __enter__(self) -> ConcatReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _RawSource(Protocol):
    def read(self, size: int, /) -> bytes: ...

    def close(self) -> None: ...


class _GuardedRaw(io.RawIOBase):
    """Raw stream whose reads run inside ``guard`` (which translates backend errors)."""

    def __init__(
        self, source: _RawSource, guard: Callable[[], AbstractContextManager[object]]
    ) -> None:
        super().__init__()
        self._source = source
        self._guard = guard

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        with self._guard():
            data = self._source.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._source.close()
            finally:
                super().close()


def guarded_reader(
    source: _RawSource, guard: Callable[[], AbstractContextManager[object]]
) -> BinaryIO:
    """Wrap a backend's stream so its read errors come out as storage errors.

    Only the reads run inside ``guard``: an exception raised by the caller's own code
    while it holds the stream (a client that hung up, say) passes through unchanged.
    Closing the wrapper closes ``source``.
    """
    return io.BufferedReader(_GuardedRaw(source, guard), buffer_size=64 * 1024)
