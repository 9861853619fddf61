"""Who may do what with which hearing: the access rules, in one pure module.

Every route that takes a recording id asks :func:`decide` before it reads anything
else, and the answer depends only on the caller and the recording's place (court,
courtroom, case, approved version):

================  =========================================================================
caller            may
================  =========================================================================
recorder device   upload for its courtroom; see the status of that courtroom's recordings
admin             see every recording's status (operations); no protocol text or audio
judge             everything on the hearings of their court, including approval
clerk             like a judge of their court, except approval
party             read, download and listen to the approved protocols of the hearings of
                  their cases; nothing of other cases; nothing before approval
================  =========================================================================

A caller who may not even see the recording gets 404, the same answer as for an id that
does not exist, so ids cannot be probed; one who sees it but may not do the action gets
403 (an admin asking for protocol text, a clerk trying to approve).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Action",
    "Decision",
    "DevicePrincipal",
    "Principal",
    "RecordingScope",
    "UserPrincipal",
    "decide",
]

logger = logging.getLogger(__name__)


class Action(StrEnum):
    """What a caller wants to do with a recording."""

    STATUS = "status"
    """Processing status and hearing metadata (no protocol text)."""
    READ = "read"
    """Protocol text in any format, search hits, audio, integrity report."""
    EDIT = "edit"
    """Save a corrected version; read unapproved versions and diffs."""
    APPROVE = "approve"
    """Approve and sign a version, which parties then see."""


class Decision(StrEnum):
    """The outcome of :func:`decide`."""

    ALLOW = "allow"
    FORBID = "forbid"
    """Visible to the caller, but this action is not theirs: 403."""
    HIDE = "hide"
    """Not visible to the caller at all: 404, as for an unknown id."""


@dataclass(frozen=True)
class DevicePrincipal:
    """A courtroom recorder (device token).

    Attributes:
        id: Device id.
        name: Label for logs.
        court_id: The court it belongs to.
        court_code: That court's code.
        courtroom_id: The courtroom it records in.
        courtroom_code: That courtroom's code.

    """

    id: int
    name: str
    court_id: int
    court_code: str
    courtroom_id: int
    courtroom_code: str

    kind = "device"
    role = "device"

    def may_upload_for(self, court_code: str, courtroom_code: str) -> bool:
        """Whether the device may add a recording for this court and courtroom."""
        return (court_code, courtroom_code) == (self.court_code, self.courtroom_code)

    def owns_upload(self, device_id: int | None, courtroom_id: int) -> bool:
        """Whether the device may continue or cancel a resumable upload."""
        return device_id == self.id or courtroom_id == self.courtroom_id


@dataclass(frozen=True)
class UserPrincipal:
    """A signed-in person, as the database says now (not as the token claimed).

    Attributes:
        id: User id.
        name: Username.
        display_name: Name shown in the interface.
        role: ``admin``, ``judge``, ``clerk`` or ``party``.
        court_id: Court of a judge or clerk.
        cases: ``(court id, case number)`` pairs of a party's cases.

    """

    id: int
    name: str
    display_name: str
    role: str
    court_id: int | None
    cases: frozenset[tuple[int, str]] = frozenset()

    kind = "user"


Principal = DevicePrincipal | UserPrincipal
"""Any authenticated caller."""


@dataclass(frozen=True)
class RecordingScope:
    """Where a recording belongs, which is all access depends on.

    Attributes:
        court_id: Court of its courtroom.
        courtroom_id: Its courtroom.
        case_number: Its case.
        approved_version: The version parties see, ``None`` before approval.

    """

    court_id: int
    courtroom_id: int
    case_number: str
    approved_version: int | None


_COURT_ACTIONS = {
    "judge": frozenset(Action),
    "clerk": frozenset({Action.STATUS, Action.READ, Action.EDIT}),
}


def _device(principal: DevicePrincipal, action: Action, scope: RecordingScope) -> Decision:
    if scope.courtroom_id != principal.courtroom_id:
        return Decision.HIDE
    return Decision.ALLOW if action == Action.STATUS else Decision.FORBID


def _user(principal: UserPrincipal, action: Action, scope: RecordingScope) -> Decision:
    if principal.role == "admin":
        return Decision.ALLOW if action == Action.STATUS else Decision.FORBID
    if principal.role in _COURT_ACTIONS:
        if principal.court_id is None or principal.court_id != scope.court_id:
            return Decision.HIDE
        allowed = action in _COURT_ACTIONS[principal.role]
        return Decision.ALLOW if allowed else Decision.FORBID
    if principal.role == "party":
        member = (scope.court_id, scope.case_number) in principal.cases
        if not member or scope.approved_version is None:
            return Decision.HIDE
        allowed = action in (Action.STATUS, Action.READ)
        return Decision.ALLOW if allowed else Decision.FORBID
    return Decision.HIDE


def decide(principal: Principal, action: Action, scope: RecordingScope) -> Decision:
    """Decide whether ``principal`` may do ``action`` on the recording at ``scope``."""
    if isinstance(principal, DevicePrincipal):
        return _device(principal, action, scope)
    return _user(principal, action, scope)
