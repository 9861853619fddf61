"""Tables of the search index, on the shared :class:`storage.db.models.Base` metadata.

``search_segments`` holds one row per indexed protocol segment: what a hit shows (times,
speaker, language, text), copies of the recording's court, courtroom, case number and
hearing start so that scope and filters need no join, and ``terms``, the stemmed text
both backends index (:func:`storage.search.stemming.index_text`). The copies are taken
when a protocol is indexed; re-index a recording if its case or courtroom changes.

``search_terms`` is the vocabulary of stems seen (four letters or more), searched by
trigram similarity to find the spellings a recogniser produced for a query word.

What the database builds on top of these is created by migration 0002 and maintained by
triggers, so that no code path can forget it:

* PostgreSQL: ``tsv`` (a ``tsvector`` of ``terms`` under the ``simple`` configuration,
  set by ``tsvector_update_trigger``) with a GIN index; a ``pg_trgm`` GIN index on
  ``search_terms.term``.
* SQLite: FTS5 tables ``search_segments_fts`` (external content over ``terms``) and
  ``search_terms_fts`` (contentless, trigram tokenizer over the padded ``term``), kept
  in step by triggers on insert, update and delete. ``tsv`` exists there too (one model
  for both databases) but stays NULL. Alembic cannot reflect virtual tables, see
  :func:`storage.search.schema.include_name`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from storage.db.models import Base
from storage.db.types import UtcDateTime

__all__ = ["SearchSegment", "SearchTerm", "TsVector"]

logger = logging.getLogger(__name__)


class TsVector(TypeDecorator[str]):
    """PostgreSQL ``tsvector``; plain text (unused) on SQLite, where FTS5 does the work."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Choose the database's own type."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TSVECTOR())
        return dialect.type_descriptor(Text())


class SearchSegment(Base):
    """One segment of an indexed protocol version of a recording, for one audience.

    ``audience`` is ``"court"`` for the newest version, which judges and clerks search,
    or ``"party"`` for the approved version with personal data masked, which parties
    search: a party must find neither unapproved corrections nor an IIN in a snippet.
    """

    __tablename__ = "search_segments"
    __table_args__ = (
        UniqueConstraint(
            "recording_id", "audience", "segment_index", name="uq_search_segments_segment"
        ),
        Index("ix_search_segments_court_id_hearing_started_at", "court_id", "hearing_started_at"),
        Index("ix_search_segments_case_number", "case_number"),
        # GIN on PostgreSQL; on SQLite, where tsv stays NULL, a partial index that is
        # always empty (declared for both so that one model describes both databases)
        Index(
            "ix_search_segments_tsv",
            "tsv",
            postgresql_using="gin",
            sqlite_where=text("tsv IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id"))
    version: Mapped[int] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(8), default="court", server_default="court")
    segment_index: Mapped[int] = mapped_column(Integer)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    speaker_label: Mapped[str] = mapped_column(String(200))
    speaker_role: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)
    tsv: Mapped[str | None] = mapped_column(TsVector)
    court_id: Mapped[int] = mapped_column(Integer)
    courtroom_id: Mapped[int] = mapped_column(Integer)
    case_number: Mapped[str] = mapped_column(String(64))
    hearing_started_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SearchTerm(Base):
    """A stem that occurs (or occurred) in some indexed segment.

    Rows are only added: a stem whose segments were re-indexed away stays, and costs no
    more than a fuzzy candidate that matches nothing.
    """

    __tablename__ = "search_terms"
    __table_args__ = (
        # trigram GIN on PostgreSQL; a plain (small, redundant) index on SQLite, whose
        # trigram index is the FTS5 table search_terms_fts
        Index(
            "ix_search_terms_term_trgm",
            "term",
            postgresql_using="gin",
            postgresql_ops={"term": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(64), unique=True)
