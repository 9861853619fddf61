"""What a search returns: frozen values the API can serialise as they are."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

__all__ = ["SearchHit", "SearchPage"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchHit:
    """One matching segment.

    Attributes:
        recording_id: The hearing's recording.
        version: Protocol version the segment is from (the indexed one).
        segment_index: Position of the segment in that version's ``segments``.
        start: Segment start, seconds from the start of the recording.
        end: Segment end, seconds.
        speaker_label: Speaker as the protocol names them ("Judge", "Speaker 2").
        speaker_role: Courtroom role, when known.
        language: Language of the segment (``kk``, ``ru``).
        court_id: Court of the hearing.
        courtroom_id: Courtroom of the hearing.
        case_number: Case number of the hearing.
        hearing_started_at: Start of the hearing (UTC).
        score: Relevance; higher is better. Comparable within one backend's results
            only (PostgreSQL ``ts_rank``, SQLite FTS5 BM25).
        exact: Whether the segment matches the query's own words; ``False`` when it was
            found only through a spelling variant (fuzzy). Exact hits come first.
        snippet_html: The segment text, HTML-escaped, matched words wrapped in
            ``<mark>…</mark>``, shortened with ``…`` around the first match if long.
            Safe to insert into a page as it is.

    """

    recording_id: str
    version: int
    segment_index: int
    start: float
    end: float
    speaker_label: str
    speaker_role: str | None
    language: str
    court_id: int
    courtroom_id: int
    case_number: str
    hearing_started_at: datetime
    score: float
    exact: bool
    snippet_html: str


@dataclass(frozen=True)
class SearchPage:
    """One page of hits, best first, and how many there are in all.

    Order: exact before fuzzy-only hits, then relevance (descending), then newer hearings
    first, then recording id and position in the protocol (so that pages are stable).

    Attributes:
        hits: The hits of this page.
        total: All hits of the query within the scope and filters.
        limit: Page size asked for.
        offset: Hits skipped before this page.
        words: The words searched for after cleaning the query (loose words first, then
            phrase words), for a "searched for ..." line.
        variants: Spelling variants (stems) the fuzzy search added, for "also found ...".

    """

    hits: tuple[SearchHit, ...]
    total: int
    limit: int
    offset: int
    words: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()

    @property
    def has_more(self) -> bool:
        """Whether a page after this one has hits."""
        return self.offset + len(self.hits) < self.total
