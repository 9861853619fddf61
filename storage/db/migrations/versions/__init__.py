"""Alembic revision scripts, oldest first by their ``down_revision`` chain."""

__all__: list[str] = []
