"""Fixtures of the API tests: the app on real databases and real object stores.

Most tests run the app on a SQLite file and the filesystem store (``api``). Upload tests
also run on PostgreSQL with the SeaweedFS S3 store (``stack_api``, parametrized), the
distributed mode's pair. Each test gets fresh data: a copied migrated SQLite file, or the
session's PostgreSQL database emptied; S3 tests share one bucket, so assertions about
stored objects compare key sets before and after (:meth:`Api.keys`).

The app talks to the queue through :class:`RecordingEnqueuer` here; the real Celery client
has its own tests (``test_queue.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from api import ApiSettings, create_app
from api.queue import Enqueuer
from scripts.seaweedfs import SeaweedServer
from storage.db import (
    create_court,
    create_courtroom,
    create_device,
    make_engine,
    make_sessionmaker,
    session_scope,
    sqlite_url,
    upgrade,
)
from storage.db.models import Base
from storage.objects import MIN_PART_SIZE, ObjectStore, open_store
from storage.settings import StoreSettings
from tests.api.helpers import HEARING, TUS, RecordingEnqueuer, sha256_of
from tests.db.conftest import PostgresAdmin, postgres  # noqa: F401  (fixture)

S3_ACCESS_KEY = "courtrec-api-test"
S3_SECRET_KEY = "courtrec-api-test-secret-0123456789"
S3_BUCKET = "courtrec-api"


@dataclass
class Stack:
    """Settings of one app configuration plus the tokens seeded into its database."""

    name: str
    settings: ApiSettings
    token: str = ""
    neighbour_token: str = ""  # another courtroom of the same court
    stranger_token: str = ""  # a courtroom of another court
    courtroom_id: int = 0
    device_id: int = 0
    queue: RecordingEnqueuer = field(default_factory=RecordingEnqueuer)

    def app(self, enqueuer: Enqueuer | None = None) -> FastAPI:
        return create_app(self.settings, enqueuer=enqueuer or self.queue)

    def store(self) -> ObjectStore:
        return open_store(self.settings.store.config(self.settings.data_dir))

    def seed(self) -> None:
        engine = make_engine(self.settings.resolved_database_url())
        try:
            with session_scope(make_sessionmaker(engine)) as session:
                court = create_court(session, HEARING["court"], "Almaty District Court No. 2")
                room = create_courtroom(session, court.id, HEARING["courtroom"], "Room 3")
                device, self.token = create_device(session, room.id, "Room 3 recorder")
                room4 = create_courtroom(session, court.id, "r4", "Room 4")
                _, self.neighbour_token = create_device(session, room4.id, "Room 4 recorder")
                other = create_court(session, "astana-1", "Astana Court No. 1")
                room1 = create_courtroom(session, other.id, "r1", "Room 1")
                _, self.stranger_token = create_device(session, room1.id, "Astana recorder")
                self.courtroom_id, self.device_id = room.id, device.id
        finally:
            engine.dispose()


class Api:
    """A running app with helpers for the requests the tests repeat."""

    def __init__(self, client: TestClient, stack: Stack) -> None:
        self.client = client
        self.stack = stack
        self.state = client.app.state.courtrec  # type: ignore[attr-defined]

    @property
    def store(self) -> ObjectStore:
        return self.state.store

    def auth(self, token: str | None = None, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.stack.token}", **headers}

    def keys(self, *prefixes: str) -> set[str]:
        prefixes = prefixes or ("originals/", "staging/", "uploads/", "protocols/")
        return {key for prefix in prefixes for key in self.store.list(prefix)}

    def upload(
        self,
        data: Any,
        *,
        sha256: str | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> httpx.Response:
        query = {**HEARING, **params}
        query = {k: v for k, v in query.items() if v is not None}
        digest = sha256 if sha256 is not None else sha256_of(data)
        sent = self.auth(token, **{"X-Content-SHA256": digest, **(headers or {})})
        return self.client.post("/api/v1/recordings", params=query, content=data, headers=sent)

    def tus_create(
        self, length: int, metadata: str | None, *, token: str | None = None, **headers: str
    ) -> httpx.Response:
        sent = self.auth(token, **{**TUS, "Upload-Length": str(length), **headers})
        if metadata is not None:
            sent["Upload-Metadata"] = metadata
        return self.client.post("/api/v1/uploads", headers=sent)

    def tus_patch(
        self, url: str, offset: int, data: Any, *, token: str | None = None, **headers: str
    ) -> httpx.Response:
        base = {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
        sent = self.auth(token, **{**TUS, **base, **headers})
        return self.client.patch(url, content=data, headers=sent)

    def tus_head(self, url: str, *, token: str | None = None) -> httpx.Response:
        return self.client.head(url, headers=self.auth(token, **TUS))


@contextmanager
def running(
    stack: Stack, enqueuer: Enqueuer | None = None, *, celery: bool = False
) -> Iterator[Api]:
    """The app on ``stack``; ``celery=True`` keeps its real Celery client."""
    app = create_app(stack.settings) if celery else stack.app(enqueuer)
    with TestClient(app) as client:
        yield Api(client, stack)


# -- databases and stores ------------------------------------------------------------


@pytest.fixture(scope="session")
def api_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api-sqlite") / "template.db"
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def api_postgres_url(postgres: PostgresAdmin) -> Iterator[str]:  # noqa: F811
    url = postgres.create()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    postgres.drop(url)


def _empty(url: str) -> None:
    engine = make_engine(url)
    try:
        names = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            # the audit log refuses TRUNCATE (append-only); its owner may lift that to reset
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def api_seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    server = SeaweedServer(
        tmp_path_factory.mktemp("api-seaweedfs"),
        access_key=S3_ACCESS_KEY,
        secret_key=S3_SECRET_KEY,
    )
    server.start(timeout=60)
    yield server
    server.kill()


def s3_settings(server: SeaweedServer, bucket: str = S3_BUCKET) -> StoreSettings:
    return StoreSettings(
        backend="s3",
        endpoint=server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        bucket=bucket,
        secure=False,
        region="us-east-1",
        part_size=MIN_PART_SIZE,
    )


def sqlite_stack(tmp_path: Path, template: Path, **overrides: Any) -> Stack:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(template, data / "courtrec.db")
    settings = ApiSettings(data_dir=data, broker_url="memory://", **overrides)
    stack = Stack("sqlite-fs", settings)
    stack.seed()
    return stack


@pytest.fixture
def local(tmp_path: Path, api_sqlite_template: Path) -> Stack:
    """SQLite file and filesystem store: the embedded mode."""
    return sqlite_stack(tmp_path, api_sqlite_template)


@pytest.fixture
def api(local: Stack) -> Iterator[Api]:
    with running(local) as running_api:
        yield running_api


@pytest.fixture(params=["sqlite-fs", "postgres-s3"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Stack:
    """Both modes: embedded (SQLite, filesystem) and distributed (PostgreSQL, S3)."""
    if request.param == "sqlite-fs":
        return sqlite_stack(tmp_path, request.getfixturevalue("api_sqlite_template"))
    url = request.getfixturevalue("api_postgres_url")
    _empty(url)
    server = request.getfixturevalue("api_seaweed")
    settings = ApiSettings(
        data_dir=tmp_path / "data",
        database_url=url,
        broker_url="memory://",
        store=s3_settings(server),
    )
    pg_stack = Stack("postgres-s3", settings)
    pg_stack.seed()
    return pg_stack


@pytest.fixture
def stack_api(stack: Stack) -> Iterator[Api]:
    with running(stack) as running_api:
        yield running_api
