"""A real worker process for service tests, and ways to hand it recordings.

Tests start ``python -m cli worker --beat`` (the same command a deployment runs) with
their own data directory, database, broker and object store, given through ``CR_``
environment variables, and hand it recordings the way the API does: original into the
store (write-once), a row in the database, a task sent by name.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from storage.db import (
    NewRecording,
    RecordingInfo,
    create_court,
    create_courtroom,
    find_court,
    find_courtroom,
    get_recording,
    list_protocol_versions,
    make_engine,
    make_sessionmaker,
    new_id,
    session_scope,
    upgrade,
)
from storage.objects import ObjectStore, open_store
from worker.contracts import PROCESS_QUEUE, TASK_PROCESS, original_key

ROOT = Path(__file__).resolve().parents[2]
MODELS = Path(os.environ.get("CR_MODELS_DIR", ROOT / "data" / "models")).resolve()


@dataclass
class Service:
    """Where one test system keeps its state, as ``CR_`` environment variables."""

    data_dir: Path
    database_url: str
    broker_url: str
    store_env: dict[str, str] = field(default_factory=dict)
    jobs_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CR_")}
        env.update(
            {
                "CR_DATA_DIR": str(self.data_dir),
                "CR_MODELS_DIR": str(MODELS),
                "CR_DATABASE_URL": self.database_url,
                "CR_BROKER_URL": self.broker_url,
                "CR_JOBS__HEARTBEAT_S": "1",
                "CR_JOBS__HEARTBEAT_TIMEOUT_S": "6",
                "CR_JOBS__REAP_INTERVAL_S": "2",
                "CR_JOBS__REQUEUE_AFTER_S": "8",
                "CR_JOBS__RETRY_BACKOFF_S": "2",
                "PYTHONUNBUFFERED": "1",
                **self.store_env,
                **self.jobs_env,
            }
        )
        return env

    def settings(self):
        from worker.settings import Settings

        saved = dict(os.environ)
        try:
            os.environ.clear()
            os.environ.update(self.env())
            return Settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def store(self) -> ObjectStore:
        settings = self.settings()
        return open_store(settings.store.config(settings.data_dir))

    def sessions(self):
        engine = make_engine(self.database_url)
        upgrade(engine)
        return make_sessionmaker(engine)


class WorkerProcess:
    """``python -m cli worker --beat`` in the background, with its log kept for failures."""

    def __init__(self, service: Service, name: str = "worker") -> None:
        self.service = service
        self.log = service.data_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        self.service.data_dir.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "worker", "--beat", "--concurrency", "1"],
            cwd=ROOT,
            env=self.service.env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def courtroom(sessions) -> int:
    with session_scope(sessions) as session:
        court = find_court(session, "test") or create_court(session, "test", "Test court")
        room = find_courtroom(session, court.id, "r1") or create_courtroom(
            session, court.id, "r1", "Room 1"
        )
        return room.id


def submit(service: Service, media: Path, *, case: str = "2-1/2026", **fields) -> str:
    """Store ``media`` as an original, record it queued and send its task; return its id."""
    sessions = service.sessions()
    room = courtroom(sessions)
    recording_id = new_id()
    stored = service.store().put_file(original_key(recording_id), media, worm=True)
    assert stored.sha256 == hashlib.sha256(media.read_bytes()).hexdigest()
    with session_scope(sessions) as session:
        from storage.db import create_recording

        create_recording(
            session,
            NewRecording(
                id=recording_id,
                courtroom_id=room,
                device_id=None,
                case_number=case,
                hearing_started_at=datetime.now(UTC),
                sha256=stored.sha256,
                size_bytes=stored.size,
                original_key=stored.key,
                source_name=media.name,
                languages=("kk", "ru"),
                **fields,
            ),
        )
    send(service, recording_id)
    return recording_id


def send(service: Service, recording_id: str) -> None:
    from worker.celery_app import create_celery

    app = create_celery(service.settings())
    with app.connection_for_write() as connection:
        app.send_task(TASK_PROCESS, args=[recording_id], queue=PROCESS_QUEUE, connection=connection)


def recording(service: Service, recording_id: str) -> RecordingInfo:
    with session_scope(service.sessions()) as session:
        return get_recording(session, recording_id)


def versions(service: Service, recording_id: str) -> int:
    with session_scope(service.sessions()) as session:
        return len(list_protocol_versions(session, recording_id))


def wait_for(
    service: Service,
    recording_id: str,
    done: tuple[str, ...] = ("done", "failed"),
    timeout: float = 300,
    worker: WorkerProcess | None = None,
    step: str | None = None,
) -> RecordingInfo:
    """Poll the database until the job reaches one of ``done`` (or ``step``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = recording(service, recording_id)
        if info.status in done and (step is None or info.step == step):
            return info
        time.sleep(0.5)
    log = worker.tail() if worker else ""
    raise AssertionError(f"recording {recording_id} stuck at {info.status}/{info.step}\n{log}")
