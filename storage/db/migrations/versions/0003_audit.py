"""Audit log: the append-only ``audit_events`` table and the triggers that keep it so.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Every view, search, download, edit and approval is written to ``audit_events``; nobody
may change or remove an entry afterwards, the service included. The database enforces it:

* PostgreSQL: one plpgsql function, ``audit_events_refuse_change``, raises
  ``insufficient_privilege`` from row triggers before UPDATE and DELETE and from a
  statement trigger before TRUNCATE. Truncating an *empty* log is let through: it loses
  nothing, and refusing it would break ``TRUNCATE ... CASCADE`` of the other tables
  (maintenance scripts, test fixtures) for no gain.
* SQLite: ``BEFORE UPDATE`` and ``BEFORE DELETE`` triggers that ``RAISE(ABORT, ...)``.

A table owner can still drop the triggers; the rows' hash chain (see
:mod:`storage.db.repo.audit`) is what makes such an edit visible afterwards.

Like 0001 and 0002, this script names everything explicitly and imports no model code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

__all__ = ["downgrade", "upgrade"]

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "audit_events"

_PG_FUNCTION = """
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    has_rows boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
            INTO has_rows;
        IF NOT has_rows THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit events are never changed or removed';
END;
$$
"""

_PG_TRIGGERS = {
    "audit_events_no_update": "BEFORE UPDATE ON audit_events FOR EACH ROW",
    "audit_events_no_delete": "BEFORE DELETE ON audit_events FOR EACH ROW",
    "audit_events_no_truncate": "BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT",
}

_SQLITE_TRIGGERS = {
    "audit_events_no_update": "BEFORE UPDATE ON audit_events",
    "audit_events_no_delete": "BEFORE DELETE ON audit_events",
}


def _create_table() -> None:
    """The table and its indexes, the same on both databases."""
    op.create_table(
        _TABLE,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=True),
        sa.Column("object_id", sa.String(255), nullable=True),
        sa.Column("court_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(255), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.CheckConstraint(
            "actor_kind IN ('user', 'device', 'anonymous', 'system')",
            name=op.f("ck_audit_events_actor_kind"),
        ),
    )
    for columns in (
        ("at",),
        ("action",),
        ("actor_kind", "actor_id"),
        ("object_type", "object_id"),
        ("court_id", "at"),
    ):
        op.create_index(op.f(f"ix_{_TABLE}_{'_'.join(columns)}"), _TABLE, list(columns))


def _create_triggers(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        for name, when in _PG_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION audit_events_refuse_change()"
            )
        return
    for name, when in _SQLITE_TRIGGERS.items():
        operation = name.rsplit("_", 1)[-1].upper()
        op.execute(
            f"CREATE TRIGGER {name} {when} BEGIN "
            f"SELECT RAISE(ABORT, 'audit_events is append-only: {operation} refused'); END"
        )


def upgrade() -> None:
    """Create the audit log and make it append-only."""
    _create_table()
    _create_triggers(op.get_bind().dialect.name)


def downgrade() -> None:
    """Drop the triggers (and the PostgreSQL function), then the log itself."""
    if op.get_bind().dialect.name == "postgresql":
        for name in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {_TABLE}")
        op.execute("DROP FUNCTION IF EXISTS audit_events_refuse_change()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table(_TABLE)
