"""Spelling variants: which vocabulary stems count as the same word misspelt.

Speech recognisers write names and rarer words in several ways (``Иваннова`` for
``Иванова``, ``Петрав`` for ``Петров``). A query stem's variants are found in two steps,
the same on both backends:

1. **Candidates** come from a trigram index over the vocabulary (PostgreSQL:
   ``pg_trgm``'s ``%`` operator with its default threshold 0.3; SQLite: an FTS5 trigram
   table), which finds, among many thousands of stems, the few dozen that share enough
   three-letter pieces with the query stem.
2. **Acceptance** is decided here by edit distance (insertions, deletions, substitutions
   and swaps of neighbouring letters): at most one edit for stems of five to eight
   letters, two from nine letters on. Trigram similarity alone is a poor judge of short
   words: one wrong letter in the middle of a six-letter stem leaves only 4 of 10
   trigrams shared (0.4), less than an unrelated word with the same beginning.

:func:`similarity` computes ``pg_trgm``'s ``similarity()`` (padded trigram sets,
intersection over union) for ranking and for SQLite, where the database has none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

__all__ = [
    "CANDIDATES",
    "FUZZY_MIN_LENGTH",
    "MAX_VARIANTS",
    "VOCABULARY_MIN_LENGTH",
    "accept_variants",
    "edit_distance",
    "max_edits",
    "similarity",
    "trigrams",
]

logger = logging.getLogger(__name__)

VOCABULARY_MIN_LENGTH = 4
"""Shortest stem kept in the vocabulary (a five-letter misspelling of ``иван`` finds it)."""
FUZZY_MIN_LENGTH = 5
"""Shortest query stem that gets spelling variants: one edit in a shorter stem reaches
too many other words (``сотк``, ``сотт``, ``сота``)."""
MAX_VARIANTS = 5
"""Most spelling variants per query stem, closest first."""
CANDIDATES = 200
"""Vocabulary terms per query stem that the database's trigram index hands over to be
judged by edit distance (the most similar ones: by ``similarity`` on PostgreSQL, by BM25
over shared trigrams on SQLite)."""


def trigrams(word: str) -> frozenset[str]:
    """The padded trigram set of one word, as ``pg_trgm`` builds it (``show_trgm``).

    Args:
        word: One lower-case word (no spaces).

    Returns:
        Its trigrams; empty for an empty word.

    """
    if not word:
        return frozenset()
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(left: str, right: str) -> float:
    """``pg_trgm``'s ``similarity(left, right)`` for two single words.

    Args:
        left: A lower-case word.
        right: Another one.

    Returns:
        Shared trigrams over all trigrams, in ``[0, 1]``; 0 if either word is empty.

    """
    a, b = trigrams(left), trigrams(right)
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def edit_distance(left: str, right: str, limit: int) -> int:
    """Edits (insert, delete, substitute, swap neighbours) from one word to the other.

    Args:
        left: A word.
        right: Another word.
        limit: Stop counting past this; any larger distance is returned as ``limit + 1``.

    Returns:
        The optimal-string-alignment distance, capped at ``limit + 1``.

    """
    if abs(len(left) - len(right)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(right) + 1))
    for i, a in enumerate(left, 1):
        current = [i] + [0] * len(right)
        for j, b in enumerate(right, 1):
            cost = 0 if a == b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and a == right[j - 2] and left[i - 2] == b:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def max_edits(stem: str) -> int:
    """Edits a variant of ``stem`` may differ by: 0 for short stems, then 1, then 2."""
    if len(stem) < FUZZY_MIN_LENGTH:
        return 0
    return 1 if len(stem) <= 8 else 2


def accept_variants(stem: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """The candidates that are spelling variants of ``stem``, closest first.

    Args:
        stem: A query stem.
        candidates: Vocabulary stems sharing trigrams with it (from the database).

    Returns:
        At most :data:`MAX_VARIANTS` stems, by edit distance, then trigram similarity,
        then alphabetically; never ``stem`` itself.

    """
    limit = max_edits(stem)
    scored = []
    for candidate in set(candidates):
        if candidate == stem or not limit:
            continue
        distance = edit_distance(stem, candidate, limit)
        if distance <= limit:
            scored.append((distance, -similarity(stem, candidate), candidate))
    return tuple(candidate for *_key, candidate in sorted(scored)[:MAX_VARIANTS])
