"""Access tokens of signed-in people: short-lived JWTs (HS256) issued by this service.

A token names the user (``sub``) and nothing the server trusts beyond that: role, court
and cases are read from the database on every request, so disabling a user or removing
them from a case takes effect at once rather than when the token expires. The token's
role claim is informational, for clients.

PyJWT checks the signature, ``exp``, ``iat``, ``iss`` and ``aud``; only ``HS256`` is
accepted, so a token with ``alg: none`` or a public-key algorithm is refused.
"""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

__all__ = ["AUDIENCE", "InvalidTokenError", "IssuedToken", "TokenIssuer", "load_or_create_secret"]

logger = logging.getLogger(__name__)

AUDIENCE = "courtrec-api"
"""``aud`` claim of access tokens: tokens made for another service are refused."""

_ALGORITHM = "HS256"
_MIN_SECRET = 32
_LEEWAY = timedelta(seconds=10)


class InvalidTokenError(Exception):
    """A bearer token is malformed, forged, expired or not meant for this service."""


@dataclass(frozen=True)
class IssuedToken:
    """A new access token.

    Attributes:
        token: The encoded JWT.
        expires_in: Seconds until it expires.
        expires_at: When it expires.

    """

    token: str
    expires_in: int
    expires_at: datetime


class TokenIssuer:
    """Issues and checks access tokens with one HMAC secret."""

    def __init__(self, secret: str, ttl: timedelta, issuer: str) -> None:
        """Keep the secret, lifetime and issuer.

        Raises:
            ValueError: If the secret is shorter than 32 characters (guessable).

        """
        if len(secret) < _MIN_SECRET:
            raise ValueError(f"the token secret must have at least {_MIN_SECRET} characters")
        self._secret = secret
        self._ttl = ttl
        self._issuer = issuer

    def issue(self, user_id: int, role: str, now: datetime | None = None) -> IssuedToken:
        """Make a token for a user that expires after the configured lifetime."""
        issued = now or datetime.now(UTC)
        expires = issued + self._ttl
        claims = {
            "sub": str(user_id),
            "role": role,
            "iss": self._issuer,
            "aud": AUDIENCE,
            "iat": int(issued.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self._secret, algorithm=_ALGORITHM)
        return IssuedToken(token, int(self._ttl.total_seconds()), expires)

    def user_id(self, token: str) -> int:
        """Return the user id of a valid token.

        Raises:
            InvalidTokenError: With a short reason (expired, bad signature, ...).

        """
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=AUDIENCE,
                issuer=self._issuer,
                leeway=_LEEWAY,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidTokenError("the token has expired; sign in again") from exc
        except jwt.PyJWTError as exc:
            raise InvalidTokenError("the token is not valid") from exc
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.isdigit():
            raise InvalidTokenError("the token is not valid")
        return int(subject)


def load_or_create_secret(path: Path) -> str:
    """Read the token secret kept in ``path``, making a random one (mode 0600) if absent.

    Made with ``O_EXCL`` so two API processes starting together agree on one secret.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    logger.info("made a new token secret in %s", path)
    return path.read_text(encoding="ascii").strip()
