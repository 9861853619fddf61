"""Initial schema: courts, courtrooms, devices, users, recordings, uploads, protocol versions.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Every constraint and index is named explicitly (``op.f`` keeps a name as written), so this
script does not depend on the models' naming convention, which may change later, and
SQLite batch migrations can find each constraint by name. Enums are strings with a CHECK
constraint: no native PostgreSQL enum type that would need its own migrations.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

__all__ = ["downgrade", "upgrade"]

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, *, nullable: bool = False) -> sa.Column[object]:
    """A timestamp column (UTC, timezone-aware on PostgreSQL)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, *columns: str, name: str | None = None) -> None:
    op.create_index(op.f(name or f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def upgrade() -> None:
    """Create the tables of the recording service."""
    op.create_table(
        "courts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _pk("courts"),
        sa.UniqueConstraint("code", name=op.f("uq_courts_code")),
    )

    op.create_table(
        "courtrooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        _pk("courtrooms"),
        _fk("courtrooms", "court_id", "courts"),
        sa.UniqueConstraint("court_id", "code", name=op.f("uq_courtrooms_court_code")),
    )
    _index("courtrooms", "court_id")

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=True),
        _utc("created_at"),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        _pk("users"),
        _fk("users", "court_id", "courts"),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        sa.CheckConstraint(
            "role IN ('admin', 'judge', 'clerk', 'party')", name=op.f("ck_users_user_role")
        ),
    )
    _index("users", "court_id")

    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("courtroom_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("token_prefix", sa.String(16), nullable=False),
        _utc("created_at"),
        _utc("revoked_at", nullable=True),
        _pk("devices"),
        _fk("devices", "courtroom_id", "courtrooms"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_devices_token_hash")),
    )
    _index("devices", "courtroom_id")

    op.create_table(
        "recordings",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("courtroom_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("case_number", sa.String(64), nullable=False),
        _utc("hearing_started_at"),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("channel_map", sa.JSON(), nullable=True),
        sa.Column("num_speakers", sa.Integer(), nullable=True),
        sa.Column("min_speakers", sa.Integer(), nullable=True),
        sa.Column("max_speakers", sa.Integer(), nullable=True),
        sa.Column("vocabulary", sa.JSON(), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("original_key", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step", sa.String(32), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker_id", sa.String(255), nullable=True),
        sa.Column("task_id", sa.String(255), nullable=True),
        _utc("created_at"),
        _utc("updated_at"),
        _utc("queued_at", nullable=True),
        _utc("started_at", nullable=True),
        _utc("heartbeat_at", nullable=True),
        _utc("finished_at", nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("protocol_key", sa.String(512), nullable=True),
        _pk("recordings"),
        _fk("recordings", "courtroom_id", "courtrooms"),
        _fk("recordings", "device_id", "devices"),
        sa.UniqueConstraint(
            "courtroom_id",
            "case_number",
            "hearing_started_at",
            "sha256",
            name=op.f("uq_recordings_dedupe"),
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'processing', 'done', 'failed')",
            name=op.f("ck_recordings_recording_status"),
        ),
    )
    _index("recordings", "courtroom_id")
    _index("recordings", "device_id")
    _index("recordings", "case_number")
    _index("recordings", "created_at")
    _index("recordings", "status", "queued_at")
    _index("recordings", "status", "heartbeat_at")

    op.create_table(
        "protocol_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("parent_sha256", sa.String(64), nullable=True),
        sa.Column("object_key", sa.String(512), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _utc("created_at"),
        _pk("protocol_versions"),
        _fk("protocol_versions", "recording_id", "recordings"),
        _fk("protocol_versions", "author_id", "users"),
        sa.UniqueConstraint("recording_id", "version", name=op.f("uq_protocol_versions_version")),
    )
    _index("protocol_versions", "recording_id")
    _index("protocol_versions", "author_id")

    op.create_table(
        "uploads",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("courtroom_id", sa.Integer(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("expected_sha256", sa.String(64), nullable=True),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        _utc("created_at"),
        _utc("updated_at"),
        _utc("expires_at"),
        sa.Column("recording_id", sa.String(32), nullable=True),
        _pk("uploads"),
        _fk("uploads", "device_id", "devices"),
        _fk("uploads", "courtroom_id", "courtrooms"),
        _fk("uploads", "recording_id", "recordings"),
    )
    _index("uploads", "device_id")
    _index("uploads", "courtroom_id")
    _index("uploads", "expires_at")
    _index("uploads", "recording_id")


def downgrade() -> None:
    """Drop every table (indexes go with them), children before parents."""
    for table in (
        "uploads",
        "protocol_versions",
        "recordings",
        "devices",
        "users",
        "courtrooms",
        "courts",
    ):
        op.drop_table(table)
