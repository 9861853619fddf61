"""Courts and courtrooms, created by administrators with the admin CLI."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db.info import CourtInfo, CourtroomInfo
from storage.db.models import Court, Courtroom
from storage.db.repo._common import insert
from storage.db.translate import translated
from storage.errors import ConflictError, NotFoundError

__all__ = [
    "create_court",
    "create_courtroom",
    "find_court",
    "find_courtroom",
    "get_court",
    "get_courtroom",
    "list_courtrooms",
    "list_courts",
]

logger = logging.getLogger(__name__)


def _court_info(row: Court) -> CourtInfo:
    return CourtInfo(id=row.id, code=row.code, name=row.name)


def _courtroom_info(row: Courtroom) -> CourtroomInfo:
    return CourtroomInfo(id=row.id, court_id=row.court_id, code=row.code, name=row.name)


def _code(code: str) -> str:
    """Codes are typed by people: surrounding spaces are noise, an empty code an error."""
    cleaned = code.strip()
    if not cleaned:
        raise ValueError("a code must not be empty")
    return cleaned


@translated
def create_court(session: Session, code: str, name: str) -> CourtInfo:
    """Create a court.

    Raises:
        ConflictError: If a court with this code exists.
        ValueError: If the code is empty.

    """
    code = _code(code)
    if session.scalar(select(Court.id).where(Court.code == code)) is not None:
        raise ConflictError(f"a court with code {code!r} already exists")
    row = Court(code=code, name=name.strip() or code)
    insert(session, row)
    logger.info("court %s created (id %s)", code, row.id)
    return _court_info(row)


@translated
def get_court(session: Session, court_id: int) -> CourtInfo:
    """Return a court by id.

    Raises:
        NotFoundError: If there is none.

    """
    row = session.get(Court, court_id)
    if row is None:
        raise NotFoundError(f"no court with id {court_id}")
    return _court_info(row)


@translated
def find_court(session: Session, code: str) -> CourtInfo | None:
    """Return the court with a code, or ``None``."""
    row = session.scalar(select(Court).where(Court.code == code.strip()))
    return None if row is None else _court_info(row)


@translated
def list_courts(session: Session) -> list[CourtInfo]:
    """Return every court, by code."""
    return [_court_info(row) for row in session.scalars(select(Court).order_by(Court.code))]


@translated
def create_courtroom(session: Session, court_id: int, code: str, name: str) -> CourtroomInfo:
    """Create a courtroom in a court.

    Raises:
        NotFoundError: If the court does not exist.
        ConflictError: If the court already has a courtroom with this code.
        ValueError: If the code is empty.

    """
    code = _code(code)
    if session.get(Court, court_id) is None:
        raise NotFoundError(f"no court with id {court_id}")
    taken = select(Courtroom.id).where(Courtroom.court_id == court_id, Courtroom.code == code)
    if session.scalar(taken) is not None:
        raise ConflictError(f"court {court_id} already has a courtroom with code {code!r}")
    row = Courtroom(court_id=court_id, code=code, name=name.strip() or code)
    insert(session, row)
    logger.info("courtroom %s created in court %s (id %s)", code, court_id, row.id)
    return _courtroom_info(row)


@translated
def get_courtroom(session: Session, courtroom_id: int) -> CourtroomInfo:
    """Return a courtroom by id.

    Raises:
        NotFoundError: If there is none.

    """
    row = session.get(Courtroom, courtroom_id)
    if row is None:
        raise NotFoundError(f"no courtroom with id {courtroom_id}")
    return _courtroom_info(row)


@translated
def find_courtroom(session: Session, court_id: int, code: str) -> CourtroomInfo | None:
    """Return the courtroom of a court with a code, or ``None``."""
    query = select(Courtroom).where(Courtroom.court_id == court_id, Courtroom.code == code.strip())
    row = session.scalar(query)
    return None if row is None else _courtroom_info(row)


@translated
def list_courtrooms(session: Session, court_id: int | None = None) -> list[CourtroomInfo]:
    """Return courtrooms, of one court if given, by court and code."""
    query = select(Courtroom).order_by(Courtroom.court_id, Courtroom.code)
    if court_id is not None:
        query = query.where(Courtroom.court_id == court_id)
    return [_courtroom_info(row) for row in session.scalars(query)]
