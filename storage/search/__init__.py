"""Full-text search over protocols, on SQLite (FTS5) and PostgreSQL (tsvector, pg_trgm).

One interface for both databases::

    from storage.search import SearchQuery, index_protocol, search

    with session_scope(factory) as session:           # worker, after storing version 1
        index_protocol(session, recording.id, 1, protocol)

    with session_scope(factory) as session:           # API, for a judge of court 3
        page = search(session, SearchQuery("иск Иванова", court_ids=frozenset({3})))
        for hit in page.hits:
            hit.recording_id, hit.start, hit.snippet_html   # "<mark>иска</mark> ..."

How it works, in the order of a search:

* **Words** (:mod:`~storage.search.text`): runs of letters and digits, lower case,
  ``ё`` as ``е``; the same tokenizer for protocols, queries and snippets.
* **Stems** (:mod:`~storage.search.stemming`): computed in Python, so both backends
  index and match the same strings: Snowball for Russian (plus fleeting vowels:
  ``истец``/``истца``), the suffix stripper of :mod:`~storage.search.kazakh` for Kazakh
  (case, plural, possessive; Kazakh letters folded so ``сотка`` meets ``сотқа``). A query
  word gets both languages' stems; a segment holding either matches.
* **Spelling variants** (:mod:`~storage.search.fuzzy`): a vocabulary of indexed stems
  with a trigram index (``pg_trgm`` / FTS5 trigram) proposes candidates, edit distance
  (1 for 5-8 letters, 2 from 9) accepts them. Hits found only through a variant rank
  after exact ones (``SearchHit.exact``).
* **Matching** (:mod:`~storage.search.postgres`, :mod:`~storage.search.sqlite`): every
  loose word and every quoted phrase must match; the database ranks (``ts_rank`` /
  BM25), filters by scope in the same statement, counts and pages.
* **Snippets** (:mod:`~storage.search.highlight`): escaped HTML with ``<mark>`` around the
  words whose stems matched.

Malformed query text never reaches the database as syntax; unusable queries raise
:class:`SearchQueryError` (HTTP 422 in the API).

Importing this package registers the search tables on :class:`storage.db.models.Base`'s
metadata (:mod:`storage.search.models`).
"""

from storage.search.errors import SearchQueryError
from storage.search.indexer import (
    AUDIENCES,
    COURT,
    PARTY,
    IndexResult,
    drop_index,
    index_protocol,
    indexed_version,
)
from storage.search.query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    SearchQuery,
)
from storage.search.results import SearchHit, SearchPage
from storage.search.schema import include_name
from storage.search.search import search

__all__ = [
    "AUDIENCES",
    "COURT",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "PARTY",
    "IndexResult",
    "SearchHit",
    "SearchPage",
    "SearchQuery",
    "SearchQueryError",
    "drop_index",
    "include_name",
    "index_protocol",
    "indexed_version",
    "search",
]
