"""Recordings: one row per uploaded hearing, found again when the same bytes come back.

Recorders retry uploads (a lost response, a restarted device), so the same hearing
arrives more than once. The database's unique key on (courtroom, case number, hearing
start, SHA-256) decides which upload made the recording; every other one gets that
recording back, also when two of them race.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db.info import NewRecording, RecordingInfo, RecordingStatus
from storage.db.models import Courtroom, Device, Recording, new_id
from storage.db.repo._common import require_aware, resolve_now
from storage.db.translate import translated
from storage.errors import ConflictError, NotFoundError

__all__ = [
    "create_recording",
    "get_recording",
    "list_recordings",
    "load_recording",
    "recording_info",
]

logger = logging.getLogger(__name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")


def recording_info(row: Recording) -> RecordingInfo:
    """Turn a row into the value callers get."""
    return RecordingInfo(
        id=row.id,
        courtroom_id=row.courtroom_id,
        device_id=row.device_id,
        case_number=row.case_number,
        hearing_started_at=row.hearing_started_at,
        languages=tuple(row.languages),
        channel_map=None if row.channel_map is None else dict(row.channel_map),
        num_speakers=row.num_speakers,
        min_speakers=row.min_speakers,
        max_speakers=row.max_speakers,
        vocabulary=tuple(row.vocabulary),
        source_name=row.source_name,
        original_key=row.original_key,
        sha256=row.sha256,
        size_bytes=row.size_bytes,
        status=RecordingStatus(row.status),
        step=row.step,
        progress=row.progress,
        error_code=row.error_code,
        error=row.error,
        attempts=row.attempts,
        worker_id=row.worker_id,
        task_id=row.task_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        queued_at=row.queued_at,
        started_at=row.started_at,
        heartbeat_at=row.heartbeat_at,
        finished_at=row.finished_at,
        duration_s=row.duration_s,
        protocol_key=row.protocol_key,
        audio_key=row.audio_key,
        approved_version=row.approved_version,
    )


def load_recording(session: Session, recording_id: str) -> Recording:
    """Read a recording row fresh from the database (not the session's stale copy).

    Raises:
        NotFoundError: If there is none.

    """
    row = session.get(Recording, recording_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"no recording with id {recording_id}")
    return row


def _duplicate_of(session: Session, new: NewRecording, sha256: str) -> Recording | None:
    """The recording already made from the same bytes of the same hearing, if any."""
    query = (
        select(Recording)
        .where(
            Recording.courtroom_id == new.courtroom_id,
            Recording.case_number == new.case_number,
            Recording.hearing_started_at == new.hearing_started_at,
            Recording.sha256 == sha256,
        )
        .execution_options(populate_existing=True)
    )
    return session.scalar(query)


def _check(new: NewRecording) -> str:
    """Validate what the database cannot, and return the normalised SHA-256."""
    require_aware(new.hearing_started_at, "hearing_started_at")
    sha256 = new.sha256.lower()
    if not _SHA256.fullmatch(sha256):
        raise ValueError("sha256 must be 64 hex digits")
    if new.size_bytes < 0:
        raise ValueError("size_bytes must not be negative")
    if not new.case_number.strip():
        raise ValueError("a case number must not be empty")
    low, high = new.min_speakers, new.max_speakers
    if low is not None and high is not None and low > high:
        raise ValueError("min_speakers must not exceed max_speakers")
    return sha256


@translated
def create_recording(
    session: Session, new: NewRecording, *, now: datetime | None = None
) -> tuple[RecordingInfo, bool]:
    """Record an uploaded hearing as queued, or return the one already made from it.

    Race-safe: when two uploads of the same hearing insert at once, the unique key makes
    one insert fail; that one rolls back its savepoint and reads the winner's row.

    Args:
        session: Open session (the caller commits, then sends the processing task).
        new: What the API knows about the upload.
        now: Creation time (tests).

    Returns:
        The recording and whether it was created now (``False``: a repeated upload; do
        not enqueue it again, and the new copy of the original is not needed).

    Raises:
        ValueError: If the hash, size, case number or speaker bounds are malformed, or the
            hearing start has no time zone.
        NotFoundError: If the courtroom or device does not exist.
        ConflictError: If the device belongs to another courtroom.

    """
    sha256 = _check(new)
    existing = _duplicate_of(session, new, sha256)
    if existing is not None:
        logger.info("upload of recording %s repeated; returning it", existing.id)
        return recording_info(existing), False
    if session.get(Courtroom, new.courtroom_id) is None:
        raise NotFoundError(f"no courtroom with id {new.courtroom_id}")
    if new.device_id is not None:
        device = session.get(Device, new.device_id)
        if device is None:
            raise NotFoundError(f"no device with id {new.device_id}")
        if device.courtroom_id != new.courtroom_id:
            raise ConflictError("the device records in another courtroom")
    at = resolve_now(now)
    row = Recording(
        id=new.id or new_id(),
        courtroom_id=new.courtroom_id,
        device_id=new.device_id,
        case_number=new.case_number.strip(),
        hearing_started_at=new.hearing_started_at,
        languages=list(new.languages),
        channel_map=None if new.channel_map is None else dict(new.channel_map),
        num_speakers=new.num_speakers,
        min_speakers=new.min_speakers,
        max_speakers=new.max_speakers,
        vocabulary=list(new.vocabulary),
        source_name=new.source_name,
        original_key=new.original_key,
        sha256=sha256,
        size_bytes=new.size_bytes,
        status=RecordingStatus.QUEUED,
        progress=0.0,
        attempts=0,
        created_at=at,
        updated_at=at,
        queued_at=at,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The savepoint's rollback has already taken the failed row out of the session.
        winner = _duplicate_of(session, new, sha256)
        if winner is None:
            raise  # another constraint: @translated makes it a ConflictError
        logger.info("concurrent upload of recording %s; returning it", winner.id)
        return recording_info(winner), False
    logger.info("recording %s created for case %s", row.id, row.case_number)
    return recording_info(row), True


@translated
def get_recording(session: Session, recording_id: str) -> RecordingInfo:
    """Return a recording and its job state.

    Raises:
        NotFoundError: If there is none.

    """
    return recording_info(load_recording(session, recording_id))


@translated
def list_recordings(
    session: Session,
    *,
    court_id: int | None = None,
    courtroom_id: int | None = None,
    case_number: str | None = None,
    status: RecordingStatus | str | None = None,
    started_from: datetime | None = None,
    started_before: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[RecordingInfo]:
    """Return recordings matching every given filter, newest first.

    Args:
        session: Open session.
        court_id: Only this court's courtrooms (what a judge may see).
        courtroom_id: Only this courtroom.
        case_number: Only this case (what a party may see).
        status: Only jobs in this state.
        started_from: Only hearings that started at or after this (aware) time.
        started_before: Only hearings that started before this (aware) time.
        limit: At most this many.
        offset: Skip this many (paging).

    """
    query = select(Recording).execution_options(populate_existing=True)
    if court_id is not None:
        query = query.join(Courtroom, Courtroom.id == Recording.courtroom_id).where(
            Courtroom.court_id == court_id
        )
    if courtroom_id is not None:
        query = query.where(Recording.courtroom_id == courtroom_id)
    if case_number is not None:
        query = query.where(Recording.case_number == case_number.strip())
    if status is not None:
        query = query.where(Recording.status == RecordingStatus(status))
    if started_from is not None:
        query = query.where(
            Recording.hearing_started_at >= require_aware(started_from, "started_from")
        )
    if started_before is not None:
        query = query.where(
            Recording.hearing_started_at < require_aware(started_before, "started_before")
        )
    query = query.order_by(Recording.created_at.desc(), Recording.id.desc())
    rows = session.scalars(query.limit(max(0, limit)).offset(max(0, offset)))
    return [recording_info(row) for row in rows]
