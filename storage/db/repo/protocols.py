"""Protocol versions: the pipeline writes version 1, corrections add 2, 3, ...

Each version records the hash of what it derives from (the original recording for
version 1, the previous version after that), so the versions form a chain that shows the
protocol was not altered unnoticed. A new version names the version it was edited from;
if someone else saved a version in between, the save is refused rather than silently
dropping their edit.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db.info import Approval, ProtocolVersionInfo, RecordingStatus
from storage.db.models import ProtocolVersion, Recording
from storage.db.repo._common import compare_and_set, insert, resolve_now
from storage.db.repo.recordings import load_recording
from storage.db.translate import translated
from storage.errors import ConflictError, NotFoundError

__all__ = [
    "add_protocol_version",
    "approve_protocol_version",
    "get_protocol_version",
    "list_protocol_versions",
    "protocol_version_info",
]

logger = logging.getLogger(__name__)


def protocol_version_info(row: ProtocolVersion) -> ProtocolVersionInfo:
    """Turn a row into the value callers get."""
    return ProtocolVersionInfo(
        id=row.id,
        recording_id=row.recording_id,
        version=row.version,
        sha256=row.sha256,
        parent_sha256=row.parent_sha256,
        object_key=row.object_key,
        author_id=row.author_id,
        created_at=row.created_at,
        note=row.note,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        signature=row.signature,
        signing_key_id=row.signing_key_id,
        signature_algorithm=row.signature_algorithm,
        party_sha256=row.party_sha256,
        party_object_key=row.party_object_key,
        party_signature=row.party_signature,
    )


def _latest(session: Session, recording_id: str) -> ProtocolVersion | None:
    query = (
        select(ProtocolVersion)
        .where(ProtocolVersion.recording_id == recording_id)
        .order_by(ProtocolVersion.version.desc())
        .limit(1)
    )
    return session.scalar(query)


@translated
def get_protocol_version(
    session: Session, recording_id: str, version: int | None = None
) -> ProtocolVersionInfo:
    """Return one version of a recording's protocol, the newest if ``version`` is ``None``.

    Raises:
        NotFoundError: If the recording has no such version (or no protocol yet).

    """
    if version is None:
        row = _latest(session, recording_id)
    else:
        query = select(ProtocolVersion).where(
            ProtocolVersion.recording_id == recording_id, ProtocolVersion.version == version
        )
        row = session.scalar(query)
    if row is None:
        which = "a protocol" if version is None else f"protocol version {version}"
        raise NotFoundError(f"recording {recording_id} has no {which}")
    return protocol_version_info(row)


@translated
def list_protocol_versions(session: Session, recording_id: str) -> list[ProtocolVersionInfo]:
    """Return every version of a recording's protocol, oldest first."""
    query = (
        select(ProtocolVersion)
        .where(ProtocolVersion.recording_id == recording_id)
        .order_by(ProtocolVersion.version)
    )
    return [protocol_version_info(row) for row in session.scalars(query)]


@translated
def add_protocol_version(
    session: Session,
    recording_id: str,
    *,
    parent_version: int,
    sha256: str,
    object_key: str,
    author_id: int | None,
    note: str | None = None,
    now: datetime | None = None,
) -> ProtocolVersionInfo:
    """Save a corrected protocol as the version after ``parent_version``.

    Args:
        session: Open session.
        recording_id: The recording (it must be done).
        parent_version: The version the editor started from; must still be the newest.
        sha256: Hash of the new document.
        object_key: Where the document is stored.
        author_id: The user who made the correction.
        note: The editor's comment (at most 500 characters are kept).
        now: Creation time (tests).

    Raises:
        NotFoundError: If the recording does not exist.
        ConflictError: If the recording is not done, or another version was saved since
            ``parent_version`` (reload and edit again).

    """
    recording = load_recording(session, recording_id)
    if recording.status != RecordingStatus.DONE:
        raise ConflictError(f"recording {recording_id} has no finished protocol to correct")
    latest = _latest(session, recording_id)
    if latest is None or latest.version != parent_version:
        newest = None if latest is None else latest.version
        raise ConflictError(
            f"protocol of recording {recording_id} is at version {newest}, "
            f"not {parent_version}: another correction was saved first"
        )
    row = ProtocolVersion(
        recording_id=recording_id,
        version=parent_version + 1,
        sha256=sha256,
        parent_sha256=latest.sha256,
        object_key=object_key,
        author_id=author_id,
        created_at=resolve_now(now),
        note=(note or "").strip()[:500] or None,
    )
    insert(session, row)  # the unique (recording, version) key stops a concurrent save
    logger.info("protocol of recording %s: version %s saved", recording_id, row.version)
    return protocol_version_info(row)


@translated
def approve_protocol_version(
    session: Session,
    recording_id: str,
    version: int,
    approval: Approval,
    *,
    now: datetime | None = None,
) -> ProtocolVersionInfo:
    """Record a judge's approval of a version, with its signatures; parties then see it.

    An approval is final: the columns are written once (compare-and-set on
    ``approved_at IS NULL``), so a second approval of the same version, even a
    concurrent one, is refused instead of replacing the first signature. A newer version
    may be approved later and then becomes what parties see; an older one may not.

    Raises:
        NotFoundError: If the recording or version does not exist.
        ConflictError: If the version is already approved or older than the approved one.

    """
    recording = load_recording(session, recording_id)
    row = session.scalar(
        select(ProtocolVersion)
        .where(ProtocolVersion.recording_id == recording_id, ProtocolVersion.version == version)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFoundError(f"recording {recording_id} has no protocol version {version}")
    if recording.approved_version is not None and recording.approved_version >= version:
        raise ConflictError(
            f"protocol version {recording.approved_version} of recording {recording_id} "
            f"is already approved; version {version} cannot be approved after it"
        )
    when = resolve_now(now)
    values = {
        "approved_at": when,
        "approved_by": approval.approved_by,
        "signature": approval.signature,
        "signing_key_id": approval.signing_key_id,
        "signature_algorithm": approval.signature_algorithm,
        "party_sha256": approval.party_sha256,
        "party_object_key": approval.party_object_key,
        "party_signature": approval.party_signature,
    }
    won = compare_and_set(
        session,
        ProtocolVersion,
        [ProtocolVersion.id == row.id, ProtocolVersion.approved_at.is_(None)],
        values,
    )
    current = recording.approved_version
    moved = won and compare_and_set(
        session,
        Recording,
        [
            Recording.id == recording_id,
            Recording.approved_version.is_(None)
            if current is None
            else Recording.approved_version == current,
        ],
        {"approved_version": version},
    )
    if not moved:
        raise ConflictError(
            f"protocol version {version} of recording {recording_id} was approved "
            "concurrently by someone else"
        )
    session.expire(row)
    logger.info("protocol of recording %s: version %s approved", recording_id, version)
    return get_protocol_version(session, recording_id, version)
