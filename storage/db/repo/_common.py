"""Helpers shared by the repository modules: clock, inserts, compare-and-set updates."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, update
from sqlalchemy.orm import Session

from storage.db.models import Base
from storage.db.types import utc_now

__all__ = ["compare_and_set", "insert", "one_line", "require_aware", "resolve_now"]

logger = logging.getLogger(__name__)


def require_aware(value: datetime, name: str) -> datetime:
    """Return a datetime that has a time zone.

    Raises:
        ValueError: If it is naive: a guessed time zone would move a hearing or a deadline
            by hours, so the caller must say which zone it means.

    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def resolve_now(now: datetime | None) -> datetime:
    """Return ``now`` (tests and the reaper pass a clock), else the current UTC time.

    Raises:
        ValueError: If ``now`` is naive.

    """
    return utc_now() if now is None else require_aware(now, "now")


def insert(session: Session, row: Base) -> None:
    """Insert a row inside a savepoint and flush it now.

    A unique violation then surfaces here (as ``IntegrityError``, turned into
    ``ConflictError`` by the caller's ``@translated``) instead of at commit, and only the
    savepoint is rolled back: the caller's transaction stays usable.
    """
    with session.begin_nested():
        session.add(row)


def compare_and_set(
    session: Session,
    model: type[Base],
    conditions: Sequence[ColumnElement[bool]],
    values: Mapping[str, Any],
) -> bool:
    """Update one row only if it still satisfies ``conditions``; say whether it did.

    ``conditions`` must include the row's primary key, so at most one row matches.

    The check and the write are one ``UPDATE ... WHERE`` statement, so two processes
    (a worker and the reaper, two PATCH requests) cannot both win: the database decides
    which update sees the old state. Rows already loaded in the session are not refreshed;
    the repository reads with ``populate_existing`` for that reason.
    """
    statement = (
        update(model)
        .where(*conditions)
        .values(dict(values))
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount == 1


def one_line(text: str, limit: int) -> str:
    """Collapse whitespace and cut to ``limit`` characters (messages shown to people)."""
    line = " ".join(text.split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line
