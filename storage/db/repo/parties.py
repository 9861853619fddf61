"""Case parties: which party user takes part in which case.

A party (plaintiff, defendant, their representative, the prosecutor) sees the approved
protocols of the hearings of their cases and nothing else. A case is a court plus a case
number, the pair recorders send with every upload, so membership can be entered before
the first hearing is recorded.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.db.info import CasePartyInfo, RecordingInfo, RecordingStatus, UserRole
from storage.db.models import CaseParty, Court, Courtroom, Recording, User
from storage.db.repo._common import insert, resolve_now
from storage.db.repo.recordings import recording_info
from storage.db.translate import translated
from storage.errors import ConflictError, NotFoundError

__all__ = [
    "PARTY_ROLES",
    "add_case_party",
    "list_case_parties",
    "list_party_cases",
    "list_party_recordings",
    "remove_case_party",
]

logger = logging.getLogger(__name__)

PARTY_ROLES = frozenset(
    {
        "plaintiff",
        "defendant",
        "representative",
        "prosecutor",
        "defence",
        "victim",
        "third_party",
    }
)
"""Roles a party may hold in a case; shown to judges, not used for access decisions."""

_MAX_CASE_NUMBER = 64


def _info(row: CaseParty) -> CasePartyInfo:
    return CasePartyInfo(
        id=row.id,
        user_id=row.user_id,
        court_id=row.court_id,
        case_number=row.case_number,
        party_role=row.party_role,
        created_at=row.created_at,
    )


def _case_number(case_number: str) -> str:
    cleaned = case_number.strip()
    if not cleaned or len(cleaned) > _MAX_CASE_NUMBER:
        raise ValueError(f"a case number has 1 to {_MAX_CASE_NUMBER} characters")
    return cleaned


@translated
def add_case_party(
    session: Session,
    user_id: int,
    court_id: int,
    case_number: str,
    party_role: str,
    *,
    now: datetime | None = None,
) -> CasePartyInfo:
    """Make a party user a member of a case.

    Raises:
        ValueError: If the case number or party role is invalid.
        NotFoundError: If the user or court does not exist.
        ConflictError: If the user is not a party user, or already in the case.

    """
    number = _case_number(case_number)
    if party_role not in PARTY_ROLES:
        raise ValueError(f"party role must be one of {', '.join(sorted(PARTY_ROLES))}")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    if UserRole(user.role) != UserRole.PARTY:
        raise ConflictError(f"user {user.username!r} is a {user.role}, not a party")
    if session.get(Court, court_id) is None:
        raise NotFoundError(f"no court with id {court_id}")
    row = CaseParty(
        user_id=user_id,
        court_id=court_id,
        case_number=number,
        party_role=party_role,
        created_at=resolve_now(now),
    )
    insert(session, row)
    logger.info("user %s added to case %s of court %s", user_id, number, court_id)
    return _info(row)


@translated
def remove_case_party(session: Session, user_id: int, court_id: int, case_number: str) -> bool:
    """Take a user out of a case; return whether they were in it."""
    result = session.execute(
        delete(CaseParty).where(
            CaseParty.user_id == user_id,
            CaseParty.court_id == court_id,
            CaseParty.case_number == case_number.strip(),
        )
    )
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        logger.info("user %s removed from case %s of court %s", user_id, case_number, court_id)
    return removed


@translated
def list_party_cases(session: Session, user_id: int) -> list[CasePartyInfo]:
    """The cases a user takes part in, by court and case number."""
    query = (
        select(CaseParty)
        .where(CaseParty.user_id == user_id)
        .order_by(CaseParty.court_id, CaseParty.case_number)
    )
    return [_info(row) for row in session.scalars(query)]


@translated
def list_case_parties(
    session: Session, court_id: int | None = None, case_number: str | None = None
) -> list[CasePartyInfo]:
    """Memberships, optionally of one court or one case (for administrators)."""
    query = select(CaseParty)
    if court_id is not None:
        query = query.where(CaseParty.court_id == court_id)
    if case_number is not None:
        query = query.where(CaseParty.case_number == case_number.strip())
    query = query.order_by(CaseParty.court_id, CaseParty.case_number, CaseParty.user_id)
    return [_info(row) for row in session.scalars(query)]


@translated
def list_party_recordings(session: Session, user_id: int) -> list[RecordingInfo]:
    """Recordings a party may see: their cases' hearings that have an approved protocol.

    Newest hearing first. The membership join runs in the database, so a party with
    many cases costs one query.
    """
    query = (
        select(Recording)
        .join(Courtroom, Courtroom.id == Recording.courtroom_id)
        .join(
            CaseParty,
            (CaseParty.court_id == Courtroom.court_id)
            & (CaseParty.case_number == Recording.case_number),
        )
        .where(
            CaseParty.user_id == user_id,
            Recording.status == RecordingStatus.DONE,
            Recording.approved_version.is_not(None),
        )
        .order_by(Recording.hearing_started_at.desc(), Recording.id)
        .execution_options(populate_existing=True)
    )
    return [recording_info(row) for row in session.scalars(query).unique()]
