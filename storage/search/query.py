"""What a caller asks for (:class:`SearchQuery`) and how the text of a query is read.

The query text comes from a search box, so anything may arrive: punctuation only,
unbalanced quotes, FTS5 or tsquery syntax (``"``, ``*``, ``NEAR``, ``:``, ``&``, ``|``,
``!``). None of it reaches the database as syntax. The text is cut into words by the same
tokenizer as the protocols (:mod:`storage.search.text`), so only letters and digits
survive; each word is then quoted by the backend. Double quotes (also ``«»`` and ``“”``)
that pair up make a phrase; a quote left without a partner is ignored.

A query that has no word left raises :class:`SearchQueryError`, as do a query over
:data:`MAX_QUERY_LENGTH` characters, more than :data:`MAX_TERMS` words, and page bounds
outside the limits below: the API turns these into HTTP 422.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from storage.search.errors import SearchQueryError
from storage.search.text import words

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "STOPWORDS",
    "ParsedQuery",
    "SearchQuery",
    "parse_text",
]

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
"""Characters of query text, after trimming."""
MAX_TERMS = 16
"""Words in one query; each becomes a condition every hit must meet."""
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
"""Hits per page."""
MAX_OFFSET = 10_000
"""Deepest hit a page may start at: ranking must look at every match anyway, and nobody
reads past a few pages; narrowing the query is the way on."""

_QUOTES = re.compile(r"[\"«»“”„]")

_STOPWORD_TEXT = """
а без более бы был была были было в вам вас во вот все всех вы где да для до его ее если
есть еще же за и из или им их к как ко когда ли мне мы на над не нет ни но ну о об от по
под при про с со так также то тоже только у уже чем что чтобы это я
және мен бен пен да де та те бұл сол ол осы үшін деп бір ма ме ба бе па пе ал бірақ
немесе әрі біз сіз сен олар
"""  # Russian, then Kazakh function words

STOPWORDS = frozenset(_STOPWORD_TEXT.split())
"""Words a query may ignore: dropped from loose words when another word remains, so that
``иск в суде`` needs ``иск`` and ``суд`` but not ``в``; kept inside phrases."""


@dataclass(frozen=True)
class SearchQuery:
    """A search over indexed protocols: text, the caller's scope, filters and a page.

    Scope fields restrict what the caller may see and are trusted: the API fills them
    from the signed-in user, never from request parameters. ``None`` means "no
    restriction" and is meant for internal callers; an empty set means "nothing", and
    such a search returns an empty page without asking the database. All given
    restrictions and filters must hold at once.

    Attributes:
        q: Query text, 1 to 200 characters after trimming (stored trimmed).
        court_ids: Scope: courts whose hearings may be returned (a judge's court).
        recording_ids: Scope: recordings that may be returned (a party's hearings).
        case_numbers: Filter: only these case numbers.
        date_from: Filter: hearings that started at or after this aware datetime.
        date_to: Filter: hearings that started before this aware datetime.
        speaker_role: Filter: segments spoken by this role (``judge``, ``witness``).
        language: Filter: segments in this language (``kk``, ``ru``).
        fuzzy: Also find spelling variants of words of four letters or more.
        audience: Scope: which indexed text to search, ``"court"`` (newest versions,
            for judges and clerks) or ``"party"`` (approved, masked versions).
        limit: Hits per page, 1 to :data:`MAX_LIMIT`.
        offset: Hits to skip, 0 to :data:`MAX_OFFSET`.

    Raises:
        SearchQueryError: On construction, if the text or the page is out of bounds.
        ValueError: If a datetime has no time zone (a programming error, as elsewhere
            in storage).

    """

    q: str
    court_ids: frozenset[int] | None = None
    recording_ids: frozenset[str] | None = None
    case_numbers: frozenset[str] | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    speaker_role: str | None = None
    language: str | None = None
    fuzzy: bool = True
    audience: str = "court"
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    parsed: ParsedQuery = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = self.q.strip() if isinstance(self.q, str) else ""
        if not text:
            raise SearchQueryError("the query is empty")
        if len(text) > MAX_QUERY_LENGTH:
            raise SearchQueryError(f"the query is longer than {MAX_QUERY_LENGTH} characters")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise SearchQueryError(f"limit must be between 1 and {MAX_LIMIT}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise SearchQueryError(f"offset must be between 0 and {MAX_OFFSET}")
        if self.audience not in ("court", "party"):
            raise ValueError("audience must be 'court' or 'party'")
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and (value.tzinfo is None or value.utcoffset() is None):
                raise ValueError(f"{name} must be timezone-aware")
        object.__setattr__(self, "q", text)
        for name in ("court_ids", "recording_ids", "case_numbers"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        object.__setattr__(self, "parsed", parse_text(text))

    @property
    def empty_scope(self) -> bool:
        """Whether a scope or filter set is empty, so that nothing can match."""
        sets = (self.court_ids, self.recording_ids, self.case_numbers)
        return any(value is not None and not value for value in sets)


@dataclass(frozen=True)
class ParsedQuery:
    """The words of a query: loose words (each required) and quoted phrases.

    Attributes:
        words: Normalised loose words, stop words dropped when others remain.
        phrases: Normalised phrases of two or more words, each required in order.

    """

    words: tuple[str, ...]
    phrases: tuple[tuple[str, ...], ...]

    @property
    def all_words(self) -> tuple[str, ...]:
        """Every word of the query, loose or in a phrase."""
        return self.words + tuple(word for phrase in self.phrases for word in phrase)


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def parse_text(text: str) -> ParsedQuery:
    """Read query text into loose words and phrases; nothing of it is syntax for a database.

    Args:
        text: Trimmed query text.

    Returns:
        The parsed query.

    Raises:
        SearchQueryError: If no word is left, or more than :data:`MAX_TERMS` words are.

    """
    pieces = _QUOTES.split(text)
    if len(pieces) % 2 == 0:  # an odd number of quotes: the last one has no partner
        pieces[-2:] = [pieces[-2] + " " + pieces[-1]]
    loose: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for position, piece in enumerate(pieces):
        found = words(piece)
        if position % 2 == 1 and len(found) > 1:
            phrases.append(tuple(found))
        else:
            loose.extend(found)
    count = len(loose) + sum(len(phrase) for phrase in phrases)
    if count == 0:
        raise SearchQueryError("the query has no words to search for (only punctuation)")
    if count > MAX_TERMS:
        raise SearchQueryError(f"the query has more than {MAX_TERMS} words")
    kept = [word for word in loose if word not in STOPWORDS]
    if kept or phrases:
        loose = kept
    return ParsedQuery(_dedupe(loose), tuple(dict.fromkeys(phrases)))
