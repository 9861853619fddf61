"""SQLAlchemy models: the tables of courts, devices, users, recordings and uploads.

One set of models serves SQLite (embedded mode) and PostgreSQL (distributed mode), so only
portable types are used: strings for enums (with a CHECK constraint, no native enum type to
migrate), JSON for lists and maps, and :class:`~storage.db.types.UtcDateTime` for times.
Constraint names follow one naming convention so that Alembic can find them again on
SQLite, whose batch migrations rebuild tables and need every constraint to have a name.

Callers outside ``storage.db`` should not need these classes: the repository functions
take and return the plain values of :mod:`storage.db.info`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.db.info import RecordingStatus, UserRole
from storage.db.types import UtcDateTime, utc_now

__all__ = [
    "NAMING_CONVENTION",
    "AuditEvent",
    "Base",
    "CaseParty",
    "Court",
    "Courtroom",
    "Device",
    "ProtocolVersion",
    "Recording",
    "Upload",
    "User",
    "new_id",
]

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Names for constraints and indexes; Alembic's SQLite batch mode needs named constraints."""


def new_id() -> str:
    """Return a fresh server-generated id (32 hex digits, unguessable, URL-safe)."""
    return uuid.uuid4().hex


def _values(enum: type[RecordingStatus] | type[UserRole]) -> list[str]:
    """Store enum values ("queued"), not member names ("QUEUED")."""
    return [member.value for member in enum]


def _string_enum(enum: type[RecordingStatus] | type[UserRole], name: str) -> Enum:
    """A portable enum: VARCHAR plus a named CHECK constraint on both databases."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=_values,
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Declarative base sharing one metadata with the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Court(Base):
    """A court; judges and clerks belong to one."""

    __tablename__ = "courts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Courtroom(Base):
    """A courtroom; devices record in exactly one."""

    __tablename__ = "courtrooms"
    __table_args__ = (UniqueConstraint("court_id", "code", name="uq_courtrooms_court_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("courts.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))


class Device(Base):
    """A courtroom recorder authenticated by a token of which only the SHA-256 is kept."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    courtroom_id: Mapped[int] = mapped_column(ForeignKey("courtrooms.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class User(Base):
    """A person who signs in (sign-in itself comes with a later issue)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(_string_enum(UserRole, "user_role"))
    court_id: Mapped[int | None] = mapped_column(ForeignKey("courts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Recording(Base):
    """An uploaded hearing and the state of its processing job.

    The unique constraint on (courtroom, case number, hearing start, SHA-256) makes a
    repeated upload of the same bytes for the same hearing find the existing row instead
    of creating a second one, even when two uploads race.
    """

    __tablename__ = "recordings"
    __table_args__ = (
        UniqueConstraint(
            "courtroom_id",
            "case_number",
            "hearing_started_at",
            "sha256",
            name="uq_recordings_dedupe",
        ),
        Index("ix_recordings_status_queued_at", "status", "queued_at"),
        Index("ix_recordings_status_heartbeat_at", "status", "heartbeat_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    courtroom_id: Mapped[int] = mapped_column(ForeignKey("courtrooms.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    case_number: Mapped[str] = mapped_column(String(64), index=True)
    hearing_started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    languages: Mapped[list[str]] = mapped_column(JSON)
    channel_map: Mapped[dict[str, str] | None] = mapped_column(JSON)
    num_speakers: Mapped[int | None] = mapped_column(Integer)
    min_speakers: Mapped[int | None] = mapped_column(Integer)
    max_speakers: Mapped[int | None] = mapped_column(Integer)
    vocabulary: Mapped[list[str]] = mapped_column(JSON)
    source_name: Mapped[str] = mapped_column(String(255))
    original_key: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[RecordingStatus] = mapped_column(
        _string_enum(RecordingStatus, "recording_status"), default=RecordingStatus.QUEUED
    )
    step: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker_id: Mapped[str | None] = mapped_column(String(255))
    task_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    duration_s: Mapped[float | None] = mapped_column(Float)
    protocol_key: Mapped[str | None] = mapped_column(String(512))
    audio_key: Mapped[str | None] = mapped_column(String(512))
    approved_version: Mapped[int | None] = mapped_column(Integer)


class Upload(Base):
    """A resumable (tus 1.0) upload; its pieces live in the object store."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    courtroom_id: Mapped[int] = mapped_column(ForeignKey("courtrooms.id"), index=True)
    # ``metadata`` is reserved on declarative classes, hence the attribute name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    length: Mapped[int] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    expected_sha256: Mapped[str | None] = mapped_column(String(64))
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    recording_id: Mapped[str | None] = mapped_column(ForeignKey("recordings.id"), index=True)


class ProtocolVersion(Base):
    """One version of a recording's protocol; versions form a hash chain."""

    __tablename__ = "protocol_versions"
    __table_args__ = (
        UniqueConstraint("recording_id", "version", name="uq_protocol_versions_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    parent_sha256: Mapped[str | None] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(512))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    note: Mapped[str | None] = mapped_column(String(500))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signature: Mapped[str | None] = mapped_column(Text)
    signing_key_id: Mapped[str | None] = mapped_column(String(64))
    signature_algorithm: Mapped[str | None] = mapped_column(String(32))
    party_sha256: Mapped[str | None] = mapped_column(String(64))
    party_object_key: Mapped[str | None] = mapped_column(String(512))
    party_signature: Mapped[str | None] = mapped_column(Text)


class CaseParty(Base):
    """A person taking part in a case (plaintiff, defendant, their lawyer, prosecutor).

    A party user sees the approved protocols of every hearing of the cases listed here
    and nothing else. Cases are identified by court and case number, as on the e-court
    portal, so a party added before the hearing is recorded sees it once it is approved.
    """

    __tablename__ = "case_parties"
    __table_args__ = (
        UniqueConstraint("user_id", "court_id", "case_number", name="uq_case_parties_member"),
        Index("ix_case_parties_court_id_case_number", "court_id", "case_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("courts.id"))
    case_number: Mapped[str] = mapped_column(String(64))
    party_role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class AuditEvent(Base):
    """One entry of the append-only audit log: who did what to which object, when, how.

    Triggers made by migration 0003 refuse UPDATE and DELETE (and TRUNCATE on
    PostgreSQL), and each row carries a SHA-256 over its fields and the previous row's
    hash, so a change made by someone who bypassed the triggers still shows
    (:func:`storage.db.repo.audit.verify_audit_chain`). There are no foreign keys on
    purpose: the log must accept an event about anything, and must never stop a user or
    court from being changed. The id is BIGINT on PostgreSQL; on SQLite it is INTEGER
    PRIMARY KEY, the rowid (64 bits as well), the only column SQLite numbers by itself.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(
            "actor_kind IN ('user', 'device', 'anonymous', 'system')", name="actor_kind"
        ),
        Index("ix_audit_events_actor_kind_actor_id", "actor_kind", "actor_id"),
        Index("ix_audit_events_object_type_object_id", "object_type", "object_id"),
        Index("ix_audit_events_court_id_at", "court_id", "at"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(255))
    court_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
