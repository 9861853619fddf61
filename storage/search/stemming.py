"""Stems: the form in which words are indexed and searched, for Russian and Kazakh.

Both backends index the same stemmed text, computed here in Python, so SQLite and
PostgreSQL find exactly the same segments and neither needs a language configuration of
its own (PostgreSQL has no Kazakh one). Which stemmer a word gets:

* a word with a Kazakh-only letter (``ә``, ``қ``, ``ң``, ``і`` ...) is Kazakh wherever it
  stands: speakers switch language inside a segment;
* otherwise the segment's language decides: ``kk`` → :mod:`storage.search.kazakh`,
  anything else → Snowball's Russian stemmer (which leaves Latin words alone);
* words made of digits are kept as they are (case and article numbers).

A query does not know its language, so a query word gets the stems of both languages
(:func:`query_stems`) and a segment matches if it holds either.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import snowballstemmer

from storage.search import kazakh
from storage.search.text import nfc, tokenize

__all__ = [
    "LANGUAGES",
    "index_text",
    "is_kazakh_word",
    "query_stems",
    "russian_stem",
    "stem_word",
]

logger = logging.getLogger(__name__)

LANGUAGES = ("ru", "kk")
"""Languages with a stemmer; a segment in any other language is stemmed as Russian."""

_local = threading.local()


def _russian() -> Any:
    """One Snowball stemmer per thread: its objects keep state while stemming."""
    stemmer = getattr(_local, "russian", None)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer("russian")
        _local.russian = stemmer
    return stemmer


# A fleeting vowel: истец / истца, звонок / звонка, человек / человека. Snowball leaves
# the nominative's ``е``/``о`` in; dropping it after a consonant before a final ``ц``/``к``
# gives every form the oblique stem (``истц``). Where the vowel is not fleeting (срок,
# срока) all forms lose it alike, so they still meet.
_FLEETING = re.compile(r"(?<=[бвгджзклмнпрстфхцчшщ])[ео](?=[цк]$)")


@lru_cache(maxsize=262144)
def russian_stem(word: str) -> str:
    """Snowball's Russian stem of a normalised word, with fleeting vowels dropped.

    Args:
        word: Lower case, ``ё`` as ``е``.

    Returns:
        The stem (``иском`` → ``иск``, ``истец`` → ``истц``); words without Cyrillic
        endings come back unchanged.

    """
    return _FLEETING.sub("", str(_russian().stemWord(word)))


def is_kazakh_word(word: str) -> bool:
    """Whether a word has a letter only Kazakh uses."""
    return not kazakh.KAZAKH_LETTERS.isdisjoint(word)


@lru_cache(maxsize=262144)
def stem_word(word: str, language: str) -> str:
    """Stem one normalised word of a segment in ``language``.

    Cached: Snowball in pure Python takes about 0.2 ms per word, and a hearing repeats
    its words; a vocabulary of a few hundred thousand forms fits the cache.

    Args:
        word: Lower case, ``ё`` as ``е`` (:func:`storage.search.text.normalize_word`).
        language: The segment's language code.

    Returns:
        The stem under which the word is indexed.

    """
    if word.isdigit():
        return word
    if language == "kk" or is_kazakh_word(word):
        return kazakh.stem(word)
    return russian_stem(word)


def query_stems(word: str, languages: Iterable[str] = LANGUAGES) -> tuple[str, ...]:
    """All stems a query word may have been indexed under, most likely first.

    Args:
        word: A normalised query word.
        languages: Languages the matching segments may be in (a language filter narrows
            this to one).

    Returns:
        Distinct stems: one per language, or just the Kazakh one for a word with
        Kazakh-only letters (it is indexed as Kazakh in any segment).

    """
    if word.isdigit():
        return (word,)
    if is_kazakh_word(word):
        return (kazakh.stem(word),)
    stems: list[str] = []
    for language in languages:
        stem = stem_word(word, language)
        if stem not in stems:
            stems.append(stem)
    return tuple(stems)


def index_text(text: str, language: str) -> str:
    """The stems of a segment's text, space-separated, in order: what both backends index.

    Order and repeats are kept so that phrase queries can match adjacent stems.

    Args:
        text: The segment text as the protocol has it.
        language: The segment's language code.

    Returns:
        Stems separated by single spaces (empty for a text without words).

    """
    return " ".join(stem_word(token.word, language) for token in tokenize(nfc(text)))
