"""The search itself: one function, the backend chosen by the session's database.

Steps: validate and parse the query (:class:`~storage.search.query.SearchQuery` did
that on construction); stem its words; look up spelling variants of the longer stems in
the vocabulary; match, rank, filter and page in the database; build the snippets here.

Authorization rests on :func:`~storage.search.filters.conditions`: the scope sets are
part of the statement's WHERE clause, so a hit outside them cannot be returned, and an
empty scope returns nothing without a query.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from storage.db.translate import translated
from storage.search import postgres, sqlite
from storage.search.filters import Ranked, load_rows
from storage.search.highlight import snippet_html
from storage.search.plan import fuzzy_candidates, make_plan
from storage.search.query import SearchQuery
from storage.search.results import SearchHit, SearchPage

__all__ = ["search"]

logger = logging.getLogger(__name__)


def _hit(row: Any, ranked: Ranked, matched: frozenset[str]) -> SearchHit:
    return SearchHit(
        recording_id=row.recording_id,
        version=row.version,
        segment_index=row.segment_index,
        start=row.start_s,
        end=row.end_s,
        speaker_label=row.speaker_label,
        speaker_role=row.speaker_role,
        language=row.language,
        court_id=row.court_id,
        courtroom_id=row.courtroom_id,
        case_number=row.case_number,
        hearing_started_at=row.hearing_started_at,
        score=ranked.score,
        exact=ranked.exact,
        snippet_html=snippet_html(row.text, row.language, matched),
    )


@translated
def search(session: Session, query: SearchQuery) -> SearchPage:
    """Find the segments that match a query within the caller's scope.

    Args:
        session: Open session (read only; SQLite or PostgreSQL).
        query: Text, scope, filters and page; validated when it was made.

    Returns:
        One page of hits, best first, with the total.

    Raises:
        StorageUnavailableError: If the database cannot be reached.
        StorageError: If the schema lacks the search tables (migrations not run).

    """
    words = query.parsed.all_words
    if query.empty_scope:
        return SearchPage((), 0, query.limit, query.offset, words)
    backend = postgres if session.get_bind().dialect.name == "postgresql" else sqlite
    plan = make_plan(query)
    if query.fuzzy:
        plan = make_plan(query, backend.find_variants(session, fuzzy_candidates(plan.words)))
    ranked, total = backend.fetch(session, plan, query)
    matched = plan.matched_stems()
    hits = tuple(_hit(row, hit, matched) for row, hit in load_rows(session, ranked))
    logger.debug(
        "search %r: %d of %d hits (variants %s)", query.q, len(hits), total, plan.all_variants()
    )
    return SearchPage(hits, total, query.limit, query.offset, words, plan.all_variants())
