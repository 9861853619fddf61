"""The Celery app factory: one code path for the embedded and the distributed system.

Only settings differ: the embedded default uses kombu's SQLAlchemy transport on a SQLite
file (no server), production Redis or RabbitMQ. Delivery choices, and why:

* ``acks_late`` with ``reject_on_worker_lost``: a message is acknowledged only after its
  job ran, so a worker killed mid-job does not lose it. Redelivery may then run a job
  twice; the database's ``claim`` lets one worker in and a finished job is skipped.
* ``prefetch_multiplier=1``: a worker does not hoard messages it cannot start for an hour.
* Redis redelivers an unacknowledged message after ``visibility_timeout``; it is set above
  the hard time limit so that a long job is not handed to a second worker while it runs.
  RabbitMQ closes a channel whose message stays unacknowledged past ``consumer_timeout``
  (30 minutes by default): set it above the hard limit in rabbitmq.conf (see
  docs/service.md). Either way the database, not the broker, decides who holds a job, and
  the reaper (Celery beat, every ``reap_interval_s``) re-sends what the broker lost.
* Retries only for transient faults (storage or database unavailable), bounded, with an
  exponential backoff; bad media fails the job at once with a reason.
* Time limits: each job arms its own limit scaled by the recording's duration
  (``worker/deadline.py``); Celery's hard ``time_limit`` is the backstop.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_init

from worker.contracts import PROCESS_QUEUE, TASK_PROCESS, TASK_REAP
from worker.jobs import TransientJobError, run_job
from worker.reaper import expire_uploads, reap
from worker.runtime import Runtime, worker_id
from worker.settings import Settings

__all__ = ["create_celery", "retry_delay"]

logger = logging.getLogger(__name__)


def retry_delay(base_s: float, retries: int, cap_s: float = 600.0) -> float:
    """Exponential backoff for a task's next try after a transient fault."""
    return float(min(cap_s, base_s * 2**retries))


def _transport_options(broker: str, hard_limit_s: float) -> dict[str, Any]:
    """Redis redelivers after ``visibility_timeout``; the SQLAlchemy transport takes none."""
    if broker.startswith(("redis://", "rediss://", "sentinel://")):
        return {"visibility_timeout": int(hard_limit_s + 3600)}
    return {}


def create_celery(settings: Settings, runtime: Runtime | None = None) -> Celery:
    """Build the Celery app with the processing and reaper tasks registered.

    Args:
        settings: The worker's settings.
        runtime: Resources to run jobs with; a fresh lazily opened one by default.

    """
    runtime = runtime or Runtime(settings)
    jobs = settings.jobs
    broker = settings.resolved_broker_url()
    app = Celery("courtrec", set_as_current=False)
    app.conf.update(
        broker_url=broker,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(broker, jobs.hard_time_limit_s),
        task_default_queue=PROCESS_QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_time_limit=int(jobs.hard_time_limit_s),
        worker_prefetch_multiplier=1,
        worker_concurrency=jobs.concurrency,
        worker_hijack_root_logger=False,
        beat_schedule={"reap": {"task": TASK_REAP, "schedule": jobs.reap_interval_s}},
        timezone="UTC",
    )

    @app.task(name=TASK_PROCESS, bind=True, max_retries=jobs.max_retries)
    def process(self: Task, recording_id: str) -> str:
        try:
            outcome = run_job(runtime, recording_id, worker_id(), self.request.id)
        except TransientJobError as exc:
            delay = retry_delay(jobs.retry_backoff_s, self.request.retries)
            logger.warning("recording %s: %s; retrying in %.0f s", recording_id, exc, delay)
            raise self.retry(exc=exc, countdown=delay) from exc
        return outcome.result

    @app.task(name=TASK_REAP)
    def reap_jobs() -> dict[str, Any]:
        now = datetime.now(UTC)
        report = reap(runtime.sessions, jobs, now)
        for recording_id in report.resend:
            app.send_task(TASK_PROCESS, args=[recording_id], queue=PROCESS_QUEUE)
        expired = expire_uploads(runtime.sessions, runtime.store, now)
        return {"resent": list(report.resend), "failed": list(report.failed), "expired": expired}

    def load_models(**_: Any) -> None:
        runtime.engines  # noqa: B018 - load once per pool child, before the first job

    worker_process_init.connect(load_models, weak=False)
    return app
