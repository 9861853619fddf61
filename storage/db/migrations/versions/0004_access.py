"""Protocol access: case parties, approval and signatures of versions, audio, party search.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

* ``case_parties``: which user takes part in which case (court and case number).
* ``protocol_versions``: the editor's note, the approval (who, when) and the signatures
  made at approval, of the document and of the parties' copy with personal data masked.
* ``recordings``: the key of the normalized audio the worker stores for playback, and
  the approved version parties see.
* ``search_segments.audience``: ``court`` rows index the newest version for judges,
  ``party`` rows the approved, masked version for parties; the unique key now includes
  it. SQLite cannot alter a constraint in place, so the table is rebuilt (Alembic batch
  mode); the FTS5 triggers that hang on it are dropped first and created again after,
  and the FTS5 index is rebuilt from the copied rows (their ids, the FTS rowids, are kept).

Like the earlier scripts this one names everything explicitly and imports no model code.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

__all__ = ["downgrade", "upgrade"]

logger = logging.getLogger("storage.db.migrations.0004")

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)

_SQLITE_SEGMENT_TRIGGERS = (
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
)
_SQLITE_SEGMENT_TRIGGER_NAMES = (
    "search_segments_fts_insert",
    "search_segments_fts_delete",
    "search_segments_fts_update",
)


def _create_case_parties() -> None:
    op.create_table(
        "case_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(64), nullable=False),
        sa.Column("party_role", sa.String(32), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_case_parties_user_id_users"),
        sa.ForeignKeyConstraint(
            ["court_id"], ["courts.id"], name="fk_case_parties_court_id_courts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_case_parties"),
        sa.UniqueConstraint("user_id", "court_id", "case_number", name="uq_case_parties_member"),
    )
    op.create_index("ix_case_parties_user_id", "case_parties", ["user_id"])
    op.create_index(
        "ix_case_parties_court_id_case_number", "case_parties", ["court_id", "case_number"]
    )


def _alter_versions_and_recordings() -> None:
    with op.batch_alter_table("protocol_versions") as batch:
        batch.add_column(sa.Column("note", sa.String(500), nullable=True))
        batch.add_column(sa.Column("approved_at", _UTC, nullable=True))
        batch.add_column(sa.Column("approved_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("signature", sa.Text(), nullable=True))
        batch.add_column(sa.Column("signing_key_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("signature_algorithm", sa.String(32), nullable=True))
        batch.add_column(sa.Column("party_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("party_object_key", sa.String(512), nullable=True))
        batch.add_column(sa.Column("party_signature", sa.Text(), nullable=True))
        batch.create_foreign_key(
            "fk_protocol_versions_approved_by_users", "users", ["approved_by"], ["id"]
        )
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("audio_key", sa.String(512), nullable=True))
        batch.add_column(sa.Column("approved_version", sa.Integer(), nullable=True))


def _alter_search_segments(dialect: str) -> None:
    if dialect == "sqlite":
        for name in _SQLITE_SEGMENT_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("search_segments") as batch:
        batch.add_column(
            sa.Column("audience", sa.String(8), nullable=False, server_default="court")
        )
        batch.drop_constraint("uq_search_segments_segment", type_="unique")
        batch.create_unique_constraint(
            "uq_search_segments_segment", ["recording_id", "audience", "segment_index"]
        )
    if dialect == "sqlite":
        for statement in _SQLITE_SEGMENT_TRIGGERS:
            op.execute(statement)
        op.execute("INSERT INTO search_segments_fts(search_segments_fts) VALUES ('rebuild')")


def upgrade() -> None:
    """Add case parties, approvals and signatures, audio keys and the search audience."""
    dialect = op.get_bind().dialect.name
    _create_case_parties()
    _alter_versions_and_recordings()
    _alter_search_segments(dialect)


def downgrade() -> None:
    """Remove what :func:`upgrade` added (party search rows are deleted first)."""
    dialect = op.get_bind().dialect.name
    op.execute("DELETE FROM search_segments WHERE audience <> 'court'")
    if dialect == "sqlite":
        for name in _SQLITE_SEGMENT_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("search_segments") as batch:
        batch.drop_constraint("uq_search_segments_segment", type_="unique")
        batch.create_unique_constraint(
            "uq_search_segments_segment", ["recording_id", "segment_index"]
        )
        batch.drop_column("audience")
    if dialect == "sqlite":
        for statement in _SQLITE_SEGMENT_TRIGGERS:
            op.execute(statement)
        op.execute("INSERT INTO search_segments_fts(search_segments_fts) VALUES ('rebuild')")
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("approved_version")
        batch.drop_column("audio_key")
    with op.batch_alter_table("protocol_versions") as batch:
        batch.drop_constraint("fk_protocol_versions_approved_by_users", type_="foreignkey")
        for column in (
            "party_signature",
            "party_object_key",
            "party_sha256",
            "signature_algorithm",
            "signing_key_id",
            "signature",
            "approved_by",
            "approved_at",
            "note",
        ):
            batch.drop_column(column)
    op.drop_table("case_parties")
