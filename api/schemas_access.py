"""Request and response bodies of sign-in, protocol versions, search, verify and admin."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import RecordingOut

__all__ = [
    "ApprovalOut",
    "AudioLinkOut",
    "AuditEventOut",
    "AuditPageOut",
    "CasePartyIn",
    "CasePartyOut",
    "CorrectionIn",
    "DiffOut",
    "MeOut",
    "RecordingListOut",
    "SearchHitOut",
    "SearchOut",
    "SigningKeyOut",
    "TokenOut",
    "VerifyOut",
    "VersionCheckOut",
    "VersionOut",
    "VersionsOut",
]

logger = logging.getLogger(__name__)

MAX_EDITS = 500
"""Edits in one save; a whole-hearing rename is one edit, so this is generous."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenOut(_Out):
    """OAuth2 token response."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    role: str


class MeOut(_Out):
    """The signed-in user as the server sees them now."""

    id: int
    username: str
    display_name: str
    role: str
    court_id: int | None
    cases: list[dict[str, Any]] = Field(description="A party's cases: court_id, case_number.")


class SigningKeyOut(_Out):
    """The public key that checks signatures of approved protocols."""

    key_id: str
    algorithm: str
    public_key_pem: str


class RecordingListOut(_Out):
    """A page of recordings the caller may see."""

    items: list[RecordingOut]
    limit: int
    offset: int


class VersionOut(_Out):
    """One protocol version, a link of the hash chain."""

    version: int
    sha256: str
    parent_sha256: str | None
    author_id: int | None
    author: str | None
    created_at: datetime
    note: str | None
    approved: bool
    approved_at: datetime | None
    approved_by: int | None
    signature: str | None = Field(description="Base64 Ed25519 signature of the JSON bytes.")
    signing_key_id: str | None
    party_sha256: str | None = Field(
        default=None, description="Hash of the parties' masked copy (approved versions)."
    )
    party_signature: str | None = Field(
        default=None, description="Base64 signature of the parties' copy."
    )


class VersionsOut(_Out):
    """Every version of a recording's protocol, oldest first."""

    recording_id: str
    approved_version: int | None
    versions: list[VersionOut]


class CorrectionIn(BaseModel):
    """A save of corrections: the version edited and the edits, in order.

    Each edit is an object with ``op`` and its fields: ``set_text`` (segment, text),
    ``set_speaker`` (segment, speaker), ``name_speaker`` (speaker, label, role),
    ``add_speaker`` (label, role), ``set_language`` (segment, language),
    ``split_segment`` (segment, at), ``merge_segments`` (segment). Segments are
    numbered from 1 as in the JSON protocol.
    """

    model_config = ConfigDict(extra="forbid")

    base_version: int = Field(
        ge=1, le=1_000_000, description="The version the edits were made on; must be the newest."
    )
    edits: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_EDITS)
    note: str | None = Field(default=None, max_length=500)


class DiffOut(_Out):
    """Differences between two versions."""

    recording_id: str
    from_version: int
    to_version: int
    diff: dict[str, Any]


class ApprovalOut(_Out):
    """An approved, signed version."""

    version: VersionOut
    party_sha256: str
    party_signature: str


class VersionCheckOut(_Out):
    """The check of one stored version."""

    version: int
    recorded_sha256: str
    stored_sha256: str | None
    document_intact: bool
    parent_ok: bool
    signature_ok: bool | None = Field(description="None: not approved, not signed.")
    party_copy_ok: bool | None


class VerifyOut(_Out):
    """Whether anything was altered since it was stored."""

    recording_id: str
    intact: bool
    original_recorded_sha256: str
    original_stored_sha256: str | None
    original_intact: bool
    versions: list[VersionCheckOut]
    signing_key_id: str
    problems: list[str]


class SearchHitOut(_Out):
    """One matching segment."""

    recording_id: str
    case_number: str
    hearing_started_at: datetime
    segment: int = Field(description="Segment number (from 1) in the indexed version.")
    version: int
    start: float
    end: float
    speaker: str
    role: str | None
    language: str
    snippet_html: str = Field(description="Escaped text with <mark> around matches.")
    exact: bool
    link: str = Field(description="The hearing's protocol, to open at ``start``.")


class SearchOut(_Out):
    """A page of search hits."""

    query: str
    total: int
    limit: int
    offset: int
    hits: list[SearchHitOut]


class CasePartyIn(BaseModel):
    """Adds a party user to a case."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    court: str = Field(min_length=1, max_length=32, description="Court code.")
    case_number: str = Field(min_length=1, max_length=64)
    party_role: str = Field(min_length=1, max_length=32)


class CasePartyOut(_Out):
    """A party's membership in a case."""

    id: int
    user_id: int
    court_id: int
    case_number: str
    party_role: str
    created_at: datetime


class AuditEventOut(_Out):
    """One audit event."""

    id: int
    at: datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    actor_role: str | None
    action: str
    object_type: str | None
    object_id: str | None
    court_id: int | None
    ip: str | None
    user_agent: str | None
    outcome: str
    status_code: int | None
    details: dict[str, Any] | None
    prev_hash: str
    hash: str


class AuditPageOut(_Out):
    """A page of the audit log."""

    events: list[AuditEventOut]
    next_cursor: str | None


class AudioLinkOut(_Out):
    """A time-limited audio URL (for players that cannot send Authorization headers)."""

    url: str = Field(description="Path with a ticket; GET it with Range requests.")
    expires_in: int
    expires_at: datetime
