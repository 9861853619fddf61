"""Steps of the tus routes that touch the database and the store.

The routes (:mod:`api.routes.uploads`) parse headers and answer; the steps here find the
caller's upload (404 for another courtroom's, 410 when expired), store a PATCH body as a
piece, and turn a complete upload into a recording (:mod:`api.resumable`).
"""

from __future__ import annotations

import logging
import re

from fastapi import HTTPException, Request

from api.auth import DevicePrincipal, not_found
from api.deps import AppState, in_thread
from api.intake import media_type
from api.locks import UploadBusyError
from api.queue import enqueue_quietly
from api.resumable import (
    HashMismatchError,
    IncompleteUploadError,
    complete,
    expired,
    piece_key,
    terminate,
)
from api.streams import (
    BodyIncompleteError,
    BodyLimits,
    BodyTooLargeError,
    first_chunk,
    stream_to_store,
)
from api.tus import CHECKSUM_MISMATCH, Checksum, http_date, parse_upload_metadata
from api.views import recording_path
from storage.db import UploadInfo, get_upload, utc_now
from storage.errors import NotFoundError, ObjectNotFoundError, StorageError

__all__ = [
    "busy",
    "drop_piece",
    "finish",
    "finish_if_stalled",
    "load_upload",
    "progress_headers",
    "refuse_expired",
    "scoped_upload",
    "split_upload_metadata",
    "store_piece",
]

logger = logging.getLogger(__name__)

_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def load_upload(state: AppState, principal: DevicePrincipal, upload_id: str) -> UploadInfo:
    """The upload if it exists and the caller may touch it, else the same 404."""
    if not _UPLOAD_ID.fullmatch(upload_id):
        raise not_found("upload")
    try:
        upload = state.transaction(lambda s: get_upload(s, upload_id))
    except NotFoundError:
        raise not_found("upload") from None
    if not principal.owns_upload(upload.device_id, upload.courtroom_id):
        raise not_found("upload")
    return upload


def refuse_expired(upload: UploadInfo) -> None:
    """410 for an unfinished upload past its ``Upload-Expires``."""
    if expired(upload, utc_now()):
        raise HTTPException(410, "the upload expired; start a new one")


async def scoped_upload(state: AppState, principal: DevicePrincipal, upload_id: str) -> UploadInfo:
    """The caller's live upload (404 if not theirs or unknown, 410 if expired)."""
    upload = await in_thread(load_upload, state, principal, upload_id)
    refuse_expired(upload)
    return upload


def progress_headers(request: Request, upload: UploadInfo) -> dict[str, str]:
    """``Upload-Offset`` and either ``Recording-Location`` or ``Upload-Expires``."""
    headers = {"Upload-Offset": str(upload.offset), "Cache-Control": "no-store"}
    if upload.recording_id is not None:
        headers["Recording-Location"] = recording_path(request, upload.recording_id)
    else:
        headers["Upload-Expires"] = http_date(upload.expires_at)
    return headers


async def finish(request: Request, state: AppState, upload: UploadInfo) -> UploadInfo:
    """Complete a fully received upload; send the task if a recording was created."""
    try:
        completion = await in_thread(complete, state, upload)
    except HashMismatchError as exc:
        raise HTTPException(400, str(exc)) from None
    except IncompleteUploadError as exc:
        logger.error("%s; discarding the upload", exc)
        await in_thread(terminate, state, upload.id)
        raise HTTPException(
            409, "the stored pieces do not add up to the upload; start a new upload"
        ) from None
    if completion.created:
        await in_thread(enqueue_quietly, state.enqueuer, completion.recording.id)
    return await in_thread(lambda: state.transaction(lambda s: get_upload(s, upload.id)))


async def finish_if_stalled(request: Request, state: AppState, upload: UploadInfo) -> UploadInfo:
    """Complete an upload whose last piece arrived but whose completion was cut short."""
    if not upload.complete or upload.recording_id is not None:
        return upload
    try:
        with state.locks.hold(upload.id):
            return await finish(request, state, upload)
    except UploadBusyError:
        return upload  # the request holding it is completing it


def busy() -> HTTPException:
    """The 423 of an upload another request of this process is working on."""
    return HTTPException(423, "another request is writing to this upload; retry shortly")


def split_upload_metadata(header: str | None) -> tuple[dict[str, str], str, str]:
    """Split tus metadata into hearing fields, the declared SHA-256 and the media type."""
    pairs = parse_upload_metadata(header)
    sha256 = pairs.pop("sha256", None)
    if sha256 is None:
        raise HTTPException(400, "Upload-Metadata must include sha256 (hex SHA-256 of the file)")
    if not _SHA256.fullmatch(sha256.strip()):
        raise HTTPException(400, "Upload-Metadata sha256 must be 64 hexadecimal digits")
    content_type = media_type(pairs.pop("filetype", None))
    filename = pairs.pop("filename", None)
    if filename is not None and "source_name" not in pairs:
        pairs["source_name"] = filename
    return pairs, sha256.strip().lower(), content_type


def drop_piece(state: AppState, key: str) -> None:
    """Delete a piece that will not count (checksum mismatch); failures are logged."""
    try:
        state.store.delete(key)
    except ObjectNotFoundError:
        pass
    except StorageError:
        logger.warning("could not delete piece %s", key, exc_info=True)


async def store_piece(
    request: Request,
    state: AppState,
    upload: UploadInfo,
    declared: int | None,
    checksum: Checksum | None,
) -> int:
    """Store the body as the piece at the upload's offset; return its size (0: none)."""
    settings = state.settings
    remaining = upload.length - upload.offset
    chunks = request.stream()
    try:
        first = await first_chunk(chunks, settings.body_idle_timeout_s)
    except BodyIncompleteError:
        return 0
    if first is None:
        return 0
    key = piece_key(upload.id, upload.offset)
    try:
        result = await stream_to_store(
            state.store,
            key,
            first,
            chunks,
            # Without a checksum a broken connection keeps what arrived: tus resumes there.
            BodyLimits(remaining, settings.body_idle_timeout_s, keep_partial=checksum is None),
            length=declared,
            algorithm=None if checksum is None else checksum.algorithm,
            limiter=state.transfers,
        )
    except BodyTooLargeError:
        raise HTTPException(
            413, f"the piece goes past Upload-Length: {remaining} bytes remain"
        ) from None
    except BodyIncompleteError as exc:
        raise HTTPException(400, f"the piece is incomplete and was dropped: {exc}") from None
    if checksum is not None and result.digest != checksum.hexdigest:
        await in_thread(drop_piece, state, key)
        raise HTTPException(
            CHECKSUM_MISMATCH, f"Upload-Checksum mismatch ({checksum.algorithm}); piece dropped"
        )
    return result.stored.size
