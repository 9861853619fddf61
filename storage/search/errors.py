"""Errors of the protocol search.

Only one is new: a query that cannot be searched for. The API maps it to HTTP 422. Every
other fault of a search (database unreachable, schema not migrated) arrives as the
storage errors of :mod:`storage.errors`, like any other database call.
"""

from __future__ import annotations

from storage.errors import StorageError

__all__ = ["SearchQueryError"]


class SearchQueryError(StorageError):
    """The caller's query is unusable; the message is safe to show to the user.

    Raised for text that is empty after cleaning, too long or has too many words, and for
    a page request out of bounds.
    """
