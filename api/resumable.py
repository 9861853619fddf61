"""Resumable uploads behind tus: pieces in the object store, the offset in the database.

Layout and state:

* Each PATCH stores its bytes as one object, ``uploads/<upload id>/<offset>`` (offset
  zero-padded to 20 digits, so keys sort in byte order), then moves the upload's offset
  with :func:`storage.db.advance_upload`, a compare-and-set: of two requests at the same
  offset only one can move it. The offset never claims bytes that are not stored.
* Nothing lives in the API process: a new API instance on the same database and store
  (a restart, another replica) continues any upload where its offset says.
* Completion (offset = length) reads the pieces along the chain ``0 → size of piece 0 →
  ...``, so a piece left by a request that crashed before moving the offset is ignored
  (and overwritten by the next write at its offset). The pieces are hashed first; only
  when the SHA-256 declared at creation matches are they composed into the write-once
  original, so a mismatch leaves nothing but the pieces, which are deleted with the upload.
* The recording gets the upload's id. Completion is therefore idempotent: if the API dies
  between composing the original and committing the row, the next HEAD, GET or PATCH
  finds ``originals/<upload id>`` already there and finishes the job instead of making a
  second original.

Within one process, requests on one upload are serialised (:mod:`api.locks`); a
second PATCH while one is running gets 423 and retries, as tus clients do.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from api.deps import AppState
from api.intake import duplicate_of, new_recording, record
from api.metadata import HearingMetadata
from storage.db import (
    RecordingInfo,
    UploadInfo,
    complete_upload,
    delete_upload,
    get_recording,
)
from storage.errors import ObjectExistsError, ObjectNotFoundError, StorageError
from storage.objects import ObjectStore
from worker.contracts import original_key

__all__ = [
    "Completion",
    "HashMismatchError",
    "IncompleteUploadError",
    "complete",
    "delete_pieces",
    "expired",
    "hearing_of",
    "piece_key",
    "piece_prefix",
    "terminate",
]

logger = logging.getLogger(__name__)

_OFFSET_DIGITS = 20
_READ_CHUNK = 1024 * 1024


class HashMismatchError(Exception):
    """The complete upload's SHA-256 differs from the one declared (the upload is gone)."""

    def __init__(self, expected: str, actual: str, size: int) -> None:
        super().__init__(
            f"SHA-256 mismatch: the upload declared {expected}, the {size} bytes received "
            f"hash to {actual}; the upload was discarded"
        )


class IncompleteUploadError(Exception):
    """The stored pieces do not cover the upload (a piece was lost or damaged)."""


@dataclass(frozen=True)
class Completion:
    """What completing an upload produced.

    Attributes:
        recording: The recording (new, or the one the same bytes made before).
        created: Whether it was created now (then its task must be sent).

    """

    recording: RecordingInfo
    created: bool


def piece_prefix(upload_id: str) -> str:
    """Key prefix of an upload's pieces (delete everything under it to drop them)."""
    return f"uploads/{upload_id}/"


def piece_key(upload_id: str, offset: int) -> str:
    """Key of the piece starting at ``offset``."""
    return f"{piece_prefix(upload_id)}{offset:0{_OFFSET_DIGITS}d}"


def hearing_of(upload: UploadInfo) -> HearingMetadata:
    """The hearing metadata validated when the upload was created."""
    return HearingMetadata.model_validate(upload.metadata["hearing"])


def _chain(store: ObjectStore, upload: UploadInfo) -> list[str]:
    """Keys of the pieces covering ``0..length`` in order.

    Raises:
        IncompleteUploadError: If a piece along the chain is missing.

    """
    by_offset: dict[int, str] = {}
    for key in store.list(piece_prefix(upload.id)):
        name = key.rsplit("/", 1)[-1]
        if name.isdigit():
            by_offset[int(name)] = key
    keys: list[str] = []
    position = 0
    while position < upload.length:
        found = by_offset.get(position)
        size = store.stat(found).size if found is not None else 0
        if found is None or size == 0:
            raise IncompleteUploadError(
                f"upload {upload.id}: no stored piece at offset {position} of {upload.length}"
            )
        keys.append(found)
        position += size
    if position != upload.length:
        raise IncompleteUploadError(
            f"upload {upload.id}: pieces cover {position} bytes, not {upload.length}"
        )
    return keys


