"""Password hashing with Argon2id (argon2-cffi), for the users who will sign in.

Hashes carry their own parameters, so raising the cost later needs no migration:
:func:`needs_rehash` tells the sign-in code to store a fresh hash after a successful check.
"""

from __future__ import annotations

import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["hash_password", "needs_rehash", "verify_password"]

logger = logging.getLogger(__name__)

_HASHER = PasswordHasher()
# The library's defaults (RFC 9106 low-memory profile) are the recommendation it keeps
# up to date; one hasher object is stateless and thread-safe.


def hash_password(password: str) -> str:
    """Return an encoded Argon2id hash (salt and parameters included).

    Raises:
        ValueError: If the password is empty.

    """
    if not password:
        raise ValueError("a password must not be empty")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against a stored hash; a malformed hash counts as a mismatch."""
    try:
        return _HASHER.verify(password_hash, password)
    except VerificationError:
        return False
    except InvalidHashError:
        logger.warning("stored password hash is not a valid Argon2 hash")
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash was made with weaker parameters than the current ones."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
