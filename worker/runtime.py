"""What one worker process holds: settings, database sessions, the object store, models.

Everything is opened on first use, not when the Celery app is built: Celery forks its
pool children after building the app, and a database connection pool or a loaded model
must belong to the process that uses it.
"""

from __future__ import annotations

import logging
import os
import socket
from functools import cached_property

from sqlalchemy.orm import Session, sessionmaker

from storage.db import make_engine, make_sessionmaker
from storage.objects import ObjectStore, open_store
from worker.pipeline import Engines
from worker.settings import Settings

__all__ = ["Runtime", "worker_id"]

logger = logging.getLogger(__name__)


def worker_id() -> str:
    """``host:pid`` of this process: who holds a job, as the database records it."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Runtime:
    """Lazily opened resources of one worker process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Session factory on the configured database."""
        return make_sessionmaker(make_engine(self.settings.resolved_database_url()))

    @cached_property
    def store(self) -> ObjectStore:
        """The object store holding originals and protocols."""
        return open_store(self.settings.store.config(self.settings.data_dir))

    @cached_property
    def engines(self) -> Engines:
        """Whisper and the diarizer, loaded once per process."""
        engines = Engines(self.settings.transcribe_config(), self.settings.diarize_config())
        engines.load_all()
        logger.info("models loaded in worker %s", worker_id())
        return engines