def _hash_pieces(store: ObjectStore, keys: list[str]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for key in keys:
        with store.open_read(key) as stream:
            while chunk := stream.read(_READ_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    return digest.hexdigest(), size


def delete_pieces(store: ObjectStore, upload_id: str) -> None:
    """Delete every stored piece of an upload; failures are logged, not raised."""
    try:
        keys = list(store.list(piece_prefix(upload_id)))
    except StorageError:
        logger.warning("could not list the pieces of upload %s", upload_id, exc_info=True)
        return
    for key in keys:
        try:
            store.delete(key)
        except ObjectNotFoundError:
            pass
        except StorageError:
            logger.warning("could not delete piece %s", key, exc_info=True)


def terminate(state: AppState, upload_id: str) -> None:
    """Drop an upload: its pieces, then its row (tus termination, failed uploads)."""
    delete_pieces(state.store, upload_id)
    state.transaction(lambda s: delete_upload(s, upload_id))


def _verified_original(state: AppState, upload: UploadInfo, keys: list[str]) -> tuple[str, int]:
    """Hash the pieces; if that is not the declared hash, drop the upload and raise."""
    store = state.store
    expected = (upload.expected_sha256 or "").lower()
    sha256, size = _hash_pieces(store, keys)
    if sha256 != expected:
        terminate(state, upload.id)
        logger.warning("upload %s discarded: SHA-256 mismatch", upload.id)
        raise HashMismatchError(expected, sha256, size)
    return sha256, size


def _compose(state: AppState, upload: UploadInfo, keys: list[str], sha256: str) -> None:
    content_type = str(upload.metadata.get("content_type") or "application/octet-stream")
    try:
        composed = state.store.compose(
            original_key(upload.id), keys, content_type=content_type, worm=True
        )
    except ObjectExistsError:
        return  # a concurrent or earlier completion wrote it: it was verified then
    if composed.sha256 != sha256:
        raise StorageError(f"upload {upload.id}: pieces changed while being composed")


def _original_sha256(store: ObjectStore, key: str) -> tuple[str, int]:
    info = store.stat(key)
    if info.sha256 is not None:
        return info.sha256, info.size
    return _hash_pieces(store, [key])


def complete(state: AppState, upload: UploadInfo) -> Completion:
    """Turn a fully received upload into a recording (idempotent; blocking).

    Raises:
        HashMismatchError: The bytes are not the declared ones; the upload was dropped.
        IncompleteUploadError: Pieces are missing.
        StorageError: Storage faults (the upload stays; completion is retried later).

    """
    if upload.recording_id is not None:
        recording = state.transaction(lambda s: get_recording(s, upload.recording_id or ""))
        return Completion(recording, created=False)
    hearing = hearing_of(upload)
    original = original_key(upload.id)
    if state.store.exists(original):
        sha256, size = _original_sha256(state.store, original)
    else:
        keys = _chain(state.store, upload)
        sha256, size = _verified_original(state, upload, keys)
        existing = state.transaction(
            lambda s: duplicate_of(s, upload.courtroom_id, hearing, sha256)
        )
        if existing is not None:
            state.transaction(lambda s: complete_upload(s, upload.id, existing.id))
            delete_pieces(state.store, upload.id)
            logger.info("upload %s repeats recording %s; nothing kept", upload.id, existing.id)
            return Completion(existing, created=False)
        _compose(state, upload, keys, sha256)
    new = new_recording(upload.courtroom_id, upload.device_id, hearing, upload.id, sha256, size)

    def commit(session: Session) -> tuple[RecordingInfo, bool]:
        recording, created = record(session, new)
        complete_upload(session, upload.id, recording.id)
        return recording, created

    recording, created = state.transaction(commit)
    delete_pieces(state.store, upload.id)
    return Completion(recording, created)


def expired(upload: UploadInfo, now: datetime) -> bool:
    """Whether an unfinished upload is past its ``Upload-Expires``."""
    return upload.recording_id is None and upload.expires_at <= now
