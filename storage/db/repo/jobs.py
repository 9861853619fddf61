"""The processing job of a recording: a state machine kept in the database.

::

    create_recording ──▶ queued ──claim──▶ processing ──finish──▶ done
                           ▲  ▲               │  │
                           │  └─requeue_stale─┘  └──fail──▶ failed
                           └──────────mark_queued (retry)──────┘

* ``claim`` takes a queued job, or a processing job whose worker stopped sending
  heartbeats (a redelivered ``acks_late`` message after the worker died), and counts an
  attempt. It refuses done and failed jobs, and jobs another worker is still running.
* ``report_progress``, ``heartbeat``, ``finish`` and ``fail`` succeed only for the worker
  that holds the job. A worker that was presumed dead and replaced gets
  :class:`ConflictError` and must stop: its results would overwrite the new worker's.
* ``finish`` writes protocol version 1 in the same transaction as the status, and a
  repeated ``finish`` by the same worker returns that version instead of adding one.
* ``requeue_stale`` (the reaper) puts jobs with a stale heartbeat back in the queue, or
  fails them after ``max_attempts`` lost workers (a recording that kills every worker
  must not loop forever); ``list_queued_older_than`` finds queued jobs whose broker
  message may be lost, to send again.

Every transition is one compare-and-set ``UPDATE ... WHERE <expected state>``: a worker
and the reaper acting at the same moment cannot both win, whatever the database.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.orm import Session

from storage.db.info import ProtocolVersionInfo, ReapResult, RecordingStatus
from storage.db.models import ProtocolVersion, Recording
from storage.db.repo._common import compare_and_set, one_line, resolve_now
from storage.db.repo.protocols import protocol_version_info
from storage.db.repo.recordings import load_recording
from storage.db.translate import translated
from storage.errors import ConflictError

__all__ = [
    "DEFAULT_HEARTBEAT_TIMEOUT",
    "DEFAULT_MAX_ATTEMPTS",
    "WORKER_LOST",
    "claim",
    "fail",
    "find_stale",
    "finish",
    "heartbeat",
    "list_queued_older_than",
    "mark_queued",
    "release",
    "report_progress",
    "requeue_stale",
]

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_TIMEOUT = timedelta(minutes=5)
"""A processing job whose heartbeat is older than this is presumed to have lost its worker."""

DEFAULT_MAX_ATTEMPTS = 3
"""Claims after which the reaper gives a job up instead of queueing it again."""

WORKER_LOST = "worker_lost"
"""Error code of jobs the reaper gave up on."""

_MAX_MESSAGE_CHARS = 1000
_MAX_STEP_CHARS = 32  # the column sizes of Recording.step and Recording.error_code
_MAX_CODE_CHARS = 64

_QUEUED = RecordingStatus.QUEUED
_PROCESSING = RecordingStatus.PROCESSING
_DONE = RecordingStatus.DONE
_FAILED = RecordingStatus.FAILED

_CLEARED_RUN: Mapping[str, Any] = {
    "worker_id": None,
    "step": None,
    "progress": 0.0,
    "started_at": None,
    "heartbeat_at": None,
    "finished_at": None,
    "error_code": None,
    "error": None,
}
"""Fields of a previous run that a job going back to the queue forgets."""


def _bounded(value: str, limit: int, name: str) -> str:
    """Refuse a label longer than its column (PostgreSQL would fail, SQLite would keep it)."""
    if not value or len(value) > limit:
        raise ValueError(f"{name} must be 1 to {limit} characters, got {value!r}")
    return value


def _is(recording_id: str) -> ColumnElement[bool]:
    return Recording.id == recording_id


def _owned_by(worker_id: str) -> tuple[ColumnElement[bool], ...]:
    return (Recording.status == _PROCESSING, _worker_is(worker_id))


def _worker_is(worker_id: str | None) -> ColumnElement[bool]:
    if worker_id is None:
        return Recording.worker_id.is_(None)
    return Recording.worker_id == worker_id


def _stale(cutoff: datetime) -> ColumnElement[bool]:
    return and_(
        Recording.status == _PROCESSING,
        or_(Recording.heartbeat_at.is_(None), Recording.heartbeat_at < cutoff),
    )


def _refuse(session: Session, recording_id: str, worker_id: str, action: str) -> ConflictError:
    """Explain why a worker may not act on a job (or raise NotFoundError if it is gone)."""
    row = load_recording(session, recording_id)
    if row.status == _PROCESSING:
        why = f"it is now processed by worker {row.worker_id}"
    else:
        why = f"it is {row.status}"
    logger.warning("worker %s may not %s recording %s: %s", worker_id, action, recording_id, why)
    return ConflictError(f"worker {worker_id} may not {action} recording {recording_id}: {why}")


@translated
def mark_queued(
    session: Session,
    recording_id: str,
    *,
    task_id: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Record that a job's task was (re)sent, or queue a failed job again (a retry).

    A queued job gets a fresh ``queued_at`` (so it is not re-sent again too soon) and the
    new ``task_id``; a failed job forgets its error and its attempt count.

    Returns:
        ``True`` if the job is now queued; ``False`` if it is processing or done.

    Raises:
        NotFoundError: If there is no such recording.

    """
    at = resolve_now(now)
    values: dict[str, Any] = {
        **_CLEARED_RUN,
        "status": _QUEUED,
        "queued_at": at,
        "updated_at": at,
        "attempts": case((Recording.status == _FAILED, 0), else_=Recording.attempts),
    }
    if task_id is not None:
        values["task_id"] = task_id
    queued = compare_and_set(
        session,
        Recording,
        (_is(recording_id), Recording.status.in_((_QUEUED, _FAILED))),
        values,
    )
    if not queued:
        load_recording(session, recording_id)  # NotFoundError if it does not exist
    return queued


