"""Engines and sessions for SQLite (embedded mode) and PostgreSQL (distributed mode).

The same code runs on both; what differs is set up here, once, when the engine is made:

* SQLite: write-ahead logging (readers do not block the writer), foreign keys enforced
  (SQLite ignores them by default), a busy timeout (a writer waits for the lock instead of
  failing at once), connections usable from the API's threads, and ``BEGIN IMMEDIATE`` for
  every transaction. The last point matters: a default (deferred) SQLite transaction that
  reads and then writes fails with "database is locked" at once, without waiting, when
  another connection wrote in between; taking the write lock at ``BEGIN`` makes
  transactions wait their turn instead. The price is one writer at a time, which the
  embedded mode (one machine, a few recorders, one worker) can afford.
* PostgreSQL: psycopg 3 (a ``postgresql://`` URL is switched to it rather than to the
  psycopg2 default of SQLAlchemy), a connect timeout, and ``pool_pre_ping`` so a pooled
  connection dropped by a database restart is replaced instead of failing a request.

Errors are translated at this boundary (:mod:`storage.db.translate`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from storage.db.translate import translate_errors
from storage.errors import StorageError

__all__ = [
    "DEFAULT_BUSY_TIMEOUT_S",
    "DEFAULT_CONNECT_TIMEOUT_S",
    "make_engine",
    "make_sessionmaker",
    "normalize_url",
    "session_scope",
    "sqlite_url",
]

logger = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT_S = 10.0
"""How long a PostgreSQL connection attempt may take before the database counts as down."""

DEFAULT_BUSY_TIMEOUT_S = 30.0
"""How long a SQLite transaction waits for the write lock before giving up."""


def sqlite_url(path: Path) -> str:
    """Return the SQLAlchemy URL of a SQLite database file (e.g. ``data/courtrec.db``)."""
    return URL.create("sqlite", database=str(Path(path))).render_as_string()


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL and pin the driver this project installs.

    ``postgresql://`` and ``postgres://`` (the form many hosting services give out) use
    psycopg 3; SQLAlchemy would otherwise look for psycopg2, which is not installed.

    Raises:
        StorageError: If the URL cannot be parsed or names an unsupported database.

    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"invalid database URL: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StorageError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    return parsed


def make_engine(
    url: str | URL,
    *,
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    pool_size: int = 5,
    echo: bool = False,
) -> Engine:
    """Create an engine set up for this project's use of SQLite or PostgreSQL.

    No connection is opened here; the first query connects, and a database that cannot be
    reached then raises :class:`StorageUnavailableError`.

    Args:
        url: SQLAlchemy URL, e.g. ``sqlite:///data/courtrec.db`` or
            ``postgresql://user:secret@db/courtrec``.
        connect_timeout_s: PostgreSQL connect timeout (whole seconds, at least 1).
        busy_timeout_s: SQLite wait for the write lock.
        pool_size: Pooled connections (file databases and PostgreSQL).
        echo: Log every SQL statement (debugging).

    Returns:
        The engine.

    Raises:
        StorageError: If the URL is invalid or its driver is not installed.

    """
    parsed = normalize_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed, busy_timeout_s, pool_size, echo)
        else:
            engine = create_engine(
                parsed,
                echo=echo,
                pool_pre_ping=True,
                pool_size=pool_size,
                connect_args={"connect_timeout": max(1, round(connect_timeout_s))},
            )
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StorageError(f"cannot use database URL: {exc}") from exc
    logger.debug("engine for %s", parsed.render_as_string(hide_password=True))
    return engine


def _sqlite_engine(url: URL, busy_timeout_s: float, pool_size: int, echo: bool) -> Engine:
    """SQLite engine with WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE."""
    in_memory = url.database in (None, "", ":memory:")
    options: dict[str, Any] = {
        "echo": echo,
        "connect_args": {"check_same_thread": False, "timeout": busy_timeout_s},
    }
    if in_memory:
        # One shared connection, or every checkout would see a different empty database.
        options["poolclass"] = StaticPool
    else:
        options["pool_size"] = pool_size
    engine = create_engine(url, **options)
    busy_ms = max(0, round(busy_timeout_s * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory for an engine.

    Objects are not expired on commit: repository functions turn rows into frozen
    dataclasses anyway, and expiring would make a read after commit hit the database.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Run a block in one transaction: commit if it returns, roll back if it raises.

    SQLAlchemy errors raised inside the block or by the commit come out as storage errors
    (:func:`storage.db.translate.translate_errors`), so callers need no SQLAlchemy import.

    Example::

        with session_scope(factory) as session:
            recording, created = create_recording(session, new)

    Yields:
        The session.

    """
    with translate_errors():
        session = factory()
        try:
            yield session
            session.commit()
        except BaseException:
            _rollback_quietly(session)
            raise
        finally:
            session.close()


def _rollback_quietly(session: Session) -> None:
    """Roll back without hiding the original error if the connection is already gone."""
    try:
        session.rollback()
    except Exception:  # the original exception is the one worth reporting
        logger.warning("rollback failed", exc_info=True)
