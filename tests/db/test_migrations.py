"""Alembic migrations: empty database to head on both backends, and in step with the models."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect

import storage.search.models  # noqa: F401 - registers the search tables on Base.metadata
from storage.db import current_revision, head_revision, make_engine, upgrade
from storage.db.migrate import MIGRATIONS_DIR
from storage.db.models import Base
from storage.search.schema import include_name, is_unmanaged_table
from tests.db.conftest import BACKENDS

TABLES = {
    "alembic_version",
    "courts",
    "courtrooms",
    "devices",
    "users",
    "recordings",
    "uploads",
    "protocol_versions",
    "search_segments",
    "search_terms",
    "audit_events",
    "case_parties",
}


def diff_against(url: str, metadata: MetaData) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": include_name}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_from_empty_to_head(backend: str, fresh_url: Callable[[str], str]) -> None:
    url = fresh_url(backend)
    assert current_revision(url) is None

    assert upgrade(url) == head_revision()

    assert current_revision(url) == head_revision()
    engine = make_engine(url)
    try:
        names = {name for name in inspect(engine).get_table_names() if not is_unmanaged_table(name)}
        assert names == TABLES  # SQLite also lists the search index's FTS5 tables
    finally:
        engine.dispose()
    assert upgrade(url) == head_revision()  # a second start-up finds nothing to do


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_match_the_models(backend: str, fresh_url: Callable[[str], str]) -> None:
    url = fresh_url(backend)
    upgrade(url)

    assert diff_against(url, Base.metadata) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_model_comparison_can_fail(backend: str, fresh_url: Callable[[str], str]) -> None:
    """The no-diff check above would notice a model change the migrations lack."""
    url = fresh_url(backend)
    upgrade(url)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["courts"].append_column(Column("region", Integer, nullable=True))

    diff = diff_against(url, changed)

    assert [entry[0] for entry in diff] == ["add_column"]


def test_migrations_ship_inside_the_package() -> None:
    """No alembic.ini at the repository root: the scripts travel with storage.db."""
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert head_revision() == "0004"
