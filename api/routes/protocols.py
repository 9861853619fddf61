"""Reading protocols: downloads in every format, signatures and the integrity check.

``GET /api/v1/recordings/{id}/protocol?format=&version=&lang=`` returns a version as
stored (json) or rendered (txt, srt, vtt, docx, pdf); judges and clerks any version,
parties the approved one with personal data masked. Response headers carry the
document's version, SHA-256 and signature (``X-Protocol-*``), and DOCX/PDF print them in
the footer.

``GET .../protocol/signature`` is the detached signature file (raw bytes) of that JSON,
for ``openssl pkeyutl -verify`` (see docs/protocol-access.md); ``GET .../verify``
recomputes the hashes of the original recording and of every stored version.
"""

from __future__ import annotations

import base64
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from sqlalchemy.orm import Session

from api.audit import Audit
from api.auth import Caller, load_for
from api.deps import State, in_thread
from api.documents import (
    DOCUMENT_MEDIA_TYPES,
    ChosenDocument,
    choose_document,
    load_document,
    render,
)
from api.integrity import verify_recording
from api.policy import Action
from api.routes.recordings import RecordingId
from api.schemas import ERROR_RESPONSES, VERSION_NOT_FOUND, ErrorOut
from api.schemas_access import VerifyOut
from protocol import DocumentError

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/recordings", tags=["protocols"], responses=ERROR_RESPONSES)

Format = Literal["json", "txt", "srt", "vtt", "docx", "pdf"]
VersionQuery = Annotated[
    int | None,
    Query(ge=1, le=1_000_000, description="Protocol version; default: the newest you may read."),
]


def _safe_filename(case_number: str) -> str:
    cleaned = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in case_number
    )
    return cleaned.strip("_")[:40] or "case"


def _headers(chosen: ChosenDocument, filename: str) -> dict[str, str]:
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "X-Protocol-Version": str(chosen.version.version),
        "X-Protocol-SHA256": chosen.sha256,
        "X-Protocol-Approved": "true" if chosen.version.approved else "false",
    }
    if chosen.signature:
        headers["X-Protocol-Signature"] = chosen.signature
        headers["X-Signing-Key-Id"] = chosen.version.signing_key_id or ""
    return headers


@router.get(
    "/{recording_id}/protocol",
    name="get_protocol",
    summary="Download a protocol (json, txt, srt, vtt, docx, pdf)",
    responses={
        200: {
            "description": "The protocol version in the asked format.",
            "content": {media.split(";")[0]: {} for media in DOCUMENT_MEDIA_TYPES.values()},
        },
        403: {"model": ErrorOut, "description": "Your role does not read protocol text."},
        **VERSION_NOT_FOUND,
        409: {
            "model": ErrorOut,
            "description": "Not processed (yet): queued, processing or failed; the message "
            "says which.",
        },
    },
)
def get_protocol(
    recording_id: RecordingId,
    state: State,
    principal: Caller,
    trail: Audit,
    fmt: Annotated[
        Format, Query(alias="format", description="json (as stored), txt, srt, vtt, docx, pdf.")
    ] = "json",
    version: VersionQuery = None,
    lang: Annotated[
        Literal["ru", "kk"], Query(description="Language of DOCX/PDF headings.")
    ] = "ru",
) -> Response:
    """A protocol version; parties get the approved one with IIN and phones masked."""
    details = {"format": fmt, "version": version}

    def locate(session: Session) -> ChosenDocument:
        recording, scope = load_for(session, principal, Action.READ, recording_id)
        chosen = choose_document(session, principal, recording, version, lang)
        trail.record(
            session,
            "protocol.download" if fmt != "json" else "protocol.view",
            object_type="recording",
            object_id=recording_id,
            court_id=scope.court_id,
            details={**details, "version": chosen.version.version, "party_copy": chosen.party_copy},
        )
        return chosen

    chosen = trail.run(
        state,
        "protocol.download",
        locate,
        object_type="recording",
        object_id=recording_id,
        details=details,
    )
    data = load_document(state, chosen.object_key, chosen.sha256)
    try:
        content = render(data, fmt, chosen.header)
    except DocumentError as exc:
        logger.error("cannot render protocol %s as %s: %s", recording_id, fmt, exc)
        raise HTTPException(
            500, f"the {fmt} document cannot be made on this server: {exc}"
        ) from exc
    name = f"protocol-{_safe_filename(chosen.recording.case_number)}-v{chosen.version.version}"
    if chosen.party_copy:
        name += "-party"
    return Response(
        content,
        media_type=DOCUMENT_MEDIA_TYPES[fmt],
        headers=_headers(chosen, f"{name}.{fmt}"),
    )


@router.get(
    "/{recording_id}/protocol/signature",
    summary="Detached signature of a protocol version's JSON (for offline checks)",
    responses={
        200: {"description": "Raw signature bytes.", "content": {"application/octet-stream": {}}},
        **VERSION_NOT_FOUND,
    },
)
def get_signature(
    recording_id: RecordingId,
    state: State,
    principal: Caller,
    trail: Audit,
    version: VersionQuery = None,
) -> Response:
    """The raw signature of the JSON you get from ``protocol?format=json`` (same version).

    Only approved versions are signed; an unapproved one answers 404.
    """

    def locate(session: Session) -> ChosenDocument:
        recording, scope = load_for(session, principal, Action.READ, recording_id)
        chosen = choose_document(session, principal, recording, version)
        if not chosen.signature:
            raise HTTPException(
                404, f"protocol version {chosen.version.version} is not approved, so not signed"
            )
        trail.record(
            session,
            "protocol.signature",
            object_type="recording",
            object_id=recording_id,
            court_id=scope.court_id,
            details={"version": chosen.version.version},
        )
        return chosen

    chosen = trail.run(
        state, "protocol.signature", locate, object_type="recording", object_id=recording_id
    )
    assert chosen.signature is not None
    name = f"protocol-{_safe_filename(chosen.recording.case_number)}-v{chosen.version.version}"
    if chosen.party_copy:
        name += "-party"
    return Response(
        base64.b64decode(chosen.signature),
        media_type="application/octet-stream",
        headers=_headers(chosen, f"{name}.sig"),
    )


@router.get(
    "/{recording_id}/verify",
    summary="Recompute the hashes of the original and the protocol chain",
    response_model=VerifyOut,
    responses={
        **VERSION_NOT_FOUND,
        403: {"model": ErrorOut, "description": "Your role reads no protocols."},
    },
)
async def verify(
    recording_id: RecordingId, state: State, principal: Caller, trail: Audit
) -> VerifyOut:
    """Whether the stored original and protocol versions are as recorded.

    Hashes the original recording from storage (it takes a while for hours of audio),
    every version's document, checks each version's parent hash against the one before
    it, and the signatures of approved versions. Parties get the approved versions only.
    """

    def scope_of(session: Session) -> int:
        _, scope = load_for(session, principal, Action.READ, recording_id)
        return scope.court_id

    court_id = await in_thread(
        trail.run, state, "verify", scope_of, object_type="recording", object_id=recording_id
    )
    report = await in_thread(verify_recording, state, principal, recording_id)
    await in_thread(
        state.transaction,
        lambda session: trail.record(
            session,
            "verify",
            object_type="recording",
            object_id=recording_id,
            court_id=court_id,
            details={"intact": report.intact},
        ),
    )
    return report
