"""PostgreSQL backend: ``tsvector``/``tsquery`` over the stems, ``pg_trgm`` for variants.

Matching uses the GIN index on ``search_segments.tsv``; the query is built as a
``to_tsquery('simple', ...)`` string from quoted stems (letters and digits only, see
:mod:`storage.search.plan`), ``|`` between a word's alternatives, ``&`` between words and
``<->`` inside phrases. Relevance is ``ts_rank``. The total comes from
``count(*) OVER ()`` in the same statement: ranking has to visit every match anyway.

Spelling variants: one statement finds, for all the query's stems at once, the most
similar vocabulary terms through the trigram GIN index (``term % stem``, with pg_trgm's
threshold lowered to :data:`SIMILARITY_FLOOR` for the transaction);
:func:`storage.search.fuzzy.accept_variants` keeps those within the allowed edit distance.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import ColumnElement, bindparam, func, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import String

from storage.search.filters import Ranked, conditions, tie_breakers
from storage.search.fuzzy import CANDIDATES, accept_variants
from storage.search.models import SearchSegment
from storage.search.plan import Plan
from storage.search.query import SearchQuery

__all__ = ["SIMILARITY_FLOOR", "fetch", "find_variants", "tsquery_text"]

logger = logging.getLogger(__name__)

SIMILARITY_FLOOR = 0.2
"""``pg_trgm.similarity_threshold`` for the candidate search (``%``), set per transaction."""


def _alternatives(stems: Sequence[str]) -> str:
    quoted = " | ".join(f"'{stem}'" for stem in stems)
    return f"({quoted})" if len(stems) > 1 else quoted


def tsquery_text(plan: Plan, *, with_variants: bool = True) -> str:
    """The ``to_tsquery`` input of a plan.

    Args:
        plan: What to match.
        with_variants: Include spelling variants (``False``: the query's own words only).

    Returns:
        For example ``('иск' | 'ис') & 'суд' & ('сот' <-> 'отыр')``.

    """
    parts = []
    for stems, variants in zip(plan.words, plan.variants, strict=True):
        parts.append(_alternatives(stems + (variants if with_variants else ())))
    for phrase in plan.phrases:
        parts.append("(" + " <-> ".join(_alternatives(stems) for stems in phrase) + ")")
    return " & ".join(parts)


def find_variants(session: Session, stems: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Spelling variants in the vocabulary for each stem (see :mod:`storage.search.fuzzy`).

    Args:
        session: Open session on PostgreSQL.
        stems: Query stems worth a look-up.

    Returns:
        Variants per stem, closest first; stems without any are left out.

    """
    if not stems:
        return {}
    statement = text(
        "SELECT q.stem, c.term FROM unnest(:stems) AS q(stem) CROSS JOIN LATERAL ("
        " SELECT t.term FROM search_terms AS t"
        " WHERE t.term % q.stem AND length(t.term) BETWEEN length(q.stem) - 2"
        " AND length(q.stem) + 2"
        " ORDER BY similarity(t.term, q.stem) DESC LIMIT :candidates) AS c"
    ).bindparams(bindparam("stems", type_=ARRAY(String())))
    # Transaction-local: two edits in a nine-letter stem can leave a similarity of 0.25,
    # below pg_trgm's default 0.3, and SQLite's candidate search has no such floor.
    session.execute(
        text("SELECT set_config('pg_trgm.similarity_threshold', :floor, true)"),
        {"floor": str(SIMILARITY_FLOOR)},
    )
    candidates: dict[str, list[str]] = {}
    rows = session.execute(statement, {"stems": list(stems), "candidates": CANDIDATES})
    for stem, term in rows:
        candidates.setdefault(stem, []).append(term)
    found = {stem: accept_variants(stem, terms) for stem, terms in candidates.items()}
    return {stem: variants for stem, variants in found.items() if variants}


def fetch(session: Session, plan: Plan, query: SearchQuery) -> tuple[list[Ranked], int]:
    """Match, filter, rank and count; return one page of ranked ids and the total.

    The total comes from ``count(*) OVER ()`` in the same statement: the ranking visits
    every match anyway, so counting them costs little more.
    """
    tsquery = func.to_tsquery("simple", tsquery_text(plan))
    score = func.ts_rank(SearchSegment.tsv, tsquery)
    exact: ColumnElement[bool]
    if plan.has_variants:
        exact_query = func.to_tsquery("simple", tsquery_text(plan, with_variants=False))
        exact = SearchSegment.tsv.bool_op("@@")(exact_query)
    else:
        exact = literal(True)
    where = [SearchSegment.tsv.bool_op("@@")(tsquery), *conditions(query)]
    statement = (
        select(
            SearchSegment.id,
            score.label("score"),
            exact.label("exact"),
            func.count().over().label("total"),
        )
        .where(*where)
        .order_by(exact.desc(), score.desc(), *tie_breakers())
        .limit(query.limit)
        .offset(query.offset)
    )
    rows = session.execute(statement).all()
    if rows:
        ranked = [Ranked(row.id, float(row.score), bool(row.exact)) for row in rows]
        return ranked, int(rows[0].total)
    if query.offset == 0:
        return [], 0
    total = session.scalar(select(func.count()).select_from(SearchSegment).where(*where))
    return [], int(total or 0)
