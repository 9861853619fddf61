"""Alembic environment of the storage database.

:mod:`storage.db.migrate` runs this with a connection already inside a transaction (passed
as ``config.attributes["connection"]``) so that the engine settings of
:func:`storage.db.session.make_engine` apply and the caller controls locking. Run any other
way (``alembic`` with a config naming ``sqlalchemy.url``) it makes its own engine.

SQLite cannot alter most of a table in place, so migrations run in Alembic's batch mode
there (copy, alter, rename); the same revision scripts then work on both databases.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

import storage.search.models  # noqa: F401 - registers the search tables on Base.metadata
from storage.db.models import Base
from storage.db.session import make_engine
from storage.db.types import UtcDateTime
from storage.search.schema import include_name

__all__: list[str] = []

logger = logging.getLogger("storage.db.migrations.env")


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write project types as the plain SQLAlchemy types they compile to.

    Revision scripts then never import model code, which may change after they were
    written; a timestamp column stays ``sa.DateTime(timezone=True)`` forever.
    """
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    """Bind the migration context to a connection."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        include_name=include_name,
    )


def run_migrations_online() -> None:
    """Run on the caller's connection if given, else on an engine of our own."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or pass a connection")
    engine = make_engine(url)
    try:
        with engine.connect() as own_connection:
            _configure(own_connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    """Write the SQL of the migrations instead of running them (``alembic --sql``)."""
    url = context.config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=bool(url and url.startswith("sqlite")),
        render_item=_render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
