"""Text normalisation and tokenisation shared by indexing, querying and highlighting.

One function decides what a "word" is, and the index, the query parser and the snippet
highlighter all call it, so that a word highlighted in a snippet is exactly a word the
database matched. Stemming happens afterwards (:mod:`storage.search.stemming`).

A word is a maximal run of Unicode letters and digits: punctuation, hyphens, slashes and
quotes separate words (``из-за`` is two words, ``2-1234/2025`` is three). Case is folded
and ``ё`` becomes ``е`` (Russian writes them interchangeably; ASR output does too).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["MAX_TOKEN_LENGTH", "Token", "nfc", "normalize_word", "tokenize", "words"]

logger = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 64
"""Longer runs of letters are noise (a glued URL, a hash); they are not indexed.

PostgreSQL refuses lexemes over 2 KB and FTS5 has no such limit; one bound for both keeps
what is searchable identical on the two backends.
"""

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Token:
    """A word of a text and where it stands in the original string.

    Attributes:
        start: Offset of the first character in the original (not normalised) text.
        end: Offset after the last character.
        word: The normalised word (see :func:`normalize_word`).

    """

    start: int
    end: int
    word: str


def normalize_word(word: str) -> str:
    """Lower-case a word and write ``ё`` as ``е``.

    Args:
        word: One word as it appears in the text.

    Returns:
        The form every later step (stemming, matching) works on.

    """
    return word.lower().replace("ё", "е")


def nfc(text: str) -> str:
    """Compose characters (``и`` + combining breve becomes ``й``) before tokenising.

    A decomposed letter would otherwise split a word in two, since combining marks are
    not letters. Index, query and snippet all tokenise the composed form.
    """
    return unicodedata.normalize("NFC", text)


def tokenize(text: str) -> Iterator[Token]:
    """Yield the words of a text with their offsets in that very string.

    The offsets point into the string given, which the highlighter escapes around them,
    so the caller composes it first (:func:`nfc`) rather than this function doing it
    behind its back. Over-long runs (:data:`MAX_TOKEN_LENGTH`) are skipped.

    Args:
        text: Segment text or a query, already composed.

    Yields:
        Tokens in order of appearance.

    """
    for match in _WORD.finditer(text):
        if match.end() - match.start() > MAX_TOKEN_LENGTH:
            continue
        yield Token(match.start(), match.end(), normalize_word(match.group()))


def words(text: str) -> list[str]:
    """Return the normalised words of a text, composed first.

    Args:
        text: Any text.

    Returns:
        The words, lower-cased, ``ё`` as ``е``.

    """
    return [token.word for token in tokenize(nfc(text))]
