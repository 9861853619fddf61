"""Who is calling: bearer tokens of recorders and of signed-in people.

Two kinds of token arrive in ``Authorization: Bearer ...``:

* device tokens (``crd_...``, :func:`storage.db.authenticate_device`) of courtroom
  recorders, made by ``courtrec admin create-device``;
* access tokens (JWT, :mod:`api.tokens`) that ``POST /api/v1/auth/token`` gives judges,
  clerks, parties and administrators after the identity provider (:mod:`api.identity`)
  accepted their credentials.

Either becomes a :class:`~api.policy.Principal` built from the database as it is now:
a disabled user or a revoked device is refused at once, and a party removed from a case
stops seeing it with the next request. What a principal may do with a recording is
decided by :mod:`api.policy`, through :func:`require` here; routes never compare ids.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.deps import AppState, State
from api.policy import (
    Action,
    Decision,
    DevicePrincipal,
    Principal,
    RecordingScope,
    UserPrincipal,
    decide,
)
from api.tokens import InvalidTokenError, TokenIssuer
from storage.db import (
    RecordingInfo,
    UserInfo,
    UserRole,
    authenticate_device,
    get_court,
    get_courtroom,
    get_recording,
    get_user,
    list_party_cases,
)
from storage.errors import NotFoundError

__all__ = [
    "Caller",
    "DeviceCaller",
    "DevicePrincipal",
    "Principal",
    "UserCaller",
    "UserPrincipal",
    "authenticate",
    "current_device",
    "current_principal",
    "current_user",
    "forbid_other_courtroom",
    "forbidden",
    "load_for",
    "not_found",
    "optional_bearer",
    "principal_from_ticket",
    "recording_scope",
    "require",
    "user_principal",
]

logger = logging.getLogger(__name__)

DEVICE_TOKEN_PREFIX = "crd_"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="BearerToken",
    description="An access token from `POST /api/v1/auth/token` (judges, clerks, parties, "
    "admins) or the device token of a courtroom recorder (crd_..., from `courtrec admin`).",
)


def user_principal(session: Session, user: UserInfo) -> UserPrincipal:
    """The principal of an enabled user, with a party's cases read now."""
    cases: frozenset[tuple[int, str]] = frozenset()
    if user.role == UserRole.PARTY:
        cases = frozenset(
            (case.court_id, case.case_number) for case in list_party_cases(session, user.id)
        )
    return UserPrincipal(
        id=user.id,
        name=user.username,
        display_name=user.display_name,
        role=user.role.value,
        court_id=user.court_id,
        cases=cases,
    )


def _device_principal(session: Session, token: str) -> DevicePrincipal | None:
    device = authenticate_device(session, token)
    if device is None:
        return None
    courtroom = get_courtroom(session, device.courtroom_id)
    court = get_court(session, device.court_id)
    return DevicePrincipal(
        id=device.id,
        name=device.name,
        court_id=court.id,
        court_code=court.code,
        courtroom_id=courtroom.id,
        courtroom_code=courtroom.code,
    )


def _user_from_token(session: Session, tokens: TokenIssuer, token: str) -> UserPrincipal:
    user_id = tokens.user_id(token)
    try:
        user = get_user(session, user_id)
    except NotFoundError as exc:
        raise InvalidTokenError("the token's user no longer exists") from exc
    if user.disabled:
        raise InvalidTokenError("the account is disabled")
    return user_principal(session, user)


def authenticate(session: Session, tokens: TokenIssuer, token: str) -> Principal | None:
    """Turn a bearer token into a principal, or ``None`` for an unknown device token.

    Raises:
        InvalidTokenError: For an access token that is forged, expired or whose user is
            gone or disabled (the reason goes to the client).

    """
    if token.startswith(DEVICE_TOKEN_PREFIX):
        return _device_principal(session, token)
    return _user_from_token(session, tokens, token)


def _unauthorized(detail: str, error: str | None = None) -> HTTPException:
    challenge = 'Bearer realm="courtrec"'
    if error:
        challenge += f', error="{error}"'
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


def principal_from_ticket(state: AppState, ticket: str, recording_id: str) -> UserPrincipal:
    """The user an audio link was made for, if it opens this recording and they still may.

    Raises:
        HTTPException: 401 for a forged or expired link, or one made for another recording.

    """
    try:
        granted = state.tokens.audio_ticket(ticket)
    except InvalidTokenError as exc:
        raise _unauthorized(f"audio link: {exc}", error="invalid_token") from exc
    if granted.recording_id != recording_id:
        raise _unauthorized("this audio link opens another recording", error="invalid_token")

    def load(session: Session) -> UserPrincipal:
        try:
            user = get_user(session, granted.user_id)
        except NotFoundError:
            user = None
        if user is None or user.disabled:
            raise _unauthorized("the audio link's user cannot sign in", error="invalid_token")
        return user_principal(session, user)

    return state.transaction(load)