@translated
def claim(
    session: Session,
    recording_id: str,
    worker_id: str,
    task_id: str | None = None,
    *,
    heartbeat_timeout: timedelta = DEFAULT_HEARTBEAT_TIMEOUT,
    now: datetime | None = None,
) -> bool:
    """Take a job for a worker: queued, or processing with a stale heartbeat.

    The caller commits before starting work, so other workers see the claim.

    Args:
        session: Open session.
        recording_id: The job's recording.
        worker_id: Stable id of this worker process (e.g. ``host:pid``).
        task_id: The broker message's task id, for tracing.
        heartbeat_timeout: Heartbeat age after which the previous worker counts as dead.
        now: Current time (tests).

    Returns:
        ``True`` if this worker now holds the job; ``False`` if it is done, failed, or
        held by a worker that is still alive (then drop the message: it is a duplicate).

    Raises:
        NotFoundError: If there is no such recording.

    """
    at = resolve_now(now)
    before = load_recording(session, recording_id)
    previous = before.worker_id if before.status == _PROCESSING else None
    claimed = compare_and_set(
        session,
        Recording,
        (_is(recording_id), or_(Recording.status == _QUEUED, _stale(at - heartbeat_timeout))),
        {
            **_CLEARED_RUN,
            "status": _PROCESSING,
            "worker_id": worker_id,
            "task_id": task_id,
            "attempts": Recording.attempts + 1,
            "started_at": at,
            "heartbeat_at": at,
            "updated_at": at,
        },
    )
    if claimed and previous is not None:
        logger.warning(
            "worker %s took recording %s over from silent worker %s",
            worker_id,
            recording_id,
            previous,
        )
    elif claimed:
        logger.info("worker %s claimed recording %s", worker_id, recording_id)
    return claimed


@translated
def report_progress(
    session: Session,
    recording_id: str,
    worker_id: str,
    step: str,
    progress: float,
    *,
    now: datetime | None = None,
) -> None:
    """Record the step and progress (0..1) of a job; this is also a heartbeat.

    Raises:
        ConflictError: If this worker no longer holds the job (stop working on it).
        NotFoundError: If there is no such recording.
        ValueError: If ``progress`` is not a number or ``step`` is empty or too long.

    """
    if math.isnan(progress):
        raise ValueError("progress must be a number")
    at = resolve_now(now)
    values = {
        "step": _bounded(step, _MAX_STEP_CHARS, "step"),
        "progress": min(1.0, max(0.0, progress)),
        "heartbeat_at": at,
        "updated_at": at,
    }
    conditions = (_is(recording_id), *_owned_by(worker_id))
    if not compare_and_set(session, Recording, conditions, values):
        raise _refuse(session, recording_id, worker_id, "report progress on")


