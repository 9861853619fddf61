"""People who will sign in: administrators, judges, clerks and parties.

Sign-in arrives with a later issue; passwords are stored as Argon2id hashes now so that
accounts made with the admin CLI today keep working then. Usernames are compared in lower
case: "Judge.Ivanova" and "judge.ivanova" are one person.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db.info import UserInfo, UserRole
from storage.db.models import Court, User
from storage.db.passwords import hash_password, needs_rehash, verify_password
from storage.db.repo._common import insert, resolve_now
from storage.db.translate import translated
from storage.errors import ConflictError, NotFoundError

__all__ = [
    "COURT_ROLES",
    "create_user",
    "find_user",
    "get_user",
    "list_users",
    "set_user_disabled",
    "set_user_password",
    "verify_user_password",
]

logger = logging.getLogger(__name__)

COURT_ROLES = frozenset({UserRole.JUDGE, UserRole.CLERK})
"""Roles that see one court's hearings and therefore need a court."""

_MAX_USERNAME = 64


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist.

    The check then takes as long as a real one, so response times do not reveal which
    usernames exist. Made on first use: hashing is deliberately slow, imports should not be.
    """
    return hash_password("no such user")


def _user_info(row: User) -> UserInfo:
    return UserInfo(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=UserRole(row.role),
        court_id=row.court_id,
        created_at=row.created_at,
        disabled=row.disabled,
    )


def _username(username: str) -> str:
    """Normalise a username (lower case, no surrounding spaces) and check its form."""
    name = username.strip().lower()
    if not name or len(name) > _MAX_USERNAME or any(ch.isspace() for ch in name):
        raise ValueError(f"a username is 1 to {_MAX_USERNAME} characters without spaces")
    return name


def _by_username(session: Session, username: str) -> User | None:
    query = select(User).where(User.username == username).execution_options(populate_existing=True)
    return session.scalar(query)


def _by_id(session: Session, user_id: int) -> User:
    row = session.get(User, user_id, populate_existing=True)
    if row is None:
        raise NotFoundError(f"no user with id {user_id}")
    return row


@translated
def create_user(
    session: Session,
    username: str,
    password: str,
    role: UserRole | str,
    court_id: int | None = None,
    *,
    display_name: str | None = None,
    now: datetime | None = None,
) -> UserInfo:
    """Create a user with an Argon2id password hash.

    Args:
        session: Open session.
        username: Sign-in name (stored in lower case).
        password: Plain password; only its hash is stored.
        role: ``admin``, ``judge``, ``clerk`` or ``party``.
        court_id: The court of a judge or clerk (required for them).
        display_name: Name shown in the interface; the username if not given.
        now: Creation time (tests).

    Raises:
        ValueError: If the username, password or role is invalid, or a judge or clerk has
            no court.
        NotFoundError: If the court does not exist.
        ConflictError: If the username is taken.

    """
    name = _username(username)
    user_role = UserRole(role)
    if user_role in COURT_ROLES and court_id is None:
        raise ValueError(f"a {user_role} must belong to a court")
    if court_id is not None and session.get(Court, court_id) is None:
        raise NotFoundError(f"no court with id {court_id}")
    if _by_username(session, name) is not None:
        raise ConflictError(f"the username {name!r} is taken")
    row = User(
        username=name,
        display_name=(display_name or "").strip() or name,
        password_hash=hash_password(password),
        role=user_role,
        court_id=court_id,
        created_at=resolve_now(now),
        disabled=False,
    )
    insert(session, row)
    logger.info("user %s created with role %s", name, user_role)
    return _user_info(row)


@translated
def verify_user_password(session: Session, username: str, password: str) -> UserInfo | None:
    """Return the user if the password is right and the account enabled, else ``None``.

    A hash made with weaker parameters than today's is replaced (in the caller's
    transaction) after a successful check.
    """
    try:
        name = _username(username)
    except ValueError:
        name = ""
    row = _by_username(session, name) if name else None
    if row is None:
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(row.password_hash, password):
        return None
    if row.disabled:
        logger.info("disabled user %s tried to sign in", row.username)
        return None
    if needs_rehash(row.password_hash):
        row.password_hash = hash_password(password)
        session.flush()
    return _user_info(row)


@translated
def get_user(session: Session, user_id: int) -> UserInfo:
    """Return a user by id.

    Raises:
        NotFoundError: If there is none.

    """
    return _user_info(_by_id(session, user_id))


@translated
def find_user(session: Session, username: str) -> UserInfo | None:
    """Return the user with a username, or ``None``."""
    try:
        name = _username(username)
    except ValueError:
        return None
    row = _by_username(session, name)
    return None if row is None else _user_info(row)


@translated
def list_users(session: Session, court_id: int | None = None) -> list[UserInfo]:
    """Return users, of one court if given, by username."""
    query = select(User).order_by(User.username)
    if court_id is not None:
        query = query.where(User.court_id == court_id)
    return [_user_info(row) for row in session.scalars(query)]


@translated
def set_user_password(session: Session, user_id: int, password: str) -> UserInfo:
    """Replace a user's password.

    Raises:
        NotFoundError: If there is no such user.
        ValueError: If the password is empty.

    """
    row = _by_id(session, user_id)
    row.password_hash = hash_password(password)
    session.flush()
    logger.info("password of user %s changed", row.username)
    return _user_info(row)


@translated
def set_user_disabled(session: Session, user_id: int, disabled: bool) -> UserInfo:
    """Disable (or re-enable) an account; users are never deleted, protocols name them.

    Raises:
        NotFoundError: If there is no such user.

    """
    row = _by_id(session, user_id)
    row.disabled = disabled
    session.flush()
    logger.info("user %s %s", row.username, "disabled" if disabled else "enabled")
    return _user_info(row)
