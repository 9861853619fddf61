"""What the repository functions return: frozen dataclasses and string enums.

Callers (the API, the worker, the admin CLI) get plain values that stay valid after the
session closes and carry no SQLAlchemy state, so they can be logged, pickled into a task
or turned into an HTTP response without touching the database again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "Approval",
    "AuditActorKind",
    "AuditChainReport",
    "AuditEventInfo",
    "AuditOutcome",
    "AuditPage",
    "AuditQuery",
    "CasePartyInfo",
    "CourtInfo",
    "CourtroomInfo",
    "DeviceInfo",
    "NewAuditEvent",
    "NewRecording",
    "ProtocolVersionInfo",
    "ReapResult",
    "RecordingInfo",
    "RecordingStatus",
    "UploadInfo",
    "UserInfo",
    "UserRole",
]

logger = logging.getLogger(__name__)


class RecordingStatus(StrEnum):
    """Where a recording's processing job stands; the database is the truth about it."""

    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class UserRole(StrEnum):
    """What a person may see and do; judges and clerks belong to one court."""

    ADMIN = "admin"
    JUDGE = "judge"
    CLERK = "clerk"
    PARTY = "party"


@dataclass(frozen=True)
class CourtInfo:
    """A court (e.g. a district court); ``code`` is the stable short name admins type."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class CourtroomInfo:
    """A courtroom of a court; ``code`` is unique within its court only."""

    id: int
    court_id: int
    code: str
    name: str


@dataclass(frozen=True)
class DeviceInfo:
    """A courtroom recorder; its token is never stored, only its hash.

    Attributes:
        id: Device id.
        courtroom_id: The only courtroom the device may upload for.
        court_id: The courtroom's court (saves callers a lookup when checking scope).
        name: Human label, e.g. "Room 3 recorder".
        token_prefix: First characters of the token, to recognise it in a list.
        created_at: When the device was registered (UTC).
        revoked_at: When its token was revoked, or ``None`` while it is valid.

    """

    id: int
    courtroom_id: int
    court_id: int
    name: str
    token_prefix: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class UserInfo:
    """A person who signs in; the password hash never leaves the repository."""

    id: int
    username: str
    display_name: str
    role: UserRole
    court_id: int | None
    created_at: datetime
    disabled: bool


@dataclass(frozen=True)
class NewRecording:
    """What the API knows about an uploaded hearing when it records it.

    Attributes:
        courtroom_id: Courtroom the hearing took place in (the device's).
        device_id: Uploading device, or ``None`` for an import by an administrator.
        case_number: Case number as the court writes it.
        hearing_started_at: Start of the hearing, timezone-aware.
        sha256: Lowercase hex SHA-256 of the original bytes.
        size_bytes: Size of the original.
        original_key: Object-store key of the original (server-generated).
        source_name: Sanitised file name for display; never used as a key.
        languages: Declared languages (ISO 639-1), e.g. ``("kk", "ru")``.
        channel_map: ``{channel index as string: role}`` when seats have their own
            microphones, else ``None``.
        num_speakers: Exact number of speakers, if known.
        min_speakers: Lower bound on speakers, if known.
        max_speakers: Upper bound on speakers, if known.
        vocabulary: Names and terms to prime recognition with.
        id: Recording id to use; ``None`` lets the repository generate one. The API may
            generate it first (:func:`storage.db.new_id`) to name the original's key.

    """

    courtroom_id: int
    device_id: int | None
    case_number: str
    hearing_started_at: datetime
    sha256: str
    size_bytes: int
    original_key: str
    source_name: str
    languages: tuple[str, ...] = ()
    channel_map: Mapping[str, str] | None = None
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    vocabulary: tuple[str, ...] = ()
    id: str | None = None


@dataclass(frozen=True)
class RecordingInfo:
    """A recording and the state of its processing job.

    ``channel_map`` is a mapping, so instances are not hashable; compare them with ``==``.
    Job fields: ``step`` and ``progress`` (0..1) while processing; ``error_code`` and
    ``error`` (a sentence a person understands) when failed; ``protocol_key`` and
    ``duration_s`` when done; ``attempts`` counts claims by workers.
    """

    id: str
    courtroom_id: int
    device_id: int | None
    case_number: str
    hearing_started_at: datetime
    languages: tuple[str, ...]
    channel_map: Mapping[str, str] | None
    num_speakers: int | None
    min_speakers: int | None
    max_speakers: int | None
    vocabulary: tuple[str, ...]
    source_name: str
    original_key: str
    sha256: str
    size_bytes: int
    status: RecordingStatus
    step: str | None
    progress: float
    error_code: str | None
    error: str | None
    attempts: int
    worker_id: str | None
    task_id: str | None
    created_at: datetime
    updated_at: datetime
    queued_at: datetime | None
    started_at: datetime | None
    heartbeat_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None
    protocol_key: str | None
    audio_key: str | None = None
    approved_version: int | None = None


@dataclass(frozen=True)
class UploadInfo:
    """A resumable (tus) upload in progress or finished.

    Attributes:
        id: Upload id (server-generated, used in the tus URL).
        device_id: Device that created it; only it may continue it.
        courtroom_id: The device's courtroom.
        metadata: Hearing metadata given at creation (case number, languages, ...).
        length: Total bytes announced at creation.
        offset: Bytes received so far (the tus ``Upload-Offset``).
        expected_sha256: SHA-256 the device declared, checked when complete.
        chunk_count: Pieces stored so far (each piece is its own object).
        created_at: Creation time.
        updated_at: Last change.
        expires_at: When an unfinished upload may be deleted.
        recording_id: The recording made from it once complete, else ``None``.

    """

    id: str
    device_id: int | None
    courtroom_id: int
    metadata: Mapping[str, Any]
    length: int
    offset: int
    expected_sha256: str | None
    chunk_count: int
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    recording_id: str | None

    @property
    def complete(self) -> bool:
        """Whether every byte has arrived."""
        return self.offset == self.length


@dataclass(frozen=True)
class ProtocolVersionInfo:
    """One version of a recording's protocol, a link in its hash chain.

    Attributes:
        id: Row id.
        recording_id: The recording.
        version: 1 for the pipeline's protocol, then 2, 3, ... for corrections.
        sha256: SHA-256 of the stored protocol document.
        parent_sha256: Hash of what this version derives from: the original recording's
            hash for version 1, the previous version's hash after that.
        object_key: Object-store key of the document.
        author_id: User who made the version, ``None`` for the pipeline.
        created_at: When it was written.
        note: The editor's comment on what was corrected.
        approved_at: When a judge approved this version (``None``: not approved).
        approved_by: The approving judge.
        signature: Base64 signature of the stored document's bytes, made at approval.
        signing_key_id: Id of the key that signed.
        signature_algorithm: ``"ed25519"`` or what the court's PKI uses.
        party_sha256: Hash of the parties' copy (personal data masked), made at approval.
        party_object_key: Where the parties' copy is stored.
        party_signature: Base64 signature of the parties' copy.

    """

    id: int
    recording_id: str
    version: int
    sha256: str
    parent_sha256: str | None
    object_key: str
    author_id: int | None
    created_at: datetime
    note: str | None = None
    approved_at: datetime | None = None
    approved_by: int | None = None
    signature: str | None = None
    signing_key_id: str | None = None
    signature_algorithm: str | None = None
    party_sha256: str | None = None
    party_object_key: str | None = None
    party_signature: str | None = None

    @property
    def approved(self) -> bool:
        """Whether a judge approved this version (parties see only approved versions)."""
        return self.approved_at is not None


@dataclass(frozen=True)
class Approval:
    """What approving a version stores: who, when, and the signed documents.

    Attributes:
        approved_by: The judge.
        signature: Base64 signature of the version's document bytes.
        signing_key_id: Id of the signing key.
        signature_algorithm: Signature algorithm.
        party_sha256: Hash of the parties' copy.
        party_object_key: Where the parties' copy is stored.
        party_signature: Base64 signature of the parties' copy.

    """

    approved_by: int
    signature: str
    signing_key_id: str
    signature_algorithm: str
    party_sha256: str
    party_object_key: str
    party_signature: str


@dataclass(frozen=True)
class CasePartyInfo:
    """A user's membership in a case.

    Attributes:
        id: Row id.
        user_id: The party's user.
        court_id: Court of the case.
        case_number: Case number as recorders send it.
        party_role: ``plaintiff``, ``defendant``, ``representative``, ``prosecutor``, ...
        created_at: When the admin added it.

    """

    id: int
    user_id: int
    court_id: int
    case_number: str
    party_role: str
    created_at: datetime


@dataclass(frozen=True)
class ReapResult:
    """What the reaper did with jobs whose worker stopped sending heartbeats.

    Attributes:
        requeued: Recordings put back in the queue (re-send their tasks).
        failed: Recordings given up on after too many lost workers.

    """

    requeued: tuple[str, ...]
    failed: tuple[str, ...]


class AuditActorKind(StrEnum):
    """Who did something: a signed-in person, a courtroom recorder, nobody known, the service."""

    USER = "user"
    DEVICE = "device"
    ANONYMOUS = "anonymous"
    SYSTEM = "system"


class AuditOutcome(StrEnum):
    """How an audited request ended; refusals are recorded as faithfully as successes."""

    OK = "ok"
    DENIED = "denied"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONFLICT = "conflict"
    ERROR = "error"


@dataclass(frozen=True)
class NewAuditEvent:
    """What the API (or the worker, or the admin CLI) records about one action.

    Text that comes from clients (user agent, a username that failed to sign in) is cut
    to its column's length, and ``details`` to a few kilobytes, by
    :func:`storage.db.repo.audit.record_audit`: a client cannot bloat the log.

    Attributes:
        action: Dotted lower-case name, e.g. ``protocol.view``, ``search``,
            ``protocol.download``, ``protocol.edit``, ``protocol.approve``,
            ``audio.stream``, ``auth.login``, ``auth.login_failed``, ``verify``,
            ``admin.user_create``.
        actor_kind: ``user``, ``device``, ``anonymous`` or ``system``.
        actor_id: User or device id (required for those two kinds).
        actor_name: Username or device name at the time: what an auditor reads, and
            kept as it was even if the account is renamed later.
        actor_role: The user's role at the time (roles change; the log keeps history).
        object_type: Kind of thing acted on, e.g. ``recording``, ``protocol_version``.
        object_id: Its id, as text.
        court_id: Court the object belongs to, so court admins can filter their own.
        ip: Client address.
        user_agent: Client's User-Agent header.
        outcome: ``ok``, ``denied``, ``not_found``, ``invalid``, ``conflict``, ``error``.
        status_code: HTTP status sent, when the action was a request.
        details: Small JSON object with what else matters (query text, version, format).

    """

    action: str
    actor_kind: AuditActorKind | str
    actor_id: int | None = None
    actor_name: str = ""
    actor_role: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    court_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None
    outcome: AuditOutcome | str = AuditOutcome.OK
    status_code: int | None = None
    details: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AuditEventInfo:
    """One recorded audit event, a link in the log's hash chain.

    The fields are those of :class:`NewAuditEvent` as stored (after truncation), plus:

    Attributes:
        id: Position in the log (increasing; gaps come from rolled-back transactions).
        at: When it was recorded (UTC).
        prev_hash: ``hash`` of the event before it (64 zeros for the first).
        hash: SHA-256 over this event's fields and ``prev_hash``.

    """

    id: int
    at: datetime
    actor_kind: AuditActorKind
    actor_id: int | None
    actor_name: str
    actor_role: str | None
    action: str
    object_type: str | None
    object_id: str | None
    court_id: int | None
    ip: str | None
    user_agent: str | None
    outcome: AuditOutcome
    status_code: int | None
    details: Mapping[str, Any] | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditQuery:
    """Filters of an administrator's look at the audit log; ``None`` means any.

    Attributes:
        actor_kind: Kind of actor.
        actor_id: User or device id.
        actor_name: Exact username or device name (finds failed sign-ins of a name).
        action: Exact action, or a prefix written ``admin.*``.
        object_type: Kind of object.
        object_id: Object id (with ``object_type``, one protocol's history).
        court_id: Court of the object.
        outcome: Only successes, only refusals, ...
        since: Events at or after this time (timezone-aware).
        until: Events before this time (timezone-aware).
        cursor: ``next_cursor`` of the previous page.
        limit: Events per page, 1 to 1000.
        newest_first: Order of the pages (newest first suits a screen, oldest first an
            export).

    """

    actor_kind: AuditActorKind | str | None = None
    actor_id: int | None = None
    actor_name: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    court_id: int | None = None
    outcome: AuditOutcome | str | None = None
    since: datetime | None = None
    until: datetime | None = None
    cursor: int | None = None
    limit: int = 100
    newest_first: bool = True


@dataclass(frozen=True)
class AuditPage:
    """One page of audit events and where the next one starts.

    Attributes:
        events: The events, in the query's order.
        next_cursor: Pass as ``AuditQuery.cursor`` for the next page; ``None`` at the end.

    """

    events: tuple[AuditEventInfo, ...]
    next_cursor: int | None


@dataclass(frozen=True)
class AuditChainReport:
    """Result of recomputing the audit log's hash chain.

    The chain shows rows changed or removed in the middle of the log even by someone who
    bypassed the database triggers. Removing the newest rows, or rewriting every row after
    a change, shows only against a ``last_hash`` noted somewhere else earlier (signed, or
    printed in a report): keep one.

    Attributes:
        ok: Whether every row checked is intact and linked to the one before.
        checked: Rows found intact before the first broken one (all rows when ``ok``).
        first_broken_id: Id of the first row whose content or link is wrong.
        problem: What is wrong with it, in a sentence.
        last_id: Id of the last intact row (``None`` for an empty log).
        last_hash: Hash of the last intact row, the value to note as an anchor.

    """

    ok: bool
    checked: int
    first_broken_id: int | None = None
    problem: str | None = None
    last_id: int | None = None
    last_hash: str | None = None
