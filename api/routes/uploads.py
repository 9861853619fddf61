"""``/api/v1/uploads``: resumable uploads with tus 1.0.0 (see :mod:`api.tus`).

Flow: ``POST`` (``Upload-Length``, ``Upload-Metadata`` with ``sha256`` and the hearing
metadata) → 201 with ``Location``; ``PATCH`` pieces at ``Upload-Offset`` → 204 with the
new offset; after an interruption ``HEAD`` gives the offset to continue from. When the
last byte arrives the upload is verified and becomes a recording: the answer carries
``Recording-Location``, and ``GET /api/v1/uploads/<id>`` says ``recording_id`` too.
Storage layout and restarts: :mod:`api.resumable`.

Status codes beyond tus's own: 401 token, 403 metadata of another courtroom, 404 an
upload that does not exist or belongs to another courtroom, 410 expired, 412 wrong
``Tus-Resumable``, 413 over the limit or past ``Upload-Length``, 415 wrong PATCH
``Content-Type``, 409 offset mismatch, 423 another request is writing this upload,
460 piece checksum mismatch, 400 whole-file SHA-256 mismatch (the upload is discarded).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request, Response
from sqlalchemy.orm import Session

from api.auth import DeviceCaller, DevicePrincipal, forbid_other_courtroom
from api.deps import AppState, State, in_thread, transaction
from api.intake import duplicate_of
from api.locks import UploadBusyError
from api.metadata import MetadataError, parse_metadata
from api.resumable import terminate
from api.schemas import ERROR_RESPONSES, ErrorOut, UploadOut
from api.tus import (
    CHECKSUM_ALGORITHMS,
    OFFSET_CONTENT_TYPE,
    TUS_EXTENSIONS,
    TUS_VERSION,
    Checksum,
    http_date,
    parse_checksum,
    parse_length,
    require_tus_version,
)
from api.tus_steps import (
    busy,
    finish,
    finish_if_stalled,
    load_upload,
    progress_headers,
    scoped_upload,
    split_upload_metadata,
    store_piece,
)
from api.views import recording_path, upload_path
from storage.db import (
    UploadInfo,
    advance_upload,
    complete_upload,
    create_upload,
    utc_now,
)
from storage.errors import ConflictError

__all__ = ["PREFIX", "router"]

logger = logging.getLogger(__name__)

PREFIX = "/api/v1/uploads"

router = APIRouter(prefix=PREFIX, tags=["uploads (tus)"], responses=ERROR_RESPONSES)

Tus = Depends(require_tus_version)
UploadId = Annotated[str, Path(description="Upload id from the creation's Location.")]

_TUS_HEADERS: dict[int | str, dict[str, Any]] = {
    412: {"model": ErrorOut, "description": "Tus-Resumable is not 1.0.0."}
}

_TUS_RESUMABLE: dict[str, Any] = {
    "parameters": [
        {
            "name": "Tus-Resumable",
            "in": "header",
            "required": True,
            "description": "The tus protocol version the client speaks (412 if not 1.0.0).",
            "schema": {"type": "string", "enum": [TUS_VERSION]},
        }
    ]
}
"""The header ``require_tus_version`` reads, which FastAPI cannot see to document."""


# -- discovery and creation -----------------------------------------------------------


def _capabilities(state: AppState) -> Response:
    return Response(
        status_code=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(state.settings.max_upload_bytes),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


@router.options("", status_code=204, summary="tus capabilities")
def upload_options(state: State) -> Response:
    """Versions, extensions, maximum size and checksum algorithms (no token needed)."""
    return _capabilities(state)


@router.options(
    "/{upload_id}", status_code=204, summary="tus capabilities", include_in_schema=False
)
def upload_options_at(upload_id: UploadId, state: State) -> Response:
    """Same as the collection's OPTIONS (some clients ask the upload URL)."""
    return _capabilities(state)


