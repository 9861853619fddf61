"""Column types that behave the same on SQLite and PostgreSQL.

The embedded mode (SQLite) and the distributed mode (PostgreSQL) share one set of models,
so every type here is chosen for what both databases store and return identically.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["UtcDateTime", "utc_now"]

logger = logging.getLogger(__name__)


def utc_now() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps ``timestamptz`` but returns it in the session's time zone; SQLite has
    no time zone at all and would return naive values. Stored as naive UTC on SQLite (the
    fixed-width text then sorts and compares in time order, which the reaper's
    ``heartbeat_at < cutoff`` relies on) and converted to UTC on the way out everywhere,
    callers see one kind of datetime. Naive input is refused: guessing its zone would put
    a hearing at the wrong hour.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive UTC on SQLite).

        Raises:
            ValueError: If the datetime is naive.

        """
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: give a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return the stored value as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
