"""Sign-in (OAuth2 password flow), the signed-in user, and the public signing key.

``POST /api/v1/auth/token`` takes ``username`` and ``password`` as a form (the OAuth2
password grant, so Swagger's "Authorize" button and standard clients work) and returns
a short-lived bearer token. Wrong credentials answer 401 without saying which part was
wrong; after too many failures for one username, 429 with ``Retry-After``. Both outcomes
are audited, as is every success.
"""

from __future__ import annotations

import logging
import math
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from api.audit import Trail
from api.auth import UserCaller, user_principal
from api.deps import State
from api.schemas import ERROR_RESPONSES, ErrorOut
from api.schemas_access import MeOut, SigningKeyOut, TokenOut
from storage.db import AuditOutcome, UserInfo, record_audit

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["sign-in"], responses=ERROR_RESPONSES)

_MAX_CREDENTIAL = 256


@router.post(
    "/auth/token",
    summary="Sign in: exchange username and password for an access token",
    response_model=TokenOut,
    responses={
        401: {"model": ErrorOut, "description": "Wrong username or password."},
        429: {"model": ErrorOut, "description": "Too many failed attempts; wait Retry-After."},
    },
)
def sign_in(
    request: Request,
    state: State,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> TokenOut:
    """OAuth2 password grant (form fields ``username``, ``password``)."""
    username = form.username.strip()[:_MAX_CREDENTIAL]
    trail = Trail(request, None)
    wait = state.logins.blocked(username)
    if wait > 0:
        state.transaction(
            lambda s: record_audit(
                s,
                trail.event(
                    "auth.login_failed",
                    outcome=AuditOutcome.DENIED,
                    status_code=429,
                    actor_name=username,
                    details={"reason": "throttled"},
                ),
            )
        )
        raise HTTPException(
            429,
            "too many failed sign-ins for this username; try again later",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    password = form.password[:_MAX_CREDENTIAL]

    def check(session: Session) -> UserInfo | None:
        user = state.identity.authenticate(session, username, password)
        if user is None:
            record_audit(
                session,
                trail.event(
                    "auth.login_failed",
                    outcome=AuditOutcome.DENIED,
                    status_code=401,
                    actor_name=username,
                ),
            )
            return None
        trail.principal = user_principal(session, user)
        trail.record(session, "auth.login", details={"provider": state.identity.name})
        return user

    user = state.transaction(check)
    if user is None:
        state.logins.failed(username)
        raise HTTPException(
            401,
            "wrong username or password",
            headers={"WWW-Authenticate": 'Bearer realm="courtrec"'},
        )
    state.logins.succeeded(username)
    issued = state.tokens.issue(user.id, user.role.value)
    return TokenOut(access_token=issued.token, expires_in=issued.expires_in, role=user.role.value)


@router.post(
    "/auth/refresh",
    summary="Exchange a valid access token for a fresh one",
    response_model=TokenOut,
    responses={403: {"model": ErrorOut, "description": "Device tokens are not refreshed."}},
)
def refresh(state: State, principal: UserCaller) -> TokenOut:
    """A new token with a full lifetime, for a page that is still in use.

    Only an unexpired token of an enabled user is accepted (the same check as every
    request), so a session ends at most one lifetime after its last refresh, and at once
    when the user is disabled. Not audited: it reveals nothing and is made every few
    minutes by open pages; the sign-in that began the session is.
    """
    issued = state.tokens.issue(principal.id, principal.role)
    return TokenOut(access_token=issued.token, expires_in=issued.expires_in, role=principal.role)


@router.get("/me", summary="The signed-in user", response_model=MeOut)
def me(principal: UserCaller) -> MeOut:
    """Who the token belongs to, with role, court and (for parties) cases, as of now."""
    return MeOut(
        id=principal.id,
        username=principal.name,
        display_name=principal.display_name,
        role=principal.role,
        court_id=principal.court_id,
        cases=[
            {"court_id": court_id, "case_number": number}
            for court_id, number in sorted(principal.cases)
        ],
    )


@router.get(
    "/signing-key",
    summary="Public key that checks protocol signatures (no sign-in needed)",
    response_model=SigningKeyOut,
)
def signing_key(state: State) -> SigningKeyOut:
    """The PEM public key; save it to check downloaded protocols offline with openssl."""
    signer = state.signer
    return SigningKeyOut(
        key_id=signer.key_id,
        algorithm=signer.algorithm,
        public_key_pem=signer.public_key_pem().decode("ascii"),
    )
