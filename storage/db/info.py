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
    "CourtInfo",
    "CourtroomInfo",
    "DeviceInfo",
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

    """

    id: int
    recording_id: str
    version: int
    sha256: str
    parent_sha256: str | None
    object_key: str
    author_id: int | None
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