@router.post(
    "",
    status_code=201,
    summary="Create a resumable upload (tus creation)",
    response_class=Response,  # Location and Upload-* headers, no body
    dependencies=[Tus],
    openapi_extra=_TUS_RESUMABLE,
    responses={
        **_TUS_HEADERS,
        400: {
            "model": ErrorOut,
            "description": "Missing Upload-Length or sha256, bad metadata "
            "encoding, or an empty upload.",
        },
        403: {"model": ErrorOut, "description": "Metadata names another court or courtroom."},
        413: {"model": ErrorOut, "description": "Upload-Length over Tus-Max-Size."},
        422: {"model": ErrorOut, "description": "Invalid or unknown metadata fields."},
    },
)
async def upload_create(
    request: Request,
    state: State,
    principal: DeviceCaller,
    upload_length: Annotated[str | None, Header(description="Total bytes.")] = None,
    upload_metadata: Annotated[
        str | None,
        Header(
            description="tus pairs `key base64(value)`: sha256 (required) and the hearing "
            "fields of a direct upload; filename and filetype are accepted too."
        ),
    ] = None,
    upload_defer_length: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Create an upload; PATCH its bytes to the returned ``Location``.

    If the same bytes of the same hearing are stored already, the upload is created
    complete (``Upload-Offset`` equal to the length) with ``Recording-Location``:
    nothing needs to be sent.
    """
    if upload_defer_length is not None:
        raise HTTPException(400, "Upload-Defer-Length is not supported; send Upload-Length")
    length = parse_length(upload_length, "Upload-Length")
    limit = state.settings.max_upload_bytes
    if length is None:
        raise HTTPException(400, "Upload-Length is required")
    if length == 0:
        raise HTTPException(400, "the upload is empty: Upload-Length must be above 0")
    if length > limit:
        raise HTTPException(413, f"the recording is {length} bytes; the limit is {limit} bytes")
    fields, sha256, content_type = split_upload_metadata(upload_metadata)
    try:
        hearing = parse_metadata(fields)
    except MetadataError as exc:
        raise HTTPException(422, str(exc)) from None
    forbid_other_courtroom(principal, hearing.court, hearing.courtroom)
    stored = {
        "hearing": hearing.model_dump(mode="json"),
        "content_type": content_type,
        "upload_metadata": upload_metadata or "",
    }

    def create(session: Session) -> UploadInfo:
        upload = create_upload(
            session,
            courtroom_id=principal.courtroom_id,
            device_id=principal.id,
            length=length,
            metadata=stored,
            expected_sha256=sha256,
            ttl=state.settings.upload_ttl,
        )
        existing = duplicate_of(session, principal.courtroom_id, hearing, sha256)
        if existing is None:
            return upload
        advance_upload(session, upload.id, 0, length)
        logger.info("upload %s repeats recording %s; nothing to send", upload.id, existing.id)
        return complete_upload(session, upload.id, existing.id)

    upload = await transaction(state, create)
    headers = {"Location": upload_path(request, upload.id)}
    if upload.recording_id is not None:
        headers.update(progress_headers(request, upload))
    else:
        headers["Upload-Expires"] = http_date(upload.expires_at)
    return Response(status_code=201, headers=headers)


# -- progress -------------------------------------------------------------------------


@router.head(
    "/{upload_id}",
    name="upload_head",
    summary="Offset of a resumable upload (tus HEAD)",
    response_class=Response,  # headers only: no body, no Content-Type
    dependencies=[Tus],
    openapi_extra=_TUS_RESUMABLE,
    responses={
        **_TUS_HEADERS,
        404: {"description": "No such upload (or not yours)."},
        410: {"description": "The upload expired."},
    },
)
async def upload_head(
    upload_id: UploadId, request: Request, state: State, principal: DeviceCaller
) -> Response:
    """``Upload-Offset`` and ``Upload-Length``: where to continue after an interruption."""
    upload = await scoped_upload(state, principal, upload_id)
    upload = await finish_if_stalled(request, state, upload)
    headers = progress_headers(request, upload)
    headers["Upload-Length"] = str(upload.length)
    raw = upload.metadata.get("upload_metadata")
    if raw:
        headers["Upload-Metadata"] = str(raw)
    return Response(status_code=200, headers=headers)


@router.get(
    "/{upload_id}",
    summary="Progress of a resumable upload (JSON)",
    response_model=UploadOut,
    responses={
        404: {"model": ErrorOut, "description": "No such upload (or not yours)."},
        410: {"model": ErrorOut, "description": "The upload expired."},
    },
)
async def upload_status(
    upload_id: UploadId, request: Request, state: State, principal: DeviceCaller
) -> UploadOut:
    """Offset, length and, once complete, the recording it made."""
    upload = await scoped_upload(state, principal, upload_id)
    upload = await finish_if_stalled(request, state, upload)
    return UploadOut(
        id=upload.id,
        offset=upload.offset,
        length=upload.length,
        expires_at=upload.expires_at,
        recording_id=upload.recording_id,
        recording_url=None
        if upload.recording_id is None
        else recording_path(request, upload.recording_id),
    )


# -- writing --------------------------------------------------------------------------


async def _patch(
    request: Request,
    state: AppState,
    principal: DevicePrincipal,
    upload_id: str,
    offset: int,
    declared: int | None,
    checksum: Checksum | None,
) -> Response:
    upload = await scoped_upload(state, principal, upload_id)
    if upload.recording_id is not None and offset == upload.length:
        return Response(status_code=204, headers=progress_headers(request, upload))
    if offset != upload.offset:
        raise HTTPException(409, f"Upload-Offset is {offset}, but the upload is at {upload.offset}")
    remaining = upload.length - upload.offset
    if declared is not None and declared > remaining:
        raise HTTPException(413, f"the piece goes past Upload-Length: {remaining} bytes remain")
    size = 0 if remaining == 0 else await store_piece(request, state, upload, declared, checksum)
    if size:
        start, end = upload.offset, upload.offset + size
        expires_at = utc_now() + state.settings.upload_ttl

        def advance(session: Session) -> UploadInfo:
            return advance_upload(session, upload_id, start, end, expires_at=expires_at)

        try:
            upload = await transaction(state, advance)
        except ConflictError as exc:
            raise HTTPException(409, f"the upload moved on meanwhile: {exc}") from None
    if upload.complete:
        upload = await finish(request, state, upload)
    return Response(status_code=204, headers=progress_headers(request, upload))


@router.patch(
    "/{upload_id}",
    status_code=204,
    summary="Send bytes of a resumable upload (tus PATCH)",
    dependencies=[Tus],
    responses={
        **_TUS_HEADERS,
        400: {
            "model": ErrorOut,
            "description": "Bad headers, or the whole file's SHA-256 "
            "differs from the declared one (the upload is discarded).",
        },
        404: {"model": ErrorOut, "description": "No such upload (or not yours)."},
        409: {"model": ErrorOut, "description": "Upload-Offset is not the upload's offset."},
        410: {"model": ErrorOut, "description": "The upload expired."},
        413: {"model": ErrorOut, "description": "The piece goes past Upload-Length."},
        415: {
            "model": ErrorOut,
            "description": "Content-Type is not application/offset+octet-stream.",
        },
        423: {"model": ErrorOut, "description": "Another request is writing this upload."},
        460: {"model": ErrorOut, "description": "Upload-Checksum mismatch; piece dropped."},
    },
    openapi_extra={
        **_TUS_RESUMABLE,
        "requestBody": {
            "required": True,
            "description": "The bytes from Upload-Offset on (all of them or a piece).",
            "content": {OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
    },
)
async def upload_patch(
    upload_id: UploadId,
    request: Request,
    state: State,
    principal: DeviceCaller,
    upload_offset: Annotated[str | None, Header(description="Offset the bytes start at.")] = None,
    upload_checksum: Annotated[
        str | None, Header(description="Optional `<sha1|sha256|md5> <base64 digest>`.")
    ] = None,
    content_type: Annotated[str | None, Header(include_in_schema=False)] = None,
    content_length: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Store the body at ``Upload-Offset``; the last piece turns the upload into a recording.

    The answer's ``Upload-Offset`` is the new offset; after the last piece it also has
    ``Recording-Location``.
    """
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_CONTENT_TYPE:
        raise HTTPException(415, f"Content-Type must be {OFFSET_CONTENT_TYPE}")
    offset = parse_length(upload_offset, "Upload-Offset")
    if offset is None:
        raise HTTPException(400, "Upload-Offset is required")
    checksum = parse_checksum(upload_checksum)
    declared = parse_length(content_length, "Content-Length")
    try:
        with state.locks.hold(upload_id):
            return await _patch(request, state, principal, upload_id, offset, declared, checksum)
    except UploadBusyError:
        raise busy() from None


@router.delete(
    "/{upload_id}",
    status_code=204,
    summary="Cancel a resumable upload (tus termination)",
    dependencies=[Tus],
    openapi_extra=_TUS_RESUMABLE,
    responses={
        **_TUS_HEADERS,
        404: {"model": ErrorOut, "description": "No such upload."},
        423: {"model": ErrorOut, "description": "A PATCH is running."},
    },
)
async def upload_delete(upload_id: UploadId, state: State, principal: DeviceCaller) -> Response:
    """Delete the received pieces and the upload; a recording it made stays."""
    try:
        with state.locks.hold(upload_id):
            upload = await in_thread(load_upload, state, principal, upload_id)
            await in_thread(terminate, state, upload.id)
    except UploadBusyError:
        raise busy() from None
    return Response(status_code=204)
