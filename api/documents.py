"""Which protocol document a caller gets, and rendering it in the asked format.

Judges and clerks read any version (the newest by default) as stored. Parties read only
approved versions, and only the copy made at approval with personal data masked
(:func:`protocol.redact.redact_protocol`), which was signed then, so a party can check
the JSON they download against its signature offline.

Every document read from the store is hashed and compared with the hash the database
recorded; a mismatch is reported as an integrity failure, never served.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from fastapi import HTTPException
from sqlalchemy.orm import Session

from api.auth import Principal, UserPrincipal
from api.deps import AppState
from protocol import MEDIA_TYPES, Protocol, export, protocol_from_json
from protocol.document import DocumentHeader
from protocol.docx_export import DOCX_MEDIA_TYPE, export_docx
from protocol.fonts import find_fonts
from protocol.pdf_export import PDF_MEDIA_TYPE, export_pdf
from storage.db import (
    ProtocolVersionInfo,
    RecordingInfo,
    RecordingStatus,
    get_court,
    get_courtroom,
    get_protocol_version,
    get_user,
)
from storage.errors import NotFoundError

__all__ = [
    "DOCUMENT_FORMATS",
    "DOCUMENT_MEDIA_TYPES",
    "ChosenDocument",
    "choose_document",
    "load_document",
    "not_ready",
    "render",
]

logger = logging.getLogger(__name__)

DOCUMENT_MEDIA_TYPES = {**MEDIA_TYPES, "docx": DOCX_MEDIA_TYPE, "pdf": PDF_MEDIA_TYPE}
"""Media type of every downloadable format."""

DOCUMENT_FORMATS = tuple(DOCUMENT_MEDIA_TYPES)


@dataclass(frozen=True)
class ChosenDocument:
    """The stored document a caller gets, and what a rendering of it shows.

    Attributes:
        recording: The recording.
        version: The protocol version row.
        object_key: Where the document is stored.
        sha256: Its recorded hash.
        signature: Base64 signature of those bytes, when approved.
        party_copy: Whether it is the parties' masked copy.
        header: Court, case, hearing and signature lines for DOCX and PDF.

    """

    recording: RecordingInfo
    version: ProtocolVersionInfo
    object_key: str
    sha256: str
    signature: str | None
    party_copy: bool
    header: DocumentHeader


def not_ready(recording: RecordingInfo) -> HTTPException:
    """The 409 of a recording without a protocol yet, saying why."""
    if recording.status == RecordingStatus.FAILED:
        reason = recording.error or "no reason was recorded"
        return HTTPException(409, f"processing failed, so there is no protocol: {reason}")
    if recording.status == RecordingStatus.PROCESSING:
        step = f" (step {recording.step}, {round(recording.progress * 100)} %)"
        return HTTPException(
            409, f"the protocol is not ready: processing{step if recording.step else ''}"
        )
    return HTTPException(409, "the protocol is not ready: the recording is queued for processing")


def _is_party(principal: Principal) -> bool:
    return isinstance(principal, UserPrincipal) and principal.role == "party"


def _version(
    session: Session, principal: Principal, recording: RecordingInfo, version: int | None
) -> ProtocolVersionInfo:
    if recording.status != RecordingStatus.DONE:
        raise not_ready(recording)
    if _is_party(principal):
        wanted = version if version is not None else recording.approved_version
        try:
            row = get_protocol_version(session, recording.id, wanted)
        except NotFoundError:
            raise HTTPException(404, f"no approved protocol version {wanted}") from None
        if not row.approved or row.party_object_key is None:
            raise HTTPException(404, f"no approved protocol version {wanted}")
        return row
    try:
        return get_protocol_version(session, recording.id, version)
    except NotFoundError:
        raise HTTPException(404, f"no protocol version {version}") from None


def _approver(session: Session, row: ProtocolVersionInfo) -> str | None:
    if row.approved_by is None:
        return None
    try:
        return get_user(session, row.approved_by).display_name
    except NotFoundError:
        return f"user {row.approved_by}"


def _header(
    session: Session,
    recording: RecordingInfo,
    row: ProtocolVersionInfo,
    sha256: str,
    signature: str | None,
    party_copy: bool,
    lang: str,
) -> DocumentHeader:
    courtroom = get_courtroom(session, recording.courtroom_id)
    court = get_court(session, courtroom.court_id)
    approved_at: datetime | None = row.approved_at
    return DocumentHeader(
        court_name=court.name,
        courtroom=courtroom.name,
        case_number=recording.case_number,
        hearing_started_at=recording.hearing_started_at,
        version=row.version,
        protocol_sha256=sha256,
        signature=signature,
        signing_key_id=row.signing_key_id if signature else None,
        approved_by=_approver(session, row),
        approved_at=approved_at,
        redacted=party_copy,
        lang=lang,
    )


def choose_document(
    session: Session,
    principal: Principal,
    recording: RecordingInfo,
    version: int | None,
    lang: str = "ru",
) -> ChosenDocument:
    """Pick the document ``principal`` gets for ``version`` (``None``: the default one).

    Raises:
        HTTPException: 409 if there is no protocol yet; 404 for a version the caller
            may not read or that does not exist.

    """
    row = _version(session, principal, recording, version)
    party = _is_party(principal)
    if party:
        assert row.party_object_key is not None and row.party_sha256 is not None
        key, sha256, signature = row.party_object_key, row.party_sha256, row.party_signature
    else:
        key, sha256, signature = row.object_key, row.sha256, row.signature
    header = _header(session, recording, row, sha256, signature, party, lang)
    return ChosenDocument(recording, row, key, sha256, signature, party, header)


def load_document(state: AppState, key: str, sha256: str) -> bytes:
    """Read a stored protocol document and check it against its recorded hash.

    Raises:
        HTTPException: 500 if the stored bytes differ from the recorded hash (the
            document was altered in storage; ``/verify`` gives the whole report).

    """
    with state.store.open_read(key) as stream:
        data = stream.read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        logger.error("stored protocol %s hashes to %s, the database says %s", key, actual, sha256)
        raise HTTPException(
            500,
            "the stored protocol does not match the hash recorded for it; it was altered "
            "in storage and is not served (see /verify, and report this)",
        )
    return data


def render(data: bytes, fmt: str, header: DocumentHeader) -> bytes:
    """Turn a stored JSON document into the asked format (JSON: the bytes as stored)."""
    if fmt == "json":
        return data
    protocol: Protocol = protocol_from_json(data.decode("utf-8"))
    if fmt == "pdf":
        return export_pdf(protocol, header, find_fonts())
    if fmt == "docx":
        return export_docx(protocol, header)
    return export(protocol, fmt).encode("utf-8")
