"""Snippets: the segment text, escaped for HTML, with the matched words marked.

Done in Python for both backends with the tokenizer and stemmer that built the index, so
a word is marked exactly when the database matched it (an inflected form, a Kazakh form
with a Russian letter, a spelling variant) and never because it merely looks similar.
Everything that is not a mark tag is passed through :func:`html.escape`, so a segment
holding ``<script>`` comes out as text.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Set

from storage.search.stemming import stem_word
from storage.search.text import Token, nfc, tokenize

__all__ = ["SNIPPET_CHARS", "snippet_html"]

logger = logging.getLogger(__name__)

SNIPPET_CHARS = 240
"""Longest snippet, in characters of text (marks and ellipses not counted)."""

_ELLIPSIS = "…"


def _window(text: str, tokens: list[Token], first: Token | None, width: int) -> tuple[int, int]:
    """A span of at most ``width`` characters around the first match, cut between words."""
    if len(text) <= width:
        return 0, len(text)
    anchor = first.start if first else 0
    start = max(0, min(anchor - width // 3, len(text) - width))
    end = start + width
    for token in tokens:  # never cut a word in half
        if token.start < start < token.end:
            start = token.end
        if token.start < end < token.end:
            end = token.start
    return start, end


def snippet_html(text: str, language: str, matched: Set[str], width: int = SNIPPET_CHARS) -> str:
    """Mark the words of ``text`` whose stem is in ``matched`` and escape the rest.

    Args:
        text: Segment text as stored.
        language: The segment's language (stems depend on it).
        matched: Stems the query matched (its words' stems and their spelling variants).
        width: Longest text to show; longer segments are cut around the first match.

    Returns:
        HTML: escaped text with ``<mark>…</mark>`` around matched words.

    """
    composed = nfc(text)
    tokens = list(tokenize(composed))
    marked = [token for token in tokens if stem_word(token.word, language) in matched]
    start, end = _window(composed, tokens, marked[0] if marked else None, width)
    pieces = [_ELLIPSIS] if start > 0 else []
    position = start
    for token in marked:
        if token.start < start or token.end > end:
            continue
        pieces.append(html.escape(composed[position : token.start]))
        pieces.append(f"<mark>{html.escape(composed[token.start : token.end])}</mark>")
        position = token.end
    pieces.append(html.escape(composed[position:end]))
    if end < len(composed):
        pieces.append(_ELLIPSIS)
    return "".join(pieces).strip()
