"""Database fixtures: every test runs on SQLite (a temporary file) and on PostgreSQL.

PostgreSQL tests use a database created for this test session through the ``postgres``
maintenance database (``courtrec_test_<random>``) and dropped at the end; tables are
emptied before each test. If PostgreSQL cannot be reached, the PostgreSQL tests fail
with a message saying so: a silent skip would let the distributed mode go untested.
Set ``CR_TEST_POSTGRES_URL`` to use another server (default: local, user ``postgres``).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.db import (
    CourtroomInfo,
    DeviceInfo,
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

BACKENDS = ("sqlite", "postgresql")
PG_ADMIN_URL = os.environ.get(
    "CR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
T0 = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
"""A fixed clock for tests that pass ``now``."""


def _libpq(url: str) -> str:
    """The URL as psycopg itself takes it (no ``+psycopg`` driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresAdmin:
    """Creates and drops throw-away databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def _execute(self, sql: str) -> None:
        with psycopg.connect(_libpq(self.admin_url), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    def create(self) -> str:
        name = f"courtrec_test_{secrets.token_hex(6)}"
        self._execute(f'CREATE DATABASE "{name}"')
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _unreachable_reason(admin_url: str) -> str | None:
    """Why the test server cannot be used, or ``None`` if it can."""
    try:
        with psycopg.connect(_libpq(admin_url), connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return " ".join(str(exc).split())
    return None


@pytest.fixture(scope="session")
def postgres() -> PostgresAdmin:
    reason = _unreachable_reason(PG_ADMIN_URL)
    if reason is not None:
        safe = make_url(PG_ADMIN_URL).render_as_string(hide_password=True)
        pytest.fail(
            f"PostgreSQL is not reachable at {safe}: {reason}. The storage tests run on "
            "PostgreSQL as well as SQLite: start a PostgreSQL server (15 or later) or point "
            "CR_TEST_POSTGRES_URL at one where this user may create databases.",
            pytrace=False,
        )
    return PostgresAdmin(PG_ADMIN_URL)


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Factory of empty databases (no tables) of a backend, removed after the test."""
    created: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return sqlite_url(tmp_path / f"fresh-{len(created)}-{secrets.token_hex(3)}.db")
        admin: PostgresAdmin = request.getfixturevalue("postgres")
        url = admin.create()
        created.append(url)
        return url

    yield make
    if created:
        admin = request.getfixturevalue("postgres")
        for url in created:
            admin.drop(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_engine(postgres: PostgresAdmin) -> Iterator[Engine]:
    """One migrated PostgreSQL database for the session; tests empty its tables."""
    url = postgres.create()
    engine = make_engine(url, pool_size=10)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        postgres.drop(url)


@dataclass(frozen=True)
class Db:
    """What a test gets: the backend's name, its engine and a session factory."""

    backend: str
    url: str
    engine: Engine
    factory: sessionmaker[Session]

    def session(self) -> AbstractContextManager[Session]:
        return session_scope(self.factory)


def _empty_tables(engine: Engine) -> None:
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # the audit log refuses TRUNCATE (append-only); its owner may lift that to reset
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "courtrec.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        url = sqlite_url(path)
        engine = make_engine(url, busy_timeout_s=10)
        try:
            yield Db("sqlite", url, engine, make_sessionmaker(engine))
        finally:
            engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    _empty_tables(engine)
    url = engine.url.render_as_string(hide_password=False)
    yield Db("postgresql", url, engine, make_sessionmaker(engine))


@dataclass(frozen=True)
class Room:
    """A court with one courtroom and one registered recorder."""

    courtroom: CourtroomInfo
    device: DeviceInfo
    token: str


@pytest.fixture
def room(db: Db) -> Room:
    with db.session() as session:
        court = create_court(session, "almaty-district-2", "Almaty District Court No. 2")
        courtroom = create_courtroom(session, court.id, "r3", "Room 3")
        device, token = create_device(session, courtroom.id, "Room 3 recorder", now=T0)
    return Room(courtroom, device, token)
