"""Writing the audit log from requests: who, what, when, from where, and the outcome.

Every view, search, download, edit and approval is recorded. A successful action writes
its event inside the transaction that did the work (:meth:`Trail.record`), so there is
no success without its record: if the log cannot be written, the request fails. A
refused or failed action (401 aside, which has no actor) is recorded by :meth:`Trail.run`
in a transaction of its own, after the work's transaction rolled back, and the error
then reaches the client unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from api.auth import Caller, DevicePrincipal, Principal
from api.deps import AppState
from storage.db import AuditActorKind, AuditOutcome, NewAuditEvent, record_audit
from storage.errors import ConflictError, NotFoundError

__all__ = ["Audit", "Trail", "client_address", "get_trail", "outcome_of"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


def client_address(request: Request) -> str | None:
    """The client's address as the server saw it (a proxy's, unless it forwards)."""
    return request.client.host if request.client else None


def outcome_of(status_code: int) -> AuditOutcome:
    """The audit outcome of an HTTP status."""
    if status_code < 400:
        return AuditOutcome.OK
    if status_code in (401, 403):
        return AuditOutcome.DENIED
    if status_code == 404:
        return AuditOutcome.NOT_FOUND
    if status_code in (409, 412):
        return AuditOutcome.CONFLICT
    if status_code < 500:
        return AuditOutcome.INVALID
    return AuditOutcome.ERROR


class Trail:
    """The audit context of one request: its caller, address and user agent."""

    def __init__(self, request: Request, principal: Principal | None) -> None:
        """Take what every event of the request shares."""
        self.principal = principal
        self.ip = client_address(request)
        self.user_agent = request.headers.get("user-agent")

    def event(
        self,
        action: str,
        *,
        outcome: AuditOutcome = AuditOutcome.OK,
        status_code: int = 200,
        object_type: str | None = None,
        object_id: str | None = None,
        court_id: int | None = None,
        details: Mapping[str, Any] | None = None,
        actor_name: str | None = None,
    ) -> NewAuditEvent:
        """Build an event of this request."""
        principal = self.principal
        if principal is None:
            kind, actor_id, name, role = AuditActorKind.ANONYMOUS, None, actor_name or "", None
        elif isinstance(principal, DevicePrincipal):
            kind, actor_id, name, role = (
                AuditActorKind.DEVICE,
                principal.id,
                principal.name,
                "device",
            )
        else:
            kind, actor_id, name, role = (
                AuditActorKind.USER,
                principal.id,
                principal.name,
                principal.role,
            )
        return NewAuditEvent(
            action=action,
            actor_kind=kind,
            actor_id=actor_id,
            actor_name=name,
            actor_role=role,
            object_type=object_type,
            object_id=object_id,
            court_id=court_id,
            ip=self.ip,
            user_agent=self.user_agent,
            outcome=outcome,
            status_code=status_code,
            details=details,
        )

    def record(self, session: Session, action: str, **fields: Any) -> None:
        """Record an event in the caller's transaction (see :meth:`event` for fields)."""
        record_audit(session, self.event(action, **fields))

    def run(
        self,
        state: AppState,
        action: str,
        work: Callable[[Session], T],
        *,
        object_type: str | None = None,
        object_id: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> T:
        """Run ``work`` in a transaction; record a refusal or failure if it raises one.

        ``work`` records its own success with :meth:`record`, knowing the court.
        """
        try:
            return state.transaction(work)
        except HTTPException as exc:
            status = exc.status_code
            failure: Exception = exc
        except NotFoundError as exc:
            status, failure = 404, exc
        except ConflictError as exc:
            status, failure = 409, exc
        event = self.event(
            action,
            outcome=outcome_of(status),
            status_code=status,
            object_type=object_type,
            object_id=object_id,
            details=details,
        )
        state.transaction(lambda session: record_audit(session, event))
        raise failure


def get_trail(request: Request, principal: Caller) -> Trail:
    """Dependency: the audit trail of an authenticated request."""
    return Trail(request, principal)


Audit = Annotated[Trail, Depends(get_trail)]
"""Handler parameter type giving the request's :class:`Trail`."""
