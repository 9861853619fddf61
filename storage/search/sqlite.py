"""SQLite backend: FTS5 over the stems, an FTS5 trigram table for spelling variants.

Matching uses ``search_segments_fts`` (external content: it indexes ``terms`` of
``search_segments`` by rowid and stores no copy). The FTS5 query is built from quoted
stems (letters and digits only, see :mod:`storage.search.plan`): ``OR`` between a word's
alternatives, ``AND`` between words. FTS5 phrases cannot hold alternatives, so a phrase
becomes the ``OR`` of its spellings (at most :data:`MAX_PHRASE_SPELLINGS`; beyond that,
each word's first stem only). Relevance is FTS5's BM25, negated so higher is better.

SQLite has no ``pg_trgm``: ``search_terms_fts`` (FTS5 with the trigram tokenizer over the
padded vocabulary) finds terms that share trigrams with a stem, best BM25 first, and
:func:`storage.search.fuzzy.accept_variants` keeps those within the allowed edit
distance, as on PostgreSQL.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import Join

from storage.search.filters import Ranked, conditions, tie_breakers
from storage.search.fuzzy import CANDIDATES, accept_variants, trigrams
from storage.search.models import SearchSegment
from storage.search.plan import Plan
from storage.search.query import SearchQuery

__all__ = ["MAX_PHRASE_SPELLINGS", "fetch", "find_variants", "match_text"]

logger = logging.getLogger(__name__)

MAX_PHRASE_SPELLINGS = 16
"""Most alternative spellings of one phrase (the product of its words' stems)."""
_LENGTH_SLACK = 2  # two edits change the length by two letters at most

_SEGMENTS_FTS = table("search_segments_fts", column("rowid", Integer))
# The table's own name, which is what MATCH and bm25() take as their left/first argument.
_FTS_COLUMN: ColumnClause[Any] = literal_column("search_segments_fts")


def _string(stem: str) -> str:
    return f'"{stem}"'


def _alternatives(stems: Sequence[str]) -> str:
    return "(" + " OR ".join(_string(stem) for stem in stems) + ")"


def _phrase(phrase: Sequence[Sequence[str]]) -> str:
    spellings = list(itertools.islice(itertools.product(*phrase), MAX_PHRASE_SPELLINGS + 1))
    if len(spellings) > MAX_PHRASE_SPELLINGS:
        spellings = [tuple(stems[0] for stems in phrase)]
    return "(" + " OR ".join(_string(" ".join(spelling)) for spelling in spellings) + ")"


def match_text(plan: Plan, *, with_variants: bool = True) -> str:
    """The FTS5 ``MATCH`` expression of a plan.

    Args:
        plan: What to match.
        with_variants: Include spelling variants (``False``: the query's own words only).

    Returns:
        For example ``("иск" OR "ис") AND ("суд") AND ("сот отыр")``.

    """
    parts = [
        _alternatives(stems + (variants if with_variants else ()))
        for stems, variants in zip(plan.words, plan.variants, strict=True)
    ]
    parts.extend(_phrase(phrase) for phrase in plan.phrases)
    return " AND ".join(parts)


def _trigram_match(stem: str) -> str:
    """Any of the stem's padded trigrams, as ``search_terms_fts`` indexes them."""
    return " OR ".join(_string(piece) for piece in sorted(trigrams(stem)))


def find_variants(session: Session, stems: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Spelling variants in the vocabulary for each stem (see :mod:`storage.search.fuzzy`).

    Args:
        session: Open session on SQLite.
        stems: Query stems worth a look-up.

    Returns:
        Variants per stem, closest first; stems without any are left out.

    """
    statement = text(
        "SELECT t.term FROM search_terms_fts JOIN search_terms AS t "
        "ON t.id = search_terms_fts.rowid "
        "WHERE search_terms_fts MATCH :match AND length(t.term) BETWEEN :shortest AND :longest "
        "ORDER BY bm25(search_terms_fts) LIMIT :candidates"
    )
    found: dict[str, tuple[str, ...]] = {}
    for stem in stems:
        terms = session.scalars(
            statement,
            {
                "match": _trigram_match(stem),
                "shortest": len(stem) - _LENGTH_SLACK,
                "longest": len(stem) + _LENGTH_SLACK,
                "candidates": CANDIDATES,
            },
        )
        variants = accept_variants(stem, terms)
        if variants:
            found[stem] = variants
    return found


class _CrossJoin(Join):
    """``a CROSS JOIN b ON ...``: SQLite then keeps ``a`` as the outer loop."""

    inherit_cache = True


@compiles(_CrossJoin, "sqlite")
def _compile_cross_join(element: _CrossJoin, compiler: Any, **kw: Any) -> str:
    kw["asfrom"] = True
    left = element.left._compiler_dispatch(compiler, **kw)
    right = element.right._compiler_dispatch(compiler, **kw)
    del kw["asfrom"]
    assert element.onclause is not None  # always given, see fetch()
    onclause = element.onclause._compiler_dispatch(compiler, **kw)
    return f"{left} CROSS JOIN {right} ON {onclause}"


def _match(expression: str) -> ColumnElement[bool]:
    return _FTS_COLUMN.bool_op("MATCH")(expression)


def fetch(session: Session, plan: Plan, query: SearchQuery) -> tuple[list[Ranked], int]:
    """Match, filter, rank and count; return one page of ranked ids and the total.

    The full-text match drives the join (``CROSS JOIN``): each match looks up its segment
    row by rowid, the filters run on it, and only the survivors are scored. Left to
    itself, SQLite may instead drive the join from a filter's index and run the whole
    full-text query again for every row it finds there. Without filters the total is
    FTS5's own count, which reads no segment rows; with them, ``count(*) OVER ()``.
    """
    expression = match_text(plan)
    score = (-func.bm25(_FTS_COLUMN, type_=Float)).label("score")
    exact: ColumnElement[bool]
    if plan.has_variants:
        exact_ids = (
            select(_SEGMENTS_FTS.c.rowid)
            .select_from(_SEGMENTS_FTS)
            .where(_match(match_text(plan, with_variants=False)))
        )
        exact = SearchSegment.id.in_(exact_ids.scalar_subquery())
    else:
        exact = literal(True)
    where = conditions(query)
    joined = _CrossJoin(
        _SEGMENTS_FTS, SearchSegment.__table__, SearchSegment.id == _SEGMENTS_FTS.c.rowid
    )
    hits = (
        select(
            SearchSegment.id,
            score,
            exact.label("exact"),
            SearchSegment.hearing_started_at,
            SearchSegment.recording_id,
            SearchSegment.segment_index,
        )
        .select_from(joined)
        .where(_match(expression), *where)
    )
    if not where:
        statement = hits.order_by(exact.desc(), score.desc(), *tie_breakers())
        count = select(func.count()).select_from(_SEGMENTS_FTS).where(_match(expression))
    else:
        # bm25() cannot be called where a window function is computed: score first, in a
        # materialized CTE of the (filtered, so often few) hits, then count and order.
        scored = hits.cte("hits").prefix_with("MATERIALIZED")
        statement = select(
            scored.c.id, scored.c.score, scored.c.exact, func.count().over().label("total")
        ).order_by(
            scored.c.exact.desc(),
            scored.c.score.desc(),
            scored.c.hearing_started_at.desc(),
            scored.c.recording_id.asc(),
            scored.c.segment_index.asc(),
        )
        count = select(func.count()).select_from(scored)
    rows = session.execute(statement.limit(query.limit).offset(query.offset)).all()
    ranked = [Ranked(row.id, float(row.score), bool(row.exact)) for row in rows]
    if where and rows:
        return ranked, int(rows[0].total)
    if where and query.offset == 0:
        return ranked, 0
    return ranked, int(session.scalar(count) or 0)
