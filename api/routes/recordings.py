"""``/api/v1/recordings``: direct upload, processing status and the protocol.

A direct upload is one request: the media is the raw request body (any
``Content-Type``), its SHA-256 is in ``X-Content-SHA256``, the hearing metadata is in the
query string. See :mod:`api.intake` for the order of dedupe, verification and storage,
and :mod:`api.streams` for how the body reaches the store without being held in memory.

Status codes of the upload, in the order they are checked:

* 401 no/invalid/revoked token; 422 bad or unknown metadata; 403 metadata names another
  court or courtroom; 400 missing or malformed ``X-Content-SHA256`` or
  ``Content-Length``; 413 ``Content-Length`` over the limit (before the body is read);
* 200 the same bytes of the same hearing are stored already (nothing is read);
* 400 empty body; 413 a body without ``Content-Length`` passed the limit (reading stops
  there); 400 body hash differs from the header (both hashes in the message, nothing
  kept); 503 storage unavailable;
* 201 stored, recorded (``queued``) and sent to the workers, with ``Location``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.auth import (
    Caller,
    DeviceCaller,
    DevicePrincipal,
    Principal,
    forbid_other_courtroom,
    load_for,
)
from api.deps import State, in_thread, transaction
from api.direct import (
    UPLOAD_OPENAPI,
    declared_length,
    declared_sha256,
    discard,
    make_original,
    metadata_from_query,
    receive_body,
    staging_key,
)
from api.intake import duplicate_of, new_recording, record
from api.policy import Action
from api.queue import enqueue_quietly
from api.schemas import ERROR_RESPONSES, ErrorOut, RecordingCreatedOut, RecordingOut
from api.schemas_access import RecordingListOut
from api.views import created_out, recording_out
from storage.db import (
    RecordingInfo,
    get_court,
    get_courtroom,
    list_courtrooms,
    list_courts,
    list_party_recordings,
    list_recordings,
    new_id,
)

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/recordings", tags=["recordings"], responses=ERROR_RESPONSES)

_RECORDING_ID = re.compile(r"[0-9a-f]{32}")

RecordingId = Annotated[str, Path(description="Recording id (32 hex digits).")]


@dataclass(frozen=True)
class RecordingFilters:
    """Filters of the recording list (within the caller's scope)."""

    case_number: str | None
    status: str | None
    date_from: datetime | None
    date_to: datetime | None
    limit: int
    offset: int

    def accepts(self, row: RecordingInfo) -> bool:
        """Whether a row passes (for lists filtered in Python)."""
        return (
            (self.case_number is None or row.case_number == self.case_number.strip())
            and (self.status is None or row.status.value == self.status)
            and (self.date_from is None or row.hearing_started_at >= self.date_from)
            and (self.date_to is None or row.hearing_started_at < self.date_to)
        )


def _existing(request: Request, recording: RecordingInfo) -> JSONResponse:
    body = created_out(request, recording)
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=200,
        headers={"Location": body.status_url},
    )


@router.post(
    "",
    status_code=201,
    summary="Upload a hearing recording (direct, streamed)",
    response_model=RecordingCreatedOut,
    responses={
        200: {
            "model": RecordingCreatedOut,
            "description": "Already stored: the same bytes "
            "of the same hearing were uploaded before; nothing was read or stored.",
        },
        400: {
            "model": ErrorOut,
            "description": "Missing or malformed X-Content-SHA256, "
            "empty or incomplete body, or the body's SHA-256 differs from the header.",
        },
        403: {"model": ErrorOut, "description": "Metadata names another court or courtroom."},
        413: {"model": ErrorOut, "description": "Body over the size limit."},
        422: {"model": ErrorOut, "description": "Invalid or unknown metadata fields."},
    },
    openapi_extra=UPLOAD_OPENAPI,
)
async def upload_recording(
    request: Request,
    state: State,
    principal: DeviceCaller,
    x_content_sha256: Annotated[
        str | None,
        Header(description="Required: hex SHA-256 of the body, checked after streaming."),
    ] = None,
    content_length: Annotated[
        str | None, Header(description="Size in bytes; without it the body is counted.")
    ] = None,
) -> Response:
    """Stream a recording into storage, verify its SHA-256 and queue it for processing.

    The body is the media as it is; hearing metadata comes as query parameters (see
    the parameters below; `languages` and `vocabulary` may repeat or be comma-separated,
    `channel_map` looks like `1=judge,2=prosecutor`). Non-media bytes are accepted and
    kept as evidence; the processing job then fails with a reason in the status.
    """
    metadata = metadata_from_query(request)
    forbid_other_courtroom(principal, metadata.court, metadata.courtroom)
    sha256 = declared_sha256(x_content_sha256)
    length = declared_length(content_length, state.settings.max_upload_bytes)

    def find(session: Session) -> RecordingInfo | None:
        return duplicate_of(session, principal.courtroom_id, metadata, sha256)

    if (existing := await transaction(state, find)) is not None:
        logger.info("upload of recording %s repeated; nothing read", existing.id)
        return _existing(request, existing)

    recording_id = new_id()
    staging = staging_key(recording_id)
    stored = await receive_body(request, state, staging, length)
    try:
        if stored.sha256 != sha256:
            raise HTTPException(
                400,
                f"SHA-256 mismatch: X-Content-SHA256 says {sha256}, the {stored.size} bytes "
                f"received hash to {stored.sha256}; nothing was stored",
            )
        if (existing := await transaction(state, find)) is not None:
            return _existing(request, existing)
        await in_thread(make_original, state, stored, recording_id)
        new = new_recording(
            principal.courtroom_id, principal.id, metadata, recording_id, sha256, stored.size
        )
        recording, created = await transaction(state, lambda s: record(s, new))
    finally:
        await in_thread(discard, state, staging)
    if not created:
        return _existing(request, recording)
    await in_thread(enqueue_quietly, state.enqueuer, recording.id)
    body = created_out(request, recording)
    logger.info(
        "recording %s stored (%d bytes) for case %s",
        recording.id,
        stored.size,
        recording.case_number,
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=201, headers={"Location": body.status_url}
    )


