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
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.auth import Caller, Principal, forbid_other_courtroom, not_found, require_readable
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
from api.queue import enqueue_quietly
from api.schemas import ERROR_RESPONSES, ErrorOut, RecordingCreatedOut, RecordingOut
from api.views import created_out, recording_out
from protocol import FORMATS, MEDIA_TYPES, export, protocol_from_json
from storage.db import (
    RecordingInfo,
    RecordingStatus,
    get_court,
    get_courtroom,
    get_protocol_version,
    get_recording,
    new_id,
)
from storage.errors import NotFoundError

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/recordings", tags=["recordings"], responses=ERROR_RESPONSES)

_RECORDING_ID = re.compile(r"[0-9a-f]{32}")

RecordingId = Annotated[str, Path(description="Recording id (32 hex digits).")]


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
    principal: Caller,
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


def _readable(session: Session, principal: Principal, recording_id: str) -> RecordingInfo:
    """The recording if it exists and the caller may see it, else the same 404."""
    if not _RECORDING_ID.fullmatch(recording_id):
        raise not_found()
    try:
        recording = get_recording(session, recording_id)
    except NotFoundError:
        raise not_found() from None
    return require_readable(principal, recording)


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
    """Status (queued, processing with step and percent, done, failed with a reason)."""

    def load(session: Session) -> RecordingOut:
        recording = _readable(session, principal, recording_id)
        courtroom = get_courtroom(session, recording.courtroom_id)
        court = get_court(session, courtroom.court_id)
        return recording_out(request, recording, court.code, courtroom.code)

    return state.transaction(load)


def _not_ready(recording: RecordingInfo) -> HTTPException:
    if recording.status == RecordingStatus.FAILED:
        reason = recording.error or "no reason was recorded"
        return HTTPException(409, f"processing failed, so there is no protocol: {reason}")
    if recording.status == RecordingStatus.PROCESSING:
        step = f" (step {recording.step}, {round(recording.progress * 100)} %)"
        return HTTPException(
            409, f"the protocol is not ready: processing{step if recording.step else ''}"
        )
    return HTTPException(409, "the protocol is not ready: the recording is queued for processing")


@router.get(
    "/{recording_id}/protocol",
    name="get_protocol",
    summary="The protocol of a processed recording",
    responses={
        200: {
            "description": "The newest protocol version in the asked format.",
            "content": {MEDIA_TYPES[fmt].split(";")[0]: {} for fmt in FORMATS},
        },
        404: {"model": ErrorOut, "description": "No such recording (or not yours)."},
        409: {
            "model": ErrorOut,
            "description": "Not processed (yet): queued, processing "
            "or failed; the message says which.",
        },
    },
)
def get_protocol(
    recording_id: RecordingId,
    state: State,
    principal: Caller,
    fmt: Annotated[
        Literal["json", "txt", "srt", "vtt"],
        Query(alias="format", description="json (as stored), txt, srt or vtt."),
    ] = "json",
) -> Response:
    """Return the newest protocol version: JSON as stored, or rendered as txt/srt/vtt."""

    def locate(session: Session) -> tuple[str, int]:
        recording = _readable(session, principal, recording_id)
        if recording.status != RecordingStatus.DONE:
            raise _not_ready(recording)
        version = get_protocol_version(session, recording_id)
        return version.object_key, version.version

    key, version = state.transaction(locate)
    with state.store.open_read(key) as stream:
        stored = stream.read()
    if fmt == "json":
        content: bytes = stored
    else:
        content = export(protocol_from_json(stored.decode("utf-8")), fmt).encode("utf-8")
    filename = f"protocol-{recording_id}-v{version}.{fmt}"
    return Response(
        content,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
