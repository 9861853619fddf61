"""Apply the Alembic migrations from code: no ``alembic.ini``, same call for both databases.

The API, the worker and the admin CLI call :func:`upgrade` at start-up. Several processes
may start together, so the upgrade runs in one transaction holding a lock: on PostgreSQL a
transaction-scoped advisory lock, on SQLite the write lock ``BEGIN IMMEDIATE`` takes. The
second process then waits and finds the schema already at head.

To write a new revision after changing the models::

    from alembic import command
    from storage.db.migrate import alembic_config
    command.revision(alembic_config("sqlite:///data/courtrec.db"), "what changed",
                     autogenerate=True)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, Connection

from storage.db.session import make_engine, normalize_url
from storage.db.translate import translate_errors, translated
from storage.errors import StorageError

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current_revision", "head_revision", "upgrade"]

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
"""Alembic script directory, shipped inside the package."""

_ADVISORY_LOCK_KEY = 0x636F_7572_7472_6563  # "courtrec": one lock for all our migrations


def alembic_config(url: str | URL | None = None) -> Config:
    """Return an Alembic config pointing at the packaged migrations.

    Args:
        url: Database URL for Alembic commands that connect themselves (``revision
            --autogenerate``); :func:`upgrade` passes its own connection instead.

    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        rendered = normalize_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head_revision() -> str:
    """Return the newest revision of the packaged migrations."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StorageError("no migrations are packaged")
    return head


@contextmanager
def _connected(database: str | URL | Engine) -> Iterator[Connection]:
    """Connect to a database given as URL or engine; dispose engines made here."""
    engine = database if isinstance(database, Engine) else make_engine(database)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        if engine is not database:
            engine.dispose()


@translated
def upgrade(database: str | URL | Engine, revision: str = "head") -> str | None:
    """Migrate a database to a revision (the newest by default), creating tables if empty.

    Args:
        database: URL or engine (engines from :func:`storage.db.session.make_engine`).
        revision: Target revision.

    Returns:
        The revision the database is at afterwards.

    Raises:
        StorageUnavailableError: If the database cannot be reached.
        StorageError: If a migration fails (nothing is applied then: one transaction).

    """
    config = alembic_config()
    with _connected(database) as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _set_sqlite_foreign_keys(connection, enabled=False)
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}
                    )
                before = MigrationContext.configure(connection).get_current_revision()
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    _check_sqlite_foreign_keys(connection)
                after = MigrationContext.configure(connection).get_current_revision()
        finally:
            if sqlite:
                _set_sqlite_foreign_keys(connection, enabled=True)
    if before != after:
        logger.info("database migrated from %s to %s", before or "empty", after)
    return after


def _set_sqlite_foreign_keys(connection: Connection, *, enabled: bool) -> None:
    """Switch SQLite foreign-key enforcement, outside any transaction.

    Batch migrations rebuild a table by copying it and dropping the old one; with foreign
    keys enforced, that drop would fail or cascade on rows of other tables. SQLite ignores
    the pragma inside a transaction, so it is sent on the raw connection before BEGIN.
    """
    raw = connection.connection.driver_connection
    if raw is None:  # pragma: no cover - only for detached connections
        raise StorageError("the SQLite connection is closed")
    raw.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")


def _check_sqlite_foreign_keys(connection: Connection) -> None:
    """Refuse a migration that left rows pointing at nothing (it is then rolled back)."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise StorageError(f"migration left {len(broken)} broken foreign keys: {broken[:5]}")


def current_revision(database: str | URL | Engine) -> str | None:
    """Return the database's revision, or ``None`` if it was never migrated.

    Raises:
        StorageUnavailableError: If the database cannot be reached.

    """
    with translate_errors(), _connected(database) as connection:
        return MigrationContext.configure(connection).get_current_revision()
