"""What Alembic must not compare: the database objects the ORM cannot describe.

SQLite lists FTS5 virtual tables and their shadow tables (``search_segments_fts``,
``search_segments_fts_data``, ``_idx``, ``_docsize``, ``_config``, and the same for
``search_terms_fts``) among its tables. They are created by migration 0002 and have no
model, so ``alembic revision --autogenerate`` (and any model-versus-database check) would
propose dropping them. Pass :func:`include_name` as ``include_name`` to
``context.configure`` / ``MigrationContext.configure`` to leave them out.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["FTS_TABLES", "include_name", "is_unmanaged_table"]

logger = logging.getLogger(__name__)

FTS_TABLES = ("search_segments_fts", "search_terms_fts")
"""SQLite FTS5 tables of the search index (each has shadow tables ``<name>_*``)."""


def is_unmanaged_table(name: str | None) -> bool:
    """Whether a table belongs to SQLite's FTS5 machinery rather than to the models."""
    if not name:
        return False
    return any(name == table or name.startswith(f"{table}_") for table in FTS_TABLES)


def include_name(name: str | None, type_: Any, parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: skip the FTS5 tables, compare everything else.

    Args:
        name: Name of the reflected object.
        type_: ``"table"``, ``"column"``, ``"index"`` ...
        parent_names: Names of the enclosing schema and table.

    Returns:
        ``False`` for FTS5 tables and their shadow tables.

    """
    if type_ == "table":
        return not is_unmanaged_table(name)
    return True
