"""Who is calling, and what they may touch: the one place that decides.

Today the callers are courtroom recorders with device tokens
(``Authorization: Bearer crd_...``, :func:`storage.db.authenticate_device`). A device is
scoped to its courtroom: it uploads only for that courtroom and reads only that
courtroom's recordings. Judges, clerks and parties sign in with a later issue; they
become other kinds of :class:`Principal` produced by :func:`authenticate` (the seam), and
the scope checks below (:meth:`Principal.may_read`) grow with them. Routes never look at
tokens or compare ids themselves.

A recording of another courtroom answers 404, like one that does not exist, so a token
cannot be used to probe for ids. Metadata naming another court or courtroom answers 403:
the device is known, and its recorder is misconfigured, which its operator must learn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.deps import State
from storage.db import RecordingInfo, authenticate_device, get_court, get_courtroom

__all__ = [
    "Caller",
    "Principal",
    "authenticate",
    "current_principal",
    "forbid_other_courtroom",
    "not_found",
    "require_readable",
]

logger = logging.getLogger(__name__)

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="DeviceToken",
    description="Device token of a courtroom recorder (crd_...), issued by `courtrec admin`.",
)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller and its scope.

    Attributes:
        kind: ``"device"`` (a courtroom recorder); users come with a later issue.
        id: Device id.
        name: Label for logs.
        court_id: The court it belongs to.
        court_code: That court's code.
        courtroom_id: The courtroom a device records in.
        courtroom_code: That courtroom's code.

    """

    kind: Literal["device"]
    id: int
    name: str
    court_id: int
    court_code: str
    courtroom_id: int
    courtroom_code: str

    def may_upload_for(self, court_code: str, courtroom_code: str) -> bool:
        """Whether the caller may add a recording for this court and courtroom."""
        return (court_code, courtroom_code) == (self.court_code, self.courtroom_code)

    def may_read(self, recording: RecordingInfo) -> bool:
        """Whether the caller may see the recording (and its protocol)."""
        return recording.courtroom_id == self.courtroom_id

    def owns_upload(self, device_id: int | None, courtroom_id: int) -> bool:
        """Whether the caller may continue or cancel a resumable upload."""
        return device_id == self.id or courtroom_id == self.courtroom_id


def authenticate(session: Session, token: str) -> Principal | None:
    """Turn a bearer token into a principal, or ``None`` if it is unknown or revoked.

    The seam for sign-in: user sessions will be tried here after device tokens.
    """
    device = authenticate_device(session, token)
    if device is None:
        return None
    courtroom = get_courtroom(session, device.courtroom_id)
    court = get_court(session, device.court_id)
    return Principal(
        kind="device",
        id=device.id,
        name=device.name,
        court_id=court.id,
        court_code=court.code,
        courtroom_id=courtroom.id,
        courtroom_code=courtroom.code,
    )


def _unauthorized(detail: str, error: str | None = None) -> HTTPException:
    challenge = 'Bearer realm="courtrec"'
    if error:
        challenge += f', error="{error}"'
    return HTTPException(401, detail, headers={"WWW-Authenticate": challenge})


def current_principal(
    state: State,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Dependency: the authenticated caller, or 401 with a ``WWW-Authenticate`` challenge.

    A sync dependency, so FastAPI runs its database lookup in a worker thread.
    """
    if credentials is None:
        raise _unauthorized("authentication required: send Authorization: Bearer <device token>")
    principal = state.transaction(lambda s: authenticate(s, credentials.credentials))
    if principal is None:
        raise _unauthorized("invalid or revoked token", error="invalid_token")
    return principal


Caller = Annotated[Principal, Depends(current_principal)]
"""Handler parameter type giving the authenticated :class:`Principal`."""


def not_found(what: str = "recording") -> HTTPException:
    """The 404 of an unknown id, also used for ids outside the caller's scope."""
    return HTTPException(404, f"no such {what}")


def require_readable(principal: Principal, recording: RecordingInfo) -> RecordingInfo:
    """Return the recording if the caller may see it, else raise the unknown-id 404."""
    if not principal.may_read(recording):
        logger.info(
            "%s %s asked for recording %s of another courtroom",
            principal.kind,
            principal.id,
            recording.id,
        )
        raise not_found()
    return recording


def forbid_other_courtroom(principal: Principal, court_code: str, courtroom_code: str) -> None:
    """Refuse (403) an upload whose metadata names another court or courtroom."""
    if not principal.may_upload_for(court_code, courtroom_code):
        raise HTTPException(
            403,
            f"this device records in court {principal.court_code!r}, courtroom "
            f"{principal.courtroom_code!r}; the metadata names court {court_code!r}, "
            f"courtroom {courtroom_code!r}",
        )