@translated
def heartbeat(
    session: Session, recording_id: str, worker_id: str, *, now: datetime | None = None
) -> None:
    """Tell the reaper the worker is alive during a long step that reports no progress.

    Raises:
        ConflictError: If this worker no longer holds the job (stop working on it).
        NotFoundError: If there is no such recording.

    """
    at = resolve_now(now)
    conditions = (_is(recording_id), *_owned_by(worker_id))
    if not compare_and_set(session, Recording, conditions, {"heartbeat_at": at}):
        raise _refuse(session, recording_id, worker_id, "send a heartbeat for")


@translated
def finish(
    session: Session,
    recording_id: str,
    worker_id: str,
    protocol_key: str,
    duration_s: float,
    protocol_sha256: str,
    *,
    audio_key: str | None = None,
    now: datetime | None = None,
) -> ProtocolVersionInfo:
    """Mark a job done and write protocol version 1, in the caller's one transaction.

    Idempotent: if this worker already finished the job with the same protocol (a task
    retried after its commit), the existing version 1 is returned and nothing is added.

    Args:
        session: Open session.
        recording_id: The job's recording.
        worker_id: The worker holding the job.
        protocol_key: Object-store key of the protocol document.
        duration_s: Duration of the recording in seconds.
        protocol_sha256: SHA-256 of the protocol document.
        audio_key: Object-store key of the normalized audio kept for playback.
        now: Current time (tests).

    Returns:
        Protocol version 1; its parent hash is the original recording's SHA-256.

    Raises:
        ConflictError: If another worker holds or finished the job, it failed, or it was
            finished with a different protocol.
        NotFoundError: If there is no such recording.

    """
    at = resolve_now(now)
    recording = load_recording(session, recording_id)
    done = compare_and_set(
        session,
        Recording,
        (_is(recording_id), *_owned_by(worker_id)),
        {
            "status": _DONE,
            "progress": 1.0,
            "heartbeat_at": at,
            "finished_at": at,
            "updated_at": at,
            "duration_s": duration_s,
            "audio_key": audio_key,
            "protocol_key": protocol_key,
            "error_code": None,
            "error": None,
        },
    )
    if done:
        version = ProtocolVersion(
            recording_id=recording_id,
            version=1,
            sha256=protocol_sha256,
            parent_sha256=recording.sha256,
            object_key=protocol_key,
            author_id=None,
            created_at=at,
        )
        session.add(version)
        session.flush()
        logger.info("worker %s finished recording %s", worker_id, recording_id)
        return protocol_version_info(version)
    return _finished_before(session, recording_id, worker_id, protocol_sha256)


def _finished_before(
    session: Session, recording_id: str, worker_id: str, protocol_sha256: str
) -> ProtocolVersionInfo:
    """Version 1 of a job this worker already finished with the same protocol."""
    row = load_recording(session, recording_id)
    if row.status != _DONE or row.worker_id != worker_id:
        raise _refuse(session, recording_id, worker_id, "finish")
    query = select(ProtocolVersion).where(
        ProtocolVersion.recording_id == recording_id, ProtocolVersion.version == 1
    )
    version = session.scalar(query)
    if version is None or version.sha256 != protocol_sha256:
        raise ConflictError(f"recording {recording_id} was finished with another protocol")
    logger.info("recording %s was already finished by %s", recording_id, worker_id)
    return protocol_version_info(version)


@translated
def fail(
    session: Session,
    recording_id: str,
    worker_id: str,
    code: str,
    message: str,
    *,
    now: datetime | None = None,
) -> None:
    """Mark a job failed with a reason a person understands; the step it failed in stays.

    Idempotent for the same worker and code.

    Args:
        session: Open session.
        recording_id: The job's recording.
        worker_id: The worker holding the job.
        code: Machine-readable reason, e.g. ``silent_media`` or ``internal``.
        message: One sentence for the court staff (no paths, no stack traces).
        now: Current time (tests).

    Raises:
        ConflictError: If another worker holds the job, or it is done.
        NotFoundError: If there is no such recording.
        ValueError: If ``code`` is empty or longer than 64 characters.

    """
    at = resolve_now(now)
    failed = compare_and_set(
        session,
        Recording,
        (_is(recording_id), *_owned_by(worker_id)),
        {
            "status": _FAILED,
            "error_code": _bounded(code, _MAX_CODE_CHARS, "code"),
            "error": one_line(message, _MAX_MESSAGE_CHARS),
            "heartbeat_at": at,
            "finished_at": at,
            "updated_at": at,
        },
    )
    if failed:
        logger.info("worker %s failed recording %s: %s", worker_id, recording_id, code)
        return
    row = load_recording(session, recording_id)
    if not (row.status == _FAILED and row.worker_id == worker_id and row.error_code == code):
        raise _refuse(session, recording_id, worker_id, "fail")


