"""The heartbeat a running job writes, and the progress it reports.

The database decides who holds a job; a worker proves it is alive by writing a
heartbeat every few seconds from a background thread (steps such as diarization report
no progress for minutes on long recordings). If the database says another worker holds
the job now (this one was presumed dead), the heartbeat notes it and the job stops at its
next progress report instead of overwriting the new worker's results.
"""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from storage.db import heartbeat, report_progress, session_scope
from storage.errors import ConflictError, StorageError
from worker.contracts import PIPELINE_STEPS

__all__ = ["Heartbeat", "JobLostError", "ProgressReporter", "overall_progress"]

logger = logging.getLogger(__name__)

STEP_WEIGHTS = {
    "download": 0.02,
    "probe": 0.01,
    "normalize": 0.03,
    "diarize": 0.20,
    "transcribe": 0.70,
    "merge": 0.02,
    "store": 0.02,
}
"""Share of a typical job's time per step (measured: transcription dominates)."""


class JobLostError(Exception):
    """Another worker holds the job now; this one must stop without writing results."""


def overall_progress(step: str, completed: float, total: float) -> float:
    """Progress of the whole job (0..1) from one step's progress."""
    before = 0.0
    for name in PIPELINE_STEPS:
        if name == step:
            fraction = min(max(completed / total, 0.0), 1.0) if total > 0 else 0.0
            return round(before + STEP_WEIGHTS[name] * fraction, 4)
        before += STEP_WEIGHTS[name]
    return round(before, 4)


class Heartbeat:
    """A background thread writing the job's heartbeat; a context manager."""

    def __init__(
        self, sessions: sessionmaker[Session], recording_id: str, worker: str, interval_s: float
    ) -> None:
        self._sessions = sessions
        self._recording_id = recording_id
        self._worker = worker
        self._interval_s = interval_s
        self._stop = threading.Event()
        self.lost = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval_s + 5)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                with session_scope(self._sessions) as session:
                    heartbeat(session, self._recording_id, self._worker)
            except ConflictError:
                logger.warning("recording %s is held by another worker now", self._recording_id)
                self.lost.set()
                return
            except StorageError as exc:  # the database may be back at the next beat
                logger.warning("heartbeat of %s not written: %s", self._recording_id, exc)


class ProgressReporter:
    """The pipeline's progress hook: writes step and percent, at most once a second."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        recording_id: str,
        worker: str,
        beat: Heartbeat,
        min_interval_s: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self._recording_id = recording_id
        self._worker = worker
        self._beat = beat
        self._min_interval_s = min_interval_s
        self._last_step = ""
        self._last_time = 0.0

    def __call__(self, step: str, completed: float, total: float) -> None:
        """Record progress; raises :class:`JobLostError` once another worker holds the job."""
        if self._beat.lost.is_set():
            raise JobLostError(f"recording {self._recording_id} was taken over")
        now = time.monotonic()
        if step == self._last_step and now - self._last_time < self._min_interval_s:
            return
        self._last_step, self._last_time = step, now
        try:
            with session_scope(self._sessions) as session:
                report_progress(
                    session,
                    self._recording_id,
                    self._worker,
                    step,
                    overall_progress(step, completed, total),
                )
        except ConflictError as exc:
            raise JobLostError(str(exc)) from exc
        except StorageError as exc:  # progress is informative; the job goes on
            logger.warning("progress of %s not written: %s", self._recording_id, exc)
