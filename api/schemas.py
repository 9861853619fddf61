"""Response bodies of the API (they are also the OpenAPI schemas at /docs)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ERROR_RESPONSES",
    "VERSION_NOT_FOUND",
    "ErrorOut",
    "HealthOut",
    "ReadyOut",
    "RecordingCreatedOut",
    "RecordingErrorOut",
    "RecordingLinks",
    "RecordingOut",
    "UploadOut",
]

logger = logging.getLogger(__name__)

Status = Literal["queued", "processing", "done", "failed"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorOut(_Out):
    """Every error: one sentence saying what went wrong."""

    detail: str = Field(examples=["invalid request: case_number: required"])


class RecordingCreatedOut(_Out):
    """Answer to an upload: where to follow the recording."""

    id: str = Field(description="Recording id (server-generated).")
    status: Status
    status_url: str = Field(description="GET it for the processing status.")
    protocol_url: str = Field(description="GET it for the protocol once the status is done.")
    sha256: str = Field(description="SHA-256 of the stored original.")
    size: int = Field(description="Bytes stored.")


class RecordingErrorOut(_Out):
    """Why processing failed."""

    code: str = Field(examples=["bad_media"])
    message: str = Field(description="One sentence for court staff.")


class RecordingLinks(_Out):
    """Where to go next."""

    self: str
    protocol: str


class RecordingOut(_Out):
    """A recording and the state of its processing job."""

    id: str
    status: Status
    step: str | None = Field(description="Pipeline step while processing.")
    progress: float = Field(ge=0, le=100, description="Percent of the job done (0..100).")
    attempts: int = Field(description="Times a worker took the job.")
    error: RecordingErrorOut | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    sha256: str
    size: int
    duration_s: float | None
    case_number: str
    court: str
    courtroom: str
    courtroom_name: str = Field(default="", description="The courtroom's name, for people.")
    hearing_started_at: datetime
    languages: tuple[str, ...]
    source_name: str
    links: RecordingLinks


class UploadOut(_Out):
    """A resumable upload's progress."""

    id: str
    offset: int = Field(description="Bytes received (the tus Upload-Offset).")
    length: int = Field(description="Bytes announced (the tus Upload-Length).")
    expires_at: datetime
    recording_id: str | None = Field(description="Set once the upload made a recording.")
    recording_url: str | None


class HealthOut(_Out):
    """Liveness: the process answers."""

    status: Literal["ok"] = "ok"


class ReadyOut(_Out):
    """Readiness: the database and the object store answer."""

    status: Literal["ready"] = "ready"
    database: str
    store: str


def _error(description: str) -> dict[str, object]:
    return {"model": ErrorOut, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: _error("Missing, invalid, expired or revoked token."),
    503: _error("Database or object store unavailable; retry after Retry-After seconds."),
}
"""Errors every authenticated endpoint may answer."""

VERSION_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such recording or version (or not yours)."}
}
"""The 404 of the protocol routes: an unknown id and one outside the caller's scope."""