@translated
def release(
    session: Session, recording_id: str, worker_id: str, *, now: datetime | None = None
) -> bool:
    """Give a job back to the queue after a transient fault (storage or broker away).

    The worker then retries the task with a backoff; meanwhile any worker may claim the
    job. Attempts are kept, so a job that keeps failing this way is still bounded.

    Returns:
        ``True`` if this worker held the job and released it; ``False`` if it no longer
        held it (the reaper or another worker moved it on), which is no error here.

    """
    at = resolve_now(now)
    released = compare_and_set(
        session,
        Recording,
        (_is(recording_id), *_owned_by(worker_id)),
        {**_CLEARED_RUN, "status": _QUEUED, "task_id": None, "queued_at": at, "updated_at": at},
    )
    if released:
        logger.info("worker %s released recording %s back to the queue", worker_id, recording_id)
    return released


@translated
def find_stale(session: Session, now: datetime, heartbeat_timeout: timedelta) -> list[str]:
    """Return processing jobs whose last heartbeat is older than ``heartbeat_timeout``."""
    cutoff = resolve_now(now) - heartbeat_timeout
    query = select(Recording.id).where(_stale(cutoff)).order_by(Recording.heartbeat_at)
    return list(session.scalars(query))


@translated
def requeue_stale(
    session: Session,
    now: datetime,
    heartbeat_timeout: timedelta = DEFAULT_HEARTBEAT_TIMEOUT,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> ReapResult:
    """Queue jobs whose worker died again, or fail those that lost too many workers.

    Each job is changed by its own compare-and-set on the state the reaper saw (worker,
    attempts, stale heartbeat): a worker that sends a heartbeat in between keeps its job.
    Send the processing task again for every requeued id (then ``mark_queued`` it).

    Args:
        session: Open session.
        now: Current time.
        heartbeat_timeout: Heartbeat age after which a worker counts as dead.
        max_attempts: Claims after which a job is failed with ``worker_lost``.

    """
    at = resolve_now(now)
    cutoff = at - heartbeat_timeout
    requeued: list[str] = []
    failed: list[str] = []
    query = select(Recording.id, Recording.worker_id, Recording.attempts).where(_stale(cutoff))
    for recording_id, worker_id, attempts in session.execute(query).all():
        seen = (
            _is(recording_id),
            _stale(cutoff),
            _worker_is(worker_id),
            Recording.attempts == attempts,
        )
        if attempts >= max_attempts:
            values: dict[str, Any] = {
                "status": _FAILED,
                "error_code": WORKER_LOST,
                "error": (
                    f"Processing stopped unexpectedly {attempts} times, so the recording "
                    "was set aside; an administrator can retry it."
                ),
                "finished_at": at,
                "updated_at": at,
            }
            if compare_and_set(session, Recording, seen, values):
                failed.append(recording_id)
                logger.error("recording %s failed: %s workers lost", recording_id, attempts)
        else:
            values = {
                **_CLEARED_RUN,
                "status": _QUEUED,
                "task_id": None,
                "queued_at": at,
                "updated_at": at,
            }
            if compare_and_set(session, Recording, seen, values):
                requeued.append(recording_id)
                logger.warning("recording %s requeued: worker %s silent", recording_id, worker_id)
    return ReapResult(requeued=tuple(requeued), failed=tuple(failed))


@translated
def list_queued_older_than(session: Session, now: datetime, age: timedelta) -> list[str]:
    """Return queued jobs queued longer ago than ``age``, oldest first.

    Their broker message may be lost (the broker restarted, the send failed after the
    commit); sending the task again is safe because ``claim`` lets only one worker in.
    """
    cutoff = resolve_now(now) - age
    query = (
        select(Recording.id)
        .where(
            Recording.status == _QUEUED,
            or_(Recording.queued_at.is_(None), Recording.queued_at < cutoff),
        )
        .order_by(Recording.queued_at)
    )
    return list(session.scalars(query))
