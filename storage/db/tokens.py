"""Device tokens: shown once when a recorder is registered, stored only as a hash.

A token is 32 random bytes (``secrets``), so a plain SHA-256 is enough to store it: unlike
a password it cannot be guessed from a dictionary, and a fast hash lets every upload be
authenticated by one indexed lookup. The ``crd_`` prefix makes a leaked token easy to
recognise (and to scan for in logs and repositories).
"""

from __future__ import annotations

import hashlib
import logging
import secrets

__all__ = [
    "MAX_TOKEN_LENGTH",
    "TOKEN_PREFIX",
    "hash_token",
    "looks_like_token",
    "new_device_token",
    "token_display_prefix",
]

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "crd_"
"""Every device token starts with this."""

MAX_TOKEN_LENGTH = 128
"""Longer input is refused before hashing (a token is 47 characters)."""

_DISPLAY_CHARS = 12


def new_device_token() -> str:
    """Return a new random device token (``crd_`` and 43 URL-safe characters)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the lowercase hex SHA-256 under which a token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_display_prefix(token: str) -> str:
    """Return the first characters of a token, to tell devices apart in a list."""
    return token[:_DISPLAY_CHARS]


def looks_like_token(token: str) -> bool:
    """Whether a presented string could be a device token at all (saves a lookup)."""
    return token.startswith(TOKEN_PREFIX) and len(token) <= MAX_TOKEN_LENGTH
