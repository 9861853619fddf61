"""Streaming a request body into the object store with bounded memory.

The store's ``put_stream`` is synchronous (file writes, the minio SDK) and must run in a
worker thread; the request body is an async iterator on the event loop. This module
joins them with a bounded in-memory channel:

::

    event loop:  request.stream() ──pump──▶ [channel: at most N chunks] ──▶
    worker thread:                           BodyReader.read() ──▶ store.put_stream

The pump enforces the size limit while it counts (a body without ``Content-Length``
is stopped at the limit, never read to its end), and an idle timeout (a dead
connection must not hold an upload forever). Memory per upload is the channel
(``CHANNEL_CHUNKS`` chunks of at most the server's read size, 256 KiB with uvicorn) plus
the store's own part buffer, whatever the body's size.

A failure on the loop side (over the limit, client gone) is handed through the channel
as an exception, so ``put_stream`` sees its input stream raise and removes its partial
write; a failure of the store closes the channel and stops the pump.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial

import anyio
from anyio.abc import ObjectReceiveStream, ObjectSendStream
from anyio.from_thread import run as run_on_loop
from starlette.requests import ClientDisconnect

from storage.objects import ObjectStore, StoredObject

__all__ = [
    "CHANNEL_CHUNKS",
    "BodyError",
    "BodyIncompleteError",
    "BodyLimits",
    "BodyReader",
    "BodyTooLargeError",
    "StreamResult",
    "stream_to_store",
]

logger = logging.getLogger(__name__)

CHANNEL_CHUNKS = 8
"""Chunks buffered between the request and the store (at most 2 MiB with uvicorn)."""


class BodyError(Exception):
    """The request body could not be taken as it is."""


class BodyTooLargeError(BodyError):
    """The body went past the limit (HTTP 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


class BodyIncompleteError(BodyError):
    """The client disconnected or went silent before the body ended."""


@dataclass(frozen=True)
class BodyLimits:
    """How much of a body is accepted and how long it may pause.

    Attributes:
        max_bytes: Bytes after which the body is refused.
        idle_timeout_s: Seconds without a byte after which the client counts as gone.
        keep_partial: End the stream quietly at a disconnect instead of failing it, so
            what arrived is stored (tus: a resumed upload continues from there).

    """

    max_bytes: int
    idle_timeout_s: float
    keep_partial: bool = False


@dataclass(frozen=True)
class StreamResult:
    """What was stored and whether the client's connection ended early.

    Attributes:
        stored: The stored object (key, size, SHA-256).
        digest: Hex digest in the extra algorithm asked for, else ``None``.
        interrupted: The body ended early and only the part received was kept.

    """

    stored: StoredObject
    digest: str | None
    interrupted: bool


_Item = bytes | BaseException


class BodyReader:
    """A blocking ``read(n)`` over the channel, for ``put_stream`` in a worker thread.

    Args:
        receive: The channel's receiving end.
        algorithm: Also hash the bytes with this ``hashlib`` algorithm (tus checksums).

    """

    def __init__(self, receive: ObjectReceiveStream[_Item], algorithm: str | None = None) -> None:
        self._receive = receive
        self._chunk = memoryview(b"")
        self._ended = False
        self._hash = hashlib.new(algorithm) if algorithm else None

    def read(self, size: int = -1, /) -> bytes:
        """Return up to ``size`` bytes; ``b""`` at the end; raise what the pump forwarded."""
        if not self._chunk and not self._ended:
            try:
                item = run_on_loop(self._receive.receive)
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                self._ended = True
                return b""
            if isinstance(item, BaseException):
                self._ended = True
                raise item
            self._chunk = memoryview(item)
        if size < 0 or size >= len(self._chunk):
            data, self._chunk = bytes(self._chunk), memoryview(b"")
        else:
            data, self._chunk = bytes(self._chunk[:size]), self._chunk[size:]
        if self._hash is not None:
            self._hash.update(data)
        return data

    def hexdigest(self) -> str | None:
        """The extra digest of everything read, if one was asked for."""
        return None if self._hash is None else self._hash.hexdigest()


async def _next_chunk(chunks: AsyncIterator[bytes], idle_timeout_s: float) -> bytes | None:
    """The next non-empty chunk, ``None`` at the end; raise on disconnect or silence."""
    while True:
        with anyio.move_on_after(idle_timeout_s) as scope:
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return None
            except ClientDisconnect as exc:
                raise BodyIncompleteError("the client disconnected before the body ended") from exc
        if scope.cancelled_caught:
            raise BodyIncompleteError(f"no data for {idle_timeout_s:g} s; the upload stopped")
        if chunk:
            return chunk


async def _pump(
    first: bytes,
    chunks: AsyncIterator[bytes],
    send: ObjectSendStream[_Item],
    limits: BodyLimits,
    state: dict[str, bool],
) -> None:
    """Move chunks into the channel, counting; forward the first failure, then close."""
    async with send:
        try:
            total = 0
            chunk: bytes | None = first
            while chunk is not None:
                total += len(chunk)
                if total > limits.max_bytes:
                    raise BodyTooLargeError(limits.max_bytes)
                await send.send(chunk)
                chunk = await _next_chunk(chunks, limits.idle_timeout_s)
        except BodyIncompleteError as exc:
            if limits.keep_partial:
                state["interrupted"] = True
                logger.info("body ended early; keeping what arrived: %s", exc)
            else:
                await _forward(send, exc)
        except BodyError as exc:
            await _forward(send, exc)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass  # the store gave up first; its error is the one reported


async def _forward(send: ObjectSendStream[_Item], exc: BaseException) -> None:
    with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
        await send.send(exc)


async def first_chunk(chunks: AsyncIterator[bytes], idle_timeout_s: float) -> bytes | None:
    """Wait for the body's first bytes (``None``: the body is empty).

    Called before anything is written, so an empty body is refused without touching the
    store.

    Raises:
        BodyIncompleteError: If the client disconnects or stays silent.

    """
    return await _next_chunk(chunks, idle_timeout_s)


async def stream_to_store(
    store: ObjectStore,
    key: str,
    first: bytes,
    chunks: AsyncIterator[bytes],
    limits: BodyLimits,
    *,
    length: int | None = None,
    content_type: str = "application/octet-stream",
    algorithm: str | None = None,
    limiter: anyio.CapacityLimiter | None = None,
) -> StreamResult:
    """Store ``first`` and the rest of ``chunks`` under ``key`` in a worker thread.

    Args:
        store: The object store.
        key: Where to write.
        first: The body's first chunk (from :func:`first_chunk`).
        chunks: The rest of the body.
        limits: Size limit, idle timeout and what a disconnect means.
        length: The announced length (``Content-Length``), checked by the store; ignored
            when ``limits.keep_partial`` (a partial body is then expected).
        content_type: Media type to record.
        algorithm: Extra ``hashlib`` algorithm to compute (tus ``Upload-Checksum``).
        limiter: Thread pool capacity the write runs under.

    Raises:
        BodyTooLargeError: Past ``limits.max_bytes`` (nothing stored).
        BodyIncompleteError: The client went away and ``keep_partial`` is off.
        StorageError: What the store raised (nothing stored).

    """
    send, receive = anyio.create_memory_object_stream[_Item](CHANNEL_CHUNKS)
    reader = BodyReader(receive, algorithm)
    state = {"interrupted": False}
    write: Callable[[], StoredObject] = partial(
        store.put_stream,
        key,
        reader,
        length=None if limits.keep_partial else length,
        content_type=content_type,
    )
    outcome: StoredObject | Exception
    async with anyio.create_task_group() as group:
        group.start_soon(_pump, first, chunks, send, limits, state)
        try:
            outcome = await anyio.to_thread.run_sync(write, limiter=limiter)
        except Exception as exc:
            outcome = exc
        finally:
            receive.close()
    if isinstance(outcome, Exception):
        raise outcome
    return StreamResult(outcome, reader.hexdigest(), state["interrupted"])