def current_principal(
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Dependency: the authenticated caller, or 401 with a ``WWW-Authenticate`` challenge.

    A sync dependency, so FastAPI runs its database lookup in a worker thread.
    """
    if credentials is None:
        raise _unauthorized("authentication required: send Authorization: Bearer <token>")
    token = credentials.credentials
    try:
        principal = state.transaction(lambda s: authenticate(s, state.tokens, token))
    except InvalidTokenError as exc:
        raise _unauthorized(str(exc), error="invalid_token") from exc
    if principal is None:
        raise _unauthorized("invalid or revoked token", error="invalid_token")
    return principal


Caller = Annotated[Principal, Depends(current_principal)]
"""Handler parameter type giving the authenticated :class:`Principal`."""


def optional_bearer(
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """Dependency: the caller if a bearer token came (checked as strictly), else ``None``."""
    if credentials is None:
        return None
    return current_principal(state, credentials)


def current_device(principal: Caller) -> DevicePrincipal:
    """Dependency: a recorder device; people get 403 (only recorders upload)."""
    if not isinstance(principal, DevicePrincipal):
        raise forbidden("only courtroom recorders upload recordings (use a device token)")
    return principal


def current_user(principal: Caller) -> UserPrincipal:
    """Dependency: a signed-in person; devices get 403."""
    if not isinstance(principal, UserPrincipal):
        raise forbidden("this needs a signed-in user; device tokens only upload")
    return principal


DeviceCaller = Annotated[DevicePrincipal, Depends(current_device)]
"""Handler parameter type for routes only recorders use."""

UserCaller = Annotated[UserPrincipal, Depends(current_user)]
"""Handler parameter type for routes only people use."""


def not_found(what: str = "recording") -> HTTPException:
    """The 404 of an unknown id, also used for ids outside the caller's scope."""
    return HTTPException(404, f"no such {what}")


def forbidden(detail: str) -> HTTPException:
    """The 403 of an action the caller may not do on something they may see."""
    return HTTPException(403, detail)


def recording_scope(session: Session, recording: RecordingInfo) -> RecordingScope:
    """Where a recording belongs (its court is its courtroom's)."""
    courtroom = get_courtroom(session, recording.courtroom_id)
    return RecordingScope(
        court_id=courtroom.court_id,
        courtroom_id=recording.courtroom_id,
        case_number=recording.case_number,
        approved_version=recording.approved_version,
    )


_FORBIDDEN_DETAIL = {
    Action.STATUS: "you may not see this recording",
    Action.READ: "your role does not give access to protocol text or audio",
    Action.EDIT: "only judges and clerks of the court correct protocols",
    Action.APPROVE: "only a judge of the court approves protocols",
}


def require(
    session: Session, principal: Principal, action: Action, recording: RecordingInfo
) -> RecordingScope:
    """Return the recording's scope if ``principal`` may do ``action``, else raise.

    Raises:
        HTTPException: 404 if the caller may not see the recording at all, 403 if they
            may see it but not do this.

    """
    scope = recording_scope(session, recording)
    decision = decide(principal, action, scope)
    if decision == Decision.HIDE:
        logger.info(
            "%s %s asked to %s recording %s outside its scope",
            principal.kind,
            principal.id,
            action,
            recording.id,
        )
        raise not_found()
    if decision == Decision.FORBID:
        raise forbidden(_FORBIDDEN_DETAIL[action])
    return scope


def forbid_other_courtroom(
    principal: DevicePrincipal, court_code: str, courtroom_code: str
) -> None:
    """Refuse (403) an upload whose metadata names another court or courtroom."""
    if not principal.may_upload_for(court_code, courtroom_code):
        raise HTTPException(
            403,
            f"this device records in court {principal.court_code!r}, courtroom "
            f"{principal.courtroom_code!r}; the metadata names court {court_code!r}, "
            f"courtroom {courtroom_code!r}",
        )


_RECORDING_ID = re.compile(r"[0-9a-f]{32}")


def load_for(
    session: Session, principal: Principal, action: Action, recording_id: str
) -> tuple[RecordingInfo, RecordingScope]:
    """Load a recording the caller may do ``action`` on, with its scope.

    Raises:
        HTTPException: 404 for a malformed or unknown id and for a recording outside the
            caller's scope (indistinguishable), 403 for an action their role lacks.

    """
    if not _RECORDING_ID.fullmatch(recording_id):
        raise not_found()
    try:
        recording = get_recording(session, recording_id)
    except NotFoundError:
        raise not_found() from None
    return recording, require(session, principal, action, recording)
