"""Translation of SQLAlchemy and driver exceptions into storage errors.

Callers (the API, the worker) must tell a transient fault from a permanent one without
importing SQLAlchemy: a database that cannot be reached, is locked for too long or
cancelled a transaction under contention is :class:`StorageUnavailableError` (retry later,
HTTP 503); a broken constraint is :class:`ConflictError` (HTTP 409); anything else is a
plain :class:`StorageError`. Every public function of :mod:`storage.db` goes through here.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from sqlalchemy import exc as sa_exc

from storage.errors import ConflictError, StorageError, StorageUnavailableError

__all__ = ["translate_errors", "translated"]

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# SQLite reports a missing table as an OperationalError, like a locked file; it is not
# transient, and retrying would only hide that migrations were never run.
_SCHEMA_MISSING = re.compile(r"no such (table|column)", re.IGNORECASE)


def _first_line(exc: BaseException) -> str:
    """Driver message without the SQL and parameters SQLAlchemy appends."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


@contextmanager
def translate_errors() -> Iterator[None]:
    """Re-raise SQLAlchemy exceptions raised inside the block as storage errors.

    Storage errors and all other exceptions pass through unchanged.

    Raises:
        StorageUnavailableError: Connection refused or lost, timeout, database locked,
            serialization failure or deadlock: worth a retry.
        ConflictError: A unique, foreign-key or check constraint was violated.
        StorageError: Any other database error (e.g. the schema is not migrated).

    """
    try:
        yield
    except sa_exc.IntegrityError as exc:
        raise ConflictError(f"database constraint violated: {_first_line(exc)}") from exc
    except sa_exc.OperationalError as exc:
        message = _first_line(exc)
        if _SCHEMA_MISSING.search(message):
            raise StorageError(
                f"the database schema is not up to date (run the migrations): {message}"
            ) from exc
        logger.warning("database unavailable: %s", message)
        raise StorageUnavailableError(f"the database is unavailable: {message}") from exc
    except (sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError) as exc:
        message = _first_line(exc)
        logger.warning("database unavailable: %s", message)
        raise StorageUnavailableError(f"the database is unavailable: {message}") from exc
    except sa_exc.SQLAlchemyError as exc:
        raise StorageError(f"database error: {_first_line(exc)}") from exc


def translated(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function so that it raises storage errors, never SQLAlchemy ones."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translate_errors():
            return func(*args, **kwargs)

    return wrapper
