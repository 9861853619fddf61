"""``GET /api/v1/search``: full-text search over the hearings the caller may see.

The scope comes from the caller, never from parameters: judges and clerks search their
court's newest versions; parties search the approved, masked copies of their cases'
hearings (the ``party`` audience of the index), so neither unapproved corrections nor
personal data reach them through snippets. Filters narrow within the scope. Other roles
get 403. Each search is audited with its query text (cut to the log's limit).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from sqlalchemy.orm import Session

from api.audit import Audit
from api.auth import UserCaller, UserPrincipal, forbidden
from api.deps import State
from api.schemas import ERROR_RESPONSES, ErrorOut
from api.schemas_access import SearchHitOut, SearchOut
from storage.db import find_court, list_party_recordings
from storage.search import (
    COURT,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_QUERY_LENGTH,
    PARTY,
    SearchHit,
    SearchPage,
    SearchQuery,
    SearchQueryError,
    search,
)

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["search"], responses=ERROR_RESPONSES)


def _court_filter(session: Session, court: str | None) -> frozenset[int] | None:
    """The court filter as ids: ``None`` for none, empty for an unknown code."""
    if court is None:
        return None
    found = find_court(session, court)
    return frozenset() if found is None else frozenset({found.id})


def _scope(session: Session, principal: UserPrincipal, court: str | None) -> dict[str, Any]:
    """The trusted part of the query (what this caller may see), plus the court filter."""
    wanted = _court_filter(session, court)
    if principal.role in ("judge", "clerk") and principal.court_id is not None:
        own = frozenset({principal.court_id})
        return {"court_ids": own if wanted is None else own & wanted, "audience": COURT}
    if principal.role == "party":
        visible = frozenset(r.id for r in list_party_recordings(session, principal.id))
        return {"recording_ids": visible, "court_ids": wanted, "audience": PARTY}
    raise forbidden("search covers protocol text, which your role does not read")


def _hit_out(request: Request, hit: SearchHit) -> SearchHitOut:
    link = request.url_for("get_protocol", recording_id=hit.recording_id).path
    return SearchHitOut(
        recording_id=hit.recording_id,
        case_number=hit.case_number,
        hearing_started_at=hit.hearing_started_at,
        segment=hit.segment_index + 1,
        version=hit.version,
        start=hit.start,
        end=hit.end,
        speaker=hit.speaker_label,
        role=hit.speaker_role,
        language=hit.language,
        snippet_html=hit.snippet_html,
        exact=hit.exact,
        link=f"{link}?version={hit.version}#t={hit.start:.2f}",
    )


@router.get(
    "/search",
    summary="Search the protocols you may see",
    response_model=SearchOut,
    responses={
        403: {"model": ErrorOut, "description": "Your role does not read protocol text."},
        422: {"model": ErrorOut, "description": "Empty, too long or unusable query."},
    },
)
def search_protocols(
    request: Request,
    state: State,
    principal: UserCaller,
    trail: Audit,
    q: Annotated[
        str, Query(min_length=1, max_length=MAX_QUERY_LENGTH, description='Words; "quoted phrase".')
    ],
    court: Annotated[str | None, Query(max_length=32, description="Court code.")] = None,
    case_number: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[
        datetime | None, Query(description="Hearings from (ISO 8601 with zone).")
    ] = None,
    date_to: Annotated[
        datetime | None, Query(description="Hearings before (ISO 8601 with zone).")
    ] = None,
    role: Annotated[
        str | None, Query(max_length=32, description="Speaker role, e.g. witness.")
    ] = None,
    language: Annotated[Literal["kk", "ru"] | None, Query()] = None,
    fuzzy: bool = True,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> SearchOut:
    """Segments matching every word (inflected forms and spelling variants included)."""
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and value.utcoffset() is None:
            raise HTTPException(422, f"{name} needs a time zone, e.g. 2026-03-01T00:00:00+05:00")
    details = {
        "q": q,
        "court": court,
        "case_number": case_number,
        "role": role,
        "language": language,
    }

    def run(session: Session) -> SearchPage:
        scope = _scope(session, principal, court)
        try:
            query = SearchQuery(
                q,
                case_numbers=frozenset({case_number.strip()}) if case_number else None,
                date_from=date_from,
                date_to=date_to,
                speaker_role=role,
                language=language,
                fuzzy=fuzzy,
                limit=limit,
                offset=offset,
                **scope,
            )
        except SearchQueryError as exc:
            raise HTTPException(422, str(exc)) from exc
        page = search(session, query)
        trail.record(
            session,
            "search",
            object_type="search",
            court_id=principal.court_id,
            details={**details, "total": page.total},
        )
        return page

    page = trail.run(state, "search", run, object_type="search", details=details)
    return SearchOut(
        query=q,
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        hits=[_hit_out(request, hit) for hit in page.hits],
    )
