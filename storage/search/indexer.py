"""Putting a protocol version into the search index, and taking a recording out of it.

A recording has at most one version in the index per audience: for judges and clerks
(:data:`COURT`) its newest, for parties (:data:`PARTY`) its approved version with
personal data masked. Indexing a version replaces the audience's rows of the recording
in one transaction (the caller's), so a
search sees either the old version or the new one, never a mix. The recording row is
locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's transactions already take
the write lock at ``BEGIN``), so two indexers of one recording run one after the other,
and a version older than the one indexed is refused rather than allowed to win a race.

Rows are written with one multi-row ``INSERT`` per protocol; the database's triggers
(migration 0002) update its full-text structures from the ``terms`` column.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from protocol import Protocol, Speaker
from storage.db.models import Courtroom, Recording
from storage.db.translate import translated
from storage.errors import ConflictError, NotFoundError
from storage.search.fuzzy import VOCABULARY_MIN_LENGTH
from storage.search.models import SearchSegment, SearchTerm
from storage.search.stemming import index_text

__all__ = [
    "AUDIENCES",
    "COURT",
    "PARTY",
    "IndexResult",
    "drop_index",
    "index_protocol",
    "indexed_version",
]

logger = logging.getLogger(__name__)

COURT = "court"
"""Audience of the newest version, searched by judges and clerks of the court."""
PARTY = "party"
"""Audience of the approved version with personal data masked, searched by parties."""
AUDIENCES = frozenset({COURT, PARTY})

_MAX_TERM_LENGTH = 64  # the column's width; longer stems are not fuzzy candidates


@dataclass(frozen=True)
class IndexResult:
    """What :func:`index_protocol` did.

    Attributes:
        recording_id: The recording.
        version: The protocol version now in the index.
        segments: Segments indexed (those with at least one word).
        replaced: Rows of an earlier indexing that were removed.

    """

    recording_id: str
    version: int
    segments: int
    replaced: int


def _lock_recording(session: Session, recording_id: str) -> tuple[Recording, int]:
    """Lock the recording's row and return it with its court id."""
    row = session.execute(
        select(Recording, Courtroom.court_id)
        .join(Courtroom, Courtroom.id == Recording.courtroom_id)
        .where(Recording.id == recording_id)
        .with_for_update(of=Recording)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise NotFoundError(f"no recording with id {recording_id}")
    return row[0], row[1]


@translated
def indexed_version(session: Session, recording_id: str, audience: str = COURT) -> int | None:
    """The protocol version of a recording indexed for an audience, or ``None``."""
    return session.scalar(
        select(func.max(SearchSegment.version)).where(
            SearchSegment.recording_id == recording_id, SearchSegment.audience == audience
        )
    )


def _rows(
    recording: Recording, court_id: int, version: int, protocol: Protocol, audience: str
) -> list[dict[str, Any]]:
    speakers: dict[str, Speaker] = {speaker.id: speaker for speaker in protocol.speakers}
    rows: list[dict[str, Any]] = []
    for position, segment in enumerate(protocol.segments):
        terms = index_text(segment.text, segment.language)
        if not terms:
            continue
        speaker = speakers.get(segment.speaker)
        rows.append(
            {
                "recording_id": recording.id,
                "version": version,
                "audience": audience,
                "segment_index": position,
                "start_s": float(segment.start),
                "end_s": float(segment.end),
                "speaker_label": (speaker.label if speaker else segment.speaker)[:200],
                "speaker_role": speaker.role[:32] if speaker and speaker.role else None,
                "language": segment.language[:8],
                "text": segment.text,
                "terms": terms,
                "court_id": court_id,
                "courtroom_id": recording.courtroom_id,
                "case_number": recording.case_number,
                "hearing_started_at": recording.hearing_started_at,
            }
        )
    return rows


def _add_terms(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add the protocol's new stems to the vocabulary, in sorted order.

    Sorted, because two PostgreSQL transactions inserting overlapping sets in different
    orders could each wait for the other's uncommitted row: a deadlock.
    """
    stems = sorted(
        {
            stem
            for row in rows
            for stem in row["terms"].split()
            if VOCABULARY_MIN_LENGTH <= len(stem) <= _MAX_TERM_LENGTH and not stem.isdigit()
        }
    )
    if not stems:
        return
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(SearchTerm).on_conflict_do_nothing(index_elements=["term"])
    session.execute(statement, [{"term": stem} for stem in stems])


@translated
def index_protocol(
    session: Session,
    recording_id: str,
    version: int,
    protocol: Protocol,
    *,
    audience: str = COURT,
) -> IndexResult:
    """Make a protocol version the recording's searchable text, replacing what was indexed.

    Call it in the transaction that stores the version (the worker after the pipeline,
    the API after a correction), so that the index and the versions change together.
    Indexing the version already indexed again is allowed and gives the same rows.

    Args:
        session: Open session; the caller commits.
        recording_id: The recording the protocol belongs to.
        version: The protocol version number.
        protocol: The protocol document of that version.
        audience: :data:`COURT` (the newest version, for judges and clerks) or
            :data:`PARTY` (the approved version with personal data already masked, for
            parties); each audience holds one version per recording.

    Returns:
        What was indexed and replaced.

    Raises:
        NotFoundError: If the recording does not exist.
        ConflictError: If a newer version of the recording is already indexed.
        ValueError: If ``version`` is not positive.

    """
    if version < 1:
        raise ValueError("protocol versions start at 1")
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {sorted(AUDIENCES)}")
    recording, court_id = _lock_recording(session, recording_id)
    current = indexed_version(session, recording_id, audience)
    if current is not None and current > version:
        raise ConflictError(
            f"recording {recording_id} has version {current} indexed; "
            f"version {version} is older and is not indexed over it"
        )
    replaced = _delete(session, recording_id, audience)
    rows = _rows(recording, court_id, version, protocol, audience)
    if rows:
        _add_terms(session, rows)
        session.execute(insert(SearchSegment), rows)
    logger.info(
        "recording %s: protocol version %s indexed for %s (%d segments, %d replaced)",
        recording_id,
        version,
        audience,
        len(rows),
        replaced,
    )
    return IndexResult(recording_id, version, len(rows), replaced)


def _delete(session: Session, recording_id: str, audience: str | None = None) -> int:
    statement = delete(SearchSegment).where(SearchSegment.recording_id == recording_id)
    if audience is not None:
        statement = statement.where(SearchSegment.audience == audience)
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


@translated
def drop_index(session: Session, recording_id: str) -> int:
    """Remove a recording from the search index (before deleting it, for instance).

    Args:
        session: Open session; the caller commits.
        recording_id: The recording; one without indexed rows is not an error.

    Returns:
        Rows removed.

    """
    removed = _delete(session, recording_id)
    if removed:
        logger.info(
            "recording %s: %d segments removed from the search index", recording_id, removed
        )
    return removed
