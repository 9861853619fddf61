"""Scope, filters, order and the second step of a search, shared by both backends.

A search runs in two statements. The backend's first one matches, filters, ranks and
counts, selecting only ids and scores: ranking must look at every match, and carrying the
text of thousands of segments through the sort would cost more than the ranking. The
second one (:func:`load_rows`) reads the page's rows by primary key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, UnaryExpression, select
from sqlalchemy.orm import Session

from storage.search.models import SearchSegment
from storage.search.query import SearchQuery

__all__ = ["HIT_COLUMNS", "Ranked", "conditions", "load_rows", "tie_breakers"]

logger = logging.getLogger(__name__)


def conditions(query: SearchQuery) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the query's scope and filters (all must hold).

    Empty scope sets never get here (:attr:`SearchQuery.empty_scope` short-cuts them): an
    empty ``IN ()`` would be correct, but there is no reason to ask the database.
    """
    where: list[ColumnElement[bool]] = [SearchSegment.audience == query.audience]
    if query.court_ids is not None:
        where.append(SearchSegment.court_id.in_(sorted(query.court_ids)))
    if query.recording_ids is not None:
        where.append(SearchSegment.recording_id.in_(sorted(query.recording_ids)))
    if query.case_numbers is not None:
        where.append(SearchSegment.case_number.in_(sorted(query.case_numbers)))
    if query.date_from is not None:
        where.append(SearchSegment.hearing_started_at >= query.date_from)
    if query.date_to is not None:
        where.append(SearchSegment.hearing_started_at < query.date_to)
    if query.speaker_role is not None:
        where.append(SearchSegment.speaker_role == query.speaker_role)
    if query.language is not None:
        where.append(SearchSegment.language == query.language)
    return where


def tie_breakers() -> list[UnaryExpression[Any]]:
    """Order among equally relevant hits: newer hearings first, then protocol order."""
    return [
        SearchSegment.hearing_started_at.desc(),
        SearchSegment.recording_id.asc(),
        SearchSegment.segment_index.asc(),
    ]


HIT_COLUMNS = (
    SearchSegment.recording_id,
    SearchSegment.version,
    SearchSegment.segment_index,
    SearchSegment.start_s,
    SearchSegment.end_s,
    SearchSegment.speaker_label,
    SearchSegment.speaker_role,
    SearchSegment.language,
    SearchSegment.text,
    SearchSegment.court_id,
    SearchSegment.courtroom_id,
    SearchSegment.case_number,
    SearchSegment.hearing_started_at,
)
"""Columns a hit is made of (plus score, exactness and the total, added per backend)."""


@dataclass(frozen=True)
class Ranked:
    """One hit as the ranking statement returns it.

    Attributes:
        id: Primary key of the segment row.
        score: Relevance (higher is better).
        exact: Whether the row matches without spelling variants.

    """

    id: int
    score: float
    exact: bool


def load_rows(session: Session, ranked: Sequence[Ranked]) -> list[tuple[Any, Ranked]]:
    """Read the rows of one page of ranked hits, in their ranked order."""
    if not ranked:
        return []
    rows = session.execute(
        select(SearchSegment.id, *HIT_COLUMNS).where(
            SearchSegment.id.in_([hit.id for hit in ranked])
        )
    )
    by_id = {row.id: row for row in rows}
    return [(by_id[hit.id], hit) for hit in ranked if hit.id in by_id]
