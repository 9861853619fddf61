"""Building response bodies from repository values (no database access here).

Links are paths built with ``url_for`` (so they honour the app's root path behind a
proxy) and never contain client text: only server-generated ids.
"""

from __future__ import annotations

import logging

from fastapi import Request

from api.schemas import RecordingCreatedOut, RecordingErrorOut, RecordingLinks, RecordingOut
from storage.db import RecordingInfo, RecordingStatus

__all__ = [
    "created_out",
    "protocol_path",
    "recording_out",
    "recording_path",
    "upload_path",
]

logger = logging.getLogger(__name__)


def recording_path(request: Request, recording_id: str) -> str:
    """Path of a recording's status resource."""
    return request.url_for("get_recording", recording_id=recording_id).path


def protocol_path(request: Request, recording_id: str) -> str:
    """Path of a recording's protocol resource."""
    return request.url_for("get_protocol", recording_id=recording_id).path


def upload_path(request: Request, upload_id: str) -> str:
    """Path of a resumable upload (the tus upload URL)."""
    return request.url_for("upload_head", upload_id=upload_id).path


def created_out(request: Request, recording: RecordingInfo) -> RecordingCreatedOut:
    """The answer to an upload."""
    return RecordingCreatedOut(
        id=recording.id,
        status=recording.status.value,
        status_url=recording_path(request, recording.id),
        protocol_url=protocol_path(request, recording.id),
        sha256=recording.sha256,
        size=recording.size_bytes,
    )


def recording_out(
    request: Request,
    recording: RecordingInfo,
    court_code: str,
    courtroom_code: str,
    courtroom_name: str = "",
) -> RecordingOut:
    """A recording's status resource."""
    error = None
    if recording.status == RecordingStatus.FAILED or recording.error_code:
        error = RecordingErrorOut(
            code=recording.error_code or "unknown",
            message=recording.error or "Processing failed; no reason was recorded.",
        )
    return RecordingOut(
        id=recording.id,
        status=recording.status.value,
        step=recording.step,
        progress=round(min(1.0, max(0.0, recording.progress)) * 100, 1),
        attempts=recording.attempts,
        error=error,
        created_at=recording.created_at,
        started_at=recording.started_at,
        finished_at=recording.finished_at,
        sha256=recording.sha256,
        size=recording.size_bytes,
        duration_s=recording.duration_s,
        case_number=recording.case_number,
        court=court_code,
        courtroom=courtroom_code,
        courtroom_name=courtroom_name,
        hearing_started_at=recording.hearing_started_at,
        languages=recording.languages,
        source_name=recording.source_name,
        links=RecordingLinks(
            self=recording_path(request, recording.id),
            protocol=protocol_path(request, recording.id),
        ),
    )
