"""Protocol versions: history, corrections, diffs and approval.

* ``GET  /api/v1/recordings/{id}/versions`` — the hash chain, oldest first (judges and
  clerks see every version, parties the approved ones).
* ``POST /api/v1/recordings/{id}/versions`` — save corrections made on ``base_version``
  as a new version (judges, clerks); 409 if someone saved a newer version meanwhile.
* ``GET  /api/v1/recordings/{id}/diff?from=&to=`` — what changed between two versions.
* ``POST /api/v1/recordings/{id}/versions/{n}/approve`` — a judge approves and signs.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from sqlalchemy.orm import Session

from api.audit import Audit, outcome_of
from api.auth import Caller, UserCaller, UserPrincipal, load_for
from api.corrections import (
    Prepared,
    Signed,
    approve,
    prepare_correction,
    save_correction,
    sign_version,
    version_of,
)
from api.deps import State, in_thread
from api.documents import load_document
from api.policy import Action
from api.routes.recordings import RecordingId
from api.schemas import ERROR_RESPONSES, VERSION_NOT_FOUND, ErrorOut
from api.schemas_access import ApprovalOut, CorrectionIn, DiffOut, VersionOut, VersionsOut
from protocol import protocol_from_json
from protocol.diff import diff_protocols, diff_to_dict
from storage.db import (
    ProtocolVersionInfo,
    RecordingStatus,
    get_protocol_version,
    get_user,
    list_protocol_versions,
)
from storage.errors import ConflictError, NotFoundError

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/recordings", tags=["protocols"], responses=ERROR_RESPONSES)

VersionPath = Annotated[int, Path(ge=1, le=1_000_000, description="Protocol version.")]


def _author(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    try:
        return get_user(session, user_id).display_name
    except NotFoundError:
        return f"user {user_id}"


def version_out(session: Session, row: ProtocolVersionInfo) -> VersionOut:
    """The response body of a version row."""
    return VersionOut(
        version=row.version,
        sha256=row.sha256,
        parent_sha256=row.parent_sha256,
        author_id=row.author_id,
        author=_author(session, row.author_id) if row.author_id else "pipeline",
        created_at=row.created_at,
        note=row.note,
        approved=row.approved,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
        signature=row.signature,
        signing_key_id=row.signing_key_id,
        party_sha256=row.party_sha256,
        party_signature=row.party_signature,
    )


@router.get(
    "/{recording_id}/versions",
    summary="Protocol versions (the hash chain)",
    response_model=VersionsOut,
    responses=VERSION_NOT_FOUND,
)
def list_versions(
    recording_id: RecordingId, state: State, principal: Caller, trail: Audit
) -> VersionsOut:
    """Every version with its hash, parent hash, author, time and approval."""

    def load(session: Session) -> VersionsOut:
        recording, scope = load_for(session, principal, Action.READ, recording_id)
        rows = list_protocol_versions(session, recording_id)
        if isinstance(principal, UserPrincipal) and principal.role == "party":
            rows = [row for row in rows if row.approved]
        trail.record(
            session,
            "protocol.versions",
            object_type="recording",
            object_id=recording_id,
            court_id=scope.court_id,
        )
        return VersionsOut(
            recording_id=recording_id,
            approved_version=recording.approved_version,
            versions=[version_out(session, row) for row in rows],
        )

    return trail.run(
        state, "protocol.versions", load, object_type="recording", object_id=recording_id
    )


@router.post(
    "/{recording_id}/versions",
    status_code=201,
    summary="Save corrections as a new version",
    response_model=VersionOut,
    responses={
        **VERSION_NOT_FOUND,
        403: {"model": ErrorOut, "description": "Only judges and clerks of the court correct."},
        409: {"model": ErrorOut, "description": "base_version is not the newest: reload and redo."},
        422: {
            "model": ErrorOut,
            "description": "An edit cannot be applied; the message says which.",
        },
    },
)
async def save_version(
    recording_id: RecordingId,
    body: CorrectionIn,
    request: Request,
    response: Response,
    state: State,
    principal: UserCaller,
    trail: Audit,
) -> VersionOut:
    """Apply edits to ``base_version`` and save the result as the next version.

    The new version records the SHA-256 of ``base_version`` as its parent, the author and
    the time. If another save happened since ``base_version`` was loaded, nothing is
    saved and the answer is 409: reload the newest version and apply the edits again.
    """
    details = {"base_version": body.base_version, "edits": len(body.edits)}

    def base(session: Session) -> ProtocolVersionInfo:
        recording, _ = load_for(session, principal, Action.EDIT, recording_id)
        if recording.status != RecordingStatus.DONE:
            raise ConflictError("the recording has no finished protocol to correct")
        newest = get_protocol_version(session, recording_id)
        if newest.version != body.base_version:
            raise ConflictError(
                f"the protocol is at version {newest.version}, not {body.base_version}: "
                "someone saved a correction first; reload and apply your edits again"
            )
        return newest

    newest = await in_thread(
        trail.run,
        state,
        "protocol.edit",
        base,
        object_type="recording",
        object_id=recording_id,
        details=details,
    )

    def prepare() -> Prepared:
        try:
            return prepare_correction(state, recording_id, newest, body.edits)
        except HTTPException as exc:
            status = exc.status_code
            state.transaction(
                lambda s: trail.record(
                    s,
                    "protocol.edit",
                    outcome=outcome_of(status),
                    status_code=status,
                    object_type="recording",
                    object_id=recording_id,
                    details=details,
                )
            )
            raise

    prepared = await in_thread(prepare)

    def save(session: Session) -> VersionOut:
        _, scope = load_for(session, principal, Action.EDIT, recording_id)
        row = save_correction(
            session, recording_id, body.base_version, prepared, principal.id, body.note
        )
        trail.record(
            session,
            "protocol.edit",
            status_code=201,
            object_type="recording",
            object_id=recording_id,
            court_id=scope.court_id,
            details={**details, "version": row.version, "sha256": row.sha256},
        )
        return version_out(session, row)

    saved = await in_thread(
        trail.run,
        state,
        "protocol.edit",
        save,
        object_type="recording",
        object_id=recording_id,
        details=details,
    )
    protocol_url = request.url_for("get_protocol", recording_id=recording_id).path
    response.headers["Location"] = f"{protocol_url}?version={saved.version}"
    return saved


@router.get(
    "/{recording_id}/diff",
    summary="Differences between two versions",
    response_model=DiffOut,
    responses={
        **VERSION_NOT_FOUND,
        403: {"model": ErrorOut, "description": "Only judges and clerks."},
    },
)
def diff_versions(
    recording_id: RecordingId,
    state: State,
    principal: Caller,
    trail: Audit,
    from_version: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=1_000_000)],
) -> DiffOut:
    """Speakers renamed, segments inserted, deleted or changed (with word-level pieces)."""
    details = {"from": from_version, "to": to_version}

    def rows(session: Session) -> tuple[ProtocolVersionInfo, ProtocolVersionInfo]:
        _, scope = load_for(session, principal, Action.EDIT, recording_id)
        old, new = (
            version_of(session, recording_id, from_version),
            version_of(session, recording_id, to_version),
        )
        trail.record(
            session,
            "protocol.diff",
            object_type="recording",
            object_id=recording_id,
            court_id=scope.court_id,
            details=details,
        )
        return old, new

    old, new = trail.run(
        state,
        "protocol.diff",
        rows,
        object_type="recording",
        object_id=recording_id,
        details=details,
    )
    before = protocol_from_json(load_document(state, old.object_key, old.sha256).decode("utf-8"))
    after = protocol_from_json(load_document(state, new.object_key, new.sha256).decode("utf-8"))
    return DiffOut(
        recording_id=recording_id,
        from_version=from_version,
        to_version=to_version,
        diff=diff_to_dict(diff_protocols(before, after)),
    )


@router.post(
    "/{recording_id}/versions/{version}/approve",
    summary="Approve and sign a version (judges)",
    response_model=ApprovalOut,
    responses={
        **VERSION_NOT_FOUND,
        403: {"model": ErrorOut, "description": "Only a judge of the court approves."},
        409: {
            "model": ErrorOut,
            "description": "Already approved, or older than the approved one.",
        },
    },
)
async def approve_version(
    recording_id: RecordingId,
    version: VersionPath,
    state: State,
    principal: UserCaller,
    trail: Audit,
) -> ApprovalOut:
    """Approve a version: it is signed, and parties see it (with personal data masked)."""
    details = {"version": version}

    def target(session: Session) -> ProtocolVersionInfo:
        recording, _ = load_for(session, principal, Action.APPROVE, recording_id)
        row = version_of(session, recording_id, version)
        if row.approved or (recording.approved_version or 0) >= version:
            raise ConflictError(f"version {recording.approved_version} is already approved")
        return row

    row = await in_thread(
        trail.run,
        state,
        "protocol.approve",
        target,
        object_type="recording",
        object_id=recording_id,
        details=details,
    )
    signed: Signed = await in_thread(sign_version, state, row, principal.id)

    def record(session: Session) -> ApprovalOut:
        _, scope = load_for(session, principal, Action.APPROVE, recording_id)
        approved = approve(session, recording_id, version, signed)
        trail.record(
            session,
            "protocol.approve",
            object_type="recording",
            object_id=recording_id,
            court_id=scope.court_id,
            details={**details, "sha256": approved.sha256, "masked": signed.masked},
        )
        return ApprovalOut(
            version=version_out(session, approved),
            party_sha256=signed.approval.party_sha256,
            party_signature=signed.approval.party_signature,
        )

    return await in_thread(
        trail.run,
        state,
        "protocol.approve",
        record,
        object_type="recording",
        object_id=recording_id,
        details=details,
    )