@router.get(
    "/{recording_id}",
    name="get_recording",
    summary="Processing status of a recording",
    response_model=RecordingOut,
    responses={404: {"model": ErrorOut, "description": "No such recording (or not yours)."}},
)
def get_recording_status(
    recording_id: RecordingId, request: Request, state: State, principal: Caller
) -> RecordingOut:
    """Status (queued, processing with step and percent, done, failed with a reason).

    Recorders see their courtroom's recordings, judges and clerks their court's, parties
    the approved hearings of their cases, administrators all (no protocol text here).
    Status polls are not audited: they carry no protocol text.
    """

    def load(session: Session) -> RecordingOut:
        recording, _ = load_for(session, principal, Action.STATUS, recording_id)
        courtroom = get_courtroom(session, recording.courtroom_id)
        court = get_court(session, courtroom.court_id)
        return recording_out(request, recording, court.code, courtroom.code, courtroom.name)

    return state.transaction(load)


def _visible(
    session: Session, principal: Principal, filters: RecordingFilters
) -> list[RecordingInfo]:
    """Recordings in the caller's scope that pass the filters, newest first."""

    def listed(court_id: int | None = None, courtroom_id: int | None = None) -> list[RecordingInfo]:
        return list_recordings(
            session,
            court_id=court_id,
            courtroom_id=courtroom_id,
            case_number=filters.case_number,
            status=filters.status,
            started_from=filters.date_from,
            started_before=filters.date_to,
            limit=filters.limit,
            offset=filters.offset,
        )

    if isinstance(principal, DevicePrincipal):
        return listed(courtroom_id=principal.courtroom_id)
    if principal.role in ("judge", "clerk"):
        return listed(court_id=principal.court_id)
    if principal.role == "admin":
        return listed()
    rows = [row for row in list_party_recordings(session, principal.id) if filters.accepts(row)]
    return rows[filters.offset : filters.offset + filters.limit]


@router.get(
    "",
    summary="Recordings you may see",
    response_model=RecordingListOut,
    responses={422: {"model": ErrorOut, "description": "Bad filter."}},
)
def list_visible_recordings(
    request: Request,
    state: State,
    principal: Caller,
    case_number: Annotated[str | None, Query(max_length=64)] = None,
    courtroom: Annotated[str | None, Query(max_length=32, description="Courtroom code.")] = None,
    status: Annotated[Literal["queued", "processing", "done", "failed"] | None, Query()] = None,
    date_from: Annotated[datetime | None, Query(description="Hearings from (with zone).")] = None,
    date_to: Annotated[datetime | None, Query(description="Hearings before (with zone).")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> RecordingListOut:
    """Judges and clerks: their court's; parties: their cases' approved hearings."""
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and value.utcoffset() is None:
            raise HTTPException(422, f"{name} needs a time zone, e.g. 2026-03-01T00:00:00+05:00")
    filters = RecordingFilters(case_number, status, date_from, date_to, limit, offset)

    def load(session: Session) -> RecordingListOut:
        rows = _visible(session, principal, filters)
        rooms = {room.id: room for room in list_courtrooms(session)}
        courts = {court.id: court for court in list_courts(session)}
        items = []
        for row in rows:
            room = rooms[row.courtroom_id]
            if courtroom is not None and room.code != courtroom:
                continue
            items.append(
                recording_out(request, row, courts[room.court_id].code, room.code, room.name)
            )
        return RecordingListOut(items=items, limit=limit, offset=offset)

    return state.transaction(load)
