"""Administration over HTTP: case parties and the audit log (administrators only).

Courts, courtrooms, users and devices are managed with ``courtrec admin`` on the server;
case membership changes with every new case, so it is also here for the court's
registry to call. The audit log is read-only for everyone: there is no endpoint, and
no database path, that edits it (:mod:`storage.db.repo.audit`).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy.orm import Session

from api.audit import Audit
from api.auth import UserCaller, UserPrincipal, forbidden
from api.deps import State
from api.schemas import ERROR_RESPONSES, ErrorOut
from api.schemas_access import AuditEventOut, AuditPageOut, CasePartyIn, CasePartyOut
from storage.db import (
    AuditEventInfo,
    AuditOutcome,
    AuditQuery,
    CasePartyInfo,
    UserRole,
    add_case_party,
    find_court,
    find_user,
    list_audit,
    list_case_parties,
    remove_case_party,
)

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["admin"], responses=ERROR_RESPONSES)

_ADMIN_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Administrators only."}
}

_ACTION_FILTER = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$"
"""An audit action (``protocol.view``) or a prefix of actions (``admin.*``)."""


def _require_admin(principal: UserPrincipal) -> None:
    if principal.role != UserRole.ADMIN.value:
        raise forbidden("administrators only")


def _party_out(row: CasePartyInfo) -> CasePartyOut:
    return CasePartyOut(**asdict(row))


@router.get(
    "/admin/case-parties",
    summary="Case memberships of party users",
    response_model=list[CasePartyOut],
    responses=_ADMIN_ONLY,
)
def get_case_parties(
    state: State,
    principal: UserCaller,
    court: Annotated[str | None, Query(max_length=32)] = None,
    case_number: Annotated[str | None, Query(max_length=64)] = None,
) -> list[CasePartyOut]:
    """Memberships, optionally of one court or case."""
    _require_admin(principal)

    def load(session: Session) -> list[CasePartyOut]:
        court_id = None
        if court is not None:
            found = find_court(session, court)
            if found is None:
                return []
            court_id = found.id
        return [_party_out(row) for row in list_case_parties(session, court_id, case_number)]

    return state.transaction(load)


@router.post(
    "/admin/case-parties",
    status_code=201,
    summary="Add a party user to a case",
    response_model=CasePartyOut,
    responses={
        **_ADMIN_ONLY,
        404: {"model": ErrorOut, "description": "No such user or court."},
        409: {"model": ErrorOut, "description": "Already a member, or not a party user."},
        422: {"model": ErrorOut, "description": "Invalid party role or case number."},
    },
)
def post_case_party(
    body: CasePartyIn, state: State, principal: UserCaller, trail: Audit
) -> CasePartyOut:
    """The user then sees the approved protocols of the case's hearings."""
    _require_admin(principal)
    details = body.model_dump()

    def add(session: Session) -> CasePartyOut:
        user = find_user(session, body.username)
        court = find_court(session, body.court)
        if user is None or court is None:
            raise HTTPException(404, "no such user" if user is None else "no such court")
        try:
            row = add_case_party(session, user.id, court.id, body.case_number, body.party_role)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        trail.record(
            session,
            "admin.case_party_add",
            status_code=201,
            object_type="case",
            object_id=f"{court.code}/{row.case_number}",
            court_id=court.id,
            details=details,
        )
        return _party_out(row)

    return trail.run(state, "admin.case_party_add", add, object_type="case", details=details)


@router.delete(
    "/admin/case-parties",
    status_code=204,
    summary="Remove a party user from a case",
    responses={**_ADMIN_ONLY, 404: {"model": ErrorOut, "description": "No such membership."}},
)
def delete_case_party(
    state: State,
    principal: UserCaller,
    trail: Audit,
    username: Annotated[str, Query(min_length=1, max_length=64)],
    court: Annotated[str, Query(min_length=1, max_length=32)],
    case_number: Annotated[str, Query(min_length=1, max_length=64)],
) -> None:
    """The user stops seeing the case with their next request."""
    _require_admin(principal)
    details = {"username": username, "court": court, "case_number": case_number}

    def remove(session: Session) -> None:
        user = find_user(session, username)
        found = find_court(session, court)
        if (
            user is None
            or found is None
            or not remove_case_party(session, user.id, found.id, case_number)
        ):
            raise HTTPException(404, "no such membership")
        trail.record(
            session,
            "admin.case_party_remove",
            status_code=204,
            object_type="case",
            object_id=f"{found.code}/{case_number.strip()}",
            court_id=found.id,
            details=details,
        )

    trail.run(state, "admin.case_party_remove", remove, object_type="case", details=details)


@router.get(
    "/audit",
    summary="Read the audit log",
    response_model=AuditPageOut,
    responses={**_ADMIN_ONLY, 422: {"model": ErrorOut, "description": "Bad filter."}},
)
def get_audit(
    state: State,
    principal: UserCaller,
    trail: Audit,
    actor: Annotated[
        str | None, Query(max_length=64, description="Username or device name.")
    ] = None,
    action: Annotated[
        str | None,
        Query(max_length=64, pattern=_ACTION_FILTER, description="e.g. protocol.view or admin.*"),
    ] = None,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    outcome: AuditOutcome | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPageOut:
    """Events newest first; pass ``next_cursor`` back as ``cursor`` for the next page."""
    _require_admin(principal)
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.utcoffset() is None:
            raise HTTPException(422, f"{name} needs a time zone, e.g. 2026-03-01T00:00:00Z")
    details = {"actor": actor, "action": action, "object_id": object_id}

    def load(session: Session) -> AuditPageOut:
        try:
            query = AuditQuery(
                actor_name=actor,
                action=action,
                object_type=object_type,
                object_id=object_id,
                outcome=outcome,
                since=since,
                until=until,
                cursor=cursor,
                limit=limit,
            )
            page = list_audit(session, query)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        trail.record(session, "admin.audit_view", object_type="audit", details=details)
        return AuditPageOut(
            events=[AuditEventOut.model_validate(_event_fields(event)) for event in page.events],
            next_cursor=None if page.next_cursor is None else str(page.next_cursor),
        )

    return trail.run(state, "admin.audit_view", load, object_type="audit", details=details)


def _event_fields(event: AuditEventInfo) -> dict[str, Any]:
    fields = asdict(event)
    fields["actor_kind"] = str(fields["actor_kind"])
    fields["outcome"] = str(fields["outcome"])
    fields["details"] = dict(fields["details"]) if fields["details"] is not None else None
    return fields
