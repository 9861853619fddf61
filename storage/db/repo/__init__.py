"""Repository functions: plain functions taking a session, returning frozen dataclasses.

The caller owns the transaction (:func:`storage.db.session.session_scope`); functions
flush but never commit, so several of them can form one unit of work (create a recording
and complete its upload together). They raise storage errors only.
"""

from storage.db.repo.courts import (
    create_court,
    create_courtroom,
    find_court,
    find_courtroom,
    get_court,
    get_courtroom,
    list_courtrooms,
    list_courts,
)
from storage.db.repo.devices import (
    authenticate_device,
    create_device,
    get_device,
    list_devices,
    revoke_device,
)
from storage.db.repo.jobs import (
    DEFAULT_HEARTBEAT_TIMEOUT,
    DEFAULT_MAX_ATTEMPTS,
    WORKER_LOST,
    claim,
    fail,
    find_stale,
    finish,
    heartbeat,
    list_queued_older_than,
    mark_queued,
    release,
    report_progress,
    requeue_stale,
)
from storage.db.repo.protocols import (
    add_protocol_version,
    get_protocol_version,
    list_protocol_versions,
)
from storage.db.repo.recordings import create_recording, get_recording, list_recordings
from storage.db.repo.uploads import (
    DEFAULT_UPLOAD_TTL,
    advance_upload,
    complete_upload,
    create_upload,
    delete_upload,
    expired_uploads,
    get_upload,
)
from storage.db.repo.users import (
    COURT_ROLES,
    create_user,
    find_user,
    get_user,
    list_users,
    set_user_disabled,
    set_user_password,
    verify_user_password,
)

__all__ = [
    "COURT_ROLES",
    "DEFAULT_HEARTBEAT_TIMEOUT",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_UPLOAD_TTL",
    "WORKER_LOST",
    "add_protocol_version",
    "advance_upload",
    "authenticate_device",
    "claim",
    "complete_upload",
    "create_court",
    "create_courtroom",
    "create_device",
    "create_recording",
    "create_upload",
    "create_user",
    "delete_upload",
    "expired_uploads",
    "fail",
    "find_court",
    "find_courtroom",
    "find_stale",
    "find_user",
    "finish",
    "get_court",
    "get_courtroom",
    "get_device",
    "get_protocol_version",
    "get_recording",
    "get_upload",
    "get_user",
    "heartbeat",
    "list_courtrooms",
    "list_courts",
    "list_devices",
    "list_protocol_versions",
    "list_queued_older_than",
    "list_recordings",
    "list_users",
    "mark_queued",
    "release",
    "report_progress",
    "requeue_stale",
    "revoke_device",
    "set_user_disabled",
    "set_user_password",
    "verify_user_password",
]
