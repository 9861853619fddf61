"""Migration 0002: the search schema on both backends, its downgrade, and pg_trgm failures."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from storage.db import alembic_config, current_revision, head_revision, make_engine, upgrade
from storage.db.models import Base
from storage.errors import StorageError
from storage.search import include_name
from tests.db.conftest import BACKENDS, PostgresAdmin

SEARCH_TABLES = {"search_segments", "search_terms"}
FTS_TABLES = {"search_segments_fts", "search_terms_fts"}


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def diff(url: str, *, filtered: bool = True) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            options: dict[str, object] = {"compare_type": True}
            if filtered:
                options["include_name"] = include_name
            context = MigrationContext.configure(connection, opts=options)
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_search_schema_matches_its_models(
    backend: str, fresh_url: Callable[[str], str]
) -> None:
    url = fresh_url(backend)
    upgrade(url)
    assert current_revision(url) == head_revision()
    assert tables(url) >= SEARCH_TABLES
    if backend == "sqlite":
        assert tables(url) >= FTS_TABLES
        # SQLite lists FTS5 tables among its tables; only they need the filter
        removed = {entry[1].name for entry in diff(url, filtered=False)}
        assert removed and all(name.startswith(tuple(FTS_TABLES)) for name in removed)
    assert diff(url) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_removes_the_search_schema_and_upgrade_restores_it(
    backend: str, fresh_url: Callable[[str], str]
) -> None:
    url = fresh_url(backend)
    upgrade(url)
    command.downgrade(alembic_config(url), "0001")
    assert current_revision(url) == "0001"
    assert not (SEARCH_TABLES | FTS_TABLES) & tables(url)
    assert upgrade(url) == head_revision()
    assert diff(url) == []


@pytest.fixture
def unprivileged_database(postgres: PostgresAdmin) -> Iterator[str]:
    """A database whose user may create tables but not extensions (not its owner)."""
    role = f"courtrec_noext_{secrets.token_hex(4)}"
    url = postgres.create()
    name = make_url(url).database
    admin = libpq(postgres.admin_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT CONNECT ON DATABASE "{name}" TO "{role}"')
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute(f'GRANT ALL ON SCHEMA public TO "{role}"')
    try:
        yield make_url(url).set(username=role).render_as_string(hide_password=False)
    finally:
        postgres.drop(url)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_migration_fails_clearly_without_pg_trgm(unprivileged_database: str) -> None:
    with pytest.raises(StorageError, match="cannot create PostgreSQL extension pg_trgm") as info:
        upgrade(unprivileged_database)
    assert "CREATE EXTENSION pg_trgm" in str(info.value)
    assert current_revision(unprivileged_database) is None  # one transaction: nothing applied
