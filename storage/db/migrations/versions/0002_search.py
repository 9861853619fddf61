"""Full-text search over protocols: indexed segments, the stem vocabulary, their indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Both databases get the tables ``search_segments`` and ``search_terms``; what indexes them
differs and is maintained by triggers, so that every write keeps it in step:

* PostgreSQL: the ``pg_trgm`` extension (fuzzy matching of spellings; the migration
  fails with an explanation if it cannot be created), a ``tsvector`` column filled by the
  built-in ``tsvector_update_trigger`` with the ``simple`` configuration (the text is
  stemmed in Python already), and GIN indexes on it and on the vocabulary's trigrams.
* SQLite: FTS5 tables over the same columns: ``search_segments_fts`` (external content,
  no copy of the text) and ``search_terms_fts`` (contentless, trigram tokenizer, SQLite
  3.34 or later, over the padded terms), fed by insert, update and delete triggers.

Like 0001, this script names everything explicitly and imports no model code.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from storage.errors import StorageError

__all__ = ["downgrade", "upgrade"]

logger = logging.getLogger("storage.db.migrations.0002")

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_MIN_VERSION = (3, 34, 0)  # the FTS5 trigram tokenizer

_SQLITE_FTS = (
    """CREATE VIRTUAL TABLE search_segments_fts USING fts5(
        terms, content='search_segments', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER search_segments_fts_insert AFTER INSERT ON search_segments BEGIN
        INSERT INTO search_segments_fts(rowid, terms) VALUES (new.id, new.terms);
    END""",
    """CREATE TRIGGER search_segments_fts_delete AFTER DELETE ON search_segments BEGIN
        INSERT INTO search_segments_fts(search_segments_fts, rowid, terms)
        VALUES ('delete', old.id, old.terms);
    END""",
    """CREATE TRIGGER search_segments_fts_update AFTER UPDATE OF terms ON search_segments
    BEGIN
        INSERT INTO search_segments_fts(search_segments_fts, rowid, terms)
        VALUES ('delete', old.id, old.terms);
        INSERT INTO search_segments_fts(rowid, terms) VALUES (new.id, new.terms);
    END""",
    # Contentless, and fed the term padded like pg_trgm pads it ("  term "), so that
    # the first and last letters have trigrams of their own: a five-letter word with its
    # middle letter wrong shares no inner trigram with the right one.
    """CREATE VIRTUAL TABLE search_terms_fts USING fts5(
        term, content='', tokenize='trigram')""",
    """CREATE TRIGGER search_terms_fts_insert AFTER INSERT ON search_terms BEGIN
        INSERT INTO search_terms_fts(rowid, term) VALUES (new.id, '  ' || new.term || ' ');
    END""",
    """CREATE TRIGGER search_terms_fts_delete AFTER DELETE ON search_terms BEGIN
        INSERT INTO search_terms_fts(search_terms_fts, rowid, term)
        VALUES ('delete', old.id, '  ' || old.term || ' ');
    END""",
)


def _create_tables(tsv_type: sa.types.TypeEngine[Any]) -> None:
    """The tables, their keys and the B-tree indexes both databases share."""
    op.create_table(
        "search_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("segment_index", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Float(), nullable=False),
        sa.Column("end_s", sa.Float(), nullable=False),
        sa.Column("speaker_label", sa.String(200), nullable=False),
        sa.Column("speaker_role", sa.String(32), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("tsv", tsv_type, nullable=True),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("courtroom_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(64), nullable=False),
        sa.Column("hearing_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_segments")),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_search_segments_recording_id_recordings"),
        ),
        sa.UniqueConstraint(
            "recording_id", "segment_index", name=op.f("uq_search_segments_segment")
        ),
    )
    op.create_index(
        op.f("ix_search_segments_court_id_hearing_started_at"),
        "search_segments",
        ["court_id", "hearing_started_at"],
    )
    op.create_index(op.f("ix_search_segments_case_number"), "search_segments", ["case_number"])
    op.create_table(
        "search_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_terms")),
        sa.UniqueConstraint("term", name=op.f("uq_search_terms_term")),
    )


def _create_pg_trgm(bind: sa.Connection) -> None:
    """Create ``pg_trgm`` or stop with what the operator has to do about it."""
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar()
    if not available:
        raise StorageError(
            "PostgreSQL extension pg_trgm is not installed on the database server; "
            "install the server's contrib modules (Debian: it ships with postgresql-15) "
            "and run the migration again"
        )
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError as exc:
        database = bind.engine.url.database
        raise StorageError(
            f"cannot create PostgreSQL extension pg_trgm in database {database!r} "
            f"({str(exc.orig).strip().splitlines()[0]}); a superuser or the database owner "
            f"must run: CREATE EXTENSION pg_trgm;  then run the migration again"
        ) from exc
    score = bind.execute(sa.text("SELECT similarity('иванова', 'иваннова')")).scalar()
    if score is None or score < 0.5:
        logger.warning(
            "pg_trgm does not see Cyrillic letters as letters in this database (its "
            "LC_CTYPE is probably C): fuzzy search will miss spelling variants. Create the "
            "database with a UTF-8 locale, e.g. LC_CTYPE 'C.UTF-8'."
        )


def _upgrade_postgresql(bind: sa.Connection) -> None:
    _create_pg_trgm(bind)
    _create_tables(postgresql.TSVECTOR())
    op.execute(
        "CREATE TRIGGER search_segments_tsv BEFORE INSERT OR UPDATE OF terms "
        "ON search_segments FOR EACH ROW "
        "EXECUTE FUNCTION tsvector_update_trigger(tsv, 'pg_catalog.simple', terms)"
    )
    op.create_index(
        op.f("ix_search_segments_tsv"), "search_segments", ["tsv"], postgresql_using="gin"
    )
    op.create_index(
        op.f("ix_search_terms_term_trgm"),
        "search_terms",
        ["term"],
        postgresql_using="gin",
        postgresql_ops={"term": "gin_trgm_ops"},
    )


def _upgrade_sqlite(bind: sa.Connection) -> None:
    version = bind.exec_driver_sql("SELECT sqlite_version()").scalar() or "0"
    if tuple(int(part) for part in str(version).split(".")[:3]) < _SQLITE_MIN_VERSION:
        raise StorageError(
            f"SQLite {version} is too old for the search index: the FTS5 trigram "
            "tokenizer needs 3.34 or later"
        )
    _create_tables(sa.Text())
    # The models declare these for both databases; on SQLite the first one stays empty
    # (tsv is never set there) and the second is a plain index on a small table.
    op.create_index(
        op.f("ix_search_segments_tsv"),
        "search_segments",
        ["tsv"],
        sqlite_where=sa.text("tsv IS NOT NULL"),
    )
    op.create_index(op.f("ix_search_terms_term_trgm"), "search_terms", ["term"])
    try:
        for statement in _SQLITE_FTS:
            op.execute(statement)
    except DBAPIError as exc:
        raise StorageError(
            f"this SQLite cannot create the FTS5 search index ({exc.orig}); "
            "use a Python whose sqlite3 module is built with FTS5"
        ) from exc


def upgrade() -> None:
    """Create the search tables and the database's own index structures over them."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _upgrade_postgresql(bind)
    else:
        _upgrade_sqlite(bind)


def downgrade() -> None:
    """Drop the search index; the extension stays (other databases may use it)."""
    if op.get_bind().dialect.name == "sqlite":
        for name in (
            "search_terms_fts_delete",
            "search_terms_fts_insert",
            "search_segments_fts_update",
            "search_segments_fts_delete",
            "search_segments_fts_insert",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_terms_fts")
        op.execute("DROP TABLE IF EXISTS search_segments_fts")
    op.drop_table("search_terms")
    op.drop_table("search_segments")
