"""The reaper: jobs whose worker died go back to the queue, lost messages are sent again.

Celery's redelivery alone is not enough: with Redis an unacknowledged message comes back
only after the visibility timeout, the embedded SQLite broker never redelivers, and a
broker restart can lose a message sent just before. The database knows better: a
processing job whose heartbeat stopped lost its worker, and a job queued for long has
probably lost its message. Sending a task twice is harmless, because ``claim`` lets one
worker in.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from storage.db import (
    delete_upload,
    expired_uploads,
    list_queued_older_than,
    mark_queued,
    requeue_stale,
    session_scope,
)
from storage.errors import ObjectNotFoundError
from storage.objects import ObjectStore
from worker.settings import JobSettings

__all__ = ["ReapReport", "expire_uploads", "reap"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReapReport:
    """One reaper pass: jobs to send again, and jobs given up after too many lost workers."""

    resend: tuple[str, ...]
    failed: tuple[str, ...]


def reap(sessions: sessionmaker[Session], jobs: JobSettings, now: datetime) -> ReapReport:
    """Find the jobs whose processing task must be sent again."""
    with session_scope(sessions) as session:
        result = requeue_stale(
            session,
            now,
            timedelta(seconds=jobs.heartbeat_timeout_s),
            max_attempts=jobs.max_attempts,
        )
        lost = list_queued_older_than(session, now, timedelta(seconds=jobs.requeue_after_s))
        resend = tuple(dict.fromkeys([*result.requeued, *lost]))
        for recording_id in resend:
            mark_queued(session, recording_id, now=now)
    if resend or result.failed:
        logger.warning(
            "reaper: sending %d job(s) again, %d given up", len(resend), len(result.failed)
        )
    return ReapReport(resend, result.failed)


def expire_uploads(sessions: sessionmaker[Session], store: ObjectStore, now: datetime) -> int:
    """Delete the pieces and rows of resumable uploads abandoned past their expiry.

    An unfinished upload holds no evidence yet (nothing was recorded); its pieces are
    deleted first, then its row, so a crash in between only leaves a row to retry.

    Returns:
        How many uploads were removed.

    """
    with session_scope(sessions) as session:
        expired = expired_uploads(session, now)
    removed = 0
    for upload in expired:
        for key in list(store.list(f"uploads/{upload.id}/")):
            with contextlib.suppress(ObjectNotFoundError):
                store.delete(key)
        with session_scope(sessions) as session:
            removed += delete_upload(session, upload.id)
    if removed:
        logger.info("reaper: removed %d abandoned upload(s)", removed)
    return removed
