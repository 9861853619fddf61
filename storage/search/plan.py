"""From parsed words to what each backend matches: stems, alternatives, variants.

A hit must contain every loose word of the query and every phrase. A loose word is
satisfied by any of its *alternatives*: its stems in the candidate languages
(:func:`storage.search.stemming.query_stems`) and, when fuzzy search is on, spelling
variants of those stems found in the vocabulary (:mod:`storage.search.fuzzy`). A phrase
needs its words' stems next to each other, in order, and takes no spelling variants.

The backends turn a :class:`Plan` into their own syntax, quoting each stem: stems consist
of letters and digits only (:mod:`storage.search.text`), so no user input is ever
database syntax.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from storage.search.fuzzy import FUZZY_MIN_LENGTH
from storage.search.query import SearchQuery
from storage.search.stemming import LANGUAGES, query_stems

__all__ = ["Plan", "fuzzy_candidates", "make_plan"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What to match.

    Attributes:
        words: For each loose word, its stems (exact alternatives).
        variants: For each loose word (same order), spelling variants found in the index.
        phrases: For each phrase, for each of its words, that word's stems.

    """

    words: tuple[tuple[str, ...], ...]
    variants: tuple[tuple[str, ...], ...]
    phrases: tuple[tuple[tuple[str, ...], ...], ...]

    @property
    def has_variants(self) -> bool:
        """Whether fuzzy search added anything (then exact hits are ranked first)."""
        return any(self.variants)

    def matched_stems(self) -> frozenset[str]:
        """Every stem a hit may contain because of the query: what snippets mark."""
        stems = {stem for group in self.words + self.variants for stem in group}
        stems.update(stem for phrase in self.phrases for word in phrase for stem in word)
        return frozenset(stems)

    def all_variants(self) -> tuple[str, ...]:
        """The spelling variants, without repeats."""
        return tuple(dict.fromkeys(stem for group in self.variants for stem in group))


def _languages(query: SearchQuery) -> tuple[str, ...]:
    if query.language in LANGUAGES:
        return (query.language,)
    return LANGUAGES


def fuzzy_candidates(plan_words: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """The stems that deserve a look-up for spelling variants: one per loose word.

    Of a word's alternatives only the shortest (the most stripped, ``иванов`` rather
    than the Kazakh reading ``иванова``) is looked up: the other is usually the word
    with its ending left on, and a one-letter difference in an ending is a different
    word form, not a spelling error (``иском`` would find ``исков-ые``).
    """
    stems = []
    for group in plan_words:
        shortest = min(group, key=len)
        if len(shortest) >= FUZZY_MIN_LENGTH and not shortest.isdigit():
            stems.append(shortest)
    return tuple(dict.fromkeys(stems))


def make_plan(query: SearchQuery, variants: Mapping[str, tuple[str, ...]] | None = None) -> Plan:
    """Stem a query's words; attach the spelling variants found for its stems.

    Args:
        query: The validated query.
        variants: Spelling variants per stem (from the backend's vocabulary look-up);
            ``None`` before the look-up.

    Returns:
        The plan.

    """
    languages = _languages(query)
    words = tuple(query_stems(word, languages) for word in query.parsed.words)
    phrases = tuple(
        tuple(query_stems(word, languages) for word in phrase) for phrase in query.parsed.phrases
    )
    found: list[tuple[str, ...]] = []
    for group in words:
        extra = [
            variant
            for stem in group
            for variant in (variants or {}).get(stem, ())
            if variant not in group
        ]
        found.append(tuple(dict.fromkeys(extra)))
    return Plan(words, tuple(found), phrases)
