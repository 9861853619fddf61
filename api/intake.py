"""Turning verified bytes into a recording: dedupe, the write-once original, the row.

Both upload transports end here. The order matters for evidence and for retries:

1. **Dedupe first.** A recorder retries uploads (a lost answer, a restart). The same
   (courtroom, case number, hearing start, SHA-256) names the same hearing's same bytes,
   and the declared SHA-256 is known before the body is read, so a repeat is answered
   with the existing recording without reading or storing anything.
2. **Verify, then make it evidence.** Bytes are hashed on their way into a staging
   object (direct) or into pieces (tus); only bytes whose hash matches the declared one
   are copied to ``originals/<recording id>`` with ``worm=True``. A mismatch therefore
   leaves nothing behind: staging objects and pieces can be deleted, originals cannot.
3. **Row, then task.** The row is committed as ``queued`` before the task is sent, so a
   lost task is found again by the reaper; a lost row cannot happen.

Non-media bytes are accepted and kept as evidence: the API does not parse media (it
stays small and starts fast; ffprobe belongs to the worker), and what a recorder sent is
exactly what the court may later need to see. The worker fails such a job with a reason
a person understands (status ``failed``, ``error.code`` and ``error.message``).
"""

from __future__ import annotations

import logging
import re

from sqlalchemy.orm import Session

from api.metadata import HearingMetadata
from storage.db import NewRecording, RecordingInfo, create_recording, list_recordings
from worker.contracts import original_key

__all__ = [
    "DEFAULT_MEDIA_TYPE",
    "DUPLICATE_SCAN_LIMIT",
    "duplicate_of",
    "media_type",
    "new_recording",
    "record",
]

logger = logging.getLogger(__name__)

DUPLICATE_SCAN_LIMIT = 1000
"""Recordings of one case looked at for a repeat (a case has a handful)."""

DEFAULT_MEDIA_TYPE = "application/octet-stream"
_MEDIA_TYPE = re.compile(r"[\x21-\x7e]+/[\x21-\x7e]+(?:; ?[\x20-\x7e]*)?")


def media_type(value: str | None) -> str:
    """The client's media type if it is safe to store and send back, else octet-stream.

    It is recorded with the original for whoever downloads it later, never trusted for
    anything else (the worker probes the bytes).
    """
    if value and len(value) <= 255 and _MEDIA_TYPE.fullmatch(value.strip()):
        return value.strip()
    return DEFAULT_MEDIA_TYPE


def duplicate_of(
    session: Session, courtroom_id: int, metadata: HearingMetadata, sha256: str
) -> RecordingInfo | None:
    """The recording already made from these bytes for this hearing, if any."""
    candidates = list_recordings(
        session,
        courtroom_id=courtroom_id,
        case_number=metadata.case_number,
        limit=DUPLICATE_SCAN_LIMIT,
    )
    for recording in candidates:
        if (
            recording.sha256 == sha256.lower()
            and recording.hearing_started_at == metadata.hearing_started_at
        ):
            return recording
    return None


def new_recording(
    courtroom_id: int,
    device_id: int | None,
    metadata: HearingMetadata,
    recording_id: str,
    sha256: str,
    size: int,
) -> NewRecording:
    """The row to create for verified bytes stored at ``original_key(recording_id)``."""
    return NewRecording(
        id=recording_id,
        courtroom_id=courtroom_id,
        device_id=device_id,
        case_number=metadata.case_number,
        hearing_started_at=metadata.hearing_started_at,
        sha256=sha256.lower(),
        size_bytes=size,
        original_key=original_key(recording_id),
        source_name=metadata.source_name,
        languages=tuple(metadata.languages),
        channel_map=None if metadata.channel_map is None else dict(metadata.channel_map),
        num_speakers=metadata.speakers,
        min_speakers=metadata.min_speakers,
        max_speakers=metadata.max_speakers,
        vocabulary=tuple(metadata.vocabulary),
    )


def record(session: Session, new: NewRecording) -> tuple[RecordingInfo, bool]:
    """Create the row (``queued``), or find the one a concurrent upload created."""
    recording, created = create_recording(session, new)
    if not created and recording.id != new.id:
        # Two uploads of the same bytes raced past the dedupe check; both originals are
        # kept (write-once), the row points at the first.
        logger.warning(
            "recording %s duplicates %s; its original %s stays unreferenced",
            new.id,
            recording.id,
            new.original_key,
        )
    return recording, created
