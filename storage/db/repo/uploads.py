"""Resumable uploads (tus 1.0): the offset is the only state, moved by compare-and-set.

Each PATCH stores its piece as a separate object, then moves the offset from the value it
started at to the value after the piece. Two PATCH requests at the same offset (a client
retrying while its first request is still running) cannot both succeed: the second finds
the offset moved and gets :class:`ConflictError`, which tus answers with 409.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from storage.db.info import UploadInfo
from storage.db.models import Courtroom, Device, Upload, new_id
from storage.db.repo._common import compare_and_set, insert, require_aware, resolve_now
from storage.db.translate import translated
from storage.errors import ConflictError, NotFoundError

__all__ = [
    "DEFAULT_UPLOAD_TTL",
    "advance_upload",
    "complete_upload",
    "create_upload",
    "delete_upload",
    "expired_uploads",
    "get_upload",
]

logger = logging.getLogger(__name__)

DEFAULT_UPLOAD_TTL = timedelta(hours=24)
"""How long an unfinished upload is kept (the tus ``Upload-Expires``)."""


def _upload_info(row: Upload) -> UploadInfo:
    return UploadInfo(
        id=row.id,
        device_id=row.device_id,
        courtroom_id=row.courtroom_id,
        metadata=dict(row.meta),
        length=row.length,
        offset=row.offset,
        expected_sha256=row.expected_sha256,
        chunk_count=row.chunk_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        recording_id=row.recording_id,
    )


def _load(session: Session, upload_id: str) -> Upload:
    row = session.get(Upload, upload_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"no upload with id {upload_id}")
    return row


@translated
def create_upload(
    session: Session,
    *,
    courtroom_id: int,
    length: int,
    metadata: Mapping[str, Any],
    device_id: int | None = None,
    expected_sha256: str | None = None,
    ttl: timedelta = DEFAULT_UPLOAD_TTL,
    now: datetime | None = None,
) -> UploadInfo:
    """Start a resumable upload of ``length`` bytes.

    Args:
        session: Open session.
        courtroom_id: The uploading device's courtroom.
        length: Total bytes (tus ``Upload-Length``).
        metadata: Hearing metadata (JSON-serialisable), used when the upload completes.
        device_id: Uploading device; only it may continue the upload.
        expected_sha256: Hash the device declared, checked when complete.
        ttl: Time after which an unfinished upload may be deleted.
        now: Creation time (tests).

    Raises:
        ValueError: If ``length`` is negative.
        NotFoundError: If the courtroom or device does not exist.

    """
    if length < 0:
        raise ValueError("an upload length must not be negative")
    if session.get(Courtroom, courtroom_id) is None:
        raise NotFoundError(f"no courtroom with id {courtroom_id}")
    if device_id is not None and session.get(Device, device_id) is None:
        raise NotFoundError(f"no device with id {device_id}")
    at = resolve_now(now)
    row = Upload(
        id=new_id(),
        device_id=device_id,
        courtroom_id=courtroom_id,
        meta=dict(metadata),
        length=length,
        offset=0,
        expected_sha256=None if expected_sha256 is None else expected_sha256.lower(),
        chunk_count=0,
        created_at=at,
        updated_at=at,
        expires_at=at + ttl,
    )
    insert(session, row)
    logger.info("upload %s of %s bytes started", row.id, length)
    return _upload_info(row)


@translated
def get_upload(session: Session, upload_id: str) -> UploadInfo:
    """Return an upload (the tus HEAD answer).

    Raises:
        NotFoundError: If there is none (never created, or deleted after expiry).

    """
    return _upload_info(_load(session, upload_id))


@translated
def advance_upload(
    session: Session,
    upload_id: str,
    expected_offset: int,
    new_offset: int,
    *,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> UploadInfo:
    """Move an upload's offset after a piece was stored, if nobody moved it first.

    Call it after the piece is safely in the object store, so the offset never claims
    bytes that are not stored. ``chunk_count`` goes up by one: it numbers the pieces.

    Args:
        session: Open session.
        upload_id: The upload.
        expected_offset: Offset the piece was written at (the request's ``Upload-Offset``).
        new_offset: Offset after the piece.
        expires_at: New expiry, to keep an active upload alive; unchanged if ``None``.
        now: Current time (tests).

    Returns:
        The upload after the move.

    Raises:
        ConflictError: If the offset is no longer ``expected_offset`` (tus 409) or the
            upload is already complete.
        NotFoundError: If there is no such upload.
        ValueError: If ``new_offset`` is not after ``expected_offset`` or beyond the length.

    """
    row = _load(session, upload_id)
    if row.recording_id is not None:
        raise ConflictError(f"upload {upload_id} is already complete")
    if not expected_offset < new_offset <= row.length:
        raise ValueError(
            f"offset cannot move from {expected_offset} to {new_offset} "
            f"in an upload of {row.length} bytes"
        )
    at = resolve_now(now)
    values: dict[str, Any] = {
        "offset": new_offset,
        "chunk_count": Upload.chunk_count + 1,
        "updated_at": at,
    }
    if expires_at is not None:
        values["expires_at"] = require_aware(expires_at, "expires_at")
    conditions = (
        Upload.id == upload_id,
        Upload.offset == expected_offset,
        Upload.recording_id.is_(None),
    )
    if not compare_and_set(session, Upload, conditions, values):
        current = _load(session, upload_id)
        if current.recording_id is not None:
            raise ConflictError(f"upload {upload_id} is already complete")
        raise ConflictError(
            f"upload {upload_id} is at offset {current.offset}, not {expected_offset}"
        )
    return _upload_info(_load(session, upload_id))


@translated
def complete_upload(
    session: Session, upload_id: str, recording_id: str, *, now: datetime | None = None
) -> UploadInfo:
    """Link a fully received upload to the recording made from it (idempotent).

    Raises:
        ConflictError: If bytes are missing, or it was completed as another recording.
        NotFoundError: If there is no such upload.

    """
    at = resolve_now(now)
    conditions = (
        Upload.id == upload_id,
        Upload.recording_id.is_(None),
        Upload.offset == Upload.length,
    )
    values = {"recording_id": recording_id, "updated_at": at}
    if not compare_and_set(session, Upload, conditions, values):
        current = _load(session, upload_id)
        if current.recording_id == recording_id:
            return _upload_info(current)
        if current.recording_id is not None:
            raise ConflictError(f"upload {upload_id} already made recording {current.recording_id}")
        raise ConflictError(
            f"upload {upload_id} has {current.offset} of {current.length} bytes; not complete"
        )
    logger.info("upload %s completed as recording %s", upload_id, recording_id)
    return _upload_info(_load(session, upload_id))


@translated
def expired_uploads(session: Session, now: datetime, *, limit: int = 100) -> list[UploadInfo]:
    """Return unfinished uploads past their expiry, oldest first (to delete their pieces)."""
    query = (
        select(Upload)
        .where(Upload.recording_id.is_(None), Upload.expires_at <= resolve_now(now))
        .order_by(Upload.expires_at)
        .limit(max(0, limit))
    )
    return [_upload_info(row) for row in session.scalars(query)]


@translated
def delete_upload(session: Session, upload_id: str) -> bool:
    """Delete an upload's row once its pieces are gone; ``False`` if it was already gone."""
    result = session.execute(
        delete(Upload).where(Upload.id == upload_id).execution_options(synchronize_session=False)
    )
    deleted = cast(CursorResult[Any], result).rowcount > 0
    if deleted:
        logger.info("upload %s deleted", upload_id)
    return deleted
