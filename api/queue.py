"""Sending processing jobs to the workers, by task name only.

The API never imports the worker's code (it would pull in torch and the models): a bare
Celery client sends ``recordings.process`` with the recording id to the processing
queue, and whatever worker listens there runs it.

The database, not the broker, is the truth about what is to be done: a recording row is
committed as ``queued`` before its task is sent. If the broker cannot be reached the
upload still succeeds; the job stays queued and the worker's reaper sends the task again
(``storage.db.list_queued_older_than``). That is why :func:`enqueue_quietly` logs a send
failure instead of failing the request: the recorder has delivered its evidence, and
asking it to upload gigabytes again would not help.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from celery import Celery

from worker.contracts import PROCESS_QUEUE, TASK_PROCESS

__all__ = ["CeleryEnqueuer", "Enqueuer", "QueueError", "enqueue_quietly"]

logger = logging.getLogger(__name__)


class QueueError(Exception):
    """The task could not be handed to the broker (it is down or refused the message)."""


@runtime_checkable
class Enqueuer(Protocol):
    """Something that asks a worker to process a recording."""

    def enqueue(self, recording_id: str) -> str:
        """Send the processing task; return its task id.

        Raises:
            QueueError: If the broker did not take the message.

        """
        ...

    def close(self) -> None:
        """Release connections (at shutdown)."""
        ...


def _timeouts(broker_url: str, timeout_s: float) -> dict[str, Any]:
    """Transport options bounding a send; each transport names them differently.

    kombu hands SQLAlchemy-transport options to ``create_engine``, which refuses unknown
    ones, so socket options go to Redis only (AMQP uses ``broker_connection_timeout``).
    """
    if broker_url.split("://", 1)[0] in ("redis", "rediss"):
        return {"socket_connect_timeout": timeout_s, "socket_timeout": timeout_s}
    return {}


class CeleryEnqueuer:
    """Sends tasks through a Celery client that knows nothing but the broker URL.

    Args:
        broker_url: Celery broker URL (``redis://``, ``amqp://``, ``sqla+sqlite:///``).
        timeout_s: Longest time one send may wait for the broker, retries included.
        transport_options: kombu transport options; must match the worker's where they
            change key names (Redis ``global_keyprefix``).

    """

    def __init__(
        self,
        broker_url: str,
        *,
        timeout_s: float = 5.0,
        transport_options: Mapping[str, Any] | None = None,
    ) -> None:
        options = {**_timeouts(broker_url, timeout_s), **(transport_options or {})}
        self._app = Celery("courtrec-api", broker=broker_url, set_as_current=False)
        self._app.conf.update(
            broker_connection_timeout=timeout_s,
            broker_connection_retry=False,
            broker_transport_options=options,
            task_publish_retry=True,
            # A short retry rides over a broker restart; a long one would hold the
            # upload's answer while the job is safe in the database anyway.
            task_publish_retry_policy={
                "max_retries": 2,
                "interval_start": 0.2,
                "interval_step": 0.5,
                "interval_max": 1.0,
            },
        )

    def enqueue(self, recording_id: str) -> str:
        """Send ``recordings.process(recording_id)`` to the processing queue."""
        try:
            result = self._app.send_task(TASK_PROCESS, args=[recording_id], queue=PROCESS_QUEUE)
        except Exception as exc:  # kombu/redis/amqp/sqlalchemy errors: all mean "not sent"
            raise QueueError(f"broker did not take the task: {type(exc).__name__}: {exc}") from exc
        logger.info("task %s sent for recording %s", result.id, recording_id)
        return str(result.id)

    def close(self) -> None:
        """Close the client's broker connections."""
        self._app.close()


def enqueue_quietly(enqueuer: Enqueuer, recording_id: str) -> str | None:
    """Send the task; on failure log a warning and return ``None`` (the job stays queued)."""
    try:
        return enqueuer.enqueue(recording_id)
    except QueueError as exc:
        logger.warning(
            "recording %s stays queued without a task (the reaper will send it): %s",
            recording_id,
            exc,
        )
    except Exception:
        logger.exception(
            "recording %s: enqueuer failed unexpectedly; job stays queued", recording_id
        )
    return None
