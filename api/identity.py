"""Who a username and password belong to: the seam for a court's own identity system.

The service checks passwords itself (:class:`LocalPasswords`, Argon2id hashes in the
database). A court that signs people in with its identity system (in Kazakhstan,
e-signature or IIN sign-in through the e-government gateway) provides another
:class:`IdentityProvider` that maps a verified person to a user of this service; the
rest of the API (tokens, scope, audit) stays the same.
"""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.orm import Session

from storage.db import UserInfo, verify_user_password

__all__ = ["IdentityProvider", "LocalPasswords"]

logger = logging.getLogger(__name__)


class IdentityProvider(Protocol):
    """Checks credentials and returns the service's user they belong to."""

    name: str

    def authenticate(self, session: Session, username: str, password: str) -> UserInfo | None:
        """Return the enabled user these credentials prove, or ``None``."""
        ...


class LocalPasswords:
    """Passwords stored as Argon2id hashes in the service's own database."""

    name = "local"

    def authenticate(self, session: Session, username: str, password: str) -> UserInfo | None:
        """Check the password; unknown users take as long as known ones."""
        return verify_user_password(session, username, password)
