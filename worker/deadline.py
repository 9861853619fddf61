"""A time limit on one job that scales with the recording's length.

Celery's own time limits are fixed per task when the message is sent, before anyone
knows the recording's duration. The job learns the duration from the probe and then
arms a real-time timer; the signal handler raises inside the running job (as Celery's
soft limit does), so the job fails with a clear reason and the worker lives on. Celery's
hard ``time_limit`` stays as a backstop for a job stuck inside native code.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["JobTimeLimitError", "time_limit"]

logger = logging.getLogger(__name__)


class JobTimeLimitError(Exception):
    """The job ran past the time its recording's length allows."""


@contextmanager
def time_limit(seconds: float) -> Iterator[bool]:
    """Raise :class:`JobTimeLimitError` in this thread after ``seconds``.

    Yields:
        Whether the limit is armed: only the main thread can receive signals, so in a
        thread pool the job runs without it (logged) and Celery's hard limit remains.

    """
    if threading.current_thread() is not threading.main_thread():
        logger.warning("job time limit not armed: not on the main thread")
        yield False
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise JobTimeLimitError(f"time limit of {seconds:.0f} s reached")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
