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

__all__ = [
    "AUDIENCE",
    "AUDIO_AUDIENCE",
    "AudioTicket",
    "InvalidTokenError",
    "IssuedToken",
    "TokenIssuer",
    "load_or_create_secret",
]

logger = logging.getLogger(__name__)

AUDIENCE = "courtrec-api"
"""``aud`` claim of access tokens: tokens made for another service are refused."""

AUDIO_AUDIENCE = "courtrec-audio"
"""``aud`` of audio links: they open one recording's audio, nothing else."""

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


@dataclass(frozen=True)
class AudioTicket:
    """What an audio link grants: one user, one recording's audio, until it expires.

    Attributes:
        user_id: The user it was made for; their access is checked again on use.
        recording_id: The only recording it opens.

    """

    user_id: int
    recording_id: str


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

    def _decode(self, token: str, audience: str) -> dict[str, object]:
        try:
            claims: dict[str, object] = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=audience,
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
        return claims

    def user_id(self, token: str) -> int:
        """Return the user id of a valid access token.

        Raises:
            InvalidTokenError: With a short reason (expired, bad signature, ...).

        """
        return int(str(self._decode(token, AUDIENCE)["sub"]))

    def issue_audio_ticket(
        self, user_id: int, recording_id: str, ttl: timedelta, now: datetime | None = None
    ) -> IssuedToken:
        """Make an audio link's ticket: an audio element cannot send a bearer header.

        The ticket is useless for anything but this recording's audio (its own
        audience), and the user's access is checked again whenever it is used.
        """
        issued = now or datetime.now(UTC)
        expires = issued + ttl
        claims = {
            "sub": str(user_id),
            "rid": recording_id,
            "iss": self._issuer,
            "aud": AUDIO_AUDIENCE,
            "iat": int(issued.timestamp()),
            "exp": int(expires.timestamp()),
        }
        token = jwt.encode(claims, self._secret, algorithm=_ALGORITHM)
        return IssuedToken(token, int(ttl.total_seconds()), expires)

    def audio_ticket(self, token: str) -> AudioTicket:
        """Check an audio ticket.

        Raises:
            InvalidTokenError: If it is forged, expired or not an audio ticket.

        """
        claims = self._decode(token, AUDIO_AUDIENCE)
        recording_id = claims.get("rid")
        if not isinstance(recording_id, str):
            raise InvalidTokenError("the audio link is not valid")
        return AudioTicket(int(str(claims["sub"])), recording_id)


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
